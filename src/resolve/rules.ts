/**
 * A route's rules as the resolver reads them: default matches, filters checked against the route
 * kind and the controller, and backends resolved (kind, grants, existence, ports, BackendTLSPolicy).
 * Split from routes.ts (attachment, conflicts), which calls {@link resolveRules} per route.
 */
import { BUILTIN_CONTROLLER_NAME, EXTERNAL_BACKENDS_ANNOTATION, GATEWAY_GROUP, Severity } from '../model';
import { diagnostic, REASON } from './conditions';
import { assumeExternal, declaredExternalBackends, externalBackendKey } from './external';
import { grantFix, refPermitted } from './grants';
import { groupKindKey, judgedAsBuiltin, MCS_GROUP, Obj, RouteKind } from './inventory';
import { EvalContext, ListenerProblem, missingSeverity, partialNote } from './listeners';
import type { ResolvedFilter, ResolvedGrpcMatch, ResolvedHttpMatch } from './matches';
import { ResolvedBackend, ResolvedBackendTLS, ResolvedRule } from './model';
import { arr, closest, key, list, names, num, rec, str } from './util';

/** The BackendTLSPolicy that applies to a Service port, if any. */
export type BackendTlsLookup = (namespace: string, service: string, port: number | undefined) => ResolvedBackendTLS | undefined;

/** HTTPRoute matches with the CRD defaults applied (see {@link ResolvedRule.matches}). */
export function withDefaultHttpMatches(matches: unknown[]): ResolvedHttpMatch[] {
  const ms = matches.length ? matches : [{}];
  return ms.map((m) => {
    const x = { ...rec(m) };
    const path = rec(x.path);
    x.path = { type: str(path.type) ?? 'PathPrefix', value: str(path.value) ?? '/' };
    if (x.headers !== undefined) x.headers = arr(x.headers).map((h) => ({ type: 'Exact', ...rec(h) }));
    if (x.queryParams !== undefined) x.queryParams = arr(x.queryParams).map((q) => ({ type: 'Exact', ...rec(q) }));
    return x as ResolvedHttpMatch;
  });
}

function withDefaultGrpcMatches(matches: unknown[]): ResolvedGrpcMatch[] {
  return matches.map((m) => {
    const x = { ...rec(m) };
    if (x.method !== undefined) x.method = { type: 'Exact', ...rec(x.method) };
    if (x.headers !== undefined) x.headers = arr(x.headers).map((h) => ({ type: 'Exact', ...rec(h) }));
    return x as ResolvedGrpcMatch;
  });
}

/**
 * `spec.rules[ri].backendRefs[bi]`, one string per place (every backend keeps its field: built
 * per backend, these strings took about 150 bytes each on a large input). Places past the CRD
 * limits (16 rules, 16 backendRefs) are not kept.
 */
const BACKEND_FIELDS: string[][] = [];
function backendRefField(ri: number, bi: number): string {
  if (ri >= 16 || bi >= 16) return `spec.rules[${ri}].backendRefs[${bi}]`;
  const row = (BACKEND_FIELDS[ri] ??= []);
  return (row[bi] ??= `spec.rules[${ri}].backendRefs[${bi}]`);
}

/** The fields of a rule the resolver reads itself (the others are kept as `extra`). */
const RULE_FIELDS: ReadonlySet<string> = new Set(['name', 'matches', 'filters', 'backendRefs']);

export function resolveRules(ctx: EvalContext, r: Obj, kind: RouteKind, tlsLookup: BackendTlsLookup): { rules: ResolvedRule[]; problem?: ListenerProblem; unsupported?: string } {
  let problem: ListenerProblem | undefined;
  let unsupported: string | undefined;
  const declared = declaredExternalBackends(ctx.diags, r.ref, rec(r.raw.metadata).annotations);
  const rules: ResolvedRule[] = arr(r.spec.rules).map((raw, ri) => {
    const rule = rec(raw);
    const extra: Record<string, unknown> = {};
    for (const k of Object.keys(rule)) if (!RULE_FIELDS.has(k)) extra[k] = rule[k];
    const filters = arr(rule.filters).map(rec) as ResolvedFilter[];
    const backends = arr(rule.backendRefs).map((b, bi) => {
      const res = resolveBackend(ctx, r, kind, rec(b), backendRefField(ri, bi), tlsLookup, declared);
      if (!res.valid && !problem) problem = { reason: res.reason!, message: res.message! };
      return res;
    });
    const mirrors: ResolvedBackend[] = [];
    filters.forEach((f, fi) => {
      if (str(f.type) !== 'RequestMirror') return;
      const res = resolveBackend(ctx, r, kind, rec(rec(f.requestMirror).backendRef), `spec.rules[${ri}].filters[${fi}].requestMirror.backendRef`, tlsLookup, declared);
      if (!res.valid && !problem) problem = { reason: res.reason!, message: res.message! };
      mirrors.push(res);
    });
    const matches = kind === 'HTTPRoute' ? withDefaultHttpMatches(arr(rule.matches)) : kind === 'GRPCRoute' ? withDefaultGrpcMatches(arr(rule.matches)) : [];
    const check = checkFilters(ctx, r, kind, ri, filters);
    if (check.unsupported && !unsupported) unsupported = check.unsupported;
    if (check.refProblem && !problem) problem = check.refProblem;
    // the common rule (no name, valid, resolved) as one literal, without spreads of temporary literals
    if (str(rule.name) === undefined && !check.invalid && !check.unresolved) return { index: ri, matches, filters, backends, mirrors, extra, valid: true };
    return {
      index: ri,
      ...(str(rule.name) !== undefined ? { name: str(rule.name) } : {}),
      matches,
      filters,
      backends,
      mirrors,
      extra,
      valid: !check.invalid,
      ...(check.invalid ? { reason: check.invalid } : {}),
      ...(check.unresolved ? { errorStatus: 500 } : {}),
    };
  });
  return { rules, problem, unsupported };
}

/**
 * Filter types of the Gateway API v1.6.1 enum, per route kind. Any other value makes the route not
 * Accepted (`UnsupportedValue`), as the spec requires. Whether the data plane implements a known
 * type (e.g. `ExternalAuth`) is the data-plane compiler's decision.
 */
export const KNOWN_FILTERS: Readonly<Record<string, readonly string[]>> = {
  HTTPRoute: ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'RequestRedirect', 'URLRewrite', 'CORS', 'ExternalAuth', 'ExtensionRef'],
  GRPCRoute: ['RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestMirror', 'ExtensionRef'],
};

interface FilterCheck {
  /** Why the rule cannot be implemented at all (`IncompatibleFilters`). */
  readonly invalid?: string;
  /** An unknown filter type: the whole route is not Accepted. */
  readonly unsupported?: string;
  /** An ExtensionRef filter that does not resolve: requests matching the rule get a 500. */
  readonly unresolved?: boolean;
  /** A filter reference of a kind the controller does not support (route `ResolvedRefs` False, `InvalidKind`). */
  readonly refProblem?: ListenerProblem;
}

/** The outcome of a rule's filters without a problem (shared, read only). */
const NO_FILTER_PROBLEMS: FilterCheck = Object.freeze({});

/** Validates a rule's filters. */
function checkFilters(ctx: EvalContext, r: Obj, kind: RouteKind, ri: number, filters: Record<string, unknown>[]): FilterCheck {
  const known = KNOWN_FILTERS[kind];
  if (!known) return {};
  let unsupported: string | undefined;
  let unresolved = false;
  let refProblem: ListenerProblem | undefined;
  filters.forEach((f, fi) => {
    const type = str(f.type) ?? '';
    const field = `spec.rules[${ri}].filters[${fi}]`;
    if (!known.includes(type)) {
      unsupported ??= `filter type "${type}" (spec.rules[${ri}].filters[${fi}]) is not a ${kind} filter type`;
      ctx.diags.push(
        diagnostic('error', REASON.UnsupportedValue, r.ref, `${field}.type`, `filter type "${type}" is not a ${kind} filter type (known: ${known.join(', ')}); the route is not accepted`, `use one of ${known.join(', ')}`),
      );
      return;
    }
    if (type === 'ExtensionRef') {
      const x = rec(f.extensionRef);
      const group = str(x.group) ?? '';
      const ekind = str(x.kind) ?? '';
      const name = str(x.name) ?? '';
      if (!ctx.inv.byGroupKind.has(groupKindKey(group, ekind, r.namespace, name))) {
        const shown = `${group ? `${group}/` : ''}${ekind} ${r.namespace}/${name}`;
        if (ctx.inv.assumeExternal) {
          assumeExternal(ctx.diags, r.ref, `${field}.extensionRef`, shown, "whether the Gateway's controller understands this filter");
          return;
        }
        unresolved = true;
        const present = [...ctx.inv.byGroupKind.values()].some((o) => o.group === group && o.kind === ekind);
        ctx.diags.push(
          diagnostic(
            missingSeverity(present),
            'ExtensionRefNotFound',
            r.ref,
            `${field}.extensionRef`,
            `ExtensionRef filter ${shown} does not resolve${partialNote(present, ekind)}: requests matching rule ${ri} are answered with HTTP 500`,
            `create ${shown} (a kind the Gateway's controller understands), or remove the filter`,
          ),
        );
      } else if (ctx.inv.controllerName === BUILTIN_CONTROLLER_NAME) {
        // the built-in data plane implements no extension filter: an unsupported kind (as render says)
        const shown = `${group ? `${group}/` : ''}${ekind} ${r.namespace}/${name}`;
        const message = `ExtensionRef filter ${shown}: the built-in nginx data plane understands no ExtensionRef filter kind, so requests matching rule ${ri} are answered with HTTP 500`;
        unresolved = true;
        refProblem ??= { reason: REASON.InvalidKind, message };
        ctx.diags.push(diagnostic('error', REASON.InvalidKind, r.ref, `${field}.extensionRef`, message, `remove the filter, or attach the route to a Gateway whose controller implements ${ekind}`));
      }
    }
  });
  const types = filters.map((f) => str(f.type));
  let invalid: string | undefined;
  if (types.includes('RequestRedirect') && types.includes('URLRewrite')) {
    invalid = REASON.IncompatibleFilters;
    ctx.diags.push(
      diagnostic(
        'error',
        REASON.IncompatibleFilters,
        r.ref,
        `spec.rules[${ri}].filters`,
        'RequestRedirect and URLRewrite cannot be combined in one rule; the rule is dropped',
        'keep either the RequestRedirect or the URLRewrite filter (a redirect answers the client, a rewrite changes the request sent to the backend)',
      ),
    );
  }
  if (!invalid && !unsupported && !unresolved && !refProblem) return NO_FILTER_PROBLEMS;
  return { ...(invalid ? { invalid } : {}), ...(unsupported ? { unsupported } : {}), ...(unresolved ? { unresolved } : {}), ...(refProblem ? { refProblem } : {}) };
}

function resolveBackend(ctx: EvalContext, r: Obj, kind: RouteKind, b: Record<string, unknown>, field: string, tlsLookup: BackendTlsLookup, declaredExternal: ReadonlySet<string>): ResolvedBackend {
  const group = str(b.group) ?? '';
  const bkind = str(b.kind) ?? 'Service';
  const name = str(b.name) ?? '';
  const namespace = str(b.namespace) ?? r.namespace;
  const port = num(b.port);
  const weight = num(b.weight) ?? 1;
  const filters = arr(b.filters).map(rec) as ResolvedFilter[];
  // (built by stores in one place, not by spreading a literal that spreads: V8 gives each object
  // made that way a hidden class of its own, about 300 bytes per backend of a large input)
  const backend = (valid: boolean, more: { reason?: string; message?: string; appProtocol?: string; tls?: ResolvedBackendTLS } = {}): ResolvedBackend => {
    const b: { -readonly [K in keyof ResolvedBackend]?: ResolvedBackend[K] } = { field, group, kind: bkind, namespace, name };
    if (port !== undefined) b.port = port;
    b.weight = weight;
    b.filters = filters;
    b.valid = valid;
    if (more.reason !== undefined) b.reason = more.reason;
    if (more.message !== undefined) b.message = more.message;
    if (more.appProtocol) b.appProtocol = more.appProtocol;
    if (more.tls) b.tls = more.tls;
    return b as ResolvedBackend;
  };
  const shownKind = group ? `${group}/${bkind}` : bkind;
  const invalid = (reason: string, message: string, fix: string, severity: Severity = 'error'): ResolvedBackend => {
    ctx.diags.push(diagnostic(severity, reason, r.ref, field, message, fix));
    return backend(false, { reason, message });
  };
  const isService = group === '' && bkind === 'Service';
  const isImport = group === MCS_GROUP && bkind === 'ServiceImport';
  if (!isService && !isImport && !judgedAsBuiltin(ctx.inv)) {
    // backend kinds beyond Service are implementation-specific: another controller decides
    ctx.diags.push(diagnostic('info', 'BackendNotChecked', r.ref, field, `backendRef kind ${shownKind} (${name}) is implementation-specific: not checked for controller ${ctx.inv.controllerName}`));
    return backend(true);
  }
  if (!isService && !isImport) {
    return invalid(REASON.InvalidKind, `backendRef kind ${shownKind} (${name}) is not supported (supported: Service, ${MCS_GROUP}/ServiceImport)`, 'reference a Service: remove group and kind, or set group "" and kind Service');
  }
  const xref = { fromGroup: GATEWAY_GROUP, fromKind: kind, fromNamespace: r.namespace, toGroup: group, toKind: bkind, toNamespace: namespace, toName: name };
  if (!refPermitted(ctx.inv, xref)) {
    return invalid(REASON.RefNotPermitted, `${bkind} ${namespace}/${name} is in another namespace than the ${kind} and no ReferenceGrant in ${namespace} allows the reference`, grantFix(xref));
  }
  const pool = isService ? ctx.inv.services : ctx.inv.serviceImports;
  const target = pool.get(key(namespace, name));
  if (!target && (ctx.inv.assumeExternal || declaredExternal.has(externalBackendKey(group, bkind, namespace, name)))) {
    if (port === undefined) {
      return invalid(REASON.BackendNotFound, `backendRef ${bkind} ${namespace}/${name} has no port`, `set port to the ${bkind} port to send traffic to`);
    }
    assumeExternal(ctx.diags, r.ref, field, `${bkind} ${namespace}/${name}`, `that it exists and exposes port ${port}`);
    const tls = isService ? tlsLookup(namespace, name, port) : undefined;
    return backend(true, { tls });
  }
  if (!target) {
    const present = pool.size > 0;
    const others = [...pool.values()].filter((s) => s.namespace === namespace).map((s) => s.name);
    return invalid(
      REASON.BackendNotFound,
      `${bkind} ${namespace}/${name} does not exist` + (present ? ` (${bkind}s in ${namespace}: ${names(others)})` : partialNote(false, bkind)),
      (closest(name, others)
        ? `did you mean ${closest(name, others)}? set name to it, or create ${bkind} ${namespace}/${name}`
        : others.length
          ? `set name to one of ${names(others)}, or create ${bkind} ${namespace}/${name}` : `create ${bkind} ${namespace}/${name}, or fix the name`) +
        ` (if it is deployed by other means: list it in the route's annotation ${EXTERNAL_BACKENDS_ANNOTATION}, as synth does for Backend.fromName, or check with --assume-external)`,
      missingSeverity(present),
    );
  }
  const ports = arr(target.spec.ports).map(rec);
  const declared = ports.map((p) => num(p.port)).filter((p): p is number => p !== undefined);
  if (port === undefined) {
    return invalid(REASON.BackendNotFound, `backendRef ${bkind} ${namespace}/${name} has no port`, `set port to one of ${list(declared.map(String))}`);
  }
  let appProtocol: string | undefined;
  if (declared.length) {
    const hit = ports.find((p) => num(p.port) === port);
    if (!hit) {
      return invalid(REASON.BackendNotFound, `${bkind} ${namespace}/${name} has no port ${port} (its ports: ${list(declared.map(String))})`, `set port to one of ${list(declared.map(String))}`);
    }
    appProtocol = str(hit.appProtocol);
  }
  const tls = isService ? tlsLookup(namespace, name, port) : undefined;
  return backend(true, { appProtocol, tls });
}
