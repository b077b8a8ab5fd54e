/** Certificates made with the `openssl` CLI for tests. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PemPair } from '../fixtures';

/** Self-signed certificate (RSA 2048, two days) for the given DNS names; undefined when openssl is missing. */
export function selfSigned(names: readonly string[]): PemPair | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`, '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')],
      { stdio: 'ignore' },
    );
    return { cert: fs.readFileSync(path.join(dir, 'c.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
