import type { ManagementContext } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import type { ApplyTo, Policy } from '../../broker/policy.js';
import { PolicyError } from '../../broker/vhost.js';
import { bodyObject, policyVhostFor } from './shared.js';

function policyJson(p: Policy) {
  return { vhost: p.vhost, name: p.name, pattern: p.pattern, 'apply-to': p.applyTo, definition: p.definition, priority: p.priority };
}

/**
 * /api/policies and /api/operator-policies: list (all, per vhost), show, set (PUT), clear (DELETE).
 * A policy applies at once to existing queues and exchanges (see VHost.setPolicy).
 */
export function registerPolicies(router: Router, ctx: ManagementContext): void {
  for (const [base, operator] of [['/api/policies', false], ['/api/operator-policies', true]] as const) {
    const mapOf = (vhost: string) => {
      const v = ctx.broker.vhost(vhost);
      if (!v) throw httpErrors.notFound();
      return { v, map: operator ? v.operatorPolicies : v.policies };
    };
    router.add('GET', base, 'management', () => ({
      status: 200,
      body: [...ctx.broker.vhosts.values()].flatMap((v) => [...(operator ? v.operatorPolicies : v.policies).values()].map(policyJson)),
    }));
    router.add('GET', `${base}/:vhost`, 'management', (req) => ({ status: 200, body: [...mapOf(req.params.vhost).map.values()].map(policyJson) }));
    router.add('GET', `${base}/:vhost/:name`, 'management', (req) => {
      const p = mapOf(req.params.vhost).map.get(req.params.name);
      if (!p) throw httpErrors.notFound();
      return { status: 200, body: policyJson(p) };
    });
    // Policies: policymakers in the vhosts they may use (RabbitMQ); operator policies: administrators.
    const writer = operator ? 'administrator' : 'policymaker';
    router.add('PUT', `${base}/:vhost/:name`, writer, (req) => {
      const { v, map } = mapOf(req.params.vhost);
      policyVhostFor(ctx, req.user, v.name);
      const b = bodyObject(req.body);
      if (typeof b.pattern !== 'string') throw httpErrors.badRequest('[{key_missing,pattern}]');
      if (typeof b.definition !== 'object' || b.definition === null) throw httpErrors.badRequest('[{key_missing,definition}]');
      const existed = map.has(req.params.name);
      try {
        v.setPolicy(
          {
            vhost: v.name, name: req.params.name, pattern: b.pattern, applyTo: (b['apply-to'] ?? 'all') as ApplyTo,
            priority: Number(b.priority ?? 0), definition: b.definition as Record<string, unknown>,
          },
          operator,
        );
      } catch (err) {
        if (err instanceof PolicyError) throw httpErrors.badRequest(err.message);
        throw err;
      }
      return { status: existed ? 204 : 201 };
    });
    router.add('DELETE', `${base}/:vhost/:name`, writer, (req) => {
      const { v } = mapOf(req.params.vhost);
      policyVhostFor(ctx, req.user, v.name);
      if (!v.clearPolicy(req.params.name, operator)) throw httpErrors.notFound();
      return { status: 204 };
    });
  }
}
