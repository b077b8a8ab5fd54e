/**
 * Unit tests of the second import slice (convert only): CORS, backend TLS, canary by cookie /
 * header pattern, custom-headers, ssl-passthrough, connection-proxy-header, proxy-redirect.
 * Behaviour on nginx: behaviour-annotations.test.ts.
 */
import * as YAML from 'yaml';
import { convert, CONVERTED_ANNOTATIONS, cookieRegex, parseImportInput, ReportItem } from '../../src/import';
import { KubeObject } from '../../src/model';
import { cli, tempTree } from '../cli/helpers';
import { selfSigned } from '../harness/openssl';

const A = 'nginx.ingress.kubernetes.io/';
const objects = (yaml: string) => YAML.parseAllDocuments(yaml).map((d) => d.toJSON() as KubeObject).filter((o) => o).map((object) => ({ object, source: { file: 'in.yaml', line: 1 } }));
const run = (yaml: string) => {
  const p = parseImportInput(objects(yaml), 'default');
  expect(p.errors).toEqual([]);
  return convert(p.input);
};
const ingress = (name: string, annotations: Record<string, string>, opts: { host?: string; svc?: string; port?: number; path?: string; tls?: boolean; created?: string } = {}) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: app
${opts.created ? `  creationTimestamp: "${opts.created}"\n` : ''}  annotations: ${JSON.stringify(Object.fromEntries(Object.entries(annotations).map(([k, v]) => [A + k, v])))}
spec:
${opts.tls ? `  tls: [{ hosts: [${opts.host ?? 'a.test'}], secretName: a-tls }]\n` : ''}  rules:
    - host: ${opts.host ?? 'a.test'}
      http:
        paths:
          - path: ${opts.path ?? '/'}
            pathType: Prefix
            backend: { service: { name: ${opts.svc ?? 'web'}, port: { number: ${opts.port ?? 80} } } }
---
`;
const item = (items: ReportItem[], ing: string, annotation: string) => {
  const found = items.filter((i) => i.ingress === `app/${ing}` && i.annotation === A + annotation);
  expect(found).toHaveLength(1);
  return found[0];
};
const kind = (objs: KubeObject[], k: string) => objs.filter((o) => o.kind === k) as any[];

describe('CORS', () => {
  test('enable-cors alone: ingress-nginx\'s defaults as a CORS filter, approximated with the differences', () => {
    const r = run(ingress('a', { 'enable-cors': 'true' }));
    expect(kind(r.objects, 'HTTPRoute')[0].spec.rules[0].filters).toEqual([
      {
        type: 'CORS',
        cors: {
          allowOrigins: ['*'],
          allowCredentials: true,
          allowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'],
          allowHeaders: ['DNT', 'Keep-Alive', 'User-Agent', 'X-Requested-With', 'If-Modified-Since', 'Cache-Control', 'Content-Type', 'Range', 'Authorization'],
          maxAge: 1728000,
        },
      },
    ]);
    expect(item(r.report, 'a', 'enable-cors')).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/echoes the request's Origin instead of "\*".*preflight answers only/) });
  });

  test('origins: entries without a scheme skipped as ingress-nginx does, * wins, methods Gateway API does not list are dropped (approximated)', () => {
    const r = run(ingress('a', { 'enable-cors': 'true', 'cors-allow-origin': 'https://a.test,b.test,https://*.b.test:8443', 'cors-allow-methods': 'GET, PURGE', 'cors-allow-credentials': 'false', 'cors-max-age': '0' }));
    const cors = kind(r.objects, 'HTTPRoute')[0].spec.rules[0].filters[0].cors;
    expect(cors).toEqual({ allowOrigins: ['https://a.test', 'https://*.b.test:8443'], allowMethods: ['GET'], allowHeaders: expect.any(Array), maxAge: 1 });
    expect(item(r.report, 'a', 'cors-allow-origin')).toMatchObject({ result: 'converted', detail: expect.stringMatching(/As ingress-nginx: "b.test" fails ingress-nginx's validation/) });
    expect(item(r.report, 'a', 'cors-allow-methods')).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/PURGE is not a method Gateway API lists/) });
    expect(item(r.report, 'a', 'cors-allow-credentials').result).toBe('converted');
    expect(item(r.report, 'a', 'cors-max-age')).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/Max-Age: 0/) });
    const star = run(ingress('a', { 'enable-cors': 'true', 'cors-allow-origin': 'https://a.test,*' }));
    expect(kind(star.objects, 'HTTPRoute')[0].spec.rules[0].filters[0].cors.allowOrigins).toEqual(['*']);
    // a space after the comma fails ingress-nginx's annotation validation: "*"
    const spaced = run(ingress('a', { 'enable-cors': 'true', 'cors-allow-origin': 'https://a.test, https://b.test' }));
    expect(kind(spaced.objects, 'HTTPRoute')[0].spec.rules[0].filters[0].cors.allowOrigins).toEqual(['*']);
    expect(item(spaced.report, 'a', 'cors-allow-origin')).toMatchObject({ result: 'converted', detail: expect.stringMatching(/fails ingress-nginx's annotation validation.*used "\*"/) });
    // no valid origin left: ingress-nginx sent no CORS headers, no filter
    const none = run(ingress('a', { 'enable-cors': 'true', 'cors-allow-origin': 'a.test' }));
    expect(kind(none.objects, 'HTTPRoute')[0].spec.rules[0].filters).toBeUndefined();
    expect(item(none.report, 'a', 'enable-cors').detail).toMatch(/sent no CORS headers at all/);
  });

  test('without enable-cors the cors-* annotations have no effect (as in ingress-nginx): no filter', () => {
    const r = run(ingress('a', { 'enable-cors': 'false', 'cors-allow-origin': 'https://a.test' }));
    expect(kind(r.objects, 'HTTPRoute')[0].spec.rules[0].filters).toBeUndefined();
    expect(item(r.report, 'a', 'cors-allow-origin')).toMatchObject({ result: 'converted', detail: expect.stringMatching(/no effect/) });
  });
});

describe('backend TLS', () => {
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const secret = (name: string, ns: string, data: Record<string, string>) => `apiVersion: v1\nkind: Secret\nmetadata: { name: ${name}, namespace: ${ns} }\ndata: ${JSON.stringify(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])))}\n---\n`;

  test('proxy-ssl-secret in the input: its ca.crt becomes a ConfigMap the policy names; all set: converted', () => {
    const r = run(ingress('a', { 'backend-protocol': 'HTTPS', 'proxy-ssl-secret': 'app/ca', 'proxy-ssl-verify': 'on', 'proxy-ssl-name': 'API.internal', 'proxy-ssl-server-name': 'on', 'proxy-ssl-ciphers': 'DEFAULT', 'proxy-ssl-protocols': 'TLSv1.3 TLSv1.2' }, { port: 443 }) + secret('ca', 'app', { 'ca.crt': ca }));
    expect(kind(r.objects, 'BackendTLSPolicy')).toEqual([
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'BackendTLSPolicy', metadata: { name: 'web-backend-tls', namespace: 'app' }, spec: { targetRefs: [{ group: '', kind: 'Service', name: 'web' }], validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca-ca' }], hostname: 'api.internal' } } },
    ]);
    expect(kind(r.objects, 'ConfigMap')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca-ca', namespace: 'app' }, data: { 'ca.crt': ca } }]);
    for (const a of ['backend-protocol', 'proxy-ssl-secret', 'proxy-ssl-verify', 'proxy-ssl-name', 'proxy-ssl-server-name', 'proxy-ssl-ciphers', 'proxy-ssl-protocols']) expect([a, item(r.report, 'a', a).result]).toEqual([a, 'converted']);
    // the output order: routes, policies, CA ConfigMaps, Services, Secrets
    expect(r.objects.map((o) => o.kind)).toEqual(['GatewayClass', 'Gateway', 'HTTPRoute', 'BackendTLSPolicy', 'ConfigMap', 'Secret']);
  });

  test('HTTPS alone: a policy on the system CAs and the Service\'s DNS name, approximated (ingress-nginx did not verify)', () => {
    const r = run(ingress('a', { 'backend-protocol': 'https', 'proxy-ssl-name': 'x.test', 'proxy-ssl-verify-depth': '3' }));
    expect(kind(r.objects, 'BackendTLSPolicy')[0].spec.validation).toEqual({ hostname: 'web.app.svc', wellKnownCACertificates: 'System' });
    expect(item(r.report, 'a', 'backend-protocol')).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/did not verify.*now answers 502.*sent as SNI/) });
    expect(item(r.report, 'a', 'proxy-ssl-name')).toMatchObject({ result: 'converted', detail: expect.stringMatching(/no effect without a usable proxy-ssl-secret/) });
    expect(item(r.report, 'a', 'proxy-ssl-verify-depth').detail).toMatch(/no effect/);
  });

  test('a missing Secret, a Secret with a client certificate, another namespace, unsupported ciphers / protocols, verify off', () => {
    const missing = run(ingress('a', { 'backend-protocol': 'HTTPS', 'proxy-ssl-secret': 'app/nope' }));
    expect(item(missing.report, 'a', 'proxy-ssl-secret')).toMatchObject({ result: 'unsupported', detail: expect.stringMatching(/not in the input.*system CAs.*add the Secret's YAML/) });
    expect(kind(missing.objects, 'BackendTLSPolicy')[0].spec.validation.wellKnownCACertificates).toBe('System');
    const crt = '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n';
    const keyPem = '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n';
    const client = run(ingress('a', { 'backend-protocol': 'HTTPS', 'proxy-ssl-secret': 'other/ca', 'proxy-ssl-verify': 'off', 'proxy-ssl-ciphers': 'HIGH', 'proxy-ssl-protocols': 'TLSv1 TLSv1.2', 'proxy-ssl-server-name': 'off' }) + secret('ca', 'other', { 'ca.crt': ca, 'tls.crt': crt, 'tls.key': keyPem }));
    expect(item(client.report, 'a', 'proxy-ssl-secret')).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/client certificate ingress-nginx presented, become the Gateway's spec.tls.backend.clientCertificateRef \(Secret other\/ca-client-tls, a kubernetes.io\/tls copy.*Difference: the Secret is in other, not the Ingress's namespace/) });
    expect(kind(client.objects, 'ConfigMap')[0].metadata).toEqual({ name: 'ca-ca', namespace: 'app' });
    // the one client certificate: the Gateway's, through a kubernetes.io/tls copy and a ReferenceGrant
    expect(kind(client.objects, 'Gateway')[0].spec.tls).toEqual({ backend: { clientCertificateRef: { name: 'ca-client-tls', namespace: 'other' } } });
    expect(kind(client.objects, 'ReferenceGrant')[0]).toMatchObject({ metadata: { namespace: 'other' }, spec: { to: [{ group: '', kind: 'Secret', name: 'ca-client-tls' }] } });
    expect(kind(client.objects, 'Secret').map((x) => [x.metadata.name, x.type ?? '', Buffer.from(x.data['tls.key'], 'base64').toString()])).toEqual([['ca', '', keyPem], ['ca-client-tls', 'kubernetes.io/tls', keyPem]]);
    // two different client certificates: none is presented (one per Gateway), reported
    const two = run(ingress('a', { 'backend-protocol': 'HTTPS', 'proxy-ssl-secret': 'app/c1' }) + ingress('b', { 'backend-protocol': 'HTTPS', 'proxy-ssl-secret': 'app/c2' }, { host: 'b.test', svc: 'other' }) + secret('c1', 'app', { 'ca.crt': ca, 'tls.crt': crt, 'tls.key': keyPem }) + secret('c2', 'app', { 'ca.crt': ca, 'tls.crt': crt, 'tls.key': keyPem }));
    expect(kind(two.objects, 'Gateway')[0].spec.tls).toBeUndefined();
    expect(item(two.report, 'b', 'proxy-ssl-secret')).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/the Ingresses name 2 \(app\/c1, app\/c2\): not presented/) });
    expect(item(client.report, 'a', 'proxy-ssl-ciphers')).toMatchObject({ result: 'unsupported', detail: expect.stringMatching(/no field for the ciphers/) });
    expect(item(client.report, 'a', 'proxy-ssl-protocols').result).toBe('unsupported');
    expect(item(client.report, 'a', 'proxy-ssl-verify').result).toBe('approximated');
    expect(item(client.report, 'a', 'proxy-ssl-server-name').result).toBe('approximated');
  });

  test('two Ingresses on one Service: the older one\'s policy applies (reported); GRPCS gets a GRPCRoute and the policy', () => {
    const r = run(ingress('old', { 'backend-protocol': 'HTTPS' }, { created: '2024-01-01T00:00:00Z' }) + ingress('new', { 'backend-protocol': 'HTTPS', 'proxy-ssl-secret': 'app/ca' }, { host: 'b.test', created: '2025-01-01T00:00:00Z' }) + secret('ca', 'app', { 'ca.crt': ca }));
    expect(kind(r.objects, 'BackendTLSPolicy')).toHaveLength(1);
    expect(kind(r.objects, 'BackendTLSPolicy')[0].spec.validation.wellKnownCACertificates).toBe('System');
    expect(item(r.report, 'new', 'backend-protocol').detail).toMatch(/policy of app\/old applies/);
    const plain = run(ingress('a', { 'proxy-ssl-secret': 'app/ca', 'proxy-ssl-verify': 'on' }) + secret('ca', 'app', { 'ca.crt': ca }));
    expect(kind(plain.objects, 'BackendTLSPolicy')).toEqual([]);
    expect(item(plain.report, 'a', 'proxy-ssl-secret')).toMatchObject({ result: 'converted', detail: expect.stringMatching(/no effect: backend-protocol is not set/) });
    const g = run(ingress('a', { 'backend-protocol': 'GRPCS' }));
    // GRPCS (test/import/grpc.test.ts has the details): a GRPCRoute, and a policy trusting the system CAs without proxy-ssl-secret
    // two items: TLS to the backend (the policy), and h2c on port 80 for the host without TLS
    expect(g.report.filter((i) => i.annotation.endsWith('/backend-protocol')).map((i) => [i.result, i.detail.slice(0, 26)])).toEqual([['approximated', 'GRPCS, hosts without TLS: '], ['approximated', 'GRPCS: GRPCRoute(s) (HTTP/']]);
    expect(kind(g.objects, 'GRPCRoute')).toHaveLength(1);
    expect(kind(g.objects, 'BackendTLSPolicy').map((o) => o.spec.validation.wellKnownCACertificates)).toEqual(['System']);
  });
});

describe('canary by cookie and header pattern', () => {
  const main = ingress('main', {});
  test('rules in ingress-nginx\'s order: header pattern, cookie always / never, then the weights', () => {
    const r = run(main + ingress('c', { canary: 'true', 'canary-by-header': 'X-Group', 'canary-by-header-pattern': '^beta', 'canary-by-cookie': 'exp', 'canary-weight': '10' }, { svc: 'next' }));
    const rules = kind(r.objects, 'HTTPRoute')[0].spec.rules;
    expect(rules.map((x: any) => [x.matches[0].headers ?? [], x.backendRefs])).toEqual([
      [[{ type: 'RegularExpression', name: 'X-Group', value: '.*(?:^beta).*' }], [{ name: 'next', port: 80 }]],
      [[{ type: 'RegularExpression', name: 'Cookie', value: cookieRegex('exp', 'always') }], [{ name: 'next', port: 80 }]],
      [[{ type: 'RegularExpression', name: 'Cookie', value: cookieRegex('exp', 'never') }], [{ name: 'web', port: 80 }]],
      [[], [{ name: 'web', port: 80, weight: 90 }, { name: 'next', port: 80, weight: 10 }]],
    ]);
    for (const a of ['canary-by-header', 'canary-by-header-pattern', 'canary-by-cookie']) expect([a, item(r.report, 'c', a).result]).toEqual([a, 'converted']);
  });

  test('the cookie regex: the first NAME= decides, the name case-insensitively, spaces around =', () => {
    expect(cookieRegex('a.b', 'always')).toBe('(?:(?! *(?i:a\\.b) *=)[^;,]*[;,])* *(?i:a\\.b) *= *always(?:;.*)?');
  });

  test('header-value wins over the pattern; an invalid pattern is reported; no header: the pattern has no effect', () => {
    const r = run(main + ingress('c', { canary: 'true', 'canary-by-header': 'X-G', 'canary-by-header-value': 'v', 'canary-by-header-pattern': 'x' }, { svc: 'next' }));
    expect(item(r.report, 'c', 'canary-by-header-pattern').detail).toMatch(/canary-by-header-value is set and wins/);
    expect(kind(r.objects, 'HTTPRoute')[0].spec.rules[0].matches[0].headers).toEqual([{ name: 'X-G', value: 'v' }]);
    const bad = run(main + ingress('c', { canary: 'true', 'canary-by-header': 'X-G', 'canary-by-header-pattern': '(?<=a)b' }, { svc: 'next' }));
    expect(item(bad.report, 'c', 'canary-by-header-pattern')).toMatchObject({ result: 'unsupported', detail: expect.stringMatching(/lookbehind|Lookbehind/) });
    const none = run(main + ingress('c', { canary: 'true', 'canary-by-header-pattern': 'x', 'canary-by-cookie': 'bad name' }, { svc: 'next' }));
    expect(item(none.report, 'c', 'canary-by-header-pattern').result).toBe('unsupported');
    expect(item(none.report, 'c', 'canary-by-cookie')).toMatchObject({ result: 'unsupported', detail: expect.stringMatching(/not a cookie name/) });
  });
});

describe('custom-headers', () => {
  const cm = (data: Record<string, string>, name = 'hdrs', ns = 'app') => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, namespace: ${ns} }\ndata: ${JSON.stringify(data)}\n---\n`;
  test('the ConfigMap\'s headers join HSTS in one ResponseHeaderModifier (sorted); variables are dropped (approximated)', () => {
    const r = run(ingress('a', { 'custom-headers': 'app/hdrs' }, { tls: true }) + cm({ 'X-B': '2', 'X-A': '1', 'X-Host': '$host' }));
    const rule = kind(r.objects, 'HTTPRoute').find((x) => x.metadata.name === 'a').spec.rules[0];
    expect(rule.filters).toEqual([{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' }, { name: 'X-A', value: '1' }, { name: 'X-B', value: '2' }] } }]);
    expect(item(r.report, 'a', 'custom-headers')).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/X-Host uses nginx variables/) });
    expect(kind(r.objects, 'ConfigMap')).toEqual([]); // read, not copied
    // only the ConfigMaps an annotation names are read; the CLI counts the others as not read
    const parsed = parseImportInput(objects(ingress('a', { 'custom-headers': 'app/hdrs' }) + cm({ X: '1' }) + cm({ Y: '2' }, 'unrelated')), 'default');
    expect([parsed.input.configMaps.map((c) => c.metadata.name), parsed.input.ignored.map((c) => c.metadata.name)]).toEqual([['hdrs'], ['unrelated']]);
  });
  test('a missing ConfigMap, a bare name and a bad key are reported, nothing is guessed', () => {
    expect(item(run(ingress('a', { 'custom-headers': 'app/none' })).report, 'a', 'custom-headers')).toMatchObject({ result: 'unsupported', detail: expect.stringMatching(/not in the input/) });
    expect(item(run(ingress('a', { 'custom-headers': 'hdrs' }) + cm({ X: '1' })).report, 'a', 'custom-headers').detail).toMatch(/not "namespace\/name"/);
    const bad = run(ingress('a', { 'custom-headers': 'app/hdrs' }) + cm({ 'X Y': '1' }));
    expect(item(bad.report, 'a', 'custom-headers').detail).toMatch(/"X Y", not a header name/);
    expect(kind(bad.objects, 'HTTPRoute')[0].spec.rules[0].filters).toBeUndefined();
  });
});

describe('ssl-passthrough', () => {
  test('a TLS listener (Passthrough) and a TLSRoute to the "/" backend; no HTTPS listener for the host; HTTP redirects', () => {
    const r = run(ingress('a', { 'ssl-passthrough': 'true' }, { tls: true, port: 8443 }));
    const gw = kind(r.objects, 'Gateway')[0];
    expect(gw.spec.listeners).toEqual([
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'tls-a-test', hostname: 'a.test', port: 443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
    ]);
    expect(kind(r.objects, 'TLSRoute')).toEqual([{ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'TLSRoute', metadata: { name: 'a-passthrough', namespace: 'app' }, spec: { parentRefs: [{ name: 'ingress-nginx', sectionName: 'tls-a-test' }], hostnames: ['a.test'], rules: [{ backendRefs: [{ name: 'web', port: 8443 }] }] } }]);
    expect(kind(r.objects, 'HTTPRoute').map((x) => x.metadata.name)).toEqual(['a-ssl-redirect']);
    expect(item(r.report, 'a', 'ssl-passthrough').result).toBe('converted');
  });
  test('only the Ingress owning "/" decides; without "/" nothing is passed through', () => {
    const r = run(ingress('old', {}, { created: '2024-01-01T00:00:00Z' }) + ingress('new', { 'ssl-passthrough': 'true' }, { svc: 'other', created: '2025-01-01T00:00:00Z' }) + ingress('sub', { 'ssl-passthrough': 'true' }, { host: 'b.test', path: '/x' }));
    expect(kind(r.objects, 'TLSRoute')).toEqual([]);
    expect(item(r.report, 'new', 'ssl-passthrough')).toMatchObject({ result: 'unsupported', detail: expect.stringMatching(/belongs to the older Ingress app\/old/) });
    expect(item(r.report, 'sub', 'ssl-passthrough').detail).toMatch(/is missing: ingress-nginx passes through to the backend of "\/" only/);
  });
});

test('connection-proxy-header joins x-forwarded-prefix in one RequestHeaderModifier; proxy-redirect-* are unsupported with the reason; nothing is "not converted yet" here', () => {
  const r = run(ingress('a', { 'connection-proxy-header': 'keep-alive', 'x-forwarded-prefix': '/p', 'proxy-redirect-from': 'http://in/', 'proxy-redirect-to': 'https://out/' }));
  expect(kind(r.objects, 'HTTPRoute')[0].spec.rules[0].filters).toEqual([{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'Connection', value: 'keep-alive' }, { name: 'X-Forwarded-Prefix', value: '/p' }] } }]);
  expect(item(r.report, 'a', 'connection-proxy-header')).toMatchObject({ result: 'approximated', detail: expect.stringMatching(/hop-by-hop/) });
  expect(item(r.report, 'a', 'proxy-redirect-from')).toMatchObject({ result: 'unsupported', detail: expect.stringMatching(/no filter that edits a response header.*Fix:/) });
  expect(item(r.report, 'a', 'connection-proxy-header').detail).not.toMatch(/not converted yet/);
  for (const a of ['client-body-buffer-size', 'denylist-source-range', 'proxy-body-size', 'whitelist-source-range']) expect(CONVERTED_ANNOTATIONS).toContain(a);
});

test('every new annotation at once: check finds no error, and the output is byte-stable across input orders', async () => {
  const pem = selfSigned(['h.test']);
  if (!pem) throw new Error('openssl is needed for the certificates of this test');
  const ca = pem.cert;
  const docs = [
    ingress('cors', { 'enable-cors': 'true', 'cors-allow-origin': 'https://a.test', 'cors-expose-headers': '*' }, { host: 'cors.test' }),
    ingress('tls', { 'backend-protocol': 'HTTPS', 'proxy-ssl-secret': 'app/ca', 'proxy-ssl-name': 'b.internal' }, { host: 'tls.test', svc: 'secure', port: 443 }),
    ingress('main', {}, { host: 'c.test' }),
    ingress('canary', { canary: 'true', 'canary-by-cookie': 'x', 'canary-by-header': 'X-C', 'canary-by-header-pattern': 'a|b' }, { host: 'c.test', svc: 'next' }),
    ingress('pass', { 'ssl-passthrough': 'true' }, { host: 'p.test', svc: 'tcp', port: 443 }),
    ingress('hdr', { 'custom-headers': 'app/h', 'connection-proxy-header': 'close' }, { host: 'h.test', tls: true }),
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: h, namespace: app }\ndata: { X-A: "1" }\n---\n`,
    `apiVersion: v1\nkind: Secret\nmetadata: { name: ca, namespace: app }\nstringData: { ca.crt: ${JSON.stringify(ca)} }\n---\n`,
    `apiVersion: v1\nkind: Secret\nmetadata: { name: a-tls, namespace: app }\ntype: kubernetes.io/tls\nstringData: { tls.crt: ${JSON.stringify(pem.cert)}, tls.key: ${JSON.stringify(pem.key)} }\n---\n`,
    ...['web', 'secure', 'next', 'tcp'].map((n) => `apiVersion: v1\nkind: Service\nmetadata: { name: ${n}, namespace: app }\nspec: { ports: [{ port: ${n === 'secure' || n === 'tcp' ? 443 : 80} }] }\n---\n`),
  ];
  const a = run(docs.join(''));
  const b = run([...docs].reverse().join(''));
  expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  const dir = tempTree({ 'in.yaml': docs.join('') });
  const imp = await cli(['import', 'in.yaml', '--out', 'out'], { cwd: dir });
  expect(imp.code).toBe(1);
  const check = await cli(['check', 'out/gateway-api.yaml', '--format', 'json', '--external-namespace', 'app'], { cwd: dir });
  expect(JSON.parse(check.stdout).diagnostics.filter((d: any) => d.severity !== 'info')).toEqual([]);
}, 60000);
