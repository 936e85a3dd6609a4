import type { VHost } from '../../broker/vhost.js';
import { builtinExchange as builtin, DefinitionsError, importDefinitions } from '../../definitions/import-definitions.js';
import { tableToJson } from '../../store/json-table.js';
import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Request, Router } from '../router.js';
import { userJson } from './users.js';
import { topicPermissionsJson } from './topic-permissions.js';
import { bodyObject, modelOp } from './shared.js';
import { operatorPolicyParameters } from '../../definitions/operator-policy-parameters.js';

/** Runs an import, answering its errors as RabbitMQ's 400s. */
function httpImport(f: () => void): void {
  try {
    modelOp(f);
  } catch (err) {
    if (err instanceof DefinitionsError) throw httpErrors.badRequest(err.message);
    throw err;
  }
}

function vhostObjects(v: VHost, withVhost: boolean) {
  const tag = withVhost ? { vhost: v.name } : {};
  const queues = [...v.queues.values()].filter((q) => !q.exclusive).map((q) => ({
    name: q.name, ...tag, durable: q.durable, auto_delete: q.autoDelete, arguments: tableToJson(q.arguments),
  }));
  const exchanges = [...v.exchanges.values()].filter((e) => !builtin(e.name)).map((e) => ({
    name: e.name, ...tag, type: e.type, durable: e.durable, auto_delete: e.autoDelete, internal: e.internal, arguments: tableToJson(e.arguments),
  }));
  const bindings = [];
  for (const e of v.exchanges.values()) {
    if (e.name === '') continue;
    for (const b of e.bindings.values()) {
      if (b.destination.kind === 'queue' && b.destination.exclusive) continue;
      bindings.push({
        source: e.name, ...tag, destination: b.destination.name, destination_type: b.destination.kind,
        routing_key: b.routingKey, arguments: tableToJson(b.arguments),
      });
    }
  }
  return { queues, exchanges, bindings };
}

/** GET/POST /api/definitions[/{vhost}]: RabbitMQ's definitions export format, both ways. */
export function registerDefinitions(router: Router, ctx: ManagementContext): void {
  const exportAll = () => {
    const queues = [], exchanges = [], bindings = [];
    for (const v of ctx.broker.vhosts.values()) {
      const o = vhostObjects(v, true);
      queues.push(...o.queues);
      exchanges.push(...o.exchanges);
      bindings.push(...o.bindings);
    }
    const permissions = [];
    for (const [vhost, perUser] of ctx.users.permissions) for (const [user, p] of perUser) permissions.push({ user, vhost, ...p });
    return {
      status: 200,
      body: {
        rabbit_version: '3.10.8',
        rabbitmq_version: '3.10.8',
        product_name: 'Warren',
        product_version: ctx.version,
        users: [...ctx.users.users.values()].map(userJson),
        vhosts: [...ctx.broker.vhosts.keys()].map((name) => ({ name })),
        permissions,
        topic_permissions: topicPermissionsJson(ctx.users),
        parameters: [...ctx.broker.parameters.list(), ...[...ctx.broker.vhosts.values()].flatMap(operatorPolicyParameters)],
        global_parameters: [...ctx.broker.parameters.globals].map(([name, value]) => ({ name, value })),
        policies: [...ctx.broker.vhosts.values()].flatMap(policiesOf),
        queues,
        exchanges,
        bindings,
      },
    };
  };
  const importAll = (req: Request) => {
    httpImport(() => importDefinitions(ctx, bodyObject(req.body), undefined));
    return { status: 204 };
  };
  // /api/all-configuration: RabbitMQ's deprecated name for the same export and import.
  for (const path of ['/api/definitions', '/api/all-configuration']) {
    router.add('GET', path, 'administrator', exportAll);
    router.add('POST', path, 'administrator', importAll);
  }
  router.add('GET', '/api/definitions/:vhost', 'administrator', (req) => {
    const v = ctx.broker.vhost(req.params.vhost);
    if (!v) throw httpErrors.notFound();
    return {
      status: 200,
      body: {
        rabbit_version: '3.10.8', rabbitmq_version: '3.10.8',
        parameters: [...ctx.broker.parameters.list(undefined, v.name), ...operatorPolicyParameters(v)].map(({ vhost: _v, ...p }) => p),
        policies: policiesOf(v).map(({ vhost: _v, ...p }) => p),
        ...vhostObjects(v, false),
      },
    };
  });
  router.add('POST', '/api/definitions/:vhost', 'administrator', (req) => {
    if (!ctx.broker.vhosts.has(req.params.vhost)) throw httpErrors.notFound();
    httpImport(() => importDefinitions(ctx, bodyObject(req.body), req.params.vhost));
    return { status: 204 };
  });
}

function policiesOf(v: VHost) {
  return [...v.policies.values()].map((p) => ({
    vhost: p.vhost, name: p.name, pattern: p.pattern, 'apply-to': p.applyTo, definition: p.definition, priority: p.priority,
  }));
}
