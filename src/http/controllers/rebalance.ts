import type { ManagementContext } from '../context.js';
import type { Router } from '../router.js';

/**
 * POST /api/rebalance/queues (rabbitmq-queues rebalance): RabbitMQ moves queue leaders across
 * cluster nodes. Warren has nothing to move: one node serves every queue (in cluster mode the
 * leader serves all of them and the followers hold replicas of its whole store), so it answers
 * 204 as RabbitMQ does, having done nothing.
 */
export function registerRebalance(router: Router, _ctx: ManagementContext): void {
  router.add('POST', '/api/rebalance/queues', 'administrator', () => ({ status: 204 }));
}
