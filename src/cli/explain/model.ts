/**
 * Builds the explanation from the resolved model: per listener, hostnames most specific first,
 * each with its matches in Gateway API precedence (`../../resolve/precedence`), filters and
 * backend shares; then the routes that did not attach.
 */
import { implementationName, mirrorPercent, orderEntries, ResolvedBackend, ResolvedListener, ResolvedModel, ResolvedRule, RouteAttachment, ROUTE_KINDS, splitPercentages } from '../../resolve';
import { BUILTIN_CONTROLLER_NAME, formatByteQuantity, formatSourceRanges } from '../../model';
import { cmp } from '../../resolve/util';
import { backendName, filterText, matchText } from './short-forms';
import type { ExplainBackend, ExplainContext, ExplainEntry, ExplainGateway, ExplainListener, ExplainMirror, ExplainUnattached, Explanation, RouteRef } from './types';

/** The route refs of the input objects (Gateway API route kinds), namespaces defaulted. */
export function routeRefs(objects: readonly { kind: string; apiVersion: string; metadata: { name?: string; namespace?: string } }[], defaultNamespace: string): RouteRef[] {
  return objects
    .filter((o) => (ROUTE_KINDS as readonly string[]).includes(o.kind) && o.apiVersion.startsWith('gateway.networking.k8s.io/'))
    .map((o) => ({ kind: o.kind, namespace: o.metadata.namespace ?? defaultNamespace, name: o.metadata.name ?? '' }));
}

/**
 * The explanation of an input holding Gateways of several controllers (`explain` without
 * `--controller-name`): each controller's model explained, the gateways listed together (by
 * namespace / name), and a route listed as not attached with the rejections of the controllers whose
 * Gateways it names — or, when it names none of them, once, naming every controller.
 */
export function explainControllers(results: ReadonlyMap<string, { readonly model: ResolvedModel }>, ctx: Omit<ExplainContext, 'controllerName'> = {}): Explanation {
  const controllers = [...results.keys()];
  if (controllers.length === 1) return explain(results.get(controllers[0])!.model, { ...ctx, controllerName: controllers[0] });
  const parts = controllers.map((c) => ({ model: results.get(c)!.model, e: explain(results.get(c)!.model, { ...ctx, controllerName: c }) }));
  const gateways = parts.flatMap((p) => p.e.gateways).sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  const key = (r: RouteRef) => `${r.kind}/${r.namespace}/${r.name}`;
  const knownBy = (k: string) => parts.filter((p) => p.model.routes.some((r) => key(r) === k));
  const out = new Map<string, ExplainUnattached>();
  for (const p of parts) {
    for (const u of p.e.unattached) {
      const k = key(u);
      const handling = knownBy(k);
      if (!handling.length) {
        // no controller handles a parent of this route: one entry, naming every controller
        if (!out.has(k)) {
          out.set(k, {
            ...u,
            parents: u.parents.map((x) => (x.reason === 'NotHandled' ? { ...x, message: `no parentRef names a Gateway handled by a controller of the input (${controllers.join(', ')})` } : x)),
          });
        }
        continue;
      }
      if (!handling.includes(p)) continue; // the controllers that handle it say why it was rejected
      const attachedElsewhere = handling.some((h) => h.model.routes.some((r) => key(r) === k && r.parents.some((x) => x.accepted)));
      const prev = out.get(k);
      out.set(k, { ...u, attachedElsewhere, parents: [...(prev?.parents ?? []), ...u.parents] });
    }
  }
  const unattached = [...out.values()].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  return { gateways, unattached };
}

/** Builds the explanation from the resolved model. Pure and deterministic. */
export function explain(model: ResolvedModel, ctx: ExplainContext = {}): Explanation {
  const report = ctx.controllerName !== undefined ? ctx.implementations?.get(ctx.controllerName) : undefined;
  const implementation = report ? `${implementationName(report)} ${report.version} (Gateway API ${report.gatewayAPIVersion}, report ${report.file})` : undefined;
  const gateways: ExplainGateway[] = model.gateways.map((g) => ({
    namespace: g.namespace,
    name: g.name,
    gatewayClassName: g.gatewayClassName,
    accepted: g.accepted,
    addresses: g.addresses.map((a) => (a.type === 'IPAddress' ? a.value ?? '' : `${a.type}:${a.value ?? ''}`)),
    // the route options are the built-in proxy's (a model resolved without a controller name is the built-in one's)
    listeners: g.listeners.map((l) => explainListener(l, ctx.controllerName === undefined || ctx.controllerName === BUILTIN_CONTROLLER_NAME)),
    ...(implementation ? { implementation } : {}),
  }));
  return { gateways, unattached: unattached(model, ctx) };
}

function explainListener(l: ResolvedListener, honoured: boolean): ExplainListener {
  const anyHost = l.hostname ?? '*';
  const attachments = l.routes.map((a) => ({ a, hostnames: a.hostnames.length ? a.hostnames : [anyHost] }));
  const hosts = sortHostnames([...new Set(attachments.flatMap((x) => x.hostnames))]).map((hostname) => ({
    hostname,
    entries: orderEntries(attachments.filter((x) => x.hostnames.includes(hostname)).flatMap((x) => entriesOf(x.a, honoured))).map(toEntry),
  }));
  return {
    id: l.id,
    name: l.name,
    protocol: l.protocol,
    port: l.port,
    ...(l.hostname !== undefined ? { hostname: l.hostname } : {}),
    ...(l.tlsMode !== undefined ? { tlsMode: l.tlsMode } : {}),
    certificates: l.certificates.map((c) => `${c.namespace}/${c.name}`),
    programmed: l.programmed,
    ...(l.reason !== undefined ? { reason: l.reason } : {}),
    routes: attachments.map(({ a, hostnames }) => ({ kind: a.kind, namespace: a.namespace, name: a.name, hostnames })),
    hosts,
  };
}

/** Hostnames most specific first: exact names (alphabetical), then wildcards with more labels first, then `*`. */
export function sortHostnames(hostnames: readonly string[]): string[] {
  const rank = (h: string) => (h === '*' ? 2 : h.startsWith('*') ? 1 : 0);
  const labels = (h: string) => h.split('.').length;
  return [...hostnames].sort((a, b) => rank(a) - rank(b) || labels(b) - labels(a) || cmp(a, b));
}

/** Fixes the key order of an entry (the JSON output is read by people too). */
function toEntry(e: Omit<Unordered, 'creationTimestamp'> & { order: number }): ExplainEntry {
  return {
    order: e.order,
    route: e.route,
    rule: e.rule,
    ...(e.ruleName !== undefined ? { ruleName: e.ruleName } : {}),
    matchIndex: e.matchIndex,
    match: e.match,
    matchText: e.matchText,
    filters: e.filters,
    backends: e.backends,
    mirrors: e.mirrors,
    ...(e.options !== undefined ? { options: e.options } : {}),
    ...(e.respond !== undefined ? { respond: e.respond } : {}),
    valid: e.valid,
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
  };
}

/** An entry before ordering (order is assigned by {@link orderEntries}). */
type Unordered = Omit<ExplainEntry, 'order'> & { readonly creationTimestamp?: string };

/**
 * Short forms of a route's proxy options as the built-in proxy applies them (undefined: none set,
 * or `honoured` false: another controller's Gateway, which ignores them).
 */
function optionTexts(a: RouteAttachment, honoured: boolean): string[] | undefined {
  const o = a.proxyOptions;
  if (!o || !honoured) return undefined;
  // the data plane answers every request of a route with an option that does not parse with 500
  if (o.invalid) return ['options ✗ InvalidAnnotation → 500'];
  const out: string[] = [];
  if (o.maxRequestBodySize !== undefined) out.push(o.maxRequestBodySize === 0 ? 'body unlimited' : `body ≤ ${formatByteQuantity(o.maxRequestBodySize)}`);
  if (o.clientBodyBufferSize !== undefined) out.push(`body buffer ${formatByteQuantity(o.clientBodyBufferSize)}`);
  if (o.denySourceRanges !== undefined) out.push(`deny ${formatSourceRanges(o.denySourceRanges)}`);
  if (o.allowSourceRanges !== undefined) out.push(`allow ${formatSourceRanges(o.allowSourceRanges)}`);
  return out.length ? out : undefined;
}

function entriesOf(a: RouteAttachment, honoured: boolean): Unordered[] {
  const route = { kind: a.kind, namespace: a.namespace, name: a.name };
  const options = optionTexts(a, honoured);
  const invalidOptions = honoured && a.proxyOptions?.invalid === true;
  return a.rules.flatMap((rule): Unordered[] => {
    const respond = respondStatus(rule) ?? (invalidOptions ? 500 : undefined);
    const base = {
      route,
      ...(a.creationTimestamp ? { creationTimestamp: a.creationTimestamp } : {}),
      rule: rule.index,
      ...(rule.name !== undefined ? { ruleName: rule.name } : {}),
      filters: filterTexts(rule, a.namespace),
      backends: backendsOf(rule.backends, a.namespace),
      mirrors: mirrorsOf(rule),
      ...(options !== undefined ? { options } : {}),
      ...(respond !== undefined ? { respond } : {}),
      valid: rule.valid,
      ...(rule.reason !== undefined ? { reason: rule.reason } : {}),
    };
    if (!rule.matches.length) return [{ ...base, matchIndex: -1, match: null, matchText: a.kind === 'GRPCRoute' ? 'grpc *' : '*' }];
    return rule.matches.map((m, i) => ({ ...base, matchIndex: i, match: m, matchText: matchText(a.kind, m) }));
  });
}

/** The status the proxy answers with itself for a rule, if any. */
function respondStatus(rule: ResolvedRule): number | undefined {
  if (rule.errorStatus !== undefined) return rule.errorStatus;
  const answers = rule.filters.some((f) => f.type === 'RequestRedirect');
  if (answers) return undefined;
  if (!rule.backends.length || rule.backends.every((b) => !b.valid || b.weight === 0)) {
    // no backendRefs, or nothing usable: Gateway API requires a 500 (TLS/TCP/UDP: the connection is refused)
    return 500;
  }
  return undefined;
}

/** Weights → percentages of the rule's traffic (the data plane's split, see `splitPercentages`). */
export const sharePercents = splitPercentages;

function backendsOf(backends: readonly ResolvedBackend[], routeNamespace: string): ExplainBackend[] {
  const percents = splitPercentages(backends.map((b) => b.weight));
  return backends.map((b, i) => {
    const extra = b.filters.length ? ` (${b.filters.flatMap((f) => filterText(f, undefined, routeNamespace)).join(', ')})` : '';
    const bad = b.valid ? '' : ` ✗ ${b.reason ?? 'Invalid'} → 500`;
    const tls = b.tls ? (b.tls.valid ? ` tls ${b.tls.hostname}` : ` ✗ tls ${b.tls.hostname} (BackendTLSPolicy ${b.tls.policy.namespace}/${b.tls.policy.name} not accepted)`) : '';
    return {
      group: b.group,
      kind: b.kind,
      namespace: b.namespace,
      name: b.name,
      ...(b.port !== undefined ? { port: b.port } : {}),
      weight: b.weight,
      percent: percents[i],
      valid: b.valid,
      ...(b.reason !== undefined ? { reason: b.reason } : {}),
      ...(b.tls ? { tls: b.tls.hostname } : {}),
      text: `${backendName(b, routeNamespace)} ${percents[i]}%${bad}${tls}${extra}`,
    };
  });
}

function mirrorsOf(rule: ResolvedRule): ExplainMirror[] {
  const filters = rule.filters.filter((f) => f.type === 'RequestMirror');
  return rule.mirrors.map((m, i) => ({
    group: m.group,
    kind: m.kind,
    namespace: m.namespace,
    name: m.name,
    ...(m.port !== undefined ? { port: m.port } : {}),
    percent: mirrorPercent(filters[i]?.requestMirror),
    valid: m.valid,
    ...(m.reason !== undefined ? { reason: m.reason } : {}),
  }));
}

function filterTexts(rule: ResolvedRule, routeNamespace: string): string[] {
  let mirror = 0;
  return rule.filters.flatMap((f) => filterText(f, f.type === 'RequestMirror' ? rule.mirrors[mirror++] : undefined, routeNamespace));
}

// ---------------------------------------------------------------------------------------------
// Routes that did not attach

function parentText(p: { kind: string; namespace: string; name: string; sectionName?: string; port?: number }): string {
  return `${p.kind} ${p.namespace}/${p.name}${p.sectionName !== undefined ? ` section ${p.sectionName}` : ''}${p.port !== undefined ? ` port ${p.port}` : ''}`;
}

function unattached(model: ResolvedModel, ctx: ExplainContext): ExplainUnattached[] {
  const diagsOf = (r: RouteRef, index?: number) =>
    (ctx.diagnostics ?? []).filter(
      (d) =>
        d.object.kind === r.kind &&
        d.object.namespace === r.namespace &&
        d.object.name === r.name &&
        (d.field ?? '').startsWith(index === undefined ? 'spec.parentRefs' : `spec.parentRefs[${index}]`),
    );
  const out: ExplainUnattached[] = [];
  const known = new Set<string>();
  for (const r of model.routes) {
    known.add(`${r.kind}/${r.namespace}/${r.name}`);
    const rejected = r.parents.filter((p) => !p.accepted);
    if (!rejected.length) continue;
    out.push({
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      attachedElsewhere: r.parents.some((p) => p.accepted),
      parents: rejected.map((p) => {
        const d = diagsOf(r, p.index)[0];
        return { parent: parentText(p.parentRef), reason: p.reason, ...(d ? { message: d.message } : {}) };
      }),
    });
  }
  // routes none of whose parents the controller handles (or whose parents do not exist)
  const seen = new Set<string>();
  for (const r of ctx.routes ?? []) {
    const k = `${r.kind}/${r.namespace}/${r.name}`;
    if (known.has(k) || seen.has(k)) continue;
    seen.add(k);
    const ds = diagsOf(r);
    out.push({
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
      attachedElsewhere: false,
      parents: ds.length
        ? ds.map((d) => ({ parent: d.field ?? 'spec.parentRefs', reason: d.code, message: d.message }))
        : [{ parent: 'spec.parentRefs', reason: 'NotHandled', message: `no parentRef names a Gateway handled by ${ctx.controllerName ?? 'this controller'}` }],
    });
  }
  return out.sort((a, b) => cmp(a.kind, b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
}
