// The management port serves the web UI's files next to /api: right content types and cache
// headers, nothing outside the UI folder whatever the path says, and /api routing unchanged.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningBroker } from '../../src/index.js';
import { defaultUiRoot, resolveStaticPath, serveStatic } from '../../src/http/static.js';
import { api, startHttpBroker } from './support.js';

/** A raw request, so the path reaches the server exactly as written (fetch would normalise '..'). */
function raw(port: number, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('resolveStaticPath', () => {
  const root = '/srv/ui';
  test('maps / to index.html and plain paths inside the root', () => {
    assert.equal(resolveStaticPath(root, '/'), '/srv/ui/index.html');
    assert.equal(resolveStaticPath(root, '/app-ABCDEFGH.js'), '/srv/ui/app-ABCDEFGH.js');
    assert.equal(resolveStaticPath(root, '/a%20b.css'), '/srv/ui/a b.css');
  });
  test('refuses every way out of the root', () => {
    for (const p of ['/../secret', '/a/../../secret', '/%2e%2e/secret', '/..%2Fsecret', '/a%2F..%2F..%2Fsecret', '/..\\secret', '/a%5C..%5C..%5Csecret', '/%00', '/%E0%A4%A', '/./index.html']) {
      assert.equal(resolveStaticPath(root, p), null, p);
    }
  });
});

describe('UI files on the management port', () => {
  let broker: RunningBroker;
  let port: number;
  before(async () => {
    broker = await startHttpBroker();
    port = broker.httpPort!;
  });
  after(() => broker.close());

  test('/ is the UI page, revalidated on every load, with a same-origin content policy', async () => {
    const r = await raw(port, '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.match(r.body, /<div id="app"><\/div>/);
    // The page names its hashed script and stylesheet, and both are served.
    const js = /src="(app-[A-Z0-9]{8}\.js)"/.exec(r.body)?.[1];
    const css = /href="(app-[A-Z0-9]{8}\.css)"/.exec(r.body)?.[1];
    assert.ok(js && css, 'index.html names app-HASH.js and app-HASH.css');
    const script = await raw(port, `/${js}`);
    assert.equal(script.status, 200);
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(script.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(Number(script.headers['content-length']), Buffer.byteLength(script.body));
    const style = await raw(port, `/${css}`);
    assert.equal(style.headers['content-type'], 'text/css; charset=utf-8');
    const icon = await raw(port, '/favicon.svg');
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
  });

  test('the bundle is self-contained: no URL of another origin is loaded', async () => {
    const files = readdirSync(defaultUiRoot).filter((f) => /\.(js|css|html)$/.test(f));
    assert.ok(files.length >= 3);
    for (const f of files) {
      const body = (await raw(port, `/${f}`)).body;
      assert.doesNotMatch(body, /(src|href)=["']?(https?:)?\/\//, `${f} loads from another origin`);
      assert.doesNotMatch(body, /@import\s+url\(["']?https?:/, `${f} imports a remote stylesheet`);
    }
  });

  test('a conditional request with the ETag gets 304; HEAD gets headers only', async () => {
    const first = await raw(port, '/');
    const again = await raw(port, '/', 'GET', { 'if-none-match': String(first.headers.etag) });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    const head = await raw(port, '/', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], first.headers['content-length']);
  });

  test('paths that would leave the UI folder are 404, whatever their spelling', async () => {
    for (const p of ['/../package.json', '/../../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2F..%2Fpackage.json', '/..%5C..%5Cpackage.json', '/%2e%2e%2f%2e%2e%2fpackage.json', '//etc/passwd', '/index.html%00.js']) {
      const r = await raw(port, p);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(r.body, /"name": "warren"|root:/, p);
    }
  });

  test('unknown files are 404 and writes are 405', async () => {
    assert.equal((await raw(port, '/nope.js')).status, 404);
    const put = await raw(port, '/index.html', 'PUT');
    assert.equal(put.status, 405);
    assert.equal(put.headers.allow, 'GET, HEAD');
  });

  test('/api keeps its routing, authentication and JSON errors', async () => {
    const call = api(broker);
    assert.equal((await call('GET', '/api/overview')).status, 200);
    const missing = await call('GET', '/api/no-such-thing');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error: 'Object Not Found', reason: 'Not Found' });
    assert.equal((await raw(port, '/api/overview')).status, 401);
    assert.equal((await raw(port, '/api')).status, 404);
  });
});

describe('serveStatic over any folder', () => {
  test('serves regular files inside the folder only: not directories, not files beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-static-'));
    const root = join(dir, 'ui');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<p>ui</p>');
    writeFileSync(join(root, 'sub', 'data.json'), '{}');
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    const server = createServer((req, res) => void serveStatic(root, req, res, (req.url ?? '/').split('?')[0]));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      assert.equal((await raw(port, '/')).body, '<p>ui</p>');
      const data = await raw(port, '/sub/data.json?v=1');
      assert.equal(data.status, 200);
      assert.equal(data.headers['content-type'], 'application/json');
      assert.equal((await raw(port, '/sub')).status, 404);
      assert.equal((await raw(port, '/sub/')).status, 404);
      for (const p of ['/../secret.txt', '/sub/../../secret.txt', '/%2e%2e/secret.txt', '/sub%2F..%2F..%2Fsecret.txt']) {
        const r = await raw(port, p);
        assert.equal(r.status, 404, p);
        assert.notEqual(r.body, 'secret', p);
      }
    } finally {
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
