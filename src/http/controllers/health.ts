import { Message } from '../../broker/message.js';
import type { ManagementContext } from '../context.js';
import { nodeName } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import { vhostFor } from './shared.js';

/** Encoded empty basic property list (no flags set). */
const noProperties = Buffer.from([0, 0]);

/**
 * Health checks: alarms (503 with RabbitMQ 3.10.8's body, resources named as it names them, while
 * one is in effect) and the aliveness test.
 */
export function registerHealth(router: Router, ctx: ManagementContext): void {
  const alarms = (where: string) => () => {
    if (!ctx.alarms.active) return { status: 200, body: { status: 'ok' } };
    const raised = [['disk', 'disk space'], ['memory', 'memory']] as const;
    return {
      status: 503,
      body: {
        status: 'failed',
        reason: `There are alarms in effect ${where}`,
        alarms: raised.filter(([r]) => ctx.alarms.has(r)).map(([, resource]) => ({ node: nodeName, resource })),
      },
    };
  };
  router.add('GET', '/api/health/checks/alarms', 'management', alarms('in the cluster'));
  router.add('GET', '/api/health/checks/local-alarms', 'management', alarms('on the node'));

  // The node health check deprecated in RabbitMQ 3.10 (it still answers ok); 404 for another node.
  router.add('GET', '/api/healthchecks/node', 'management', () => ({ status: 200, body: { status: 'ok' } }));
  router.add('GET', '/api/healthchecks/node/:node', 'management', (req) => {
    if (req.params.node !== nodeName) throw httpErrors.notFound();
    return { status: 200, body: { status: 'ok' } };
  });

  /** As RabbitMQ: declare 'aliveness-test', publish a message to it and get it back. */
  router.add('GET', '/api/aliveness-test/:vhost', 'management', (req) => {
    const v = vhostFor(ctx, req.user, req.params.vhost);
    const q = v.declareQueue('aliveness-test', { passive: false, durable: false, exclusive: false, autoDelete: false, arguments: {} }, {});
    q.enqueue(new Message('', 'aliveness-test', noProperties, Buffer.from('test_message'), false, 0));
    const got = q.get(true);
    const ok = got?.message.body.toString() === 'test_message';
    return ok ? { status: 200, body: { status: 'ok' } } : { status: 503, body: { status: 'failed', reason: 'aliveness test message not received' } };
  });
}
