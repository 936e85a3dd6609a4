import { seg } from '../api';
import { Card, ErrorBox } from '../components/form';
import type { Column } from '../components/table';
import { DataTable, vhostColumn } from '../components/table';
import { fmtNum, fmtRate } from '../format';
import { rateOf } from '../history';
import { href, useVhostList } from '../hooks';
import type { Channel } from '../types';

/** Channel columns, for the channel list and a connection's page. */
export function channelColumns(withVhost: boolean): Column<Channel>[] {
  const mode = (ch: Channel) => [ch.confirm ? 'C' : '', ch.transactional ? 'T' : ''].join('');
  return [
    { key: 'name', label: 'Channel', value: (ch) => ch.name, render: (ch) => <a href={href('connections', ch.connection_details.name)}>{ch.name}</a> },
    ...vhostColumn<Channel>(withVhost),
    { key: 'user', label: 'User', value: (ch) => ch.user },
    { key: 'mode', label: 'Mode', value: mode, title: 'C: publisher confirms, T: transactional', render: (ch) => <span class="tags">{ch.confirm && <span class="pill" title="Publisher confirms">C</span>}{ch.transactional && <span class="pill" title="Transactional">T</span>}</span> },
    { key: 'state', label: 'State', value: (ch) => ch.state, render: (ch) => <span class={`pill ${ch.state === 'running' ? 'ok' : 'warn'}`}>{ch.state}</span> },
    { key: 'consumers', label: 'Consumers', value: (ch) => ch.consumer_count, numeric: true },
    { key: 'prefetch', label: 'Prefetch', value: (ch) => ch.prefetch_count, numeric: true, render: (ch) => (ch.prefetch_count === 0 ? '∞' : fmtNum(ch.prefetch_count)) },
    { key: 'unacked', label: 'Unacked', value: (ch) => ch.messages_unacknowledged, numeric: true, render: (ch) => fmtNum(ch.messages_unacknowledged) },
    { key: 'unconfirmed', label: 'Unconfirmed', value: (ch) => ch.messages_unconfirmed, numeric: true, render: (ch) => fmtNum(ch.messages_unconfirmed) },
    { key: 'publish', label: 'Publish', value: (ch) => rateOf(ch.message_stats, 'publish'), numeric: true, render: (ch) => fmtRate(rateOf(ch.message_stats, 'publish')) },
    { key: 'deliver', label: 'Deliver / get', value: (ch) => rateOf(ch.message_stats, 'deliver_get'), numeric: true, render: (ch) => fmtRate(rateOf(ch.message_stats, 'deliver_get')) },
    { key: 'ack', label: 'Ack', value: (ch) => rateOf(ch.message_stats, 'ack'), numeric: true, render: (ch) => fmtRate(rateOf(ch.message_stats, 'ack')) },
  ];
}

export function Channels() {
  const { vhost, data, error } = useVhostList<Channel>((v) => (v ? `/api/vhosts/${seg(v)}/channels` : '/api/channels'));
  return (
    <div class="page">
      <div class="page-head"><h1>Channels</h1></div>
      <ErrorBox error={error} />
      <Card>
        <DataTable<Channel> testId="channels" rows={data} rowKey={(ch) => ch.name} filterOn={(ch) => ch.name} empty="No channels" columns={channelColumns(!vhost)} />
      </Card>
    </div>
  );
}
