// rabbitmqctl against the reference RabbitMQ that WARREN_TEST_URL points at (node from
// WARREN_TEST_RABBITMQ_NODE, default ref5673@localhost), for tests that must change its settings
// or objects the AMQP protocol cannot reach.
import { execFileSync } from 'node:child_process';

export function referenceNode(): string {
  return process.env.WARREN_TEST_RABBITMQ_NODE ?? 'ref5673@localhost';
}

/** Runs one rabbitmqctl command; returns its standard output. */
export function rabbitmqctl(...args: string[]): string {
  return execFileSync('rabbitmqctl', ['-n', referenceNode(), '-q', ...args], { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' });
}

/** Sets one of the reference node's `rabbit` application settings (as rabbitmq.conf would); returns the old value as an Erlang term. */
export function setRabbitEnv(key: string, erlangTerm: string): string {
  const old = rabbitmqctl('eval', `application:get_env(rabbit, ${key}).`).trim();
  rabbitmqctl('eval', `application:set_env(rabbit, ${key}, ${erlangTerm}).`);
  const m = /^\{ok,(.*)\}$/s.exec(old);
  return m ? m[1] : 'undefined';
}
