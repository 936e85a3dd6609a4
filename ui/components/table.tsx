// A table that sorts on a column header click, filters rows by name (plain text or regex, as
// RabbitMQ's UI) and pages long lists.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export interface Column<T> {
  key: string;
  label: string;
  /** The value sorted on (and shown, without render). */
  value: (row: T) => string | number | null | undefined;
  render?: (row: T) => ComponentChildren;
  numeric?: boolean;
  title?: string;
}

/** The vhost column, shown when the lists cover all vhosts. */
export function vhostColumn<T extends { vhost: string | null }>(shown: boolean): Column<T>[] {
  return shown ? [{ key: 'vhost', label: 'Virtual host', value: (r) => r.vhost }] : [];
}

interface Props<T> {
  rows: T[] | undefined;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** Text the filter box matches against; no filter box without it. */
  filterOn?: (row: T) => string;
  empty: string;
  testId?: string;
  defaultSort?: string;
  pageSize?: number;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function compare(a: string | number | null | undefined, b: string | number | null | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

export function DataTable<T>(props: Props<T>) {
  const [sort, setSort] = useState<{ key: string; desc: boolean }>({ key: props.defaultSort ?? props.columns[0].key, desc: false });
  const [filter, setFilter] = useState('');
  const [regex, setRegex] = useState(false);
  const [page, setPage] = useState(0);
  const pageSize = props.pageSize ?? 100;

  let matcher: ((s: string) => boolean) | null = null;
  let badRegex = false;
  if (filter !== '') {
    if (regex) {
      try {
        const re = new RegExp(filter, 'i');
        matcher = (s) => re.test(s);
      } catch {
        badRegex = true;
      }
    } else {
      const needle = filter.toLowerCase();
      matcher = (s) => s.toLowerCase().includes(needle);
    }
  }
  const col = props.columns.find((c) => c.key === sort.key) ?? props.columns[0];
  const all = props.rows ?? [];
  const filtered = matcher && props.filterOn ? all.filter((r) => matcher!(props.filterOn!(r))) : all;
  const sorted = [...filtered].sort((a, b) => compare(col.value(a), col.value(b)) * (sort.desc ? -1 : 1));
  const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
  const current = Math.min(page, pages - 1);
  const shown = sorted.slice(current * pageSize, (current + 1) * pageSize);

  return (
    <div class="table-wrap" data-testid={props.testId}>
      {props.filterOn && (
        <div class="table-tools">
          <input type="search" placeholder="Filter by name" value={filter} aria-label="Filter"
            class={badRegex ? 'invalid' : ''}
            onInput={(e) => { setFilter((e.target as HTMLInputElement).value); setPage(0); }} />
          <label class="check"><input type="checkbox" checked={regex} onChange={(e) => setRegex((e.target as HTMLInputElement).checked)} /> Regex</label>
          <span class="muted">{props.rows === undefined ? '' : filtered.length === all.length ? plural(all.length, 'item') : `${filtered.length} of ${plural(all.length, 'item')}`}</span>
        </div>
      )}
      <table class="data">
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.key} class={(c.numeric ? 'num ' : '') + (c.key === sort.key ? 'sorted' : '')} title={c.title}
                onClick={() => setSort({ key: c.key, desc: c.key === sort.key ? !sort.desc : !!c.numeric })}>
                {c.label}{c.key === sort.key ? (sort.desc ? ' ▾' : ' ▴') : ''}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows === undefined ? (
            <tr><td colSpan={props.columns.length} class="muted center">Loading…</td></tr>
          ) : shown.length === 0 ? (
            <tr><td colSpan={props.columns.length} class="muted center">{filtered.length === all.length ? props.empty : 'Nothing matches the filter'}</td></tr>
          ) : shown.map((r) => (
            <tr key={props.rowKey(r)}>
              {props.columns.map((c) => <td key={c.key} class={c.numeric ? 'num' : ''}>{c.render ? c.render(r) : c.value(r) ?? ''}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 && (
        <div class="pager">
          <button type="button" class="btn small" disabled={current === 0} onClick={() => setPage(current - 1)}>‹ Prev</button>
          <span>Page {current + 1} of {pages}</span>
          <button type="button" class="btn small" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>Next ›</button>
        </div>
      )}
    </div>
  );
}
