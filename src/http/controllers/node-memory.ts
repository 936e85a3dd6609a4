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

export function registerNodeMemory(router: Router, _ctx: ManagementContext): void {
  router.add('GET', '/api/nodes/:node/memory', 'management', (req) => {
    if (req.params.node !== nodeName) throw httpErrors.notFound();
    return { status: 200, body: { memory: memoryBreakdown() } };
  });
}
