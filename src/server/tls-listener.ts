import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, TLSSocket } from 'node:tls';
import type { Server, SecureContextOptions } from 'node:tls';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { BrokerOptions } from './options.js';

/** ssl_options: certificate files and peer verification, as rabbitmq.conf names them. */
export interface TlsOptions {
  cacertfile: string | null;
  certfile: string;
  keyfile: string;
  verify: 'verify_peer' | 'verify_none';
  failIfNoPeerCert: boolean;
}

export interface TlsListener {
  readonly port: number;
  close(): Promise<void>;
}

function secureContext(o: TlsOptions): SecureContextOptions {
  return {
    key: readFileSync(o.keyfile),
    cert: readFileSync(o.certfile),
    ca: o.cacertfile ? readFileSync(o.cacertfile) : undefined,
  };
}

/**
 * The AMQPS listener (5671): TLS 1.2 and 1.3 only, the same Connection class on top. A client
 * certificate is asked for with verify_peer; fail_if_no_peer_cert refuses clients without one,
 * and a certificate that does not verify is always refused. Certificate files are re-read when
 * they change, so renewed certificates apply to new connections without a restart.
 */
export async function startTlsListener(options: BrokerOptions, onSocket: (s: Socket) => void, log: Logger): Promise<TlsListener> {
  const o = options.tls;
  if (!o) throw new Error('tlsPort is set but ssl_options (certfile, keyfile) are missing');
  const server: Server = createServer({
    ...secureContext(o),
    minVersion: 'TLSv1.2',
    requestCert: o.verify === 'verify_peer',
    rejectUnauthorized: o.verify === 'verify_peer' && o.failIfNoPeerCert,
  }, (socket: TLSSocket) => {
    // verify_peer without fail_if_no_peer_cert: no certificate is fine, a bad one is not.
    if (o.verify === 'verify_peer' && !socket.authorized && socket.getPeerCertificate()?.subject) {
      log.warning('tls_peer_rejected', { error: String(socket.authorizationError) });
      socket.destroy();
      return;
    }
    onSocket(socket);
  });
  server.on('tlsClientError', (err) => log.debug('tls_handshake_failed', { error: err.message }));
  const files = [o.certfile, o.keyfile, ...(o.cacertfile ? [o.cacertfile] : [])];
  const reload = () => {
    try {
      server.setSecureContext(secureContext(o));
      log.info('tls_certificates_reloaded', {});
    } catch (err) {
      log.error('tls_certificates_reload_failed', { error: (err as Error).message });
    }
  };
  for (const f of files) watchFile(f, { interval: 1000, persistent: false }, reload);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.tlsPort!, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info('listening', { protocol: 'amqp/ssl', host: options.host, port });
  return {
    port,
    close: () => {
      for (const f of files) unwatchFile(f, reload);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** How SASL EXTERNAL names a certificate's user (ssl_cert_login_from and its SAN settings). */
export type CertificateLogin = Pick<BrokerOptions, 'sslCertLoginFrom' | 'sslCertLoginSanType' | 'sslCertLoginSanIndex'>;

/**
 * SASL EXTERNAL's identity from the verified client certificate, as RabbitMQ names it: the subject
 * as RabbitMQ's default ssl_cert_login_from = distinguished_name writes it (RFC 4514, last RDN first:
 * "O=org,CN=name"), its CN (common_name), or the Nth subject alternative name of one kind
 * (subject_alternative_name, ssl_cert_login_san_type/_index). Undefined without a verified
 * certificate or without that name.
 */
export function certificateIdentity(socket: Socket, login: CertificateLogin): string | undefined {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const cert = socket.getPeerX509Certificate();
  if (!cert) return undefined;
  if (login.sslCertLoginFrom === 'subject_alternative_name') {
    return alternativeNames(cert.subjectAltName ?? '', sanLabels[login.sslCertLoginSanType])[login.sslCertLoginSanIndex];
  }
  // X509Certificate.subject is "CN=a\nO=b" in certificate order.
  const rdns = cert.subject.split('\n').filter((s) => s !== '');
  if (login.sslCertLoginFrom === 'common_name') {
    const cn = rdns.find((r) => r.startsWith('CN='));
    return cn?.slice(3);
  }
  return rdns.reverse().join(',');
}

/** How Node's X509Certificate.subjectAltName labels each kind of name. */
const sanLabels: Record<CertificateLogin['sslCertLoginSanType'], string> = { dns: 'DNS', ip: 'IP Address', email: 'email', uri: 'URI' };

/**
 * The names of one kind in a subjectAltName string ("DNS:a, IP Address:127.0.0.1, email:x@y"), in
 * certificate order. Node writes a value holding a comma or a quote as a JSON string.
 */
export function alternativeNames(subjectAltName: string, label: string): string[] {
  const out: string[] = [];
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const m of subjectAltName.matchAll(entry)) {
    if (m[1] === label) out.push(m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2]);
  }
  return out;
}
