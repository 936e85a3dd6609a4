import { useState } from 'preact/hooks';
import { api, currentSession, get, logout, seg } from '../api';
import { ActionButton, ActionForm, Card, Collapsible, ErrorBox, Field, TextInput } from '../components/form';
import { useVhostNames } from '../components/layout';
import { PermissionsTable, SetPermission, SetTopicPermission, TopicPermissionsTable } from '../components/permissions';
import { DataTable } from '../components/table';
import { href, navigate, usePoll } from '../hooks';
import type { Permission, TopicPermission, User } from '../types';

const knownTags = ['administrator', 'monitoring', 'policymaker', 'management', 'impersonator'];

export const tagList = (u: User) => (Array.isArray(u.tags) ? u.tags : u.tags.split(',').filter(Boolean));

function TagsInput(props: { value: string; onValue: (v: string) => void }) {
  const add = (t: string) => {
    const list = props.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (!list.includes(t)) props.onValue([...list, t].join(', '));
  };
  return (
    <Field label="Tags" hint="comma-separated">
      <TextInput name="user-tags" value={props.value} onValue={props.onValue} />
      <span class="presets">Set: {knownTags.map((t) => <button type="button" class="link" key={t} onClick={() => add(t)}>{t}</button>)}</span>
    </Field>
  );
}

function AddUser(props: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [tags, setTags] = useState('');
  return (
    <ActionForm testId="add-user" submit="Add user" done={`User '${name}' added`} onSubmit={async () => {
      await api('PUT', `/api/users/${seg(name)}`, { password, tags });
      setName('');
      setPassword('');
      setTags('');
      props.onDone();
    }}>
      <div class="row">
        <Field label="Username"><TextInput name="user-name" value={name} onValue={setName} required /></Field>
        <Field label="Password"><input type="password" name="user-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} /></Field>
      </div>
      <TagsInput value={tags} onValue={setTags} />
    </ActionForm>
  );
}

export function Users() {
  const { data, error, reload } = usePoll(async () => {
    const [users, permissions] = await Promise.all([get<User[]>('/api/users'), get<Permission[]>('/api/permissions')]);
    return { users, permissions };
  }, 'users');
  const access = (u: string) => (data?.permissions ?? []).filter((p) => p.user === u).map((p) => p.vhost).join(', ');
  return (
    <>
      <ErrorBox error={error} />
      <Card title="Users">
        <DataTable<User>
          testId="users"
          rows={data?.users}
          rowKey={(u) => u.name}
          filterOn={(u) => u.name}
          empty="No users"
          columns={[
            { key: 'name', label: 'Name', value: (u) => u.name, render: (u) => <a href={href('admin', 'users', u.name)}>{u.name}</a> },
            { key: 'tags', label: 'Tags', value: (u) => tagList(u).join(', '), render: (u) => <span class="tags">{tagList(u).map((t) => <span class="pill" key={t}>{t}</span>)}</span> },
            { key: 'vhosts', label: 'Can access virtual hosts', value: (u) => access(u.name) || 'No access' },
            { key: 'password', label: 'Has password', value: (u) => (u.password_hash ? '●' : '○') },
          ]}
        />
      </Card>
      <Collapsible title="Add a user" testId="add-user-card"><AddUser onDone={reload} /></Collapsible>
    </>
  );
}

export function UserPage(props: { name: string }) {
  const vhosts = useVhostNames();
  const base = `/api/users/${seg(props.name)}`;
  const { data, error, reload } = usePoll(async () => {
    const [user, permissions, topic] = await Promise.all([
      get<User>(base),
      get<Permission[]>(`${base}/permissions`),
      get<TopicPermission[]>(`${base}/topic-permissions`).catch(() => [] as TopicPermission[]),
    ]);
    return { user, permissions, topic };
  }, base);
  const [tags, setTags] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const u = data?.user;
  return (
    <>
      <h2 class="subhead"><a href={href('admin', 'users')} class="crumb">Users</a> / {props.name}</h2>
      <ErrorBox error={error} />
      {u && (
        <>
          <Card title="Permissions">
            <PermissionsTable rows={data?.permissions} show="vhost" onChange={reload} />
            <h3>Set permission</h3>
            <SetPermission user={props.name} choices={vhosts} onDone={reload} />
          </Card>
          <Card title="Topic permissions">
            <TopicPermissionsTable rows={data?.topic} onChange={reload} />
            <h3>Set topic permission</h3>
            <SetTopicPermission user={props.name} vhosts={vhosts} onDone={reload} />
          </Card>
          <Card title="Update this user">
            <ActionForm submit="Update user" done="User updated" onSubmit={async () => {
              // Without a new password the stored hash is sent back, so the password is kept.
              const secret = password !== '' ? { password } : { password_hash: u.password_hash ?? '' };
              await api('PUT', base, { ...secret, tags: tags ?? tagList(u).join(', ') });
              setPassword('');
              reload();
            }}>
              <TagsInput value={tags ?? tagList(u).join(', ')} onValue={setTags} />
              <Field label="New password" hint="leave empty to keep the current one">
                <input type="password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
              </Field>
            </ActionForm>
          </Card>
          <Card title="Delete this user">
            <ActionButton danger label="Delete user" confirm={`Delete user '${props.name}'?`} done="User deleted" action={async () => {
              await api('DELETE', base);
              if (props.name === currentSession()?.user) logout();
              else navigate('admin', 'users');
            }} />
          </Card>
        </>
      )}
    </>
  );
}
