import * as fc from 'fast-check';
import { compareMatchPrecedence, explain, filterText, formatExplainMermaid, matchText, orderEntries, Rankable, sharePercents, sortHostnames } from '../../src/cli/explain';
import { ResolvedModel } from '../../src/resolve';
import { cli, smallSetup } from './helpers';

const SCENARIO_2 = 'examples/yaml/2-kind-istio';
const SCENARIO_4 = 'examples/yaml/4-mixed-protocols';

function entry(match: Record<string, unknown> | null, extra: Partial<Rankable> = {}): Rankable {
  return { route: { kind: 'HTTPRoute', namespace: 'ns', name: 'r' }, rule: 0, matchIndex: 0, match, ...extra };
}
const path = (type: string, value: string, more: Record<string, unknown> = {}) => ({ path: { type, value }, ...more });
const headers = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'Exact', name: `h${i}`, value: 'v' }));
const query = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'Exact', name: `q${i}`, value: 'v' }));
const texts = (xs: Rankable[]) => orderEntries(xs).map((e) => `${e.order}:${e.route.namespace}/${e.route.name}#${e.rule}.${e.matchIndex} ${matchText('HTTPRoute', e.match ?? {})}`);

describe('match precedence (Gateway API HTTPRoute rules)', () => {
  test('exact path > longest prefix > method > most headers > most query params', () => {
    const xs = [
      entry(path('PathPrefix', '/'), { rule: 0 }),
      entry(path('PathPrefix', '/api'), { rule: 1 }),
      entry(path('PathPrefix', '/api', { method: 'GET' }), { rule: 2 }),
      entry(path('PathPrefix', '/api', { headers: headers(2) }), { rule: 3 }),
      entry(path('PathPrefix', '/api', { headers: headers(1), queryParams: query(3) }), { rule: 4 }),
      entry(path('PathPrefix', '/api', { headers: headers(1), queryParams: query(1) }), { rule: 5 }),
      entry(path('Exact', '/api'), { rule: 6 }),
      entry(path('PathPrefix', '/api/v1'), { rule: 7 }),
    ];
    expect(texts(xs)).toEqual([
      '1:ns/r#6.0 Exact /api',
      '2:ns/r#7.0 Prefix /api/v1',
      '3:ns/r#2.0 Prefix /api GET',
      '4:ns/r#3.0 Prefix /api header h0=v header h1=v',
      '5:ns/r#4.0 Prefix /api header h0=v query q0=v query q1=v query q2=v',
      '6:ns/r#5.0 Prefix /api header h0=v query q0=v',
      '7:ns/r#1.0 Prefix /api',
      '8:ns/r#0.0 Prefix /',
    ]);
  });

  test('ties: oldest route, then namespace/name, then rule order, then match order; routes without creationTimestamp count as newest', () => {
    const m = path('PathPrefix', '/');
    const xs = [
      entry(m, { route: { kind: 'HTTPRoute', namespace: 'b', name: 'a' }, rule: 0 }),
      entry(m, { route: { kind: 'HTTPRoute', namespace: 'a', name: 'z' }, rule: 1, matchIndex: 1 }),
      entry(m, { route: { kind: 'HTTPRoute', namespace: 'a', name: 'z' }, rule: 1, matchIndex: 0 }),
      entry(m, { route: { kind: 'HTTPRoute', namespace: 'a', name: 'z' }, rule: 0 }),
      entry(m, { route: { kind: 'HTTPRoute', namespace: 'z', name: 'old' }, creationTimestamp: '2020-01-01T00:00:00Z' }),
      entry(m, { route: { kind: 'HTTPRoute', namespace: 'y', name: 'older' }, creationTimestamp: '2019-06-01T00:00:00Z' }),
    ];
    expect(texts(xs).map((t) => t.split(' ')[0])).toEqual(['1:y/older#0.0', '2:z/old#0.0', '3:a/z#0.0', '4:a/z#1.0', '5:a/z#1.1', '6:b/a#0.0']);
  });

  test('regular expressions sit between exact and prefix paths, longest first', () => {
    const xs = [entry(path('PathPrefix', '/very/long/prefix')), entry(path('RegularExpression', '/a.*'), { rule: 1 }), entry(path('RegularExpression', '/a/b.*'), { rule: 2 }), entry(path('Exact', '/'), { rule: 3 })];
    expect(texts(xs).map((t) => t.split(' ').slice(1).join(' '))).toEqual(['Exact /', 'Regex /a/b.*', 'Regex /a.*', 'Prefix /very/long/prefix']);
  });

  test('dropped rules come last and are not numbered', () => {
    const xs = [entry(path('Exact', '/'), { valid: false }), entry(path('PathPrefix', '/'), { rule: 1 })];
    expect(orderEntries(xs).map((e) => [e.order, e.rule])).toEqual([
      [1, 1],
      [0, 0],
    ]);
  });

  test('GRPCRoute: longest service, then longest method, then most headers', () => {
    const g = (method: Record<string, unknown> | undefined, h = 0, rule = 0): Rankable => ({
      route: { kind: 'GRPCRoute', namespace: 'ns', name: 'g' },
      rule,
      matchIndex: 0,
      match: { ...(method ? { method: { type: 'Exact', ...method } } : {}), ...(h ? { headers: headers(h) } : {}) },
    });
    const xs = [g(undefined, 0, 0), g({ service: 'a.B' }, 0, 1), g({ service: 'a.B', method: 'Get' }, 0, 2), g({ service: 'a.B', method: 'Get' }, 1, 3), g({ method: 'Get' }, 0, 4), g({ service: 'a.Longer' }, 0, 5)];
    expect(orderEntries(xs).map((e) => matchText('GRPCRoute', e.match ?? {}))).toEqual([
      'grpc a.Longer/*',
      'grpc a.B/Get header h0=v',
      'grpc a.B/Get',
      'grpc a.B/*',
      'grpc */Get',
      'grpc */*',
    ]);
  });

  test('the order is a total order: independent of the input order', () => {
    const arb = fc.record({
      type: fc.constantFrom('Exact', 'PathPrefix', 'RegularExpression'),
      value: fc.constantFrom('/', '/a', '/ab', '/a/b'),
      method: fc.option(fc.constantFrom('GET', 'POST'), { nil: undefined }),
      h: fc.nat(2),
      q: fc.nat(2),
      ns: fc.constantFrom('a', 'b'),
      name: fc.constantFrom('x', 'y'),
      ts: fc.option(fc.constantFrom('2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z'), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(arb, { maxLength: 12 }), (specs) => {
        // one entry per (route, rule): a route's creationTimestamp is the same for all its rules
        const ts = new Map<string, string | undefined>();
        const xs = specs.map((s, i) => {
          const k = `${s.ns}/${s.name}`;
          if (!ts.has(k)) ts.set(k, s.ts);
          return entry(path(s.type, s.value, { ...(s.method ? { method: s.method } : {}), headers: headers(s.h), queryParams: query(s.q) }), {
            route: { kind: 'HTTPRoute', namespace: s.ns, name: s.name },
            creationTimestamp: ts.get(k),
            rule: i,
          });
        });
        const a = orderEntries(xs).map((e) => `${e.route.namespace}/${e.route.name}#${e.rule}`);
        const b = orderEntries([...xs].reverse()).map((e) => `${e.route.namespace}/${e.route.name}#${e.rule}`);
        expect(a).toEqual(b);
        for (let i = 1; i < xs.length; i++) expect(compareMatchPrecedence(xs[i], xs[i - 1])).toBe(-compareMatchPrecedence(xs[i - 1], xs[i]));
      }),
    );
  });
});

describe('short forms', () => {
  test('hostnames: exact first, then wildcards with more labels, then *', () => {
    expect(sortHostnames(['*', '*.example.com', 'b.example.com', '*.a.example.com', 'a.example.com'])).toEqual(['a.example.com', 'b.example.com', '*.a.example.com', '*.example.com', '*']);
  });

  test.each([
    [[90, 10], [90, 10]],
    [[1, 1, 1], [33.33, 33.33, 33.34]],
    [[100, 0], [100, 0]],
    [[0, 1, 0], [0, 100, 0]],
    [[0, 0], [0, 0]],
    [[1], [100]],
  ])('weights %j become percentages %j (floored to 2 decimals, remainder to the last non-zero)', (weights, percents) => {
    expect(sharePercents(weights)).toEqual(percents);
  });

  test('weights become percentages adding up to 100, zero weights staying 0 (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1_000_000), { minLength: 1, maxLength: 16 }), (ws) => {
        const p = sharePercents(ws);
        const sum = Math.round(p.reduce((a, b) => a + b, 0) * 100);
        expect(sum).toBe(ws.some((w) => w > 0) ? 10000 : 0);
        ws.forEach((w, i) => (w === 0 ? expect(p[i]).toBe(0) : expect(p[i]).toBeGreaterThanOrEqual(0)));
      }),
    );
  });

  const FILTERS: [string, Record<string, unknown>, string[]][] = [
    ['redirect to https', { type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }, ['redirect https 301']],
    ['redirect to host, port and prefix', { type: 'RequestRedirect', requestRedirect: { hostname: 'b.com', port: 8443, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }, ['redirect host b.com port 8443 prefix /new 302']],
    ['rewrite of the prefix', { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }, ['rewrite prefix /']],
    ['rewrite of host and full path', { type: 'URLRewrite', urlRewrite: { hostname: 'in.svc', path: { type: 'ReplaceFullPath', replaceFullPath: '/x' } } }, ['rewrite host in.svc path /x']],
    ['request headers set, added, removed', { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'X', value: 'v' }], add: [{ name: 'Y', value: 'w' }], remove: ['Z'] } }, ['set-header X: v', 'add-header Y: w', 'remove-header Z']],
    ['response header set', { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: 'max-age=63072000' }] } }, ['set-response-header Strict-Transport-Security: max-age=63072000']],
    ['mirror with percent', { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 8080 }, percent: 10 } }, ['mirror shadow:8080 10%']],
    ['mirror to another namespace with a fraction', { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', namespace: 'other', port: 80 }, fraction: { numerator: 1, denominator: 3 } } }, ['mirror other/shadow:80 33.33%']],
    ['extension reference', { type: 'ExtensionRef', extensionRef: { group: 'x.io', kind: 'Auth', name: 'a' } }, ['extension Auth/a']],
    ['CORS', { type: 'CORS', cors: {} }, ['cors']],
  ];
  test.each(FILTERS)('filter: %s', (_what, filter, text) => {
    expect(filterText(filter, undefined, 'ns')).toEqual(text);
  });
});

describe('explain on the model', () => {
  const backend = (name: string, weight: number, valid = true, reason?: string) => ({
    field: 'f',
    group: '',
    kind: 'Service',
    namespace: 'app',
    name,
    port: 80,
    weight,
    valid,
    ...(reason ? { reason } : {}),
    filters: [],
  });
  const model: ResolvedModel = {
    gateways: [
      {
        namespace: 'infra',
        name: 'gw',
        gatewayClassName: 'c',
        controllerName: 'x',
        accepted: true,
        programmed: true,
        addresses: [],
        listenerSets: [],
        listeners: [
          {
            id: 'http',
            name: 'http',
            source: { kind: 'Gateway', namespace: 'infra', name: 'gw' },
            port: 80,
            protocol: 'HTTP',
            certificates: [],
            accepted: true,
            conflicted: false,
            programmed: true,
            supportedKinds: ['HTTPRoute'],
            routes: [
              {
                kind: 'HTTPRoute',
                namespace: 'app',
                name: 'r',
                hostnames: [],
                rules: [
                  {
                    index: 0,
                    matches: [{ path: { type: 'PathPrefix', value: '/' } }],
                    filters: [],
                    backends: [backend('ok', 3), backend('gone', 1, false, 'BackendNotFound'), backend('off', 0)],
                    mirrors: [],
                    extra: {},
                    valid: true,
                  },
                  { index: 1, matches: [{ path: { type: 'Exact', value: '/none' } }], filters: [], backends: [], mirrors: [], extra: {}, valid: true },
                ],
              },
            ],
          },
        ],
      },
    ],
    routes: [],
  };

  test('backends: percentages (weight 0 shown as 0%), invalid ones with their reason and → 500; rules without backends answer 500', () => {
    const e = explain(model);
    const [host] = e.gateways[0].listeners[0].hosts;
    expect(host.hostname).toBe('*');
    expect(host.entries.map((x) => [x.matchText, x.backends.map((b) => b.text), x.respond])).toEqual([
      ['Exact /none', [], 500],
      ['Prefix /', ['ok:80 75%', 'gone:80 25% ✗ BackendNotFound → 500', 'off:80 0%'], undefined],
    ]);
  });

  test('mermaid ids are sanitized and unique even when names collide after sanitizing', () => {
    const m = structuredClone(model) as any;
    m.gateways[0].listeners[0].routes[0].rules[0].backends = [
      { ...backend('a-b', 1), port: 80 },
      { ...backend('a.b', 1), port: 80 },
    ];
    const out = formatExplainMermaid(explain(m));
    expect(out).toContain('  svc_app_a_b_80["app/a-b:80"]');
    expect(out).toContain('  svc_app_a_b_80_2["app/a.b:80"]');
    for (const line of out.split('\n').slice(1).filter(Boolean)) {
      expect(line).toMatch(/^  [A-Za-z0-9_]+(\[|\(|\s-)/);
    }
  });
});

describe('explain scenario 2 (kind + Istio)', () => {
  test('text: listeners, attached routes with hostnames, matches in precedence order, redirects', async () => {
    const r = await cli(['explain', SCENARIO_2]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      [
        'Gateway cluster/default-gateway  class istio  address 172.18.255.200',
        '  listener http  HTTP :80  *.example.com',
        '    attached: HTTPRoute cluster/https-redirect (*.example.com)',
        '    HOST           #  MATCH     ROUTE                             RULE  FILTERS             BACKENDS',
        '    *.example.com  1  Prefix /  HTTPRoute cluster/https-redirect  0     redirect https 301  —',
        '  listener https  HTTPS :443  *.example.com  TLS Terminate (istio-system/default-tls)',
        '    attached: HTTPRoute api/api (api.example.com)',
        '    HOST             #  MATCH     ROUTE              RULE        FILTERS                        BACKENDS',
        '    api.example.com  1  Exact /   HTTPRoute api/api  spec-index  redirect path /__apispec/ 302  —',
        '                     2  Prefix /  HTTPRoute api/api  docs        —                              docs/docserver:80 100%',
        '',
      ].join('\n'),
    );
  });

  test('json: the same data as plain objects', async () => {
    const e = JSON.parse((await cli(['explain', '--format', 'json', SCENARIO_2])).stdout);
    expect(Object.keys(e)).toEqual(['gateways', 'unattached']);
    expect(e.unattached).toEqual([]);
    const https = e.gateways[0].listeners[1];
    expect(https).toMatchObject({ name: 'https', protocol: 'HTTPS', port: 443, hostname: '*.example.com', tlsMode: 'Terminate', certificates: ['istio-system/default-tls'], programmed: true });
    expect(https.routes).toEqual([{ kind: 'HTTPRoute', namespace: 'api', name: 'api', hostnames: ['api.example.com'] }]);
    expect(https.hosts[0].entries).toEqual([
      {
        order: 1,
        route: { kind: 'HTTPRoute', namespace: 'api', name: 'api' },
        rule: 0,
        ruleName: 'spec-index',
        matchIndex: 0,
        match: { path: { type: 'Exact', value: '/' } },
        matchText: 'Exact /',
        filters: ['redirect path /__apispec/ 302'],
        backends: [],
        mirrors: [],
        valid: true,
      },
      {
        order: 2,
        route: { kind: 'HTTPRoute', namespace: 'api', name: 'api' },
        rule: 1,
        ruleName: 'docs',
        matchIndex: 0,
        match: { path: { type: 'PathPrefix', value: '/' } },
        matchText: 'Prefix /',
        filters: [],
        backends: [{ group: '', kind: 'Service', namespace: 'docs', name: 'docserver', port: 80, weight: 1, percent: 100, valid: true, text: 'docs/docserver:80 100%' }],
        mirrors: [],
        valid: true,
      },
    ]);
  });

  test('mermaid: graph LR of gateway → listener → route → service, with edge labels', async () => {
    const out = (await cli(['explain', '-f', 'mermaid', SCENARIO_2])).stdout;
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('graph LR');
    expect(lines).toEqual(
      expect.arrayContaining([
        '  gw_cluster_default_gateway["Gateway cluster/default-gateway<br/>172.18.255.200"]',
        '  listener_cluster_default_gateway_https["https<br/>HTTPS :443 *.example.com"]',
        '  route_httproute_api_api(["HTTPRoute api/api"])',
        '  svc_docs_docserver_80["docs/docserver:80"]',
        '  answer_api_api_0("redirect path /__apispec/ 302")',
        '  gw_cluster_default_gateway --> listener_cluster_default_gateway_https',
        '  listener_cluster_default_gateway_https -->|"api.example.com"| route_httproute_api_api',
        '  route_httproute_api_api -->|"Exact /"| answer_api_api_0',
        '  route_httproute_api_api -->|"Prefix / · 100%"| svc_docs_docserver_80',
        '  route_httproute_cluster_https_redirect -->|"Prefix /"| answer_cluster_https_redirect_0',
      ]),
    );
    // deterministic
    expect((await cli(['explain', '-f', 'mermaid', SCENARIO_2])).stdout).toBe(out);
  });
});

describe('explain scenario 4 (mixed protocols)', () => {
  test('text: rewrites, longest prefix first, TLS passthrough, gRPC and TCP listeners', async () => {
    const r = await cli(['explain', SCENARIO_4]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const games = lines.findIndex((l) => l.includes('game.example.com  1'));
    expect(lines[games]).toMatch(/game\.example\.com\s+1\s+Prefix \/tetris\s+HTTPRoute games\/game-portal\s+1\s+rewrite prefix \/\s+tetris-ns\/tetris:80 100%$/);
    expect(lines[games + 1]).toMatch(/^\s+2\s+Prefix \/mario\s+HTTPRoute games\/game-portal\s+0\s+rewrite prefix \/\s+mario-ns\/mario:80 100%$/);
    expect(r.stdout).toContain('  listener tls-passthrough  TLS :443  tls.example.com  TLS Passthrough\n');
    expect(r.stdout).toMatch(/tls\.example\.com\s+1\s+\*\s+TLSRoute secure\/secure\s+0\s+—\s+secure-svc:443 100%/);
    expect(r.stdout).toMatch(/\*\s+1\s+grpc my\.grpc\.Service\/GetStatus\s+GRPCRoute grpc\/status\s+0\s+—\s+grpc-service:50051 100%/);
    expect(r.stdout).toMatch(/listener mysql  TCP :3306  \*\n\s+attached: TCPRoute db\/mysql \(\*\)/);
    expect(r.stdout).toMatch(/\*\s+1\s+Prefix \/\s+HTTPRoute infra\/https-redirect\s+0\s+redirect https 301\s+—/);
  });

  test('json: every listener of the Gateway, in spec order, with its routes', async () => {
    const e = JSON.parse((await cli(['explain', '-f', 'json', SCENARIO_4])).stdout);
    expect(e.gateways).toHaveLength(1);
    expect(e.gateways[0].addresses).toEqual(['10.10.10.62']);
    expect(e.gateways[0].listeners.map((l: any) => `${l.name} ${l.protocol}:${l.port} ${l.routes.map((r: any) => `${r.kind}/${r.name}`).join(',')}`)).toEqual([
      'http HTTP:80 HTTPRoute/https-redirect',
      'https HTTPS:443 HTTPRoute/game-portal,HTTPRoute/web',
      'tls-passthrough TLS:443 TLSRoute/secure',
      'grpc HTTP:50051 GRPCRoute/status',
      'mysql TCP:3306 TCPRoute/mysql',
    ]);
    const https = e.gateways[0].listeners[1];
    expect(https.hosts.map((h: any) => h.hostname)).toEqual(['game.example.com', 'www.example.com']);
    expect(https.hosts[0].entries.map((x: any) => [x.order, x.matchText, x.filters])).toEqual([
      [1, 'Prefix /tetris', ['rewrite prefix /']],
      [2, 'Prefix /mario', ['rewrite prefix /']],
    ]);
  });

  test('mermaid: TCP and gRPC edges, rewrites on the edge label', async () => {
    const out = (await cli(['explain', '-f', 'mermaid', SCENARIO_4])).stdout;
    expect(out.split('\n')).toEqual(
      expect.arrayContaining([
        '  listener_infra_mixed_gateway_mysql["mysql<br/>TCP :3306"]',
        '  route_tcproute_db_mysql(["TCPRoute db/mysql"])',
        '  listener_infra_mixed_gateway_mysql --> route_tcproute_db_mysql',
        '  route_tcproute_db_mysql -->|"100%"| svc_db_mysql_db_3306',
        '  route_grpcroute_grpc_status -->|"grpc my.grpc.Service/GetStatus · 100%"| svc_grpc_grpc_service_50051',
        '  route_httproute_games_game_portal -->|"Prefix /mario · rewrite prefix / · 100%"| svc_mario_ns_mario_80',
        '  listener_infra_mixed_gateway_tls_passthrough -->|"tls.example.com"| route_tlsroute_secure_secure',
      ]),
    );
  });
});

describe('explain: weights, canaries and routes that did not attach', () => {
  test('scenario 3: 80/20, 90/10, 100/0 and mirrors', async () => {
    const r = await cli(['explain', 'examples/yaml/3-canary']);
    expect(r.stdout).toMatch(/Prefix \/v1 .*helloworld-v1:5000 80%\n\s+helloworld-v2:5000 20%\n/);
    expect(r.stdout).toMatch(/Prefix \/app .*helloworld-v1:5000 90%\n\s+helloworld-v2:5000 10%\n/);
    expect(r.stdout).toMatch(/helloworld-v1:5000 100%\n\s+helloworld-v2:5000 0%\n/);
    expect(r.stdout).toMatch(/mirror echoserver:8080 100%\s+helloworld-v1:5000 100%/);
    expect(r.stdout).toContain('ServiceImport helloworld-remote:5000 50%');
  });

  test('routes that did not attach are listed with the reason and the message (exit 0, note on stderr)', async () => {
    const r = await cli(['explain', 'examples/yaml/mistakes/section-name-typo.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '\nNot attached:\n  HTTPRoute typo-apps/api → Gateway typo-gateway/gateway section htps: NoMatchingParent — sectionName "htps" names no listener of Gateway typo-gateway/gateway (its listeners: https)\n',
    );
    expect(r.stderr).toBe('note: the input has 1 error; run `cdk8s-gateway check` for the fixes\n');
    const mermaid = (await cli(['explain', '-f', 'mermaid', 'examples/yaml/mistakes/section-name-typo.yaml'])).stdout;
    expect(mermaid).toContain('  gw_typo_gateway_gateway -.->|"✗ NoMatchingParent"| route_httproute_typo_apps_api\n');
    const json = JSON.parse((await cli(['explain', '-f', 'json', 'examples/yaml/mistakes/section-name-typo.yaml'])).stdout);
    expect(json.unattached).toEqual([
      {
        kind: 'HTTPRoute',
        namespace: 'typo-apps',
        name: 'api',
        attachedElsewhere: false,
        parents: [{ parent: 'Gateway typo-gateway/gateway section htps', reason: 'NoMatchingParent', message: expect.stringContaining('names no listener') }],
      },
    ]);
  });

  test('a route whose Gateway does not exist is listed too', async () => {
    const r = await cli(['explain', '-'], { stdin: smallSetup('app', '-missing') });
    expect(r.stdout).toContain('HTTPRoute app/web → spec.parentRefs[0].name: NoMatchingParent — Gateway app/gw-missing does not exist');
  });
});

const doc = (y: string) => y.trim();
/** Two GatewayClasses (Istio's, the built-in one), a Gateway of each in `app` (`mesh-edge`, `edge`) and Service `app/web`. */
const TWO_CONTROLLERS = [
  doc(`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio}
spec: {controllerName: istio.io/gateway-controller}`),
  doc(`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: cdk8s-gateway}
spec: {controllerName: cdk8s-gateway.dev/nginx-proxy}`),
  doc(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: mesh-edge, namespace: app}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP}]`),
  doc(`apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: app}
spec:
  gatewayClassName: cdk8s-gateway
  listeners: [{name: http, port: 80, protocol: HTTP}]`),
  doc(`apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec: {ports: [{port: 80}]}`),
];

describe('explain: Gateways of several controllers', () => {
  const input = [
    ...TWO_CONTROLLERS,
    doc(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: app}
spec:
  parentRefs: [{name: edge}, {name: mesh-edge, sectionName: nope}]
  rules: [{backendRefs: [{name: web, port: 80}]}]`),
    doc(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: lost, namespace: app}
spec:
  parentRefs: [{name: nowhere}]
  rules: [{backendRefs: [{name: web, port: 80}]}]`),
  ].join('\n---\n');

  test('every controller\'s Gateways are explained; a rejection comes from the controller that owns the parent', async () => {
    const e = JSON.parse((await cli(['explain', '-f', 'json', '-'], { stdin: input })).stdout);
    expect(e.gateways.map((g: any) => `${g.name}:${g.gatewayClassName}`)).toEqual(['edge:cdk8s-gateway', 'mesh-edge:istio']);
    const web = e.unattached.find((u: any) => u.name === 'web');
    expect(web.attachedElsewhere).toBe(true);
    expect(web.parents.map((p: any) => p.reason)).toEqual(['NoMatchingParent']);
    const lost = e.unattached.find((u: any) => u.name === 'lost');
    expect(lost.parents).toHaveLength(1);
    expect(e.unattached.filter((u: any) => u.name === 'lost')).toHaveLength(1);
  });

  test('--controller-name explains one controller only', async () => {
    const e = JSON.parse((await cli(['explain', '-f', 'json', '--controller-name', 'istio.io/gateway-controller', '-'], { stdin: input })).stdout);
    expect(e.gateways.map((g: any) => g.name)).toEqual(['mesh-edge']);
  });
});

describe('explain: route options (cdk8s-gateway.dev/… annotations)', () => {
  const route = (name: string, gateway: string, annotations: string) =>
    doc(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: app
  annotations: {${annotations}}
spec:
  parentRefs: [{name: ${gateway}}]
  rules: [{matches: [{path: {type: PathPrefix, value: /${name}}}], backendRefs: [{name: web, port: 80}]}]`);
  const input = [
    ...TWO_CONTROLLERS,
    route('uploads', 'edge', `cdk8s-gateway.dev/max-request-body-size: 8Mi, cdk8s-gateway.dev/client-body-buffer-size: 16Ki, cdk8s-gateway.dev/allow-source-ranges: "192.168.1.7, 10.0.0.0/8", cdk8s-gateway.dev/deny-source-ranges: 10.1.0.0/16`),
    route('big', 'edge', `cdk8s-gateway.dev/max-request-body-size: "0"`),
    route('broken', 'edge', `cdk8s-gateway.dev/max-request-body-size: 10m`),
    route('mesh', 'mesh-edge', `cdk8s-gateway.dev/max-request-body-size: 8Mi`),
    route('plain', 'edge', ''),
  ].join('\n---\n');
  const entries = (e: any, gateway: string) => e.gateways.find((g: any) => g.name === gateway).listeners[0].hosts[0].entries;
  const byRoute = (xs: any[], name: string) => xs.find((x: any) => x.route.name === name);

  test('json: the options as the built-in proxy applies them, canonical; a value that does not parse answers 500; none on another controller\'s Gateway', async () => {
    const e = JSON.parse((await cli(['explain', '-f', 'json', '-'], { stdin: input })).stdout);
    const edge = entries(e, 'edge');
    expect(byRoute(edge, 'uploads').options).toEqual(['body ≤ 8Mi', 'body buffer 16Ki', 'deny 10.1.0.0/16', 'allow 10.0.0.0/8, 192.168.1.7']);
    expect(byRoute(edge, 'uploads').respond).toBeUndefined();
    expect(byRoute(edge, 'big').options).toEqual(['body unlimited']);
    expect(byRoute(edge, 'broken').options).toEqual(['options ✗ InvalidAnnotation → 500']);
    expect(byRoute(edge, 'broken').respond).toBe(500);
    expect(byRoute(edge, 'plain')).not.toHaveProperty('options');
    expect(byRoute(entries(e, 'mesh-edge'), 'mesh')).not.toHaveProperty('options');
  });

  test('text: the options follow the filters in the FILTERS column', async () => {
    const r = await cli(['explain', '--controller-name', 'cdk8s-gateway.dev/nginx-proxy', '-'], { stdin: input });
    const line = r.stdout.split('\n').find((l) => l.includes('Prefix /uploads'))!;
    expect(line).toMatch(/Prefix \/uploads +HTTPRoute app\/uploads +0 +body ≤ 8Mi +web:80 100%/);
    const rows = r.stdout.split('\n');
    const i = rows.indexOf(line);
    expect(rows.slice(i + 1, i + 4).map((l) => l.trim())).toEqual(['body buffer 16Ki', 'deny 10.1.0.0/16', 'allow 10.0.0.0/8, 192.168.1.7']);
    expect(rows.find((l) => l.includes('Prefix /plain'))).toMatch(/HTTPRoute app\/plain +0 +— +web:80 100%/);
  });
});
