/**
 * What the example tests share: loading an example app, certificates for its listeners, the
 * backends its routes name, and HTTPS / TCP clients for the served examples (127.0.0.1 only).
 */
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import { App } from 'cdk8s';
import { KubeObject } from '../../src';
import * as fx from '../fixtures';
import { selfSigned } from '../harness/openssl';

const examplesDir = path.join(__dirname, '..', '..', 'examples');

/** The names of the example folders (each has an `app.ts` exporting `createApp(outdir)`). */
export function exampleNames(): string[] {
  return fs.readdirSync(examplesDir).filter((n) => fs.existsSync(path.join(examplesDir, n, 'app.ts'))).sort();
}

/**
 * A fresh app of example `name` (of its `stage`, for examples that take one), writing (if
 * synthesized to disk) under `.tmp/<group>/<name>[-<stage>]`.
 */
export function loadExample(name: string, group: string, stage?: string): App {
  const outdir = path.join(__dirname, '..', '..', '.tmp', group, stage ? `${name}-${stage}` : name);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const createApp = require(path.join(examplesDir, name, 'app.ts')).createApp as (outdir: string, stage?: string) => App;
  return stage ? createApp(outdir, stage) : createApp(outdir);
}

/** A kubernetes.io/tls Secret with a self-signed certificate for the names. */
export function tlsSecret(namespace: string, name: string, names: string[]): { secret: KubeObject; cert: string } {
  const c = selfSigned(names);
  if (!c) throw new Error('openssl is needed to generate a test certificate');
  return {
    cert: c.cert,
    secret: fx.tlsSecret(namespace, name, c),
  };
}

/** Every backend and mirror target a route of the objects refers to: "ns/name:port", sorted. */
export function backendKeys(objects: readonly KubeObject[]): string[] {
  const keys = new Set<string>();
  for (const o of objects as any[]) {
    if (!/Route$/.test(o.kind)) continue;
    for (const r of o.spec?.rules ?? []) {
      const targets = [...(r.backendRefs ?? []), ...(r.filters ?? []).map((f: any) => f.requestMirror?.backendRef).filter(Boolean)];
      for (const b of targets) keys.add(`${b.namespace ?? o.metadata.namespace}/${b.name}:${b.port}`);
    }
  }
  return [...keys].sort();
}

/** The answer of an HTTPS GET; `echo` is the body parsed as JSON (the echo backends' answer), if it is JSON. */
export interface HttpsAnswer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
  readonly echo?: any;
}

/** GET `https://<host><path>` from 127.0.0.1:`port` (SNI and Host `host`), trusting `ca`. */
export function httpsGet(port: number, host: string, p: string, ca: string, opts: { agent?: https.Agent; headers?: Record<string, string> } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, servername: host, headers: { host, ...opts.headers }, ca, ...(opts.agent ? { agent: opts.agent } : {}) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        let echo: any;
        try {
          echo = JSON.parse(body);
        } catch {
          echo = undefined; // not an echo answer
        }
        resolve({ status: res.statusCode!, headers: res.headers, body, echo });
      });
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** Sends `message` over TCP (or TLS with SNI `tlsServerName`) to 127.0.0.1:`port`; resolves with the first answer. */
export function tcpRoundTrip(port: number, message: string, tlsServerName?: string, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tlsServerName
      ? tls.connect({ host: '127.0.0.1', port, servername: tlsServerName, ca }, () => sock.write(message))
      : net.connect({ host: '127.0.0.1', port }, () => sock.write(message));
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('timeout'));
    }, 10000);
    sock.on('data', (d) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(String(d));
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
