import { KubeObject } from '../../src/model';
import { resolve, ResolvedModel, ResolveOptions } from '../../src/resolve';
import { applyPlaceholders, loadBase, loadCases } from './conformance-harness';
import { gateway, gatewayClass, GW, http, route, service } from './fixtures';

/**
 * The options `check` resolves with (`modelRules: false`, and `status: false` for its text output)
 * leave parts of the result out and change nothing else: the same diagnostics in the same order,
 * the same status when it is computed, the same model but for the routes' rules.
 */

/** The model with every route's rules emptied, as `modelRules: false` gives it. */
function withoutRules(m: ResolvedModel): unknown {
  return {
    gateways: m.gateways.map((g) => ({ ...g, listeners: g.listeners.map((l) => ({ ...l, routes: l.routes.map((a) => ({ ...a, rules: [] })) })) })),
    routes: m.routes.map((r) => ({ ...r, rules: [] })),
  };
}

function expectSame(objects: readonly KubeObject[], extra: ResolveOptions = {}): void {
  const full = resolve(objects, extra);
  const variants: ResolveOptions[] = [{ modelRules: false }, { status: false }, { modelRules: false, status: false }];
  for (const v of variants) {
    const lean = resolve(objects, { ...extra, ...v });
    expect(lean.diagnostics).toEqual(full.diagnostics);
    expect(lean.status).toEqual(v.status === false ? [] : full.status);
    expect(lean.model).toEqual(v.modelRules === false ? withoutRules(full.model) : full.model);
  }
}

describe('modelRules: false and status: false change only what they leave out', () => {
  const base = loadBase();
  for (const c of loadCases()) {
    test(`conformance case ${c.name}`, () => {
      const objs: KubeObject[] = [...base, ...c.manifests.flatMap((m: any) => m.documents).filter((d: any) => d).map((d: any) => applyPlaceholders(d))];
      expectSame(objs);
    });
  }

  test('a BackendTLSPolicy: its ancestors come from the routes kept without rules in the model', () => {
    const objs: KubeObject[] = [
      gatewayClass(),
      gateway('web', [http()]),
      service('a', [443]),
      route('r', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'a', port: 443 }] }] }),
      {
        apiVersion: GW,
        kind: 'BackendTLSPolicy',
        metadata: { name: 'p', namespace: 'infra' },
        spec: { targetRefs: [{ group: '', kind: 'Service', name: 'a' }], validation: { hostname: 'a.example.com', wellKnownCACertificates: 'System' } },
      },
    ];
    const lean = resolve(objs, { modelRules: false });
    expect(lean.status.find((s) => s.kind === 'BackendTLSPolicy')?.status).toMatchObject({ ancestors: [{ ancestorRef: { kind: 'Gateway', name: 'web' } }] });
    expectSame(objs);
  });

  test('routes with and without creationTimestamp on one listener (ShadowedRule across routes)', () => {
    const at = (o: KubeObject, ts: string): KubeObject => ({ ...o, metadata: { ...o.metadata, creationTimestamp: ts } });
    const rule = { matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'a', port: 80 }] };
    const objs: KubeObject[] = [
      gatewayClass(),
      gateway('web', [http()]),
      service('a', [80]),
      at(route('old', { parentRefs: [{ name: 'web' }], rules: [rule] }), '2024-01-01T00:00:00Z'),
      route('unknown', { parentRefs: [{ name: 'web' }], rules: [rule, rule] }),
      at(route('new', { parentRefs: [{ name: 'web' }], rules: [rule] }), '2025-01-01T00:00:00Z'),
      at(route('bad-time', { parentRefs: [{ name: 'web' }], rules: [rule] }), 'yesterday'),
    ];
    const shadowed = resolve(objs, { modelRules: false, status: false }).diagnostics.filter((d) => d.code === 'ShadowedRule');
    // `new` loses its match to the older `old`; `unknown` only to its own first rule; `bad-time` to nothing
    expect(shadowed.map((d) => `${d.object.name} ${d.field}`)).toEqual(['new spec.rules[0]', 'unknown spec.rules[1]']);
    expectSame(objs);
  });
});
