import { useState } from 'preact/hooks';
import { api, canPolicy, get, seg } from '../api';
import { AddBinding, BindingsTable } from '../components/bindings';
import { Chart } from '../components/chart';
import { FeatureTags } from '../components/features';
import { ActionButton, ActionForm, Card, Collapsible, ErrorBox, Facts, Field, notify, Select, TextInput } from '../components/form';
import { PublishForm } from '../components/publish';
import { DataTable } from '../components/table';
import { fmtBytes, fmtNum, fmtRate, fmtValue } from '../format';
import { chartQuery, lengthSeries, rateSeries, recordHistory } from '../history';
import { chartRange, href, navigate, usePoll, useSetting } from '../hooks';
import type { Binding, Consumer, GotMessage, Queue } from '../types';

const queuePath = (vhost: string, name: string) => `/api/queues/${seg(vhost)}/${seg(name)}`;

function GetMessages(props: { vhost: string; name: string; onDone: () => void }) {
  const [ackmode, setAckmode] = useState('ack_requeue_true');
  const [encoding, setEncoding] = useState('auto');
  const [count, setCount] = useState('1');
  const [messages, setMessages] = useState<GotMessage[] | null>(null);
  return (
    <>
      <p class="muted">Getting messages from a queue is a destructive action: with requeueing they return to the queue marked redelivered.</p>
      <ActionForm testId="get-messages" submit="Get message(s)" onSubmit={async () => {
        const n = Number(count);
        if (!Number.isInteger(n) || n < 1) throw new Error('Messages: a whole number of at least 1');
        setMessages(await api<GotMessage[]>('POST', `${queuePath(props.vhost, props.name)}/get`, { count: n, ackmode, encoding, truncate: 50000 }));
        props.onDone();
      }}>
        <div class="row">
          <Field label="Ack mode"><Select name="ackmode" value={ackmode} onValue={setAckmode} options={[
            ['ack_requeue_true', 'Nack message requeue true'],
            ['ack_requeue_false', 'Automatic ack'],
            ['reject_requeue_true', 'Reject requeue true'],
            ['reject_requeue_false', 'Reject requeue false'],
          ]} /></Field>
          <Field label="Encoding"><Select value={encoding} onValue={setEncoding} options={[['auto', 'Auto string / base64'], ['base64', 'base64']]} /></Field>
          <Field label="Messages"><TextInput name="get-count" value={count} onValue={setCount} inputMode="numeric" /></Field>
        </div>
      </ActionForm>
      {messages !== null && (
        <div class="messages" data-testid="got-messages">
          {messages.length === 0 ? <p class="muted">Queue is empty.</p> : messages.map((m, i) => (
            <div class="message" key={i}>
              <div class="message-head">
                <strong>Message {i + 1}</strong>
                <span class="muted">{m.message_count} left in the queue</span>
              </div>
              <Facts items={[
                ['Exchange', m.exchange === '' ? '(AMQP default)' : m.exchange],
                ['Routing key', <code>{m.routing_key}</code>],
                ['Redelivered', m.redelivered ? 'yes' : 'no'],
                ['Properties', <code>{fmtValue(m.properties)}</code>],
                ['Payload', `${fmtNum(m.payload_bytes)} bytes, encoding: ${m.payload_encoding}`],
              ]} />
              <pre class="payload" data-testid="payload">{m.payload}</pre>
            </div>
          ))}
        </div>
      )}
    </>
  );
}

/**
 * Moves the queue's messages to another queue with a one-off shovel that deletes itself once it
 * has moved as many messages as the queue held, exactly as RabbitMQ's UI does.
 */
function MoveMessages(props: { vhost: string; name: string; onDone: () => void }) {
  const [dest, setDest] = useState('');
  return (
    <ActionForm testId="move-messages" submit="Move messages" onSubmit={async () => {
      if (dest === '') throw new Error('Name the destination queue');
      const uri = `amqp:///${encodeURIComponent(props.vhost)}`;
      const shovel = `Move from ${props.name}`;
      await api('PUT', `/api/parameters/shovel/${seg(props.vhost)}/${seg(shovel)}`, {
        component: 'shovel',
        vhost: props.vhost,
        name: shovel,
        value: {
          'src-uri': uri,
          'src-queue': props.name,
          'src-protocol': 'amqp091',
          'src-prefetch-count': 1000,
          'src-delete-after': 'queue-length',
          'src-consumer-args': {},
          'dest-protocol': 'amqp091',
          'dest-uri': uri,
          'dest-add-forward-headers': false,
          'ack-mode': 'on-confirm',
          'dest-queue': dest,
        },
      });
      notify(`Moving messages to '${dest}'.`);
      setDest('');
      props.onDone();
    }}>
      <p class="muted">Moves every message now in this queue to the destination queue (with a shovel that removes itself when done).</p>
      <Field label="Destination queue"><TextInput name="dest-queue" value={dest} onValue={setDest} /></Field>
    </ActionForm>
  );
}

export function QueuePage(props: { vhost: string; name: string }) {
  const path = queuePath(props.vhost, props.name);
  const key = `queue:${props.vhost}:${props.name}`;
  const [range] = useSetting(chartRange);
  const { data, error, reload } = usePoll(async () => {
    const [queue, bindings] = await Promise.all([get<Queue>(`${path}?${chartQuery(range)}`), get<Binding[]>(`${path}/bindings`)]);
    recordHistory(key, queue, queue.message_stats);
    return { queue, bindings };
  }, `${path}:${range}`);
  const q = data?.queue;
  return (
    <div class="page">
      <div class="page-head">
        <h1><a href={href('queues')} class="crumb">Queues</a> / <span data-testid="queue-title">{props.name}</span></h1>
        <span class="muted">in virtual host {props.vhost}</span>
      </div>
      <ErrorBox error={error} />
      {q && (
        <>
          <div class="tiles">
            {([['Ready', q.messages_ready], ['Unacked', q.messages_unacknowledged], ['Total', q.messages], ['Consumers', q.consumers]] as [string, number][]).map(([label, v]) => (
              <div class="tile" key={label} data-testid={`queue-${label.toLowerCase()}`}>
                <div class="tile-value">{fmtNum(v)}</div>
                <div class="tile-label">{label}</div>
              </div>
            ))}
            <div class="tile">
              <div class="tile-value">{fmtBytes(q.message_bytes)}</div>
              <div class="tile-label">Message bytes</div>
            </div>
          </div>
          <div class="grid2">
            <Card title="Queued messages">
              <Chart testId="chart-queued" series={lengthSeries(key, q, range)} format={(v) => fmtNum(Math.round(v))} />
            </Card>
            <Card title="Message rates">
              <Chart testId="chart-rates" series={rateSeries(key, q.message_stats, range)} format={fmtRate}
                empty="This node reports no message rates yet" />
            </Card>
          </div>
          <Card title="Details">
            <Facts testId="queue-facts" items={[
              ['Type', q.type],
              ['Features', <FeatureTags durable={q.durable} autoDelete={q.auto_delete} exclusive={q.exclusive} args={q.arguments} />],
              ['Policy', q.policy ?? '—'],
              ['Operator policy', q.operator_policy ?? '—'],
              ['Effective policy definition', q.effective_policy_definition && Object.keys(q.effective_policy_definition).length ? <code>{fmtValue(q.effective_policy_definition)}</code> : '—'],
              ['State', q.state],
              ['Node', q.node ?? '—'],
            ]} />
          </Card>
          <Card title="Consumers" testId="consumers">
            <DataTable<Consumer>
              rows={q.consumer_details ?? []}
              rowKey={(c) => `${c.channel_details.name}|${c.consumer_tag}`}
              empty="No consumers"
              columns={[
                { key: 'channel', label: 'Channel', value: (c) => c.channel_details.name, render: (c) => <a href={href('connections', c.channel_details.connection_name)}>{c.channel_details.name}</a> },
                { key: 'tag', label: 'Consumer tag', value: (c) => c.consumer_tag },
                { key: 'ack', label: 'Ack required', value: (c) => (c.ack_required ? 'yes' : 'no') },
                { key: 'exclusive', label: 'Exclusive', value: (c) => (c.exclusive ? 'yes' : 'no') },
                { key: 'prefetch', label: 'Prefetch', value: (c) => c.prefetch_count, numeric: true },
                { key: 'active', label: 'Active', value: (c) => c.activity_status },
                { key: 'args', label: 'Arguments', value: (c) => fmtValue(c.arguments) },
              ]}
            />
          </Card>
          <Card title="Bindings" testId="queue-bindings">
            <BindingsTable rows={data?.bindings} side="destination" onChange={reload} />
            <h3>Add binding to this queue</h3>
            <AddBinding vhost={props.vhost} fixed={{ side: 'destination', type: 'queue' }} name={props.name} onDone={reload} />
          </Card>
          <Collapsible title="Publish message" testId="queue-publish-card">
            <p class="muted">Published through the default exchange with this queue's name as routing key.</p>
            <PublishForm vhost={props.vhost} exchange="" routingKey={props.name} onDone={reload} />
          </Collapsible>
          <Collapsible title="Get messages" testId="get-card">
            <GetMessages vhost={props.vhost} name={props.name} onDone={reload} />
          </Collapsible>
          {/* A shovel is a runtime parameter: policymakers and administrators only. */}
          {canPolicy() && (
            <Collapsible title="Move messages" testId="move-card">
              <MoveMessages vhost={props.vhost} name={props.name} onDone={reload} />
            </Collapsible>
          )}
          <Card title="Purge or delete">
            <div class="row">
              <ActionButton testId="purge" label="Purge messages" confirm={`Purge all messages from '${props.name}'?`} done="Queue purged"
                action={async () => { await api('DELETE', `${path}/contents`); reload(); }} />
              <ActionButton testId="delete-queue" danger label="Delete queue" confirm={`Delete queue '${props.name}'?`} done="Queue deleted"
                action={async () => { await api('DELETE', path); navigate('queues'); }} />
            </div>
          </Card>
        </>
      )}
    </div>
  );
}
