import { AmqpError } from '../../amqp/amqp-error.js';
import { Authorizer } from '../../auth/authorization.js';
import { errors } from '../../broker/errors.js';
import { publishInternal } from '../../broker/internal-publish.js';
import { Message } from '../../broker/message.js';
import { parseExpiration } from '../../broker/message-expiry.js';
import { decodeProperties, encodeProperties } from '../../broker/message-properties.js';
import type { ManagementContext } from '../context.js';
import { HttpError, httpErrors } from '../errors.js';
import { payloadFromJson, payloadToJson, propertiesFromJson, propertiesToJson } from '../message-json.js';
import type { Request, Router } from '../router.js';
import { bodyObject, requireKeys, vhostFor } from './shared.js';
import { userIdRefusal } from '../../auth/validated-user-id.js';

const ackModes = new Set(['ack_requeue_true', 'ack_requeue_false', 'reject_requeue_true', 'reject_requeue_false']);

/** An AMQP error while acting for the caller: RabbitMQ's HTTP API shows it as "CODE TEXT" in a 400. */
function asHttp<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof AmqpError) throw httpErrors.badRequest(`${err.code} ${err.text}`);
    throw err;
  }
}

/**
 * POST /api/exchanges/{vhost}/{name}/publish ({"routed": bool}, answered once the message is as
 * safe as a publisher confirm promises), POST /api/queues/{vhost}/{name}/get (basic.get `count`
 * times, then ack, requeue or reject each as `ackmode` says) and POST .../actions (sync and
 * cancel_sync, which a classic queue accepts and ignores). The caller's own permissions apply.
 */
export function registerMessages(router: Router, ctx: ManagementContext): void {
  const authorizer = (req: Request, vhost: string) => new Authorizer(ctx.users, req.user.name, vhost);

  router.add('POST', '/api/exchanges/:vhost/:name/publish', 'management', async (req) => {
    const v = vhostFor(ctx, req.user, req.params.vhost);
    const b = bodyObject(req.body);
    requireKeys(b, ['routing_key', 'properties', 'payload', 'payload_encoding']);
    const routingKey = String(b.routing_key);
    const props = propertiesFromJson(typeof b.properties === 'object' && b.properties !== null ? (b.properties as Record<string, unknown>) : {});
    const body = payloadFromJson(b.payload, b.payload_encoding);
    const name = req.params.name === 'amq.default' ? '' : req.params.name;
    const published = asHttp(() => {
      const authz = authorizer(req, v.name);
      authz.check('exchange', name, 'write');
      const exchange = v.exchange(name);
      if (exchange.internal) throw errors.internalExchange(name, v.name);
      if (exchange.type === 'topic') authz.checkTopic(name, routingKey, 'write');
      const refusal = userIdRefusal(req.user, props.userId);
      if (refusal !== null) throw errors.preconditionFailed(refusal);
      const ttl = parseExpiration(props.expiration);
      const message = new Message(name, routingKey, encodeProperties(props), body, props.deliveryMode === 2, props.priority ?? 0, ttl);
      return publishInternal(v, exchange, message, props, { mandatory: true, confirm: true });
    });
    await published.durable;
    return { status: 200, body: { routed: published.queues > 0 } };
  });

  const queueOf = (req: Request) => {
    const v = vhostFor(ctx, req.user, req.params.vhost);
    const q = v.queues.get(req.params.name);
    if (!q) throw new HttpError(404, 'not_found', `NOT_FOUND - no queue '${req.params.name}' in vhost '${v.name}'`);
    return { v, q };
  };

  // As RabbitMQ, the body's keys are checked before the queue (400 before 404).
  router.add('POST', '/api/queues/:vhost/:name/get', 'management', (req) => {
    const b = bodyObject(req.body);
    requireKeys(b, ['ackmode', 'count', 'encoding']); // in RabbitMQ's order
    const { v, q } = queueOf(req);
    if (b.encoding !== 'auto' && b.encoding !== 'base64') throw httpErrors.badRequest('Unsupported encoding. Please use auto or base64.');
    const ackmode = String(b.ackmode);
    if (!ackModes.has(ackmode)) throw httpErrors.badRequest(`Unsupported ackmode. Please use ${[...ackModes].join(', ')}.`);
    const count = Number(b.count);
    if (!Number.isInteger(count)) throw httpErrors.badRequest(['not_int', 'count']);
    const truncate = b.truncate === undefined || b.truncate === null ? undefined : Number(b.truncate);
    asHttp(() => {
      authorizer(req, v.name).check('queue', q.name, 'read');
      v.queue(q.name, null); // an exclusive queue is its owner's alone
    });
    const out = [];
    const taken = [];
    for (let i = 0; i < count; i++) {
      const got = q.get(false);
      if (!got) break;
      taken.push(got.message);
      const m = got.message;
      out.push({
        payload_bytes: m.bodySize,
        redelivered: got.redelivered,
        exchange: m.exchange,
        routing_key: m.routingKey,
        message_count: q.messageCount,
        properties: propertiesToJson(decodeProperties(got.properties ?? m.properties)),
        ...payloadToJson(m.body, b.encoding, truncate),
      });
    }
    // As RabbitMQ: every message is fetched first, then all are settled the same way.
    if (ackmode === 'ack_requeue_false') for (const m of taken) q.settled(m);
    else if (ackmode === 'reject_requeue_false') q.reject(taken);
    else if (taken.length > 0) q.requeue(taken);
    return { status: 200, body: out };
  });

  router.add('POST', '/api/queues/:vhost/:name/actions', 'management', (req) => {
    const b = bodyObject(req.body);
    requireKeys(b, ['action']);
    queueOf(req);
    if (b.action !== 'sync' && b.action !== 'cancel_sync') throw httpErrors.badRequest(['unknown', String(b.action)]);
    return { status: 204 };
  });
}
