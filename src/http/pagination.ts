// RabbitMQ's list query parameters (rabbit_mgmt_util): `sort` (a column, dotted for nested
// fields), `sort_reverse`, `columns` (comma-separated, dotted for nested fields), and on the
// listings that paginate (queues, exchanges, vhosts, connections, channels) `page`, `page_size`
// (default 100, at most 500), `name` and `use_regex`, with the page object and the 400 texts
// RabbitMQ answers with. Every JSON answer goes through `shape`; paginated listings through `page`.
import { HttpError, httpErrors } from './errors.js';

type Json = unknown;
type JsonObject = Record<string, unknown>;

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 500;

/** Key order of the page object: connections and channels list the counts first, as RabbitMQ does. */
export type PageLayout = 'sorted' | 'counts-first';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Erlang's term order for the values RabbitMQ sorts on: numbers < atoms < lists < binaries. */
function rank(v: Json): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'boolean' || v === null) return 1;
  if (typeof v === 'object') return 2;
  return 3;
}

function compareTerms(a: Json, b: Json): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return (a as number) - (b as number);
  if (ra === 1 || ra === 3) {
    const sa = String(a);
    const sb = String(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  }
  // Objects are proplists in RabbitMQ: compare as lists of [key, value], element by element.
  const la = Array.isArray(a) ? a : Object.entries(a as JsonObject);
  const lb = Array.isArray(b) ? b : Object.entries(b as JsonObject);
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    const c = compareTerms(la[i] as Json, lb[i] as Json);
    if (c !== 0) return c;
  }
  return la.length - lb.length;
}

/** The value at a dotted path; a missing one sorts as 0, as in RabbitMQ. */
function dotted(item: Json, path: string[]): Json {
  let v: Json = item;
  for (const k of path) {
    if (!isObject(v) || !(k in v)) return 0;
    v = v[k];
  }
  return v;
}

/**
 * `sort` and `sort_reverse` as RabbitMQ applies them: always ordered by [sort column, vhost, name]
 * (a missing value counts as 0), equal keys ordered by the whole object (Erlang's lists:sort of
 * {Key, Item}); an empty `sort` leaves the listing as it is.
 */
function sorted(items: Json[], query: URLSearchParams): Json[] {
  const sort = query.get('sort');
  let out = items;
  if (sort !== '') {
    const paths = [...(sort ? [sort] : []), 'vhost', 'name'].map((c) => c.split('.').filter(Boolean));
    out = items.map((item) => ({ item, key: paths.map((p) => dotted(item, p)) }))
      .sort((x, y) => compareTerms(x.key, y.key) || compareTerms(x.item, y.item))
      .map((x) => x.item);
  }
  return query.get('sort_reverse') === 'true' ? out.slice().reverse() : out;
}

type Columns = 'all' | string[][];

function columnsOf(query: URLSearchParams): Columns {
  const c = query.get('columns');
  if (c === null) return 'all';
  return c.split(',').filter(Boolean).map((col) => col.split('.').filter(Boolean));
}

/** Keeps only the asked columns, descending into nested objects for dotted ones. */
function extract(v: Json, cols: Columns): Json {
  if (cols === 'all') return v;
  if (Array.isArray(v)) return v.map((x) => extract(x, cols));
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    const wanted = cols.filter((c) => c[0] === k);
    if (wanted.length === 0) continue;
    out[k] = wanted.some((c) => c.length === 1) ? x : extract(x, wanted.map((c) => c.slice(1)));
  }
  return out;
}

/**
 * `columns`, and on a listing (`list`: a GET's array, which RabbitMQ answers with reply_list)
 * `sort` and `sort_reverse`, applied to a JSON answer. Other arrays (messages got from a queue)
 * keep their order.
 */
export function shape(body: Json, query: URLSearchParams, list = true): Json {
  // Columns first: RabbitMQ's reply_list sorts what is left of each item.
  const kept = extract(body, columnsOf(query));
  return list && Array.isArray(kept) ? sorted(kept, query) : kept;
}

function integerParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw httpErrors.badRequest('Pagination parameters are invalid');
  return Number(v);
}

const show = (n: number | undefined) => (n === undefined ? 'undefined' : String(n));

/** The name filter of a paginated listing: case-insensitive substring, or regex with use_regex=true. */
function nameFilter(query: URLSearchParams): ((name: unknown) => boolean) | null {
  const name = query.get('name');
  if (!name) return null;
  if (query.get('use_regex') === 'true') {
    let re: RegExp;
    try {
      re = new RegExp(name, 'i');
    } catch {
      throw httpErrors.badRequest('Pagination parameters are invalid');
    }
    return (v) => typeof v === 'string' && re.test(v);
  }
  const needle = name.toLowerCase();
  return (v) => typeof v === 'string' && v.toLowerCase().includes(needle);
}

/**
 * A paginating listing's answer: the shaped list without `page`, else the page object
 * {filtered_count, item_count, items, page, page_count, page_size, total_count}. `shaped` tells
 * the server not to apply `columns` again (they apply to the items, not to the page object).
 */
export function page(items: Json[], query: URLSearchParams, layout: PageLayout = 'sorted'): { status: number; body: Json; shaped: boolean } {
  const pageNum = integerParam(query, 'page');
  const pageSizeParam = integerParam(query, 'page_size');
  // These listings sort whole objects, then keep the asked columns (RabbitMQ's augment_resources).
  if (pageNum === undefined) return { status: 200, body: extract(sorted(items, query), columnsOf(query)), shaped: true };
  const pageSize = pageSizeParam ?? DEFAULT_PAGE_SIZE;
  if (pageNum <= 0 || pageSize <= 0 || pageSize > MAX_PAGE_SIZE) {
    throw new HttpError(400, 'invalid_pagination_parameters', `Invalid pagination parameters: page number ${pageNum}, page size ${show(pageSizeParam)}`);
  }
  const all = sorted(items, query);
  const keep = nameFilter(query);
  const filtered = keep ? all.filter((x) => keep(isObject(x) ? x.name : undefined)) : all;
  const offset = (pageNum - 1) * pageSize;
  if (offset > filtered.length) {
    throw new HttpError(400, 'page_out_of_range', `Page out of range, page: ${pageNum} page size: ${pageSize}, len: ${filtered.length}`);
  }
  const pageItems = extract(filtered.slice(offset, offset + pageSize), columnsOf(query)) as Json[];
  const counts = {
    total_count: items.length, item_count: pageItems.length, filtered_count: filtered.length,
    page: pageNum, page_size: pageSize, page_count: Math.ceil(filtered.length / pageSize),
  };
  const body = layout === 'counts-first'
    ? { ...counts, items: pageItems }
    : {
      filtered_count: counts.filtered_count, item_count: counts.item_count, items: pageItems, page: counts.page,
      page_count: counts.page_count, page_size: counts.page_size, total_count: counts.total_count,
    };
  return { status: 200, body, shaped: true };
}
