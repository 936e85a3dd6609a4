import type { ManagementContext } from '../context.js';
import { nodeName } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';

/**
 * RabbitMQ's memory breakdown (GET /api/nodes/{node}/memory, and `memory` in /api/nodes/{node}
 * with ?memory=true) filled with what Node.js measures of its own process (process.memoryUsage()).
 * RabbitMQ attributes memory per Erlang process type; V8 cannot, so Warren fills the categories
 * it has a real figure for and reports 0 for the others — their memory is inside `other_proc`:
 *
 *   other_proc           heapUsed: every JavaScript object (queues, message metadata, connections,
 *                        channels, management statistics...)
 *   allocated_unused     heapTotal - heapUsed: heap V8 holds but does not use
 *   binary               arrayBuffers: Buffers (message bodies and frames), as Erlang binaries
 *   other_system         external - arrayBuffers: other native memory bound to JavaScript objects
 *   reserved_unallocated rss - heapTotal - external (never below 0): code, stacks, the native
 *                        allocator and whatever else the OS counts in the process' resident set
 *   total.rss            rss; total.allocated and total.erlang: heapTotal + external
 *
 * The categories add up to the resident set size (the strategy RabbitMQ also reports: rss).
 */
export function memoryBreakdown() {
  const m = process.memoryUsage();
  const allocated = m.heapTotal + m.external;
  return {
    connection_readers: 0,
    connection_writers: 0,
    connection_channels: 0,
    connection_other: 0,
    queue_procs: 0,
    queue_slave_procs: 0,
    quorum_queue_procs: 0,
    quorum_queue_dlx_procs: 0,
    stream_queue_procs: 0,
    stream_queue_replica_reader_procs: 0,
    stream_queue_coordinator_procs: 0,
    plugins: 0,
    other_proc: m.heapUsed,
    metrics: 0,
    mgmt_db: 0,
    mnesia: 0,
    quorum_ets: 0,
    other_ets: 0,
    binary: m.arrayBuffers,
    msg_index: 0,
    code: 0,
    atom: 0,
    other_system: Math.max(0, m.external - m.arrayBuffers),
    allocated_unused: m.heapTotal - m.heapUsed,
    reserved_unallocated: Math.max(0, m.rss - allocated),
    strategy: 'rss',
    total: { erlang: allocated, rss: m.rss, allocated },
  };
}

/**
 * The breakdown in whole percent of total.rss (the strategy), as RabbitMQ's /memory/relative:
 * total 100 first, no strategy; a category that rounds to 0 but is not 0 shows as 1.
 */
export function relativeMemory(m: ReturnType<typeof memoryBreakdown>): Record<string, number> {
  const out: Record<string, number> = { total: 100 };
  for (const [k, bytes] of Object.entries(m)) {
    if (typeof bytes !== 'number') continue;
    const percent = Math.round((bytes / m.total.rss) * 100);
    out[k] = percent === 0 && bytes !== 0 ? 1 : percent;
  }
  return out;
}

export function registerNodeMemory(router: Router, _ctx: ManagementContext): void {
  const route = (suffix: string, body: () => unknown) =>
    router.add('GET', `/api/nodes/:node/memory${suffix}`, 'monitoring', (req) => {
      if (req.params.node !== nodeName) throw httpErrors.notFound();
      return { status: 200, body: body() };
    });
  route('', () => ({ memory: memoryBreakdown() }));
  route('/relative', () => ({ memory: relativeMemory(memoryBreakdown()) }));
  // RabbitMQ's memory per ETS table (name: bytes, and their total). Warren has no ETS tables
  // (other_ets and quorum_ets are 0 in the breakdown), so the list holds the total alone.
  route('/ets', () => ({ ets_tables_memory: { total: 0 } }));
  // Relative shares of the same (nothing but the total), and one table's (RabbitMQ answers
  // "no_tables" for a name that matches none).
  route('/ets/relative', () => ({ ets_tables_memory: { total: 100 } }));
  route('/ets/:filter', () => ({ ets_tables_memory: 'no_tables' }));
  route('/ets/:filter/relative', () => ({ ets_tables_memory: 'no_tables' }));
}
