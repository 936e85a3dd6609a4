import type { Binding } from '../../broker/binding.js';
import type { VHost } from '../../broker/vhost.js';
import { jsonToTable } from '../../store/json-table.js';
import type { ManagementContext } from '../context.js';
import { HttpError, httpErrors } from '../errors.js';
import { Authorizer } from '../../auth/authorization.js';
import { bindingKey } from '../../broker/binding.js';
import type { Router } from '../router.js';
import { bindingJson, defaultBindingJson, propertiesKey } from './present.js';
import { bodyObject, modelOp, vhostFor, vhostsFor } from './shared.js';

/** Every binding of a vhost, the default exchange's implicit ones first (as RabbitMQ lists them). */
export function vhostBindings(v: VHost): ReturnType<typeof bindingJson>[] {
  const out: ReturnType<typeof bindingJson>[] = [...v.queues.values()].map(defaultBindingJson).sort((a, b) => (a.destination < b.destination ? -1 : 1));
  const rest: Binding[] = [];
  for (const e of v.exchanges.values()) if (e.name !== '') rest.push(...e.bindings.values());
  rest.sort((a, b) => cmp(a.source.name, b.source.name) || cmp(a.destination.name, b.destination.name) || cmp(a.routingKey, b.routingKey));
  return out.concat(rest.map(bindingJson));
}

/** The props segment arrives percent-decoded; RabbitMQ's keys are themselves percent-encoded. */
const samePropsKey = (key: string, given: string) => key === given || decodeURIComponent(key) === given;

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** /api/bindings: listings, and creating/deleting bindings between an exchange and a queue or exchange. */
export function registerBindings(router: Router, ctx: ManagementContext): void {
  router.add('GET', '/api/bindings', 'management', (req) => ({ status: 200, body: vhostsFor(ctx, req.user, undefined).flatMap(vhostBindings) }));
  router.add('GET', '/api/bindings/:vhost', 'management', (req) => ({ status: 200, body: vhostBindings(vhostFor(ctx, req.user, req.params.vhost)) }));

  for (const [kind, letter] of [['queue', 'q'], ['exchange', 'e']] as const) {
    const ends = (user: Parameters<typeof vhostFor>[1], params: Record<string, string>) => {
      const v = vhostFor(ctx, user, params.vhost);
      const source = v.exchanges.get(params.source);
      const dest = kind === 'queue' ? v.queues.get(params.dest) : v.exchanges.get(params.dest);
      if (!source || !dest) throw httpErrors.notFound();
      return { v, source, dest };
    };
    const between = (user: Parameters<typeof vhostFor>[1], params: Record<string, string>) => {
      const { source, dest } = ends(user, params);
      return [...source.bindings.values()].filter((b) => b.destination === dest);
    };
    router.add('GET', `/api/bindings/:vhost/e/:source/${letter}/:dest`, 'management', (req) => ({
      status: 200, body: between(req.user, req.params).map(bindingJson),
    }));
    /** Creates a binding; Location is the new binding's URL relative to this one, as RabbitMQ sends it. */
    router.add('POST', `/api/bindings/:vhost/e/:source/${letter}/:dest`, 'management', (req) => {
      const v = vhostFor(ctx, req.user, req.params.vhost);
      // The default exchange takes no bindings: RabbitMQ's access_refused comes out as a 401.
      if (req.params.source === 'amq.default' || req.params.source === '') throw new HttpError(401, 'not_authorised', 'Access refused.');
      const source = v.exchanges.get(req.params.source);
      const dest = kind === 'queue' ? v.queues.get(req.params.dest) : v.exchanges.get(req.params.dest);
      if (!source) throw new HttpError(404, 'not_found', `no exchange '${req.params.source}' in vhost '${v.name}'`);
      if (!dest) throw new HttpError(404, 'not_found', `no ${kind} '${req.params.dest}' in vhost '${v.name}'`);
      const b = bodyObject(req.body);
      const routingKey = typeof b.routing_key === 'string' ? b.routing_key : '';
      const args = jsonToTable(b.arguments ?? {});
      modelOp(() => {
        const authz = new Authorizer(ctx.users, req.user.name, v.name);
        authz.check(kind, dest.name, 'write');
        authz.check('exchange', source.name, 'read');
        if (source.type === 'topic') authz.checkTopic(source.name, routingKey, 'read');
        v.bind(source, dest, routingKey, args);
      });
      const created = [...source.bindings.values()].find((x) => x.destination === dest && x.routingKey === routingKey && x.key === bindingKey(routingKey, args));
      const props = created ? propertiesKey(created) : propertiesKey({ routingKey, key: routingKey, arguments: {} });
      return { status: 201, headers: { location: `${encodeURIComponent(dest.name)}/${encodeURIComponent(props)}` } };
    });
    router.add('GET', `/api/bindings/:vhost/e/:source/${letter}/:dest/:props`, 'management', (req) => {
      const b = between(req.user, req.params).find((x) => samePropsKey(propertiesKey(x), req.params.props));
      if (!b) throw httpErrors.notFound();
      return { status: 200, body: bindingJson(b) };
    });
    router.add('DELETE', `/api/bindings/:vhost/e/:source/${letter}/:dest/:props`, 'management', (req) => {
      const { v } = ends(req.user, req.params);
      const b = between(req.user, req.params).find((x) => samePropsKey(propertiesKey(x), req.params.props));
      if (!b) throw httpErrors.notFound();
      v.unbind(b.source, b.destination, b.routingKey, b.arguments);
      return { status: 204 };
    });
  }
}
