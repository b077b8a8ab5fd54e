/**
 * Every accepted input must give a configuration `nginx -t` accepts: the whole conformance
 * catalogue (v1.6.1) and a broad hand-written set; plus determinism and a size / speed check.
 */
import { performance } from 'perf_hooks';
import { compileNginx, NginxRenderOptions } from '../../src/render/nginx';
import { KubeObject } from '../../src/model';
import { caConfigMap, conformanceCases, conformanceInput, gateway, gatewayClass, httpRoute, service, tlsSecret, to } from './fixtures';
import { pool } from '../harness/async';
import { request, startEcho } from '../harness/echo';
import { describeNginx, freeOffset, nginxBinaryVersion, nginxTestAsync, startNginx } from '../harness/nginx';
import { selfSigned } from '../harness/openssl';

const pem = selfSigned(['*.example.com', 'example.com']);

async function expectAllValid(objects: KubeObject[], opts: NginxRenderOptions): Promise<string[]> {
  const out = compileNginx(objects, { listenHost: '127.0.0.1', portOffset: 20000, embedSecrets: true, ...opts });
  const results = await pool(out, 4, (g) => nginxTestAsync(g.files));
  return results.flatMap((r, i) => (r.ok ? [] : [`${out[i].namespace}/${out[i].name}: ${r.output}`]));
}

describeNginx('nginx -t accepts the rendered configuration', () => {
  const cases = conformanceCases();
  (pem ? test : test.skip)('for every conformance case (base + case manifests)', async () => {
    const jobs = cases.map((c) => ({ name: c.name, ...conformanceInput(c.manifests.flatMap((m) => m.documents), pem!) }));
    const failures = (
      await pool(jobs, 4, async (j) => {
        const f = await expectAllValid(j.objects, { backends: j.backends });
        return f.map((x) => `${j.name}: ${x}`);
      })
    ).flat();
    expect(failures).toEqual([]);
  }, 120000);

  (pem ? test : test.skip)('for a broad hand-written set (TLS terminate, client validation, GRPC, resolver mode)', async () => {
    const objects: KubeObject[] = [
      gatewayClass(),
      tlsSecret('cert', pem!.cert, pem!.key),
      caConfigMap('ca', pem!.cert),
      gateway(
        'gw',
        [
          { name: 'http', port: 80, protocol: 'HTTP' },
          { name: 'https', port: 443, protocol: 'HTTPS', hostname: '*.example.com', tls: { certificateRefs: [{ name: 'cert' }] } },
          { name: 'https-any', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cert' }] } },
          { name: 'tls-term', port: 8443, protocol: 'TLS', hostname: 'term.example.com', tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert' }] } },
          { name: 'tls-pt', port: 8443, protocol: 'TLS', tls: { mode: 'Passthrough' } },
          { name: 'grpc', port: 9090, protocol: 'HTTP' },
          { name: 'tcp', port: 9000, protocol: 'TCP' },
        ],
        { tls: { frontend: { default: { validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'ca' }] } } } } },
      ),
      service('a'),
      service('b'),
      service('g', [{ port: 8080, appProtocol: 'kubernetes.io/h2c' }]),
      service('ws', [{ port: 8080, appProtocol: 'kubernetes.io/ws' }]),
      httpRoute('web', {
        parentRefs: [{ name: 'gw', sectionName: 'http' }, { name: 'gw', sectionName: 'https' }],
        hostnames: ['a.example.com', '*.example.com'],
        rules: [
          { matches: [{ path: { type: 'RegularExpression', value: '/api/v[0-9]+/.*' }, headers: [{ name: 'x-re', type: 'RegularExpression', value: '^(a|b)+$' }] }], backendRefs: [to('a'), to('b', 8080, 3)] },
          { matches: [{ path: { type: 'PathPrefix', value: '/' }, queryParams: [{ name: 'q', type: 'RegularExpression', value: '[0-9]{2,}' }] }], backendRefs: [to('a')] },
          { matches: [{ method: 'DELETE' }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', port: 8443, statusCode: 308 } }] },
          { matches: [{ path: { type: 'PathPrefix', value: '/ws' } }], timeouts: { request: '10s' }, retry: { attempts: 2, codes: [503] }, backendRefs: [to('ws'), to('a')] },
          { matches: [{ path: { type: 'PathPrefix', value: '/ws2' } }], backendRefs: [to('ws')], filters: [{ type: 'RequestMirror', requestMirror: { backendRef: to('b'), fraction: { numerator: 1, denominator: 3 } } }] },
        ],
      }),
      { ...httpRoute('grpc', { parentRefs: [{ name: 'gw', sectionName: 'grpc' }], rules: [{ matches: [{ method: { service: 'svc.Echo', method: 'Hi' }, headers: [{ name: 'x-tenant', value: 'one' }] }, { method: { type: 'RegularExpression', service: 'svc\\..*' } }], backendRefs: [to('g')] }] }), kind: 'GRPCRoute' },
      { ...httpRoute('term', { parentRefs: [{ name: 'gw', sectionName: 'tls-term' }], hostnames: ['term.example.com'], rules: [{ backendRefs: [to('a')] }] }), kind: 'TLSRoute' },
      { ...httpRoute('pt', { parentRefs: [{ name: 'gw', sectionName: 'tls-pt' }], rules: [{ backendRefs: [to('a', 8080, 1), to('b', 8080, 1)] }] }), kind: 'TLSRoute' },
      { ...httpRoute('tcp', { parentRefs: [{ name: 'gw', sectionName: 'tcp' }], rules: [{ backendRefs: [to('a', 8080, 1), to('missing', 8080, 1)] }] }), kind: 'TCPRoute' },
    ];
    // cluster DNS names resolved per request (nginx must start although they do not resolve here)
    expect(await expectAllValid(objects, { resolver: '127.0.0.1' })).toEqual([]);
    // the same for the nginx found here (from 1.27.3: `server NAME resolve` in upstream blocks)
    expect(await expectAllValid(objects, { resolver: '127.0.0.1', nginxVersion: nginxBinaryVersion() })).toEqual([]);
    // local backends
    expect(await expectAllValid(objects, { backends: { 'default/a:8080': '127.0.0.1:1', 'default/b:8080': '127.0.0.1:2', 'default/g:8080': '127.0.0.1:3', 'default/ws:8080': '127.0.0.1:4' } })).toEqual([]);
  }, 60000);

  test('values quoted in comments are bounded: a rule name of 5,000 characters (found by the fuzz test) still passes nginx -t', async () => {
    const objects: KubeObject[] = [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
      service('a'),
      httpRoute('r', { rules: [{ name: 'x'.repeat(5000), matches: [{ path: { type: 'PathPrefix', value: '/a' } }], backendRefs: [to('a')] }] }),
    ];
    expect(await expectAllValid(objects, { backends: { 'default/a:8080': '127.0.0.1:1' } })).toEqual([]);
  });

  test('1,000 header-matched routes: render and nginx -t in reasonable time', async () => {
    const objects: KubeObject[] = [gatewayClass(), gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]), service('a')];
    for (let i = 0; i < 1000; i++) {
      objects.push(
        httpRoute(`r${i}`, {
          hostnames: [`h${i % 50}.example.com`],
          rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/svc${i}` }, headers: [{ name: 'x-tenant', value: `t${i}` }], queryParams: [{ name: 'v', value: String(i) }] }], backendRefs: [to('a')] }],
        }),
      );
    }
    const t0 = performance.now();
    const [g] = compileNginx(objects, { backends: { 'default/a:8080': '127.0.0.1:1' }, listenHost: '127.0.0.1', portOffset: 20000 });
    const compileMs = performance.now() - t0;
    const t1 = performance.now();
    const r = await nginxTestAsync(g.files);
    const testMs = performance.now() - t1;
    expect(r.output).toBe('');
    expect(r.ok).toBe(true);
    // eslint-disable-next-line no-console
    console.log(`1,000 routes: compile ${compileMs.toFixed(0)} ms, nginx -t ${testMs.toFixed(0)} ms, nginx.conf ${(g.files['nginx.conf'].length / 1024).toFixed(0)} KiB`);
    expect(compileMs).toBeLessThan(10000);
  }, 60000);
});

describe('determinism', () => {
  test('shuffled input renders byte-identical files', () => {
    const objects: KubeObject[] = [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }, { name: 'tcp', port: 9000, protocol: 'TCP' }]),
      service('a'),
      service('b'),
      httpRoute('r1', { rules: [{ matches: [{ headers: [{ name: 'x', value: '1' }] }], backendRefs: [to('a'), to('b')] }] }, { created: '2024-01-01T00:00:00Z' }),
      httpRoute('r2', { hostnames: ['x.example.com'], rules: [{ backendRefs: [to('b')] }] }, { created: '2024-01-01T00:00:00Z' }),
      { ...httpRoute('t', { parentRefs: [{ name: 'gw', sectionName: 'tcp' }], rules: [{ backendRefs: [to('a')] }] }, { created: '2024-01-01T00:00:00Z' }), kind: 'TCPRoute' },
    ];
    const opts = { backends: { 'default/a:8080': '127.0.0.1:1', 'default/b:8080': '127.0.0.1:2' } };
    const a = compileNginx(objects, opts);
    const b = compileNginx([...objects].reverse(), opts);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});

describeNginx('scale edge cases', () => {
  test('a regex route next to 1,000 prefix routes: long dispatch lists are chained within nginx limits', async () => {
    const objects: KubeObject[] = [gatewayClass(), gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]), service('a')];
    const rules = [{ matches: [{ path: { type: 'RegularExpression', value: '/.*/end' }, headers: [{ name: 'x-re', value: '1' }] }], backendRefs: [to('a')] }];
    const routes = [httpRoute('regex', { rules })];
    for (let i = 0; i < 1000; i++) routes.push(httpRoute(`p${i}`, { rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/p${i}` }, headers: [{ name: 'x-n', value: String(i) }] }], backendRefs: [to('a')] }] }));
    const echo = await startEcho('a');
    const offset = await freeOffset([80, 8081]);
    const [g] = compileNginx([...objects, ...routes], { backends: { 'default/a:8080': echo.address }, listenHost: '127.0.0.1', portOffset: offset });
    expect(g.diagnostics).toEqual([]);
    const r = await nginxTestAsync(g.files);
    expect(r.output).toBe('');
    const n = await startNginx(g.files, 80 + offset);
    try {
      // reaches the regex location; the matching candidate sits in the last chunk of the chain
      expect((await request(80 + offset, '/p999/x/end', { headers: { 'x-n': '999' } })).echo?.path).toBe('/p999/x/end');
      expect((await request(80 + offset, '/p999/x/end', { headers: { 'x-n': '998' } })).status).toBe(404);
      expect((await request(80 + offset, '/q/end', { headers: { 'x-re': '1' } })).status).toBe(200);
    } finally {
      await n.stop();
      await echo.close();
    }
    expect(g.files['nginx.conf'].split('\n').every((l) => l.length < 4000)).toBe(true);
    // the regex location's 1,001 candidates: the x-re candidate (a named location of `if`s), then
    // one hash map on the verified x-n value for the other 1,000, each value's remaining path
    // condition in a named location of `if`s; no chain of 250-atom maps is needed any more
    const conf = g.files['nginx.conf'];
    expect(conf).toMatch(/error_page 419 = \$gw_d\d+;/);
    const hash = /map \$gw_v\d+ \$gw_d\d+ \{([^}]*)\}/.exec(conf);
    expect(hash![1].match(/@gw_default_p\d+_r0_m0_if;/g)).toHaveLength(1000);
  }, 60000);
});
