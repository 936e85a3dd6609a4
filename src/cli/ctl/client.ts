// The management HTTP API as warrenctl sees it: JSON over node:http(s) with basic auth and one
// deadline for the whole command, transport failures turned into rabbitmqctl's exit codes (node
// down: 69, timeout: 75). node:http rather than fetch: fetch loads undici on first use, which
// doubled the CPU time of every invocation (measured: 0.43 s against 0.20 s of user time for one
// request), and probes run warrenctl every few seconds.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CtlError, ExitCode } from './errors.js';

export interface ApiAnswer {
  status: number;
  /** The parsed JSON body; null when the body was empty. */
  body: any;
}

export interface Endpoint {
  /** e.g. http://127.0.0.1:15672 (no trailing slash). */
  baseUrl: string;
  username: string;
  password: string;
  /** Node name shown in messages (rabbit@host style). */
  node: string;
  /** Deadline for the whole command, in milliseconds. */
  timeoutMs: number;
}

/** The command's error for each HTTP status it expects to fail with. */
export type FailureMap = Partial<Record<number, (answer: ApiAnswer) => Error | Promise<Error>>>;

/** Percent-encodes one path segment, so a vhost named '/' travels as %2F (as RabbitMQ's API wants). */
export const seg = (s: string) => encodeURIComponent(s);

export class ApiClient {
  private readonly deadline: AbortSignal;

  constructor(readonly endpoint: Endpoint) {
    this.deadline = AbortSignal.timeout(endpoint.timeoutMs);
  }

  /** A request as the configured user; any HTTP status is returned, transport failures throw. */
  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    return this.requestAs(this.endpoint.username, this.endpoint.password, method, path, body, headers);
  }

  async requestAs(username: string, password: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let answer: { status: number; text: string };
    try {
      answer = await this.send(method, new URL(this.endpoint.baseUrl + path), {
        authorization: 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64'),
        ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
        ...headers,
      }, payload);
    } catch (err) {
      throw this.transportError(err);
    }
    let parsed: unknown = null;
    if (answer.text !== '') {
      try {
        parsed = JSON.parse(answer.text);
      } catch {
        throw new CtlError(ExitCode.software, `${method} ${path} on node ${this.endpoint.node} answered HTTP ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`);
      }
    }
    return { status: answer.status, body: parsed };
  }

  /** One HTTP exchange on a fresh connection (a CLI makes a few requests; no keep-alive to linger). */
  private send(method: string, url: URL, headers: Record<string, string>, payload?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(url, { method, headers, signal: this.deadline, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A request that must succeed (2xx); `handle` may map other statuses to a result or an error
   * first, then 401 and anything else unexpected become errors with the node's own reason.
   */
  async call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any> {
    const answer = await this.request(method, path, body, headers);
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw this.unexpected(method, path, answer);
  }

  /**
   * A request that must succeed, except for the statuses `on` turns into the command's own errors
   * (404: no such object, 400: refused...); anything else unexpected is reported as `unexpected` does.
   */
  async expect(method: string, path: string, body: unknown, on: FailureMap, headers?: Record<string, string>): Promise<ApiAnswer> {
    const answer = await this.request(method, path, body, headers);
    const failure = on[answer.status];
    if (failure) throw await failure(answer);
    if (answer.status >= 300) throw this.unexpected(method, path, answer);
    return answer;
  }

  get(path: string): Promise<any> {
    return this.call('GET', path);
  }

  /** The error for an answer the command did not expect: auth problems, missing endpoints, 5xx. */
  unexpected(method: string, path: string, answer: ApiAnswer): CtlError {
    const node = this.endpoint.node;
    const reason = reasonOf(answer);
    if (answer.status === 401 && /login failed/i.test(reason)) {
      return new CtlError(ExitCode.unavailable, `Failed to authenticate to node ${node} as user '${this.endpoint.username}' (${reason}). Pass --username/--password or set WARRENCTL_URL.`);
    }
    if (answer.status === 401 || answer.status === 403) {
      return new CtlError(ExitCode.noPerm, `User '${this.endpoint.username}' may not ${method} ${path} on node ${node}: ${reason}`);
    }
    if (answer.status === 404 || answer.status === 405) {
      return new CtlError(ExitCode.software, `Node ${node} does not support ${method} ${path} (HTTP ${answer.status}${reason ? `: ${reason}` : ''})`);
    }
    return new CtlError(answer.status >= 500 ? ExitCode.software : ExitCode.unavailable, `${method} ${path} on node ${node} failed with HTTP ${answer.status}${reason ? `: ${reason}` : ''}`);
  }

  private transportError(err: unknown): CtlError {
    const { node, baseUrl, timeoutMs } = this.endpoint;
    const e = err as NodeJS.ErrnoException;
    if (this.deadline.aborted) {
      return new CtlError(ExitCode.tempFail, `Error: operation on node ${node} timed out. Timeout value used: ${timeoutMs / 1000} seconds`, { bare: true });
    }
    const cause = e.code ?? e.message;
    return new CtlError(
      ExitCode.unavailable,
      `Error: unable to perform an operation on node '${node}'. The management API at ${baseUrl} could not be reached (${cause}).\n\n` +
        'Most common reasons for this are:\n\n' +
        ' * Target node is not running\n' +
        ' * Target node is unreachable (hostname resolution, TCP connection or firewall issues)\n' +
        ' * The management HTTP port is not the one given (--port, default 15672)',
      { bare: true },
    );
  }
}

/** The node's error text: RabbitMQ's {"error": ..., "reason": ...} body, or the health check's. */
export function reasonOf(answer: ApiAnswer): string {
  const b = answer.body;
  if (b && typeof b === 'object') {
    if (typeof b.reason === 'string' && b.reason !== '') return b.reason;
    if (typeof b.error === 'string') return b.error;
  }
  return '';
}
