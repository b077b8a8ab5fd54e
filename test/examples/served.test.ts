/**
 * The scenario examples with the built-in proxy, served by real nginx: the same compiler the
 * GatewayProxy runs, on the examples' synthesized objects, with certificates generated here and
 * every backend Service pointed at an echo server on 127.0.0.1.
 */
import * as https from 'https';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import { App } from 'cdk8s';
import { compileNginx, KubeObject } from '../../src';
import { describeNginx, EchoServer, request, RunningNginx, selfSigned, startEcho, startNginx, startTcpEcho } from '../render/nginx-harness';
import { synth } from '../util';

const examplesDir = path.join(__dirname, '..', '..', 'examples');

function load(name: string): App {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(examplesDir, name, 'app.ts')).createApp(path.join(__dirname, '..', '..', '.tmp', 'served', name));
}

/** A kubernetes.io/tls Secret with a self-signed certificate for the names. */
function tlsSecret(namespace: string, name: string, names: string[]): { secret: KubeObject; cert: string } {
  const c = selfSigned(names)!;
  return {
    cert: c.cert,
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(c.cert).toString('base64'), 'tls.key': Buffer.from(c.key).toString('base64') },
    } as KubeObject,
  };
}

/** Every Service port a route of the objects refers to: "ns/name:port". */
function backendKeys(objects: KubeObject[]): string[] {
  const keys = new Set<string>();
  for (const o of objects as any[]) {
    if (!/Route$/.test(o.kind)) continue;
    for (const r of o.spec?.rules ?? []) {
      for (const b of r.backendRefs ?? []) keys.add(`${b.namespace ?? o.metadata.namespace}/${b.name}:${b.port}`);
    }
  }
  return [...keys].sort();
}

function httpsGet(port: number, host: string, p: string, ca: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, servername: host, headers: { host }, ca }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function tcpRoundTrip(port: number, message: string, tlsServerName?: string, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      resolve(String(d));
      sock.destroy();
    };
    const sock = tlsServerName
      ? tls.connect({ host: '127.0.0.1', port, servername: tlsServerName, ca }, () => sock.write(message))
      : net.connect({ host: '127.0.0.1', port }, () => sock.write(message));
    sock.on('data', onData);
    sock.on('error', reject);
    setTimeout(() => reject(new Error('timeout')), 10000).unref();
  });
}

/** A port offset (10000–15000, so that 50051 + offset stays a port) with every listener port free. */
async function freeOffset(ports: number[]): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 10000 + Math.floor(Math.random() * 5000);
    if ((await Promise.all(ports.map((p) => free(p + offset)))).every(Boolean)) return offset;
  }
  throw new Error('no free port offset');
}

describeNginx('examples served by real nginx', () => {
  test('scenario 1 (homelab): HTTP → HTTPS 301, HTTPS per host with HSTS, apps in their namespaces', async () => {
    const objects = synth(load('homelab'));
    const gw = objects.find((o) => o.kind === 'Gateway' && o.metadata.name === 'web-gateway') as any;
    const secrets = gw.spec.listeners
      .filter((l: any) => l.protocol === 'HTTPS')
      .map((l: any) => tlsSecret('gateway', l.tls.certificateRefs[0].name, l.hostname ? [l.hostname] : ['photos.example.com', 'wiki.example.com', 'nas.example.com']));
    const echoes: EchoServer[] = [];
    const backends: Record<string, string> = {};
    for (const key of backendKeys(objects)) {
      // (the NAS is routed too, but not requested here: its BackendTLSPolicy verification is covered by
      // the BackendTLSPolicy conformance cases)
      const e = await startEcho(key.split('/')[1].split(':')[0]);
      echoes.push(e);
      backends[key] = e.address;
    }
    const offset = await freeOffset([80, 443, 8081]);
    const [rendered] = compileNginx([...objects, ...secrets.map((s: any) => s.secret)], { backends, listenHost: '127.0.0.1', portOffset: offset, embedSecrets: true, assumeExternal: true });
    expect(rendered.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    let nginx: RunningNginx | undefined;
    try {
      nginx = await startNginx(rendered.files, 80 + offset);
      const r = await request(80 + offset, '/2024/hello?x=1', { host: 'www.example.com' });
      expect(r.status).toBe(301);
      expect(r.headers.location).toBe('https://www.example.com/2024/hello?x=1');
      const ca = secrets.map((s: any) => s.cert).join('\n');
      for (const [host, app] of [['www.example.com', 'blog'], ['photos.example.com', 'photos'], ['wiki.example.com', 'wiki']]) {
        const res = await httpsGet(443 + offset, host, '/index.html', ca);
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toMatchObject({ name: app, path: '/index.html', host });
        expect(res.headers['strict-transport-security']).toBe('max-age=63072000');
      }
      // a host no listener serves is rejected in the TLS handshake
      await expect(httpsGet(443 + offset, 'unknown.example.org', '/', ca)).rejects.toThrow();
    } finally {
      await nginx?.stop();
      for (const e of echoes) await e.close();
    }
  });

  test('scenario 4 (mixed protocols): /mario and /tetris rewritten to /, TLS passthrough, MySQL over TCP', async () => {
    const objects = synth(load('mixed-protocols'));
    const wildcard = tlsSecret('infra', 'wildcard-tls', ['*.example.com']);
    const passthroughCert = selfSigned(['tls.example.com'])!;
    const echoes: EchoServer[] = [];
    const backends: Record<string, string> = {};
    for (const key of backendKeys(objects)) {
      const svc = key.split('/')[1].split(':')[0];
      const e = svc === 'mysql-db' ? await startTcpEcho('mysql') : svc === 'secure-svc' ? await startTcpEcho('secure', passthroughCert) : await startEcho(svc);
      echoes.push(e);
      backends[key] = e.address;
    }
    const offset = await freeOffset([80, 443, 3306, 50051, 8081]);
    const [rendered] = compileNginx([...objects, wildcard.secret], { backends, listenHost: '127.0.0.1', portOffset: offset, embedSecrets: true, assumeExternal: true });
    expect(rendered.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    let nginx: RunningNginx | undefined;
    try {
      nginx = await startNginx(rendered.files, 3306 + offset);
      for (const game of ['mario', 'tetris']) {
        const res = await httpsGet(443 + offset, 'game.example.com', `/${game}/level/1?lives=3`, wildcard.cert);
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toMatchObject({ name: game, path: '/level/1?lives=3' });
      }
      const www = await httpsGet(443 + offset, 'www.example.com', '/', wildcard.cert);
      expect(JSON.parse(www.body)).toMatchObject({ name: 'web', path: '/' });
      // TLS passthrough: the backend terminates TLS with its own certificate
      expect(await tcpRoundTrip(443 + offset, 'ping', 'tls.example.com', passthroughCert.cert)).toBe('secure:ping');
      // MySQL port: plain TCP to the database
      expect(await tcpRoundTrip(3306 + offset, 'SELECT 1')).toBe('mysql:SELECT 1');
      const redirect = await request(80 + offset, '/mario', { host: 'game.example.com' });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe('https://game.example.com/mario');
    } finally {
      await nginx?.stop();
      for (const e of echoes) await e.close();
    }
  });
});
