// The frame around every page: brand, navigation, vhost and refresh pickers, who is logged in.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { get, isAdmin, logout } from '../api';
import type { Session } from '../api';
import { href, refreshInterval, selectedVhost, usePoll, useSetting } from '../hooks';
import type { Vhost } from '../types';

const sections: [string, string][] = [
  ['overview', 'Overview'],
  ['connections', 'Connections'],
  ['channels', 'Channels'],
  ['exchanges', 'Exchanges'],
  ['queues', 'Queues'],
  ['admin', 'Admin'],
];

const intervals: [number, string][] = [
  [5000, 'every 5 s'],
  [10000, 'every 10 s'],
  [30000, 'every 30 s'],
  [0, 'paused'],
];

/** The vhosts the user may see (for pickers); refreshed with the pages. */
export function useVhostNames(): string[] {
  const { data } = usePoll(() => get<Vhost[]>('/api/vhosts'), 'vhosts');
  return (data ?? []).map((v) => v.name);
}

/** The selected vhost, forgotten when it no longer exists (deleted, or another user's). */
function useValidVhost(vhosts: string[]): [string, (v: string) => void] {
  const [vhost, setVhost] = useSetting(selectedVhost);
  useEffect(() => {
    if (vhost !== '' && vhosts.length > 0 && !vhosts.includes(vhost)) setVhost('');
  }, [vhost, vhosts.join('\n')]);
  return [vhost, setVhost];
}

export function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="#4f46e5" />
      <path d="M7 23c0-6 4-10 9-10s9 4 9 10" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round" />
      <circle cx="16" cy="23" r="3" fill="#fff" />
      <path d="M12 13V7.5M20 13V7.5" stroke="#c7d2fe" stroke-width="2.6" stroke-linecap="round" />
    </svg>
  );
}

export function Layout(props: { session: Session; section: string; children: ComponentChildren }) {
  const vhosts = useVhostNames();
  const [vhost, setVhost] = useValidVhost(vhosts);
  const [interval, setInterval] = useSetting(refreshInterval);
  const visible = sections.filter(([s]) => s !== 'admin' || isAdmin());
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href={href('overview')}><Logo /><span>Warren</span></a>
        <nav class="nav" aria-label="Sections">
          {visible.map(([s, label]) => (
            <a key={s} href={href(s)} class={props.section === s ? 'active' : ''} aria-current={props.section === s ? 'page' : undefined}>{label}</a>
          ))}
        </nav>
        <div class="top-right">
          <label class="picker">
            <span>Virtual host</span>
            <select value={vhost} data-testid="vhost-picker" onChange={(e) => setVhost((e.target as HTMLSelectElement).value)}>
              <option value="">All</option>
              {vhosts.map((v) => <option key={v} value={v}>{v}</option>)}
            </select>
          </label>
          <label class="picker">
            <span>Refresh</span>
            <select value={String(interval)} onChange={(e) => setInterval(Number((e.target as HTMLSelectElement).value))}>
              {intervals.some(([ms]) => ms === interval) ? null : <option value={String(interval)}>every {interval / 1000} s</option>}
              {intervals.map(([ms, label]) => <option key={ms} value={String(ms)}>{label}</option>)}
            </select>
          </label>
          <span class="who" title={props.session.tags.join(', ')}>{props.session.user}</span>
          <button type="button" class="btn small" data-testid="logout" onClick={() => logout()}>Log out</button>
        </div>
      </header>
      <main class="content">{props.children}</main>
    </div>
  );
}
