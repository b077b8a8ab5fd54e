import { ApiObject } from 'cdk8s';
import * as fc from 'fast-check';
import {
  AddressPropagation,
  BgpDynamicAsn,
  Gateway,
  GatewayAddress,
  GatewayClass,
  Listener,
  MetalLbBgpPeer,
  MetalLbL2Advertisement,
  MetalLbPool,
  PoolAdvertisement,
} from '../../src';
import { find, newChart, synth, synthError } from '../util';

describe('MetalLbPool', () => {
  test('renders the pool and a default L2Advertisement in metallb-system', () => {
    const { app, chart } = newChart('apps');
    new MetalLbPool(chart, 'lan', {
      addresses: ['192.168.1.240-192.168.1.250', '192.168.1.16/28', '192.168.1.7', 'fd00:1::/120', 'fd00:2::5'],
      autoAssign: false,
      avoidBuggyIPs: true,
      serviceAllocation: { priority: 10, namespaces: ['gateway'], serviceSelectors: [{ matchLabels: { exposed: 'true' } }] },
    });
    const objs = synth(app);
    expect(find(objs, 'IPAddressPool', 'lan', 'metallb-system')).toEqual({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'lan', namespace: 'metallb-system' },
      spec: {
        addresses: ['192.168.1.240-192.168.1.250', '192.168.1.16/28', '192.168.1.7/32', 'fd00:1::/120', 'fd00:2::5/128'],
        autoAssign: false,
        avoidBuggyIPs: true,
        serviceAllocation: { priority: 10, namespaces: ['gateway'], serviceSelectors: [{ matchLabels: { exposed: 'true' } }] },
      },
    });
    expect(find(objs, 'L2Advertisement', 'lan', 'metallb-system')).toEqual({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'lan', namespace: 'metallb-system' },
      spec: { ipAddressPools: ['lan'] },
    });
    expect(objs.map((o) => o.kind).sort()).toEqual(['IPAddressPool', 'L2Advertisement']);
  });

  test('L2 options, a configurable namespace and extra advertisements', () => {
    const { app, chart } = newChart();
    const pool = new MetalLbPool(chart, 'lan', {
      namespace: 'metallb',
      addresses: ['10.0.0.0/24'],
      advertisement: PoolAdvertisement.l2({ interfaces: ['eth0'], nodeSelectors: [{ matchLabels: { 'node-role.kubernetes.io/edge': '' } }] }),
    });
    const extra = pool.addL2Advertisement('lan-wifi', { interfaces: ['wlan0'] });
    expect(extra.name).toBe('lan-wifi');
    const objs = synth(app);
    expect(find(objs, 'IPAddressPool', 'lan', 'metallb')).toBeDefined();
    expect(find(objs, 'L2Advertisement', 'lan', 'metallb').spec).toEqual({
      ipAddressPools: ['lan'],
      interfaces: ['eth0'],
      nodeSelectors: [{ matchLabels: { 'node-role.kubernetes.io/edge': '' } }],
    });
    expect(find(objs, 'L2Advertisement', 'lan-wifi', 'metallb').spec).toEqual({ ipAddressPools: ['lan'], interfaces: ['wlan0'] });
  });

  test('BGP: BGPAdvertisement selecting the pool and the peer, BGPPeer as metallb.io/v1beta2', () => {
    const { app, chart } = newChart();
    const router = new MetalLbBgpPeer(chart, 'router', {
      myAsn: 64512,
      peerAsn: 64513,
      peerAddress: '10.0.0.1',
      holdTime: '90s',
      keepaliveTime: '30s',
      routerId: '10.0.0.100',
      ebgpMultiHop: true,
      passwordSecret: 'router-password',
    });
    new MetalLbBgpPeer(chart, 'router-b', { myAsn: 64512, dynamicAsn: BgpDynamicAsn.EXTERNAL, peerAddress: 'fd00::1', peerPort: 1179 });
    new MetalLbPool(chart, 'bgp-pool', {
      addresses: ['10.10.10.0/24'],
      advertisement: PoolAdvertisement.bgp({ peers: [router], aggregationLength: 24, localPref: 100, communities: ['65535:65282'] }),
    });
    const objs = synth(app);
    expect(find(objs, 'BGPPeer', 'router', 'metallb-system')).toEqual({
      apiVersion: 'metallb.io/v1beta2',
      kind: 'BGPPeer',
      metadata: { name: 'router', namespace: 'metallb-system' },
      spec: {
        myASN: 64512,
        peerASN: 64513,
        peerAddress: '10.0.0.1',
        holdTime: '90s',
        keepaliveTime: '30s',
        routerID: '10.0.0.100',
        ebgpMultiHop: true,
        passwordSecret: { name: 'router-password', namespace: 'metallb-system' },
      },
    });
    expect(find(objs, 'BGPPeer', 'router-b').spec).toEqual({ myASN: 64512, dynamicASN: 'external', peerAddress: 'fd00::1', peerPort: 1179 });
    expect(find(objs, 'BGPAdvertisement', 'bgp-pool', 'metallb-system').spec).toEqual({
      ipAddressPools: ['bgp-pool'],
      peers: ['router'],
      aggregationLength: 24,
      localPref: 100,
      communities: ['65535:65282'],
    });
    expect(objs.some((o) => o.kind === 'L2Advertisement')).toBe(false);
  });

  describe('local checks throw at once', () => {
    const cases: [string, string, RegExp][] = [
      ['not an address', '192.168.1.300', /spec.addresses\[0\]: "192.168.1.300" is neither a CIDR, a range "first-last" nor an IP address/],
      ['range order', '192.168.1.250-192.168.1.240', /ends before it starts. Fix: swap the ends: "192.168.1.240-192.168.1.250"/],
      ['mixed families', '192.168.1.240-fd00::1', /mixes an IPv4 and an IPv6 address/],
      ['prefix in a range', '192.168.1.240/28-192.168.1.250', /which is not an IP address/],
      ['host bits', '192.168.1.240/24', /has host bits set: it denotes the whole network 192.168.1.0\/24.*Fix: write "192.168.1.0\/24" for the whole network, "192.168.1.240\/32"/],
      ['IPv6 host bits', 'fd00::5/120', /has host bits set: it denotes the whole network fd00::\/120/],
      ['prefix length', '10.0.0.0/33', /has an invalid prefix length \(0 to 32 for IPv4\)/],
      ['leading zeros', '010.0.0.1', /is neither a CIDR/],
    ];
    test.each(cases)('%s', (_name, address, message) => {
      const { chart } = newChart();
      expect(() => new MetalLbPool(chart, 'p', { addresses: [address] })).toThrow(message);
    });
    test('overlapping entries of one pool', () => {
      const { chart } = newChart();
      expect(() => new MetalLbPool(chart, 'p', { addresses: ['10.0.0.0/24', '10.0.0.200-10.0.1.5'] })).toThrow(/spec.addresses\[1\]: "10.0.0.200-10.0.1.5" overlaps "10.0.0.0\/24" of the same pool/);
    });
    test('empty pool', () => {
      const { chart } = newChart();
      expect(() => new MetalLbPool(chart, 'p', { addresses: [] })).toThrow(/spec.addresses: \[\] is empty/);
    });
    test('pinned addresses must be in the pool and not avoided', () => {
      const { chart } = newChart();
      const pool = new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.0/24'], avoidBuggyIPs: true });
      expect(() => pool.address('192.168.2.1')).toThrow(/\[test\/lan\] address: "192.168.2.1" is not in pool "lan" \(192.168.1.0\/24\)/);
      expect(() => pool.address('nope')).toThrow(/is not an IP address/);
      expect(() => pool.address('192.168.1.255')).toThrow(/ends in .0 or .255, which the pool never hands out \(avoidBuggyIPs\)/);
      expect(pool.address('192.168.1.254').ip).toBe('192.168.1.254');
    });
    test('BGP peer values', () => {
      const { chart } = newChart();
      expect(() => new MetalLbBgpPeer(chart, 'a', { myAsn: -1, peerAsn: 1, peerAddress: '10.0.0.1' })).toThrow(/spec.myASN: -1 is not an AS number/);
      expect(() => new MetalLbBgpPeer(chart, 'b', { myAsn: 1, peerAddress: '10.0.0.1' })).toThrow(/spec.peerASN: undefined is missing/);
      expect(() => new MetalLbBgpPeer(chart, 'c', { myAsn: 1, peerAsn: 2, peerAddress: 'router.lan' })).toThrow(/spec.peerAddress: "router.lan" is not an IP address/);
      expect(() => new MetalLbBgpPeer(chart, 'd', { myAsn: 1, peerAsn: 2, peerAddress: '10.0.0.1', holdTime: '90' })).toThrow(/spec.holdTime: "90" is not a Go duration/);
      expect(() => new MetalLbBgpPeer(chart, 'e', { myAsn: 1, peerAsn: 2, peerAddress: '10.0.0.1', routerId: 'fd00::1' })).toThrow(/spec.routerID: "fd00::1" is not an IPv4 address/);
    });
  });

  describe('address binding', () => {
    test('a controller Gateway gets spec.addresses and the MetalLB annotation in infrastructure', () => {
      const { app, chart } = newChart();
      const pool = new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240-192.168.1.250'] });
      const gw = new Gateway(chart, 'gw', {
        namespace: 'gateway',
        gatewayClass: GatewayClass.nginxGatewayFabric(chart, 'nginx'),
        listeners: [Listener.http()],
        infrastructure: { labels: { team: 'net' }, annotations: { 'example.com/x': 'y' } },
        loadBalancerAddress: pool.address('192.168.1.240'),
      });
      expect(gw.addressPropagation).toBe(AddressPropagation.ADDRESSES_AND_ANNOTATIONS);
      const spec = find(synth(app), 'Gateway', 'gw', 'gateway').spec;
      expect(spec.addresses).toEqual([{ type: 'IPAddress', value: '192.168.1.240' }]);
      expect(spec.infrastructure).toEqual({ labels: { team: 'net' }, annotations: { 'example.com/x': 'y', 'metallb.io/loadBalancerIPs': '192.168.1.240' } });
    });

    test('Istio copies spec.addresses into spec.loadBalancerIP: the IP is not repeated in an annotation', () => {
      const { app, chart } = newChart();
      const pool = new MetalLbPool(chart, 'kind', { addresses: ['172.18.255.200-172.18.255.250'] });
      new Gateway(chart, 'by-name', { gatewayClass: GatewayClass.fromName('istio'), listeners: [Listener.http()], loadBalancerAddress: pool.address('172.18.255.200') });
      new Gateway(chart, 'by-controller', { gatewayClass: GatewayClass.istio(chart, 'istio-class', { name: 'istio-custom' }), listeners: [Listener.http()], loadBalancerAddress: pool.address('172.18.255.201') });
      const objs = synth(app);
      for (const [name, ip] of [['by-name', '172.18.255.200'], ['by-controller', '172.18.255.201']]) {
        const spec = find(objs, 'Gateway', name).spec;
        expect(spec.addresses).toEqual([{ type: 'IPAddress', value: ip }]);
        expect(spec.infrastructure).toEqual({ annotations: { 'metallb.io/address-pool': 'kind' } });
      }
    });

    test('any address of the pool, explicit propagation modes, and Service annotations', () => {
      const { app, chart } = newChart();
      const pool = new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240/28'], autoAssign: false });
      new Gateway(chart, 'any', { gatewayClass: GatewayClass.fromName('eg'), listeners: [Listener.http()], loadBalancerAddress: pool.anyAddress() });
      new Gateway(chart, 'annotations-only', {
        gatewayClass: GatewayClass.fromName('eg'),
        listeners: [Listener.http()],
        loadBalancerAddress: pool.address('192.168.1.241', { namePool: true }),
        addressPropagation: AddressPropagation.ANNOTATIONS,
      });
      const objs = synth(app);
      expect(find(objs, 'Gateway', 'any').spec.addresses).toBeUndefined();
      expect(find(objs, 'Gateway', 'any').spec.infrastructure).toEqual({ annotations: { 'metallb.io/address-pool': 'lan' } });
      expect(find(objs, 'Gateway', 'annotations-only').spec.addresses).toBeUndefined();
      expect(find(objs, 'Gateway', 'annotations-only').spec.infrastructure.annotations).toEqual({ 'metallb.io/loadBalancerIPs': '192.168.1.241', 'metallb.io/address-pool': 'lan' });
      // the hook the built-in proxy's Service uses
      expect(pool.address('192.168.1.242').serviceAnnotations()).toEqual({ 'metallb.io/loadBalancerIPs': '192.168.1.242' });
      expect(pool.address('192.168.1.242').serviceAnnotations({ loadBalancerIpField: true })).toEqual({ 'metallb.io/address-pool': 'lan' });
      expect(pool.anyAddress().gatewayAddress).toBeUndefined();
    });

    test('deprecated and contradicting infrastructure annotations throw', () => {
      const { chart } = newChart();
      const pool = new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240/28'] });
      expect(() => new Gateway(chart, 'a', { gatewayClass: GatewayClass.fromName('x'), infrastructure: { annotations: { 'metallb.universe.tf/loadBalancerIPs': '192.168.1.240' } } }))
        .toThrow(/spec.infrastructure.annotations\[metallb.universe.tf\/loadBalancerIPs\]: "metallb.universe.tf\/loadBalancerIPs" is a deprecated MetalLB annotation key. Fix: use "metallb.io\/loadBalancerIPs"/);
      expect(() => new Gateway(chart, 'b', {
        gatewayClass: GatewayClass.fromName('x'),
        infrastructure: { annotations: { 'metallb.io/loadBalancerIPs': '192.168.1.241' } },
        loadBalancerAddress: pool.address('192.168.1.240'),
      })).toThrow(/"192.168.1.241" contradicts loadBalancerAddress, which sets it to "192.168.1.240"/);
    });
  });

  describe('whole-app checks fail synth', () => {
    test('overlapping pools (reported once)', () => {
      const { app, chart } = newChart();
      new MetalLbPool(chart, 'a', { addresses: ['192.168.1.240/28'] });
      new MetalLbPool(chart, 'b', { addresses: ['10.0.0.0/8', '192.168.1.250-192.168.1.252'] });
      const msg = synthError(app);
      expect(msg).toMatch(/\[test\/b\] spec.addresses\[1\]: "192.168.1.250-192.168.1.252" overlaps "192.168.1.240\/28" of IPAddressPool metallb-system\/a, and MetalLB rejects overlapping pools. Fix: make the pools disjoint/);
      expect(msg).not.toMatch(/\[test\/a\]/);
    });

    test('a pool without advertisement, and one that a shared advertisement covers', () => {
      const { app, chart } = newChart();
      new MetalLbPool(chart, 'silent', { addresses: ['10.0.1.0/24'], advertisement: PoolAdvertisement.none() });
      const covered = new MetalLbPool(chart, 'covered', { addresses: ['10.0.2.0/24'], advertisement: PoolAdvertisement.none(), labels: { announce: 'l2' } });
      new MetalLbL2Advertisement(chart, 'shared', { poolSelectors: [{ matchLabels: { announce: 'l2' } }] });
      const msg = synthError(app);
      expect(msg).toMatch(/\[test\/silent\] metadata.name: "silent" is announced by no L2Advertisement or BGPAdvertisement in metallb-system: MetalLB hands out its addresses but nothing answers for them. Fix:/);
      expect(msg).not.toMatch(/test\/covered/);
      expect(covered.name).toBe('covered');
      // an advertisement without pool selection announces every pool of its namespace
      new MetalLbL2Advertisement(chart, 'everything');
      expect(() => synth(app)).not.toThrow();
    });

    test('addL2Advertisement after a failed synth is seen by the next one (adding a construct invalidates the cached check)', () => {
      const { app, chart } = newChart();
      const pool = new MetalLbPool(chart, 'lan', { addresses: ['10.0.3.0/24'], advertisement: PoolAdvertisement.none() });
      expect(synthError(app)).toMatch(/\[test\/lan\] metadata.name: "lan" is announced by no L2Advertisement/);
      pool.addL2Advertisement('lan-l2');
      const objs = synth(app);
      expect(find(objs, 'L2Advertisement', 'lan-l2', 'metallb-system').spec).toEqual({ ipAddressPools: ['lan'] });
    });

    test('a Gateway address outside every pool', () => {
      const { app, chart } = newChart();
      new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240-192.168.1.250'] });
      new Gateway(chart, 'gw', { namespace: 'gateway', gatewayClass: GatewayClass.fromName('nginx'), listeners: [Listener.http()], addresses: [GatewayAddress.ipAddress('192.168.1.9')] });
      expect(synthError(app)).toMatch(
        /\[test\/lan\] Gateway gateway\/gw spec.addresses\[0\].value: "192.168.1.9" is outside every MetalLB pool of the app \(lan: 192.168.1.240-192.168.1.250\): MetalLB never assigns it and the Service stays <pending>. Fix: pin an address of a pool/,
      );
    });

    test('LoadBalancer Services: outside the pools, both loadBalancerIP and the annotation, wrong or unknown pool, deprecated keys', () => {
      const { app, chart } = newChart();
      new MetalLbPool(chart, 'lan', { addresses: ['192.168.1.240/28'] });
      new MetalLbPool(chart, 'dmz', { addresses: ['10.0.0.0/28'], avoidBuggyIPs: true });
      const svc = (name: string, annotations: Record<string, string>, spec: Record<string, unknown> = {}) =>
        new ApiObject(chart, name, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'apps', annotations }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec } });
      svc('outside', { 'metallb.io/loadBalancerIPs': '192.168.7.1' });
      svc('both', { 'metallb.io/loadBalancerIPs': '192.168.1.241' }, { loadBalancerIP: '192.168.1.241' });
      svc('wrong-pool', { 'metallb.io/loadBalancerIPs': '192.168.1.242', 'metallb.io/address-pool': 'dmz' });
      svc('unknown-pool', { 'metallb.io/address-pool': 'lna' });
      svc('buggy', { 'metallb.io/loadBalancerIPs': '10.0.0.0' });
      svc('deprecated', { 'metallb.universe.tf/address-pool': 'lan' });
      svc('fine', { 'metallb.io/loadBalancerIPs': '192.168.1.243' });
      const msg = synthError(app);
      expect(msg).toMatch(/Service apps\/outside metadata.annotations\[metallb.io\/loadBalancerIPs\]: "192.168.7.1" is outside every MetalLB pool of the app \(lan: 192.168.1.240\/28; dmz: 10.0.0.0\/28\)/);
      expect(msg).toMatch(/Service apps\/both spec.loadBalancerIP: "192.168.1.241" is set together with the metallb.io\/loadBalancerIPs annotation, and MetalLB refuses such a Service/);
      expect(msg).toMatch(/Service apps\/wrong-pool metadata.annotations\[metallb.io\/loadBalancerIPs\]: "192.168.1.242" is not in pool "dmz" named by metallb.io\/address-pool \(it is in lan\)/);
      expect(msg).toMatch(/Service apps\/unknown-pool metadata.annotations\[metallb.io\/address-pool\]: "lna" names no MetalLB pool of the app \(pools: lan, dmz\)/);
      expect(msg).toMatch(/Service apps\/buggy .*"10.0.0.0" ends in .0 or .255, which pool "dmz" never hands out/);
      expect(msg).toMatch(/Service apps\/deprecated metadata.annotations: "metallb.universe.tf\/address-pool" is a deprecated MetalLB annotation key. Fix: use "metallb.io\/address-pool"/);
      expect(msg).not.toMatch(/apps\/fine/);
      // reported once, by the first pool
      expect(msg.match(/apps\/outside/g)).toHaveLength(1);
      expect(msg).toMatch(/\[test\/lan\] Service apps\/outside/);
    });
  });

  test('property: two entries of one pool are refused exactly when they share an address', () => {
    const ip = (n: number) => `10.0.${n >> 8}.${n & 255}`;
    const range = fc.tuple(fc.integer({ min: 0, max: 1023 }), fc.integer({ min: 0, max: 1023 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
    fc.assert(fc.property(range, range, ([a1, a2], [b1, b2]) => {
      const { chart } = newChart();
      const overlap = a1 <= b2 && b1 <= a2;
      const build = () => new MetalLbPool(chart, 'p', { addresses: [`${ip(a1)}-${ip(a2)}`, `${ip(b1)}-${ip(b2)}`] });
      if (overlap) expect(build).toThrow(/overlaps/);
      else expect(build).not.toThrow();
    }), { numRuns: 300 });
  });

  test('property: an address is accepted by pool.address exactly when a CIDR of the pool holds it', () => {
    fc.assert(fc.property(fc.integer({ min: 20, max: 32 }), fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0, max: 0xfff }), (len, netBits, probe) => {
      const { chart } = newChart();
      const size = 2 ** (32 - len);
      const base = (0x0a000000 + netBits * 4096) - ((0x0a000000 + netBits * 4096) % size);
      const dotted = (v: number) => [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.');
      const pool = new MetalLbPool(chart, 'p', { addresses: [`${dotted(base)}/${len}`] });
      const candidate = 0x0a000000 + probe * 1024 + (probe % 7);
      const inside = candidate >= base && candidate < base + size;
      expect(pool.contains(dotted(candidate))).toBe(inside);
      if (inside) expect(pool.address(dotted(candidate)).ip).toBe(dotted(candidate));
      else expect(() => pool.address(dotted(candidate))).toThrow(/is not in pool "p"/);
    }), { numRuns: 300 });
  });
});
