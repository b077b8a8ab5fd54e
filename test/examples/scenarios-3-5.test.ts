/**
 * Scenario 3 (canary, blue-green, mirroring, multi-cluster) and scenario 5 (leaving ingress-nginx):
 * what the examples emit, what the built-in proxy compiles from them, and (with nginx installed)
 * the traffic split, the mirror, the rewrite, the redirect and the TCP listeners served by real
 * nginx on 127.0.0.1, every backend an echo server.
 */
import * as https from 'https';
import { checkApp, compileNginx, KubeObject } from '../../src';
import { pool, sleep } from '../harness/async';
import { EchoServer, request, startEcho, startTcpEcho } from '../harness/echo';
import { describeNginx, freeOffset, RunningNginx, startNginx } from '../harness/nginx';
import { find, synth } from '../util';
import { backendKeys, httpsGet as get, loadExample, tcpRoundTrip, tlsSecret } from './helpers';

const load = (name: string) => loadExample(name, 'scenarios-3-5');

/** `name:port:weight` of each backendRef of a rule (kind prefixed when not a Service). */
function refs(rule: any): string[] {
  return rule.backendRefs.map((b: any) => `${b.kind ? `${b.group}/${b.kind}/` : ''}${b.name}:${b.port}:${b.weight ?? '-'}`);
}

function proxyConf(objects: KubeObject[], name: string, namespace: string): string {
  return find(objects, 'ConfigMap', `${name}-proxy-config`, namespace).data['nginx.conf'];
}

/** The name of the `upstream` block whose one server is `address`, re-resolved by nginx and kept alive. */
function upstreamOf(conf: string, address: string): string {
  const esc = address.replace(/\./g, '\\.');
  const m = new RegExp(`upstream (\\w+) \\{\\n\\s*# [^\\n]*\\n\\s*zone gw_upstreams \\d+m;\\n\\s*server ${esc} resolve;\\n\\s*keepalive 32;\\n\\s*\\}`).exec(conf);
  if (!m) throw new Error(`no upstream block with "server ${address} resolve;"`);
  return m[1];
}

describe('scenario 3 (canary, blue-green, mirroring, multi-cluster)', () => {
  const objects = () => synth(load('canary'));

  test('only infos: the certificate Secret and the remote ServiceImport live outside the app', () => {
    const diags = checkApp(load('canary')).diagnostics;
    expect(diags.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(diags.map((d) => d.message).sort()).toEqual([
      expect.stringMatching(/^Secret hello\/hello-tls is not in the input/),
      expect.stringMatching(/^ServiceImport hello\/helloworld-remote is not in the input/),
    ]);
  });

  test('helloworld v1 and v2 and the echoserver: Deployments behind Services selected by app/version', () => {
    const objs = objects();
    for (const [name, selector, port] of [
      ['helloworld-v1', { app: 'helloworld', version: 'v1' }, 5000],
      ['helloworld-v2', { app: 'helloworld', version: 'v2' }, 5000],
      ['echoserver', { app: 'echoserver' }, 8080],
    ] as const) {
      const svc = find(objs, 'Service', name, 'hello');
      expect(svc.spec.selector).toEqual(selector);
      expect(svc.spec.ports).toEqual([{ name: 'http', port, targetPort: port }]);
      const deployment = find(objs, 'Deployment', name, 'hello');
      expect(deployment.spec.selector.matchLabels).toEqual(selector);
      expect(deployment.spec.template.metadata.labels).toMatchObject(selector);
    }
  });

  test('HTTPS listener on *.example.com with the Secret-held certificate, served by the built-in proxy', () => {
    const objs = objects();
    expect(find(objs, 'GatewayClass', 'cdk8s-gateway').spec.controllerName).toBe('cdk8s-gateway.dev/nginx-proxy');
    const gw = find(objs, 'Gateway', 'hello-gateway', 'hello');
    expect(gw.spec.gatewayClassName).toBe('cdk8s-gateway');
    expect(gw.spec.listeners).toEqual([
      { name: 'https', hostname: '*.example.com', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'hello-tls' }] } },
    ]);
    // the proxy mounts the Secret
    const volumes = find(objs, 'Deployment', 'hello-gateway-proxy', 'hello').spec.template.spec.volumes;
    expect(volumes.map((v: any) => v.secret?.secretName).filter(Boolean)).toEqual(['hello-tls']);
  });

  test('app.example.com: 80/20 on /v1, 90/10 on /app, 50/50 with the remote ServiceImport, everything else mirrored', () => {
    const route = find(objects(), 'HTTPRoute', 'helloworld', 'hello');
    expect(route.spec.hostnames).toEqual(['app.example.com']);
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'hello-gateway', sectionName: 'https' }]);
    const rules = route.spec.rules;
    expect(rules.map((r: any) => [r.name, r.matches?.[0].path.value])).toEqual([['shift', '/v1'], ['canary', '/app'], ['multi-cluster', '/remote'], ['mirrored', undefined]]);
    expect(refs(rules[0])).toEqual(['helloworld-v1:5000:80', 'helloworld-v2:5000:20']);
    expect(refs(rules[1])).toEqual(['helloworld-v1:5000:90', 'helloworld-v2:5000:10']);
    expect(rules[2].backendRefs[1]).toEqual({ group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'helloworld-remote', port: 5000, weight: 50 });
    expect(refs(rules[2])).toEqual(['helloworld-v1:5000:50', 'multicluster.x-k8s.io/ServiceImport/helloworld-remote:5000:50']);
    expect(refs(rules[3])).toEqual(['helloworld-v1:5000:-']);
    expect(rules[3].filters).toEqual([{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'echoserver', port: 8080 } } }]);
  });

  test('bluegreen.example.com: blue 100 / green 0, green reachable with x-env: green', () => {
    const route = find(objects(), 'HTTPRoute', 'blue-green', 'hello');
    expect(route.spec.hostnames).toEqual(['bluegreen.example.com']);
    expect(route.spec.rules[0].name).toBe('live');
    expect(refs(route.spec.rules[0])).toEqual(['helloworld-v1:5000:100', 'helloworld-v2:5000:0']);
    expect(route.spec.rules[1].matches).toEqual([{ headers: [{ type: 'Exact', name: 'x-env', value: 'green' }] }]);
    expect(refs(route.spec.rules[1])).toEqual(['helloworld-v2:5000:-']);
  });

  test("the proxy's nginx.conf carries the splits, the clusterset name of the ServiceImport and the mirror", () => {
    const all = objects();
    const conf = proxyConf(all, 'hello-gateway', 'hello');
    // each backend is an upstream block naming its DNS name, re-resolved by nginx (`resolve`) and kept alive
    const up = (dns: string) => upstreamOf(conf, dns);
    const split = (share: string, other: string) =>
      new RegExp(`split_clients \\$request_id \\$(\\w+) \\{\\n\\s*${share}% ${up('helloworld-v1.hello.svc.cluster.local:5000')};\\n\\s*\\* ${up(other + ':5000')};\\n\\s*\\}`);
    expect(conf).toMatch(split('90', 'helloworld-v2.hello.svc.cluster.local'));
    expect(conf).toMatch(split('80', 'helloworld-v2.hello.svc.cluster.local'));
    expect(conf).toMatch(split('50', 'helloworld-remote.hello.svc.clusterset.local'));
    // /app uses the 90/10 variable, /v1 the 80/20 one
    const varOf = (share: string) => conf.match(split(share, 'helloworld-v2.hello.svc.cluster.local'))![1];
    expect(conf).toMatch(new RegExp(`location "/app/" \\{[^}]*\\}[^}]*proxy_pass http://\\$${varOf('90')};`));
    expect(conf).toMatch(new RegExp(`location "/v1/" \\{[^}]*\\}[^}]*proxy_pass http://\\$${varOf('80')};`));
    expect(conf).toMatch(/mirror "\/_cdk8s_gateway_internal\/mirror\/\w+";/);
    expect(conf).toContain(`proxy_pass http://${up('echoserver.hello.svc.cluster.local:8080')}`);
    // the certificate comes through the entrypoint's include file, listed with its Secret
    const tlsList: string = find(all, 'ConfigMap', 'hello-gateway-proxy-config', 'hello').data['tls.list'];
    const file = /^(tls-\d+\.conf) ssl reject hello\/hello-tls$/m.exec(tlsList)![1];
    expect(conf).toContain(`include "/var/run/nginx-gateway/tls/${file}";`);
  });
});

describe('scenario 5 (leaving ingress-nginx)', () => {
  const objects = () => synth(load('ingress-nginx'));

  test('only infos: the apps and their Services stay where ingress-nginx found them', () => {
    const diags = checkApp(load('ingress-nginx')).diagnostics;
    expect(diags.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(diags.every((d) => d.code === 'AssumedExternal')).toBe(true);
  });

  test('kans.com: HTTP and HTTPS listeners, the certificate from cert-manager into the Ingress\'s Secret', () => {
    const objs = objects();
    const gw = find(objs, 'Gateway', 'kans-gateway', 'kans');
    expect(gw.spec.listeners.map((l: any) => `${l.name}:${l.protocol}:${l.port}:${l.hostname}`)).toEqual(['http:HTTP:80:kans.com', 'https:HTTPS:443:kans.com']);
    expect(gw.spec.listeners[1].tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'kans-tls' }]);
    expect(find(objs, 'Certificate', 'kans', 'kans').spec).toEqual({
      secretName: 'kans-tls',
      dnsNames: ['kans.com'],
      issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
    });
  });

  test('ssl-redirect: the HTTP listener answers 301 to https', () => {
    const redirect = find(objects(), 'HTTPRoute', 'kans-ssl-redirect', 'kans');
    expect(redirect.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'kans-gateway', sectionName: 'http' }]);
    expect(redirect.spec.hostnames).toEqual(['kans.com']);
    expect(redirect.spec.rules).toEqual([{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }]);
  });

  test('the canary Ingress as weights (90/10), rewrite-target as URLRewrite ReplacePrefixMatch', () => {
    const route = find(objects(), 'HTTPRoute', 'kans', 'kans');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'kans-gateway', sectionName: 'https' }]);
    const [api, site] = route.spec.rules;
    expect(api).toEqual({
      name: 'api',
      matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
      backendRefs: [{ name: 'api', port: 8080 }],
    });
    expect(site.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(refs(site)).toEqual(['svc-v1:80:90', 'svc-v2:80:10']);
  });

  test('the TCP-only gateway: listeners foo (8080) and bar (8090), each TCPRoute picks its listener by sectionName', () => {
    const objs = objects();
    const gw = find(objs, 'Gateway', 'tcp-gateway', 'tcp');
    expect(gw.spec.gatewayClassName).toBe('cdk8s-gateway');
    expect(gw.spec.listeners.map((l: any) => `${l.name}:${l.protocol}:${l.port}`)).toEqual(['foo:TCP:8080', 'bar:TCP:8090']);
    for (const [name, port] of [['foo', 8080], ['bar', 8090]] as const) {
      const route = find(objs, 'TCPRoute', name, 'tcp');
      expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'tcp-gateway', sectionName: name }]);
      expect(route.spec.rules).toEqual([{ backendRefs: [{ name: `${name}-svc`, port }] }]);
    }
  });

  test('one proxy per gateway: the split, the redirect and the rewrite in one, the TCP listeners in the other', () => {
    const objs = objects();
    const kans = proxyConf(objs, 'kans-gateway', 'kans');
    const v1 = upstreamOf(kans, 'svc-v1.kans.svc.cluster.local:80');
    const v2 = upstreamOf(kans, 'svc-v2.kans.svc.cluster.local:80');
    expect(kans).toMatch(new RegExp(`split_clients \\$request_id \\$\\w+ \\{\\n\\s*90% ${v1};\\n\\s*\\* ${v2};\\n\\s*\\}`));
    expect(kans).toMatch(/return 301 "https:\/\/\$host\$request_uri";/);
    expect(kans).toMatch(/rewrite "\^\\\\\/api\(\/\.\*\)\$" "\$1" break;/);
    expect(kans).not.toMatch(/stream \{/);
    const tcp = proxyConf(objs, 'tcp-gateway', 'tcp');
    expect(tcp).toMatch(/stream \{[\s\S]*listen 8080;\n\s*# TCPRoute tcp\/foo[\s\S]*listen 8090;\n\s*# TCPRoute tcp\/bar/);
    expect(tcp).toMatch(/foo-svc\.tcp\.svc\.cluster\.local:8080;/);
    expect(tcp).toMatch(/bar-svc\.tcp\.svc\.cluster\.local:8090;/);
    expect(find(objs, 'Service', 'tcp-gateway-proxy', 'tcp').spec.ports.map((p: any) => p.port)).toEqual([8080, 8090]);
    expect(find(objs, 'Service', 'kans-gateway-proxy', 'kans').spec.ports.map((p: any) => p.port)).toEqual([80, 443]);
  });
});

// ---------------------------------------------------------------------------------------------
// served by real nginx

interface Served {
  readonly echoes: Map<string, EchoServer>;
  readonly nginx: RunningNginx[];
}

/** Echo servers (HTTP, or TCP for `tcp`) for every backend of the objects. */
async function startBackends(objects: KubeObject[], served: Served, tcp: (key: string) => boolean = () => false): Promise<Record<string, string>> {
  const backends: Record<string, string> = {};
  for (const key of backendKeys(objects)) {
    const name = key.split('/')[1].split(':')[0];
    const e = tcp(key) ? await startTcpEcho(name) : await startEcho(name);
    served.echoes.set(name, e);
    backends[key] = e.address;
  }
  return backends;
}

async function stopAll(served: Served): Promise<void> {
  for (const n of served.nginx) await n.stop();
  for (const e of served.echoes.values()) await e.close();
}

/** How many of `n` GETs each backend answered. */
async function sample(n: number, get: () => Promise<{ status: number; body: any }>): Promise<Record<string, number>> {
  const answers = await pool(Array.from({ length: n }, (_, i) => i), 16, async () => {
    const r = await get();
    expect(r.status).toBe(200);
    return String(r.body.name);
  });
  const counts: Record<string, number> = {};
  for (const a of answers) counts[a] = (counts[a] ?? 0) + 1;
  return counts;
}

/** GET over HTTPS; `body` is the echo backend's JSON answer (the text when it is not JSON). */
async function httpsGet(port: number, host: string, p: string, ca: string, agent: https.Agent, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await get(port, host, p, ca, { agent, headers });
  return { status: r.status, body: r.echo ?? r.body };
}

describeNginx('scenarios 3 and 5 served by real nginx', () => {
  test('scenario 3: 90/10 and 80/20 splits, blue-green, the remote ServiceImport, the mirror', async () => {
    const objects = synth(load('canary'));
    const tls = tlsSecret('hello', 'hello-tls', ['*.example.com']);
    const served: Served = { echoes: new Map(), nginx: [] };
    const agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const backends = await startBackends(objects, served);
      expect(Object.keys(backends)).toEqual(['hello/echoserver:8080', 'hello/helloworld-remote:5000', 'hello/helloworld-v1:5000', 'hello/helloworld-v2:5000']);
      const offset = await freeOffset([443, 8081]);
      const rendered = compileNginx([...objects, tls.secret], { backends, listenHost: '127.0.0.1', portOffset: offset, embedSecrets: true, assumeExternal: true });
      expect(rendered.map((r) => `${r.namespace}/${r.name}`)).toEqual(['hello/hello-gateway']);
      expect(rendered[0].diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      served.nginx.push(await startNginx(rendered[0].files, 443 + offset));
      const port = 443 + offset;
      const get = (host: string, p: string, headers?: Record<string, string>) => () => httpsGet(port, host, p, tls.cert, agent, headers);

      // /app: the 90/10 canary
      const canary = await sample(400, get('app.example.com', '/app/hello'));
      expect(Object.keys(canary).sort()).toEqual(['helloworld-v1', 'helloworld-v2']);
      const canaryShare = canary['helloworld-v2'] / 400;
      expect(canaryShare).toBeGreaterThanOrEqual(0.04);
      expect(canaryShare).toBeLessThanOrEqual(0.18);

      // /v1: 80/20
      const shift = await sample(400, get('app.example.com', '/v1/hello'));
      const shiftShare = (shift['helloworld-v2'] ?? 0) / 400;
      expect(shiftShare).toBeGreaterThanOrEqual(0.12);
      expect(shiftShare).toBeLessThanOrEqual(0.3);

      // /remote: both clusters answer
      const remote = await sample(100, get('app.example.com', '/remote/hello'));
      expect(Object.keys(remote).sort()).toEqual(['helloworld-remote', 'helloworld-v1']);

      // blue-green: weight 0 means no traffic at all for green; testers reach it by header
      expect(await sample(50, get('bluegreen.example.com', '/'))).toEqual({ 'helloworld-v1': 50 });
      expect(await sample(10, get('bluegreen.example.com', '/', { 'x-env': 'green' }))).toEqual({ 'helloworld-v2': 10 });

      // no request so far was mirrored (only the catch-all rule mirrors)
      const mirror = served.echoes.get('echoserver')!;
      expect(mirror.hits).toEqual([]);
      const live = await httpsGet(port, 'app.example.com', '/hello?copy=1', tls.cert, agent);
      expect(live.status).toBe(200);
      expect(live.body).toMatchObject({ name: 'helloworld-v1', path: '/hello?copy=1' });
      for (let i = 0; i < 100 && !mirror.hits.includes('/hello?copy=1'); i++) await sleep(50);
      expect(mirror.hits).toEqual(['/hello?copy=1']);
    } finally {
      agent.destroy();
      await stopAll(served);
    }
  });

  test('scenario 5: 301 to https, the 90/10 canary, /api rewritten to /, TCP listeners foo and bar', async () => {
    const objects = synth(load('ingress-nginx'));
    const tls = tlsSecret('kans', 'kans-tls', ['kans.com']);
    const served: Served = { echoes: new Map(), nginx: [] };
    const agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
    try {
      const backends = await startBackends(objects, served, (key) => key.startsWith('tcp/'));
      expect(Object.keys(backends)).toEqual(['kans/api:8080', 'kans/svc-v1:80', 'kans/svc-v2:80', 'tcp/bar-svc:8090', 'tcp/foo-svc:8080']);
      const render = (offset: number, gateway: string) => {
        const rendered = compileNginx([...objects, tls.secret], { backends, listenHost: '127.0.0.1', portOffset: offset, embedSecrets: true, assumeExternal: true });
        expect(rendered.map((r) => `${r.namespace}/${r.name}`).sort()).toEqual(['kans/kans-gateway', 'tcp/tcp-gateway']);
        const r = rendered.find((x) => x.name === gateway)!;
        expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        return r.files;
      };
      // each gateway is its own nginx (as each has its own GatewayProxy), on its own offset
      const web = await freeOffset([80, 443, 8081]);
      served.nginx.push(await startNginx(render(web, 'kans-gateway'), 443 + web));
      // (the web nginx's ports are taken now, so the offset found here cannot collide with them)
      const stream = await freeOffset([8080, 8090, 8081]);
      served.nginx.push(await startNginx(render(stream, 'tcp-gateway'), 8090 + stream));

      // ssl-redirect
      const redirect = await request(80 + web, '/docs?page=2', { host: 'kans.com' });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe('https://kans.com/docs?page=2');

      // rewrite-target: /api/users → /users, /api → /
      const get = (p: string) => () => httpsGet(443 + web, 'kans.com', p, tls.cert, agent);
      expect((await get('/api/users?id=7')()).body).toMatchObject({ name: 'api', path: '/users?id=7' });
      expect((await get('/api')()).body).toMatchObject({ name: 'api', path: '/' });
      // the prefix matches whole path segments only: /apiary is the site
      expect(['svc-v1', 'svc-v2']).toContain((await get('/apiary')()).body.name);

      // the former canary Ingress: 10 % to svc-v2
      const site = await sample(400, get('/index.html'));
      expect(Object.keys(site).sort()).toEqual(['svc-v1', 'svc-v2']);
      const share = site['svc-v2'] / 400;
      expect(share).toBeGreaterThanOrEqual(0.04);
      expect(share).toBeLessThanOrEqual(0.18);

      // tcp-services: each port reaches its own backend
      expect(await tcpRoundTrip(8080 + stream, 'hello foo')).toBe('foo-svc:hello foo');
      expect(await tcpRoundTrip(8090 + stream, 'hello bar')).toBe('bar-svc:hello bar');
    } finally {
      agent.destroy();
      await stopAll(served);
    }
  });
});
