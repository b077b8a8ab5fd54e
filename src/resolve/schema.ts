import { Diagnostic, GATEWAY_API_BUNDLE_VERSION, GATEWAY_GROUP, KubeObject, ObjectRef, Severity, splitApiVersion } from '../model';
import { validateObject, Violation } from '../validate';
import { bundleForGroup, loadBundle } from '../validate/bundles';
import { diagnostic } from './conditions';
import { SERVED_VERSIONS, STANDARD_VERSIONS, wrap } from './inventory';
import { REMOVED_KINDS, V1ALPHA1_GROUP } from './removed';
import { rec, str, uniqSorted } from './util';

/**
 * Stage "schema": every input object that has a bundled CRD schema (Gateway API, MetalLB,
 * cert-manager) is validated as the API server would on create — structural schema, strict unknown
 * fields, defaults, CEL rules. Under the experimental channel (`channel`, or inferred by
 * {@link experimentalEvidence}) Gateway API objects are validated against its CRDs only. Under the
 * standard channel (the default) an object that fails there but
 * passes with the experimental-channel CRDs gets one `ExperimentalField` warning naming the fields;
 * otherwise each violation is an error:
 *
 * - `SchemaViolation` (type, enum, pattern, required, bounds…), `UnknownField`, `CelRuleViolation`,
 *   `NotServed` (apiVersion not served), `UnknownKind`;
 * - `CelRulesNotChecked` (info): the API server skips CEL rules while the schema fails.
 *
 * Each object is validated once against the standard channel; the experimental channel is only
 * consulted for objects that fail. Gateway API versions the resolver already reports
 * (`UnsupportedVersion`) and removed kinds (`RemovedKind`) are not validated again; versions only the
 * experimental channel serves are validated against it.
 */
export function schemaDiagnostics(objects: readonly KubeObject[], defaultNamespace: string, channel?: 'standard' | 'experimental'): Diagnostic[] {
  const out: Diagnostic[] = [];
  // inferred silently: the evidence is something the input says itself (it installs the
  // experimental CRDs, or uses a kind or version only they serve, which UnsupportedVersion reports)
  const experimentalChannel = channel === 'experimental' || (channel === undefined && experimentalEvidence(objects, defaultNamespace) !== undefined);
  for (const raw of objects) {
    if (!raw || typeof raw !== 'object' || typeof raw.kind !== 'string' || typeof raw.apiVersion !== 'string') continue;
    const { group, version } = splitApiVersion(raw.apiVersion);
    if (group === V1ALPHA1_GROUP || !bundleForGroup(group, 'standard')) continue;
    const gatewayApi = group === GATEWAY_GROUP || group === 'gateway.networking.x-k8s.io';
    if (group === GATEWAY_GROUP && (REMOVED_KINDS[raw.kind] || (SERVED_VERSIONS[raw.kind] && !SERVED_VERSIONS[raw.kind].includes(version)))) continue;
    // (the reference is made for the object's first violation: most objects have none)
    let objRef: ObjectRef | undefined;
    const refOf = (): ObjectRef => (objRef ??= refFor(raw, group, version, defaultNamespace));
    if (group === GATEWAY_GROUP && STANDARD_VERSIONS[raw.kind] && !STANDARD_VERSIONS[raw.kind].includes(version)) {
      // served only by the experimental channel (UnsupportedVersion warning): check its content there
      out.push(...validateSafely(raw, 'experimental').map((v) => toDiagnostic(v, refOf(), raw)));
      continue;
    }
    if (experimentalChannel && gatewayApi) {
      out.push(...validateSafely(raw, 'experimental').map((v) => toDiagnostic(v, refOf(), raw)));
      continue;
    }
    const standard = validateSafely(raw, 'standard');
    if (!standard.length) continue;
    if (!gatewayApi) {
      out.push(...standard.map((v) => toDiagnostic(v, refOf(), raw)));
      continue;
    }
    const experimental = validateSafely(raw, 'experimental');
    const k = (v: Violation) => `${v.type}|${v.field}`;
    const inExperimental = new Set(experimental.map(k));
    const onlyStandard = standard.filter((v) => !inExperimental.has(k(v)) && !isNotChecked(v));
    if (!onlyStandard.length) {
      out.push(...standard.map((v) => toDiagnostic(v, refOf(), raw)));
      continue;
    }
    out.push(experimentalField(onlyStandard, refOf(), raw));
    out.push(...experimental.map((v) => toDiagnostic(v, refOf(), raw)));
  }
  return out;
}

/** The annotation upstream's Gateway API CRDs carry, `standard` or `experimental`. */
const CHANNEL_ANNOTATION = 'gateway.networking.k8s.io/channel';

/**
 * Why the input is for the experimental channel, if it is: a Gateway API CRD of that channel in the
 * input (as `GatewayApiCrds` emits), a kind of the experimental API group
 * (`gateway.networking.x-k8s.io`), or a version of a kind only that channel serves.
 */
export function experimentalEvidence(objects: readonly KubeObject[], defaultNamespace: string): { ref: ObjectRef; why: string } | undefined {
  for (const o of objects) {
    if (!o || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') continue;
    const { group, version } = splitApiVersion(o.apiVersion);
    if (o.kind === 'CustomResourceDefinition' && group === 'apiextensions.k8s.io') {
      const ann = rec(rec(o.metadata).annotations)[CHANNEL_ANNOTATION];
      if (ann === 'experimental') return { ref: { apiVersion: o.apiVersion, kind: o.kind, name: str(rec(o.metadata).name) ?? '' }, why: `the input installs CustomResourceDefinition ${str(rec(o.metadata).name)} of that channel (annotation ${CHANNEL_ANNOTATION}: experimental)` };
      continue;
    }
    if (group === 'gateway.networking.x-k8s.io') return { ref: refFor(o, group, version, defaultNamespace), why: `the input holds a ${o.kind} (${o.apiVersion}), a kind only that channel serves` };
    if (group === GATEWAY_GROUP && STANDARD_VERSIONS[o.kind] && !STANDARD_VERSIONS[o.kind].includes(version) && SERVED_VERSIONS[o.kind]?.includes(version)) {
      return { ref: refFor(o, group, version, defaultNamespace), why: `the input holds a ${o.kind} of version ${version}, which only that channel serves` };
    }
  }
  return undefined;
}

/** The validator must never make the resolver throw; an internal failure becomes one violation. */
function validateSafely(obj: KubeObject, channel: 'standard' | 'experimental'): Violation[] {
  try {
    return validateObject(obj, { channel });
  } catch (e) {
    return [{ field: '', type: 'schema', message: `the object could not be validated (${(e as Error).message ?? String(e)})` }];
  }
}

/** The object reference: namespaced kinds default to `defaultNamespace`, cluster-scoped ones have none. */
function refFor(raw: KubeObject, group: string, version: string, defaultNamespace: string): ObjectRef {
  if (group === GATEWAY_GROUP) return wrap(raw, defaultNamespace).ref;
  const ns = str(rec(raw.metadata).namespace);
  const name = str(rec(raw.metadata).name) ?? '';
  let clusterScoped = false;
  const bundle = bundleForGroup(group, 'experimental');
  if (bundle && ns === undefined) {
    const schemas = Object.values(loadBundle(bundle).schemas);
    const s = schemas.find((x) => x.group === group && x.kind === raw.kind && x.version === version) ?? schemas.find((x) => x.group === group && x.kind === raw.kind);
    clusterScoped = s?.scope === 'Cluster';
  }
  return clusterScoped ? { apiVersion: raw.apiVersion, kind: raw.kind, name } : { apiVersion: raw.apiVersion, kind: raw.kind, namespace: ns ?? defaultNamespace, name };
}

/** The validator's note that CEL rules were skipped because the schema failed. */
function isNotChecked(v: Violation): boolean {
  return v.type === 'cel' && v.rule === undefined && v.field === '';
}

function showValue(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
}

const CODE: Record<Violation['type'], string> = {
  'schema': 'SchemaViolation',
  'unknown-field': 'UnknownField',
  'cel': 'CelRuleViolation',
  'not-served': 'NotServed',
  'unknown-kind': 'UnknownKind',
};

/** Maps one validator violation to a diagnostic naming the field, the value and the fix. */
export function toDiagnostic(v: Violation, ref: ObjectRef, obj: KubeObject): Diagnostic {
  const field = v.field === '' ? undefined : v.field;
  if (isNotChecked(v)) {
    return diagnostic('info', 'CelRulesNotChecked', ref, field, v.message, 'fix the schema errors of this object; its CEL validation rules are evaluated once the schema passes');
  }
  const value = v.value !== undefined && !v.message.includes(showValue(v.value)) ? ` (value: ${showValue(v.value)})` : '';
  const message = `${v.message}${value}`;
  const last = v.field.slice(Math.max(v.field.lastIndexOf('.'), v.field.lastIndexOf(']')) + 1);
  let fix: string;
  switch (v.type) {
    case 'cel':
      fix = `change the object so that the CRD validation rule holds: "${v.message}" (rule: ${v.rule})`;
      break;
    case 'unknown-field':
      fix = `remove ${last || v.field} (the API server rejects unknown fields), or correct its spelling against the ${obj.apiVersion} ${obj.kind} schema`;
      break;
    case 'not-served':
      fix = 'set apiVersion to one of the served versions listed';
      break;
    case 'unknown-kind':
      fix = `check the spelling of kind and the API group of apiVersion ${obj.apiVersion}`;
      break;
    default:
      fix = v.rule ? `change the value so that it satisfies the schema (${v.rule})` : 'change the value to what the CRD schema allows';
  }
  const severity: Severity = 'error';
  return diagnostic(severity, CODE[v.type] ?? 'SchemaViolation', ref, field, message, fix);
}

/** One warning for an object that only the experimental-channel CRDs accept. */
function experimentalField(vs: readonly Violation[], ref: ObjectRef, obj: KubeObject): Diagnostic {
  const fields = uniqSorted(vs.map((v) => (v.type === 'unknown-kind' ? `kind ${obj.kind}` : v.type === 'not-served' ? `apiVersion ${obj.apiVersion}` : v.field || '(object)')));
  const why = vs
    .slice(0, 3)
    .map((v) => `${v.field ? `${v.field}: ` : ''}${v.message}`)
    .join('; ');
  return diagnostic(
    'warning',
    'ExperimentalField',
    ref,
    vs[0].field || undefined,
    `uses ${fields.join(', ')}, which only the experimental-channel CRDs of Gateway API ${GATEWAY_API_BUNDLE_VERSION} accept (standard channel: ${why}${vs.length > 3 ? '; …' : ''})`,
    'install the Gateway API experimental-channel CRDs in the cluster, or stop using these fields',
  );
}
