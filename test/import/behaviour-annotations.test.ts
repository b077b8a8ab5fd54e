/**
 * The second import slice proven on real nginx: backend TLS, CORS, canary by cookie and header
 * pattern, custom-headers, ssl-passthrough and connection-proxy-header. Ingresses as ingress-nginx
 * users write them → import → check → render → nginx → requests, asserting what ingress-nginx
 * answers (from its annotation parsers, nginx template and balancer) and, where import
 * approximates, the documented difference.
 */
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { generateSuiteCerts, opensslAvailable, SuiteCerts } from '../conformance/certs';
import { EchoServer, request, startTcpEcho } from '../harness/echo';
import { describeNginx } from '../harness/nginx';
import { binomialBounds, httpsGet, importAndServe, Served } from './helpers';

const A = 'nginx.ingress.kubernetes.io/';
const ing = (name: string, host: string, annotations: Record<string, string>, svc: string, opts: { port?: number; tls?: boolean } = {}) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: web
  annotations:
${Object.entries(annotations).map(([k, v]) => `    ${A}${k}: ${JSON.stringify(v)}`).join('\n') || '    {}'}
spec:
  ingressClassName: nginx
${opts.tls ? `  tls:\n    - hosts: [${host}]\n      secretName: ${host.replace(/\./g, '-')}-tls\n` : ''}  rules:
    - host: ${host}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ${svc}
                port:
                  number: ${opts.port ?? 80}
`;
const svc = (name: string, port = 80) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: web\nspec:\n  ports:\n    - port: ${port}\n`;
const key = (s: string, port = 80) => `web/${s}:${port}`;
const HTTP = ['stable', 'preview', 'root'];

/** An HTTPS echo: answers JSON with its name, the path, the Host, the SNI and the client certificate's CN it got; `clientCa` requires a client certificate from that CA. */
async function startHttpsEcho(name: string, pem: { cert: string; key: string }, clientCa?: string): Promise<EchoServer> {
  const server = https.createServer({ cert: pem.cert, key: pem.key, ...(clientCa ? { requestCert: true, rejectUnauthorized: true, ca: clientCa } : {}) }, (req, res) => {
    const socket = req.socket as tls.TLSSocket;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, path: req.url, host: req.headers.host, headers: req.headers, sni: socket.servername ?? null, client: clientCa ? String(socket.getPeerCertificate().subject?.CN ?? '') : null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return { name, port, address: `127.0.0.1:${port}`, hits: [], close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** One TLS connection to 127.0.0.1:port with SNI `servername`: the peer certificate's CN and the first answer to `message`. */
function tlsExchange(port: number, servername: string, message: string): Promise<{ cn: string; answer: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cn = String(s.getPeerCertificate().subject?.CN ?? '');
      s.once('data', (d) => {
        resolve({ cn, answer: String(d) });
        s.end();
      });
      s.write(message);
    });
    s.on('error', reject);
    s.setTimeout(10000, () => s.destroy(new Error('timeout')));
  });
}

describeNginx('import: backend TLS, CORS, cookie / pattern canaries, custom-headers, ssl-passthrough, connection-proxy-header on nginx', () => {
  let s: Served;
  let http: number;
  let certs: SuiteCerts;
  const own: EchoServer[] = [];
  beforeAll(async () => {
    if (!opensslAvailable()) throw new Error('openssl is needed for the backend certificates');
    certs = generateSuiteCerts(fs.mkdtempSync(path.join(os.tmpdir(), 'import-annot-certs-')));
    // the TLS backends: one with a certificate for abc.example.com from checksCa, one passthrough
    // the verified backend also requires a client certificate from checksCa (ingress-nginx presented the Secret's tls.crt)
    const secure = await startHttpsEcho(key('secure', 443), certs.checks, certs.checksCa.cert);
    const unverified = await startHttpsEcho(key('legacy', 443), certs.checks);
    const passthru = await startTcpEcho(key('passthru', 443), certs.passthrough);
    own.push(secure, unverified, passthru);
    const b64 = (v: string) => Buffer.from(v).toString('base64');
    const caSecret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: backend-ca\n  namespace: web\ntype: Opaque\ndata:\n  ca.crt: ${b64(certs.checksCa.cert)}\n  tls.crt: ${b64(certs.checksClient.cert)}\n  tls.key: ${b64(certs.checksClient.key)}\n`;
    const headers = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: resp-headers\n  namespace: web\ndata:\n  X-Team: payments\n  X-Frame-Options: DENY\n';
    const ingresses = [
      // CORS with ingress-nginx's defaults, and with every cors-* annotation
      ing('cors', 'cors.test', { 'enable-cors': 'true' }, 'root'),
      ing('cors-list', 'cors2.test', { 'enable-cors': 'true', 'cors-allow-origin': 'https://a.example,https://*.b.example', 'cors-allow-methods': 'GET, POST', 'cors-allow-headers': 'X-Custom', 'cors-allow-credentials': 'false', 'cors-max-age': '600', 'cors-expose-headers': 'X-Exp' }, 'root'),
      // canary by cookie with a weight
      ing('cookie', 'cookie.test', {}, 'stable'),
      ing('cookie-canary', 'cookie.test', { canary: 'true', 'canary-by-cookie': 'beta', 'canary-weight': '25' }, 'preview'),
      // canary by header pattern, then cookie, weight 0
      ing('pattern', 'pattern.test', {}, 'stable'),
      ing('pattern-canary', 'pattern.test', { canary: 'true', 'canary-by-header': 'X-Group', 'canary-by-header-pattern': '^(alpha|beta)', 'canary-by-cookie': 'c' }, 'preview'),
      // canary by header always/never before the cookie
      ing('prec', 'prec.test', {}, 'stable'),
      ing('prec-canary', 'prec.test', { canary: 'true', 'canary-by-header': 'X-C', 'canary-by-cookie': 'c' }, 'preview'),
      // custom-headers
      ing('headers', 'headers.test', { 'custom-headers': 'web/resp-headers' }, 'root'),
      // backend TLS verified with the CA of the Secret (converted), and unverified (approximated)
      ing('tls-backend', 'tlsb.test', { 'backend-protocol': 'HTTPS', 'proxy-ssl-secret': 'web/backend-ca', 'proxy-ssl-verify': 'on', 'proxy-ssl-name': 'abc.example.com', 'proxy-ssl-server-name': 'on' }, 'secure', { port: 443 }),
      ing('tls-legacy', 'legacy.test', { 'backend-protocol': 'HTTPS' }, 'legacy', { port: 443 }),
      // ssl-passthrough next to a terminated HTTPS host on 443
      ing('pass', 'pass.test', { 'ssl-passthrough': 'true' }, 'passthru', { port: 443, tls: true }),
      ing('term', 'term.test', {}, 'root', { tls: true }),
      // connection-proxy-header
      ing('conn', 'conn.test', { 'connection-proxy-header': 'keep-alive' }, 'root'),
    ];
    const files = {
      'ingresses.yaml': ingresses.join('---\n'),
      'services.yaml': [...HTTP.map((n) => svc(n)), svc('secure', 443), svc('legacy', 443), svc('passthru', 443)].join('---\n'),
      // the CA Secret is in the input, so check wants every Secret: the terminated host's too
      'secret.yaml': `${caSecret}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: term-test-tls\n  namespace: web\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${Buffer.from(certs.terminate.cert).toString('base64')}\n  tls.key: ${Buffer.from(certs.terminate.key).toString('base64')}\n`,
      'headers.yaml': headers,
    };
    s = await importAndServe(files, HTTP.map((n) => key(n)), { backends: { [key('secure', 443)]: secure.address, [key('legacy', 443)]: unverified.address, [key('passthru', 443)]: passthru.address } });
    http = 80 + s.offset;
  }, 60000);
  afterAll(async () => {
    await s?.stop();
    for (const e of own) await e.close();
  });
  const get = (host: string, p: string, headers?: Record<string, string>, method?: string) => request(http, p, { host, headers, method });
  const who = async (host: string, p: string, headers?: Record<string, string>) => (await get(host, p, headers)).echo?.name;
  const result = (ingress: string, annotation: string) => s.report.items.find((i) => i.ingress === `web/${ingress}` && i.annotation === A + annotation)?.result;

  test('the report: what is converted and what is approximated', () => {
    expect(s.importCode).toBe(1);
    expect(result('tls-backend', 'backend-protocol')).toBe('converted');
    expect(['proxy-ssl-secret', 'proxy-ssl-verify', 'proxy-ssl-name', 'proxy-ssl-server-name'].map((a) => result('tls-backend', a))).toEqual(['converted', 'converted', 'converted', 'converted']);
    expect(result('tls-legacy', 'backend-protocol')).toBe('approximated');
    expect(result('cors', 'enable-cors')).toBe('approximated');
    expect(result('cookie-canary', 'canary-by-cookie')).toBe('converted');
    expect(result('pattern-canary', 'canary-by-header-pattern')).toBe('converted');
    expect(result('headers', 'custom-headers')).toBe('converted');
    expect(result('pass', 'ssl-passthrough')).toBe('converted');
    expect(result('conn', 'connection-proxy-header')).toBe('approximated');
    expect(s.report.items.filter((i) => /not converted yet/.test(i.detail))).toEqual([]);
  });

  test('CORS defaults: preflight 204 with ingress-nginx\'s lists; simple requests get the origin and credentials', async () => {
    const pre = await get('cors.test', '/api', { origin: 'https://app.example', 'access-control-request-method': 'PUT' }, 'OPTIONS');
    expect(pre.status).toBe(204);
    expect(pre.echo).toBeUndefined();
    expect(pre.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, PUT, POST, DELETE, PATCH, OPTIONS',
      'access-control-allow-headers': 'DNT, Keep-Alive, User-Agent, X-Requested-With, If-Modified-Since, Cache-Control, Content-Type, Range, Authorization',
      'access-control-max-age': '1728000',
    });
    const simple = await get('cors.test', '/api', { origin: 'https://app.example' });
    expect(simple.echo?.name).toBe(key('root'));
    expect(simple.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(simple.headers['access-control-allow-credentials']).toBe('true');
    // the documented differences: no methods on simple answers, no CORS headers without Origin
    expect(simple.headers['access-control-allow-methods']).toBeUndefined();
    expect((await get('cors.test', '/api')).headers['access-control-allow-origin']).toBeUndefined();
  });

  test('CORS lists: allowed and wildcard origins, methods, headers, max age, expose; other origins get nothing', async () => {
    const pre = await get('cors2.test', '/', { origin: 'https://x.b.example', 'access-control-request-method': 'POST' }, 'OPTIONS');
    expect(pre.status).toBe(204);
    expect(pre.headers).toMatchObject({ 'access-control-allow-origin': 'https://x.b.example', 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'X-Custom', 'access-control-max-age': '600' });
    expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
    const simple = await get('cors2.test', '/', { origin: 'https://a.example' });
    expect(simple.headers).toMatchObject({ 'access-control-allow-origin': 'https://a.example', 'access-control-expose-headers': 'X-Exp' });
    const other = await get('cors2.test', '/', { origin: 'https://evil.example' });
    expect(other.echo?.name).toBe(key('root'));
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    // the documented difference: a preflight of another origin is answered here (ingress-nginx proxied it), without CORS headers
    const otherPre = await get('cors2.test', '/', { origin: 'https://evil.example', 'access-control-request-method': 'POST' }, 'OPTIONS');
    expect(otherPre.status).toBe(204);
    expect(otherPre.headers['access-control-allow-origin']).toBeUndefined();
    // ingress-nginx answered any OPTIONS of an allowed origin itself; here one without Access-Control-Request-Method reaches the backend
    expect((await get('cors2.test', '/', { origin: 'https://a.example' }, 'OPTIONS')).echo?.name).toBe(key('root'));
  });

  test('canary-by-cookie: always → canary, never → main, otherwise the weight (25 %)', async () => {
    for (let i = 0; i < 10; i++) {
      expect(await who('cookie.test', '/', { cookie: 'beta=always' })).toBe(key('preview'));
      expect(await who('cookie.test', '/', { cookie: 'session=1; beta=never; x=y' })).toBe(key('stable'));
      expect(await who('cookie.test', '/', { cookie: 'x=1; Beta = always' })).toBe(key('preview'));
      // nginx's $cookie_beta is the first beta= of the header
      expect(await who('cookie.test', '/', { cookie: 'beta=never; beta=always' })).toBe(key('stable'));
    }
    const n = 800;
    let preview = 0;
    for (let i = 0; i < n; i++) if ((await who('cookie.test', `/r${i}`, { cookie: i % 2 ? 'beta=maybe' : 'xbeta=always' })) === key('preview')) preview++;
    const [lo, hi] = binomialBounds(n, 0.25);
    expect(preview).toBeGreaterThanOrEqual(lo);
    expect(preview).toBeLessThanOrEqual(hi);
  }, 120000);

  test('canary-by-header-pattern: a match anywhere in the value → canary; then the cookie; never is not special', async () => {
    expect(await who('pattern.test', '/', { 'x-group': 'alpha' })).toBe(key('preview'));
    expect(await who('pattern.test', '/', { 'x-group': 'beta-testers', cookie: 'c=never' })).toBe(key('preview'));
    expect(await who('pattern.test', '/', { 'x-group': 'gamma' })).toBe(key('stable'));
    expect(await who('pattern.test', '/', { 'x-group': 'xalpha' })).toBe(key('stable'));
    expect(await who('pattern.test', '/', { 'x-group': 'never', cookie: 'c=always' })).toBe(key('preview'));
    expect(await who('pattern.test', '/', { 'x-group': 'gamma', cookie: 'c=never' })).toBe(key('stable'));
    for (let i = 0; i < 20; i++) expect(await who('pattern.test', `/w${i}`)).toBe(key('stable')); // weight 0
  });

  test('canary precedence: the header (always / never) before the cookie', async () => {
    expect(await who('prec.test', '/', { 'x-c': 'never', cookie: 'c=always' })).toBe(key('stable'));
    expect(await who('prec.test', '/', { 'x-c': 'always', cookie: 'c=never' })).toBe(key('preview'));
    expect(await who('prec.test', '/', { 'x-c': 'other', cookie: 'c=always' })).toBe(key('preview'));
    expect(await who('prec.test', '/', { cookie: 'c=never' })).toBe(key('stable'));
  });

  test('custom-headers: the ConfigMap\'s headers on the answers', async () => {
    const r = await get('headers.test', '/x');
    expect(r.echo?.name).toBe(key('root'));
    expect(r.headers).toMatchObject({ 'x-team': 'payments', 'x-frame-options': 'DENY' });
    const missing = await get('headers.test', '/x?status=404');
    expect(missing.status).toBe(404);
    expect(missing.headers['x-team']).toBe('payments');
  });

  test('backend TLS: verified against the Secret\'s CA with SNI, presenting its client certificate; without proxy-ssl-secret the policy verifies against the system CAs (502: the documented difference)', async () => {
    const r = await get('tlsb.test', '/secure?q=1');
    expect(r.status).toBe(200);
    expect(r.echo).toMatchObject({ name: key('secure', 443), path: '/secure?q=1' });
    expect(r.echo as unknown as { sni: string; client: string }).toMatchObject({ sni: 'abc.example.com', client: 'tls-checks-client' });
    const legacy = await get('legacy.test', '/');
    expect(legacy.status).toBe(502);
  });

  test('ssl-passthrough: the backend\'s own certificate and bytes on 443 by SNI; the terminated host next to it still works', async () => {
    const p = await tlsExchange(443 + s.offset, 'pass.test', 'hello');
    expect(p).toEqual({ cn: 'abc.example.com', answer: `${key('passthru', 443)}:hello` });
    const t = await httpsGet(443 + s.offset, 'term.test', '/t');
    expect(t.echo?.name).toBe(key('root'));
    // HTTP for the passed-through host (it has a TLS entry): redirected to HTTPS, as ingress-nginx
    const r = await get('pass.test', '/x');
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe('https://pass.test/x');
  });

  test('connection-proxy-header: the backend gets the Connection value', async () => {
    expect((await get('conn.test', '/')).echo?.headers.connection).toBe('keep-alive');
    expect((await get('cors.test', '/')).echo?.headers.connection).not.toBe('keep-alive');
  });
});
