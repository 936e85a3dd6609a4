import { useState } from 'preact/hooks';
import { api, get, seg } from '../api';
import { ActionButton, ActionForm, Card, Collapsible, ErrorBox, Facts, Field, TextInput } from '../components/form';
import { PermissionsTable, SetPermission } from '../components/permissions';
import { DataTable } from '../components/table';
import { fmtNum, fmtRate } from '../format';
import { rateOf } from '../history';
import { href, navigate, usePoll } from '../hooks';
import type { Permission, User, Vhost } from '../types';

function AddVhost(props: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  return (
    <ActionForm testId="add-vhost" submit="Add virtual host" done={`Virtual host '${name}' added`} onSubmit={async () => {
      await api('PUT', `/api/vhosts/${seg(name)}`, { description, tags });
      setName('');
      setDescription('');
      setTags('');
      props.onDone();
    }}>
      <div class="row">
        <Field label="Name"><TextInput name="vhost-name" value={name} onValue={setName} required /></Field>
        <Field label="Description"><TextInput value={description} onValue={setDescription} /></Field>
        <Field label="Tags" hint="comma-separated"><TextInput value={tags} onValue={setTags} /></Field>
      </div>
    </ActionForm>
  );
}

export function Vhosts() {
  const { data, error, reload } = usePoll(() => get<Vhost[]>('/api/vhosts'), 'vhosts-admin');
  return (
    <>
      <ErrorBox error={error} />
      <Card title="Virtual hosts">
        <DataTable<Vhost>
          testId="vhosts"
          rows={data}
          rowKey={(v) => v.name}
          filterOn={(v) => v.name}
          empty="No virtual hosts"
          columns={[
            { key: 'name', label: 'Name', value: (v) => v.name, render: (v) => <a href={href('admin', 'vhosts', v.name)}>{v.name}</a> },
            { key: 'description', label: 'Description', value: (v) => v.description ?? '' },
            { key: 'tags', label: 'Tags', value: (v) => (v.tags ?? []).join(', ') },
            { key: 'ready', label: 'Ready', value: (v) => v.messages_ready, numeric: true, render: (v) => fmtNum(v.messages_ready) },
            { key: 'unacked', label: 'Unacked', value: (v) => v.messages_unacknowledged, numeric: true, render: (v) => fmtNum(v.messages_unacknowledged) },
            { key: 'total', label: 'Total', value: (v) => v.messages, numeric: true, render: (v) => fmtNum(v.messages) },
            { key: 'publish', label: 'Publish', value: (v) => rateOf(v.message_stats, 'publish'), numeric: true, render: (v) => fmtRate(rateOf(v.message_stats, 'publish')) },
            { key: 'deliver', label: 'Deliver / get', value: (v) => rateOf(v.message_stats, 'deliver_get'), numeric: true, render: (v) => fmtRate(rateOf(v.message_stats, 'deliver_get')) },
          ]}
        />
      </Card>
      <Collapsible title="Add a virtual host" testId="add-vhost-card"><AddVhost onDone={reload} /></Collapsible>
    </>
  );
}

export function VhostPage(props: { name: string }) {
  const base = `/api/vhosts/${seg(props.name)}`;
  const { data, error, reload } = usePoll(async () => {
    const [vhost, permissions, users] = await Promise.all([get<Vhost>(base), get<Permission[]>(`${base}/permissions`), get<User[]>('/api/users')]);
    return { vhost, permissions, users };
  }, base);
  const v = data?.vhost;
  return (
    <>
      <h2 class="subhead"><a href={href('admin', 'vhosts')} class="crumb">Virtual hosts</a> / {props.name}</h2>
      <ErrorBox error={error} />
      {v && (
        <>
          <Card title="Details">
            <Facts items={[
              ['Description', v.description || '—'],
              ['Tags', (v.tags ?? []).join(', ') || '—'],
              ['Messages', fmtNum(v.messages)],
            ]} />
          </Card>
          <Card title="Permissions">
            <PermissionsTable rows={data?.permissions} show="user" onChange={reload} />
            <h3>Set permission</h3>
            <SetPermission vhost={props.name} choices={(data?.users ?? []).map((u) => u.name)} onDone={reload} />
          </Card>
          <Card title="Delete this virtual host">
            <ActionButton danger label="Delete virtual host" confirm={`Delete virtual host '${props.name}' and everything in it?`} done="Virtual host deleted"
              action={async () => { await api('DELETE', base); navigate('admin', 'vhosts'); }} />
          </Card>
        </>
      )}
    </>
  );
}
