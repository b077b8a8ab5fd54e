/**
 * `render` for local work: `--self-signed` serves a throwaway certificate for every listener
 * certificate Secret the input lacks; `--serve-valid` renders what a conformant controller would
 * serve despite errors. Both on real nginx.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { acmeServiceName, KubeObject } from '../../src';
import { selfSignedCertificate } from '../../src/cli/self-signed';
import { backendKeys, httpsGet, loadExample } from '../examples/helpers';
import { request, startEcho } from '../harness/echo';
import { describeNginx, freeOffset, startNginx } from '../harness/nginx';
import { cli, tempTree } from './helpers';

function homelab(): { yaml: string; objects: KubeObject[] } {
  const yaml = loadExample('homelab', 'render-local').synthYaml();
  return { yaml, objects: parseAllDocuments(yaml).map((d) => d.toJSON()).filter(Boolean) as KubeObject[] };
}
const PREFIX = ['out', 'gateway', 'web-gateway'];

test('selfSignedCertificate: an X.509 v3 certificate for the names, signed by its own key', () => {
  const { cert, key } = selfSignedCertificate(['www.example.org', '*.example.org'], 30, new Date('2026-12-05T00:00:00Z'));
  const x = new crypto.X509Certificate(cert);
  expect(x.subjectAltName).toBe('DNS:www.example.org, DNS:*.example.org');
  expect(x.verify(x.publicKey)).toBe(true);
  expect(x.checkPrivateKey(crypto.createPrivateKey(key))).toBe(true);
  expect(x.ca).toBe(false);
  expect(new Date(x.validTo).getTime() - new Date(x.validFrom).getTime()).toBe(30 * 86400_000 + 3600_000);
  expect(x.checkHost('photos.example.org')).toBe('*.example.org');
});

test('--self-signed: the homelab output renders a certificate for each missing Secret, named after its listeners, with a warning each', async () => {
  const dir = tempTree({ 'homelab.yaml': homelab().yaml });
  const r = await cli(['render', 'homelab.yaml', '--out', 'out', '--self-signed'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stderr).not.toContain('CertificateNotInInput');
  expect(r.stderr.match(/warning SelfSignedCertificate Secret gateway\/(www|apps)-tls: not in the input: a throwaway self-signed certificate/g)).toHaveLength(2);
  const conf = fs.readFileSync(path.join(dir, ...PREFIX, 'nginx.conf'), 'utf8');
  expect(conf).not.toContain('ssl_reject_handshake on;');
  const apps = new crypto.X509Certificate(fs.readFileSync(path.join(dir, ...PREFIX, 'secrets', 'gateway', 'apps-tls', 'tls.crt')));
  expect(apps.subjectAltName).toBe('DNS:nas.example.com, DNS:photos.example.com, DNS:wiki.example.com');
});

test('without --self-signed the same output keeps rejecting handshakes (the default stays strict)', async () => {
  const dir = tempTree({ 'homelab.yaml': homelab().yaml });
  const r = await cli(['render', 'homelab.yaml', '--out', 'out'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stderr).not.toContain('SelfSignedCertificate');
  expect(fs.existsSync(path.join(dir, ...PREFIX, 'secrets'))).toBe(false);
});

/** A Gateway with one valid route, one whose backend kind the built-in proxy cannot serve, one the API server would refuse, one attached to no Gateway. */
const MIXED = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: c }
spec: { controllerName: cdk8s-gateway.dev/nginx-proxy }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: web }
spec:
  gatewayClassName: c
  listeners: [{ name: http, port: 80, protocol: HTTP }]
---
apiVersion: v1
kind: Service
metadata: { name: app, namespace: web }
spec: { ports: [{ port: 80 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: good, namespace: web }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [good.example.com]
  rules: [{ backendRefs: [{ name: app, port: 80 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bad-backend, namespace: web }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [bad.example.com]
  rules: [{ backendRefs: [{ group: storage.example.com, kind: Bucket, name: b }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: refused, namespace: web }
spec:
  parentRefs: [{ name: gw }]
  hostnames: [refused.example.com]
  rules: [{ matches: [{ path: { type: Nope, value: / } }], backendRefs: [{ name: app, port: 80 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: lost, namespace: web }
spec:
  parentRefs: [{ name: no-such-gateway }]
  hostnames: [lost.example.com]
  rules: [{ backendRefs: [{ name: app, port: 80 }] }]
`;

test('without --serve-valid the mixed input is refused and nothing is written', async () => {
  const dir = tempTree({ 'in.yaml': MIXED });
  const r = await cli(['render', 'in.yaml', '--out', 'out'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
});

test('--serve-valid renders the mixed input, prints every error and says how it was served', async () => {
  const dir = tempTree({ 'in.yaml': MIXED });
  const r = await cli(['render', 'in.yaml', '--out', 'out', '--serve-valid'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/error InvalidKind HTTPRoute web\/bad-backend/);
  expect(r.stderr).toMatch(/error SchemaViolation HTTPRoute web\/refused spec\.rules\[0\]\.matches\[0\]\.path\.type/);
  expect(r.stderr).toMatch(/HTTPRoute web\/lost/);
  expect(r.stderr).toMatch(/rendered as a conformant controller would serve the input \(--serve-valid\)/);
  const conf = fs.readFileSync(path.join(dir, 'out', 'web', 'gw', 'nginx.conf'), 'utf8');
  expect(conf).toContain('good.example.com');
  expect(conf).not.toContain('refused.example.com');
  expect(conf).not.toContain('lost.example.com');
});

describeNginx('render for local work on real nginx', () => {
  test('--serve-valid: the valid route answers, the invalid backend answers 500, refused and unattached routes are absent', async () => {
    const app = await startEcho('app');
    try {
      const offset = await freeOffset([80]);
      const dir = tempTree({ 'in.yaml': MIXED, 'backends.json': JSON.stringify({ 'web/app:80': `127.0.0.1:${app.port}` }) });
      const r = await cli(['render', 'in.yaml', '--out', 'out', '--serve-valid', '--backends', 'backends.json', '--listen-host', '127.0.0.1', '--port-offset', String(offset)], { cwd: dir });
      expect(r.code).toBe(0);
      const nginx = await startNginx({ 'nginx.conf': fs.readFileSync(path.join(dir, 'out', 'web', 'gw', 'nginx.conf'), 'utf8') }, 80 + offset);
      try {
        expect((await request(80 + offset, '/', { host: 'good.example.com' })).status).toBe(200);
        expect((await request(80 + offset, '/', { host: 'bad.example.com' })).status).toBe(500);
        expect((await request(80 + offset, '/', { host: 'refused.example.com' })).status).toBe(404);
        expect((await request(80 + offset, '/', { host: 'lost.example.com' })).status).toBe(404);
        expect(app.hits).toHaveLength(1);
      } finally {
        await nginx.stop();
      }
    } finally {
      await app.close();
    }
  });

  test('--self-signed: the homelab serves HTTPS for every name with the throwaway certificate', async () => {
    const { yaml, objects } = homelab();
    const app = await startEcho('app');
    try {
      const backends: Record<string, string> = {};
      for (const k of backendKeys(objects)) backends[k] = `127.0.0.1:${app.port}`;
      for (const host of ['www', 'photos', 'wiki', 'nas']) backends[`gateway/${acmeServiceName(`${host}.example.com`)}:8089`] = `127.0.0.1:${app.port}`;
      const offset = await freeOffset([80, 443, 8081]);
      const dir = tempTree({ 'homelab.yaml': yaml, 'backends.json': JSON.stringify(backends) });
      const r = await cli(['render', 'homelab.yaml', '--out', 'out', '--self-signed', '--backends', 'backends.json', '--listen-host', '127.0.0.1', '--port-offset', String(offset)], { cwd: dir });
      expect(r.code).toBe(0);
      const prefix = path.join(dir, ...PREFIX);
      const files: Record<string, string> = {};
      for (const rel of fs.readFileSync(path.join(prefix, '.cdk8s-gateway-files'), 'utf8').split('\n').filter(Boolean)) files[rel] = fs.readFileSync(path.join(prefix, rel), 'utf8');
      const nginx = await startNginx(files, 443 + offset);
      try {
        const www = await httpsGet(443 + offset, 'www.example.com', '/', files['secrets/gateway/www-tls/tls.crt']);
        expect(www.status).toBe(200);
        const photos = await httpsGet(443 + offset, 'photos.example.com', '/', files['secrets/gateway/apps-tls/tls.crt']);
        expect(photos.status).toBe(200);
      } finally {
        await nginx.stop();
      }
    } finally {
      await app.close();
    }
  });
});
