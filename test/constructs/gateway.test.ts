import { ApiObject } from 'cdk8s';
import {
  Gateway,
  GatewayAddress,
  GatewayClass,
  GatewayController,
  Listener,
  RouteKind,
  RouteNamespaces,
  TlsCertificate,
  TlsMode,
} from '../../src';
import { find, newChart, synth, synthError } from '../util';

describe('GatewayClass', () => {
  test('presets set the controller and a conventional name', () => {
    const { app, chart } = newChart('infra');
    GatewayClass.nginxGatewayFabric(chart, 'ngf');
    GatewayClass.istio(chart, 'istio');
    GatewayClass.envoyGateway(chart, 'eg');
    GatewayClass.cilium(chart, 'cilium');
    GatewayClass.builtin(chart, 'own', { description: 'built-in nginx' });
    const objs = synth(app);
    expect(find(objs, 'GatewayClass', 'nginx').spec).toEqual({ controllerName: GatewayController.NGINX_GATEWAY_FABRIC });
    expect(find(objs, 'GatewayClass', 'istio').spec.controllerName).toBe('istio.io/gateway-controller');
    expect(find(objs, 'GatewayClass', 'eg').spec.controllerName).toBe('gateway.envoyproxy.io/gatewayclass-controller');
    expect(find(objs, 'GatewayClass', 'cilium').spec.controllerName).toBe('io.cilium/gateway-controller');
    const own = find(objs, 'GatewayClass', 'cdk8s-gateway');
    expect(own.spec).toEqual({ controllerName: GatewayController.BUILTIN, description: 'built-in nginx' });
    // cluster-scoped: the chart namespace is not applied
    expect(own.metadata.namespace).toBeUndefined();
  });

  test('parametersRef and a bad controller name', () => {
    const { app, chart } = newChart();
    new GatewayClass(chart, 'eg-custom', {
      controllerName: GatewayController.ENVOY_GATEWAY,
      parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'custom', namespace: 'envoy-gateway-system' },
    });
    expect(find(synth(app), 'GatewayClass', 'eg-custom').spec.parametersRef).toEqual({
      group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'custom', namespace: 'envoy-gateway-system',
    });
    expect(() => new GatewayClass(chart, 'bad', { controllerName: 'no-slash' })).toThrow(/spec.controllerName: "no-slash" is not a domain-prefixed path.*Fix:/);
  });
});

describe('Gateway', () => {
  test('renders every listener protocol with defaults', () => {
    const { app, chart } = newChart();
    const gw = new Gateway(chart, 'mixed-gateway', {
      namespace: 'gw',
      gatewayClass: GatewayClass.fromName('nginx'),
      addresses: [GatewayAddress.ipAddress('10.10.10.62')],
      infrastructure: { labels: { team: 'net' }, annotations: { 'metallb.io/address-pool': 'lan' } },
      listeners: [
        Listener.http(),
        Listener.https({ hostname: '*.example.com', certificates: [TlsCertificate.fromSecret('wildcard-tls')] }),
        Listener.tls({ name: 'passthrough', port: 8443, hostname: 'tls.example.com' }),
        Listener.tcp({ name: 'mysql', port: 3306 }),
        Listener.udp({ name: 'dns', port: 53, routeNamespaces: RouteNamespaces.all() }),
      ],
    });
    const added = gw.addListener(Listener.http({ name: 'http-alt', port: 8080, routeKinds: [RouteKind.HTTP_ROUTE] }));
    expect(added.name).toBe('http-alt');
    const spec = find(synth(app), 'Gateway', 'mixed-gateway', 'gw').spec;
    expect(spec.gatewayClassName).toBe('nginx');
    expect(spec.addresses).toEqual([{ type: 'IPAddress', value: '10.10.10.62' }]);
    expect(spec.infrastructure).toEqual({ labels: { team: 'net' }, annotations: { 'metallb.io/address-pool': 'lan' } });
    expect(spec.listeners).toEqual([
      { name: 'http', port: 80, protocol: 'HTTP' },
      { name: 'https', port: 443, protocol: 'HTTPS', hostname: '*.example.com', tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'wildcard-tls' }] } },
      { name: 'passthrough', port: 8443, protocol: 'TLS', hostname: 'tls.example.com', tls: { mode: 'Passthrough' } },
      { name: 'mysql', port: 3306, protocol: 'TCP' },
      { name: 'dns', port: 53, protocol: 'UDP', allowedRoutes: { namespaces: { from: 'All' } } },
      { name: 'http-alt', port: 8080, protocol: 'HTTP', allowedRoutes: { kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] } },
    ]);
  });

  test('selector namespaces render the label selector', () => {
    const { app, chart } = newChart();
    new Gateway(chart, 'gw', {
      gatewayClass: GatewayClass.fromName('nginx'),
      listeners: [Listener.http({ routeNamespaces: RouteNamespaces.selector({ matchLabels: { 'route-allowed': 'true' } }) })],
    });
    expect(find(synth(app), 'Gateway', 'gw').spec.listeners[0].allowedRoutes).toEqual({
      namespaces: { from: 'Selector', selector: { matchLabels: { 'route-allowed': 'true' } } },
    });
  });

  test('metadata name is explicit and stable, overridable, and validated', () => {
    const { app, chart } = newChart('web');
    new Gateway(chart, 'Web_Gateway', { gatewayClass: GatewayClass.fromName('x'), listeners: [Listener.http()] });
    new Gateway(chart, 'other', { name: 'pinned-name', gatewayClass: GatewayClass.fromName('x'), listeners: [Listener.http({ port: 8080 })] });
    const objs = synth(app);
    expect(find(objs, 'Gateway', 'web-gateway', 'web')).toBeDefined();
    expect(find(objs, 'Gateway', 'pinned-name', 'web')).toBeDefined();
    expect(() => new Gateway(chart, 'x', { name: 'Not_Valid', gatewayClass: GatewayClass.fromName('x') })).toThrow(/metadata.name: "Not_Valid" is not a DNS subdomain/);
  });

  describe('local errors throw at once, naming field, value and fix', () => {
    const gwClass = GatewayClass.fromName('nginx');
    test('duplicate listener names', () => {
      const { chart } = newChart();
      const gw = new Gateway(chart, 'gw', { gatewayClass: gwClass, listeners: [Listener.http()] });
      expect(() => gw.addListener(Listener.http({ port: 8080 }))).toThrow(/\[test\/gw\] spec.listeners\[1\].name: "http" is already the name of another listener.*Fix: pass a distinct `name`/);
    });
    test('duplicate port/protocol/hostname', () => {
      const { chart } = newChart();
      const gw = new Gateway(chart, 'gw', { gatewayClass: gwClass, listeners: [Listener.http({ name: 'a', hostname: 'a.example.com' })] });
      expect(() => gw.addListener(Listener.http({ name: 'b', hostname: 'a.example.com' }))).toThrow(/duplicates listener "a" \(same port, protocol and hostname\)/);
    });
    test('protocol conflict on a port', () => {
      const { chart } = newChart();
      const gw = new Gateway(chart, 'gw', { gatewayClass: gwClass, listeners: [Listener.http({ port: 8443 })] });
      expect(() => gw.addListener(Listener.https({ port: 8443, certificates: [TlsCertificate.fromSecret('s')] }))).toThrow(/ProtocolConflict/);
      // HTTPS and TLS may share a port (SNI)
      const ok = new Gateway(chart, 'gw2', { gatewayClass: gwClass, listeners: [Listener.https({ hostname: 'a.example.com', certificates: [TlsCertificate.fromSecret('s')] })] });
      expect(() => ok.addListener(Listener.tls({ hostname: 'b.example.com' }))).not.toThrow();
    });
    test('HTTPS listener without a certificate', () => {
      expect(() => Listener.https({ hostname: 'www.example.com' })).toThrow(/listener https.tls.certificateRefs: \[\] is empty on a HTTPS listener that terminates TLS. Fix: pass `certificates/);
    });
    test('hostname on a TCP/UDP listener', () => {
      expect(() => Listener.tcp({ port: 3306, hostname: 'db.example.com' } as any)).toThrow(/hostname: "db.example.com" is set on a TCP listener.*Fix: remove the hostname/);
      expect(() => Listener.udp({ port: 53, hostname: 'dns.example.com' } as any)).toThrow(/UDP listener/);
    });
    test('port range, hostname syntax, name syntax', () => {
      expect(() => Listener.tcp({ port: 70000 })).toThrow(/port: 70000 is not a port number/);
      expect(() => Listener.http({ hostname: 'Bad_Host' })).toThrow(/hostname: "Bad_Host"/);
      expect(() => Listener.http({ hostname: '10.0.0.1' })).toThrow(/is an IP address/);
      expect(() => Listener.http({ hostname: 'a.*.example.com' })).toThrow(/is not a valid hostname/);
      expect(() => Listener.http({ name: 'Has Space' })).toThrow(/name: "Has Space" is not a valid section/);
    });
    test('certificates on a passthrough listener, wrong route kinds', () => {
      expect(() => Listener.tls({ mode: TlsMode.PASSTHROUGH, certificates: [TlsCertificate.fromSecret('s')] })).toThrow(/Passthrough listener, which never uses certificates/);
      expect(() => Listener.tcp({ port: 1, routeKinds: [RouteKind.HTTP_ROUTE] })).toThrow(/"HTTPRoute" is not a route kind a TCP listener supports. Fix: use one of TCPRoute/);
    });
    test('selector without labels, bad operator, bad address', () => {
      expect(() => RouteNamespaces.selector({})).toThrow(/selects nothing/);
      expect(() => RouteNamespaces.selector({ matchExpressions: [{ key: 'a', operator: 'Maybe' }] })).toThrow(/"Maybe" is not a label selector operator/);
      expect(() => GatewayAddress.ipAddress('300.1.1.1')).toThrow(/is not an IPv4 or IPv6 address/);
      expect(() => new Gateway(newChart().chart, 'gw', { gatewayClass: gwClass, addresses: [GatewayAddress.ipAddress('10.0.0.1'), GatewayAddress.ipAddress('10.0.0.1')] })).toThrow(/is listed twice/);
    });
  });

  describe('certificate in another namespace', () => {
    test('derives the least-privilege ReferenceGrant in the Secret namespace', () => {
      const { app, chart } = newChart();
      new Gateway(chart, 'default-gateway', {
        namespace: 'cluster',
        gatewayClass: GatewayClass.fromName('istio'),
        listeners: [Listener.https({ hostname: '*.example.com', certificates: [TlsCertificate.fromSecret('default-tls', { namespace: 'istio-system' })] })],
      });
      const objs = synth(app);
      const gw = find(objs, 'Gateway', 'default-gateway', 'cluster');
      expect(gw.spec.listeners[0].tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'default-tls', namespace: 'istio-system' }]);
      const grant = find(objs, 'ReferenceGrant', 'cluster-gateway-to-secret', 'istio-system');
      expect(grant.spec).toEqual({
        from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'cluster' }],
        to: [{ group: '', kind: 'Secret', name: 'default-tls' }],
      });
    });

    test('with grants turned off and no grant, synth fails naming the fix', () => {
      const { app, chart } = newChart();
      new Gateway(chart, 'default-gateway', {
        namespace: 'cluster',
        gatewayClass: GatewayClass.fromName('istio'),
        listeners: [Listener.https({ hostname: '*.example.com', certificates: [TlsCertificate.fromSecret('default-tls', { namespace: 'istio-system', referenceGrant: false })] })],
      });
      const msg = synthError(app);
      expect(msg).toMatch(/\[test\/default-gateway\]/);
      expect(msg).toMatch(/spec.listeners\[0\].tls.certificateRefs\[0\]/);
      expect(msg).toMatch(/RefNotPermitted/);
      expect(msg).toMatch(/ReferenceGrant/);
    });
  });

  test('raw ApiObjects of Gateway API kinds in an app using the library are schema-checked too', () => {
    const { app, chart } = newChart();
    GatewayClass.builtin(chart, 'class');
    new ApiObject(chart, 'raw', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'raw', namespace: 'x' },
      spec: { gatewayClassName: 'x', listeners: [{ name: 'tcp', port: 3306, protocol: 'TCP', hostname: 'db.example.com' }] },
    });
    const msg = synthError(app);
    expect(msg).toMatch(/\[test\/raw\]/);
    expect(msg).toMatch(/hostname must not be specified for protocols \['TCP', 'UDP'\]/);
  });
});
