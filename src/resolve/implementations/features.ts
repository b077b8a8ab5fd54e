/**
 * Which Gateway API conformance features an input uses, per Gateway controller, and which of them
 * an implementation's published conformance report does not claim.
 *
 * Feature names are upstream's (`pkg/features` of kubernetes-sigs/gateway-api, as the reports
 * list them). A route kind's core support is its profile (`HTTPRoute` → GATEWAY-HTTP, `GRPCRoute`
 * → GATEWAY-GRPC, `TLSRoute` → GATEWAY-TLS); TCPRoute and UDPRoute are extended features of their
 * profiles. Only what the input spells out is detected: a field set, a filter used, a kind present.
 */
import { Diagnostic, GATEWAY_GROUP, KubeObject, ObjectRef, refOf } from '../../model';
import { diagnostic } from '../conditions';
import { groupStartsWith } from '../util';
import { ImplementationReport, reportLabel } from './profiles';

/** One use of a feature by the input. */
export interface FeatureUse {
  /** upstream feature name, or `profile:<NAME>` for a route kind's core support */
  readonly feature: string;
  /** what the user wrote, in words (`query parameter matching`) */
  readonly what: string;
  readonly object: ObjectRef;
  readonly field: string;
}

type J = Record<string, any>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): J[] => (Array.isArray(v) ? v.filter(isObj) : []);
const nsOf = (o: KubeObject, dflt: string) => o.metadata?.namespace ?? dflt;
const isGatewayApi = (o: KubeObject) => typeof o?.apiVersion === 'string' && groupStartsWith(o.apiVersion, 'gateway.networking');

const ROUTE_PROFILE: Readonly<Record<string, string>> = { HTTPRoute: 'GATEWAY-HTTP', GRPCRoute: 'GATEWAY-GRPC', TLSRoute: 'GATEWAY-TLS' };
const ROUTE_FEATURE: Readonly<Record<string, string>> = { TCPRoute: 'TCPRoute', UDPRoute: 'UDPRoute' };
const REDIRECT_CODES: Readonly<Record<number, string>> = { 303: 'HTTPRoute303RedirectStatusCode', 307: 'HTTPRoute307RedirectStatusCode', 308: 'HTTPRoute308RedirectStatusCode' };

/**
 * The features used by the Gateways of `controllerName` and the routes and policies attached to
 * them (by `parentRefs` / `targetRefs` naming one of those Gateways or their backends).
 * `withoutClass`: the controller also handles the Gateways whose GatewayClass the input lacks, and
 * the parent Gateways the input lacks (their class is unknown too).
 */
export function featureUses(objects: readonly KubeObject[], controllerName: string, defaultNamespace = 'default', withoutClass = false): FeatureUse[] {
  const uses: FeatureUse[] = [];
  const use = (feature: string, what: string, o: KubeObject, field: string) => uses.push({ feature, what, object: refOf(o, defaultNamespace), field });
  const allClasses = objects.filter((o) => o?.kind === 'GatewayClass' && isGatewayApi(o));
  const known = new Set(allClasses.map((o) => o.metadata?.name));
  const classes = new Set(allClasses.filter((o) => (o as J).spec?.controllerName === controllerName).map((o) => o.metadata?.name));
  const ours = (className: unknown) => classes.has(className as string) || (withoutClass && !known.has(className as string));
  const gateways = objects.filter((o) => o?.kind === 'Gateway' && isGatewayApi(o) && ours((o as J).spec?.gatewayClassName));
  const gwKeys = new Set(gateways.map((g) => `${nsOf(g, defaultNamespace)}/${g.metadata?.name}`));
  const allGwKeys = new Set(objects.filter((o) => o?.kind === 'Gateway' && isGatewayApi(o)).map((g) => `${nsOf(g, defaultNamespace)}/${g.metadata?.name}`));
  // a parent Gateway the input lacks has no known class either: judged with the Gateways without one
  const judged = (gwKey: string) => gwKeys.has(gwKey) || (withoutClass && !allGwKeys.has(gwKey));
  const listenerTls = new Map<string, J[]>(gateways.map((g) => [`${nsOf(g, defaultNamespace)}/${g.metadata?.name}`, arr((g as J).spec?.listeners)]));

  for (const g of gateways) {
    const spec = (g as J).spec ?? {};
    arr(spec.listeners).forEach((l, i) => {
      if (l.port === 8080) use('GatewayPort8080', 'a listener on port 8080', g, `spec.listeners[${i}].port`);
    });
    arr(spec.addresses).forEach((a, i) => {
      if (a.value === undefined || a.value === '') use('GatewayAddressEmpty', 'an address without a value', g, `spec.addresses[${i}]`);
      else use('GatewayStaticAddresses', 'a static address', g, `spec.addresses[${i}].value`);
    });
    if (isObj(spec.infrastructure)) use('GatewayInfrastructurePropagation', 'infrastructure labels/annotations', g, 'spec.infrastructure');
    const frontend = spec.tls?.frontend;
    if (isObj(frontend)) {
      use('GatewayFrontendClientCertificateValidation', 'client certificate validation', g, 'spec.tls.frontend');
      const modes = [frontend.default?.validation?.mode, ...arr(frontend.perPort).map((p) => p.tls?.validation?.mode)];
      if (modes.includes('AllowInsecureFallback')) use('GatewayFrontendClientCertificateValidationInsecureFallback', 'client certificate validation with AllowInsecureFallback', g, 'spec.tls.frontend');
    }
    if (isObj(spec.tls?.backend?.clientCertificateRef)) use('GatewayBackendClientCertificate', 'a client certificate for backends', g, 'spec.tls.backend.clientCertificateRef');
  }

  const attachedTo = (o: KubeObject): J[] => arr((o as J).spec?.parentRefs).filter((p) => {
    if ((p.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (p.kind ?? 'Gateway') !== 'Gateway') return false;
    return judged(`${p.namespace ?? nsOf(o, defaultNamespace)}/${p.name}`);
  });
  const backendServices = new Set<string>();
  for (const o of objects) {
    if (!o || !isGatewayApi(o)) continue;
    if (o.kind === 'ListenerSet' || o.kind === 'XListenerSet') {
      const p = (o as J).spec?.parentRef;
      if (isObj(p) && judged(`${p.namespace ?? nsOf(o, defaultNamespace)}/${p.name}`)) use('ListenerSet', 'a ListenerSet', o, 'spec.parentRef');
      continue;
    }
    const profile = ROUTE_PROFILE[o.kind];
    const kindFeature = ROUTE_FEATURE[o.kind];
    if (!profile && !kindFeature) continue;
    const parents = attachedTo(o);
    if (parents.length === 0) continue;
    use(kindFeature ?? `profile:${profile}`, `a ${o.kind}`, o, 'kind');
    const spec = (o as J).spec ?? {};
    if (o.kind === 'HTTPRoute') {
      arr(spec.parentRefs).forEach((p, i) => {
        if (p.port !== undefined && parents.includes(p)) use('HTTPRouteParentRefPort', 'a parentRef port', o, `spec.parentRefs[${i}].port`);
      });
    }
    if (o.kind === 'TLSRoute') {
      for (const p of parents) {
        const ls = listenerTls.get(`${p.namespace ?? nsOf(o, defaultNamespace)}/${p.name}`) ?? [];
        const terminating = ls.some((l) => (p.sectionName === undefined || l.name === p.sectionName) && l.protocol === 'TLS' && (l.tls?.mode ?? 'Terminate') === 'Terminate');
        if (terminating) use('TLSRouteModeTerminate', 'a TLSRoute on a listener that terminates TLS', o, 'spec.parentRefs');
      }
    }
    arr(spec.rules).forEach((rule, ri) => {
      const rf = `spec.rules[${ri}]`;
      if (o.kind === 'HTTPRoute') {
        if (rule.name !== undefined) use('HTTPRouteNamedRouteRule', 'a named rule', o, `${rf}.name`);
        if (rule.timeouts?.request !== undefined) use('HTTPRouteRequestTimeout', 'a request timeout', o, `${rf}.timeouts.request`);
        if (rule.timeouts?.backendRequest !== undefined) use('HTTPRouteBackendTimeout', 'a backend request timeout', o, `${rf}.timeouts.backendRequest`);
        if (isObj(rule.retry)) use('HTTPRouteRetry', 'retries', o, `${rf}.retry`);
        arr(rule.matches).forEach((m, mi) => {
          if (m.method !== undefined) use('HTTPRouteMethodMatching', 'method matching', o, `${rf}.matches[${mi}].method`);
          if (arr(m.queryParams).length) use('HTTPRouteQueryParamMatching', 'query parameter matching', o, `${rf}.matches[${mi}].queryParams`);
        });
      }
      if (o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute') {
        const filters = arr(rule.filters);
        const mirrors = filters.filter((f) => f.type === 'RequestMirror');
        if (mirrors.length > 1) use('HTTPRouteRequestMultipleMirrors', 'several request mirrors in one rule', o, `${rf}.filters`);
        filters.forEach((f, fi) => filterUses(o, `${rf}.filters[${fi}]`, f, use));
        arr(rule.backendRefs).forEach((b, bi) => {
          arr(b.filters).forEach((f, fi) => {
            const field = `${rf}.backendRefs[${bi}].filters[${fi}]`;
            if (f.type === 'RequestHeaderModifier') use('HTTPRouteBackendRequestHeaderModification', 'a header filter on a backendRef', o, field);
            else if (f.type === 'RequestRedirect') use('HTTPRouteBackendRequestRedirect', 'a redirect on a backendRef', o, field);
            else if (f.type === 'URLRewrite') use('HTTPRouteBackendURLRewrite', 'a rewrite on a backendRef', o, field);
          });
        });
      }
      arr(rule.backendRefs).forEach((b) => {
        if ((b.group ?? '') === '' && (b.kind ?? 'Service') === 'Service') backendServices.add(`${b.namespace ?? nsOf(o, defaultNamespace)}/${b.name}`);
      });
    });
  }

  for (const o of objects) {
    if (!o) continue;
    if (o.kind === 'Service' && backendServices.has(`${nsOf(o, defaultNamespace)}/${o.metadata?.name}`)) {
      arr((o as J).spec?.ports).forEach((p, i) => {
        if (p.appProtocol === 'kubernetes.io/h2c') use('HTTPRouteBackendProtocolH2C', 'a backend port with appProtocol kubernetes.io/h2c', o, `spec.ports[${i}].appProtocol`);
        if (p.appProtocol === 'kubernetes.io/ws' || p.appProtocol === 'kubernetes.io/wss') use('HTTPRouteBackendProtocolWebSocket', `a backend port with appProtocol ${p.appProtocol}`, o, `spec.ports[${i}].appProtocol`);
      });
    }
    if (o.kind === 'BackendTLSPolicy' && isGatewayApi(o)) {
      const ns = nsOf(o, defaultNamespace);
      const targets = arr((o as J).spec?.targetRefs).filter((t) => (t.group ?? '') === '' && t.kind === 'Service' && backendServices.has(`${ns}/${t.name}`));
      if (targets.length === 0) continue;
      use('BackendTLSPolicy', 'a BackendTLSPolicy', o, 'kind');
      if (arr((o as J).spec?.validation?.subjectAltNames).length) use('BackendTLSPolicySANValidation', 'subject alternative name validation', o, 'spec.validation.subjectAltNames');
    }
  }
  return uses;
}

function filterUses(o: KubeObject, field: string, f: J, use: (feature: string, what: string, o: KubeObject, field: string) => void): void {
  switch (f.type) {
    case 'RequestMirror':
      use('HTTPRouteRequestMirror', 'a request mirror', o, field);
      if (f.requestMirror?.percent !== undefined || f.requestMirror?.fraction !== undefined) use('HTTPRouteRequestPercentageMirror', 'a percentage mirror', o, `${field}.requestMirror`);
      break;
    case 'ResponseHeaderModifier':
      use('HTTPRouteResponseHeaderModification', 'response header modification', o, field);
      break;
    case 'CORS':
      use('HTTPRouteCORS', 'CORS', o, field);
      break;
    case 'URLRewrite':
      if (f.urlRewrite?.path !== undefined) use('HTTPRoutePathRewrite', 'a path rewrite', o, `${field}.urlRewrite.path`);
      if (f.urlRewrite?.hostname !== undefined) use('HTTPRouteHostRewrite', 'a host rewrite', o, `${field}.urlRewrite.hostname`);
      break;
    case 'RequestRedirect': {
      const r = f.requestRedirect ?? {};
      if (r.path !== undefined) use('HTTPRoutePathRedirect', 'a path redirect', o, `${field}.requestRedirect.path`);
      if (r.port !== undefined) use('HTTPRoutePortRedirect', 'a port redirect', o, `${field}.requestRedirect.port`);
      if (r.scheme !== undefined) use('HTTPRouteSchemeRedirect', 'a scheme redirect', o, `${field}.requestRedirect.scheme`);
      const code = REDIRECT_CODES[r.statusCode as number];
      if (code) use(code, `redirect status ${r.statusCode}`, o, `${field}.requestRedirect.statusCode`);
      break;
    }
    default:
  }
}

/** Whether `report` claims `feature` (a `profile:` feature: the profile is in the report). */
export function claims(report: ImplementationReport, feature: string): boolean {
  if (feature.startsWith('profile:')) return report.profiles[feature.slice('profile:'.length)] !== undefined;
  return Object.values(report.profiles).some((p) => p.supported.includes(feature));
}

/**
 * One warning per feature use the report does not claim: `FeatureNotClaimed`, naming the feature,
 * the implementation and version, and the report.
 */
export function unclaimedFeatures(uses: readonly FeatureUse[], report: ImplementationReport): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const u of uses) {
    if (claims(report, u.feature)) continue;
    const key = `${u.object.kind}/${u.object.namespace ?? ''}/${u.object.name}/${u.field}/${u.feature}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const denied = !u.feature.startsWith('profile:') && Object.values(report.profiles).some((p) => p.unsupported.includes(u.feature));
    const name = u.feature.startsWith('profile:') ? `the ${u.feature.slice('profile:'.length)} conformance profile` : u.feature;
    const verdict = denied ? 'lists as unsupported' : 'does not claim';
    out.push(diagnostic('warning', 'FeatureNotClaimed', u.object, u.field,
      `uses ${u.what} (${name}), which ${reportLabel(report)} ${verdict}`,
      'check that the implementation serves it (its docs, or a test on the cluster), change the input to avoid it, or judge against another report with --implementation NAME@VERSION'));
  }
  return out;
}
