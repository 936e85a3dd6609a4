import { useState } from 'preact/hooks';
import { api, get, seg } from '../api';
import { ActionForm, Card, ErrorBox, Facts, Field, TextInput } from '../components/form';
import { DataTable, vhostColumn } from '../components/table';
import { fmtBytes, fmtDateTime, fmtNum, fmtValue } from '../format';
import { href, navigate, usePoll, useVhostList } from '../hooks';
import type { Channel, Connection } from '../types';
import { channelColumns } from './channels';

const clientName = (c: Connection) => {
  const p = c.client_properties as { product?: string; version?: string; platform?: string };
  return [p.product, p.version].filter(Boolean).join(' ') || '—';
};

export function closeConnection(name: string, reason: string): Promise<unknown> {
  return api('DELETE', `/api/connections/${seg(name)}`, undefined, reason ? { 'x-reason': reason } : {});
}

export function Connections() {
  const { vhost, data, error } = useVhostList<Connection>((v) => (v ? `/api/vhosts/${seg(v)}/connections` : '/api/connections'));
  return (
    <div class="page">
      <div class="page-head"><h1>Connections</h1></div>
      <ErrorBox error={error} />
      <Card>
        <DataTable<Connection>
          testId="connections"
          rows={data}
          rowKey={(c) => c.name}
          filterOn={(c) => `${c.name} ${c.user_provided_name ?? ''}`}
          empty="No connections"
          columns={[
            { key: 'name', label: 'Name', value: (c) => c.name, render: (c) => (
              <a href={href('connections', c.name)}>{c.name}{c.user_provided_name && <span class="muted"> · {c.user_provided_name}</span>}</a>
            ) },
            ...vhostColumn<Connection>(!vhost),
            { key: 'user', label: 'User', value: (c) => c.user },
            { key: 'state', label: 'State', value: (c) => c.state, render: (c) => <span class={`pill ${c.state === 'running' ? 'ok' : 'warn'}`}>{c.state}</span> },
            { key: 'protocol', label: 'Protocol', value: (c) => c.protocol, render: (c) => <span>{c.protocol}{c.ssl && <span class="pill">TLS</span>}</span> },
            { key: 'client', label: 'Client', value: clientName },
            { key: 'channels', label: 'Channels', value: (c) => c.channels, numeric: true },
            { key: 'recv', label: 'From client', value: (c) => c.recv_oct_details?.rate ?? c.recv_oct, numeric: true,
              render: (c) => (c.recv_oct_details ? `${fmtBytes(c.recv_oct_details.rate)}/s` : fmtBytes(c.recv_oct)) },
            { key: 'send', label: 'To client', value: (c) => c.send_oct_details?.rate ?? c.send_oct, numeric: true,
              render: (c) => (c.send_oct_details ? `${fmtBytes(c.send_oct_details.rate)}/s` : fmtBytes(c.send_oct)) },
          ]}
        />
      </Card>
    </div>
  );
}

export function ConnectionPage(props: { name: string }) {
  const { data, error } = usePoll(async () => {
    const [connection, channels] = await Promise.all([
      get<Connection>(`/api/connections/${seg(props.name)}`),
      get<Channel[]>(`/api/connections/${seg(props.name)}/channels`),
    ]);
    return { connection, channels };
  }, props.name);
  const [reason, setReason] = useState('Closed via management plugin');
  const c = data?.connection;
  return (
    <div class="page">
      <div class="page-head">
        <h1><a href={href('connections')} class="crumb">Connections</a> / {props.name}</h1>
      </div>
      <ErrorBox error={error} />
      {c && (
        <>
          <div class="grid2">
            <Card title="Details">
              <Facts testId="connection-facts" items={[
                ['User', c.user], ['Virtual host', c.vhost], ['State', c.state], ['Protocol', c.protocol],
                ['Client', clientName(c)], ['From', `${c.peer_host}:${c.peer_port}`], ['To', `${c.host}:${c.port}`],
                ['Authentication', c.auth_mechanism], ['TLS', c.ssl ? 'yes' : 'no'], ['Heartbeat', `${c.timeout} s`],
                ['Frame max', fmtNum(c.frame_max)], ['Channel max', fmtNum(c.channel_max)], ['Connected at', fmtDateTime(c.connected_at)],
                ['Received', fmtBytes(c.recv_oct)], ['Sent', fmtBytes(c.send_oct)],
              ]} />
            </Card>
            <Card title="Client properties">
              <Facts items={Object.entries(c.client_properties).map(([k, v]) => [k, <code>{fmtValue(v)}</code>])} />
            </Card>
          </div>
          <Card title="Channels">
            <DataTable<Channel> rows={data?.channels} rowKey={(ch) => ch.name} empty="No channels" columns={channelColumns(false)} />
          </Card>
          <Card title="Close this connection">
            <ActionForm testId="close-connection" submit="Force close" danger confirm="Close this connection?"
              done="Connection closed"
              onSubmit={async () => {
                await closeConnection(props.name, reason);
                navigate('connections');
              }}>
              <Field label="Reason"><TextInput value={reason} onValue={setReason} /></Field>
            </ActionForm>
          </Card>
        </>
      )}
    </div>
  );
}
