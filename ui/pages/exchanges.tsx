import { useState } from 'preact/hooks';
import { api, get, seg } from '../api';
import { AddBinding, BindingsTable } from '../components/bindings';
import { Chart } from '../components/chart';
import { FeatureTags } from '../components/features';
import { ActionButton, ActionForm, ArgsEditor, argsToJson, Card, Checkbox, Collapsible, ErrorBox, Facts, Field, Select, TextInput } from '../components/form';
import type { ArgRow } from '../components/form';
import { useVhostNames } from '../components/layout';
import { PublishForm } from '../components/publish';
import { DataTable, vhostColumn } from '../components/table';
import { fmtRate, fmtValue } from '../format';
import { chartQuery, rateOf, rateSeries, recordHistory } from '../history';
import { chartRange, href, navigate, perVhost, selectedVhost, usePoll, useSetting, useVhostList } from '../hooks';
import type { Binding, Exchange } from '../types';

const exchangeTypes = ['direct', 'fanout', 'topic', 'headers', 'x-delayed-message', 'x-consistent-hash'];

const displayName = (name: string) => (name === '' ? '(AMQP default)' : name);

function AddExchange(props: { onDone: () => void }) {
  const vhosts = useVhostNames();
  const [selected] = useSetting(selectedVhost);
  const [vhost, setVhost] = useState(selected || '/');
  const [name, setName] = useState('');
  const [type, setType] = useState('direct');
  const [durable, setDurable] = useState(true);
  const [autoDelete, setAutoDelete] = useState(false);
  const [internal, setInternal] = useState(false);
  const [args, setArgs] = useState<ArgRow[]>([]);
  return (
    <ActionForm testId="add-exchange" submit="Add exchange" done={`Exchange '${name}' added`} onSubmit={async () => {
      await api('PUT', `/api/exchanges/${seg(vhost)}/${seg(name)}`, { type, durable, auto_delete: autoDelete, internal, arguments: argsToJson(args) });
      setName('');
      setArgs([]);
      props.onDone();
    }}>
      <div class="row">
        <Field label="Virtual host"><Select value={vhost} onValue={setVhost} options={vhosts.length ? vhosts : [vhost]} /></Field>
        <Field label="Name"><TextInput name="exchange-name" value={name} onValue={setName} required /></Field>
        <Field label="Type"><Select name="exchange-type" value={type} onValue={setType} options={exchangeTypes} /></Field>
      </div>
      <div class="row checks">
        <Checkbox label="Durable" checked={durable} onChecked={setDurable} />
        <Checkbox label="Auto delete" checked={autoDelete} onChecked={setAutoDelete} />
        <Checkbox label="Internal" checked={internal} onChecked={setInternal} />
      </div>
      <ArgsEditor rows={args} onRows={setArgs} presets={[['alternate-exchange', 'string', 'Alternate exchange'], ['x-delayed-type', 'string', 'Delayed type']]} />
    </ActionForm>
  );
}

export function Exchanges() {
  const { vhost, data, error, reload } = useVhostList<Exchange>(perVhost('exchanges'));
  return (
    <div class="page">
      <div class="page-head"><h1>Exchanges</h1></div>
      <ErrorBox error={error} />
      <Card>
        <DataTable<Exchange>
          testId="exchanges"
          rows={data}
          rowKey={(e) => `${e.vhost}|${e.name}`}
          filterOn={(e) => e.name}
          empty="No exchanges"
          columns={[
            ...vhostColumn<Exchange>(!vhost),
            { key: 'name', label: 'Name', value: (e) => e.name, render: (e) => <a href={href('exchanges', e.vhost, e.name === '' ? 'amq.default' : e.name)}>{displayName(e.name)}</a> },
            { key: 'type', label: 'Type', value: (e) => e.type },
            { key: 'features', label: 'Features', value: (e) => fmtValue(e.arguments), render: (e) => <FeatureTags durable={e.durable} autoDelete={e.auto_delete} internal={e.internal} args={e.arguments} policy={e.policy} /> },
            { key: 'in', label: 'Message rate in', value: (e) => rateOf(e.message_stats, 'publish_in'), numeric: true, render: (e) => fmtRate(rateOf(e.message_stats, 'publish_in')) },
            { key: 'out', label: 'Message rate out', value: (e) => rateOf(e.message_stats, 'publish_out'), numeric: true, render: (e) => fmtRate(rateOf(e.message_stats, 'publish_out')) },
          ]}
        />
      </Card>
      <Collapsible title="Add a new exchange" testId="add-exchange-card"><AddExchange onDone={reload} /></Collapsible>
    </div>
  );
}

export function ExchangePage(props: { vhost: string; name: string }) {
  const base = `/api/exchanges/${seg(props.vhost)}/${seg(props.name)}`;
  const isDefault = props.name === 'amq.default' || props.name === '';
  const [range] = useSetting(chartRange);
  const { data, error, reload } = usePoll(async () => {
    // The default exchange's bindings are implicit (one per queue): not listed here.
    const noBindings = Promise.resolve([] as Binding[]);
    const [exchange, source, destination] = await Promise.all([
      get<Exchange>(`${base}?${chartQuery(range)}`),
      isDefault ? noBindings : get<Binding[]>(`${base}/bindings/source`),
      isDefault ? noBindings : get<Binding[]>(`${base}/bindings/destination`),
    ]);
    recordHistory(`exchange:${props.vhost}:${props.name}`, undefined, exchange.message_stats);
    return { exchange, source, destination };
  }, `${base}:${range}`);
  const e = data?.exchange;
  const builtIn = isDefault || props.name.startsWith('amq.');
  return (
    <div class="page">
      <div class="page-head">
        <h1><a href={href('exchanges')} class="crumb">Exchanges</a> / {displayName(isDefault ? '' : props.name)}</h1>
        <span class="muted">in virtual host {props.vhost}</span>
      </div>
      <ErrorBox error={error} />
      {e && (
        <>
          <div class="grid2">
            <Card title="Details">
              <Facts testId="exchange-facts" items={[
                ['Type', e.type],
                ['Features', <FeatureTags durable={e.durable} autoDelete={e.auto_delete} internal={e.internal} args={e.arguments} policy={e.policy} />],
                ['Policy', e.policy ?? '—'],
              ]} />
            </Card>
            <Card title="Message rates">
              <Chart series={rateSeries(`exchange:${props.vhost}:${props.name}`, e.message_stats, range)} format={fmtRate}
                empty="This node reports no message rates yet" />
            </Card>
          </div>
          {!isDefault && (
            <Card title="Bindings from this exchange" testId="bindings-source">
              <BindingsTable rows={data?.source} side="source" onChange={reload} />
              <h3>Add binding from this exchange</h3>
              <AddBinding vhost={props.vhost} fixed={{ side: 'source' }} name={props.name} onDone={reload} />
            </Card>
          )}
          {data && data.destination.length > 0 && (
            <Card title="Bindings to this exchange" testId="bindings-destination">
              <BindingsTable rows={data.destination} side="destination" onChange={reload} />
            </Card>
          )}
          <Collapsible title="Publish message" testId="publish-card">
            <PublishForm vhost={props.vhost} exchange={isDefault ? '' : props.name} onDone={reload} />
          </Collapsible>
          {!builtIn && (
            <Card title="Delete this exchange">
              <ActionButton danger label="Delete" confirm={`Delete exchange '${props.name}'?`} done="Exchange deleted"
                action={async () => { await api('DELETE', base); navigate('exchanges'); }} />
            </Card>
          )}
        </>
      )}
    </div>
  );
}
