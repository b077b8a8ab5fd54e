/**
 * MetalLB and cert-manager objects: schema and CEL, valid and invalid.
 */
import { validateObject } from '../../src/validate';
import { summary } from './fixtures';

const meta = (name: string, namespace = 'metallb-system') => ({ name, namespace });

describe('MetalLB', () => {
  test('IPAddressPool: valid', () => {
    const pool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: meta('lan'), spec: { addresses: ['192.168.1.240-192.168.1.250', '2001:db8::/120'], autoAssign: false } };
    expect(validateObject(pool)).toEqual([]);
  });

  test('IPAddressPool: missing addresses, wrong type, unknown field', () => {
    const pool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: meta('lan'), spec: { autoAssign: 'yes', adresses: ['192.168.1.0/24'] } };
    expect(summary(validateObject(pool))).toEqual([
      'unknown-field spec.adresses: unknown field "spec.adresses"',
      'schema spec.addresses: Required value',
      'schema spec.autoAssign: Invalid value: "yes": must be of type boolean (got string)',
    ]);
  });

  test('BGPPeer connectTime: duration() with cel-go getters (totals, not components)', () => {
    const peer = (connectTime: string) => ({
      apiVersion: 'metallb.io/v1beta2',
      kind: 'BGPPeer',
      metadata: meta('router'),
      spec: { myASN: 64500, peerASN: 64501, peerAddress: '192.168.1.1', connectTime },
    });
    expect(validateObject(peer('90s'))).toEqual([]);
    expect(validateObject(peer('2m'))).toEqual([]);
    // 1500ms: getMilliseconds() is 1500 in cel-go (total), so 1500 % 1000 != 0
    expect(summary(validateObject(peer('1500ms')))).toEqual(['cel spec.connectTime: connect time should contain a whole number of seconds']);
    expect(summary(validateObject(peer('500ms')))).toEqual([
      'cel spec.connectTime: connect time should be between 1 seconds to 65535',
      'cel spec.connectTime: connect time should contain a whole number of seconds',
    ]);
    expect(summary(validateObject(peer('20h')))).toEqual(['cel spec.connectTime: connect time should be between 1 seconds to 65535']);
    // not a duration: the rule errors at evaluation, which the API server reports too
    const bad = validateObject(peer('soon'));
    expect(bad.map((v) => `${v.type} ${v.field}`)).toEqual(['cel spec.connectTime', 'cel spec.connectTime']);
    expect(bad[0].message).toMatch(/evaluating rule: connect time should be between 1 seconds to 65535$/);
  });

  test('BGPAdvertisement: defaults are visible to CEL (aggregationLength defaults to 32)', () => {
    const adv = (spec: object) => ({ apiVersion: 'metallb.io/v1beta1', kind: 'BGPAdvertisement', metadata: meta('adv'), spec });
    const selectors = [{ matchLabels: { app: 'web' } }];
    expect(validateObject(adv({ serviceSelectors: selectors }))).toEqual([]);
    expect(summary(validateObject(adv({ serviceSelectors: selectors, aggregationLength: 24 })))).toEqual([
      'cel spec: serviceSelectors and aggregationLength are mutually exclusive, can only be used together with default aggregationLength (32) and aggregationLengthV6 (128)',
    ]);
  });

  test('BGPPeer enableGracefulRestart: the transition rule (self == oldSelf) is not evaluated on create', () => {
    const peer = { apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metadata: meta('r'), spec: { myASN: 1, peerASN: 2, peerAddress: '10.0.0.1', enableGracefulRestart: true } };
    expect(validateObject(peer)).toEqual([]);
  });
});

describe('cert-manager', () => {
  const cert = (spec: object) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web-tls', namespace: 'apps' }, spec });

  test('Certificate: valid', () => {
    const c = cert({
      secretName: 'web-tls',
      dnsNames: ['app.example.com', '*.example.com'],
      duration: '2160h',
      renewBefore: '360h',
      issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['server auth', 'digital signature'],
    });
    expect(validateObject(c)).toEqual([]);
  });

  test('Certificate: missing secretName, bad enum, wrong nested type', () => {
    const c = cert({ dnsNames: ['app.example.com'], issuerRef: { name: 'le' }, privateKey: { algorithm: 'DSA', size: '2048' } });
    expect(summary(validateObject(c))).toEqual([
      'schema spec.secretName: Required value',
      'schema spec.privateKey.algorithm: Unsupported value: "DSA": supported values: "RSA", "ECDSA", "Ed25519"',
      'schema spec.privateKey.size: Invalid value: "2048": must be of type integer (got string)',
    ]);
  });

  test('Issuer: venafi needs exactly one of tpp, cloud or ngts (CEL)', () => {
    const issuer = (venafi: object) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: 'v', namespace: 'apps' }, spec: { venafi } });
    const tpp = { url: 'https://tpp.example.com/vedsdk', credentialsRef: { name: 'tpp-creds' } };
    const cloud = { apiTokenSecretRef: { name: 'token', key: 'api-key' } };
    expect(validateObject(issuer({ zone: 'z', tpp }))).toEqual([]);
    expect(summary(validateObject(issuer({ zone: 'z', tpp, cloud })))).toEqual(['cel spec.venafi: exactly one of tpp, cloud, or ngts must be configured']);
    expect(summary(validateObject(issuer({ zone: 'z' })))).toEqual(['cel spec.venafi: exactly one of tpp, cloud, or ngts must be configured']);
  });

  test('ClusterIssuer (cluster-scoped) with an ACME HTTP-01 Gateway API solver', () => {
    const ci = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'letsencrypt' },
      spec: {
        acme: {
          server: 'https://acme-v02.api.letsencrypt.org/directory',
          email: 'ops@example.com',
          privateKeySecretRef: { name: 'letsencrypt-account' },
          solvers: [{ http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'gw', namespace: 'infra', kind: 'Gateway' }] } } }],
        },
      },
    };
    expect(validateObject(ci)).toEqual([]);
  });
});
