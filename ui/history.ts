// Chart data. The API's `*_details.samples` (RabbitMQ's lengths_age / msg_rates_age history) are
// used when the node sends them; otherwise the UI keeps its own history of what each poll saw, so
// the charts still move while the page is open.

export type Point = [time: number, value: number];

export interface Series {
  key: string;
  label: string;
  points: Point[];
}

interface Sample {
  sample: number;
  timestamp: number;
}

interface Details {
  rate?: number;
  samples?: Sample[];
}

type Stats = Record<string, unknown>;

/** The charts' time ranges as RabbitMQ's UI offers them: [seconds back, sample spacing, label]. */
export const chartRanges: [number, number, string][] = [
  [60, 5, 'Last minute'],
  [600, 5, 'Last ten minutes'],
  [3600, 60, 'Last hour'],
  [28800, 600, 'Last eight hours'],
  [86400, 1800, 'Last day'],
];

/** The query asking the API for that much history (lengths_age & co, RabbitMQ's parameters). */
export function chartQuery(ageSec: number): string {
  const incr = (chartRanges.find(([age]) => age === ageSec) ?? chartRanges[1])[1];
  return `lengths_age=${ageSec}&lengths_incr=${incr}&msg_rates_age=${ageSec}&msg_rates_incr=${incr}`;
}

/** How long the UI's own history is kept (it only covers the time the page was open anyway). */
const keepMs = 3600_000;

/** Queue lengths, as RabbitMQ's "Queued messages" chart. */
export const lengthFields: [string, string][] = [
  ['messages_ready', 'Ready'],
  ['messages_unacknowledged', 'Unacked'],
  ['messages', 'Total'],
];

/** Message rates, as RabbitMQ's "Message rates" chart; only those the node reports are drawn. */
export const rateFields: [string, string][] = [
  ['publish', 'Publish'],
  ['confirm', 'Confirm'],
  ['deliver', 'Deliver (manual ack)'],
  ['deliver_no_ack', 'Deliver (auto ack)'],
  ['ack', 'Consumer ack'],
  ['redeliver', 'Redelivered'],
  ['get', 'Get (manual ack)'],
  ['get_no_ack', 'Get (auto ack)'],
  ['get_empty', 'Get (empty)'],
  ['return_unroutable', 'Unroutable (return)'],
  ['drop_unroutable', 'Unroutable (drop)'],
];

interface Snapshot {
  t: number;
  values: Record<string, number>;
}

const store = new Map<string, Snapshot[]>();

const details = (obj: Stats | undefined, field: string): Details | undefined =>
  obj?.[`${field}_details`] as Details | undefined;

/**
 * Remembers what one poll of an object (overview queue totals, a queue) showed: its lengths and
 * its current rates. Called by the page's poller with the fresh JSON.
 */
export function recordHistory(key: string, lengths: Stats | undefined, messageStats: Stats | undefined, t = Date.now()): void {
  const values: Record<string, number> = {};
  for (const [f] of lengthFields) if (typeof lengths?.[f] === 'number') values[f] = lengths[f] as number;
  for (const [f] of rateFields) {
    const rate = details(messageStats, f)?.rate;
    if (typeof rate === 'number') values[`rate:${f}`] = rate;
  }
  const list = store.get(key) ?? [];
  list.push({ t, values });
  while (list.length > 0 && list[0].t < t - keepMs) list.shift();
  store.set(key, list);
}

const fromHistory = (key: string, field: string, ageSec: number): Point[] => {
  const since = Date.now() - ageSec * 1000;
  return (store.get(key) ?? []).filter((s) => s.t >= since && field in s.values).map((s) => [s.t, s.values[field]]);
};

const oldestFirst = (samples: Sample[]) => [...samples].sort((a, b) => a.timestamp - b.timestamp);

/** Queue-length series: the node's samples if it sent them, else the UI's own history. */
export function lengthSeries(key: string, lengths: Stats | undefined, ageSec: number): Series[] {
  return lengthFields.map(([f, label]) => {
    const samples = details(lengths, f)?.samples;
    const points: Point[] = samples && samples.length >= 2
      ? oldestFirst(samples).map((s) => [s.timestamp, s.sample])
      : fromHistory(key, f, ageSec);
    return { key: f, label, points };
  });
}

/**
 * Rate series for the counters the node reports. Samples are cumulative counts, so a rate is the
 * difference of two neighbours over the time between them.
 */
export function rateSeries(key: string, messageStats: Stats | undefined, ageSec: number): Series[] {
  const out: Series[] = [];
  for (const [f, label] of rateFields) {
    const d = details(messageStats, f);
    if (!d) continue;
    let points: Point[];
    if (d.samples && d.samples.length >= 2) {
      const s = oldestFirst(d.samples);
      points = [];
      for (let i = 1; i < s.length; i++) {
        const dt = (s[i].timestamp - s[i - 1].timestamp) / 1000;
        if (dt > 0) points.push([s[i].timestamp, Math.max(0, (s[i].sample - s[i - 1].sample) / dt)]);
      }
    } else {
      points = fromHistory(key, `rate:${f}`, ageSec);
    }
    out.push({ key: f, label, points });
  }
  return out;
}

/** The current rate of one counter in a message_stats object, or null when the node has none. */
export function rateOf(messageStats: Stats | undefined, field: string): number | null {
  const r = details(messageStats, field)?.rate;
  return typeof r === 'number' ? r : null;
}
