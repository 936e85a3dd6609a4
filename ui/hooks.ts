// Polling, hash routing and the few shared settings (refresh interval, selected vhost).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { get } from './api';

type Listener = () => void;

/** A value shared by the whole UI and kept in localStorage; components re-render when it changes. */
class Setting<T> {
  private value: T;
  private readonly listeners = new Set<Listener>();
  constructor(private readonly key: string, fallback: T) {
    let v = fallback;
    try {
      const raw = localStorage.getItem(key);
      if (raw !== null) v = JSON.parse(raw) as T;
    } catch {
      // unreadable storage: keep the default
    }
    this.value = v;
  }
  get(): T {
    return this.value;
  }
  set(v: T): void {
    this.value = v;
    try {
      localStorage.setItem(this.key, JSON.stringify(v));
    } catch {
      // private mode: the setting lasts for this page only
    }
    for (const f of this.listeners) f();
  }
  subscribe(f: Listener): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }
}

/** Milliseconds between refreshes; 0 stops automatic refreshing. */
export const refreshInterval = new Setting<number>('warren-refresh', 5000);
/** How many seconds back the charts reach (one of history.ts's chartRanges). */
export const chartRange = new Setting<number>('warren-chart-range', 600);
/** The vhost the lists are narrowed to; '' is all vhosts. */
export const selectedVhost = new Setting<string>('warren-vhost', '');

export function useSetting<T>(s: Setting<T>): [T, (v: T) => void] {
  const [, force] = useState(0);
  useEffect(() => s.subscribe(() => force((n) => n + 1)), [s]);
  return [s.get(), useCallback((v: T) => s.set(v), [s])];
}

export interface Poll<T> {
  data: T | undefined;
  error: Error | undefined;
  /** Fetches again now (after a change the user made). */
  reload: () => void;
}

/**
 * Runs fetcher now and then every refresh interval while the tab is visible; a new key starts
 * over. Responses that arrive after a newer request started are dropped.
 */
export function usePoll<T>(fetcher: () => Promise<T>, key: string): Poll<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [interval] = useSetting(refreshInterval);
  const generation = useRef(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;

  const run = useCallback(() => {
    const mine = ++generation.current;
    fetcherRef.current().then(
      (d) => {
        if (mine !== generation.current) return;
        setData(d);
        setError(undefined);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(e instanceof Error ? e : new Error(String(e)));
      },
    );
  }, []);

  useEffect(() => {
    setData(undefined);
    setError(undefined);
    run();
  }, [key, run]);

  useEffect(() => {
    if (interval <= 0) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') run();
    }, interval);
    return () => clearInterval(timer);
  }, [interval, key, run]);

  return { data, error, reload: run };
}

/**
 * A list the vhost picker narrows (queues, exchanges, policies ...): polls pathFor(vhost), or
 * pathFor('') for all vhosts.
 */
export function useVhostList<T>(pathFor: (vhost: string) => string): Poll<T[]> & { vhost: string } {
  const [vhost] = useSetting(selectedVhost);
  const path = pathFor(vhost);
  return { vhost, ...usePoll(() => get<T[]>(path), path) };
}

/** '/api/queues' or '/api/queues/{vhost}'. */
export const perVhost = (resource: string) => (vhost: string) => (vhost ? `/api/${resource}/${encodeURIComponent(vhost)}` : `/api/${resource}`);

/** The hash route split into decoded segments: '#/queues/%2F/q1' is ['queues', '/', 'q1']. */
export function useRoute(): string[] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const f = () => setHash(location.hash);
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  return hash.replace(/^#\/?/, '').split('/').filter((s) => s !== '').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

/** A link target for route segments, each encoded (so vhost '/' stays one segment). */
export function href(...segments: string[]): string {
  return '#/' + segments.map(encodeURIComponent).join('/');
}

export function navigate(...segments: string[]): void {
  location.hash = href(...segments);
}
