import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import * as validate from '../../src/validate';
import { cond, gateway, gatewayClass, GW, http, parentOf, route, service } from './fixtures';

/** The schema stage: CRD schema + CEL validation of every input object, through resolve(). */
const base = [gatewayClass(), gateway('web', [http()]), service('app', [80])];
const ok = { backendRefs: [{ name: 'app', port: 80 }] };

function codes(res: ReturnType<typeof resolve>, kind: string): string[] {
  return res.diagnostics.filter((d) => d.object.kind === kind).map((d) => `${d.severity} ${d.code} ${d.field ?? ''}`);
}

describe('schema validation', () => {
  test('SchemaViolation names the field and the bad value, fix names the schema rule', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [{ ...ok, backendRefs: [{ name: 'app', port: 80, weight: -1 }] }] })]);
    const d = res.diagnostics.find((x) => x.code === 'SchemaViolation')!;
    expect(d).toMatchObject({ severity: 'error', field: 'spec.rules[0].backendRefs[0].weight' });
    expect(d.message).toContain('-1');
    expect(d.fix).toMatch(/^change the value so that it satisfies the schema \(minimum/);
  });

  test('UnknownField', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [{ ...ok, timeout: '5s' }] })]);
    expect(codes(res, 'HTTPRoute')).toEqual(['error UnknownField spec.rules[0].timeout']);
    const d = res.diagnostics[0];
    expect(d.message).toContain('unknown field "spec.rules[0].timeout"');
    expect(d.message).toContain('"5s"');
    expect(d.fix).toBe('remove timeout (the API server rejects unknown fields), or correct its spelling against the gateway.networking.k8s.io/v1 HTTPRoute schema');
  });

  test('CelRuleViolation: the rule message in the message, message + rule in the fix', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [{ ...ok, matches: [{ path: { type: 'PathPrefix', value: 'api' } }] }] })]);
    const d = res.diagnostics.find((x) => x.code === 'CelRuleViolation')!;
    expect(d).toMatchObject({ severity: 'error', field: 'spec.rules[0].matches[0].path' });
    expect(d.message).toContain("value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']");
    expect(d.message).toContain('"value":"api"');
    expect(d.fix).toContain('"value must be an absolute path');
    expect(d.fix).toContain("(rule: (self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true)");
  });

  test('schema errors do not change status (the resolver reports what a controller would say if the object existed)', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [{ ...ok, timeout: '5s' }] })]);
    expect(cond(parentOf(res, 'r').conditions, 'Accepted').status).toBe('True');
  });

  test('ExperimentalField: one warning naming every field only the experimental channel accepts', () => {
    const res = resolve([
      ...base,
      route('r', { parentRefs: [{ name: 'web' }], rules: [{ ...ok, retry: { attempts: 2 } }, { ...ok, matches: [{ path: { type: 'Exact', value: '/x' } }], retry: { attempts: 3 } }] }),
    ]);
    expect(codes(res, 'HTTPRoute')).toEqual(['warning ExperimentalField spec.rules[0].retry']);
    const d = res.diagnostics[0];
    expect(d.message).toMatch(/^uses spec.rules\[0\].retry, spec.rules\[1\].retry, which only the experimental-channel CRDs of Gateway API v1.6.1 accept/);
    expect(d.fix).toBe('install the Gateway API experimental-channel CRDs in the cluster, or stop using these fields');
  });

  test('an experimental field plus a real error: the warning and the error', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [{ ...ok, retry: { attempts: 2 }, timeout: '5s' }] })]);
    expect(codes(res, 'HTTPRoute')).toEqual(['warning ExperimentalField spec.rules[0].retry', 'error UnknownField spec.rules[0].timeout']);
  });

  test('NotServed and UnknownKind for CRD groups the resolver does not interpret', () => {
    const pool: KubeObject = { apiVersion: 'metallb.io/v1beta9', kind: 'IPAddressPool', metadata: { name: 'p', namespace: 'metallb-system' }, spec: { addresses: ['10.0.0.0/24'] } };
    const typo: KubeObject = { apiVersion: GW, kind: 'HttpRoute', metadata: { name: 't', namespace: 'infra' }, spec: {} };
    const res = resolve([pool, typo]);
    const ns = res.diagnostics.find((d) => d.code === 'NotServed')!;
    expect(ns).toMatchObject({ severity: 'error', field: 'apiVersion', object: { kind: 'IPAddressPool', namespace: 'metallb-system' } });
    expect(ns.message).toContain('served: metallb.io/v1beta1');
    const uk = res.diagnostics.find((d) => d.code === 'UnknownKind')!;
    expect(uk).toMatchObject({ severity: 'error', field: 'kind' });
    expect(uk.message).toContain('no kind "HttpRoute"');
    expect(uk.fix).toContain('check the spelling of kind');
  });

  test('cluster-scoped objects carry no namespace; namespaced ones default it', () => {
    const issuer: KubeObject = { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'le' }, spec: { bogus: true } };
    const cert: KubeObject = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'c' }, spec: { secretName: 's', issuerRef: { name: 'le' }, bogus: 1 } };
    const res = resolve([issuer, cert]);
    expect(res.diagnostics.find((d) => d.object.kind === 'ClusterIssuer')!.object).toEqual({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', name: 'le' });
    expect(res.diagnostics.find((d) => d.object.kind === 'Certificate')!.object.namespace).toBe('default');
  });

  test('schemaValidation: false skips the stage', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [{ ...ok, timeout: '5s' }] })], { schemaValidation: false });
    expect(res.diagnostics).toEqual([]);
  });

  test('CEL rules skipped by the API server while the schema fails: an info, not an error', () => {
    const res = resolve([...base, route('r', { parentRefs: [{ name: 'web' }], rules: [{ ...ok, matches: [{ path: { type: 'Nope', value: '/' } }] }] })]);
    expect(codes(res, 'HTTPRoute')).toEqual(['info CelRulesNotChecked ', 'error SchemaViolation spec.rules[0].matches[0].path.type']);
  });

  test('1,000 routes are schema-validated once each', () => {
    const objs: KubeObject[] = [...base];
    for (let i = 0; i < 1000; i++) {
      objs.push(route(`r${i}`, { parentRefs: [{ name: 'web' }], hostnames: [`h${i}.example.com`], rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/p${i}` }, headers: [{ name: 'x', value: `${i}` }] }], ...ok }] }));
    }
    const spy = jest.spyOn(validate, 'validateObject');
    try {
      const res = resolve(objs);
      expect(res.diagnostics).toEqual([]);
      const routes = spy.mock.calls.map(([o]) => o).filter((o) => o.kind === 'HTTPRoute');
      expect(routes.length).toBe(1000);
      expect(new Set(routes.map((o) => o.metadata.name)).size).toBe(1000);
    } finally {
      spy.mockRestore();
    }
  });
});
