import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { MESSAGES_DIR } from '../../store/data-dir.js';

/**
 * Which files of a data directory are replicated: everything that decides delivery after a
 * failover (format version, definitions snapshot and change log, message log segments), and
 * nothing node-local (paging files are a cache; a node's own id never leaves it).
 */
const REPLICATED = [/^format-version$/, /^definitions\.json$/, /^definitions\.log$/, new RegExp(`^${MESSAGES_DIR}/\\d{10}\\.seg$`)];
/** Files the leader may also write while streaming (the snapshot's temporary file). */
const TRANSIENT = /^definitions\.json\.tmp$/;

export function isReplicated(path: string): boolean {
  return REPLICATED.some((r) => r.test(path));
}

/** A path a leader may name in an action: a replicated or transient file, nothing else. */
export function isWritable(path: string): boolean {
  return isReplicated(path) || TRANSIENT.test(path);
}

export interface FileSummary {
  path: string;
  size: number;
  /** crc32 of each `chunkSize` piece of the file (the last one may be shorter). */
  crcs: number[];
}

/** What a follower has: the leader transfers only the chunks whose checksum differs. */
export interface Manifest {
  chunkSize: number;
  files: FileSummary[];
}

/** The replicated files of `dataDir` and their sizes, paths relative with '/' separators. */
export function listReplicated(dataDir: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  const visit = (rel: string) => {
    const full = join(dataDir, rel);
    if (!existsSync(full)) return;
    for (const name of readdirSync(full)) {
      const path = rel === '' ? name : `${rel}/${name}`;
      if (!isReplicated(path)) continue;
      const st = statSync(join(dataDir, path), { throwIfNoEntry: false });
      if (st?.isFile()) out.push({ path, size: st.size });
    }
  };
  visit('');
  visit(MESSAGES_DIR);
  return out;
}

/** crc32 of the chunk of `fd` at `offset` (up to `length` bytes; fewer at the end of the file). */
export function chunkCrc(fd: number, offset: number, length: number, scratch: Buffer): { crc: number; bytes: Buffer } {
  const n = readSync(fd, scratch, 0, length, offset);
  const bytes = scratch.subarray(0, n);
  return { crc: crc32(bytes), bytes };
}

export function buildManifest(dataDir: string, chunkSize: number): Manifest {
  const scratch = Buffer.allocUnsafe(chunkSize);
  const files = listReplicated(dataDir).map(({ path, size }) => {
    const fd = openSync(join(dataDir, path), 'r');
    try {
      const crcs: number[] = [];
      for (let at = 0; at < size; at += chunkSize) crcs.push(chunkCrc(fd, at, Math.min(chunkSize, size - at), scratch).crc);
      return { path, size, crcs };
    } finally {
      closeSync(fd);
    }
  });
  return { chunkSize, files };
}
