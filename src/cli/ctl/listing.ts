// Listings: rabbitmqctl's column names mapped onto the fields of the management API's JSON objects.
import { seg } from './client.js';
import type { CommandContext } from './command.js';
import type { Column, Result, ValueKind } from './format.js';
import { UsageError } from './errors.js';

export interface ColumnSource {
  /** Reads the column from an API object; default: the field of the same name. */
  get?: (o: any) => unknown;
  kind?: ValueKind;
}

export type ColumnTable = Record<string, ColumnSource>;

/** Fails with rabbitmqctl's usage error when a column is not one the verb knows. */
export function checkColumns(known: readonly string[], asked: string[]): void {
  const bad = asked.filter((c) => !known.includes(c));
  if (bad.length > 0) throw new UsageError(`Info key(s) ${bad.join(',')} are not supported`);
}

export function listing(table: ColumnTable, columns: string[], objects: readonly any[], headers = true): Result {
  const cols: Column[] = columns.map((name) => ({ name, kind: table[name]?.kind }));
  const rows = objects.map((o) => columns.map((name) => {
    const get = table[name]?.get;
    return get ? get(o) : o?.[name];
  }));
  return { type: 'listing', columns: cols, rows, headers };
}

/** A policy name as rabbitmqctl shows it: '' when none applies (the API says null). */
export const orEmpty = (v: unknown) => (v === null || v === undefined ? '' : v);

/**
 * GET a per-vhost listing (/api/{resource}/{vhost}[/{sub}]); rabbitmqctl lists nothing (and
 * succeeds) for a vhost that does not exist.
 */
export async function perVhost(ctx: CommandContext, resource: string, sub?: string): Promise<any[]> {
  const path = `/api/${resource}/${seg(ctx.vhost)}${sub ? `/${sub}` : ''}`;
  const answer = await ctx.api.request('GET', path);
  if (answer.status === 404) return [];
  if (answer.status !== 200) throw ctx.api.unexpected('GET', path, answer);
  return answer.body;
}
