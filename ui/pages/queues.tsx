import { useState } from 'preact/hooks';
import { api, seg } from '../api';
import { FeatureTags } from '../components/features';
import { ActionForm, ArgsEditor, argsToJson, Card, Checkbox, Collapsible, ErrorBox, Field, Select, TextInput } from '../components/form';
import type { ArgRow, ArgType } from '../components/form';
import { useVhostNames } from '../components/layout';
import { DataTable, vhostColumn } from '../components/table';
import { fmtNum, fmtRate, fmtValue } from '../format';
import { rateOf } from '../history';
import { href, perVhost, selectedVhost, useSetting, useVhostList } from '../hooks';
import type { Queue } from '../types';

/** The x-arguments RabbitMQ's "Add queue" form offers as shortcuts. */
export const queueArgPresets: [string, ArgType, string][] = [
  ['x-message-ttl', 'number', 'Message TTL'],
  ['x-expires', 'number', 'Auto expire'],
  ['x-max-length', 'number', 'Max length'],
  ['x-max-length-bytes', 'number', 'Max length bytes'],
  ['x-overflow', 'string', 'Overflow behaviour'],
  ['x-dead-letter-exchange', 'string', 'Dead letter exchange'],
  ['x-dead-letter-routing-key', 'string', 'Dead letter routing key'],
  ['x-single-active-consumer', 'boolean', 'Single active consumer'],
  ['x-max-priority', 'number', 'Maximum priority'],
  ['x-delivery-limit', 'number', 'Delivery limit'],
];

function AddQueue(props: { onDone: () => void }) {
  const vhosts = useVhostNames();
  const [selected] = useSetting(selectedVhost);
  const [vhost, setVhost] = useState(selected || '/');
  const [type, setType] = useState('classic');
  const [name, setName] = useState('');
  const [durable, setDurable] = useState(true);
  const [autoDelete, setAutoDelete] = useState(false);
  const [args, setArgs] = useState<ArgRow[]>([]);
  return (
    <ActionForm testId="add-queue" submit="Add queue" done={`Queue '${name}' added`} onSubmit={async () => {
      const a = argsToJson(args);
      if (type !== 'classic') a['x-queue-type'] = type;
      await api('PUT', `/api/queues/${seg(vhost)}/${seg(name)}`, { durable: type === 'classic' ? durable : true, auto_delete: autoDelete, arguments: a });
      setName('');
      setArgs([]);
      props.onDone();
    }}>
      <div class="row">
        <Field label="Virtual host"><Select value={vhost} onValue={setVhost} options={vhosts.length ? vhosts : [vhost]} /></Field>
        <Field label="Type"><Select name="queue-type" value={type} onValue={setType} options={[['classic', 'Classic'], ['quorum', 'Quorum'], ['stream', 'Stream']]} /></Field>
        <Field label="Name"><TextInput name="queue-name" value={name} onValue={setName} required /></Field>
      </div>
      <div class="row checks">
        {type === 'classic' && <Checkbox label="Durable" checked={durable} onChecked={setDurable} />}
        {type === 'classic' && <Checkbox label="Auto delete" checked={autoDelete} onChecked={setAutoDelete} />}
      </div>
      <ArgsEditor rows={args} onRows={setArgs} presets={queueArgPresets} />
    </ActionForm>
  );
}

const rateColumn = (key: string, label: string, field: string) => ({
  key, label, numeric: true,
  value: (q: Queue) => rateOf(q.message_stats, field),
  render: (q: Queue) => fmtRate(rateOf(q.message_stats, field)),
});

export function Queues() {
  const { vhost, data, error, reload } = useVhostList<Queue>(perVhost('queues'));
  return (
    <div class="page">
      <div class="page-head"><h1>Queues</h1></div>
      <ErrorBox error={error} />
      <Card>
        <DataTable<Queue>
          testId="queues"
          rows={data}
          rowKey={(q) => `${q.vhost}|${q.name}`}
          filterOn={(q) => q.name}
          empty="No queues"
          columns={[
            ...vhostColumn<Queue>(!vhost),
            { key: 'name', label: 'Name', value: (q) => q.name, render: (q) => <a href={href('queues', q.vhost, q.name)}>{q.name}</a> },
            { key: 'type', label: 'Type', value: (q) => q.type },
            { key: 'features', label: 'Features', value: (q) => fmtValue(q.arguments), render: (q) => <FeatureTags durable={q.durable} autoDelete={q.auto_delete} exclusive={q.exclusive} args={q.arguments} policy={q.policy} /> },
            { key: 'state', label: 'State', value: (q) => q.state, render: (q) => <span class={`pill ${q.state === 'running' ? 'ok' : 'warn'}`}>{q.state}</span> },
            { key: 'consumers', label: 'Consumers', value: (q) => q.consumers, numeric: true },
            { key: 'ready', label: 'Ready', value: (q) => q.messages_ready, numeric: true, render: (q) => fmtNum(q.messages_ready) },
            { key: 'unacked', label: 'Unacked', value: (q) => q.messages_unacknowledged, numeric: true, render: (q) => fmtNum(q.messages_unacknowledged) },
            { key: 'total', label: 'Total', value: (q) => q.messages, numeric: true, render: (q) => <span data-testid="row-total">{fmtNum(q.messages)}</span> },
            rateColumn('incoming', 'Incoming', 'publish'),
            rateColumn('deliver', 'Deliver / get', 'deliver_get'),
            rateColumn('ack', 'Ack', 'ack'),
          ]}
        />
      </Card>
      <Collapsible title="Add a new queue" testId="add-queue-card"><AddQueue onDone={reload} /></Collapsible>
    </div>
  );
}
