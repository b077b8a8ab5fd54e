/**
 * ingress-nginx's body size, body buffer and source-range annotations through import → check →
 * render → nginx, answering what ingress-nginx answers (its annotation parsers and nginx template:
 * `client_max_body_size` per location with the ConfigMap default 1m, `client_body_buffer_size`,
 * `deny` entries, then `allow` entries and `deny all`; redirects return before the access phase,
 * the body limit is checked when nginx picks the location, before them).
 */
import { send } from '../harness/body-client';
import { describeNginx } from '../harness/nginx';
import { importAndServe, Served } from './helpers';

const KI = 1024;
const MI = 1024 * 1024;

const ing = (name: string, annotations: Record<string, string>, tls = false) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: web
  annotations:
${Object.entries(annotations).map(([k, v]) => `    nginx.ingress.kubernetes.io/${k}: ${JSON.stringify(v)}`).join('\n') || '    {}'}
spec:
  ingressClassName: nginx
${tls ? `  tls:\n    - hosts: [${name}.test]\n      secretName: ${name}-tls\n` : ''}  rules:
    - host: ${name}.test
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: app
                port:
                  number: 80
`;

const INGRESSES = [
  ing('sized', { 'proxy-body-size': '8k' }),
  ing('default', {}),
  ing('unlimited', { 'proxy-body-size': '0' }),
  ing('buffered', { 'client-body-buffer-size': '1k', 'proxy-body-size': '1m' }),
  ing('allowed', { 'whitelist-source-range': '127.0.0.3/32, 10.0.0.0/8' }),
  ing('denied', { 'denylist-source-range': '127.0.0.2' }),
  ing('both', { 'allowlist-source-range': '127.0.0.0/24', 'denylist-source-range': '127.0.0.2/32' }),
  ing('masked', { 'whitelist-source-range': '127.0.0.3/8' }),
  ing('broken', { 'whitelist-source-range': '127.0.0.3,,' }),
  ing('secure', { 'proxy-body-size': '1k', 'whitelist-source-range': '127.0.0.3' }, true),
];
const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: app
  namespace: web
spec:
  ports:
    - port: 80
`;

describeNginx('import: body size, body buffer and source ranges on nginx', () => {
  let s: Served;
  let port: number;
  beforeAll(async () => {
    s = await importAndServe({ 'ingresses.yaml': INGRESSES.join('---\n'), 'services.yaml': SERVICE }, ['web/app:80'], { ports: [80, 443] });
    port = 80 + s.offset;
  }, 60000);
  afterAll(async () => s?.stop());

  test('the report: each annotation once, the default body limit stated, the unreadable list approximated', () => {
    const items = s.report.items.filter((i) => /proxy-body-size|client-body-buffer-size|source-range/.test(i.annotation));
    expect(items.map((i) => `${i.ingress} ${i.annotation.replace('nginx.ingress.kubernetes.io/', '')} ${i.result}`)).toEqual([
      'web/allowed proxy-body-size converted',
      'web/allowed whitelist-source-range converted',
      'web/both allowlist-source-range converted',
      'web/both denylist-source-range converted',
      'web/both proxy-body-size converted',
      'web/broken proxy-body-size converted',
      'web/broken whitelist-source-range approximated',
      'web/buffered client-body-buffer-size converted',
      'web/buffered proxy-body-size converted',
      'web/default proxy-body-size converted',
      'web/denied denylist-source-range converted',
      'web/denied proxy-body-size converted',
      'web/masked proxy-body-size converted',
      'web/masked whitelist-source-range converted',
      'web/secure proxy-body-size converted',
      'web/secure whitelist-source-range converted',
      'web/sized proxy-body-size converted',
      'web/unlimited proxy-body-size converted',
    ]);
    expect(items.find((i) => i.ingress === 'web/default')!.detail).toMatch(/^not set: ingress-nginx applied its ConfigMap default \(1m\)/);
    expect(items.find((i) => i.ingress === 'web/masked' && /source/.test(i.annotation))!.detail).toMatch(/127\.0\.0\.3\/8 is the network 127\.0\.0\.0\/8/);
    expect(s.importCode).toBe(1); // the approximation
  });

  test('proxy-body-size 8k: 413 above 8 KiB, 200 at it (Content-Length and chunked)', async () => {
    for (const chunked of [false, true]) {
      expect([chunked, await send(port, 'sized.test', '/u', { size: 8 * KI, chunked })]).toEqual([chunked, expect.objectContaining({ status: 200, bodyLength: 8 * KI })]);
      expect([chunked, (await send(port, 'sized.test', '/u', { size: 8 * KI + 1, chunked })).status]).toEqual([chunked, 413]);
    }
  });

  test('no annotation: ingress-nginx\'s default 1m — 413 above 1 MiB; proxy-body-size 0: no limit', async () => {
    for (const chunked of [false, true]) {
      expect((await send(port, 'default.test', '/u', { size: MI, chunked })).status).toBe(200);
      expect((await send(port, 'default.test', '/u', { size: MI + 1, chunked })).status).toBe(413);
      expect(await send(port, 'unlimited.test', '/u', { size: 3 * MI, chunked })).toEqual(expect.objectContaining({ status: 200, bodyLength: 3 * MI }));
    }
  }, 30000);

  test('client-body-buffer-size 1k: a larger body is buffered to a file and reaches the backend whole', async () => {
    expect(await send(port, 'buffered.test', '/u', { size: 64 * KI })).toEqual(expect.objectContaining({ status: 200, bodyLength: 64 * KI }));
    expect((await send(port, 'buffered.test', '/u', { size: MI + 1 })).status).toBe(413);
  });

  test('source ranges: 403 from refused addresses, 200 from allowed ones (deny before allow)', async () => {
    const cases: [string, string, number][] = [
      ['allowed', '127.0.0.2', 403],
      ['allowed', '127.0.0.3', 200],
      ['denied', '127.0.0.2', 403],
      ['denied', '127.0.0.3', 200],
      ['both', '127.0.0.2', 403],
      ['both', '127.0.0.3', 200],
      ['both', '127.0.0.1', 200],
      ['masked', '127.0.0.2', 200], // ingress-nginx read 127.0.0.3/8 as 127.0.0.0/8
      // ingress-nginx denied the location (503) for a list it could not read; here every client gets 403
      ['broken', '127.0.0.3', 403],
      ['broken', '127.0.0.2', 403],
    ];
    for (const [host, from, status] of cases) {
      const r = await send(port, `${host}.test`, '/x', { from });
      expect([host, from, r.status]).toEqual([host, from, status]);
    }
  });

  test('a TLS host: the body limit answers 413 before the HTTPS redirect, the redirect comes before the source check (as in ingress-nginx)', async () => {
    expect((await send(port, 'secure.test', '/x', { size: 2 * KI })).status).toBe(413);
    const redirect = await send(port, 'secure.test', '/x', { from: '127.0.0.2' });
    expect(redirect).toEqual(expect.objectContaining({ status: 308, location: 'https://secure.test/x' }));
  });
});
