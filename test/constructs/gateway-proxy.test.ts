import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { App, Chart } from 'cdk8s';
import {
  Backend,
  compileNginx,
  ExternalService,
  Gateway,
  GatewayClass,
  GatewayProxy,
  HeaderMatch,
  HttpFilter,
  HttpRoute,
  Listener,
  MetalLbPool,
  ParentRef,
  PathMatch,
  ProxyServiceType,
  QueryParamMatch,
  RouteNamespaces,
  TlsCertificate,
} from '../../src';
import { describeNginx, freeOffset, nginxTest, selfSigned } from '../render/nginx-harness';
import { find, newChart, synth, synthError } from '../util';

function proxyApp(options: { resolver?: string; tcp?: boolean; streamModule?: string } = {}) {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'web-gateway', {
    namespace: 'gateway',
    gatewayClass: GatewayClass.builtin(chart, 'class'),
    listeners: [Listener.http(), Listener.https({ hostname: 'www.example.com', certificates: [TlsCertificate.fromSecret('www-tls')] }), Listener.tcp({ name: 'mysql', port: 3306 })],
  });
  gateway.addHttpRoute('redirect', { namespace: 'gateway', sectionName: 'http', rules: [{ filters: [HttpFilter.redirect({ scheme: 'https', statusCode: 301 })] }] });
  const site = gateway.addHttpRoute('site', { namespace: 'gateway', sectionName: 'https', rules: [{ matches: [PathMatch.prefix('/')], backends: [Backend.fromName('site', { port: 80 })] }] });
  if (options.tcp ?? true) gateway.addTcpRoute('mysql', { namespace: 'gateway', sectionName: 'mysql', backends: [Backend.fromName('mysql-db', { port: 3306 })] });
  const proxy = new GatewayProxy(chart, 'proxy', { gateway, ...(options.resolver ? { resolver: options.resolver } : {}), ...(options.streamModule ? { streamModule: options.streamModule } : {}) });
  return { app, chart, gateway, proxy, site };
}

test('emits a ConfigMap with the compiled config, a hardened Deployment, a LoadBalancer Service and a PDB', () => {
  const { app } = proxyApp();
  const objs = synth(app);
  const cm = find(objs, 'ConfigMap', 'web-gateway-proxy-config', 'gateway');
  const conf: string = cm.data['nginx.conf'];
  expect(conf).toMatch(/listen 80 default_server;/);
  expect(conf).toMatch(/return 301 "https:\/\/\$host\$request_uri";/);
  expect(conf).toMatch(/listen 443 ssl http2;\n\s+server_name www.example.com;/);
  expect(conf).toMatch(/ssl_certificate "secrets\/gateway\/www-tls\/tls.crt";/);
  expect(conf).toMatch(/ssl_protocols TLSv1.2 TLSv1.3;/);
  expect(conf).toMatch(/stream \{/);
  expect(cm.data['entrypoint.sh']).toMatch(/-s reload/);

  const dep = find(objs, 'Deployment', 'web-gateway-proxy', 'gateway');
  expect(dep.spec.replicas).toBe(2);
  const pod = dep.spec.template.spec;
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 101, sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] });
  expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
  const c = pod.containers[0];
  expect(c.image).toBe('nginx:1.28.0');
  expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 101 });
  expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 8081 });
  expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8081 });
  expect(c.lifecycle.preStop.exec.command.join(' ')).toMatch(/sleep 5/);
  expect(c.ports.map((p: any) => p.containerPort)).toEqual([80, 443, 3306, 8081]);
  expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/etc/nginx/gateway/nginx.conf', '/var/run/nginx-gateway', '/tmp', '/etc/nginx/gateway/secrets/gateway/www-tls']));
  expect(dep.spec.template.metadata.annotations['cdk8s-gateway.dev/config-checksum']).toMatch(/^[0-9a-f]{64}$/);

  const svc = find(objs, 'Service', 'web-gateway-proxy', 'gateway');
  expect(svc.spec.type).toBe('LoadBalancer');
  expect(svc.spec.externalTrafficPolicy).toBe('Local');
  expect(svc.spec.ports.map((p: any) => `${p.protocol}/${p.port}`)).toEqual(['TCP/80', 'TCP/443', 'TCP/3306']);
  expect(svc.metadata.labels['gateway.networking.k8s.io/gateway-name']).toBe('web-gateway');
  const pdb = find(objs, 'PodDisruptionBudget', 'web-gateway-proxy', 'gateway');
  expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: dep.spec.selector.matchLabels } });
});

test('the pods are selected by labels of the proxy name: renaming or moving the construct keeps the immutable selector', () => {
  const selectors = (id: string, nested: boolean) => {
    const { app, chart } = newChart();
    const gateway = new Gateway(chart, 'gw', { name: 'web-gateway', namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
    gateway.addHttpRoute('site', { namespace: 'gateway', rules: [{ backends: [Backend.fromName('site', { port: 80 })] }] });
    const scope = nested ? new Chart(app, 'elsewhere') : chart;
    new GatewayProxy(scope, id, { gateway });
    const objs = synth(app);
    const dep = find(objs, 'Deployment', 'web-gateway-proxy', 'gateway');
    const svc = find(objs, 'Service', 'web-gateway-proxy', 'gateway');
    const pdb = find(objs, 'PodDisruptionBudget', 'web-gateway-proxy', 'gateway');
    const anti = dep.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector;
    // every selector matches the pod template's labels
    for (const sel of [dep.spec.selector.matchLabels, svc.spec.selector, pdb.spec.selector.matchLabels, anti.matchLabels]) {
      expect(dep.spec.template.metadata.labels).toMatchObject(sel);
    }
    return { deployment: dep.spec.selector, service: svc.spec.selector, pdb: pdb.spec.selector, anti };
  };
  const before = selectors('proxy', false);
  expect(before.deployment).toEqual({ matchLabels: { 'app.kubernetes.io/instance': 'web-gateway-proxy', 'app.kubernetes.io/name': 'cdk8s-gateway-proxy' } });
  expect(selectors('renamed-proxy', false)).toEqual(before);
  expect(selectors('proxy', true)).toEqual(before);
});

describe('the compiled configuration fits its ConfigMap', () => {
  /** A proxy for `n` routes, each with a path, a header and a query match (≈ 630 bytes of nginx.conf each). */
  function manyRoutes(n: number) {
    const { app, chart } = newChart();
    const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })] });
    for (let i = 0; i < n; i++) {
      gateway.addHttpRoute(`r${i}`, {
        namespace: 'apps',
        hostnames: [`app${i % 50}.example.com`],
        rules: [{ matches: [PathMatch.prefix(`/svc${i}`).withHeaders(HeaderMatch.exact('x-tenant', `t${i}`)).withQueryParams(QueryParamMatch.exact('v', String(i % 7)))], backends: [Backend.fromName(`svc${i}`, { port: 8080 })] }],
      });
    }
    new GatewayProxy(chart, 'proxy', { gateway });
    return app;
  }
  const stderr = () => jest.spyOn(process.stderr, 'write').mockImplementation(() => true);

  test('more than the API server stores in a ConfigMap (1 MiB) fails synth, naming the size and the fix', () => {
    const spy = stderr();
    try {
      expect(synthError(manyRoutes(2000))).toMatch(/ConfigMap gateway\/gw-proxy-config: the compiled configuration of Gateway gateway\/gw is 1\d{3} KiB; the API server stores at most 1,024 KiB in a ConfigMap.*Fix: spread the routes over several Gateways/);
    } finally {
      spy.mockRestore();
    }
  });

  test('more than client-side kubectl apply can record (256 KiB) synthesizes, with a warning to apply server-side', () => {
    const spy = stderr();
    try {
      manyRoutes(600).synthYaml();
      const warnings = spy.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('gw-proxy-config'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^cdk8s-gateway warning: \[test\/proxy\] ConfigMap gateway\/gw-proxy-config holds \d+ KiB, more than client-side `kubectl apply` can record.*kubectl apply --server-side/);
    } finally {
      spy.mockRestore();
    }
  });

  test('a small proxy says nothing', () => {
    const spy = stderr();
    try {
      proxyApp().app.synthYaml();
      expect(spy.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('ConfigMap'))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});

test('a route change changes the config checksum; unchanged input is byte-stable', () => {
  const a = proxyApp().app.synthYaml();
  expect(proxyApp().app.synthYaml()).toBe(a);
  const changed = proxyApp();
  changed.site.addRule({ matches: [PathMatch.exact('/new')], backends: [Backend.fromName('new', { port: 80 })] });
  const sum = (y: string) => /config-checksum: ([0-9a-f]+)/.exec(y)![1];
  expect(sum(changed.app.synthYaml())).not.toBe(sum(a));
});

test('service type, annotations and a MetalLB address', () => {
  const { app, chart } = newChart();
  const pool = new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240-192.168.1.250'] });
  const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
  new GatewayProxy(chart, 'proxy', { gateway, loadBalancerAddress: pool.address('192.168.1.240'), serviceAnnotations: { 'example.com/x': 'y' }, podDisruptionBudget: false, replicas: 3 });
  new GatewayProxy(chart, 'internal', { gateway, name: 'gw-internal', serviceType: ProxyServiceType.CLUSTER_IP });
  const objs = synth(app);
  const svc = find(objs, 'Service', 'gw-proxy', 'gateway');
  expect(svc.metadata.annotations).toMatchObject({ 'metallb.io/loadBalancerIPs': '192.168.1.240', 'example.com/x': 'y' });
  expect(svc.spec.loadBalancerIP).toBeUndefined();
  expect(objs.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name)).toEqual(['gw-internal']);
  const internal = find(objs, 'Service', 'gw-internal', 'gateway');
  expect(internal.spec.type).toBe('ClusterIP');
  expect(internal.spec.externalTrafficPolicy).toBeUndefined();
});

test('a Gateway whose class is not the built-in one is refused', () => {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.istio(chart, 'istio'), listeners: [Listener.http()] });
  new GatewayProxy(chart, 'proxy', { gateway });
  expect(synthError(app)).toMatch(/\[test\/proxy\] gateway: Gateway gateway\/gw has class "istio".*Fix: use GatewayClass.builtin/);
});

test('a certificate Secret in another namespace cannot be mounted', () => {
  const { chart } = newChart();
  const gateway = new Gateway(chart, 'gw', {
    namespace: 'gateway',
    gatewayClass: GatewayClass.builtin(chart, 'class'),
    listeners: [Listener.https({ certificates: [TlsCertificate.fromSecret('tls', { namespace: 'certs' })] })],
  });
  expect(() => new GatewayProxy(chart, 'proxy', { gateway })).toThrow(/is in namespace certs; a pod can only mount Secrets of its own namespace \(gateway\).*Fix: issue the certificate into namespace gateway/);
});

test('bad props throw', () => {
  const { chart } = newChart();
  const gateway = new Gateway(chart, 'gw', { gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
  expect(() => new GatewayProxy(chart, 'p1', { gateway, replicas: 0 })).toThrow(/replicas: 0 is not a positive integer/);
  expect(() => new GatewayProxy(chart, 'p2', { gateway, healthPort: 0 })).toThrow(/healthPort: 0 is not a port number/);
  expect(() => new GatewayProxy(chart, 'p3', { gateway, name: 'Bad Name' })).toThrow(/name: "Bad Name"/);
});

describeNginx('the emitted configuration loads in nginx', () => {
  test('nginx -t passes for the compiled config with the certificate files in place', () => {
    // Debian's nginx loads the stream module dynamically (the official image has it built in)
    const { app } = proxyApp({ resolver: '127.0.0.1', streamModule: 'dynamic' });
    const cm = find(synth(app), 'ConfigMap', 'web-gateway-proxy-config', 'gateway');
    const cert = selfSigned(['www.example.com']);
    expect(cert).toBeDefined();
    // nginx -t binds the listen sockets: move the public ports above 1024 so a non-root user can run it
    const conf = (cm.data['nginx.conf'] as string).replace(/listen (\d+)(?=[ ;])/g, (_m: string, p: string) => `listen ${Number(p) + 20000}`);
    const r = nginxTest({ 'nginx.conf': conf, 'secrets/gateway/www-tls/tls.crt': cert!.cert, 'secrets/gateway/www-tls/tls.key': cert!.key });
    expect(r.output).toBe('');
    expect(r.ok).toBe(true);
  });
});

test('the proxy is reachable from Chart-level code (construct tree)', () => {
  const app = new App({ outdir: '.tmp/test-out' });
  const chart = new Chart(app, 'c');
  const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
  new HttpRoute(chart, 'r', { namespace: 'gateway', parents: [ParentRef.gateway(gateway)], rules: [{ backends: [Backend.fromName('a', { port: 80 })] }] });
  const proxy = new GatewayProxy(chart, 'proxy', { gateway });
  expect(proxy.name).toBe('gw-proxy');
  expect(proxy.namespace).toBe('gateway');
  expect(() => app.synthYaml()).not.toThrow();
});

test('the proxy Service takes the Gateway\'s load-balancer address; static endpoints are dialled directly', () => {
  const { app, chart } = newChart();
  const pool = new MetalLbPool(chart, 'lan', { addresses: ['10.10.10.60-10.10.10.70'] });
  const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), loadBalancerAddress: pool.address('10.10.10.62'), listeners: [Listener.http()] });
  const nas = new ExternalService(chart, 'nas', { namespace: 'gateway', address: 'nas.lan.example.com', port: 5001 });
  gateway.addHttpRoute('nas-route', { namespace: 'gateway', rules: [{ backends: [Backend.fromExternalService(nas)] }] });
  new GatewayProxy(chart, 'proxy', { gateway });
  const objs = synth(app);
  expect(find(objs, 'Service', 'gw-proxy', 'gateway').metadata.annotations['metallb.io/loadBalancerIPs']).toBe('10.10.10.62');
  const conf: string = find(objs, 'ConfigMap', 'gw-proxy-config', 'gateway').data['nginx.conf'];
  expect(conf).toMatch(/nas\.lan\.example\.com:5001/);
  expect(conf).not.toMatch(/nas\.gateway\.svc\.cluster\.local/);
});

describeNginx('certificate renewal reaches a running proxy', () => {
  test('the entrypoint reloads nginx when a mounted certificate changes, and drains on SIGTERM', async () => {
    const { app } = proxyApp({ tcp: false });
    const objects = synth(app);
    const entry: string = find(objects, 'ConfigMap', 'web-gateway-proxy-config', 'gateway').data['entrypoint.sh'];
    const offset = await freeOffset([80, 443, 8081]);
    // the same compiler as the proxy, on loopback with high ports (the entrypoint does not care)
    const [rendered] = compileNginx(objects, { assumeExternal: true, listenHost: '127.0.0.1', portOffset: offset, backends: { 'gateway/site:80': '127.0.0.1:9' } });
    const confDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-proxy-conf-'));
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gw-proxy-run-'));
    const writeCert = (c: { cert: string; key: string }) => {
      fs.mkdirSync(path.join(confDir, 'secrets', 'gateway', 'www-tls'), { recursive: true });
      fs.writeFileSync(path.join(confDir, 'secrets', 'gateway', 'www-tls', 'tls.key'), c.key);
      fs.writeFileSync(path.join(confDir, 'secrets', 'gateway', 'www-tls', 'tls.crt'), c.cert);
    };
    fs.writeFileSync(path.join(confDir, 'nginx.conf'), rendered.files['nginx.conf']);
    fs.writeFileSync(path.join(confDir, 'entrypoint.sh'), entry);
    const first = selfSigned(['www.example.com'])!;
    const renewed = selfSigned(['www.example.com'])!;
    writeCert(first);
    const fingerprint = () =>
      new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: 443 + offset, servername: 'www.example.com', rejectUnauthorized: false }, () => {
          resolve(s.getPeerX509Certificate()!.fingerprint256);
          s.end();
        });
        s.on('error', reject);
      });
    const expected = (pem: string) => new crypto.X509Certificate(pem).fingerprint256;
    const child = spawn('/bin/sh', [path.join(confDir, 'entrypoint.sh')], {
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/bin:/bin`, CDK8S_GATEWAY_CONF_DIR: confDir, CDK8S_GATEWAY_RUN_DIR: runDir, CDK8S_GATEWAY_RELOAD_CHECK_SECONDS: '1' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let code: number | null | undefined;
    try {
      let fp = '';
      for (let i = 0; i < 50 && !fp; i++) fp = await fingerprint().catch(async () => (await new Promise((r) => setTimeout(r, 200)), ''));
      expect(fp).toBe(expected(first.cert));
      writeCert(renewed); // what the kubelet does when cert-manager updates the Secret
      let now = fp;
      for (let i = 0; i < 40 && now !== expected(renewed.cert); i++) {
        await new Promise((r) => setTimeout(r, 250));
        now = await fingerprint().catch(() => now);
      }
      expect(now).toBe(expected(renewed.cert));
    } finally {
      child.kill('SIGTERM');
      code = await exited;
      fs.rmSync(confDir, { recursive: true, force: true });
      fs.rmSync(runDir, { recursive: true, force: true });
    }
    // after the block, so a failure inside it is the one reported
    expect(code).toBe(0);
  });
});
