import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ListenerInfo, ManagementContext } from '../context.js';
import { nodeName } from '../context.js';
import { httpErrors } from '../errors.js';
import type { Router } from '../router.js';
import { rabbitProtocol } from './overview.js';

/** RabbitMQ's listener protocol names, with the aliases its protocol-listener check accepts. */
const protocolAliases: Record<string, string> = {
  amqp: 'amqp', amqp091: 'amqp', 'amqp0.9.1': 'amqp', 'amqp0-9-1': 'amqp', amqp10: 'amqp', 'amqp1.0': 'amqp',
  amqps: 'amqp/ssl', 'amqp/ssl': 'amqp/ssl', amqps091: 'amqp/ssl', 'amqps0.9.1': 'amqp/ssl',
  http: 'http', management: 'http', https: 'https', 'management/ssl': 'https',
  prometheus: 'http/prometheus', 'http/prometheus': 'http/prometheus', 'prometheus/ssl': 'https/prometheus', 'https/prometheus': 'https/prometheus',
};


const failed = (body: Record<string, unknown>) => ({ status: 503, body: { status: 'failed', ...body } });

const SECONDS_PER: Record<string, number> = { days: 86_400, weeks: 7 * 86_400, months: 86_400 * (365 / 12), years: 365 * 86_400 };

/** "2024-01-31 9:05:00" as RabbitMQ prints a certificate's expiry (hour not zero-padded). */
function expiryText(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${d.getUTCHours()}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Expiry texts of the certificates in a PEM file that expire before `deadline` (or why it cannot be read). */
function expiringIn(file: string | null | undefined, deadline: number): string[] | { error: string } {
  if (!file) return [];
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    return { error: (e as Error).message };
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return { error: 'The certificate file provided does not contain any PEM entry.' };
  const out: string[] = [];
  for (const b of blocks) {
    const cert = new X509Certificate(b);
    const notAfter = Date.parse(cert.validTo);
    if (Date.parse(cert.validFrom) > Date.now()) out.push('Certificate is not yet valid');
    else if (notAfter < deadline) out.push(expiryText(notAfter));
  }
  return out;
}

/**
 * RabbitMQ's health checks for probes: port-listener, protocol-listener, virtual-hosts,
 * node-is-quorum-critical, node-is-mirror-sync-critical, certificate-expiration. 200
 * {"status":"ok"} when healthy, 503 {"status":"failed", ...} with RabbitMQ's fields when not.
 */
export function registerHealthChecks(router: Router, ctx: ManagementContext): void {
  router.add('GET', '/api/health/checks/port-listener/:port', 'management', (req) => {
    if (!/^\d+$/.test(req.params.port)) throw httpErrors.badRequest('Invalid port');
    const port = Number(req.params.port);
    if (ctx.listeners.some((l) => l.port === port)) return { status: 200, body: { status: 'ok', port } };
    return failed({ reason: 'No active listener', missing: port, ports: ctx.listeners.map((l) => l.port) });
  });
  router.add('GET', '/api/health/checks/protocol-listener/:protocol', 'management', (req) => {
    const given = req.params.protocol;
    const wanted = protocolAliases[given.toLowerCase()];
    const present = ctx.listeners.map(rabbitProtocol);
    if (wanted !== undefined && present.includes(wanted)) return { status: 200, body: { status: 'ok', protocol: wanted } };
    return failed({ reason: 'No active listener', missing: given, protocols: [...new Set(present)] });
  });
  // Every vhost of a Warren node is always running.
  router.add('GET', '/api/health/checks/virtual-hosts', 'management', () => ({ status: 200, body: { status: 'ok' } }));
  // One node holds every replica, so stopping it can never break a quorum or a mirror set.
  router.add('GET', '/api/health/checks/node-is-quorum-critical', 'management', () => ({ status: 200, body: { status: 'ok', reason: 'single node cluster' } }));
  router.add('GET', '/api/health/checks/node-is-mirror-sync-critical', 'management', () => ({ status: 200, body: { status: 'ok', reason: 'single node cluster' } }));
  router.add('GET', '/api/health/checks/certificate-expiration/:within/:unit', 'management', (req) => {
    if (!/^-?\d+$/.test(req.params.within)) throw httpErrors.badRequest('Invalid expiration value.');
    const per = SECONDS_PER[req.params.unit.toLowerCase()];
    if (per === undefined) throw httpErrors.badRequest('Time unit not recognised. Supported units: days, weeks, months, years.');
    const deadline = Date.now() + Number(req.params.within) * per * 1000;
    const expired = [];
    for (const l of ctx.listeners) {
      if (!l.certfile) continue;
      const cert = expiringIn(l.certfile, deadline);
      const ca = expiringIn(l.cacertfile, deadline);
      if (Array.isArray(cert) && cert.length === 0 && Array.isArray(ca) && ca.length === 0) continue;
      expired.push({
        node: nodeName, protocol: rabbitProtocol(l), interface: l.host, port: l.port, certfile: l.certfile, cacertfile: l.cacertfile ?? null,
        certfile_expires_on: cert, cacertfile_expires_on: ca,
      });
    }
    if (expired.length === 0) return { status: 200, body: { status: 'ok' } };
    return failed({ reason: 'Certificates expiring', expired });
  });
}
