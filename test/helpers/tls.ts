// A self-signed certificate made by the real openssl, for the TLS tests.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Writes `key.pem` and `cert.pem` into `dir`: a one-day self-signed certificate for localhost with `altNames` (e.g. `IP:127.0.0.1`). */
export function selfSignedCertificate(dir: string, altNames: string): { key: string; cert: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const subject = ['-subj', '/CN=localhost', '-addext', `subjectAltName=${altNames}`];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', ...subject],
    { stdio: 'ignore' },
  );
  return { key, cert };
}
