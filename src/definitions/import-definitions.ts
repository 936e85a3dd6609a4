import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../auth/password-hash.js';
import type { HashingAlgorithm } from '../auth/password-hash.js';
import { parseTags } from '../auth/user-tags.js';
import type { UserStore } from '../auth/user-store.js';
import type { Broker } from '../broker/broker.js';
import { limitsError, userLimitNames } from '../broker/limits.js';
import type { Limits } from '../broker/limits.js';
import type { ApplyTo } from '../broker/policy.js';
import { PolicyError } from '../broker/vhost.js';
import type { VHost } from '../broker/vhost.js';
import type { Logger } from '../log.js';
import { jsonToTable } from '../store/json-table.js';
import { DefinitionsError } from './definitions-error.js';
import { importOperatorPolicy, OPERATOR_POLICY_COMPONENT } from './operator-policy-parameters.js';

export { DefinitionsError };

/** What an import changes: the model and the users (the broker's, or the management API's view of them). */
export interface DefinitionsTarget {
  readonly broker: Broker;
  readonly users: UserStore;
  readonly log: Logger;
}

/** Exchanges every vhost has from birth; exports leave them out, as RabbitMQ does. */
export const builtinExchange = (name: string) => name === '' || name.startsWith('amq.');

type Obj = Record<string, unknown>;
const list = (v: unknown, what: string): Obj[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DefinitionsError(`${what} must be a list`);
  return v as Obj[];
};
const str = (o: Obj, k: string): string => {
  if (typeof o[k] !== 'string') throw new DefinitionsError(`[{key_missing,${k}}]`);
  return o[k] as string;
};
function bool(v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new DefinitionsError(`${JSON.stringify(v)} is not a boolean`);
}
function tags(v: unknown): string[] {
  const t = parseTags(v);
  if (t === null) throw new DefinitionsError('tags must be a string or a list');
  return t;
}

/**
 * Imports a definitions document: vhosts, users, permissions, exchanges, queues, bindings, in
 * that order so every reference resolves. With `onlyVhost`, objects carry no vhost field and go
 * there. Policies (before queues and exchanges, so they apply as those are declared), runtime and
 * global parameters and topic permissions are applied too. Model errors (e.g. a queue
 * that exists with other arguments) are thrown as the model's AmqpErrors.
 */
export function importDefinitions(ctx: DefinitionsTarget, d: Obj, onlyVhost: string | undefined): void {
  const vhostOf = (o: Obj) => onlyVhost ?? str(o, 'vhost');
  if (onlyVhost === undefined) {
    for (const v of list(d.vhosts, 'vhosts')) ctx.broker.addVhost(str(v, 'name'));
    for (const u of list(d.users, 'users')) {
      const algorithm = (u.hashing_algorithm ?? 'rabbit_password_hashing_sha256') as HashingAlgorithm;
      const passwordHash = typeof u.password_hash === 'string' ? u.password_hash
        : typeof u.password === 'string' ? hashPassword(u.password, algorithm) : '';
      const limits = importedLimits(u.limits);
      ctx.users.putUser({ name: str(u, 'name'), passwordHash, hashingAlgorithm: algorithm, tags: tags(u.tags), ...(limits ? { limits } : {}) });
    }
    for (const p of list(d.permissions, 'permissions')) {
      const vhost = str(p, 'vhost');
      if (!ctx.broker.vhosts.has(vhost)) throw new DefinitionsError(`vhost_not_found: ${vhost}`);
      ctx.users.setPermissions(str(p, 'user'), vhost, { configure: str(p, 'configure'), write: str(p, 'write'), read: str(p, 'read') });
    }
    for (const p of list(d.topic_permissions, 'topic_permissions')) {
      const vhost = str(p, 'vhost');
      if (!ctx.broker.vhosts.has(vhost)) throw new DefinitionsError(`vhost_not_found: ${vhost}`);
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
    if (!v) throw new DefinitionsError(`vhost_not_found: ${name}`);
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
      if (err instanceof PolicyError) throw new DefinitionsError(err.message);
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
    if (invalid) throw new DefinitionsError(`Validation failed\n\n${invalid}\n`);
    ctx.broker.parameters.set(param);
  }
  for (const e of list(d.exchanges, 'exchanges')) {
    const name = str(e, 'name');
    if (builtinExchange(name)) continue;
    const v = vhost(e);
    v.declareExchange(name, str(e, 'type'), {
      passive: false, durable: bool(e.durable, true), autoDelete: bool(e.auto_delete, false), internal: bool(e.internal, false),
      arguments: jsonToTable(e.arguments ?? {}),
    });
  }
  const owner = {};
  for (const q of list(d.queues, 'queues')) {
    const v = vhost(q);
    v.declareQueue(str(q, 'name'), {
      passive: false, durable: bool(q.durable, true), exclusive: false, autoDelete: bool(q.auto_delete, false), arguments: jsonToTable(q.arguments ?? {}),
    }, owner);
  }
  for (const b of list(d.bindings, 'bindings')) {
    const v = vhost(b);
    const source = v.exchanges.get(str(b, 'source'));
    const destName = str(b, 'destination');
    const dest = b.destination_type === 'exchange' ? v.exchanges.get(destName) : v.queues.get(destName);
    if (!source || !dest) throw new DefinitionsError(`binding refers to a missing ${!source ? 'exchange ' + String(b.source) : destName} in vhost '${v.name}'`);
    v.bind(source, dest, typeof b.routing_key === 'string' ? b.routing_key : '', jsonToTable(b.arguments ?? {}));
  }
}

/** A user's `limits` as exported by RabbitMQ ({} or absent: none), validated. */
function importedLimits(v: unknown): Limits | undefined {
  if (v === undefined || v === null) return undefined;
  const invalid = limitsError(v, userLimitNames, 'user-limits');
  if (invalid) throw new DefinitionsError(invalid);
  return Object.keys(v as object).length === 0 ? undefined : (v as Limits);
}

/**
 * load_definitions: a definitions file, or a directory whose *.json files are imported in name
 * order, applied on every start as RabbitMQ does (existing objects are kept when equivalent).
 */
export function loadDefinitions(ctx: DefinitionsTarget, path: string): void {
  const files = statSync(path).isDirectory()
    ? readdirSync(path).filter((f) => f.endsWith('.json')).sort().map((f) => join(path, f))
    : [path];
  for (const file of files) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new DefinitionsError(`${file}: not a JSON definitions file (${(err as Error).message})`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new DefinitionsError(`${file}: not a JSON definitions object`);
    try {
      importDefinitions(ctx, doc as Obj, undefined);
    } catch (err) {
      throw new DefinitionsError(`${file}: ${(err as Error).message}`);
    }
    ctx.log.info('definitions_loaded', { file });
  }
}
