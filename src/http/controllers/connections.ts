import type { ManagementContext } from '../context.js';
import { nodeName } from '../context.js';
import { canSeeVhost, isAdministrator } from '../auth.js';
import { httpErrors } from '../errors.js';
import type { Request, Router } from '../router.js';
import { page } from '../pagination.js';
import { channelJson, channelName, connectionJson, consumerJson } from './present.js';
import { vhostFor } from './shared.js';
import { channelStats, connectionStats, statsView } from '../stats/stats-json.js';
import type { ChannelView, ConnectionView } from '../context.js';

/** /api/connections, /api/channels, /api/consumers: what clients are connected and doing. */
export function registerConnections(router: Router, ctx: ManagementContext): void {
  // Administrators (and monitoring users) see everything; others their own connections.
  const connectionOut = (req: Request) => (c: ConnectionView) => ({ ...connectionJson(c), ...connectionStats(statsView(ctx.stats, req.query), c) });
  const channelOut = (req: Request, c: ConnectionView, ch: ChannelView) => ({ ...channelJson(c, ch), ...channelStats(statsView(ctx.stats, req.query), ch) });
  const visible = (req: Request) => [...ctx.connections].filter((c) =>
    c.user !== null && (isAdministrator(req.user) || req.user.tags.includes('monitoring') || c.user.name === req.user.name));

  router.add('GET', '/api/connections', 'management', (req) => page(visible(req).map(connectionOut(req)), req.query, 'counts-first'));
  router.add('GET', '/api/vhosts/:vhost/connections', 'management', (req) => {
    vhostFor(ctx, req.user, req.params.vhost);
    return { status: 200, body: visible(req).filter((c) => c.vhost?.name === req.params.vhost).map(connectionOut(req)) };
  });
  const connection = (req: Request) => {
    const c = visible(req).find((x) => x.name === req.params.name);
    if (!c) throw httpErrors.notFound();
    return c;
  };
  router.add('GET', '/api/connections/:name', 'management', (req) => ({ status: 200, body: connectionOut(req)(connection(req)) }));
  router.add('GET', '/api/connections/:name/channels', 'management', (req) => {
    const c = connection(req);
    return { status: 200, body: [...c.channels.values()].map((ch) => channelOut(req, c, ch)) };
  });
  /** Closes with 320 CONNECTION_FORCED; the X-Reason header becomes the reply text. */
  const forceClose = (req: Request, c: ConnectionView) => {
    const reason = req.headers['x-reason'];
    const text = typeof reason === 'string' && reason !== '' ? reason : 'Closed via management plugin';
    c.close(320, `CONNECTION_FORCED - ${text}`);
  };
  router.add('DELETE', '/api/connections/:name', 'management', (req) => {
    forceClose(req, connection(req));
    return { status: 204 };
  });
  // A user's connections, as RabbitMQ lists its tracked connections (name, vhost, user, node):
  // one being closed is no longer tracked.
  const ofUser = (req: Request) => visible(req).filter((c) => c.user?.name === req.params.user && c.state !== 'closing' && c.state !== 'closed');
  router.add('GET', '/api/connections/username/:user', 'management', (req) => ({
    status: 200, body: ofUser(req).map((c) => ({ name: c.name, vhost: c.vhost?.name ?? null, user: req.params.user, node: nodeName })),
  }));
  router.add('DELETE', '/api/connections/username/:user', 'management', (req) => {
    for (const c of ofUser(req)) forceClose(req, c);
    return { status: 204 };
  });

  const channels = (req: Request, vhost?: string) => {
    const out = [];
    for (const c of visible(req)) {
      if (vhost !== undefined && c.vhost?.name !== vhost) continue;
      for (const ch of c.channels.values()) out.push(channelOut(req, c, ch));
    }
    return out;
  };
  router.add('GET', '/api/channels', 'management', (req) => page(channels(req), req.query, 'counts-first'));
  router.add('GET', '/api/vhosts/:vhost/channels', 'management', (req) => {
    vhostFor(ctx, req.user, req.params.vhost);
    return { status: 200, body: channels(req, req.params.vhost) };
  });
  router.add('GET', '/api/channels/:name', 'management', (req) => {
    for (const c of visible(req)) {
      for (const ch of c.channels.values()) {
        if (channelName(c, ch) !== req.params.name) continue;
        const consumerDetails = [...ch.info.consumers.values()].map((x) => consumerJson(c, ch, x));
        return { status: 200, body: { ...channelOut(req, c, ch), consumer_details: consumerDetails, deliveries: [], publishes: [] } };
      }
    }
    throw httpErrors.notFound();
  });

  const consumers = (req: Request, vhost?: string) => {
    const out = [];
    for (const c of ctx.connections) {
      if (c.vhost === null || !canSeeVhost(ctx.users, req.user, c.vhost.name)) continue;
      if (vhost !== undefined && c.vhost.name !== vhost) continue;
      for (const ch of c.channels.values()) for (const x of ch.info.consumers.values()) out.push(consumerJson(c, ch, x));
    }
    return out;
  };
  router.add('GET', '/api/consumers', 'management', (req) => ({ status: 200, body: consumers(req) }));
  router.add('GET', '/api/consumers/:vhost', 'management', (req) => {
    vhostFor(ctx, req.user, req.params.vhost);
    return { status: 200, body: consumers(req, req.params.vhost) };
  });
}
