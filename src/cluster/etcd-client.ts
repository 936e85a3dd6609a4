// A thin client for etcd v3 over its built-in JSON gateway (/v3/...), on Node's fetch: no
// dependency. The gateway's pitfalls are handled here once: keys and values travel as base64,
// int64s (revisions, lease ids) as decimal strings, and proto3 omits default values (false, 0,
// empty) from the JSON, so every field read is optional.

/** A key-value as etcd returns it, decoded. */
export interface KeyValue {
  key: string;
  value: string;
  createRevision: string;
  modRevision: string;
  lease: string;
}

/** One comparison of a transaction (etcd's Compare, the fields Warren needs). */
export type Compare =
  | { key: string; target: 'CREATE'; result?: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL'; createRevision: string }
  | { key: string; target: 'VALUE'; result?: 'EQUAL' | 'NOT_EQUAL'; value: string }
  | { key: string; target: 'MOD'; result?: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL'; modRevision: string };

/** One operation of a transaction branch. */
export type Op =
  | { put: { key: string; value: string; lease?: string } }
  | { range: { key: string; prefix?: boolean } }
  | { deleteRange: { key: string; prefix?: boolean } };

export interface TxnResult {
  succeeded: boolean;
  /** The range results of the executed branch, in order (empty for puts and deletes). */
  ranges: KeyValue[][];
  revision: string;
}

/** The leader of an election, as /v3/election/leader and campaign report it. */
export interface LeaderKey {
  name: string;
  /** The election key itself: name/leaseHex. */
  key: string;
  /** The election key's create revision (Warren's epoch). */
  rev: string;
  lease: string;
}

export class EtcdError extends Error {
  constructor(
    message: string,
    /** gRPC status code from the gateway (e.g. 5 NOT_FOUND), or -1 for a transport failure. */
    readonly code: number,
  ) {
    super(message);
  }
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => (s === undefined ? '' : Buffer.from(s, 'base64').toString('utf8'));

/** The smallest key greater than every key starting with prefix (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i]++;
      return end.toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64');
}

interface RawKv { key?: string; value?: string; create_revision?: string; mod_revision?: string; lease?: string }

function decodeKv(kv: RawKv): KeyValue {
  return {
    key: unb64(kv.key),
    value: unb64(kv.value),
    createRevision: kv.create_revision ?? '0',
    modRevision: kv.mod_revision ?? '0',
    lease: kv.lease ?? '0',
  };
}

function encodeOp(op: Op): unknown {
  if ('put' in op) return { request_put: { key: b64(op.put.key), value: b64(op.put.value), lease: op.put.lease } };
  if ('range' in op) return { request_range: { key: b64(op.range.key), range_end: op.range.prefix ? prefixEnd(op.range.key) : undefined } };
  return { request_delete_range: { key: b64(op.deleteRange.key), range_end: op.deleteRange.prefix ? prefixEnd(op.deleteRange.key) : undefined } };
}

function encodeCompare(c: Compare): unknown {
  const base = { key: b64(c.key), target: c.target, result: c.result ?? 'EQUAL' };
  if (c.target === 'CREATE') return { ...base, create_revision: c.createRevision };
  if (c.target === 'MOD') return { ...base, mod_revision: c.modRevision };
  return { ...base, value: b64(c.value) };
}

export interface EtcdClientOptions {
  /** Client URLs of the etcd members, e.g. http://127.0.0.1:2379. */
  endpoints: string[];
  /** Milliseconds one unary request may take before the next endpoint is tried. Default 2000. */
  requestTimeout?: number;
}

/**
 * Unary calls go to the endpoint that last answered; on a transport failure or timeout the next
 * endpoint is tried, each once per call. Errors reported by etcd itself (a JSON body with an
 * error) are not retried: they are answers.
 */
export class EtcdClient {
  readonly endpoints: string[];
  private current = 0;
  private readonly timeout: number;

  constructor(options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new Error('etcd: no endpoints');
    this.endpoints = options.endpoints.map((e) => e.replace(/\/+$/, ''));
    this.timeout = options.requestTimeout ?? 2000;
  }

  /** POSTs body to path on one endpoint after another until one answers; returns the JSON. */
  async call(path: string, body: unknown, timeout = this.timeout): Promise<Record<string, unknown>> {
    let lastError: unknown;
    for (let tried = 0; tried < this.endpoints.length; tried++) {
      const index = (this.current + tried) % this.endpoints.length;
      let res: Response;
      try {
        res = await fetch(this.endpoints[index] + path, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
          signal: AbortSignal.timeout(timeout),
        });
      } catch (err) {
        lastError = err;
        continue;
      }
      let json: Record<string, unknown>;
      try {
        json = (await res.json()) as Record<string, unknown>;
      } catch (err) {
        lastError = err;
        continue;
      }
      this.current = index;
      if (json.error !== undefined || (res.status >= 400 && json.code !== undefined)) {
        // 14 UNAVAILABLE / 4 DEADLINE_EXCEEDED: this member cannot serve (e.g. it lost quorum); try another.
        const code = typeof json.code === 'number' ? json.code : -1;
        if (code === 14 || code === 4) {
          lastError = new EtcdError(String(json.message ?? json.error), code);
          continue;
        }
        throw new EtcdError(String(json.message ?? json.error), code);
      }
      return json;
    }
    throw new EtcdError(`etcd unreachable (${this.endpoints.join(', ')}): ${(lastError as Error)?.message ?? lastError}`, -1);
  }

  // ---- leases -------------------------------------------------------------------------------

  /** Grants a lease of ttl seconds; returns its id. */
  async leaseGrant(ttl: number): Promise<string> {
    const r = await this.call('/v3/lease/grant', { TTL: String(ttl) });
    return String(r.ID);
  }

  /** Renews a lease once; returns the TTL granted, 0 when the lease no longer exists. */
  async leaseKeepAlive(id: string, timeout?: number): Promise<number> {
    const r = await this.call('/v3/lease/keepalive', { ID: id }, timeout);
    const result = (r.result ?? {}) as { TTL?: string };
    return Number(result.TTL ?? 0);
  }

  async leaseRevoke(id: string): Promise<void> {
    try {
      await this.call('/v3/lease/revoke', { ID: id });
    } catch (err) {
      // Already expired: nothing left to revoke.
      if (!(err instanceof EtcdError) || err.code !== 5) throw err;
    }
  }

  // ---- keys ---------------------------------------------------------------------------------

  async put(key: string, value: string, lease?: string): Promise<void> {
    await this.call('/v3/kv/put', { key: b64(key), value: b64(value), lease });
  }

  /** The value under key, or null. */
  async get(key: string): Promise<KeyValue | null> {
    const r = await this.call('/v3/kv/range', { key: b64(key) });
    const kvs = (r.kvs ?? []) as RawKv[];
    return kvs.length > 0 ? decodeKv(kvs[0]) : null;
  }

  /** Every key-value whose key starts with prefix, in key order. */
  async getPrefix(prefix: string): Promise<KeyValue[]> {
    const r = await this.call('/v3/kv/range', { key: b64(prefix), range_end: prefixEnd(prefix) });
    return ((r.kvs ?? []) as RawKv[]).map(decodeKv);
  }

  /** Deletes key (or every key under it with prefix); returns how many were deleted. */
  async delete(key: string, prefix = false): Promise<number> {
    const r = await this.call('/v3/kv/deleterange', { key: b64(key), range_end: prefix ? prefixEnd(key) : undefined });
    return Number(r.deleted ?? 0);
  }

  async txn(compare: Compare[], success: Op[], failure: Op[] = []): Promise<TxnResult> {
    const r = await this.call('/v3/kv/txn', { compare: compare.map(encodeCompare), success: success.map(encodeOp), failure: failure.map(encodeOp) });
    const responses = (r.responses ?? []) as { response_range?: { kvs?: RawKv[] } }[];
    return {
      succeeded: r.succeeded === true,
      ranges: responses.filter((x) => x.response_range !== undefined).map((x) => (x.response_range!.kvs ?? []).map(decodeKv)),
      revision: String((r.header as { revision?: string } | undefined)?.revision ?? '0'),
    };
  }

  // ---- election (etcd's v3election service) ---------------------------------------------------

  /**
   * Campaigns for leadership of election name under lease; resolves once this lease leads. The
   * gateway holds the request open until then, so it has no timeout of its own: abort it with
   * signal. etcd resigns a campaign whose request is cancelled.
   */
  async campaign(name: string, lease: string, value: string, signal?: AbortSignal): Promise<LeaderKey> {
    for (;;) {
      const endpoint = this.endpoints[this.current];
      try {
        const res = await fetch(endpoint + '/v3/election/campaign', {
          method: 'POST',
          body: JSON.stringify({ name: b64(name), lease, value: b64(value) }),
          headers: { 'content-type': 'application/json' },
          signal,
        });
        const json = (await res.json()) as { leader?: RawLeader; error?: string; message?: string; code?: number };
        if (json.leader) return decodeLeader(json.leader);
        throw new EtcdError(String(json.message ?? json.error ?? 'campaign failed'), json.code ?? -1);
      } catch (err) {
        if (signal?.aborted) throw err;
        if (err instanceof EtcdError && err.code !== 14 && err.code !== 4 && err.code !== 1) throw err;
        // Transport failure, member unavailable, or the gateway gave up waiting: campaign again,
        // on the next member (the same lease keeps this node's place if its key survived).
        this.current = (this.current + 1) % this.endpoints.length;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** The current leader of election name with its value, or null when there is none. */
  async leader(name: string): Promise<{ key: LeaderKey; value: string } | null> {
    try {
      const r = await this.call('/v3/election/leader', { name: b64(name) });
      const kv = r.kv as RawKv | undefined;
      if (!kv) return null;
      const d = decodeKv(kv);
      return { key: { name, key: d.key, rev: d.createRevision, lease: d.lease }, value: d.value };
    } catch (err) {
      if (err instanceof EtcdError && err.code === 2 && /no leader/.test(err.message)) return null;
      throw err;
    }
  }

  async resign(leader: LeaderKey): Promise<void> {
    await this.call('/v3/election/resign', { leader: { name: b64(leader.name), key: b64(leader.key), rev: leader.rev, lease: leader.lease } });
  }

  /** Leader values of election name as they change (a stream; ends when signal aborts). */
  observe(name: string, signal: AbortSignal): AsyncGenerator<{ key: LeaderKey; value: string }> {
    return this.stream('/v3/election/observe', { name: b64(name) }, signal, (result) => {
      const kv = decodeKv(((result as { kv?: RawKv }).kv ?? {}) as RawKv);
      return { key: { name, key: kv.key, rev: kv.createRevision, lease: kv.lease }, value: kv.value };
    });
  }

  /** Change events under prefix from revision on (a stream; ends when signal aborts). */
  watch(prefix: string, signal: AbortSignal, startRevision?: string): AsyncGenerator<{ type: 'PUT' | 'DELETE'; kv: KeyValue }[]> {
    const body = { create_request: { key: b64(prefix), range_end: prefixEnd(prefix), start_revision: startRevision } };
    return this.stream('/v3/watch', body, signal, (result) => {
      const events = ((result as { events?: { type?: string; kv?: RawKv }[] }).events ?? []);
      return events.map((e) => ({ type: e.type === 'DELETE' ? 'DELETE' as const : 'PUT' as const, kv: decodeKv(e.kv ?? {}) }));
    });
  }

  /** Reads a gateway stream: one JSON object per line, each {"result": ...} or {"error": ...}. */
  private async *stream<T>(path: string, body: unknown, signal: AbortSignal, map: (result: unknown) => T): AsyncGenerator<T> {
    const res = await fetch(this.endpoints[this.current] + path, {
      method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal,
    });
    if (!res.body) throw new EtcdError(`${path}: no stream`, -1);
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line === '') continue;
        const msg = JSON.parse(line) as { result?: unknown; error?: { message?: string; code?: number } };
        if (msg.error) throw new EtcdError(String(msg.error.message ?? 'stream error'), msg.error.code ?? -1);
        yield map(msg.result ?? {});
      }
    }
  }
}

interface RawLeader { name?: string; key?: string; rev?: string; lease?: string }

function decodeLeader(l: RawLeader): LeaderKey {
  return { name: unb64(l.name), key: unb64(l.key), rev: l.rev ?? '0', lease: l.lease ?? '0' };
}
