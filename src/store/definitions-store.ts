import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { StoreTap } from './store-tap.js';

/** Kinds of durable definitions, keyed within their kind by a string such as "vhost\0name". */
export type DefinitionKind = 'vhost' | 'user' | 'permission' | 'topicPermission' | 'exchange' | 'queue' | 'binding' | 'policy' | 'operatorPolicy' | 'parameter' | 'globalParameter';

type Snapshot = Record<DefinitionKind, Record<string, unknown>>;

const SNAPSHOT = 'definitions.json';
const SNAPSHOT_TMP = 'definitions.json.tmp';
const LOG = 'definitions.log';

const kinds: DefinitionKind[] = ['vhost', 'user', 'permission', 'topicPermission', 'exchange', 'queue', 'binding', 'policy', 'operatorPolicy', 'parameter', 'globalParameter'];

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
  /** Bytes in the change log (where the next append lands, for the tap). */
  private logSize = 0;

  private constructor(
    private readonly dir: string,
    /** Sees every change to the definitions files (replication); null: nobody is watching. */
    private readonly tap: StoreTap | null,
  ) {
    this.state = DefinitionsStore.load(dir);
    this.writeSnapshot();
    this.fd = this.startLog();
  }

  static open(dir: string, tap: StoreTap | null = null): DefinitionsStore {
    return new DefinitionsStore(dir, tap);
  }

  /** Starts an empty change log (its content is in the snapshot just written). */
  private startLog(): number {
    this.logSize = 0;
    this.unsynced = true; // the new, empty log itself
    this.tap?.truncate(LOG, 0);
    return openSync(this.logPath, 'w');
  }

  private get snapshotPath(): string { return join(this.dir, SNAPSHOT); }
  private get logPath(): string { return join(this.dir, LOG); }

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
    const data = Buffer.from(JSON.stringify(this.state));
    writeSync(fd, data);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.snapshotPath);
    if (this.tap) {
      this.tap.truncate(SNAPSHOT_TMP, 0);
      this.tap.append(SNAPSHOT_TMP, 0, data);
      this.tap.rename(SNAPSHOT_TMP, SNAPSHOT);
    }
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
    // After close the fd number may belong to another file (see SegmentLog.append): drop it.
    if (this.closed) return;
    const json = JSON.stringify(change);
    this.pending.push(`${crc32(json)}\t${json}\n`);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes pending changes in one append; compacts into the snapshot when the log grows. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.closed) return;
    const text = Buffer.from(this.pending.join(''));
    this.logLines += this.pending.length;
    this.pending = [];
    writeSync(this.fd, text);
    this.unsynced = true;
    this.tap?.append(LOG, this.logSize, text);
    this.logSize += text.length;
    const live = kinds.reduce((n, k) => n + Object.keys(this.state[k]).length, 0);
    if (this.logLines > 10_000 && this.logLines > 2 * live) this.compact();
  }

  /** Everything appended so far reaches the disk (called on a timer and at close). */
  sync(): void {
    this.flush();
    // Only when something was written: this runs every second on the event loop, and an fsync
    // waits for the disk (milliseconds on a busy one) even with nothing to write.
    if (!this.unsynced) return;
    fsyncSync(this.fd);
    this.unsynced = false;
  }
  /** The log changed since its last fsync. */
  private unsynced = true;

  private compact(): void {
    this.writeSnapshot();
    closeSync(this.fd);
    this.fd = this.startLog();
    this.logLines = 0;
  }

  close(): void {
    this.sync();
    closeSync(this.fd);
    this.closed = true;
  }
  private closed = false;
}
