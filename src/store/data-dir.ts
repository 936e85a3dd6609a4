import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoreTap } from './store-tap.js';

/** Version of the on-disk layout; bump it (and add a migration) when the format changes. */
export const DATA_FORMAT_VERSION = 1;

/** Subdirectory of the data directory holding the message log. */
export const MESSAGES_DIR = 'msgs';

/**
 * Prepares the data directory: creates it, writes or checks the format version file, so a
 * later Warren can recognise (and migrate) data written by this one, and an older Warren
 * refuses data it does not understand instead of misreading it.
 */
export function prepareDataDir(dir: string, tap: StoreTap | null = null): void {
  mkdirSync(dir, { recursive: true });
  const versionFile = join(dir, 'format-version');
  if (!existsSync(versionFile)) {
    const data = Buffer.from(`${DATA_FORMAT_VERSION}\n`);
    writeFileSync(versionFile, data);
    tap?.append('format-version', 0, data);
    return;
  }
  const found = Number(readFileSync(versionFile, 'utf8').trim());
  if (found !== DATA_FORMAT_VERSION) {
    throw new Error(`data directory ${dir} has format version ${found}; this Warren reads version ${DATA_FORMAT_VERSION}`);
  }
}
