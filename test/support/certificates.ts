// Throw-away certificates for the TLS tests, made with openssl in a temporary directory: a CA, a
// server certificate for localhost/127.0.0.1, a client certificate (CN=tlsuser, O=warren, with DNS,
// email, IP and URI alternative names), a second
// server certificate (reload tests), and a self-signed "rogue" client certificate from no known CA.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Makes the certificates; returns the directory (ca.pem, server.pem/.key, client.pem/.key, server2.*, rogue.*). */
export function makeCertificates(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warren-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Warren Test CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  writeFileSync(join(dir, 'client.ext'), 'subjectAltName=DNS:tls-dns-user,DNS:second-dns,email:tls-mail@example.com,IP:10.0.0.7,URI:spiffe://warren/tls-uri-user\n');
  for (const [name, subj, ext] of [['server', '/CN=localhost', 'server.ext'], ['client', '/CN=tlsuser/O=warren', 'client.ext'], ['server2', '/CN=localhost', 'server.ext']]) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2',
      ...(ext ? ['-extfile', ext] : []));
  }
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=tlsuser/O=warren');
  return dir;
}
