/**
 * HTTPS (SNI, certificates, 421 misdirected requests, HTTP/2), TLS passthrough next to HTTPS on one
 * port, TCP and UDP through the rendered nginx, against local echo servers.
 */
import * as dgram from 'dgram';
import * as http2 from 'http2';
import * as https from 'https';
import * as net from 'net';
import * as tls from 'tls';
import { compileNginx, RenderedGateway } from '../../src/render/nginx';
import { gateway, gatewayClass, httpRoute, service, tlsSecret, to } from './fixtures';
import { EchoServer, startEcho, startTcpEcho } from '../harness/echo';
import { describeNginx, freeOffset, RunningNginx, startNginx } from '../harness/nginx';
import { selfSigned } from '../harness/openssl';

const cert = selfSigned(['example.org', 'second.example.org', '*.example.com', 'web.example.com', 'pt.example.com', 'term.example.com']);
const d = cert ? describeNginx : describe.skip;

function httpsGet(port: number, sni: string, host: string, p = '/'): Promise<{ status: number; body: string; name?: string; path?: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: p, servername: sni, headers: { host }, ca: cert!.cert, agent: false }, (res) => {
      let body = '';
      res.on('data', (x) => (body += String(x)));
      res.on('end', () => {
        let j: { name?: string; path?: string } = {};
        try {
          j = JSON.parse(body);
        } catch {
          /* not echo */
        }
        resolve({ status: res.statusCode ?? 0, body, name: j.name, path: j.path });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function tlsEcho(port: number, sni: string, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: sni, ca: cert!.cert }, () => s.write(payload));
    s.once('data', (x) => {
      s.destroy();
      resolve(String(x));
    });
    s.on('error', reject);
  });
}

function tcpEcho(port: number, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(payload));
    s.once('data', (x) => {
      s.destroy();
      resolve(String(x));
    });
    s.on('error', reject);
  });
}

d('TLS and stream traffic through the rendered nginx', () => {
  let echoes: EchoServer[] = [];
  let nginx: RunningNginx;
  let offset: number;
  let rendered: RenderedGateway;
  let udpServer: dgram.Socket;

  beforeAll(async () => {
    const a = await startEcho('a');
    const b = await startEcho('b');
    const c = await startEcho('c');
    const pt = await startTcpEcho('pt', cert!);
    const tcp = await startTcpEcho('tcp');
    echoes = [a, b, c, pt, tcp];
    udpServer = dgram.createSocket('udp4');
    udpServer.on('message', (m, r) => udpServer.send(`udp:${String(m)}`, r.port, r.address));
    await new Promise<void>((r) => udpServer.bind(0, '127.0.0.1', () => r()));
    const udpPort = udpServer.address().port;
    offset = await freeOffset([443, 8443, 9443, 9000, 9053, 8081]);
    const objects = [
      gatewayClass(),
      tlsSecret('cert', cert!.cert, cert!.key),
      gateway('gw', [
        { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } },
        { name: 'https-second', port: 443, protocol: 'HTTPS', hostname: 'second.example.org', tls: { certificateRefs: [{ name: 'cert' }] } },
        { name: 'web', port: 8443, protocol: 'HTTPS', hostname: 'web.example.com', tls: { certificateRefs: [{ name: 'cert' }] } },
        { name: 'pt', port: 8443, protocol: 'TLS', hostname: 'pt.example.com', tls: { mode: 'Passthrough' } },
        { name: 'tcp', port: 9000, protocol: 'TCP' },
        { name: 'udp', port: 9053, protocol: 'UDP' },
        { name: 'term', port: 9443, protocol: 'TLS', hostname: 'term.example.com', tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert' }] } },
      ]),
      ...['a', 'b', 'c'].map((n) => service(n)),
      service('pt', [443]),
      service('tcp', [3000]),
      service('dns', [53]),
      httpRoute('any', { parentRefs: [{ name: 'gw', sectionName: 'https' }], hostnames: ['example.org'], rules: [{ backendRefs: [to('a')] }] }),
      httpRoute('second', { parentRefs: [{ name: 'gw', sectionName: 'https-second' }], rules: [{ backendRefs: [to('b')] }] }),
      httpRoute('web', { parentRefs: [{ name: 'gw', sectionName: 'web' }], rules: [{ backendRefs: [to('c')] }] }),
      { ...httpRoute('pt', { parentRefs: [{ name: 'gw', sectionName: 'pt' }], hostnames: ['pt.example.com'], rules: [{ backendRefs: [to('pt', 443)] }] }), kind: 'TLSRoute' },
      { ...httpRoute('tcp', { parentRefs: [{ name: 'gw', sectionName: 'tcp' }], rules: [{ backendRefs: [to('tcp', 3000)] }] }), kind: 'TCPRoute' },
      { ...httpRoute('term', { parentRefs: [{ name: 'gw', sectionName: 'term' }], rules: [{ backendRefs: [to('tcp', 3000)] }] }), kind: 'TLSRoute' },
      { ...httpRoute('udp', { parentRefs: [{ name: 'gw', sectionName: 'udp' }], rules: [{ backendRefs: [to('dns', 53)] }] }), kind: 'UDPRoute' },
    ];
    const backends = {
      'default/a:8080': a.address,
      'default/b:8080': b.address,
      'default/c:8080': c.address,
      'default/pt:443': pt.address,
      'default/tcp:3000': tcp.address,
      'default/dns:53': `127.0.0.1:${udpPort}`,
    };
    [rendered] = compileNginx(objects, { backends, listenHost: '127.0.0.1', portOffset: offset, embedSecrets: true });
    nginx = await startNginx(rendered.files, 9000 + offset);
  });

  afterAll(async () => {
    await nginx?.stop();
    for (const e of echoes) await e.close();
    udpServer?.close();
  });

  test('renders without diagnostics, certificates embedded', () => {
    expect(rendered.diagnostics).toEqual([]);
    expect(Object.keys(rendered.files).sort()).toEqual(['nginx.conf', 'secrets/default/cert/tls.crt', 'secrets/default/cert/tls.key']);
    expect(rendered.files['nginx.conf']).toContain('ssl_protocols TLSv1.2 TLSv1.3;');
  });

  test('HTTPS: SNI and Host of the same listener are served', async () => {
    expect((await httpsGet(443 + offset, 'example.org', 'example.org')).name).toBe('a');
    expect((await httpsGet(443 + offset, 'second.example.org', 'second.example.org')).name).toBe('b');
  });

  test('HTTPS: Host owned by another listener than the SNI → 421', async () => {
    expect((await httpsGet(443 + offset, 'example.org', 'second.example.org')).status).toBe(421);
    expect((await httpsGet(443 + offset, 'second.example.org', 'example.org')).status).toBe(421);
    expect((await httpsGet(443 + offset, 'second.example.org', 'unknown.example.org')).status).toBe(421);
    expect((await httpsGet(443 + offset, 'example.org', 'unknown.example.org')).status).toBe(404);
  });

  test('HTTPS: HTTP/2 is negotiated', async () => {
    const client = http2.connect(`https://127.0.0.1:${443 + offset}`, { servername: 'example.org', ca: cert!.cert });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = client.request({ ':path': '/h2', ':authority': 'example.org' });
        let b = '';
        req.on('data', (x) => (b += String(x)));
        req.on('end', () => resolve(b));
        req.on('error', reject);
        req.end();
      });
      const j = JSON.parse(body);
      expect([j.name, j.path, j.host]).toEqual(['a', '/h2', 'example.org']);
    } finally {
      client.close();
    }
  });

  test('TLS passthrough and HTTPS share a port (SNI decides)', async () => {
    expect(await tlsEcho(8443 + offset, 'pt.example.com', 'hello')).toBe('pt:hello');
    expect((await httpsGet(8443 + offset, 'web.example.com', 'web.example.com', '/w')).name).toBe('c');
    await expect(tlsEcho(8443 + offset, 'nobody.example.com', 'x')).rejects.toThrow();
  });

  test('TLS terminate: nginx terminates, the backend gets plain TCP', async () => {
    expect(await tlsEcho(9443 + offset, 'term.example.com', 'clear')).toBe('tcp:clear');
    await expect(tlsEcho(9443 + offset, 'other.example.com', 'x')).rejects.toThrow();
  });

  test('TCP and UDP', async () => {
    expect(await tcpEcho(9000 + offset, 'ping')).toBe('tcp:ping');
    const reply = await new Promise<string>((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      const t = setTimeout(() => {
        s.close();
        reject(new Error('udp timeout'));
      }, 3000);
      s.on('message', (m) => {
        clearTimeout(t);
        s.close();
        resolve(String(m));
      });
      s.send('dns?', 9053 + offset, '127.0.0.1');
    });
    expect(reply).toBe('udp:dns?');
  });
});

const clientCert = cert ? selfSigned(['client.example']) : undefined;

d('frontend client certificate validation', () => {
  let echo: EchoServer;
  let nginx: RunningNginx;
  let offset: number;

  const call = (port: number, withCert: boolean) =>
    new Promise<number>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port, path: '/', servername: 'example.org', headers: { host: 'example.org' }, ca: cert!.cert, agent: false, ...(withCert ? { cert: clientCert!.cert, key: clientCert!.key } : {}) },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    echo = await startEcho('a');
    offset = await freeOffset([443, 8443, 8081]);
    const objects = [
      gatewayClass(),
      tlsSecret('cert', cert!.cert, cert!.key),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'client-ca', namespace: 'default' }, data: { 'ca.crt': clientCert!.cert } },
      gateway(
        'gw',
        [
          { name: 'strict', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } },
          { name: 'fallback', port: 8443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } },
        ],
        {
          tls: {
            frontend: {
              default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] } },
              perPort: [{ port: 8443, tls: { validation: { mode: 'AllowInsecureFallback', caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'client-ca' }] } } }],
            },
          },
        },
      ),
      service('a'),
      httpRoute('r', { rules: [{ backendRefs: [to('a')] }] }),
    ];
    const [g] = compileNginx(objects, { backends: { 'default/a:8080': echo.address }, listenHost: '127.0.0.1', portOffset: offset, embedSecrets: true });
    expect(g.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
    nginx = await startNginx(g.files, 443 + offset);
  });

  afterAll(async () => {
    await nginx?.stop();
    await echo?.close();
  });

  test('AllowValidOnly: with a valid certificate served, without one the connection fails', async () => {
    expect(await call(443 + offset, true)).toBe(200);
    await expect(call(443 + offset, false)).rejects.toThrow();
  });

  test('AllowInsecureFallback: served with or without a certificate', async () => {
    expect(await call(8443 + offset, true)).toBe(200);
    expect(await call(8443 + offset, false)).toBe(200);
  });
});
