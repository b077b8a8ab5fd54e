/**
 * Test access to the read-only shared data next to the repository (`../shared`).
 * Tests only: the package never reads it at run time.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { KubeObject } from '../../src/model';

export const REPO_ROOT = path.join(__dirname, '..', '..');
export const SHARED = path.join(REPO_ROOT, '..', 'shared');
export const CRDS = path.join(SHARED, 'crds');
export const CONFORMANCE = path.join(SHARED, 'conformance');

/** One object of the conformance corpus, with where it comes from. */
export interface CorpusObject {
  /** `base-manifests.yaml` or the conformance case name */
  readonly source: string;
  readonly object: KubeObject;
}

const CONTROLLER_NAME = 'example.com/gateway-controller';
const GATEWAY_CLASS_NAME = 'conformance';
const PLACEHOLDER_ADDRESSES: Record<string, { type: string; value: string }> = {
  PLACEHOLDER_USABLE_ADDRS: { type: 'IPAddress', value: '192.0.2.10' },
  PLACEHOLDER_UNUSABLE_ADDRS: { type: 'IPAddress', value: '198.51.100.10' },
};

/**
 * Replaces the placeholders the conformance suite substitutes before applying a manifest
 * (see shared/conformance/README.md): every Gateway's `spec.gatewayClassName`, every GatewayClass'
 * `spec.controllerName`, and the implementation-supplied addresses of GatewayStaticAddresses.
 */
export function substitutePlaceholders(obj: KubeObject): KubeObject {
  const o = JSON.parse(JSON.stringify(obj)) as any;
  if (o.apiVersion?.startsWith('gateway.networking.k8s.io/') && o.spec) {
    if (o.kind === 'Gateway' && typeof o.spec.gatewayClassName === 'string') o.spec.gatewayClassName = GATEWAY_CLASS_NAME;
    if (o.kind === 'GatewayClass' && typeof o.spec.controllerName === 'string') o.spec.controllerName = CONTROLLER_NAME;
    if (o.kind === 'Gateway' && Array.isArray(o.spec.addresses)) {
      o.spec.addresses = o.spec.addresses.map((a: any) => PLACEHOLDER_ADDRESSES[a?.value] ?? a);
    }
  }
  return o;
}

/** Every object of base-manifests.yaml and of every case's manifests, in file order. */
export function conformanceCorpus(): CorpusObject[] {
  const out: CorpusObject[] = [];
  const base = fs.readFileSync(path.join(CONFORMANCE, 'base-manifests.yaml'), 'utf8');
  for (const doc of YAML.parseAllDocuments(base)) {
    const o = doc.toJS();
    if (o) out.push({ source: 'base-manifests.yaml', object: o });
  }
  const cases = JSON.parse(fs.readFileSync(path.join(CONFORMANCE, 'cases.json'), 'utf8')) as any[];
  for (const c of cases) {
    for (const m of c.manifests ?? []) {
      for (const d of m.documents ?? []) if (d) out.push({ source: c.name, object: d });
    }
  }
  return out;
}

/** Group of an apiVersion (`''` for core). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}
