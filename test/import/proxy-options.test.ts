/**
 * import's conversion of ingress-nginx's body size, body buffer and source-range annotations
 * (src/import/proxy-options.ts): the values, the routes that get them, the report items.
 */
import * as YAML from 'yaml';
import { convert, parseImportInput, ReportItem } from '../../src/import';
import { ingressNginxRanges, nginxSizeBytes } from '../../src/import/proxy-options';
import { KubeObject, PROXY_OPTION_ANNOTATIONS as P } from '../../src/model';

const objects = (yaml: string) => YAML.parseAllDocuments(yaml).map((d) => d.toJSON() as KubeObject).filter((o) => o).map((object) => ({ object, source: { file: 'in.yaml', line: 1 } }));
const run = (yaml: string) => {
  const p = parseImportInput(objects(yaml), 'default');
  expect(p.errors).toEqual([]);
  return convert(p.input, {});
};
const N = 'nginx.ingress.kubernetes.io/';
const ingress = (name: string, annotations: Record<string, string>, spec: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: app
  annotations: ${JSON.stringify(Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k.includes('/') ? k : N + k, v])))}
spec:
${spec}
---
`;
const rule = (host: string) => `  rules:
    - host: ${host}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: web, port: { number: 80 } } }
`;
const items = (r: { report: ReportItem[] }, ing: string) => r.report.filter((i) => i.ingress === `app/${ing}` && /body|source-range/.test(i.annotation)).map((i) => [i.annotation.replace(N, ''), i.result, i.detail]);
const annotationsOf = (r: { objects: KubeObject[] }, name: string) => (r.objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === name)!.metadata as any).annotations;

test('nginx sizes and ingress-nginx source lists as ingress-nginx reads them', () => {
  expect([nginxSizeBytes('8m'), nginxSizeBytes('8M'), nginxSizeBytes('512k'), nginxSizeBytes('1g'), nginxSizeBytes('1024'), nginxSizeBytes('0')]).toEqual([8 << 20, 8 << 20, 512 << 10, 1 << 30, 1024, 0]);
  expect([nginxSizeBytes('1g', false), nginxSizeBytes('8mb'), nginxSizeBytes('-1'), nginxSizeBytes('1.5m'), nginxSizeBytes('')]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  expect(ingressNginxRanges(' 10.0.0.1/8 ,192.168.0.5, 2001:DB8::1/32')).toEqual({ ranges: ['10.0.0.0/8', '192.168.0.5', '2001:db8::/32'], masked: ['10.0.0.1/8 is the network 10.0.0.0/8', '2001:DB8::1/32 is the network 2001:db8::/32'] });
  expect(ingressNginxRanges('10.0.0.0/8,')).toEqual({ bad: '' });
  expect(ingressNginxRanges('10.0.0.0/8, nope')).toEqual({ bad: 'nope' });
});

test('the options go on every HTTPRoute of the Ingress: its routes per host and its HTTPS redirect route', () => {
  const r = run(
    ingress('a', { 'proxy-body-size': '8m', 'client-body-buffer-size': '64k', 'whitelist-source-range': '10.0.0.0/8, 192.168.1.1', 'denylist-source-range': '10.1.0.0/16' }, `  tls: [{ hosts: [a.test], secretName: a-tls }]\n${rule('a.test')}    - host: b.test\n      http:\n        paths:\n          - { path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }\n`),
  );
  const expected = { [P.maxRequestBodySize]: '8Mi', [P.clientBodyBufferSize]: '64Ki', [P.allowSourceRanges]: '10.0.0.0/8, 192.168.1.1', [P.denySourceRanges]: '10.1.0.0/16' };
  const names = r.objects.filter((o) => o.kind === 'HTTPRoute').map((o) => String(o.metadata.name)).sort();
  expect(names).toEqual(['a-a-test', 'a-a-test-ssl-redirect', 'a-b-test']);
  for (const n of names) expect([n, annotationsOf(r, n)]).toEqual([n, expected]);
  expect(items(r, 'a').map((i) => i.slice(0, 2))).toEqual([
    ['client-body-buffer-size', 'converted'],
    ['denylist-source-range', 'converted'],
    ['proxy-body-size', 'converted'],
    ['whitelist-source-range', 'converted'],
  ]);
});

test('without proxy-body-size: ingress-nginx\'s default 1m, written and reported; the default-backend route too', () => {
  const r = run(ingress('plain', {}, rule('p.test')) + ingress('catch', {}, '  defaultBackend: { service: { name: web, port: { number: 80 } } }\n'));
  expect(annotationsOf(r, 'plain')).toEqual({ [P.maxRequestBodySize]: '1Mi' });
  expect(annotationsOf(r, 'catch-default-backend')).toEqual({ [P.maxRequestBodySize]: '1Mi' });
  expect(items(r, 'plain')).toEqual([['proxy-body-size', 'converted', expect.stringMatching(/^not set: ingress-nginx applied its ConfigMap default \(1m\), so the routes get cdk8s-gateway\.dev\/max-request-body-size: 1Mi/)]]);
});

test('values ingress-nginx did not take: reported with what happens instead', () => {
  const r = run(ingress('bad', { 'proxy-body-size': '8mb', 'client-body-buffer-size': '1g', 'denylist-source-range': '10.0.0.0/8,,' }, rule('b.test')));
  expect(annotationsOf(r, 'bad')).toEqual({ [P.maxRequestBodySize]: '1Mi', [P.denySourceRanges]: '0.0.0.0/0, ::/0' });
  expect(items(r, 'bad')).toEqual([
    ['client-body-buffer-size', 'unsupported', expect.stringMatching(/^"1g" is not an nginx buffer size/)],
    ['denylist-source-range', 'approximated', expect.stringMatching(/^entry "" is not an address or CIDR: ingress-nginx refused the annotation .* \(503 .* 403\)/)],
    ['proxy-body-size', 'unsupported', expect.stringMatching(/^"8mb" is not an nginx size.*kept its default 1m/)],
  ]);
});

test('allowlist-source-range is read first; the whitelist alias beside it is ignored, as ingress-nginx does', () => {
  const r = run(ingress('both', { 'allowlist-source-range': '10.0.0.0/8', 'whitelist-source-range': '192.168.0.0/16', 'proxy-body-size': '0' }, rule('c.test')));
  expect(annotationsOf(r, 'both')).toEqual({ [P.maxRequestBodySize]: '0', [P.allowSourceRanges]: '10.0.0.0/8' });
  expect(items(r, 'both').map((i) => i.slice(0, 2))).toEqual([
    ['allowlist-source-range', 'converted'],
    ['proxy-body-size', 'converted'],
    ['whitelist-source-range', 'converted'],
  ]);
});

test('an Ingress with no imported route: the annotations have no effect, reported', () => {
  const r = run(ingress('none', { 'proxy-body-size': '8m', 'whitelist-source-range': '10.0.0.0/8' }, '  rules:\n    - host: n.test\n      http:\n        paths:\n          - { path: /, pathType: Prefix, backend: { resource: { kind: Bucket, name: b } } }\n'));
  expect(r.objects.filter((o) => o.kind === 'HTTPRoute')).toEqual([]);
  expect(items(r, 'none').map((i) => i.slice(0, 2))).toEqual([
    ['proxy-body-size', 'unsupported'],
    ['whitelist-source-range', 'unsupported'],
  ]);
});

test('the canary Ingress\'s own options are ignored (the main Ingress\'s apply), as ingress-nginx does', () => {
  const r = run(ingress('main', { 'proxy-body-size': '2m' }, rule('m.test')) + ingress('main-canary', { canary: 'true', 'canary-weight': '10', 'proxy-body-size': '50m' }, rule('m.test')));
  expect(annotationsOf(r, 'main')).toEqual({ [P.maxRequestBodySize]: '2Mi' });
  expect(items(r, 'main-canary')).toEqual([['proxy-body-size', 'converted', expect.stringMatching(/ignored on a canary Ingress by ingress-nginx too/)]]);
});
