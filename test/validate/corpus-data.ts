/**
 * The conformance corpus as validation input: every object of the vendored Gateway API conformance
 * catalogue (test/data/upstream/conformance, located by test/data/upstream.ts).
 * Tests only: the package never reads it at run time.
 */
import * as fs from 'fs';
import * as YAML from 'yaml';
import { KubeObject } from '../../src/model';
import { CONFORMANCE_BASE_MANIFESTS, CONFORMANCE_CASES } from '../data/upstream';

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
 * (see test/data/upstream/conformance/README.md): every Gateway's `spec.gatewayClassName`, every GatewayClass'
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
  const base = fs.readFileSync(CONFORMANCE_BASE_MANIFESTS, 'utf8');
  for (const doc of YAML.parseAllDocuments(base)) {
    const o = doc.toJS();
    if (o) out.push({ source: 'base-manifests.yaml', object: o });
  }
  const cases = JSON.parse(fs.readFileSync(CONFORMANCE_CASES, 'utf8')) as any[];
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
