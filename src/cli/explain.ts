/**
 * `cdk8s-gateway explain PATH… [--format text|json|mermaid]`: the route table the resolver's model
 * implies — per Gateway and listener, the hostnames a request can carry and, for each hostname,
 * the matches in the order a request is tried against them, with filters and backend shares.
 *
 * Everything here is a pure function of `resolve()`'s output: {@link explain} builds plain data
 * ({@link Explanation}, the JSON format), {@link formatExplainText} and
 * {@link formatExplainMermaid} render it.
 *
 * Match order (Gateway API v1.6.1, HTTPRoute): a request is first matched to the most specific
 * hostname (exact before wildcard, longer wildcard first); within it, precedence goes to the match
 * with an Exact path, then the longest PathPrefix, then a method, then the most header matches,
 * then the most query-param matches; ties go to the oldest route (`creationTimestamp`; objects
 * without one count as newest, since they will be created now), then the route's namespace/name,
 * then rule order. RegularExpression paths are implementation-specific: they are placed after
 * Exact and before PathPrefix (longest first), which is how the built-in nginx data plane
 * evaluates them. GRPCRoute: longest service, then longest method, then most header matches,
 * then the same route tie-breaks. TLS/TCP/UDP routes have no matches: route order only.
 */
import { Command, Option } from 'commander';
import { Diagnostic } from '../model';
import { mirrorPercent, orderEntries, ResolvedBackend, ResolvedListener, ResolvedModel, ResolvedRule, RouteAttachment, ROUTE_KINDS, splitPercentages } from '../resolve';
import { cmp, rec } from '../resolve/util';
import { addInputOptions, CliIO, InputOptions, loadAndResolve } from './input';
import { Cell, plural, table } from './style';
import { appendAll } from '../model/arrays';

/** Output formats of `explain`. */
export const EXPLAIN_FORMATS = ['text', 'json', 'mermaid'] as const;

/** Options of `explain`. */
export interface ExplainOptions extends InputOptions {
  readonly format?: (typeof EXPLAIN_FORMATS)[number];
}

/** The `explain` subcommand; `done` receives the exit code. */
export function explainCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('explain')
    .description('print the route table: listeners, hostnames, matches in precedence order, filters, backends with weights')
    .argument('<path...>', 'YAML/JSON files or folders (read recursively); - reads stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(EXPLAIN_FORMATS).default('text'));
  addInputOptions(cmd);
  return cmd.action(async (paths: string[], opts: ExplainOptions) => done(await explainPaths(paths, opts, io)));
}

/**
 * Runs `explain`; returns the exit code: 0 (also when the input has errors: the table shows what
 * would be served, and a note on stderr points to `check`), 2 on usage / input errors.
 */
export async function explainPaths(paths: readonly string[], opts: ExplainOptions, io: CliIO): Promise<number> {
  const r = await loadAndResolve(paths, opts, io, true);
  if (!r) return 2;
  const e = explainControllers(r.results, { routes: routeRefs(r.objects, r.resolveOptions.defaultNamespace!), diagnostics: r.diagnostics });
  const format = opts.format ?? 'text';
  io.stdout(format === 'json' ? `${JSON.stringify(e, null, 2)}\n` : format === 'mermaid' ? formatExplainMermaid(e) : formatExplainText(e));
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors) io.stderr(`note: the input has ${plural(errors, 'error')}; run \`cdk8s-gateway check\` for the fixes\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Data

/** A route reference. */
export interface RouteRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** One backend of a table entry. */
export interface ExplainBackend {
  /** `''` for core Services. */
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  readonly weight: number;
  /** Share of the rule's requests, in percent (2 decimals; shares of a rule add up to 100 unless all weights are 0). */
  readonly percent: number;
  readonly valid: boolean;
  /** Why the reference does not resolve (its share is answered with 500). */
  readonly reason?: string;
  /** Upstream TLS from a BackendTLSPolicy: the hostname verified (and sent as SNI). */
  readonly tls?: string;
  /** Short form, e.g. `docs/docserver:80 100%`, `api:80 10% ✗ BackendNotFound → 500`. */
  readonly text: string;
}

/** A mirror target of a rule. */
export interface ExplainMirror {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly port?: number;
  /** Percentage of requests copied (100 unless `percent` / `fraction` say otherwise). */
  readonly percent: number;
  readonly valid: boolean;
  readonly reason?: string;
}

/** One match of one rule, at its place in the request matching order. */
export interface ExplainEntry {
  /** 1-based position in the hostname's matching order; 0 for rules the data plane drops. */
  readonly order: number;
  readonly route: RouteRef;
  /** Index in `spec.rules`. */
  readonly rule: number;
  readonly ruleName?: string;
  /** Index in the rule's matches (-1 for kinds without matches and match-all GRPC rules). */
  readonly matchIndex: number;
  /** The match with defaults applied, as in the resolved model; `null` when there is none. */
  readonly match: Record<string, unknown> | null;
  /** Short form, e.g. `Exact /`, `Prefix /api GET header x-env=canary`, `grpc my.Svc/Get`, `*`. */
  readonly matchText: string;
  /** Short forms of the rule's filters, e.g. `redirect https 301`, `rewrite prefix /`. */
  readonly filters: string[];
  readonly backends: ExplainBackend[];
  /** `RequestMirror` targets with the percentage of requests copied to them. */
  readonly mirrors: ExplainMirror[];
  /** When the proxy answers the request itself with an error status (no usable backend, unresolved ExtensionRef). */
  readonly respond?: number;
  /** False when the data plane drops the rule (`reason` says why). */
  readonly valid: boolean;
  readonly reason?: string;
}

/** The entries for one hostname of a listener. */
export interface ExplainHost {
  /** Exact host, wildcard (`*.example.com`) or `*` (any host / no hostnames for TCP and UDP). */
  readonly hostname: string;
  readonly entries: ExplainEntry[];
}

/** A route attached to a listener and its effective hostnames there. */
export interface ExplainAttachment extends RouteRef {
  /** Effective hostnames on the listener (`*` = any). */
  readonly hostnames: string[];
}

/** One listener and its route table. */
export interface ExplainListener {
  /** Unique within the Gateway (`ns/listenerset/name` for ListenerSet listeners). */
  readonly id: string;
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  readonly hostname?: string;
  readonly tlsMode?: string;
  /** Certificate Secrets as `ns/name`. */
  readonly certificates: string[];
  readonly programmed: boolean;
  /** Why the listener is not programmed. */
  readonly reason?: string;
  readonly routes: ExplainAttachment[];
  /** Hostnames, most specific first, each with its matches in matching order. */
  readonly hosts: ExplainHost[];
}

/** One Gateway. */
export interface ExplainGateway {
  readonly namespace: string;
  readonly name: string;
  readonly gatewayClassName: string;
  readonly accepted: boolean;
  readonly addresses: string[];
  readonly listeners: ExplainListener[];
}

/** A parentRef through which a route did not attach. */
export interface ExplainRejection {
  /** `Gateway ns/name` (+ ` section S`, ` port P`). */
  readonly parent: string;
  readonly reason: string;
  /** The diagnostic message, when one explains it. */
  readonly message?: string;
}

/** A route that did not attach through some (or all) of its parentRefs. */
export interface ExplainUnattached extends RouteRef {
  /** Whether the route attached through another parentRef. */
  readonly attachedElsewhere: boolean;
  readonly parents: ExplainRejection[];
}

/** The whole explanation (the JSON format). */
export interface Explanation {
  readonly gateways: ExplainGateway[];
  readonly unattached: ExplainUnattached[];
}

/** Context for {@link explain} beyond the model. */
export interface ExplainContext {
  /** Every route of the input (to list routes without any parent handled by the controller). */
  readonly routes?: readonly RouteRef[];
  /** Diagnostics, to say why a route did not attach. */
  readonly diagnostics?: readonly Diagnostic[];
  /** Named in the reason of routes no parent of which is handled. */
  readonly controllerName?: string;
}

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
  const gateways: ExplainGateway[] = model.gateways.map((g) => ({
    namespace: g.namespace,
    name: g.name,
    gatewayClassName: g.gatewayClassName,
    accepted: g.accepted,
    addresses: g.addresses.map((a) => (a.type === 'IPAddress' ? a.value ?? '' : `${a.type}:${a.value ?? ''}`)),
    listeners: g.listeners.map(explainListener),
  }));
  return { gateways, unattached: unattached(model, ctx) };
}

function explainListener(l: ResolvedListener): ExplainListener {
  const anyHost = l.hostname ?? '*';
  const attachments = l.routes.map((a) => ({ a, hostnames: a.hostnames.length ? a.hostnames : [anyHost] }));
  const hosts = sortHostnames([...new Set(attachments.flatMap((x) => x.hostnames))]).map((hostname) => ({
    hostname,
    entries: orderEntries(attachments.filter((x) => x.hostnames.includes(hostname)).flatMap((x) => entriesOf(x.a))).map(toEntry),
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
    ...(e.respond !== undefined ? { respond: e.respond } : {}),
    valid: e.valid,
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
  };
}

/** An entry before ordering (order is assigned by {@link orderEntries}). */
type Unordered = Omit<ExplainEntry, 'order'> & { readonly creationTimestamp?: string };

function entriesOf(a: RouteAttachment): Unordered[] {
  const route = { kind: a.kind, namespace: a.namespace, name: a.name };
  return a.rules.flatMap((rule): Unordered[] => {
    const base = {
      route,
      ...(a.creationTimestamp ? { creationTimestamp: a.creationTimestamp } : {}),
      rule: rule.index,
      ...(rule.name !== undefined ? { ruleName: rule.name } : {}),
      filters: filterTexts(rule, a.namespace),
      backends: backendsOf(rule.backends, a.namespace),
      mirrors: mirrorsOf(rule),
      ...(respondStatus(rule) !== undefined ? { respond: respondStatus(rule) } : {}),
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

// ---------------------------------------------------------------------------------------------
// Precedence: see ../resolve/precedence

export { compareMatchPrecedence, orderEntries } from '../resolve';
export type { Rankable } from '../resolve';

// ---------------------------------------------------------------------------------------------
// Short forms

function s(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** `Exact /`, `Prefix /api GET header x-env=canary query v=2`, `grpc my.Svc/Get`. */
export function matchText(kind: string, m: Record<string, unknown>): string {
  const parts: string[] = [];
  const kv = (label: string, list: unknown) => {
    for (const x of Array.isArray(list) ? list.map(rec) : []) {
      parts.push(`${label} ${s(x.name) ?? ''}${x.type === 'RegularExpression' ? '~' : '='}${s(x.value) ?? ''}`);
    }
  };
  if (kind === 'GRPCRoute') {
    const method = rec(m.method);
    const regex = method.type === 'RegularExpression' ? '~' : '';
    parts.push(`grpc ${regex}${s(method.service) ?? '*'}/${regex}${s(method.method) ?? '*'}`);
    kv('header', m.headers);
    return parts.join(' ');
  }
  const path = rec(m.path);
  const type = s(path.type) ?? 'PathPrefix';
  parts.push(`${type === 'PathPrefix' ? 'Prefix' : type === 'RegularExpression' ? 'Regex' : type} ${s(path.value) ?? '/'}`);
  if (m.method !== undefined) parts.push(String(m.method));
  kv('header', m.headers);
  kv('query', m.queryParams);
  return parts.join(' ');
}

/** `svc:80` in the route's namespace, `ns/svc:80` elsewhere, kind prefixed when not a Service. */
function backendName(b: Pick<ResolvedBackend, 'group' | 'kind' | 'namespace' | 'name' | 'port'>, routeNamespace: string): string {
  const kind = b.group === '' && b.kind === 'Service' ? '' : `${b.kind} `;
  const ns = b.namespace === routeNamespace ? '' : `${b.namespace}/`;
  return `${kind}${ns}${b.name}${b.port !== undefined ? `:${b.port}` : ''}`;
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

function pathModifier(p: unknown): string[] {
  const x = rec(p);
  if (x.type === 'ReplaceFullPath') return [`path ${s(x.replaceFullPath) ?? ''}`];
  if (x.type === 'ReplacePrefixMatch') return [`prefix ${s(x.replacePrefixMatch) ?? ''}`];
  return [];
}

function headerOps(prefix: string, m: unknown): string[] {
  const x = rec(m);
  const pairs = (v: unknown) => (Array.isArray(v) ? v.map(rec) : []);
  return [
    ...pairs(x.set).map((h) => `set-${prefix} ${s(h.name) ?? ''}: ${s(h.value) ?? ''}`),
    ...pairs(x.add).map((h) => `add-${prefix} ${s(h.name) ?? ''}: ${s(h.value) ?? ''}`),
    ...(Array.isArray(x.remove) ? x.remove : []).map((h) => `remove-${prefix} ${s(h) ?? ''}`),
  ];
}

/**
 * Short forms of one filter: `redirect https 301`, `redirect path /x 302`, `rewrite prefix /`,
 * `set-header X: v`, `set-response-header X: v`, `mirror svc:port 10%`, `cors`, `ext-auth …`,
 * `extension Kind/name`.
 */
export function filterText(f: Record<string, unknown>, mirror: ResolvedBackend | undefined, routeNamespace: string): string[] {
  switch (f.type) {
    case 'RequestRedirect': {
      const r = rec(f.requestRedirect);
      const parts = ['redirect'];
      if (s(r.scheme)) parts.push(s(r.scheme)!);
      if (s(r.hostname)) parts.push(`host ${s(r.hostname)}`);
      if (s(r.port)) parts.push(`port ${s(r.port)}`);
      parts.push(...pathModifier(r.path));
      parts.push(s(r.statusCode) ?? '302');
      return [parts.join(' ')];
    }
    case 'URLRewrite': {
      const r = rec(f.urlRewrite);
      return [['rewrite', ...(s(r.hostname) ? [`host ${s(r.hostname)}`] : []), ...pathModifier(r.path)].join(' ')];
    }
    case 'RequestHeaderModifier':
      return headerOps('header', f.requestHeaderModifier);
    case 'ResponseHeaderModifier':
      return headerOps('response-header', f.responseHeaderModifier);
    case 'RequestMirror': {
      const m = rec(f.requestMirror);
      const pct = mirrorPercent(m);
      const ref = rec(m.backendRef);
      const target = mirror
        ? backendName(mirror, routeNamespace)
        : backendName({ group: s(ref.group) ?? '', kind: s(ref.kind) ?? 'Service', namespace: s(ref.namespace) ?? routeNamespace, name: s(ref.name) ?? '', port: typeof ref.port === 'number' ? ref.port : undefined }, routeNamespace);
      const bad = mirror && !mirror.valid ? ` ✗ ${mirror.reason ?? 'Invalid'}` : '';
      return [`mirror ${target} ${pct}%${bad}`];
    }
    case 'CORS':
      return ['cors'];
    case 'ExternalAuth': {
      const x = rec(f.externalAuth);
      const ref = rec(x.backendRef);
      return [`ext-auth ${s(x.protocol) ?? ''} ${s(ref.name) ?? ''}${ref.port !== undefined ? `:${s(ref.port)}` : ''}`.replace(/ +/g, ' ').trim()];
    }
    case 'ExtensionRef': {
      const x = rec(f.extensionRef);
      return [`extension ${s(x.kind) ?? ''}/${s(x.name) ?? ''}`];
    }
    default:
      return [String(f.type ?? 'unknown-filter')];
  }
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

// ---------------------------------------------------------------------------------------------
// Text

function ruleLabel(e: ExplainEntry): string {
  return e.ruleName ?? String(e.rule);
}

function backendCell(e: ExplainEntry): Cell {
  if (!e.valid) return [`✗ ${e.reason ?? 'Invalid'} (rule dropped)`];
  const lines = e.backends.map((b) => b.text);
  if (e.respond !== undefined && !e.backends.length) lines.push(`→ ${e.respond}`);
  else if (e.respond !== undefined) lines.push(`(all backends unusable → ${e.respond})`);
  return lines.length ? lines : ['—'];
}

function listenerLine(l: ExplainListener): string {
  const parts = [`listener ${l.name}`, `${l.protocol} :${l.port}`, l.hostname ?? '*'];
  if (l.tlsMode) parts.push(`TLS ${l.tlsMode}${l.certificates.length ? ` (${l.certificates.join(', ')})` : ''}`);
  if (l.id !== l.name) parts.push(`from ListenerSet ${l.id.split('/').slice(0, 2).join('/')}`);
  if (!l.programmed) parts.push(`✗ not programmed: ${l.reason ?? 'Invalid'}`);
  return parts.join('  ');
}

/** The route table as aligned text, one table per listener, then the routes that did not attach. */
export function formatExplainText(e: Explanation): string {
  const out: string[] = [];
  if (!e.gateways.length) out.push('no Gateways handled by the controller in the input');
  for (const g of e.gateways) {
    if (out.length) out.push('');
    const head = [`Gateway ${g.namespace}/${g.name}`, `class ${g.gatewayClassName}`];
    if (g.addresses.length) head.push(`address ${g.addresses.join(', ')}`);
    if (!g.accepted) head.push('✗ not accepted (run check)');
    out.push(head.join('  '));
    for (const l of g.listeners) {
      out.push(`  ${listenerLine(l)}`);
      if (!l.routes.length) {
        out.push('    (no routes attached)');
        continue;
      }
      for (const r of l.routes) out.push(`    attached: ${r.kind} ${r.namespace}/${r.name} (${r.hostnames.join(', ')})`);
      const rows: Cell[][] = [];
      for (const h of l.hosts) {
        h.entries.forEach((x, i) => {
          rows.push([
            i === 0 ? h.hostname : '',
            x.order ? String(x.order) : '-',
            x.matchText,
            `${x.route.kind} ${x.route.namespace}/${x.route.name}`,
            ruleLabel(x),
            x.filters.length ? x.filters : ['—'],
            backendCell(x),
          ]);
        });
      }
      appendAll(out, table(['HOST', '#', 'MATCH', 'ROUTE', 'RULE', 'FILTERS', 'BACKENDS'], rows, '    '));
    }
  }
  if (e.unattached.length) {
    out.push('', 'Not attached:');
    for (const u of e.unattached) {
      for (const p of u.parents) {
        out.push(`  ${u.kind} ${u.namespace}/${u.name} → ${p.parent}: ${p.reason}${p.message ? ` — ${p.message}` : ''}${u.attachedElsewhere ? ' (attached through another parentRef)' : ''}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Mermaid

/** Mermaid-safe label text (quotes and `#` are entity-escaped). */
function label(text: string): string {
  return text.replace(/#/g, '#35;').replace(/"/g, '#quot;');
}

/** Deterministic, sanitized node ids: `[A-Za-z0-9_]` only, collisions get `_2`, `_3`… */
class NodeIds {
  private readonly byKey = new Map<string, string>();
  private readonly used = new Set<string>();
  readonly lines: string[] = [];

  node(key: string, prefix: string, parts: readonly string[], text: string, shape: 'rect' | 'round' | 'stadium' = 'rect'): string {
    const existing = this.byKey.get(key);
    if (existing) return existing;
    const base = [prefix, ...parts].join('_').replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+$/, '');
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}_${n}`;
    this.used.add(id);
    this.byKey.set(key, id);
    const [open, close] = shape === 'round' ? ['("', '")'] : shape === 'stadium' ? ['(["', '"])'] : ['["', '"]'];
    this.lines.push(`  ${id}${open}${label(text)}${close}`);
    return id;
  }
}

/**
 * A Mermaid `graph LR`: Gateway → listeners → routes (edge label: effective hostnames) →
 * Services (edge label: matches and share); redirects and error answers as rounded nodes;
 * routes that did not attach hang off their Gateway with a dotted `✗ reason` edge. Node
 * declarations first, then edges, both in traversal order.
 */
export function formatExplainMermaid(e: Explanation): string {
  const ids = new NodeIds();
  const edges: string[] = [];
  const seenEdges = new Set<string>();
  const edge = (from: string, to: string, text?: string, dotted = false) => {
    const arrow = dotted ? '-.->' : '-->';
    const line = `  ${from} ${arrow}${text ? `|"${label(text)}"|` : ''} ${to}`;
    if (!seenEdges.has(line)) {
      seenEdges.add(line);
      edges.push(line);
    }
  };
  const routeNode = (r: RouteRef) => ids.node(`route/${r.kind}/${r.namespace}/${r.name}`, 'route', [r.kind.toLowerCase(), r.namespace, r.name], `${r.kind} ${r.namespace}/${r.name}`, 'stadium');
  const serviceNode = (b: { group: string; kind: string; namespace: string; name: string; port?: number }) =>
    ids.node(
      `svc/${b.group}/${b.kind}/${b.namespace}/${b.name}/${b.port ?? ''}`,
      'svc',
      [b.namespace, b.name, String(b.port ?? '')],
      `${b.kind === 'Service' && b.group === '' ? '' : `${b.kind} `}${b.namespace}/${b.name}${b.port !== undefined ? `:${b.port}` : ''}`,
    );
  const gatewayIds = new Map<string, string>();
  for (const g of e.gateways) {
    const gw = ids.node(`gw/${g.namespace}/${g.name}`, 'gw', [g.namespace, g.name], `Gateway ${g.namespace}/${g.name}${g.addresses.length ? `<br/>${g.addresses.join(', ')}` : ''}`);
    gatewayIds.set(`${g.namespace}/${g.name}`, gw);
    for (const l of g.listeners) {
      const lid = ids.node(`listener/${g.namespace}/${g.name}/${l.id}`, 'listener', [g.namespace, g.name, l.id], `${l.name}<br/>${l.protocol} :${l.port}${l.hostname ? ` ${l.hostname}` : ''}${l.programmed ? '' : `<br/>✗ ${l.reason ?? 'Invalid'}`}`);
      edge(gw, lid);
      for (const a of l.routes) {
        const rid = routeNode(a);
        edge(lid, rid, a.hostnames.filter((h) => h !== '*').join(', ') || undefined);
      }
      for (const h of l.hosts) {
        for (const x of h.entries) {
          const rid = routeNode(x.route);
          if (!x.valid) continue;
          const m = x.matchText === '*' ? '' : x.matchText;
          const rewrites = x.filters.filter((f) => f.startsWith('rewrite '));
          for (const b of x.backends) {
            edge(rid, serviceNode(b), [m, ...rewrites, `${b.percent}%`, ...(b.valid ? [] : [`✗ ${b.reason ?? 'Invalid'}`])].filter(Boolean).join(' · '), !b.valid);
          }
          const answer = x.filters.find((f) => f.startsWith('redirect')) ?? (x.respond !== undefined && !x.backends.length ? `${x.respond}` : undefined);
          if (answer) {
            const aid = ids.node(`answer/${x.route.kind}/${x.route.namespace}/${x.route.name}/${x.rule}`, 'answer', [x.route.namespace, x.route.name, String(x.rule)], answer, 'round');
            edge(rid, aid, m || undefined);
          }
          for (const mi of x.mirrors) {
            edge(rid, serviceNode(mi), [m, `mirror ${mi.percent}%`, ...(mi.valid ? [] : [`✗ ${mi.reason ?? 'Invalid'}`])].filter(Boolean).join(' · '), true);
          }
        }
      }
    }
  }
  for (const u of e.unattached) {
    const rid = routeNode(u);
    for (const p of u.parents) {
      const g = /^Gateway (\S+)/.exec(p.parent)?.[1];
      const gw = g ? gatewayIds.get(g) : undefined;
      if (gw) edge(gw, rid, `✗ ${p.reason}`, true);
    }
  }
  return ['graph LR', ...ids.lines, ...edges, ''].join('\n');
}
