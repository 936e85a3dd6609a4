import { useState } from 'preact/hooks';
import { api, get, seg } from '../api';
import { ActionButton, ActionForm, Card, ErrorBox, Field, Select, TextInput } from '../components/form';
import { useVhostNames } from '../components/layout';
import { DataTable } from '../components/table';
import { fmtNum } from '../format';
import { usePoll } from '../hooks';
import type { Limit, User } from '../types';

/** One row per limit (RabbitMQ lists one object per vhost/user holding all its limits). */
interface LimitRow {
  owner: string;
  name: string;
  value: number;
}

const flatten = (limits: Limit[], ownerOf: (l: Limit) => string): LimitRow[] =>
  limits.flatMap((l) => Object.entries(l.value).map(([name, value]) => ({ owner: ownerOf(l), name, value })));

function LimitSection(props: { kind: 'vhost' | 'user'; owners: string[]; names: [string, string][] }) {
  const base = `/api/${props.kind}-limits`;
  const { data, error, reload } = usePoll(async () => flatten(await get<Limit[]>(base), (l) => (props.kind === 'vhost' ? l.vhost : l.user) ?? ''), base);
  const [owner, setOwner] = useState('');
  const [name, setName] = useState(props.names[0][0]);
  const [value, setValue] = useState('');
  const picked = owner || props.owners[0] || '';
  const label = props.kind === 'vhost' ? 'Virtual host' : 'User';
  return (
    <Card title={props.kind === 'vhost' ? 'Virtual host limits' : 'User limits'} testId={`${props.kind}-limits`}>
      <ErrorBox error={error} />
      <DataTable<LimitRow>
        rows={data}
        rowKey={(r) => `${r.owner}|${r.name}`}
        empty="No limits"
        columns={[
          { key: 'owner', label, value: (r) => r.owner },
          { key: 'name', label: 'Limit', value: (r) => r.name },
          { key: 'value', label: 'Value', value: (r) => r.value, numeric: true, render: (r) => fmtNum(r.value) },
          { key: 'x', label: '', value: () => '', render: (r) => (
            <ActionButton small label="Clear" done="Limit cleared" action={async () => { await api('DELETE', `${base}/${seg(r.owner)}/${seg(r.name)}`); reload(); }} />
          ) },
        ]}
      />
      <h3>Set a limit</h3>
      <ActionForm submit="Set limit" done="Limit set" onSubmit={async () => {
        const n = Number(value);
        if (value.trim() === '' || !Number.isInteger(n)) throw new Error('Value: a whole number (negative: no limit)');
        await api('PUT', `${base}/${seg(picked)}/${seg(name)}`, { value: n });
        setValue('');
        reload();
      }}>
        <div class="row">
          <Field label={label}><Select value={picked} onValue={setOwner} options={props.owners} /></Field>
          <Field label="Limit"><Select value={name} onValue={setName} options={props.names} /></Field>
          <Field label="Value"><TextInput value={value} onValue={setValue} inputMode="numeric" /></Field>
        </div>
      </ActionForm>
    </Card>
  );
}

export function Limits() {
  const vhosts = useVhostNames();
  const { data: users } = usePoll(() => get<User[]>('/api/users'), 'limit-users');
  return (
    <>
      <LimitSection kind="vhost" owners={vhosts} names={[['max-connections', 'Max connections'], ['max-queues', 'Max queues']]} />
      <LimitSection kind="user" owners={(users ?? []).map((u) => u.name)} names={[['max-connections', 'Max connections'], ['max-channels', 'Max channels']]} />
    </>
  );
}
