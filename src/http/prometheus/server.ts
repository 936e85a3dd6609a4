import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ManagementContext } from '../context.js';
import { detailedExposition, exposition } from './exposition.js';
import { CONTENT_TYPE } from './text-format.js';

/** Longest stretch a scrape runs before letting other work (AMQP traffic) go first. */
const SLICE_MS = 2;

/**
 * The Prometheus endpoint (rabbitmq_prometheus on port 15692): /metrics, /metrics/per-object and
 * /metrics/detailed. No authentication, as in RabbitMQ's default configuration.
 */
export function createMetricsServer(ctx: ManagementContext): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let chunks: Generator<string>;
    if (url.pathname === '/metrics') chunks = exposition(ctx, 'aggregated');
    else if (url.pathname === '/metrics/per-object') chunks = exposition(ctx, 'per-object');
    else if (url.pathname === '/metrics/detailed') chunks = detailedExposition(ctx, url.searchParams.getAll('family'), url.searchParams.getAll('vhost'));
    else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPE, vary: 'accept-encoding', server: 'Warren' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const started = performance.now();
    stream(res, chunks).then((stats) => {
      ctx.log.debug('metrics_scrape', { path: url.pathname, ms: Math.round(performance.now() - started), ...stats });
    }).catch((err) => {
      ctx.log.error('metrics_scrape_failed', { error: err instanceof Error ? err.message : String(err) });
      res.destroy();
    });
  });
}

/** Resolves when the response can take more (or is gone: a scraper that hung up). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes the chunks, yielding to the event loop whenever a slice of SLICE_MS has been used.
 * Returns the bytes written and the longest the event loop was held at once (slice_ms).
 */
async function stream(res: ServerResponse, chunks: Generator<string>): Promise<{ bytes: number; slice_ms: number }> {
  let sliceStart = performance.now();
  let longest = 0;
  let bytes = 0;
  for (const chunk of chunks) {
    if (res.destroyed) break;
    bytes += Buffer.byteLength(chunk);
    if (chunk !== '' && !res.write(chunk)) {
      // Waiting for a slow scraper is not holding the loop.
      longest = Math.max(longest, performance.now() - sliceStart);
      await drained(res);
      sliceStart = performance.now();
      continue;
    }
    const used = performance.now() - sliceStart;
    if (used >= SLICE_MS) {
      longest = Math.max(longest, used);
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  longest = Math.max(longest, performance.now() - sliceStart);
  res.end();
  return { bytes, slice_ms: Math.round(longest * 10) / 10 };
}
