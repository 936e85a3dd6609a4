import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** Kinds of durable definitions, keyed within their kind by a string such as "vhost\0name". */
export type DefinitionKind = 'vhost' | 'user' | 'permission' | 'topicPermission' | 'exchange' | 'queue' | 'binding' | 'policy' | 'operatorPolicy' | 'parameter';

type Snapshot = Record<DefinitionKind, Record<string, unknown>>;

const kinds: DefinitionKind[] = ['vhost', 'user', 'permission', 'topicPermission', 'exchange', 'queue', 'binding', 'policy', 'operatorPolicy', 'parameter'];

function empty(): Snapshot {
  return Object.fromEntries(kinds.map((k) => [k, {}])) as Snapshot;
}

/**
 * Durable definitions (vhosts, users, permissions, exchanges, queues, bindings, policies):
 * a snapshot file replaced atomically (write, fsync, rename) plus an append-only change log of
 * checksummed JSON lines, so a declare costs one small append rather than a full rewrite. At
 * open the log is folded into a new snapshot; a torn last line is ignored.
 */
export class DefinitionsStore {
  private readonly state: Snapshot;
  private fd: number;
  private logLines = 0;
  private pending: string[] = [];
  private scheduled = false;

  private constructor(private readonly dir: string) {
    this.state = DefinitionsStore.load(dir);
    this.writeSnapshot();
    this.fd = openSync(this.logPath, 'w');
  }

  static open(dir: string): DefinitionsStore {
    return new DefinitionsStore(dir);
  }

  private get snapshotPath(): string { return join(this.dir, 'definitions.json'); }
  private get logPath(): string { return join(this.dir, 'definitions.log'); }

  private static load(dir: string): Snapshot {
    const state = empty();
    const snap = join(dir, 'definitions.json');
    if (existsSync(snap)) Object.assign(state, JSON.parse(readFileSync(snap, 'utf8')) as Snapshot);
    for (const k of kinds) state[k] ??= {};
    const log = join(dir, 'definitions.log');
    if (existsSync(log)) {
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        const tab = line.indexOf('\t');
        if (tab < 0) continue;
        const json = line.slice(tab + 1);
        if (Number(line.slice(0, tab)) !== crc32(json)) break; // torn tail
        const change = JSON.parse(json) as { op: 'put' | 'del'; kind: DefinitionKind; key: string; value?: unknown };
        if (change.op === 'put') state[change.kind][change.key] = change.value;
        else delete state[change.kind][change.key];
      }
    }
    return state;
  }

  private writeSnapshot(): void {
    const tmp = this.snapshotPath + '.tmp';
    const fd = openSync(tmp, 'w');
    writeSync(fd, JSON.stringify(this.state));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.snapshotPath);
    // Make the rename itself durable.
    const dfd = openSync(this.dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  }

  all<T>(kind: DefinitionKind): T[] {
    return Object.values(this.state[kind]) as T[];
  }

  put(kind: DefinitionKind, key: string, value: unknown): void {
    this.state[kind][key] = value;
    this.append({ op: 'put', kind, key, value });
  }

  delete(kind: DefinitionKind, key: string): void {
    if (!(key in this.state[kind])) return;
    delete this.state[kind][key];
    this.append({ op: 'del', kind, key });
  }

  private append(change: object): void {
    const json = JSON.stringify(change);
    this.pending.push(`${crc32(json)}\t${json}\n`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes pending changes in one append; compacts into the snapshot when the log grows. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.logLines += this.pending.length;
    this.pending = [];
    writeSync(this.fd, text);
    const live = kinds.reduce((n, k) => n + Object.keys(this.state[k]).length, 0);
    if (this.logLines > 10_000 && this.logLines > 2 * live) this.compact();
  }

  /** Everything appended so far reaches the disk (called on a timer and at close). */
  sync(): void {
    this.flush();
    fsyncSync(this.fd);
  }

  private compact(): void {
    this.writeSnapshot();
    closeSync(this.fd);
    this.fd = openSync(this.logPath, 'w');
    this.logLines = 0;
  }

  close(): void {
    this.sync();
    closeSync(this.fd);
  }
}
