/**
 * The known cert-manager pitfalls, checked against the whole app at synth (internal):
 * names no solver selects, wildcard names given to HTTP-01, HTTP-01 through a Gateway
 * whose port-80 listeners do not admit the challenge route, two Certificates writing one
 * Secret, and the Gateway annotation mode's listener requirements.
 */
import { IConstruct } from 'constructs';
import { appObjects, describeListener, listenerAdmitsHttpRoutes, listenerHostnameAccepts, problem, refOf } from '../core/app-tree';
import type { CertificateOptions } from './types';
import type { IIssuer } from './types';
import { AcmeChallengeType, AcmeSolver } from './cert-manager-solver';
import { CERT_MANAGER_ANNOTATIONS } from '../../model';
import { selectAcmeSolver } from '../../resolve/acme';
import { fail } from '../core/errors';
import { Gateway } from '../gateway-api/gateway';
import { ListenerProtocol, TlsMode } from '../gateway-api/listener';

/** Annotation keys of cert-manager's gateway-shim. @internal */
export const SHIM = CERT_MANAGER_ANNOTATIONS;

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/** Milliseconds of a Go duration (`2160h`, `1h30m`), or undefined when it is not one. @internal */
export function goDurationMs(v: string): number | undefined {
  if (!GO_DURATION.test(v)) return undefined;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
  let total = 0;
  for (const m of v.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

/** Local checks of the certificate options (Certificate fields and gateway-shim annotations). @internal */
export function checkCertificateOptions(scope: IConstruct, o: CertificateOptions, fields: { duration: string; renewBefore: string; commonName: string; privateKey: string }): void {
  const duration = o.duration !== undefined ? goDurationMs(o.duration) : undefined;
  if (o.duration !== undefined && duration === undefined) fail(scope, fields.duration, o.duration, 'is not a Go duration', 'write hours, e.g. "2160h" (90 days)');
  if (duration !== undefined && duration < 3600000) fail(scope, fields.duration, o.duration, 'is shorter than 1h, the minimum cert-manager accepts', 'use at least "1h"');
  const renew = o.renewBefore !== undefined ? goDurationMs(o.renewBefore) : undefined;
  if (o.renewBefore !== undefined && renew === undefined) fail(scope, fields.renewBefore, o.renewBefore, 'is not a Go duration', 'write e.g. "720h" (30 days)');
  if (renew !== undefined && renew < 300000) fail(scope, fields.renewBefore, o.renewBefore, 'is shorter than 5m, the minimum cert-manager accepts', 'use at least "5m"');
  if (renew !== undefined && duration !== undefined && renew >= duration) {
    fail(scope, fields.renewBefore, o.renewBefore, `is not shorter than the duration ${o.duration}, so the certificate would be renewed forever`, 'make renewBefore shorter than duration (e.g. a third of it)');
  }
  if (o.commonName !== undefined && (o.commonName.length === 0 || o.commonName.length > 64)) {
    fail(scope, fields.commonName, o.commonName, 'must be 1 to 64 characters long', 'leave it unset (browsers use the DNS names) or shorten it');
  }
  const k = o.privateKey;
  if (k) {
    const algorithm = k.algorithm ?? 'RSA';
    if (k.size !== undefined) {
      if (algorithm === 'RSA' && !(Number.isInteger(k.size) && k.size >= 2048 && k.size <= 8192)) {
        fail(scope, `${fields.privateKey}.size`, k.size, 'is not an RSA key size cert-manager accepts (2048 to 8192)', 'use 2048, 3072 or 4096');
      }
      if (algorithm === 'ECDSA' && ![256, 384, 521].includes(k.size)) fail(scope, `${fields.privateKey}.size`, k.size, 'is not an ECDSA curve size', 'use 256, 384 or 521');
      if (algorithm === 'Ed25519') fail(scope, `${fields.privateKey}.size`, k.size, 'is set for an Ed25519 key, which has a fixed size', 'remove `size`');
    }
  }
}

/** An ACME issuer of the app: its solvers. @internal */
export function acmeSolvers(issuer: IIssuer): AcmeSolver[] | undefined {
  const i = issuer as unknown as { solverList?: AcmeSolver[]; type?: { type?: string } };
  return i.type?.type === 'acme' && Array.isArray(i.solverList) ? i.solverList : undefined;
}

/**
 * The solver cert-manager picks for `name` (the most specific selector: exact dnsNames,
 * then the longest dnsZone, then the most matchLabels; the first on a tie).
 * @internal
 */
export function selectSolver(solvers: AcmeSolver[], name: string, labels: { readonly [key: string]: string }): AcmeSolver | undefined {
  return selectAcmeSolver(solvers, (s) => s.selector, name, labels);
}

function findGateway(scope: IConstruct, name: string, namespace: string): Gateway | undefined {
  return scope.node.root.node.findAll().find((c): c is Gateway => c instanceof Gateway && c.name === name && c.effectiveNamespace === namespace);
}

/**
 * Problems of the names a Certificate (or a gateway-shim listener) asks an ACME issuer for.
 * `names` carry the manifest field each name comes from.
 * @internal
 */
export function acmeNameProblems(scope: IConstruct, issuer: IIssuer, names: { field: string; name: string }[], certNamespace: string, certLabels: { readonly [key: string]: string }): string[] {
  const solvers = acmeSolvers(issuer);
  if (!solvers || !solvers.length) return [];
  const out: string[] = [];
  const who = `${issuer.issuerRef.kind} ${issuer.issuerRef.name}`;
  for (const { field, name } of names) {
    const solver = selectSolver(solvers, name, certLabels);
    if (!solver) {
      out.push(problem(field, name, `is selected by no solver of ${who} (their selectors: ${solvers.map((s) => JSON.stringify({ ...s.selector })).join(', ')}), so the order fails`, 'add a solver without selector, or one whose dnsNames/dnsZones cover the name'));
      continue;
    }
    if (solver.type !== AcmeChallengeType.HTTP01) continue;
    if (name.startsWith('*.')) {
      out.push(problem(field, name, `is a wildcard name, but ${who} would validate it with HTTP-01, and ACME issues wildcard names only through DNS-01`, `add a DNS-01 solver for the zone (e.g. AcmeSolver.dns01Cloudflare({ apiToken, dnsZones: ["${name.slice(2)}"] })), or list the hostnames one by one`));
      continue;
    }
    const gwRef = solver.gateway!;
    const gw = gwRef instanceof Gateway ? gwRef : findGateway(scope, gwRef.name, gwRef.namespace ?? 'default');
    if (!gw) continue;
    const section = solver.sectionName;
    const candidates = section !== undefined ? gw.listenerList.filter((l) => l.name === section) : gw.listenerList;
    let undecided = false;
    let ok = false;
    for (const l of candidates) {
      if (l.protocol !== ListenerProtocol.HTTP || l.port !== solver.port) continue;
      if (!listenerHostnameAccepts(l.hostname, name)) continue;
      const admits = listenerAdmitsHttpRoutes(scope, l, gw.effectiveNamespace, certNamespace);
      if (admits === true) ok = true;
      if (admits === undefined) undecided = true;
    }
    if (ok || undecided) continue;
    const listeners = gw.listenerList.length ? gw.listenerList.map(describeListener).join('; ') : 'none';
    out.push(problem(
      field,
      name,
      `cannot pass the HTTP-01 challenge: Gateway ${gw.effectiveNamespace}/${gw.name} has no HTTP listener on port ${solver.port}${section !== undefined ? ` named "${section}"` : ''} that accepts this host and admits the challenge HTTPRoute, which cert-manager creates in namespace "${certNamespace}" (listeners: ${listeners})`,
      `add an HTTP listener on port ${solver.port} (Listener.http()), let it admit routes from "${certNamespace}" (routeNamespaces), or create the Certificate in the Gateway's namespace "${gw.effectiveNamespace}"`,
    ));
  }
  return out;
}

/** Certificates of the app (plain JSON) writing Secret `namespace/secretName`, other than `self`. @internal */
export function certificatesWriting(scope: IConstruct, namespace: string, secretName: string): { ref: string; source: unknown }[] {
  return appObjects(scope, 'cert-manager.io', ['Certificate'])
    .filter((c) => (c.metadata.namespace ?? 'default') === namespace && c.spec?.secretName === secretName)
    .map((c) => ({ ref: refOf(c), source: c.source }));
}

const annotated = new WeakMap<Gateway, IIssuer>();

/** cert-manager's Gateway annotation mode (see `IssuerBase.annotateGateway`). @internal */
export function annotateGatewayForCertManager(gateway: Gateway, issuer: IIssuer, options: CertificateOptions): void {
  const ref = issuer.issuerRef;
  const previous = annotated.get(gateway);
  if (previous) {
    fail(gateway, 'metadata.annotations', `${ref.kind}/${ref.name}`, `cannot be set: the Gateway is already annotated for ${previous.issuerRef.kind}/${previous.issuerRef.name}`, 'annotate a Gateway for one issuer only');
  }
  if (ref.kind === 'Issuer' && ref.group === 'cert-manager.io' && ref.namespace !== undefined && ref.namespace !== gateway.effectiveNamespace) {
    fail(gateway, `metadata.annotations[${SHIM.issuer}]`, ref.name, `is an Issuer in namespace ${ref.namespace}, but the Gateway is in ${gateway.effectiveNamespace} and the shim's Certificates can only use an Issuer of their own namespace`, 'use a ClusterIssuer, or an Issuer in the Gateway\'s namespace');
  }
  checkCertificateOptions(gateway, options, {
    duration: `metadata.annotations[${SHIM.duration}]`,
    renewBefore: `metadata.annotations[${SHIM.renewBefore}]`,
    commonName: `metadata.annotations[${SHIM.commonName}]`,
    privateKey: 'metadata.annotations[cert-manager.io/private-key-*]',
  });
  annotated.set(gateway, issuer);
  const add = (k: string, v: string | number | undefined) => {
    if (v !== undefined) gateway.apiObject.metadata.addAnnotation(k, String(v));
  };
  if (ref.group === 'cert-manager.io' && ref.kind === 'ClusterIssuer') {
    add(SHIM.clusterIssuer, ref.name);
  } else {
    add(SHIM.issuer, ref.name);
    if (ref.group !== 'cert-manager.io' || ref.kind !== 'Issuer') {
      add(SHIM.issuerKind, ref.kind);
      add(SHIM.issuerGroup, ref.group);
    }
  }
  add(SHIM.duration, options.duration);
  add(SHIM.renewBefore, options.renewBefore);
  add(SHIM.commonName, options.commonName);
  add(SHIM.usages, options.usages?.length ? options.usages.join(',') : undefined);
  add(SHIM.keyAlgorithm, options.privateKey?.algorithm);
  add(SHIM.keySize, options.privateKey?.size);
  add(SHIM.keyRotation, options.privateKey?.rotationPolicy);
  add(SHIM.keyEncoding, options.privateKey?.encoding);
  add(SHIM.revisionHistoryLimit, options.revisionHistoryLimit);
  gateway.node.addValidation({ validate: () => annotationModeProblems(gateway, issuer) });
}

function annotationModeProblems(gateway: Gateway, issuer: IIssuer): string[] {
  const out: string[] = [];
  const ns = gateway.effectiveNamespace;
  const names: { field: string; name: string }[] = [];
  gateway.listenerList.forEach((l, i) => {
    if (l.tlsMode !== TlsMode.TERMINATE) return;
    if (l.hostname === undefined) {
      out.push(problem(`spec.listeners[${i}]`, l.name, "has no hostname, so cert-manager's gateway-shim skips the listener and issues no certificate for it", 'set `hostname` on the listener, or give it a CertManagerCert and drop the annotation mode'));
    } else {
      names.push({ field: `spec.listeners[${i}].hostname`, name: l.hostname });
    }
    l.certificates.forEach((c, j) => {
      const r = c.certificateRef;
      const field = `spec.listeners[${i}].tls.certificateRefs[${j}]`;
      if ((r.group ?? '') !== '' || (r.kind ?? 'Secret') !== 'Secret') {
        out.push(problem(field, `${r.kind}/${r.name}`, "is not a Secret, and cert-manager's gateway-shim only issues into Secrets", 'reference a Secret'));
        return;
      }
      if (r.namespace !== undefined && r.namespace !== ns) {
        out.push(problem(field, `${r.namespace}/${r.name}`, `is in another namespace than the Gateway (${ns}), and cert-manager's gateway-shim only issues into Secrets of the Gateway's namespace`, `reference a Secret of "${ns}" (e.g. TlsCertificate.fromSecret("${r.name}"))`));
        return;
      }
      const writers = certificatesWriting(gateway, ns, r.name);
      if (writers.length) {
        out.push(problem(field, r.name, `is also written by Certificate ${writers.map((w) => w.ref).join(', ')}; with the annotation, cert-manager's gateway-shim creates a second Certificate for the same Secret and the two overwrite each other`, 'drop the annotation mode for this Gateway, or let the listener reference a Secret only the shim writes'));
      }
    });
  });
  out.push(...acmeNameProblems(gateway, issuer, names, ns, {}));
  return out;
}
