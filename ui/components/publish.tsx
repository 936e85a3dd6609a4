// "Publish message", as on RabbitMQ's exchange and queue pages (POST .../exchanges/{vhost}/{name}/publish).
import { useState } from 'preact/hooks';
import { api, seg } from '../api';
import { ActionForm, ArgsEditor, argsToJson, Field, notify, Select, TextInput } from './form';
import type { ArgRow } from './form';

/** Message properties the form offers besides delivery mode and headers. */
const propertyPresets: [string, 'string', string][] = [
  ['content_type', 'string', 'Content type'],
  ['content_encoding', 'string', 'Content encoding'],
  ['correlation_id', 'string', 'Correlation ID'],
  ['reply_to', 'string', 'Reply to'],
  ['expiration', 'string', 'Expiration'],
  ['message_id', 'string', 'Message ID'],
  ['type', 'string', 'Type'],
  ['user_id', 'string', 'User ID'],
  ['app_id', 'string', 'App ID'],
];

/**
 * Publishes through `exchange` ('' is the default exchange, reached as amq.default). With
 * `routingKey` fixed (a queue's page) the key field is not shown.
 */
export function PublishForm(props: { vhost: string; exchange: string; routingKey?: string; onDone?: () => void }) {
  const [rk, setRk] = useState('');
  const [mode, setMode] = useState('1');
  const [headers, setHeaders] = useState<ArgRow[]>([]);
  const [properties, setProperties] = useState<ArgRow[]>([]);
  const [payload, setPayload] = useState('');
  const [encoding, setEncoding] = useState('string');
  const name = props.exchange === '' ? 'amq.default' : props.exchange;
  return (
    <ActionForm testId="publish" submit="Publish message" onSubmit={async () => {
      const hdrs = argsToJson(headers);
      const body = {
        properties: { delivery_mode: Number(mode), ...(Object.keys(hdrs).length ? { headers: hdrs } : {}), ...argsToJson(properties) },
        routing_key: props.routingKey ?? rk,
        payload,
        payload_encoding: encoding,
      };
      const r = await api<{ routed: boolean }>('POST', `/api/exchanges/${seg(props.vhost)}/${seg(name)}/publish`, body);
      if (r.routed) notify('Message published.');
      else notify('Message published, but it was not routed to any queue.', 'error');
      props.onDone?.();
    }}>
      <div class="row">
        {props.routingKey === undefined && <Field label="Routing key"><TextInput name="routing-key" value={rk} onValue={setRk} /></Field>}
        <Field label="Delivery mode"><Select name="delivery-mode" value={mode} onValue={setMode} options={[['1', '1 - Non-persistent'], ['2', '2 - Persistent']]} /></Field>
        <Field label="Payload encoding"><Select value={encoding} onValue={setEncoding} options={[['string', 'String'], ['base64', 'Base64']]} /></Field>
      </div>
      <ArgsEditor label="Headers" rows={headers} onRows={setHeaders} />
      <ArgsEditor label="Properties" rows={properties} onRows={setProperties} presets={propertyPresets} />
      <Field label="Payload">
        <textarea name="payload" rows={5} value={payload} onInput={(e) => setPayload((e.target as HTMLTextAreaElement).value)} />
      </Field>
    </ActionForm>
  );
}
