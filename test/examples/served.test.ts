/**
 * The scenario examples with the built-in proxy, served by real nginx: the same compiler the
 * GatewayProxy runs, on the examples' synthesized objects, with certificates generated here and
 * every backend Service pointed at an echo server on 127.0.0.1.
 */
import { compileNginx } from '../../src';
import { EchoServer, request, startEcho, startTcpEcho } from '../harness/echo';
import { describeNginx, freeOffset, RunningNginx, startNginx } from '../harness/nginx';
import { selfSigned } from '../harness/openssl';
import { synth } from '../util';
import { backendKeys, httpsGet, loadExample, tcpRoundTrip, tlsSecret } from './helpers';

const load = (name: string) => loadExample(name, 'served');

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
