import * as fs from 'fs';
import * as path from 'path';
import { request, startEcho } from '../harness/echo';
import { describeNginx, freeOffset, startNginx } from '../harness/nginx';
import { selfSigned } from '../harness/openssl';
import { BUILTIN_CLASS, cli, tempTree } from './helpers';


function site(cert?: { cert: string; key: string }): string {
  const tlsSecret = cert
    ? `---
apiVersion: v1
kind: Secret
metadata:
  name: www-tls
  namespace: web
type: kubernetes.io/tls
data:
  tls.crt: ${Buffer.from(cert.cert).toString('base64')}
  tls.key: ${Buffer.from(cert.key).toString('base64')}
`
    : '';
  return `${BUILTIN_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: web-gateway
  namespace: web
spec:
  gatewayClassName: cdk8s-gateway
  listeners:
    - name: http
      port: 80
      protocol: HTTP
    - name: https
      port: 443
      protocol: HTTPS
      hostname: www.example.com
      tls:
        certificateRefs:
          - name: www-tls
---
apiVersion: v1
kind: Service
metadata:
  name: blog
  namespace: web
spec:
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: redirect
  namespace: web
spec:
  parentRefs:
    - name: web-gateway
      sectionName: http
  rules:
    - filters:
        - type: RequestRedirect
          requestRedirect:
            scheme: https
            statusCode: 301
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: blog
  namespace: web
spec:
  parentRefs:
    - name: web-gateway
      sectionName: https
  hostnames: [www.example.com]
  rules:
    - backendRefs:
        - name: blog
          port: 80
${tlsSecret}`;
}

test('errors: nothing is written and the exit code is 1', async () => {
  const dir = tempTree({ 'site.yaml': site() });
  const r = await cli(['render', 'site.yaml', '--out', 'out'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/Secret web\/www-tls/);
  expect(r.stderr).toMatch(/nothing was rendered/);
  expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
});

test('usage errors: missing --out, bad --port-offset, bad --backends', async () => {
  const dir = tempTree({ 'site.yaml': site(), 'b.json': '[1]' });
  expect((await cli(['render', 'site.yaml'], { cwd: dir })).code).toBe(2);
  expect((await cli(['render', 'site.yaml', '--out', 'o', '--port-offset', 'x'], { cwd: dir })).code).toBe(2);
  const b = await cli(['render', 'site.yaml', '--out', 'o', '--backends', 'b.json'], { cwd: dir });
  expect(b.code).toBe(2);
  expect(b.stderr).toMatch(/--backends b.json: expected an object/);
});

test('usage errors: --max-request-body-size takes a Kubernetes quantity, the fix names one', async () => {
  const dir = tempTree({ 'site.yaml': site() });
  const r = await cli(['render', 'site.yaml', '--out', 'o', '--max-request-body-size', '10m'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/--max-request-body-size "10m" is not a whole number of bytes.*Fix: write "10Mi"/);
  expect(fs.existsSync(path.join(dir, 'o'))).toBe(false);
});

test('--backend-keepalive: every backend\'s upstream block keeps that many idle connections; a bad value is a usage error', async () => {
  const dir = tempTree({ 'site.yaml': site() });
  const r = await cli(['render', 'site.yaml', '--out', 'o', '--self-signed', '--backend-keepalive', '4'], { cwd: dir });
  expect(r.code).toBe(0);
  const confs = fs.readdirSync(path.join(dir, 'o'), { recursive: true }).map(String).filter((f) => f.endsWith('nginx.conf'));
  expect(confs.length).toBeGreaterThan(0);
  for (const f of confs) {
    const conf = fs.readFileSync(path.join(dir, 'o', f), 'utf8');
    const lines = conf.match(/^\s*keepalive \d+;$/gm) ?? [];
    expect(lines.length).toBe((conf.match(/^\s*upstream \w+ \{$/gm) ?? []).length);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.trim()).toBe('keepalive 4;');
  }
  for (const bad of ['0', '4097', '2.5', 'x']) {
    const b = await cli(['render', 'site.yaml', '--out', 'bad', '--backend-keepalive', bad], { cwd: dir });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(`--backend-keepalive ${JSON.stringify(bad)} is not a whole number from 1 to 4096. Fix: e.g. --backend-keepalive 32`);
  }
  expect(fs.existsSync(path.join(dir, 'bad'))).toBe(false);
});

/** One HTTP listener, one route to `upload` and one to `limited`, whose own limit is 4Ki (annotation). */
const UPLOADS = `${BUILTIN_CLASS}---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: web}
spec:
  gatewayClassName: cdk8s-gateway
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: upload, namespace: web}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: upload, namespace: web}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: PathPrefix, value: /upload}}], backendRefs: [{name: upload, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: limited
  namespace: web
  annotations: {cdk8s-gateway.dev/max-request-body-size: 4Ki}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: PathPrefix, value: /limited}}], backendRefs: [{name: upload, port: 80}]}]
`;

describeNginx('render output runs under plain nginx', () => {
  test('--max-request-body-size: 413 above it for routes without their own limit; a route limit still wins', async () => {
    const echo = await startEcho('upload');
    const offset = await freeOffset([80, 8081]);
    const dir = tempTree({ 'site.yaml': UPLOADS, 'backends.json': JSON.stringify({ 'web/upload:80': `127.0.0.1:${echo.port}` }) });
    const r = await cli(['render', 'site.yaml', '--out', 'out', '--backends', 'backends.json', '--listen-host', '127.0.0.1', '--port-offset', String(offset), '--max-request-body-size', '1Ki'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const conf = fs.readFileSync(path.join(dir, 'out', 'web', 'gw', 'nginx.conf'), 'utf8');
    expect(conf).toMatch(/^ {2}client_max_body_size 1k;$/m);
    const nginx = await startNginx({ 'nginx.conf': conf }, 80 + offset);
    try {
      const post = (p: string, bytes: number) => request(80 + offset, p, { method: 'POST', body: 'x'.repeat(bytes), headers: { 'content-type': 'text/plain' } });
      expect((await post('/upload', 1000)).status).toBe(200);
      expect((await post('/upload', 2000)).status).toBe(413);
      expect((await post('/limited', 3000)).status).toBe(200);
      expect((await post('/limited', 5000)).status).toBe(413);
    } finally {
      await nginx.stop();
      await echo.close();
    }
  });


  test('HTTP → HTTPS 301 keeps the declared port; HTTPS serves the backend through --backends', async () => {
    const cert = selfSigned(['www.example.com'])!;
    const echo = await startEcho('blog');
    const offset = await freeOffset([80, 443, 8081]);
    const dir = tempTree({ 'site.yaml': site(cert), 'backends.json': JSON.stringify({ 'web/blog:80': `127.0.0.1:${echo.port}` }) });
    const r = await cli(['render', 'site.yaml', '--out', 'out', '--backends', 'backends.json', '--listen-host', '127.0.0.1', '--port-offset', String(offset)], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rendered Gateway web\/web-gateway → out\/web\/web-gateway/);
    const prefix = path.join(dir, 'out', 'web', 'web-gateway');
    const files: Record<string, string> = {};
    for (const rel of ['nginx.conf', 'secrets/web/www-tls/tls.crt', 'secrets/web/www-tls/tls.key']) files[rel] = fs.readFileSync(path.join(prefix, rel), 'utf8');
    const nginx = await startNginx(files, 80 + offset);
    try {
      const redirect = await request(80 + offset, '/post?id=1', { host: 'www.example.com' });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe('https://www.example.com/post?id=1');
      const https = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = require('https').request({ host: '127.0.0.1', port: 443 + offset, path: '/hello', servername: 'www.example.com', headers: { host: 'www.example.com' }, ca: cert.cert }, (res: any) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(https.status).toBe(200);
      expect(JSON.parse(https.body)).toMatchObject({ path: '/hello', host: 'www.example.com' });
    } finally {
      await nginx.stop();
      await echo.close();
    }
  });
});
