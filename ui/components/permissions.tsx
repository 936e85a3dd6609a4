// Permissions of users in vhosts, listed and edited from a user's page or a vhost's page.
import { useState } from 'preact/hooks';
import { api, seg } from '../api';
import { href } from '../hooks';
import type { Permission, TopicPermission } from '../types';
import { ActionButton, ActionForm, Field, Select, TextInput } from './form';
import { DataTable } from './table';

export function PermissionsTable(props: { rows: Permission[] | undefined; show: 'user' | 'vhost'; onChange: () => void }) {
  return (
    <DataTable<Permission>
      testId="permissions"
      rows={props.rows}
      rowKey={(p) => `${p.vhost}|${p.user}`}
      empty="No permissions"
      columns={[
        props.show === 'user'
          ? { key: 'user', label: 'User', value: (p) => p.user, render: (p) => <a href={href('admin', 'users', p.user)}>{p.user}</a> }
          : { key: 'vhost', label: 'Virtual host', value: (p) => p.vhost, render: (p) => <a href={href('admin', 'vhosts', p.vhost)}>{p.vhost}</a> },
        { key: 'configure', label: 'Configure regexp', value: (p) => p.configure, render: (p) => <code>{p.configure}</code> },
        { key: 'write', label: 'Write regexp', value: (p) => p.write, render: (p) => <code>{p.write}</code> },
        { key: 'read', label: 'Read regexp', value: (p) => p.read, render: (p) => <code>{p.read}</code> },
        { key: 'x', label: '', value: () => '', render: (p) => (
          <ActionButton small label="Clear" done="Permissions cleared" action={async () => { await api('DELETE', `/api/permissions/${seg(p.vhost)}/${seg(p.user)}`); props.onChange(); }} />
        ) },
      ]}
    />
  );
}

/** Sets permissions; one of user/vhost is fixed by the page, the other chosen from `choices`. */
export function SetPermission(props: { user?: string; vhost?: string; choices: string[]; onDone: () => void }) {
  const [other, setOther] = useState('');
  const [configure, setConfigure] = useState('.*');
  const [write, setWrite] = useState('.*');
  const [read, setRead] = useState('.*');
  const picked = other || props.choices[0] || '';
  return (
    <ActionForm testId="set-permission" submit="Set permission" done="Permission set" onSubmit={async () => {
      const user = props.user ?? picked;
      const vhost = props.vhost ?? picked;
      await api('PUT', `/api/permissions/${seg(vhost)}/${seg(user)}`, { configure, write, read });
      props.onDone();
    }}>
      <div class="row">
        <Field label={props.user === undefined ? 'User' : 'Virtual host'}><Select value={picked} onValue={setOther} options={props.choices} /></Field>
        <Field label="Configure regexp"><TextInput value={configure} onValue={setConfigure} /></Field>
        <Field label="Write regexp"><TextInput value={write} onValue={setWrite} /></Field>
        <Field label="Read regexp"><TextInput value={read} onValue={setRead} /></Field>
      </div>
    </ActionForm>
  );
}

export function TopicPermissionsTable(props: { rows: TopicPermission[] | undefined; onChange: () => void }) {
  return (
    <DataTable<TopicPermission>
      rows={props.rows}
      rowKey={(p) => `${p.vhost}|${p.user}|${p.exchange}`}
      empty="No topic permissions"
      columns={[
        { key: 'vhost', label: 'Virtual host', value: (p) => p.vhost },
        { key: 'exchange', label: 'Exchange', value: (p) => p.exchange },
        { key: 'write', label: 'Write regexp', value: (p) => p.write, render: (p) => <code>{p.write}</code> },
        { key: 'read', label: 'Read regexp', value: (p) => p.read, render: (p) => <code>{p.read}</code> },
        { key: 'x', label: '', value: () => '', render: (p) => (
          <ActionButton small label="Clear" done="Topic permission cleared" action={async () => {
            await api('DELETE', `/api/topic-permissions/${seg(p.vhost)}/${seg(p.user)}`);
            props.onChange();
          }} />
        ) },
      ]}
    />
  );
}

export function SetTopicPermission(props: { user: string; vhosts: string[]; onDone: () => void }) {
  const [vhost, setVhost] = useState('');
  const [exchange, setExchange] = useState('amq.topic');
  const [write, setWrite] = useState('.*');
  const [read, setRead] = useState('.*');
  const picked = vhost || props.vhosts[0] || '';
  return (
    <ActionForm submit="Set topic permission" done="Topic permission set" onSubmit={async () => {
      await api('PUT', `/api/topic-permissions/${seg(picked)}/${seg(props.user)}`, { exchange, write, read });
      props.onDone();
    }}>
      <div class="row">
        <Field label="Virtual host"><Select value={picked} onValue={setVhost} options={props.vhosts} /></Field>
        <Field label="Exchange"><TextInput value={exchange} onValue={setExchange} /></Field>
        <Field label="Write regexp"><TextInput value={write} onValue={setWrite} /></Field>
        <Field label="Read regexp"><TextInput value={read} onValue={setRead} /></Field>
      </div>
    </ActionForm>
  );
}
