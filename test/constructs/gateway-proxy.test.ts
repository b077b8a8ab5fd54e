import * as crypto from 'crypto';
import { App, Chart, Size } from 'cdk8s';
import * as fc from 'fast-check';
import {
  Backend,
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
import { ProxyConfig } from '../../src/constructs/proxy/config';
import { memoryQuantity, PROXY_BASE_MEMORY_BYTES, PROXY_MEMORY_PER_CONFIG_BYTE, proxyMemoryNeed } from '../../src/constructs/proxy/memory';
import { describeNginx, nginxTest } from '../harness/nginx';
import { selfSigned } from '../harness/openssl';
import { find, newChart, synth, synthError } from '../util';

function proxyApp(options: { resolver?: string; tcp?: boolean; streamModule?: string; nginxVersion?: string } = {}) {
  const { app, chart } = newChart();
  const gateway = new Gateway(chart, 'web-gateway', {
    namespace: 'gateway',
    gatewayClass: GatewayClass.builtin(chart, 'class'),
    listeners: [Listener.http(), Listener.https({ hostname: 'www.example.com', certificates: [TlsCertificate.fromSecret('www-tls')] }), Listener.tcp({ name: 'mysql', port: 3306 })],
  });
  gateway.addHttpRoute('redirect', { namespace: 'gateway', sectionName: 'http', rules: [{ filters: [HttpFilter.redirect({ scheme: 'https', statusCode: 301 })] }] });
  const site = gateway.addHttpRoute('site', { namespace: 'gateway', sectionName: 'https', rules: [{ matches: [PathMatch.prefix('/')], backends: [Backend.fromName('site', { port: 80 })] }] });
  if (options.tcp ?? true) gateway.addTcpRoute('mysql', { namespace: 'gateway', sectionName: 'mysql', backends: [Backend.fromName('mysql-db', { port: 3306 })] });
  const proxy = new GatewayProxy(chart, 'proxy', { gateway, ...(options.resolver ? { resolver: options.resolver } : {}), ...(options.streamModule ? { streamModule: options.streamModule } : {}), ...(options.nginxVersion ? { nginxVersion: options.nginxVersion } : {}) });
  return { app, chart, gateway, proxy, site };
}

test('emits a ConfigMap with the compiled config, a hardened Deployment, a LoadBalancer Service and a PDB', () => {
  const { app } = proxyApp();
  const objs = synth(app);
  const cm = find(objs, 'ConfigMap', 'web-gateway-proxy-config', 'gateway');
  const conf: string = cm.data['nginx.conf'];
  expect(conf).toMatch(/listen 80 default_server;/);
  expect(conf).toMatch(/return 301 "https:\/\/\$host\$request_uri";/);
  // nginx 1.30 (the default image): HTTP/2 by directive, certificates through the entrypoint's include
  expect(conf).toMatch(/listen 443 ssl;\n\s+http2 on;\n\s+server_name www.example.com;/);
  expect(conf).toMatch(/include "\/var\/run\/nginx-gateway\/tls\/tls-1.conf";\n\s+ssl_protocols TLSv1.2 TLSv1.3;/);
  expect(conf).not.toMatch(/ssl_certificate/);
  expect(conf).toMatch(/include "\/var\/run\/nginx-gateway\/resolver.conf";/);
  expect(conf).toMatch(/stream \{/);
  expect(cm.data['tls.list']).toMatch(/^tls-1.conf ssl reject gateway\/www-tls$/m);
  expect(cm.data['entrypoint.sh']).toMatch(/kill -HUP "\$NGINX_PID"/);
  expect(cm.data['entrypoint.sh']).not.toMatch(/nginx [^\n]*-s (reload|quit)/);

  const dep = find(objs, 'Deployment', 'web-gateway-proxy', 'gateway');
  expect(dep.spec.replicas).toBe(2);
  const pod = dep.spec.template.spec;
  expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 101, sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] });
  expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
  expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  const c = pod.containers[0];
  expect(c.image).toBe('nginx:1.30.6');
  expect(c.command).toEqual(['/bin/sh', '/etc/nginx/gateway/config/entrypoint.sh']);
  expect(c.startupProbe.httpGet).toMatchObject({ path: '/readyz', port: 8081 });
  expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 101 });
  expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 8081 });
  expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 8081 });
  expect(c.lifecycle.preStop.exec.command.join(' ')).toMatch(/sleep 5/);
  expect(c.ports.map((p: any) => p.containerPort)).toEqual([80, 443, 3306, 8081]);
  expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(expect.arrayContaining(['/etc/nginx/gateway/config', '/var/run/nginx-gateway', '/var/cache/nginx-gateway', '/tmp', '/etc/nginx/gateway/secrets/gateway/www-tls']));
  // the configuration is a directory mount (kubelet updates it), never a subPath
  expect(c.volumeMounts.filter((m: any) => m.subPath)).toEqual([]);
  // an empty cluster has no certificate yet: the pod starts anyway
  const volumes = new Map(pod.volumes.map((v: any) => [v.name, v]));
  expect((volumes.get('tls-www-tls') as any).secret).toMatchObject({ secretName: 'www-tls', optional: true });
  // every emptyDir is bounded; certificate copies live in memory
  for (const v of pod.volumes.filter((x: any) => x.emptyDir)) expect(v.emptyDir.sizeLimit).toBeDefined();
  expect((volumes.get('run') as any).emptyDir).toEqual({ medium: 'Memory', sizeLimit: '16Mi' });
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
    return { deployment: dep.spec.selector, service: svc.spec.selector, pdb: pdb.spec.selector, anti, podLabels: dep.spec.template.metadata.labels };
  };
  const before = selectors('proxy', false);
  expect(before.deployment).toEqual({ matchLabels: { 'app.kubernetes.io/instance': 'web-gateway-proxy', 'app.kubernetes.io/name': 'cdk8s-gateway-proxy' } });
  // the pod template carries only those labels: no hash of the construct path (cdk8s.io/metadata.addr)
  expect(before.podLabels).toEqual(before.deployment.matchLabels);
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

  test('more than one ConfigMap holds (768 KiB parts): several ConfigMaps, in order, each under the limit, mounted through one projected volume', () => {
    const spy = stderr();
    try {
      const app = manyRoutes(2000);
      const objs = synth(app);
      const maps = objs.filter((o) => o.kind === 'ConfigMap' && (o.metadata.name ?? '').startsWith('gw-proxy-config'));
      expect(maps.map((o) => o.metadata.name)).toEqual(['gw-proxy-config', 'gw-proxy-config-001', 'gw-proxy-config-002']);
      // the first holds nginx.conf (now the include skeleton), tls.list and the entrypoint; each other one part
      expect(Object.keys(maps[0].data as object).sort()).toEqual(['entrypoint.sh', 'nginx.conf', 'tls.list']);
      expect(maps.slice(1).map((o) => Object.keys(o.data as object))).toEqual([['part-001.conf'], ['part-002.conf']]);
      for (const o of maps) {
        const bytes = Object.entries(o.data as Record<string, string>).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
        expect(bytes).toBeLessThanOrEqual(768 * 1024 + 64 * 1024);
        expect(o.metadata.labels).toEqual(maps[0].metadata.labels);
        expect(o.metadata.namespace).toBe('gateway');
      }
      // nginx.conf includes each part and lists its hash
      const conf = (maps[0].data as Record<string, string>)['nginx.conf'];
      for (const o of maps.slice(1)) {
        const [file, content] = Object.entries(o.data as Record<string, string>)[0];
        expect(conf).toContain(`include ${file};`);
        expect(conf).toContain(`# part ${file} ${crypto.createHash('sha256').update(content).digest('hex')}\n`);
      }
      const dep = find(objs, 'Deployment', 'gw-proxy', 'gateway');
      const volumes = dep.spec.template.spec.volumes;
      expect(volumes.find((v: any) => v.name === 'config')).toEqual({
        name: 'config',
        projected: { defaultMode: 0o444, sources: maps.map((o) => ({ configMap: { name: o.metadata.name } })) },
      });
      // the run directory holds the running and the staged configuration
      const total = maps.reduce((n, o) => n + Object.values(o.data as Record<string, string>).reduce((m, v) => m + Buffer.byteLength(v), 0), 0);
      expect(volumes.find((v: any) => v.name === 'run').emptyDir).toEqual({ medium: 'Memory', sizeLimit: `${16 + 2 * Math.ceil(total / (1024 * 1024))}Mi` });
      // still one mount at the same directory
      expect(dep.spec.template.spec.containers[0].volumeMounts.filter((m: any) => m.mountPath === '/etc/nginx/gateway/config')).toEqual([{ mountPath: '/etc/nginx/gateway/config', name: 'config', readOnly: true }]);
      // a second synth of the same app: the same objects
      expect(app.synthYaml()).toBe(app.synthYaml());
    } finally {
      spy.mockRestore();
    }
  });

  test('a route change changes the parts, the hashes nginx.conf lists and the config checksum (a rollout)', () => {
    const spy = stderr();
    try {
      const a = synth(manyRoutes(2000));
      const changedApp = manyRoutes(2000);
      const gw = changedApp.node.findAll().find((c): c is Gateway => c instanceof Gateway)!;
      gw.addHttpRoute('extra', { namespace: 'apps', hostnames: ['app49.example.com'], rules: [{ matches: [PathMatch.exact('/extra')], backends: [Backend.fromName('extra', { port: 80 })] }] });
      const b = synth(changedApp);
      const data = (objs: any[], name: string) => find(objs, 'ConfigMap', name, 'gateway').data as Record<string, string>;
      expect(data(b, 'gw-proxy-config')['nginx.conf']).not.toBe(data(a, 'gw-proxy-config')['nginx.conf']);
      const parts = (objs: any[]) => objs.filter((o) => o.kind === 'ConfigMap' && /^gw-proxy-config-\d{3}$/.test(o.metadata.name)).map((o) => Object.values(o.data as Record<string, string>)[0]);
      expect(parts(b).filter((p) => p.includes('location = "/extra"'))).toHaveLength(1);
      expect(parts(a).filter((p) => p.includes('location = "/extra"'))).toHaveLength(0);
      // every listed hash is the one of its part, in both versions
      for (const objs of [a, b]) {
        for (const line of data(objs, 'gw-proxy-config')['nginx.conf'].split('\n').filter((l) => l.startsWith('# part '))) {
          const [, , file, sum] = line.split(' ');
          const cm = `gw-proxy-config-${file.slice(5, 8)}`;
          expect(crypto.createHash('sha256').update(data(objs, cm)[file]).digest('hex')).toBe(sum);
        }
      }
      const sum = (objs: any[]) => find(objs, 'Deployment', 'gw-proxy', 'gateway').spec.template.metadata.annotations['cdk8s-gateway.dev/config-checksum'];
      expect(sum(b)).not.toBe(sum(a));
    } finally {
      spy.mockRestore();
    }
  });

  test('a configuration that shrinks back into one ConfigMap drops the parts and the projected volume', () => {
    const spy = stderr();
    try {
      const { app, chart } = newChart();
      const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })] });
      const proxy = new GatewayProxy(chart, 'proxy', { gateway });
      const parts = jest.spyOn(ProxyConfig.prototype, 'configParts').mockReturnValue([{ name: 'gw-proxy-config-001', data: { 'part-001.conf': 'server {}\n' } }]);
      const split = synth(app);
      expect(split.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name)).toEqual(['gw-proxy-config', 'gw-proxy-config-001', 'gw-proxy-ca']);
      parts.mockRestore();
      const one = synth(app);
      expect(one.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name)).toEqual(['gw-proxy-config', 'gw-proxy-ca']);
      expect(find(one, 'Deployment', 'gw-proxy', 'gateway').spec.template.spec.volumes.find((v: any) => v.name === 'config')).toEqual({ name: 'config', configMap: { name: 'gw-proxy-config', defaultMode: 0o444 } });
      expect(proxy.configMap.name).toBe('gw-proxy-config');
    } finally {
      spy.mockRestore();
    }
  });

  test('more parts than a proxy mounts (32) fails synth, naming the size and the fix', () => {
    const { app, chart } = newChart();
    const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })] });
    new GatewayProxy(chart, 'proxy', { gateway });
    const part = 'x'.repeat(700 * 1024);
    const parts = jest.spyOn(ProxyConfig.prototype, 'configParts').mockReturnValue(Array.from({ length: 33 }, (_, i) => ({ name: `gw-proxy-config-${String(i + 1).padStart(3, '0')}`, data: { [`part-${String(i + 1).padStart(3, '0')}.conf`]: part } })));
    try {
      expect(synthError(app)).toMatch(/ConfigMap gateway\/gw-proxy-config: the compiled configuration of Gateway gateway\/gw is 22\.\d MiB, 33 parts of at most 768 KiB, more than the 32 ConfigMaps a proxy mounts .*Fix: spread the routes over several Gateways/);
    } finally {
      parts.mockRestore();
    }
  });

  test('a part larger than a ConfigMap holds (a block that cannot be split) fails synth, naming the ConfigMap and the fix', () => {
    const { app, chart } = newChart();
    const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })] });
    new GatewayProxy(chart, 'proxy', { gateway });
    const parts = jest.spyOn(ProxyConfig.prototype, 'configParts').mockReturnValue([{ name: 'gw-proxy-config-001', data: { 'part-001.conf': 'x'.repeat(1100 * 1024) } }]);
    try {
      expect(synthError(app)).toMatch(/ConfigMap gateway\/gw-proxy-config-001: the compiled configuration of Gateway gateway\/gw \(part-001\.conf\) is 1100 KiB; the API server stores at most 1,024 KiB in a ConfigMap, so applying it would fail\. Fix: spread the routes over several Gateways/);
    } finally {
      parts.mockRestore();
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

  test('between half the annotation limit and the limit, the ConfigMap JSON decides (escapes count)', () => {
    const warningsFor = (text: string): string[] => {
      const { app, chart } = newChart();
      const gateway = new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })] });
      new GatewayProxy(chart, 'proxy', { gateway });
      const parts = jest.spyOn(ProxyConfig.prototype, 'configParts').mockReturnValue([{ name: 'gw-proxy-config-001', data: { 'part-001.conf': text } }]);
      const spy = stderr();
      try {
        app.synthYaml();
        return spy.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('gw-proxy-config-001'));
      } finally {
        spy.mockRestore();
        parts.mockRestore();
      }
    };
    // 200 KiB either way; newlines are escaped as two characters in JSON (400 KiB), letters are not
    expect(warningsFor('x'.repeat(200 * 1024))).toEqual([]);
    expect(warningsFor('\n'.repeat(200 * 1024))).toEqual([expect.stringMatching(/ConfigMap gateway\/gw-proxy-config-001 holds 200 KiB, more than client-side `kubectl apply` can record/)]);
    // over the limit in bytes: warned without serializing
    expect(warningsFor('x'.repeat(300 * 1024))).toEqual([expect.stringMatching(/gw-proxy-config-001 holds 300 KiB/)]);
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
  for (const [i, bad] of [0, 4097, 2.5].entries()) {
    expect(() => new GatewayProxy(chart, `k${i}`, { gateway, backendKeepalive: bad })).toThrow(new RegExp(`backendKeepalive: ${bad} is not a whole number from 1 to 4096 .*Fix: use e\\.g\\. 32, or leave it out`));
  }
});

test('backendKeepalive: the keepalive of every backend\'s upstream block (32 by default for a few backends)', () => {
  const conf = (keepalive?: number) => {
    const { app, chart } = newChart();
    const gateway = new Gateway(chart, 'gw', { gatewayClass: GatewayClass.builtin(chart, 'class'), listeners: [Listener.http()] });
    for (const svc of ['a', 'b']) gateway.addHttpRoute(svc, { rules: [{ matches: [PathMatch.prefix(`/${svc}`)], backends: [Backend.fromName(svc, { port: 80 })] }] });
    new GatewayProxy(chart, 'proxy', { gateway, ...(keepalive !== undefined ? { backendKeepalive: keepalive } : {}) });
    return String(find(synth(app), 'ConfigMap', 'gw-proxy-config').data['nginx.conf']);
  };
  const keepalives = (c: string) => c.match(/^\s*keepalive \d+;$/gm)!.map((l) => l.trim());
  expect(keepalives(conf())).toEqual(['keepalive 32;', 'keepalive 32;']);
  expect(keepalives(conf(200))).toEqual(['keepalive 200;', 'keepalive 200;']);
});

describeNginx('the emitted configuration loads in nginx', () => {
  test('nginx -t passes for the compiled config with the certificate files in place', () => {
    // Debian's nginx (this machine's line) loads the stream module dynamically (the official image has it built in)
    const { app } = proxyApp({ streamModule: 'dynamic', nginxVersion: '1.22.1' });
    const cm = find(synth(app), 'ConfigMap', 'web-gateway-proxy-config', 'gateway');
    const cert = selfSigned(['www.example.com']);
    expect(cert).toBeDefined();
    // nginx -t binds the listen sockets: move the public ports above 1024 so a non-root user can run it;
    // the run directory's files (written by the entrypoint in the pod, see test/sandbox) next to the configuration
    const conf = (cm.data['nginx.conf'] as string)
      .replace(/listen (\d+)(?=[ ;])/g, (_m: string, p: string) => `listen ${Number(p) + 20000}`)
      .replace(/"\/var\/run\/nginx-gateway\//g, '"');
    const r = nginxTest({
      'nginx.conf': conf,
      'resolver.conf': 'resolver 127.0.0.1 valid=10s; resolver_timeout 5s;\n',
      'tls/tls-1.conf': 'ssl_certificate secrets/gateway/www-tls/tls.crt;\nssl_certificate_key secrets/gateway/www-tls/tls.key;\n',
      'secrets/gateway/www-tls/tls.crt': cert!.cert,
      'secrets/gateway/www-tls/tls.key': cert!.key,
    });
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

describe('memory: sized from the configuration (test/sandbox/proxy-memory.test.ts runs it under the limit)', () => {
  const MIB = 2 ** 20;
  const memoryOf = (objs: any[]) => find(objs, 'Deployment', 'web-gateway-proxy', 'gateway').spec.template.spec.containers[0].resources;

  test('the need: the running configuration, twice that while it changes, a limit with a fifth more in whole 64 MiB and never under 512 MiB', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 * MIB }), (bytes) => {
        const n = proxyMemoryNeed(bytes);
        expect(n.runningBytes).toBe(PROXY_BASE_MEMORY_BYTES + PROXY_MEMORY_PER_CONFIG_BYTE * bytes);
        expect(n.reloadBytes).toBeGreaterThanOrEqual(2 * n.runningBytes);
        const limit = n.limit.toMebibytes() * MIB;
        expect(limit).toBeGreaterThanOrEqual(Math.max(512 * MIB, 1.2 * n.reloadBytes));
        expect(limit % (64 * MIB)).toBe(0);
        expect(limit - 64 * MIB).toBeLessThan(Math.max(512 * MIB, 1.2 * n.reloadBytes));
        expect(n.request.toMebibytes() * MIB).toBeGreaterThanOrEqual(Math.max(64 * MIB, n.runningBytes));
      }),
    );
    // 4.9 MiB of configuration (about 10,000 header + query routes of bench/proxy-scale.ts)
    expect(memoryQuantity(proxyMemoryNeed(4.9 * MIB).limit)).toBe('1280Mi');
    expect(memoryQuantity(proxyMemoryNeed(60 * 1024).limit)).toBe('512Mi');
  });

  test('a small configuration keeps 64Mi / 512Mi', () => {
    const { app } = proxyApp();
    expect(memoryOf(synth(app) as any[]).requests.memory).toBe('64Mi');
    expect(memoryOf(synth(app) as any[]).limits.memory).toBe('512Mi');
  });

  test('a large configuration raises request and limit to its need', () => {
    const bytes = jest.spyOn(ProxyConfig.prototype, 'configBytes').mockReturnValue(Math.round(4.9 * MIB));
    try {
      const { app } = proxyApp();
      const r = memoryOf(synth(app) as any[]);
      expect(r.limits.memory).toBe('1280Mi');
      expect(r.requests.memory).toBe(memoryQuantity(proxyMemoryNeed(Math.round(4.9 * MIB)).request));
      expect(r.limits.cpu).toBe('1000m');
    } finally {
      bytes.mockRestore();
    }
  });

  test('memoryLimit / memoryRequest are used as given; a limit under the need while changing is a warning naming the prop and the size it needs', () => {
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const bytes = jest.spyOn(ProxyConfig.prototype, 'configBytes').mockReturnValue(Math.round(4.9 * MIB));
    try {
      const { app, chart, gateway } = proxyApp();
      new GatewayProxy(chart, 'small', { gateway, name: 'small-proxy', memoryLimit: Size.mebibytes(512), memoryRequest: Size.mebibytes(300) });
      new GatewayProxy(chart, 'big', { gateway, name: 'big-proxy', memoryLimit: Size.gibibytes(2) });
      const objs = synth(app) as any[];
      const res = (name: string) => find(objs, 'Deployment', name, 'gateway').spec.template.spec.containers[0].resources;
      expect(res('small-proxy').limits.memory).toBe('512Mi');
      expect(res('small-proxy').requests.memory).toBe('300Mi');
      expect(res('big-proxy').limits.memory).toBe('2048Mi');
      const warnings = spy.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('memoryLimit'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^cdk8s-gateway warning: \[test\/small\] memoryLimit: 512Mi is less than the \d+ MiB this configuration \(4\.9 MiB of nginx configuration\) needs while it changes: .*OOM-killed at the first change\. Fix: remove memoryLimit \(the proxy sizes it, 1280Mi here\) or set at least 1280Mi/);
    } finally {
      bytes.mockRestore();
      spy.mockRestore();
    }
  });
});
