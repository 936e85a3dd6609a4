import { currentSession, get } from '../api';
import { Chart } from '../components/chart';
import { Card, ErrorBox } from '../components/form';
import { DataTable, type Column } from '../components/table';
import { fmtBytes, fmtDuration, fmtNum, fmtRate } from '../format';
import { chartQuery, lengthSeries, rateSeries, recordHistory } from '../history';
import { chartRange, usePoll, useSetting } from '../hooks';
import type { Listener, Node, Overview as OverviewJson } from '../types';

/** A used/limit gauge: a bar when there is a limit, the figure alone otherwise. */
function Gauge(props: { used: number | null; limit?: number | null; format: (n: number) => string; alarm?: boolean; inverse?: boolean }) {
  const { used } = props;
  // An unconstrained process reports 2^64 as its memory limit: no limit worth drawing.
  const limit = props.limit && props.limit < Number.MAX_SAFE_INTEGER ? props.limit : null;
  // A cluster follower runs no broker: its figures are unknown.
  if (used === null || used === undefined) return <span class="muted">—</span>;
  const share = limit ? Math.min(1, used / limit) : null;
  return (
    <div class={`gauge ${props.alarm ? 'alarm' : ''}`}>
      <span>{props.format(used)}{limit ? <span class="muted"> / {props.format(limit)}</span> : null}</span>
      {share !== null && !props.inverse && <div class="bar"><div style={`width:${(share * 100).toFixed(1)}%`} /></div>}
    </div>
  );
}

/** A cluster member's role, in-sync replica membership and replication lag (bytes it has not acknowledged). */
const clusterColumns: Column<Node>[] = [
  { key: 'role', label: 'Role', value: (n) => n.cluster_role, render: (n) => <span class={`pill ${n.cluster_role === 'leader' ? 'ok' : ''}`}>{n.cluster_role}</span> },
  { key: 'in_sync', label: 'In sync', value: (n) => (n.in_sync ? 1 : 0), render: (n) => <span class={n.in_sync ? '' : 'alarm-text'}>{n.in_sync ? 'yes' : 'no'}</span> },
  { key: 'lag', label: 'Replication lag', value: (n) => n.replication_lag_bytes, render: (n) => fmtBytes(n.replication_lag_bytes), numeric: true },
];

export function Overview() {
  const [range] = useSetting(chartRange);
  const { data, error } = usePoll(async () => {
    // Node figures are for monitoring users and administrators, as in RabbitMQ (others get a 401).
    const nodesAllowed = currentSession()?.tags.some((t) => t === 'monitoring' || t === 'administrator') ?? false;
    const [overview, nodes] = await Promise.all([
      get<OverviewJson>(`/api/overview?${chartQuery(range)}`),
      nodesAllowed ? get<Node[]>('/api/nodes') : Promise.resolve([] as Node[]),
    ]);
    recordHistory('overview', overview.queue_totals, overview.message_stats);
    return { overview, nodes };
  }, `overview:${range}`);
  const o = data?.overview;
  const totals = o?.object_totals;
  // Cluster mode: /api/nodes lists every member with its role (docs/cluster.md).
  const clustered = (data?.nodes ?? []).some((n) => n.cluster_role !== undefined);
  const tiles: [string, number | undefined][] = [
    ['Connections', totals?.connections],
    ['Channels', totals?.channels],
    ['Exchanges', totals?.exchanges],
    ['Queues', totals?.queues],
    ['Consumers', totals?.consumers],
    ['Messages', o?.queue_totals.messages],
  ];
  return (
    <div class="page">
      <div class="page-head">
        <h1>Overview</h1>
        {o && <span class="muted">{o.product_name ?? 'Warren'} {o.product_version} · RabbitMQ {o.rabbitmq_version} compatible · {o.erlang_version} · cluster {o.cluster_name}</span>}
      </div>
      <ErrorBox error={error} />
      <div class="tiles" data-testid="totals">
        {tiles.map(([label, v]) => (
          <div class="tile" key={label} data-testid={`total-${label.toLowerCase()}`}>
            <div class="tile-value">{fmtNum(v)}</div>
            <div class="tile-label">{label}</div>
          </div>
        ))}
      </div>
      <div class="grid2">
        <Card title="Queued messages">
          <Chart testId="chart-queued" series={o ? lengthSeries('overview', o.queue_totals, range) : []} format={(v) => fmtNum(Math.round(v))} />
        </Card>
        <Card title="Message rates">
          <Chart testId="chart-rates" series={o ? rateSeries('overview', o.message_stats, range) : []} format={fmtRate}
            empty="This node reports no message rates yet" />
        </Card>
      </div>
      <Card title="Nodes" testId="nodes">
        <DataTable<Node>
          rows={data?.nodes}
          rowKey={(n) => n.name}
          empty="No nodes"
          columns={[
            { key: 'name', label: 'Name', value: (n) => n.name, render: (n) => <span><span class={`dot ${n.running ? 'ok' : 'bad'}`} />{n.name}</span> },
            ...(clustered ? clusterColumns : []),
            { key: 'mem', label: 'Memory', value: (n) => n.mem_used, render: (n) => <Gauge used={n.mem_used} limit={n.mem_limit} format={fmtBytes} alarm={n.mem_alarm} /> },
            { key: 'disk', label: 'Disk free', value: (n) => n.disk_free, render: (n) => <span class={n.disk_free_alarm ? 'alarm-text' : ''}>{fmtBytes(n.disk_free)}<span class="muted"> (limit {fmtBytes(n.disk_free_limit)})</span></span> },
            { key: 'fd', label: 'File descriptors', value: (n) => n.fd_used, render: (n) => <Gauge used={n.fd_used} limit={n.fd_total} format={fmtNum} /> },
            { key: 'sockets', label: 'Sockets', value: (n) => n.sockets_used, render: (n) => <Gauge used={n.sockets_used} limit={n.sockets_total} format={fmtNum} /> },
            { key: 'cores', label: 'Cores', value: (n) => n.processors, numeric: true },
            { key: 'uptime', label: 'Uptime', value: (n) => n.uptime, render: (n) => fmtDuration(n.uptime), numeric: true },
          ]}
        />
      </Card>
      <Card title="Listeners" testId="listeners">
        <DataTable<Listener>
          rows={o?.listeners}
          rowKey={(l) => `${l.protocol}:${l.ip_address}:${l.port}`}
          empty="No listeners"
          columns={[
            { key: 'protocol', label: 'Protocol', value: (l) => l.protocol },
            { key: 'node', label: 'Node', value: (l) => l.node },
            { key: 'ip', label: 'Bound to', value: (l) => l.ip_address },
            { key: 'port', label: 'Port', value: (l) => l.port, numeric: true },
          ]}
        />
      </Card>
    </div>
  );
}
