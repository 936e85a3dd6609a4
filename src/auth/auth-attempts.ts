// Login attempts per protocol, as RabbitMQ counts them for /api/auth/attempts/{node}
// (rabbitmqctl list_node_auth_attempt_stats): every AMQP handshake and every HTTP API request that
// presents credentials is one attempt, failed or succeeded.

/** RabbitMQ's protocol names: 'amqp091' for AMQP 0-9-1 connections, 'http' for the management API. */
export type AuthProtocol = 'amqp091' | 'http';

export interface AuthAttemptCounts {
  protocol: AuthProtocol;
  auth_attempts: number;
  auth_attempts_failed: number;
  auth_attempts_succeeded: number;
}

export class AuthAttempts {
  /** By protocol, in the order each protocol saw its first attempt (as RabbitMQ lists them). */
  private readonly counts = new Map<AuthProtocol, AuthAttemptCounts>();

  record(protocol: AuthProtocol, succeeded: boolean): void {
    let c = this.counts.get(protocol);
    if (!c) this.counts.set(protocol, (c = { protocol, auth_attempts: 0, auth_attempts_failed: 0, auth_attempts_succeeded: 0 }));
    c.auth_attempts++;
    if (succeeded) c.auth_attempts_succeeded++;
    else c.auth_attempts_failed++;
  }

  list(): AuthAttemptCounts[] {
    return [...this.counts.values()].map((c) => ({ ...c }));
  }

  /** DELETE /api/auth/attempts/{node}: start counting again. */
  reset(): void {
    this.counts.clear();
  }
}
