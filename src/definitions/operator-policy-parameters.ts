import type { ApplyTo } from '../broker/policy.js';
import type { VHost } from '../broker/vhost.js';
import { PolicyError } from '../broker/vhost.js';
import { DefinitionsError } from './definitions-error.js';

/**
 * RabbitMQ keeps operator policies as runtime parameters of the component 'operator_policy', so its
 * definitions export carries them in `parameters`, not in `policies`. Warren keeps them with the
 * vhost's policies; these two functions translate at the definitions boundary, both ways.
 */
export const OPERATOR_POLICY_COMPONENT = 'operator_policy';

/** A vhost's operator policies as RabbitMQ exports them (entries of `parameters`). */
export function operatorPolicyParameters(v: VHost) {
  return [...v.operatorPolicies.values()].map((p) => ({
    value: { pattern: p.pattern, definition: p.definition, priority: p.priority, 'apply-to': p.applyTo },
    vhost: v.name, component: OPERATOR_POLICY_COMPONENT, name: p.name,
  }));
}

/** Applies an imported operator_policy parameter; DefinitionsError (HTTP 400) with RabbitMQ's validation text when invalid. */
export function importOperatorPolicy(v: VHost, name: string, value: unknown): void {
  const where = `(${v.name}/${OPERATOR_POLICY_COMPONENT}/${name})`;
  const fail = (why: string) => new DefinitionsError(`Validation failed\n\n${why}\n ${where}`);
  const isDictionary = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isDictionary(value)) throw fail('value must be a dictionary');
  // rabbitmqctl export_definitions of RabbitMQ 3.10.8 writes definitions as lists of pairs, which
  // RabbitMQ itself then refuses in the same words.
  if (!isDictionary(value.definition)) throw fail(`definition must be a dictionary: ${JSON.stringify(value.definition)}`);
  if (typeof value.pattern !== 'string') throw fail('pattern must be a string');
  try {
    v.setPolicy({
      vhost: v.name, name, pattern: value.pattern, applyTo: (value['apply-to'] ?? 'all') as ApplyTo,
      priority: Number(value.priority ?? 0), definition: value.definition,
    }, true);
  } catch (err) {
    if (err instanceof PolicyError) throw fail(err.message);
    throw err;
  }
}
