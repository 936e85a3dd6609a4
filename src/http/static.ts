// The management web UI's files (built by scripts/build-ui.mjs into dist/ui/), served at '/' next
// to the API. Only GET and HEAD, only regular files inside the UI folder: a path is decoded once,
// and anything that would leave the folder ('..', encoded slashes, NUL) is refused before it
// reaches the file system.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/ui, seen from this file's compiled place (dist/src/http/static.js). */
export const defaultUiRoot = fileURLToPath(new URL('../../ui/', import.meta.url));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Asset names carry a content hash (app-3F2A1B9C.js), so they can be cached for good. */
const hashedAsset = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

/**
 * Page headers: the UI loads nothing from elsewhere, so the policy allows only this origin (inline
 * styles stay allowed: the charts set widths and colours through style attributes).
 */
const securityHeaders = {
  'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** Whether a request path belongs to the API (the router) rather than to the UI's files. */
export function isApiPath(rawPath: string): boolean {
  return rawPath === '/api' || rawPath.startsWith('/api/');
}

/**
 * The file a request path names inside root, or null when the path is malformed or would escape
 * root. '/' is index.html.
 */
export function resolveStaticPath(root: string, rawPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) return null;
  if (parts.length === 0) parts.push('index.html');
  const base = resolve(root);
  const file = resolve(base, join(...parts));
  return file.startsWith(base + sep) ? file : null;
}

/** Serves one UI file (GET/HEAD); 404 for anything else under the UI root, 405 for other methods. */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    req.resume();
    return plain(res, 405, 'Method Not Allowed', { allow: 'GET, HEAD' });
  }
  const file = resolveStaticPath(root, rawPath);
  const info = file === null ? null : await stat(file).catch(() => null);
  if (file === null || info === null || !info.isFile()) return plain(res, 404, 'Not Found');
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers: Record<string, string | number> = {
    ...securityHeaders,
    'content-type': contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream',
    // index.html must be revalidated so a new build's asset names are picked up at once.
    'cache-control': hashedAsset.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag,
    'last-modified': info.mtime.toUTCString(),
    server: 'Warren',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers['content-length'] = info.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((done) => {
    const stream = createReadStream(file);
    stream.on('error', () => {
      res.destroy();
      done();
    });
    stream.on('end', done);
    stream.pipe(res);
  });
}

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...extra, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), server: 'Warren' });
  res.end(text);
}
