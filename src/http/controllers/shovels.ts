import type { Shovel } from '../../broker/shovel/shovel.js';
import type { ShovelUri } from '../../broker/shovel/shovel-uri.js';
import { nodeName } from '../context.js';
import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import { vhostFor, vhostsFor } from './shared.js';

/** RabbitMQ's shovel timestamps: local time, "2026-11-24 8:05:46" (hour not padded). */
export function shovelTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${d.getHours()}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A URI without its credentials, as the status shows it (amqp_uri:remove_credentials). */
function shown(uri: ShovelUri): string {
  return uri.text.replace(/^(amqps?:\/\/)[^@/]*@/, '$1');
}

/**
 * A shovel's status as rabbitmq_shovel_management reports it: the connection details only once it
 * runs; the reason when terminated.
 */
export function shovelJson(s: Shovel): Record<string, unknown> {
  const out: Record<string, unknown> = { node: nodeName, timestamp: shovelTimestamp(s.changedAt), name: s.name, vhost: s.vhost, type: 'dynamic', state: s.state };
  if (s.state === 'terminated') out.reason = s.reason;
  if (s.state !== 'running') return out;
  const d = s.def;
  Object.assign(out, { src_uri: shown(d.srcUri), src_protocol: 'amqp091', dest_protocol: 'amqp091', dest_uri: shown(d.destUri) });
  if (d.srcQueue !== undefined) out.src_queue = d.srcQueue;
  else Object.assign(out, { src_exchange: d.srcExchange, src_exchange_key: d.srcExchangeKey });
  if (d.destQueue !== undefined) out.dest_queue = d.destQueue;
  if (d.destExchange !== undefined) out.dest_exchange = d.destExchange;
  if (d.destExchangeKey !== undefined) out.dest_exchange_key = d.destExchangeKey;
  return out;
}

/**
 * /api/shovels[/{vhost}] and /api/shovels/vhost/{vhost}/{name}[/restart] (rabbitmq_shovel_management):
 * the dynamic shovels' states; DELETE removes a shovel (its parameter), .../restart restarts it.
 */
export function registerShovels(router: Router, ctx: ManagementContext): void {
  const shovels = ctx.broker.shovels;
  const one = (vhost: string, name: string, user: Parameters<typeof vhostFor>[1]): Shovel => {
    vhostFor(ctx, user, vhost);
    const s = shovels.get(vhost, name);
    if (!s) throw httpErrors.notFound();
    return s;
  };
  router.add('GET', '/api/shovels', 'monitoring', (req) => ({
    status: 200,
    body: vhostsFor(ctx, req.user, undefined).flatMap((v) => shovels.list(v.name).map(shovelJson)),
  }));
  router.add('GET', '/api/shovels/:vhost', 'monitoring', (req) => ({
    status: 200,
    body: vhostsFor(ctx, req.user, req.params.vhost).flatMap((v) => shovels.list(v.name).map(shovelJson)),
  }));
  router.add('GET', '/api/shovels/vhost/:vhost/:name', 'monitoring', (req) => ({
    status: 200,
    body: [shovelJson(one(req.params.vhost, req.params.name, req.user))],
  }));
  router.add('DELETE', '/api/shovels/vhost/:vhost/:name', 'administrator', (req) => {
    const s = one(req.params.vhost, req.params.name, req.user);
    shovels.delete(s.vhost, s.name);
    return { status: 204 };
  });
  router.add('DELETE', '/api/shovels/vhost/:vhost/:name/restart', 'administrator', (req) => {
    const s = one(req.params.vhost, req.params.name, req.user);
    shovels.restart(s.vhost, s.name);
    return { status: 204 };
  });
}
