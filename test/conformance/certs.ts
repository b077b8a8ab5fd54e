/**
 * The suite-generated certificates of the conformance catalog (README "Suite-generated objects"),
 * made for real with `openssl` once per run (EC P-256, ten years) in a temporary directory:
 *
 * | object | what |
 * | --- | --- |
 * | Secret gateway-conformance-web-backend/certificate | self-signed, SAN `*` |
 * | Secret infra/tls-validity-checks-certificate | self-signed, SANs `*`, `*.org`, `*.wildcard.org` |
 * | ConfigMap infra/tls-validity-checks-ca-certificate | CA#1, signs tls-validity-checks-client-certificate |
 * | ConfigMap infra/tls-validity-checks-per-port-ca-certificate | CA#2, signs tls-validity-checks-per-port-client-certificate |
 * | ConfigMap infra/tls-checks-ca-certificate | CA#3, signs tls-checks-certificate (abc.example.com, spiffe://abc.example.com/test-identity, other.example.com), tls-checks-client-certificate, tls-passthrough-checks-certificate (abc.example.com, infra and app-backend), tls-terminate-checks-certificate (tls.example.com) |
 * | ConfigMap infra/mismatch-ca-certificate | an unrelated CA |
 * | ConfigMap web-backend/web-backend-cm | the web-backend certificate as CA bundle |
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { KubeObject } from '../../src/model';
import { caConfigMap, PemPair, tlsSecret } from '../fixtures';

/** PEM pair. */
export type Pem = PemPair;

/** Everything the suite generates, by role. */
export interface SuiteCerts {
  readonly webBackend: Pem;
  readonly validity: Pem;
  readonly validityCa: Pem;
  readonly validityClient: Pem;
  readonly perPortCa: Pem;
  readonly perPortClient: Pem;
  readonly checksCa: Pem;
  readonly checks: Pem;
  readonly checksClient: Pem;
  readonly passthrough: Pem;
  readonly terminate: Pem;
  readonly mismatchCa: Pem;
  /** The Kubernetes objects (Secrets of type kubernetes.io/tls, CA ConfigMaps with `ca.crt`). */
  readonly objects: KubeObject[];
}

const INFRA = 'gateway-conformance-infra';
const WEB = 'gateway-conformance-web-backend';
const APP = 'gateway-conformance-app-backend';

/** Whether the `openssl` CLI runs here (certificates and the client-certificate-request probe need it). */
export function opensslAvailable(): boolean {
  try {
    return spawnSync('openssl', ['version'], { stdio: 'ignore', timeout: 5000 }).status === 0;
  } catch {
    return false;
  }
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function read(dir: string, name: string): Pem {
  return { cert: fs.readFileSync(path.join(dir, `${name}.crt`), 'utf8'), key: fs.readFileSync(path.join(dir, `${name}.key`), 'utf8') };
}

function sanList(sans: readonly string[]): string {
  return sans.map((s) => (s.includes('://') ? `URI:${s}` : `DNS:${s}`)).join(',');
}

/** Self-signed certificate that is also its own CA (clients trust it directly). */
function selfSigned(dir: string, name: string, cn: string, sans: readonly string[]): Pem {
  openssl(
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', `/O=gateway-api-conformance/CN=${cn}`,
      ...(sans.length ? ['-addext', `subjectAltName=${sanList(sans)}`] : []),
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      '-addext', 'extendedKeyUsage=serverAuth,clientAuth',
    ],
    dir,
  );
  return read(dir, name);
}

function ca(dir: string, name: string, cn: string): Pem {
  openssl(
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', `/O=gateway-api-conformance/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ],
    dir,
  );
  return read(dir, name);
}

function signed(dir: string, name: string, caName: string, cn: string, sans: readonly string[]): Pem {
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/O=gateway-api-conformance/CN=${cn}`], dir);
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth,clientAuth',
    ...(sans.length ? [`subjectAltName=${sanList(sans)}`] : []),
  ].join('\n');
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext + '\n');
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-days', '3650', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
  return read(dir, name);
}

/** Generates the certificates into `dir` (created if needed). Takes ~0.2 s. */
export function generateSuiteCerts(dir: string): SuiteCerts {
  fs.mkdirSync(dir, { recursive: true });
  const webBackend = selfSigned(dir, 'web-backend', 'web-backend', ['*']);
  const validity = selfSigned(dir, 'tls-validity-checks', 'tls-validity-checks', ['*', '*.org', '*.wildcard.org']);
  const validityCa = ca(dir, 'validity-ca', 'tls-validity-checks-ca');
  const validityClient = signed(dir, 'validity-client', 'validity-ca', 'tls-validity-checks-client', ['client.example.org']);
  const perPortCa = ca(dir, 'per-port-ca', 'tls-validity-checks-per-port-ca');
  const perPortClient = signed(dir, 'per-port-client', 'per-port-ca', 'tls-validity-checks-per-port-client', ['client.example.org']);
  const checksCa = ca(dir, 'checks-ca', 'tls-checks-ca');
  const checks = signed(dir, 'tls-checks', 'checks-ca', 'abc.example.com', ['abc.example.com', 'spiffe://abc.example.com/test-identity', 'other.example.com']);
  const checksClient = signed(dir, 'tls-checks-client', 'checks-ca', 'tls-checks-client', ['client.example.com']);
  const passthrough = signed(dir, 'passthrough', 'checks-ca', 'abc.example.com', ['abc.example.com']);
  const terminate = signed(dir, 'terminate', 'checks-ca', 'tls.example.com', ['tls.example.com']);
  const mismatchCa = ca(dir, 'mismatch-ca', 'mismatch-ca');
  const objects: KubeObject[] = [
    tlsSecret(WEB, 'certificate', webBackend),
    tlsSecret(INFRA, 'tls-validity-checks-certificate', validity),
    caConfigMap(INFRA, 'tls-validity-checks-ca-certificate', validityCa.cert),
    caConfigMap(INFRA, 'tls-validity-checks-per-port-ca-certificate', perPortCa.cert),
    caConfigMap(INFRA, 'tls-checks-ca-certificate', checksCa.cert),
    caConfigMap(INFRA, 'mismatch-ca-certificate', mismatchCa.cert),
    caConfigMap(WEB, 'web-backend-cm', webBackend.cert),
    tlsSecret(INFRA, 'tls-validity-checks-client-certificate', validityClient),
    tlsSecret(INFRA, 'tls-validity-checks-per-port-client-certificate', perPortClient),
    tlsSecret(INFRA, 'tls-checks-client-certificate', checksClient),
    tlsSecret(INFRA, 'tls-checks-certificate', checks),
    tlsSecret(INFRA, 'tls-passthrough-checks-certificate', passthrough),
    tlsSecret(APP, 'tls-passthrough-checks-certificate', passthrough),
    tlsSecret(INFRA, 'tls-terminate-checks-certificate', terminate),
  ];
  return { webBackend, validity, validityCa, validityClient, perPortCa, perPortClient, checksCa, checks, checksClient, passthrough, terminate, mismatchCa, objects };
}

/** The PEM pair of a `kubernetes.io/tls` Secret (data base64, or stringData). */
export function secretPem(o: KubeObject | undefined): Pem | undefined {
  if (!o) return undefined;
  const data = (o as any).data ?? {};
  const sd = (o as any).stringData ?? {};
  const get = (k: string): string | undefined => (sd[k] !== undefined ? String(sd[k]) : data[k] !== undefined ? Buffer.from(String(data[k]), 'base64').toString('utf8') : undefined);
  const cert = get('tls.crt');
  const key = get('tls.key');
  return cert !== undefined && key !== undefined ? { cert, key } : undefined;
}

/** A data key of a ConfigMap (or a Secret's decoded key). */
export function configValue(o: KubeObject | undefined, key: string): string | undefined {
  if (!o) return undefined;
  if (o.kind === 'Secret') {
    const data = (o as any).data ?? {};
    if ((o as any).stringData?.[key] !== undefined) return String((o as any).stringData[key]);
    return data[key] !== undefined ? Buffer.from(String(data[key]), 'base64').toString('utf8') : undefined;
  }
  const v = (o as any).data?.[key];
  return v === undefined ? undefined : String(v);
}
