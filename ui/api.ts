// Talking to the management API. Credentials are kept in sessionStorage as RabbitMQ's own UI does:
// they live as long as the tab, are sent as HTTP basic auth on every call, and a 401 logs out.

const storageKey = 'warren-auth';

export interface Session {
  user: string;
  /** base64(user:password), ready for the Authorization header. */
  token: string;
  tags: string[];
}

let session: Session | null = readSession();
const listeners = new Set<() => void>();

function readSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(storageKey);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function currentSession(): Session | null {
  return session;
}

export function onSessionChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function setSession(s: Session | null, reason?: string): void {
  session = s;
  if (s) sessionStorage.setItem(storageKey, JSON.stringify(s));
  else sessionStorage.removeItem(storageKey);
  logoutReason = reason ?? null;
  for (const f of listeners) f();
}

/** Why the last logout happened (shown on the login page), if it was not the user's choice. */
export let logoutReason: string | null = null;

export class ApiError extends Error {
  constructor(readonly status: number, readonly reason: string) {
    super(reason);
  }
}

/** utf-8 safe base64 for credentials with non-ASCII characters. */
function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

async function call(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(path, {
    method,
    headers: {
      authorization: `Basic ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    // The API answers a bad login with 401 and a Basic challenge, as RabbitMQ does; a request
    // that may carry browser credentials would make the browser open its own login dialog (and
    // hold the request). Our credentials travel in the header, so the browser's are not needed.
    credentials: 'omit',
  });
}

async function errorOf(r: Response): Promise<ApiError> {
  const text = await r.text();
  let reason = text || r.statusText || `HTTP ${r.status}`;
  try {
    const j = JSON.parse(text) as { reason?: unknown; error?: unknown };
    reason = String(j.reason ?? j.error ?? reason);
  } catch {
    // not JSON: keep the text
  }
  return new ApiError(r.status, reason);
}

/** Checks credentials with /api/whoami and starts a session; throws ApiError on refusal. */
export async function login(user: string, password: string): Promise<void> {
  const token = base64(`${user}:${password}`);
  const r = await call(token, 'GET', '/api/whoami');
  if (!r.ok) throw await errorOf(r);
  const me = (await r.json()) as { name: string; tags: string[] | string };
  const tags = Array.isArray(me.tags) ? me.tags : String(me.tags).split(',').filter(Boolean);
  setSession({ user: me.name, token, tags });
}

export function logout(reason?: string): void {
  setSession(null, reason);
}

/** One API call with the session's credentials; JSON in and out. A 401 ends the session. */
export async function api<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  if (!session) throw new ApiError(401, 'Not logged in');
  const r = await call(session.token, method, path, body, headers);
  if (r.status === 401) {
    const err = await errorOf(r);
    // "Login failed" means the credentials no longer work (password changed, user deleted);
    // "not administrator" and the like are refusals of one call, shown where they happen.
    if (/login failed/i.test(err.reason)) logout('Your credentials are no longer accepted; please log in again.');
    throw err;
  }
  if (!r.ok) throw await errorOf(r);
  const text = await r.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** A path segment: vhost '/' becomes '%2F' as RabbitMQ's API expects. */
export const seg = (s: string) => encodeURIComponent(s);

export function isAdmin(): boolean {
  return session?.tags.includes('administrator') ?? false;
}

export function canPolicy(): boolean {
  return isAdmin() || (session?.tags.includes('policymaker') ?? false);
}
