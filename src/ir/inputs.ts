/**
 * The input data the renderer needs besides the model ({@link DataplaneInputsIR}): apiVersions of
 * the input objects, and the certificate / CA material the IR references, read from the Secrets and
 * ConfigMaps of the input. With it the IR is all the renderer reads.
 */
import { KubeObject } from '../model';
import type { NamespacedName } from '../resolve/model';
import { DataplaneInputsIR, DataplaneIR, GatewayIR, SecretMaterialIR } from './types';

/** `namespace/name`. */
export function nsName(r: NamespacedName): string {
  return `${r.namespace}/${r.name}`;
}

/** The Secrets and CA ConfigMaps the IR of one Gateway references. */
export function referencedMaterial(g: GatewayIR): { secrets: Set<string>; configMaps: Set<string> } {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const backendCas = (bs: readonly { readonly tls?: { readonly caCertificates: NamespacedName[] } }[]) => {
    for (const b of bs) for (const c of b.tls?.caCertificates ?? []) configMaps.add(nsName(c));
  };
  if (g.backendClientCertificate) secrets.add(nsName(g.backendClientCertificate));
  for (const p of g.httpPorts) {
    for (const s of p.servers) {
      for (const c of s.tls?.certificates ?? []) secrets.add(nsName(c));
      for (const c of s.tls?.clientValidation?.caCertificates ?? []) configMaps.add(nsName(c));
      for (const a of s.actions) {
        backendCas(a.backends);
        backendCas(a.mirrors);
      }
    }
  }
  for (const p of g.streamPorts) {
    for (const r of [...(p.tlsRoutes ?? []), ...(p.tlsDefault ? [p.tlsDefault] : [])]) for (const c of r.certificates) secrets.add(nsName(c));
  }
  return { secrets, configMaps };
}

function decode(data: unknown, stringData: unknown, key: string): string | undefined {
  const s = stringData && typeof stringData === 'object' ? (stringData as Record<string, unknown>)[key] : undefined;
  if (typeof s === 'string') return s;
  const d = data && typeof data === 'object' ? (data as Record<string, unknown>)[key] : undefined;
  if (typeof d === 'string') return Buffer.from(d, 'base64').toString('utf8');
  return undefined;
}

/** Every input object's apiVersion by `kind/namespace/name` (the last object of a key wins): {@link DataplaneInputsIR.apiVersions}. */
export function apiVersionsOf(objects: readonly KubeObject[]): Record<string, string> {
  const apiVersions: Record<string, string> = {};
  for (const obj of objects) {
    if (!obj || typeof obj !== 'object' || !obj.metadata) continue;
    apiVersions[`${obj.kind}/${obj.metadata.namespace ?? 'default'}/${obj.metadata.name ?? ''}`] = obj.apiVersion;
  }
  return apiVersions;
}

/** The {@link DataplaneInputsIR} of `gateways` from the input objects (the last object of a name wins). */
export function inputsOf(gateways: readonly GatewayIR[], objects: readonly KubeObject[]): DataplaneInputsIR {
  return inputsWith(gateways, objects, apiVersionsOf(objects));
}

/** {@link inputsOf} for a caller holding `apiVersionsOf(objects)` already (taken as the record of the result). */
export function inputsWith(gateways: readonly GatewayIR[], objects: readonly KubeObject[], apiVersions: Record<string, string>): DataplaneInputsIR {
  const secretsUsed = new Set<string>();
  const configMapsUsed = new Set<string>();
  for (const g of gateways) {
    const m = referencedMaterial(g);
    for (const s of m.secrets) secretsUsed.add(s);
    for (const c of m.configMaps) configMapsUsed.add(c);
  }
  const secrets: Record<string, SecretMaterialIR> = {};
  const caBundles: Record<string, string> = {};
  for (const obj of objects) {
    if (!obj || typeof obj !== 'object' || !obj.metadata) continue;
    if (obj.kind !== 'Secret' && obj.kind !== 'ConfigMap') continue;
    const ns = `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name ?? ''}`;
    if (obj.kind === 'Secret' && secretsUsed.has(ns)) {
      const tlsCrt = decode(obj.data, obj.stringData, 'tls.crt');
      const tlsKey = decode(obj.data, obj.stringData, 'tls.key');
      secrets[ns] = { ...(tlsCrt !== undefined ? { tlsCrt } : {}), ...(tlsKey !== undefined ? { tlsKey } : {}) };
    } else if (obj.kind === 'ConfigMap' && configMapsUsed.has(ns)) {
      const raw = obj.data && typeof obj.data === 'object' ? (obj.data as Record<string, unknown>)['ca.crt'] : undefined;
      if (typeof raw === 'string') caBundles[ns] = raw;
      else delete caBundles[ns];
    }
  }
  return { apiVersions, secrets, caBundles };
}

/**
 * The input objects read once, for {@link DataplaneInputsIR}s of one Gateway at a time: `of(gateways)`
 * equals `inputsOf(gateways, objects)` (the same `apiVersions` record every time) without reading
 * the objects again.
 */
export class InputsIndex {
  /** Every input object's apiVersion, as in {@link inputsOf}. */
  readonly apiVersions: Readonly<Record<string, string>>;
  /** The last Secret / ConfigMap of each `namespace/name` (the last object of a name wins). */
  private readonly lastSecret = new Map<string, KubeObject>();
  private readonly lastConfigMap = new Map<string, KubeObject>();

  constructor(objects: readonly KubeObject[]) {
    const apiVersions: Record<string, string> = {};
    for (const obj of objects) {
      if (!obj || typeof obj !== 'object' || !obj.metadata) continue;
      const ns = `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name ?? ''}`;
      apiVersions[`${obj.kind}/${ns}`] = obj.apiVersion;
      if (obj.kind === 'Secret') this.lastSecret.set(ns, obj);
      else if (obj.kind === 'ConfigMap') this.lastConfigMap.set(ns, obj);
    }
    this.apiVersions = apiVersions;
  }

  /** `inputsOf(gateways, objects)`. */
  of(gateways: readonly GatewayIR[]): DataplaneInputsIR {
    const secrets: Record<string, SecretMaterialIR> = {};
    const caBundles: Record<string, string> = {};
    for (const g of gateways) {
      const m = referencedMaterial(g);
      for (const ns of m.secrets) {
        const obj = this.lastSecret.get(ns);
        if (!obj || ns in secrets) continue;
        const tlsCrt = decode(obj.data, obj.stringData, 'tls.crt');
        const tlsKey = decode(obj.data, obj.stringData, 'tls.key');
        secrets[ns] = { ...(tlsCrt !== undefined ? { tlsCrt } : {}), ...(tlsKey !== undefined ? { tlsKey } : {}) };
      }
      for (const ns of m.configMaps) {
        const obj = this.lastConfigMap.get(ns);
        const raw = obj?.data && typeof obj.data === 'object' ? (obj.data as Record<string, unknown>)['ca.crt'] : undefined;
        if (typeof raw === 'string') caBundles[ns] = raw;
      }
    }
    return { apiVersions: this.apiVersions, secrets, caBundles };
  }
}

/** `ir` with its {@link DataplaneIR.inputs} read from `objects`. */
export function withInputs(ir: DataplaneIR, objects: readonly KubeObject[]): DataplaneIR {
  return { ...ir, inputs: inputsOf(ir.gateways, objects) };
}
