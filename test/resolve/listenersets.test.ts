import { KubeObject } from '../../src/model';
import { resolve } from '../../src/resolve';
import { cond, diag, gateway, http, namespace, parentOf, route, service, statusOf, GW } from './fixtures';

function listenerSet(name: string, listeners: Record<string, unknown>[], parent = 'web', ns = 'infra', extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: GW, kind: 'ListenerSet', metadata: { name, namespace: ns, ...extra }, spec: { parentRef: { name: parent, namespace: 'infra' }, listeners } };
}

const allowSame = { allowedListeners: { namespaces: { from: 'Same' } } };

describe('ListenerSet', () => {
  test('attached ListenerSet: Accepted, listeners merged into the Gateway model, counted', () => {
    const res = resolve([gateway('web', [http('gw', 80)], allowSame), listenerSet('extra', [http('ls', 8080)])]);
    const ls = statusOf(res, 'ListenerSet', 'extra');
    expect(cond(ls.conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(cond(ls.conditions, 'Programmed')).toMatchObject({ status: 'True', reason: 'Programmed' });
    expect(ls.listeners[0]).toMatchObject({ name: 'ls', attachedRoutes: 0 });
    expect(statusOf(res, 'Gateway', 'web').attachedListenerSets).toBe(1);
    const m = res.model.gateways[0];
    expect(m.listeners.map((l) => l.id)).toEqual(['gw', 'infra/extra/ls']);
    expect(m.listenerSets).toEqual([{ namespace: 'infra', name: 'extra' }]);
  });

  test('NotAllowed: the Gateway allows no ListenerSets by default', () => {
    const res = resolve([gateway('web', [http('gw', 80)]), listenerSet('extra', [http('ls', 8080)])]);
    const ls = statusOf(res, 'ListenerSet', 'extra');
    expect(cond(ls.conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'NotAllowed' });
    expect(cond(ls.conditions, 'Programmed')).toMatchObject({ status: 'False', reason: 'NotAllowed' });
    expect(statusOf(res, 'Gateway', 'web').attachedListenerSets).toBe(0);
    const d = diag(res, 'NotAllowed');
    expect(d.field).toBe('spec.parentRef');
    expect(d.message).toContain('from: None');
    expect(d.fix).toContain('spec.allowedListeners.namespaces.from');
    expect(res.model.gateways[0].listeners.map((l) => l.id)).toEqual(['gw']);
  });

  test('allowedListeners Selector needs the Namespace (warning when it is missing)', () => {
    const gw = gateway('web', [http('gw', 80)], { allowedListeners: { namespaces: { from: 'Selector', selector: { matchLabels: { ls: 'ok' } } } } });
    const ok = resolve([gw, namespace('teams', { ls: 'ok' }), listenerSet('extra', [http('ls', 8080)], 'web', 'teams')]);
    expect(cond(statusOf(ok, 'ListenerSet', 'extra').conditions, 'Accepted').status).toBe('True');
    const unknown = resolve([gw, listenerSet('extra', [http('ls', 8080)], 'web', 'teams')]);
    expect(diag(unknown, 'NotAllowed').severity).toBe('warning');
  });

  test('ParentNotAccepted', () => {
    const res = resolve([gateway('web', [{ name: 'bad', port: 1, protocol: 'NOPE' }], allowSame), listenerSet('extra', [http('ls', 8080)])]);
    expect(cond(statusOf(res, 'ListenerSet', 'extra').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'ParentNotAccepted' });
    expect(diag(res, 'ParentNotAccepted').fix).toContain('fix Gateway infra/web first');
  });

  test('missing parent Gateway: NoMatchingParent diagnostic', () => {
    const res = resolve([gateway('web', [http('gw', 80)], allowSame), listenerSet('extra', [http('ls', 8080)], 'wbe')]);
    const d = diag(res, 'NoMatchingParent');
    expect(d.field).toBe('spec.parentRef');
    expect(d.fix).toContain('did you mean infra/web?');
  });

  test('merge precedence: the Gateway wins, then older / alphabetically first ListenerSets', () => {
    const res = resolve([
      gateway('web', [http('gw', 80)], allowSame),
      listenerSet('b-set', [{ name: 'tcp', port: 80, protocol: 'TCP' }, http('fine', 80, { hostname: 'b.example' })]),
      listenerSet('a-set', [http('x', 9000)]),
      listenerSet('c-set', [{ name: 'tcp9', port: 9000, protocol: 'TCP' }]),
    ]);
    const b = statusOf(res, 'ListenerSet', 'b-set');
    const tcp = b.listeners.find((l: any) => l.name === 'tcp');
    expect(cond(tcp.conditions, 'Conflicted')).toMatchObject({ status: 'True', reason: 'ProtocolConflict' });
    expect(cond(b.listeners.find((l: any) => l.name === 'fine').conditions, 'Accepted').status).toBe('True');
    expect(cond(b.conditions, 'Accepted')).toMatchObject({ status: 'True', reason: 'ListenersNotValid' });
    const c = statusOf(res, 'ListenerSet', 'c-set');
    expect(cond(c.conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'ListenersNotValid' });
    expect(cond(c.listeners[0].conditions, 'Conflicted').status).toBe('True');
    expect(res.diagnostics.find((d) => d.code === 'ListenersNotValid' && d.object.name === 'c-set')?.field).toBe('spec.listeners');
    expect(statusOf(res, 'Gateway', 'web').attachedListenerSets).toBe(2);
    expect(res.model.gateways[0].listenerSets.map((s) => s.name)).toEqual(['a-set', 'b-set']);
  });

  test('routes attach to ListenerSet listeners only through a ListenerSet parentRef', () => {
    const res = resolve([
      gateway('web', [http('gw', 80)], allowSame),
      listenerSet('extra', [http('ls', 8080)]),
      service('app'),
      route('to-gw', { parentRefs: [{ name: 'web' }], rules: [{ backendRefs: [{ name: 'app', port: 8080 }] }] }),
      route('to-ls', { parentRefs: [{ kind: 'ListenerSet', name: 'extra', sectionName: 'ls' }], rules: [{ backendRefs: [{ name: 'app', port: 8080 }] }] }),
      route('ls-section-on-gw', { parentRefs: [{ name: 'web', sectionName: 'ls' }], rules: [] }),
    ]);
    expect(statusOf(res, 'Gateway', 'web').listeners[0].attachedRoutes).toBe(1);
    expect(statusOf(res, 'ListenerSet', 'extra').listeners[0].attachedRoutes).toBe(1);
    expect(parentOf(res, 'to-ls').parentRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'ListenerSet', namespace: 'infra', name: 'extra', sectionName: 'ls' });
    expect(cond(parentOf(res, 'ls-section-on-gw').conditions, 'Accepted').reason).toBe('NoMatchingParent');
    const lsListener = res.model.gateways[0].listeners.find((l) => l.id === 'infra/extra/ls')!;
    expect(lsListener.routes.map((r) => r.name)).toEqual(['to-ls']);
  });

  test('a route to a detached ListenerSet is not accepted', () => {
    const res = resolve([gateway('web', [http('gw', 80)]), listenerSet('extra', [http('ls', 8080)]), route('r', { parentRefs: [{ kind: 'ListenerSet', name: 'extra' }], rules: [] })]);
    expect(cond(parentOf(res, 'r').conditions, 'Accepted')).toMatchObject({ status: 'False', reason: 'NoMatchingParent' });
  });
});
