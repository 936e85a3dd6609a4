// Bindings of one exchange or queue: the list (with unbind) and a form to add one.
import { useState } from 'preact/hooks';
import { api, seg } from '../api';
import { href } from '../hooks';
import { fmtValue } from '../format';
import type { Binding } from '../types';
import { ActionButton, ActionForm, ArgsEditor, argsToJson, Field, Select, TextInput } from './form';
import type { ArgRow } from './form';
import { DataTable } from './table';

const letter = (t: 'queue' | 'exchange') => (t === 'queue' ? 'q' : 'e');

export function unbind(b: Binding): Promise<unknown> {
  return api('DELETE', `/api/bindings/${seg(b.vhost)}/e/${seg(b.source)}/${letter(b.destination_type)}/${seg(b.destination)}/${seg(b.properties_key)}`);
}

export function bind(vhost: string, source: string, destType: 'queue' | 'exchange', dest: string, routingKey: string, args: Record<string, unknown>): Promise<unknown> {
  return api('POST', `/api/bindings/${seg(vhost)}/e/${seg(source)}/${letter(destType)}/${seg(dest)}`, { routing_key: routingKey, arguments: args });
}

function ObjectLink(props: { vhost: string; type: 'queue' | 'exchange'; name: string }) {
  if (props.type === 'exchange' && props.name === '') return <span class="muted">(AMQP default)</span>;
  return <a href={href(props.type === 'queue' ? 'queues' : 'exchanges', props.vhost, props.name)}>{props.name}</a>;
}

/** `side` is which end the page's object is: the other end is the column shown. */
export function BindingsTable(props: { rows: Binding[] | undefined; side: 'source' | 'destination'; onChange: () => void; testId?: string }) {
  return (
    <DataTable<Binding>
      testId={props.testId}
      rows={props.rows}
      rowKey={(b) => `${b.source}|${b.destination_type}|${b.destination}|${b.properties_key}`}
      empty="No bindings"
      columns={[
        props.side === 'source'
          ? { key: 'to', label: 'To', value: (b) => b.destination, render: (b) => <span><span class="pill">{b.destination_type}</span> <ObjectLink vhost={b.vhost} type={b.destination_type} name={b.destination} /></span> }
          : { key: 'from', label: 'From', value: (b) => b.source, render: (b) => <ObjectLink vhost={b.vhost} type="exchange" name={b.source} /> },
        { key: 'rk', label: 'Routing key', value: (b) => b.routing_key, render: (b) => <code>{b.routing_key}</code> },
        { key: 'args', label: 'Arguments', value: (b) => fmtValue(b.arguments), render: (b) => (Object.keys(b.arguments).length ? <code>{fmtValue(b.arguments)}</code> : '') },
        { key: 'actions', label: '', value: () => '', render: (b) => (b.source === '' ? <span class="muted">default binding</span> : (
          <ActionButton small label="Unbind" action={async () => { await unbind(b); props.onChange(); }} done="Binding removed" />
        )) },
      ]}
    />
  );
}

/**
 * Adds a binding. On an exchange page the exchange is the source and the user names the
 * destination; on a queue page the queue is the destination and the user names the source.
 */
export function AddBinding(props: { vhost: string; fixed: { side: 'source' } | { side: 'destination'; type: 'queue' | 'exchange' }; name: string; onDone: () => void }) {
  const [other, setOther] = useState('');
  const [destType, setDestType] = useState<'queue' | 'exchange'>('queue');
  const [rk, setRk] = useState('');
  const [args, setArgs] = useState<ArgRow[]>([]);
  const fromExchange = props.fixed.side === 'source';
  return (
    <ActionForm testId="add-binding" submit="Bind" done="Binding added" onSubmit={async () => {
      if (fromExchange) await bind(props.vhost, props.name, destType, other, rk, argsToJson(args));
      else await bind(props.vhost, other, (props.fixed as { type: 'queue' | 'exchange' }).type, props.name, rk, argsToJson(args));
      setOther('');
      setRk('');
      setArgs([]);
      props.onDone();
    }}>
      <div class="row">
        {fromExchange && <Field label="To"><Select value={destType} onValue={(v) => setDestType(v as 'queue' | 'exchange')} options={[['queue', 'Queue'], ['exchange', 'Exchange']]} /></Field>}
        <Field label={fromExchange ? (destType === 'queue' ? 'Queue' : 'Exchange') : 'From exchange'}>
          <TextInput name="bind-other" value={other} onValue={setOther} required />
        </Field>
        <Field label="Routing key"><TextInput name="bind-routing-key" value={rk} onValue={setRk} /></Field>
      </div>
      <ArgsEditor rows={args} onRows={setArgs} />
    </ActionForm>
  );
}
