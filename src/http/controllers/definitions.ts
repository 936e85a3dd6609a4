import { hashPassword } from '../../auth/password-hash.js';
import type { HashingAlgorithm } from '../../auth/password-hash.js';
import type { VHost } from '../../broker/vhost.js';
import { jsonToTable, tableToJson } from '../../store/json-table.js';
import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import type { ApplyTo } from '../../broker/policy.js';
import { PolicyError } from '../../broker/vhost.js';
import { parseTags, userJson } from './users.js';
import { topicPermissionsJson } from './topic-permissions.js';
import { limitsError, userLimitNames } from '../../broker/limits.js';
import type { Limits } from '../../broker/limits.js';
import { bodyObject, bool, modelOp } from './shared.js';
import { importOperatorPolicy, operatorPolicyParameters, OPERATOR_POLICY_COMPONENT } from './operator-policy-parameters.js';

/** Exchanges every vhost has from birth; exports leave them out, as RabbitMQ does. */
const builtin = (name: string) => name === '' || name.startsWith('amq.');

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

type Obj = Record<string, unknown>;
const list = (v: unknown, what: string): Obj[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw httpErrors.badRequest(`${what} must be a list`);
  return v as Obj[];
};
const str = (o: Obj, k: string): string => {
  if (typeof o[k] !== 'string') throw httpErrors.badRequest(`[{key_missing,${k}}]`);
  return o[k] as string;
};

/** GET/POST /api/definitions[/{vhost}]: RabbitMQ's definitions export format, both ways. */
export function registerDefinitions(router: Router, ctx: ManagementContext): void {
  router.add('GET', '/api/definitions', 'administrator', () => {
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
  });
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
  router.add('POST', '/api/definitions', 'administrator', (req) => {
    importDefinitions(ctx, bodyObject(req.body), undefined);
    return { status: 204 };
  });
  router.add('POST', '/api/definitions/:vhost', 'administrator', (req) => {
    if (!ctx.broker.vhosts.has(req.params.vhost)) throw httpErrors.notFound();
    importDefinitions(ctx, bodyObject(req.body), req.params.vhost);
    return { status: 204 };
  });
}

/**
 * Imports a definitions document: vhosts, users, permissions, exchanges, queues, bindings, in
 * that order so every reference resolves. With `onlyVhost`, objects carry no vhost field and go
 * there. Policies (before queues and exchanges, so they apply as those are declared), runtime and
 * global parameters and topic permissions are applied too.
 */
export function importDefinitions(ctx: ManagementContext, d: Obj, onlyVhost: string | undefined): void {
  const vhostOf = (o: Obj) => onlyVhost ?? str(o, 'vhost');
  if (onlyVhost === undefined) {
    for (const v of list(d.vhosts, 'vhosts')) ctx.broker.addVhost(str(v, 'name'));
    for (const u of list(d.users, 'users')) {
      const algorithm = (u.hashing_algorithm ?? 'rabbit_password_hashing_sha256') as HashingAlgorithm;
      const passwordHash = typeof u.password_hash === 'string' ? u.password_hash
        : typeof u.password === 'string' ? hashPassword(u.password, algorithm) : '';
      const limits = importedLimits(u.limits);
      ctx.users.putUser({ name: str(u, 'name'), passwordHash, hashingAlgorithm: algorithm, tags: parseTags(u.tags), ...(limits ? { limits } : {}) });
    }
    for (const p of list(d.permissions, 'permissions')) {
      const vhost = str(p, 'vhost');
      if (!ctx.broker.vhosts.has(vhost)) throw httpErrors.badRequest(`vhost_not_found: ${vhost}`);
      ctx.users.setPermissions(str(p, 'user'), vhost, { configure: str(p, 'configure'), write: str(p, 'write'), read: str(p, 'read') });
    }
    for (const p of list(d.topic_permissions, 'topic_permissions')) {
      const vhost = str(p, 'vhost');
      if (!ctx.broker.vhosts.has(vhost)) throw httpErrors.badRequest(`vhost_not_found: ${vhost}`);
      ctx.users.setTopicPermission(str(p, 'user'), vhost, str(p, 'exchange'), { write: str(p, 'write'), read: str(p, 'read') });
    }
    // internal_cluster_id is RabbitMQ's own bookkeeping, not something to carry over.
    for (const g of list(d.global_parameters, 'global_parameters')) {
      if (g.name !== 'internal_cluster_id') ctx.broker.parameters.setGlobal(str(g, 'name'), g.value);
    }
  }
  const vhost = (o: Obj): VHost => {
    const name = vhostOf(o);
    const v = ctx.broker.vhost(name);
    if (!v) throw httpErrors.badRequest(`vhost_not_found: ${name}`);
    return v;
  };
  for (const p of list(d.policies, 'policies')) {
    const v = vhost(p);
    try {
      v.setPolicy({
        vhost: v.name, name: str(p, 'name'), pattern: str(p, 'pattern'), applyTo: (p['apply-to'] ?? 'all') as ApplyTo,
        priority: Number(p.priority ?? 0), definition: (p.definition ?? {}) as Record<string, unknown>,
      });
    } catch (err) {
      if (err instanceof PolicyError) throw httpErrors.badRequest(err.message);
      throw err;
    }
  }
  for (const p of list(d.parameters, 'parameters')) {
    if (p.component === OPERATOR_POLICY_COMPONENT) {
      importOperatorPolicy(vhost(p), str(p, 'name'), p.value);
      continue;
    }
    const param = { component: str(p, 'component'), vhost: vhostOf(p), name: str(p, 'name'), value: p.value };
    const invalid = ctx.broker.parameters.validate(param);
    if (invalid) throw httpErrors.badRequest(`Validation failed\n\n${invalid}\n`);
    ctx.broker.parameters.set(param);
  }
  for (const e of list(d.exchanges, 'exchanges')) {
    const name = str(e, 'name');
    if (builtin(name)) continue;
    const v = vhost(e);
    modelOp(() => v.declareExchange(name, str(e, 'type'), {
      passive: false, durable: bool(e.durable, true), autoDelete: bool(e.auto_delete, false), internal: bool(e.internal, false),
      arguments: jsonToTable(e.arguments ?? {}),
    }));
  }
  const owner = {};
  for (const q of list(d.queues, 'queues')) {
    const v = vhost(q);
    modelOp(() => v.declareQueue(str(q, 'name'), {
      passive: false, durable: bool(q.durable, true), exclusive: false, autoDelete: bool(q.auto_delete, false), arguments: jsonToTable(q.arguments ?? {}),
    }, owner));
  }
  for (const b of list(d.bindings, 'bindings')) {
    const v = vhost(b);
    const source = v.exchanges.get(str(b, 'source'));
    const destName = str(b, 'destination');
    const dest = b.destination_type === 'exchange' ? v.exchanges.get(destName) : v.queues.get(destName);
    if (!source || !dest) throw httpErrors.badRequest(`binding refers to a missing ${!source ? 'exchange ' + String(b.source) : destName} in vhost '${v.name}'`);
    modelOp(() => v.bind(source, dest, typeof b.routing_key === 'string' ? b.routing_key : '', jsonToTable(b.arguments ?? {})));
  }
}

/** A user's `limits` as exported by RabbitMQ ({} or absent: none), validated. */
function importedLimits(v: unknown): Limits | undefined {
  if (v === undefined || v === null) return undefined;
  const invalid = limitsError(v, userLimitNames, 'user-limits');
  if (invalid) throw httpErrors.badRequest(invalid);
  return Object.keys(v as object).length === 0 ? undefined : (v as Limits);
}

function policiesOf(v: VHost) {
  return [...v.policies.values()].map((p) => ({
    vhost: p.vhost, name: p.name, pattern: p.pattern, 'apply-to': p.applyTo, definition: p.definition, priority: p.priority,
  }));
}
