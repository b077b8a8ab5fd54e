/**
 * `render` on what a cdk8s app synthesized, before anything exists in the cluster: the homelab
 * example (certificates from Let's Encrypt by HTTP-01 through the gateway itself, no Secret in the
 * output) renders with warnings, and the rendered nginx answers the ACME challenge on the HTTP
 * listener — through the Service that selects cert-manager's solver pods — while every other
 * request is redirected to HTTPS. And `render --out` into a folder nginx runs from keeps nginx's
 * own files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { acmeServiceName, KubeObject } from '../../src';
import { backendKeys, loadExample } from '../examples/helpers';
import { request, startEcho } from '../harness/echo';
import { describeNginx, freeOffset, startNginx } from '../harness/nginx';
import { cli, tempTree } from './helpers';

function homelabYaml(): { yaml: string; objects: KubeObject[] } {
  const objects = loadExample('homelab', 'render-bootstrap').synthYaml();
  return { yaml: objects, objects: parseAllDocuments(objects).map((d) => d.toJSON()).filter(Boolean) as KubeObject[] };
}

test('the homelab output (no Secrets) renders with a warning per missing certificate and the challenge routes', async () => {
  const { yaml, objects } = homelabYaml();
  expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  const dir = tempTree({ 'homelab.yaml': yaml });
  const r = await cli(['render', 'homelab.yaml', '--out', 'out'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stderr.match(/warning CertificateNotInInput/g)).toHaveLength(2); // www-tls, apps-tls
  expect(r.stderr).toMatch(/Secret gateway\/www-tls is not in the input: listener https-www on port 443 rejects TLS handshakes until it exists/);
  for (const host of ['www', 'photos', 'wiki', 'nas']) {
    expect(r.stdout).toContain(`ACME HTTP-01 for ${host}.example.com: /.well-known/acme-challenge/ → Service gateway/${acmeServiceName(`${host}.example.com`)}:8089`);
  }
  const conf = fs.readFileSync(path.join(dir, 'out', 'gateway', 'web-gateway', 'nginx.conf'), 'utf8');
  expect(conf.match(/ssl_reject_handshake on;/g)!.length).toBeGreaterThanOrEqual(5); // 4 hosts + the default server
});

describeNginx('the rendered homelab on real nginx', () => {
  test('the challenge reaches the solver ahead of the 301; everything else is redirected', async () => {
    const { yaml, objects } = homelabYaml();
    const app = await startEcho('app');
    const solver = await startEcho('solver');
    try {
      const backends: Record<string, string> = {};
      for (const k of backendKeys(objects)) backends[k] = `127.0.0.1:${app.port}`;
      for (const host of ['www', 'photos', 'wiki', 'nas']) backends[`gateway/${acmeServiceName(`${host}.example.com`)}:8089`] = `127.0.0.1:${solver.port}`;
      const offset = await freeOffset([80, 443, 8081]);
      const dir = tempTree({ 'homelab.yaml': yaml, 'backends.json': JSON.stringify(backends) });
      const r = await cli(['render', 'homelab.yaml', '--out', 'out', '--backends', 'backends.json', '--listen-host', '127.0.0.1', '--port-offset', String(offset)], { cwd: dir });
      expect(r.code).toBe(0);
      const conf = fs.readFileSync(path.join(dir, 'out', 'gateway', 'web-gateway', 'nginx.conf'), 'utf8');
      const nginx = await startNginx({ 'nginx.conf': conf }, 80 + offset);
      try {
        for (const host of ['www', 'photos', 'wiki', 'nas']) {
          const challenge = await request(80 + offset, '/.well-known/acme-challenge/abc123', { host: `${host}.example.com` });
          expect(challenge.status).toBe(200);
          expect(JSON.parse(challenge.body)).toMatchObject({ name: 'solver', path: '/.well-known/acme-challenge/abc123', host: `${host}.example.com` });
          const page = await request(80 + offset, '/photos/1', { host: `${host}.example.com` });
          expect(page.status).toBe(301);
          expect(page.headers.location).toBe(`https://${host}.example.com/photos/1`);
        }
        // a name no certificate asks for gets no challenge route
        expect((await request(80 + offset, '/.well-known/acme-challenge/abc123', { host: 'other.example.com' })).status).toBe(404);
        expect(solver.hits).toHaveLength(4);
      } finally {
        await nginx.stop();
      }
    } finally {
      await app.close();
      await solver.close();
    }
  });
});

test('render --out into a folder nginx runs from replaces its own files and keeps nginx\'s', async () => {
  const first = (host: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: c }
spec: { controllerName: cdk8s-gateway.dev/nginx-proxy }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: web }
spec:
  gatewayClassName: c
  listeners: [{ name: http, port: 80, protocol: HTTP, hostname: ${host} }]
`;
  const dir = tempTree({ 'a.yaml': first('a.example.com'), 'b.yaml': first('b.example.com') });
  expect((await cli(['render', 'a.yaml', '--out', 'out'], { cwd: dir })).code).toBe(0);
  const prefix = path.join(dir, 'out', 'web', 'gw');
  // what a running nginx keeps in its prefix
  fs.writeFileSync(path.join(prefix, 'nginx.pid'), '4242\n');
  fs.mkdirSync(path.join(prefix, 'client_body_temp'));
  fs.writeFileSync(path.join(prefix, 'error.log'), 'log\n');
  // a file of the previous render that the next one does not produce
  const manifest = fs.readFileSync(path.join(prefix, '.cdk8s-gateway-files'), 'utf8');
  expect(manifest).toBe('nginx.conf\n');
  fs.writeFileSync(path.join(prefix, 'old.conf'), 'x');
  fs.writeFileSync(path.join(prefix, '.cdk8s-gateway-files'), 'nginx.conf\nold.conf\n');
  expect((await cli(['render', 'b.yaml', '--out', 'out'], { cwd: dir })).code).toBe(0);
  expect(fs.readFileSync(path.join(prefix, 'nginx.conf'), 'utf8')).toContain('server_name b.example.com;');
  expect(fs.readFileSync(path.join(prefix, 'nginx.pid'), 'utf8')).toBe('4242\n');
  expect(fs.existsSync(path.join(prefix, 'client_body_temp'))).toBe(true);
  expect(fs.existsSync(path.join(prefix, 'error.log'))).toBe(true);
  expect(fs.existsSync(path.join(prefix, 'old.conf'))).toBe(false);
  expect(fs.readdirSync(prefix).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});
