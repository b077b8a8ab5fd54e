/**
 * Validation of one object against a bundled CRD schema, as the Kubernetes API server does it for a
 * CREATE with strict field validation (`kubectl apply --validate=strict`):
 *
 * 1. decode: unknown fields are errors (and pruned), `null` in non-nullable fields is dropped;
 * 2. defaulting (`default` of absent properties, recursively);
 * 3. OpenAPI v3 value validation + `x-kubernetes-list-type` uniqueness + ObjectMeta validation;
 * 4. CEL `x-kubernetes-validations` on the defaulted object, unless step 3 found a blocking error —
 *    a wrong type, a value outside an enum, a missing required field, a string or list over its
 *    maxLength / maxItems / maxProperties — (Kubernetes skips CEL then, and says so: one mistake,
 *    one error, not a CEL `no such key` after it).
 *
 * The input is never mutated: defaulting copies what it changes.
 *
 * Steps 1+2 are in normalize.ts, step 3 in check.ts, step 4 in cel-walk.ts; this module holds the
 * entry points and the choice of the bundled schema.
 */
import { KubeObject, splitApiVersion } from '../model';
import { bundleForGroup, BUNDLE_IDS, BundleId, loadBundle, schemaEntry, SchemaEntry } from './bundles';
import { celWalk } from './cel-walk';
import { check, checkMetadata } from './check';
import { FieldPath } from './field-path';
import { normalize } from './normalize';
import { compileSchema } from './schema';
import { SchemaNode } from './schema-types';
import { Channel, ValidateOptions, Violation } from './types';
import { Ctx, schemaError } from './values';

/** What validation needs to know about the CRD besides its schema. */
export interface CrdInfo {
  readonly scope: 'Namespaced' | 'Cluster';
  /** status is reset on create when the status subresource is enabled */
  readonly statusSubresource?: boolean;
}

/** Validates a whole object against a compiled root schema (entry points: `validateObject`, `validateWithSchema`). */
function validateAgainst(root: SchemaNode, obj: KubeObject, crd: CrdInfo): Violation[] {
  const ctx: Ctx = { out: [], blocking: false };
  const rootPath = FieldPath.ROOT;
  // 1+2: strict decoding + defaulting
  let value = normalize(root, obj, rootPath, ctx, true) as Record<string, unknown>;
  if (crd.statusSubresource && value.status !== undefined) {
    const { status: _dropped, ...rest } = value;
    value = rest;
  }
  // 3: value validation
  for (const k of ['apiVersion', 'kind']) {
    if (typeof value[k] !== 'string') schemaError(ctx, rootPath.child(k), 'Required value', 'required', undefined, true);
  }
  check(root, stripResourceFields(value), rootPath, ctx);
  checkMetadata(value.metadata, rootPath.child('metadata'), ctx, crd.scope === 'Namespaced', root.properties?.get('metadata'), true);
  // 4: CEL, unless a blocking error was found
  if (root.celBelow) {
    if (ctx.blocking) {
      ctx.out.push({
        field: '',
        type: 'cel',
        message: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      });
    } else {
      celWalk(root, value, rootPath, ctx, new Map(), true);
    }
  }
  return ctx.out;
}

/** The object without apiVersion/kind/metadata (validated separately from the schema's declarations). */
function stripResourceFields(v: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = v;
  return rest;
}

/** Compiles a raw OpenAPI v3 schema and validates an object against it (tests, ad-hoc CRDs). */
export function validateWithSchema(schema: Record<string, unknown>, obj: KubeObject, crd: CrdInfo = { scope: 'Namespaced' }): Violation[] {
  return validateAgainst(compileSchema(schema), obj, crd);
}

function lookupKey(apiVersion: string, kind: string): { group: string; version: string; key: string } {
  const { group, version } = splitApiVersion(apiVersion);
  return { group, version, key: `${group}/${version}/${kind}` };
}

/** True when a bundled schema exists for this apiVersion/kind in any bundled set. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return false;
  const { key } = lookupKey(apiVersion, kind);
  return BUNDLE_IDS.some((b) => loadBundle(b).schemas[key] !== undefined);
}

const CHANNEL_LABEL: Record<BundleId, string> = {
  'gateway-api-standard': 'Gateway API standard-channel',
  'gateway-api-experimental': 'Gateway API experimental-channel',
  'metallb': 'MetalLB',
  'cert-manager': 'cert-manager',
};

function servedVersions(bundle: BundleId, group: string, kind: string): string[] {
  return Object.values(loadBundle(bundle).schemas)
    .filter((s) => s.group === group && s.kind === kind)
    .map((s) => `${s.group}/${s.version}`)
    .sort();
}

/** The schema for an object, or the violation explaining why there is none (undefined: not ours). */
function resolveSchema(obj: KubeObject, channel: Channel): SchemaEntry | Violation | undefined {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return undefined;
  const { group, version, key } = lookupKey(obj.apiVersion, obj.kind);
  const bundle = bundleForGroup(group, channel);
  if (!bundle) return undefined;
  const entry = schemaEntry(bundle, key);
  if (entry) return entry;
  const label = CHANNEL_LABEL[bundle];
  const served = servedVersions(bundle, group, obj.kind);
  const other: BundleId | undefined = bundle === 'gateway-api-standard' ? 'gateway-api-experimental' : bundle === 'gateway-api-experimental' ? 'gateway-api-standard' : undefined;
  const otherServes = other !== undefined && loadBundle(other).schemas[key] !== undefined;
  const otherHint = otherServes ? ` (${obj.apiVersion} ${obj.kind} is served by the ${CHANNEL_LABEL[other!]} CRDs)` : '';
  if (served.length === 0) {
    return {
      field: 'kind',
      type: 'unknown-kind',
      message: `no kind "${obj.kind}" is registered for group "${group}" in the ${label} CRDs${otherHint}`,
      value: obj.kind,
    };
  }
  const declared = loadBundle(bundle).notServed.some((n) => n.group === group && n.version === version && n.kind === obj.kind);
  return {
    field: 'apiVersion',
    type: 'not-served',
    message:
      `${obj.apiVersion} ${obj.kind} is ${declared ? 'no longer served' : 'not served'} by the ${label} CRDs; ` +
      `served: ${served.join(', ')}${otherHint}`,
    value: obj.apiVersion,
  };
}

/**
 * Validates an object as the Kubernetes API server would on CREATE with strict field validation,
 * against the bundled CRD schemas (Gateway API of the chosen channel, MetalLB, cert-manager).
 * Objects of other groups (core, apps, …) give `[]`.
 */
export function validateObject(obj: KubeObject, options: ValidateOptions = {}): Violation[] {
  const r = resolveSchema(obj, options.channel ?? 'standard');
  if (r === undefined) return [];
  if ('type' in r) return [r];
  return validateAgainst(r.root, obj, r.meta);
}
