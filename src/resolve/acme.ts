/**
 * cert-manager's HTTP-01 challenges through a Gateway, known at synth time.
 *
 * When an ACME issuer solves HTTP-01 with `gatewayHTTPRoute`, cert-manager creates, at run time and
 * per challenge, a solver pod (labels `acme.cert-manager.io/http01-solver: "true"` and
 * `acme.cert-manager.io/http-domain: <adler32 of the DNS name, decimal>`, port 8089, in the
 * Certificate's namespace), a Service for it with a generated name, and an HTTPRoute attached to the
 * solver's `parentRefs` for `/.well-known/acme-challenge/<token>`. A data plane compiled at synth
 * time never sees those objects. Everything but the token is known in advance, though: which names
 * will be validated, through which Gateway, in which namespace. This module derives, from plain
 * objects (Certificates, Issuers / ClusterIssuers, Gateways with cert-manager's gateway-shim
 * annotations), one {@link AcmeHttp01Challenge} per name, and the objects that stand in for
 * cert-manager's run-time ones: a Service per name selecting the solver pods by those labels, and
 * the HTTPRoute cert-manager would attach (prefix `/.well-known/acme-challenge/`, so the challenge
 * wins over any shorter path, a redirect to HTTPS included).
 *
 * Pure functions of the input, sorted output.
 */
import { CERT_MANAGER_ANNOTATIONS, Diagnostic, GATEWAY_API_VERSION, GATEWAY_GROUP, KubeObject } from '../model';
import { ResolvedModel } from './model';
import { resolve } from './resolve';
import { ResolveOptions } from './types';

/** The path prefix ACME HTTP-01 validation requests use (RFC 8555 §8.3). */
export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';
/** The port cert-manager's HTTP-01 solver pods listen on. */
export const ACME_SOLVER_PORT = 8089;
/** Label cert-manager puts on every HTTP-01 solver pod. */
export const ACME_SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';
/** Label cert-manager puts on an HTTP-01 solver pod: adler32 of the DNS name, in decimal. */
export const ACME_DOMAIN_LABEL = 'acme.cert-manager.io/http-domain';
/** Marks the objects this module derives (they stand in for cert-manager's run-time objects). */
export const ACME_DERIVED_LABEL = 'cdk8s-gateway.dev/acme-http01';

/** One DNS name cert-manager will validate by HTTP-01 through a Gateway. */
export interface AcmeHttp01Challenge {
  /** The Certificate's namespace: where cert-manager runs the solver pod and creates its HTTPRoute. */
  readonly namespace: string;
  /** The DNS name (never a wildcard: HTTP-01 cannot validate those). */
  readonly dnsName: string;
  /** The Certificate asking for it (for gateway-shim: the Gateway's certificateRef Secret name). */
  readonly certificate: string;
  /** The solver's `gatewayHTTPRoute.parentRefs`, as written. */
  readonly parentRefs: readonly { readonly name: string; readonly namespace?: string; readonly sectionName?: string; readonly port?: number }[];
  /** The solver's `gatewayHTTPRoute.labels` (cert-manager puts them on its HTTPRoute). */
  readonly labels: { readonly [key: string]: string };
}

/** adler32 of a string's UTF-8 bytes, as Go's `hash/adler32` computes it. */
export function adler32(s: string): number {
  const MOD = 65521;
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    a = (a + byte) % MOD;
    b = (b + a) % MOD;
  }
  return ((b << 16) | a) >>> 0;
}

/** The name of the Service (and stand-in HTTPRoute) for one DNS name: `acme-http01-<adler32>`. */
export function acmeServiceName(dnsName: string): string {
  return `acme-http01-${adler32(dnsName)}`;
}

type J = Record<string, any>;
const obj = (v: unknown): J => (v && typeof v === 'object' && !Array.isArray(v) ? (v as J) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** What a cert-manager solver's `selector` says. */
export interface AcmeSelector {
  readonly dnsNames?: readonly string[];
  readonly dnsZones?: readonly string[];
  readonly matchLabels?: { readonly [key: string]: string };
}

/**
 * The solver cert-manager picks for a name: the most specific selector (exact dnsNames, then the
 * longest dnsZone, then the most matchLabels; the first on a tie). Shared by the constructs' checks
 * and the object-level derivation below.
 */
export function selectAcmeSolver<T>(solvers: readonly T[], selectorOf: (s: T) => AcmeSelector, name: string, labels: { readonly [key: string]: string }): T | undefined {
  let best: T | undefined;
  let bestScore: number[] | undefined;
  for (const s of solvers) {
    const sel = selectorOf(s);
    const ml = sel.matchLabels ?? {};
    if (!Object.entries(ml).every(([k, v]) => labels[k] === v)) continue;
    const names = sel.dnsNames ?? [];
    const zones = sel.dnsZones ?? [];
    let score: number[];
    if (names.length || zones.length) {
      const exact = names.includes(name);
      const base = name.startsWith('*.') ? name.slice(2) : name;
      const zoneLen = Math.max(-1, ...zones.filter((z) => base === z || base.endsWith(`.${z}`)).map((z) => z.length));
      if (!exact && zoneLen < 0) continue;
      score = [exact ? 1 : 0, zoneLen, Object.keys(ml).length];
    } else {
      score = [0, -1, Object.keys(ml).length];
    }
    const i = bestScore ? score.findIndex((x, k) => x !== bestScore![k]) : -1;
    if (!bestScore || (i >= 0 && score[i] > bestScore[i])) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/** A plain solver object's selector. */
function plainSelector(s: J): AcmeSelector {
  const sel = obj(s.selector);
  const strings = (v: unknown) => arr(v).filter((x): x is string => typeof x === 'string');
  const ml: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(sel.matchLabels))) if (typeof v === 'string') ml[k] = v;
  return { dnsNames: strings(sel.dnsNames), dnsZones: strings(sel.dnsZones), matchLabels: ml };
}

const isCertManager = (o: KubeObject, kind: string) => o.kind === kind && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('cert-manager.io/');

/**
 * Every DNS name of the input that cert-manager would validate by HTTP-01 through a Gateway, from
 * the Certificates (and the Gateways annotated for cert-manager's gateway-shim) whose issuer is in
 * the input. Sorted by namespace, name; one entry per namespace and name.
 */
export function acmeHttp01Challenges(objects: readonly KubeObject[]): AcmeHttp01Challenge[] {
  const issuers = new Map<string, J>();
  for (const o of objects) {
    if (!o?.metadata?.name) continue;
    if (isCertManager(o, 'ClusterIssuer')) issuers.set(`ClusterIssuer//${o.metadata.name}`, o as J);
    if (isCertManager(o, 'Issuer')) issuers.set(`Issuer/${o.metadata.namespace ?? 'default'}/${o.metadata.name}`, o as J);
  }
  const requests: { namespace: string; certificate: string; dnsNames: string[]; issuerRef: J; labels: Record<string, string> }[] = [];
  for (const o of objects) {
    if (!o?.metadata?.name) continue;
    const ns = o.metadata.namespace ?? 'default';
    if (isCertManager(o, 'Certificate')) {
      const spec = obj((o as J).spec);
      const names = arr(spec.dnsNames).filter((x): x is string => typeof x === 'string');
      const cn = str(spec.commonName);
      requests.push({ namespace: ns, certificate: o.metadata.name, dnsNames: cn && !names.includes(cn) ? [cn, ...names] : names, issuerRef: obj(spec.issuerRef), labels: { ...(o.metadata.labels ?? {}) } });
    } else if (o.kind === 'Gateway' && String(o.apiVersion).startsWith(`${GATEWAY_GROUP}/`)) {
      // cert-manager's gateway-shim: one Certificate per certificateRef Secret, for the listeners' hostnames
      const ann = obj(o.metadata.annotations);
      const cluster = str(ann[CERT_MANAGER_ANNOTATIONS.clusterIssuer]);
      const local = str(ann[CERT_MANAGER_ANNOTATIONS.issuer]);
      if (!cluster && !local) continue;
      const issuerRef = cluster ? { name: cluster, kind: 'ClusterIssuer' } : { name: local, kind: str(ann[CERT_MANAGER_ANNOTATIONS.issuerKind]) ?? 'Issuer' };
      const bySecret = new Map<string, string[]>();
      for (const l of arr(obj((o as J).spec).listeners).map(obj)) {
        const host = str(l.hostname);
        if (!host || obj(l.tls).mode === 'Passthrough') continue;
        for (const r of arr(obj(l.tls).certificateRefs).map(obj)) {
          if ((r.kind ?? 'Secret') !== 'Secret' || (r.group ?? '') !== '' || typeof r.name !== 'string' || (r.namespace ?? ns) !== ns) continue;
          const names = bySecret.get(r.name) ?? [];
          if (!names.includes(host)) names.push(host);
          bySecret.set(r.name, names);
        }
      }
      for (const [secret, dnsNames] of bySecret) requests.push({ namespace: ns, certificate: secret, dnsNames, issuerRef, labels: {} });
    }
  }
  const out = new Map<string, AcmeHttp01Challenge>();
  for (const r of requests) {
    const kind = str(r.issuerRef.kind) ?? 'Issuer';
    const group = str(r.issuerRef.group) ?? 'cert-manager.io';
    if (group !== 'cert-manager.io') continue;
    const issuer = issuers.get(kind === 'ClusterIssuer' ? `ClusterIssuer//${r.issuerRef.name}` : `Issuer/${r.namespace}/${r.issuerRef.name}`);
    const solvers = arr(obj(obj(issuer?.spec).acme).solvers).map(obj);
    if (!solvers.length) continue;
    for (const dnsName of r.dnsNames) {
      if (dnsName.startsWith('*.')) continue;
      const gw = obj(obj(selectAcmeSolver(solvers, plainSelector, dnsName, r.labels)?.http01).gatewayHTTPRoute);
      const parentRefs = arr(gw.parentRefs).map(obj)
        .filter((p) => typeof p.name === 'string' && (p.kind ?? 'Gateway') === 'Gateway' && (p.group ?? GATEWAY_GROUP) === GATEWAY_GROUP)
        .map((p) => ({ name: p.name as string, ...(typeof p.namespace === 'string' ? { namespace: p.namespace } : {}), ...(typeof p.sectionName === 'string' ? { sectionName: p.sectionName } : {}), ...(typeof p.port === 'number' ? { port: p.port } : {}) }));
      if (!parentRefs.length) continue;
      const key = `${r.namespace}/${dnsName}`;
      if (out.has(key)) continue;
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(obj(gw.labels))) if (typeof v === 'string') labels[k] = v;
      out.set(key, { namespace: r.namespace, dnsName, certificate: r.certificate, parentRefs, labels });
    }
  }
  return [...out.values()].sort((a, b) => (a.namespace !== b.namespace ? (a.namespace < b.namespace ? -1 : 1) : a.dnsName < b.dnsName ? -1 : a.dnsName > b.dnsName ? 1 : 0));
}

/** Whether a challenge goes through the Gateway `namespace/name`. */
export function challengeUsesGateway(c: AcmeHttp01Challenge, namespace: string, name: string): boolean {
  return c.parentRefs.some((p) => p.name === name && (p.namespace ?? c.namespace) === namespace);
}

/**
 * The Service that selects cert-manager's solver pods for one challenge's DNS name (port 8089).
 * cert-manager's own Service has a generated name nobody can know at synth time; this one is
 * named after the name's adler32, as the pods' label is.
 */
export function acmeSolverService(c: Pick<AcmeHttp01Challenge, 'namespace' | 'dnsName'>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: acmeServiceName(c.dnsName),
      namespace: c.namespace,
      labels: { [ACME_DERIVED_LABEL]: 'true' },
      annotations: { 'cdk8s-gateway.dev/acme-dns-name': c.dnsName },
    },
    spec: {
      type: 'ClusterIP',
      selector: { [ACME_SOLVER_LABEL]: 'true', [ACME_DOMAIN_LABEL]: String(adler32(c.dnsName)) },
      ports: [{ name: 'http', port: ACME_SOLVER_PORT, targetPort: ACME_SOLVER_PORT, protocol: 'TCP' }],
    },
  };
}

/**
 * The HTTPRoute cert-manager attaches for a challenge (its token replaced by the prefix), pointing
 * at {@link acmeSolverService}. It is not emitted (cert-manager creates its own at run time); it is
 * compiled into the built-in data plane.
 */
export function acmeChallengeRoute(c: AcmeHttp01Challenge): KubeObject {
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: { name: acmeServiceName(c.dnsName), namespace: c.namespace, labels: { ...c.labels, [ACME_DERIVED_LABEL]: 'true' } },
    spec: {
      parentRefs: c.parentRefs.map((p) => ({ group: GATEWAY_GROUP, kind: 'Gateway', ...p })),
      hostnames: [c.dnsName],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: ACME_CHALLENGE_PREFIX } }], backendRefs: [{ name: acmeServiceName(c.dnsName), port: ACME_SOLVER_PORT }] }],
    },
  };
}

/** Diagnostic code: a built-in proxy cannot route an HTTP-01 challenge its certificates depend on. */
export const ACME_CHALLENGE_NOT_SERVED = 'AcmeChallengeNotServed';

/**
 * The input plus the stand-ins for cert-manager's run-time objects of every HTTP-01 challenge
 * through a Gateway `served` says the data plane serves: the challenge HTTPRoutes, and the solver
 * Services the input does not already hold (the built-in proxy emits them; hand-written YAML may
 * not).
 */
export function withAcmeChallenges(objects: readonly KubeObject[], served: (namespace: string, name: string) => boolean): { objects: KubeObject[]; challenges: AcmeHttp01Challenge[] } {
  const challenges = acmeHttp01Challenges(objects).filter((c) => c.parentRefs.some((p) => served(p.namespace ?? c.namespace, p.name)));
  if (!challenges.length) return { objects: [...objects], challenges };
  const have = new Set(objects.filter((o) => o?.kind === 'Service').map((o) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`));
  const extra: KubeObject[] = [];
  for (const c of challenges) {
    extra.push(acmeChallengeRoute(c));
    if (!have.has(`${c.namespace}/${acmeServiceName(c.dnsName)}`)) extra.push(acmeSolverService(c));
  }
  return { objects: [...objects, ...extra], challenges };
}

/**
 * Warnings for challenges the data plane will not route: their stand-in HTTPRoute attached to no
 * listener of a served Gateway (the listener does not admit routes from the Certificate's
 * namespace, or no HTTP listener accepts the name). cert-manager then cannot validate the name and
 * the certificate is never issued.
 */
export function acmeChallengeDiagnostics(
  challenges: readonly AcmeHttp01Challenge[],
  model: { readonly routes: readonly { kind: string; namespace: string; name: string; parents: readonly { accepted: boolean; reason: string; message?: string; parentRef: { namespace: string; name: string } }[] }[] },
  served: (namespace: string, name: string) => boolean,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of challenges) {
    const name = acmeServiceName(c.dnsName);
    const route = model.routes.find((r) => r.kind === 'HTTPRoute' && r.namespace === c.namespace && r.name === name);
    const parents = (route?.parents ?? []).filter((p) => served(p.parentRef.namespace, p.parentRef.name));
    if (parents.some((p) => p.accepted)) continue;
    const why = parents.map((p) => `${p.parentRef.namespace}/${p.parentRef.name}: ${p.reason}${p.message ? ` (${p.message})` : ''}`).join('; ') || 'no parent handled';
    const gw = c.parentRefs[0];
    out.push({
      severity: 'warning',
      code: ACME_CHALLENGE_NOT_SERVED,
      message: `cert-manager validates ${c.dnsName} (Certificate ${c.namespace}/${c.certificate}) by HTTP-01 through Gateway ${gw.namespace ?? c.namespace}/${gw.name}, but the challenge route cert-manager creates in namespace ${c.namespace} would not attach: ${why}. The built-in proxy cannot answer /.well-known/acme-challenge/ for it, so the certificate is never issued`,
      object: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', namespace: c.namespace, name: c.certificate },
      field: 'spec.dnsNames',
      fix: `let an HTTP listener of the Gateway on port 80 accept ${c.dnsName} and admit HTTPRoutes from namespace ${c.namespace} (allowedRoutes.namespaces), or validate the name by DNS-01`,
    });
  }
  return out;
}

/** What a data plane compiled at synth time serves once cert-manager's HTTP-01 challenges are in. */
export interface ResolvedWithAcme {
  /** The input plus the challenge stand-ins (the input itself when there is no challenge). */
  readonly objects: readonly KubeObject[];
  /** The model of `objects` (the given model when there is no challenge). */
  readonly model: ResolvedModel;
  /** The challenges through the served Gateways. */
  readonly challenges: AcmeHttp01Challenge[];
  /** {@link ACME_CHALLENGE_NOT_SERVED} warnings. */
  readonly diagnostics: Diagnostic[];
}

/**
 * The one way the built-in data plane's callers (GatewayProxy, `render`, `check`) take cert-manager's
 * HTTP-01 challenges into account: add the stand-ins of every challenge through a Gateway `served`
 * says is compiled at synth time (by default: every Gateway of `model`), resolve again when there
 * are any (with `options`, the run that gave `model`; only the model is taken from that second run,
 * so the input-wide checks — schema, namespaces, MetalLB — are not made again), and warn about
 * challenges that would not be routed.
 */
export function resolveWithAcmeChallenges(
  objects: readonly KubeObject[],
  model: ResolvedModel,
  options: ResolveOptions,
  served: (namespace: string, name: string) => boolean = gatewaysOf(model),
): ResolvedWithAcme {
  const acme = withAcmeChallenges(objects, served);
  if (!acme.challenges.length) return { objects, model, challenges: [], diagnostics: [] };
  const withChallenges = resolve(acme.objects, { ...options, schemaValidation: false, namespaces: undefined, metallb: false }).model;
  return { objects: acme.objects, model: withChallenges, challenges: acme.challenges, diagnostics: acmeChallengeDiagnostics(acme.challenges, withChallenges, served) };
}

function gatewaysOf(model: ResolvedModel): (namespace: string, name: string) => boolean {
  const handled = new Set(model.gateways.map((g) => `${g.namespace}/${g.name}`));
  return (namespace, name) => handled.has(`${namespace}/${name}`);
}
