/** Stream ports (TLS passthrough / terminate by SNI, TCP, UDP): one backend set per hostname or port. */
import type { ResolvedListener, ResolvedRule } from '../resolve/model';
import { compareRoutes, splitPercentages } from '../resolve/precedence';
import { cmp } from '../resolve/util';
import { Ctx, refOfRoute, unsupported } from './context';
import { compareSpecificity, ownerOf, specificity } from './hostnames';
import { BackendIR, StreamPortIR, TlsRouteIR } from './types';
import { backendIR, upstreamKey } from './upstreams';

function l4Backends(ctx: Ctx, rule: ResolvedRule | undefined): BackendIR[] {
  if (!rule) return [];
  const percents = splitPercentages(rule.backends.map((b) => b.weight));
  return rule.backends.map((b, i) => {
    const ir = backendIR(ctx, b, percents[i], 'http');
    if (ir.upstream) ctx.used.add(upstreamKey(b.namespace, b.name, b.port!));
    return ir;
  });
}

export function buildTlsPort(ctx: Ctx, port: number, tls: ResolvedListener[], https: ResolvedListener[]): StreamPortIR {
  const byHost = new Map<string, TlsRouteIR>();
  let def: TlsRouteIR | undefined;
  // listeners in specificity order; within, routes oldest first: the first claim of a hostname wins
  const sorted = [...tls].sort((a, b) => compareSpecificity(specificity(a.hostname), specificity(b.hostname)));
  for (const l of sorted) {
    for (const a of [...l.routes].filter((x) => x.kind === 'TLSRoute').sort(compareRoutes)) {
      const ref = refOfRoute(ctx, a.kind, a.namespace, a.name);
      if (a.rules.length > 1) unsupported(ctx, ref, 'spec.rules', 'TLSRoute rules beyond the first are not served (one backend set per hostname)');
      const route: TlsRouteIR = {
        listener: l.id,
        mode: l.tlsMode ?? 'Passthrough',
        route: { kind: a.kind, namespace: a.namespace, name: a.name },
        certificates: l.certificates,
        backends: l4Backends(ctx, a.rules[0]),
      };
      if (!a.hostnames.length) {
        def ??= route;
        continue;
      }
      for (const h of a.hostnames) {
        const k = h.toLowerCase();
        // isolation: the hostname belongs to the most specific TLS listener covering it
        if (ownerOf(tls, k)?.id !== l.id) continue;
        if (!byHost.has(k)) byHost.set(k, { ...route, hostname: k });
      }
    }
  }
  const tlsRoutes = [...byHost.values()].sort((a, b) => cmp(a.hostname!, b.hostname!));
  const httpsHostnames = https.length ? [...new Set(https.map((l) => l.hostname?.toLowerCase() ?? '*'))].sort(cmp) : undefined;
  return { port, protocol: 'TLS', tlsRoutes, ...(def ? { tlsDefault: def } : {}), ...(httpsHostnames ? { httpsHostnames } : {}) };
}

export function buildL4Port(ctx: Ctx, port: number, protocol: 'TCP' | 'UDP', listeners: ResolvedListener[]): StreamPortIR {
  const kind = protocol === 'TCP' ? 'TCPRoute' : 'UDPRoute';
  const routes = listeners.flatMap((l) => l.routes.filter((a) => a.kind === kind)).sort(compareRoutes);
  const chosen = routes[0];
  for (const r of routes.slice(1)) {
    if (r.namespace === chosen.namespace && r.name === chosen.name) continue;
    unsupported(
      ctx,
      refOfRoute(ctx, r.kind, r.namespace, r.name),
      'spec.parentRefs',
      `${kind} ${chosen.namespace}/${chosen.name} (older) already serves port ${port}; a ${protocol} port can forward to one route's backends only, so this route receives no traffic there`,
      'attach each route to its own listener / port',
      'warning',
    );
  }
  if (chosen && chosen.rules.length > 1) unsupported(ctx, refOfRoute(ctx, chosen.kind, chosen.namespace, chosen.name), 'spec.rules', `${kind} rules beyond the first are not served`);
  return {
    port,
    protocol,
    backends: l4Backends(ctx, chosen?.rules[0]),
    ...(chosen ? { route: { kind: chosen.kind, namespace: chosen.namespace, name: chosen.name } } : {}),
  };
}
