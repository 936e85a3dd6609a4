import { useState } from 'preact/hooks';
import { api, seg } from '../api';
import { ActionButton, ActionForm, ArgsEditor, argsToJson, Card, ErrorBox, Field, jsonToArgs, Select, TextInput } from '../components/form';
import type { ArgRow, ArgType } from '../components/form';
import { useVhostNames } from '../components/layout';
import { DataTable, vhostColumn } from '../components/table';
import { fmtValue } from '../format';
import { perVhost, selectedVhost, useSetting, useVhostList } from '../hooks';
import type { Policy } from '../types';

/** Policy keys RabbitMQ's form offers, for queues and exchanges. */
const definitionPresets: [string, ArgType, string][] = [
  ['message-ttl', 'number', 'Message TTL'],
  ['expires', 'number', 'Auto expire'],
  ['max-length', 'number', 'Max length'],
  ['max-length-bytes', 'number', 'Max length bytes'],
  ['overflow', 'string', 'Overflow behaviour'],
  ['dead-letter-exchange', 'string', 'Dead letter exchange'],
  ['dead-letter-routing-key', 'string', 'Dead letter routing key'],
  ['delivery-limit', 'number', 'Delivery limit'],
  ['alternate-exchange', 'string', 'Alternate exchange'],
];

type Kind = 'policies' | 'operator-policies';

function PolicyForm(props: { kind: Kind; editing: Policy | null; onDone: () => void }) {
  const vhosts = useVhostNames();
  const [selected] = useSetting(selectedVhost);
  const e = props.editing;
  const [vhost, setVhost] = useState(e?.vhost ?? (selected || '/'));
  const [name, setName] = useState(e?.name ?? '');
  const [pattern, setPattern] = useState(e?.pattern ?? '');
  const [applyTo, setApplyTo] = useState(e?.['apply-to'] ?? 'all');
  const [priority, setPriority] = useState(String(e?.priority ?? 0));
  const [definition, setDefinition] = useState<ArgRow[]>(e ? jsonToArgs(e.definition) : []);
  return (
    <ActionForm testId={`${props.kind}-form`} submit={e ? 'Update policy' : 'Add policy'} done="Policy saved" onSubmit={async () => {
      const def = argsToJson(definition);
      if (Object.keys(def).length === 0) throw new Error('A policy needs at least one definition key');
      await api('PUT', `/api/${props.kind}/${seg(vhost)}/${seg(name)}`, { pattern, 'apply-to': applyTo, priority: Number(priority), definition: def });
      props.onDone();
    }}>
      <div class="row">
        <Field label="Virtual host"><Select value={vhost} onValue={setVhost} options={vhosts.length ? vhosts : [vhost]} /></Field>
        <Field label="Name"><TextInput name="policy-name" value={name} onValue={setName} required /></Field>
        <Field label="Pattern" hint="regular expression on names"><TextInput name="policy-pattern" value={pattern} onValue={setPattern} required /></Field>
        <Field label="Apply to"><Select value={applyTo} onValue={setApplyTo} options={[['all', 'Exchanges and queues'], ['queues', 'Queues'], ['classic_queues', 'Classic queues'], ['quorum_queues', 'Quorum queues'], ['exchanges', 'Exchanges']]} /></Field>
        <Field label="Priority"><TextInput value={priority} onValue={setPriority} inputMode="numeric" /></Field>
      </div>
      <ArgsEditor label="Definition" rows={definition} onRows={setDefinition} presets={definitionPresets} />
    </ActionForm>
  );
}

function PolicyList(props: { kind: Kind; title: string }) {
  const { vhost, data, error, reload } = useVhostList<Policy>(perVhost(props.kind));
  const [editing, setEditing] = useState<Policy | null>(null);
  const [formKey, setFormKey] = useState(0);
  const done = () => {
    setEditing(null);
    setFormKey((k) => k + 1);
    reload();
  };
  return (
    <>
      <ErrorBox error={error} />
      <Card title={props.title} testId={props.kind}>
        <DataTable<Policy>
          rows={data}
          rowKey={(p) => `${p.vhost}|${p.name}`}
          filterOn={(p) => p.name}
          empty="No policies"
          columns={[
            ...vhostColumn<Policy>(!vhost),
            { key: 'name', label: 'Name', value: (p) => p.name },
            { key: 'pattern', label: 'Pattern', value: (p) => p.pattern, render: (p) => <code>{p.pattern}</code> },
            { key: 'apply', label: 'Apply to', value: (p) => p['apply-to'] },
            { key: 'definition', label: 'Definition', value: (p) => fmtValue(p.definition), render: (p) => <code>{fmtValue(p.definition)}</code> },
            { key: 'priority', label: 'Priority', value: (p) => p.priority, numeric: true },
            { key: 'x', label: '', value: () => '', render: (p) => (
              <span class="row">
                <button type="button" class="btn small" onClick={() => { setEditing(p); setFormKey((k) => k + 1); }}>Edit</button>
                <ActionButton small danger label="Delete" confirm={`Delete policy '${p.name}'?`} done="Policy deleted"
                  action={async () => { await api('DELETE', `/api/${props.kind}/${seg(p.vhost)}/${seg(p.name)}`); done(); }} />
              </span>
            ) },
          ]}
        />
      </Card>
      <Card title={editing ? `Edit policy '${editing.name}'` : 'Add or update a policy'}>
        <PolicyForm key={formKey} kind={props.kind} editing={editing} onDone={done} />
      </Card>
    </>
  );
}

export function Policies() {
  const [kind, setKind] = useState<Kind>('policies');
  return (
    <>
      <div class="segmented">
        <button type="button" class={kind === 'policies' ? 'active' : ''} onClick={() => setKind('policies')}>User policies</button>
        <button type="button" class={kind === 'operator-policies' ? 'active' : ''} onClick={() => setKind('operator-policies')}>Operator policies</button>
      </div>
      <PolicyList key={kind} kind={kind} title={kind === 'policies' ? 'User policies' : 'Operator policies'} />
    </>
  );
}
