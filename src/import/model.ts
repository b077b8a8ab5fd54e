/**
 * The typed input of `cdk8s-gateway import`: the ingress-nginx objects a migration reads —
 * Ingresses (`networking.k8s.io/v1` only), IngressClasses, Services, Secrets, the
 * `tcp-services` / `udp-services` ConfigMaps and the ConfigMaps `custom-headers` names — parsed from loaded Kubernetes objects.
 *
 * Pure: {@link parseImportInput} never throws for bad input; every problem is an
 * {@link ImportInputError} naming the object, the field, the bad value and a fix.
 */
import { KubeObject } from '../model';

/** Where an object came from (`file:line`), when known. */
export interface ImportSource {
  readonly file: string;
  readonly line: number;
}

/** An Ingress backend: a Service port (by number or by name), or a resource (not convertible). */
export interface IngressBackend {
  readonly service?: { readonly name: string; readonly port: { readonly number?: number; readonly name?: string } };
  readonly resource?: { readonly kind: string; readonly name: string };
}

/** One `spec.rules[].http.paths[]` entry. */
export interface IngressPath {
  readonly path: string;
  readonly pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  readonly backend: IngressBackend;
  /** `spec.rules[i].http.paths[j]` */
  readonly field: string;
}

/** One `spec.rules[]` entry. */
export interface IngressRule {
  /** Empty: every host. */
  readonly host: string;
  readonly paths: readonly IngressPath[];
  readonly field: string;
}

/** One `spec.tls[]` entry. */
export interface IngressTls {
  readonly hosts: readonly string[];
  readonly secretName?: string;
  readonly field: string;
}

/** A `networking.k8s.io/v1` Ingress. */
export interface Ingress {
  readonly namespace: string;
  readonly name: string;
  readonly className?: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly creationTimestamp?: string;
  readonly defaultBackend?: IngressBackend;
  readonly rules: readonly IngressRule[];
  readonly tls: readonly IngressTls[];
  readonly source?: ImportSource;
}

/** One entry of the `tcp-services` / `udp-services` ConfigMap: `"PORT": "ns/svc:port[:PROXY[:PROXY]]"`. */
export interface StreamService {
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
  readonly namespace: string;
  readonly service: string;
  /** The Service port, by number or name. */
  readonly servicePort: string;
  /** `PROXY` decode / encode flags of the entry (PROXY protocol: not convertible). */
  readonly proxyProtocol: readonly string[];
  /** `ConfigMap ns/name data["PORT"]` */
  readonly origin: string;
}

/** Everything the conversion reads. */
export interface ImportInput {
  readonly ingresses: readonly Ingress[];
  /** IngressClass name → its `spec.controller`. */
  readonly ingressClasses: ReadonlyMap<string, string>;
  /** The IngressClass annotated `ingressclass.kubernetes.io/is-default-class: "true"`, if any. */
  readonly defaultClass?: string;
  readonly services: readonly KubeObject[];
  readonly secrets: readonly KubeObject[];
  /** The input's Namespaces (copied unchanged, so the output creates them). */
  readonly namespaces: readonly KubeObject[];
  readonly streams: readonly StreamService[];
  /**
   * The input's ConfigMaps that `custom-headers` annotations name: read by the conversion, not
   * copied to its output (the other ConfigMaps are in {@link ignored}).
   */
  readonly configMaps: readonly KubeObject[];
  /** Objects of the input the conversion does not read (reported by the CLI, not copied). */
  readonly ignored: readonly KubeObject[];
}

/** A problem with the input (exit 2). */
export interface ImportInputError {
  readonly source?: ImportSource;
  readonly message: string;
}

/** ingress-nginx's IngressClass controller name. */
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';

/** Names of the ConfigMaps ingress-nginx reads for TCP / UDP services (its `--tcp-services-configmap` defaults). */
export const STREAM_CONFIGMAPS: Readonly<Record<string, 'TCP' | 'UDP'>> = { 'tcp-services': 'TCP', 'udp-services': 'UDP' };

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parses loaded objects; `defaultNamespace` is the namespace of objects without one. */
export function parseImportInput(objects: readonly { object: KubeObject; source?: ImportSource }[], defaultNamespace: string): { input: ImportInput; errors: ImportInputError[] } {
  const errors: ImportInputError[] = [];
  const ingresses: Ingress[] = [];
  const classes = new Map<string, string>();
  let defaultClass: string | undefined;
  const services: KubeObject[] = [];
  const secrets: KubeObject[] = [];
  const namespaceObjects: KubeObject[] = [];
  const streams: StreamService[] = [];
  const configMaps: KubeObject[] = [];
  const ignored: KubeObject[] = [];
  for (const { object, source } of objects) {
    const ns = str(object.metadata.namespace) ?? defaultNamespace;
    const name = str(object.metadata.name) ?? '';
    const err = (message: string) => errors.push({ source, message });
    if (object.kind === 'Ingress') {
      if (object.apiVersion !== 'networking.k8s.io/v1') {
        err(`Ingress ${ns}/${name} apiVersion: "${object.apiVersion}" is not read by import (only networking.k8s.io/v1). Fix: convert it to networking.k8s.io/v1 (kubectl convert, or apply it to a cluster of Kubernetes 1.19+ and export it with kubectl get ingress -o yaml)`);
        continue;
      }
      const parsed = parseIngress(object, ns, name, source, err);
      if (parsed) ingresses.push(parsed);
    } else if (object.kind === 'IngressClass' && object.apiVersion.startsWith('networking.k8s.io/')) {
      const controller = str(rec(object.spec).controller) ?? '';
      classes.set(name, controller);
      if (str(rec(object.metadata.annotations)['ingressclass.kubernetes.io/is-default-class']) === 'true') defaultClass = name;
    } else if (object.kind === 'Service' && object.apiVersion === 'v1') {
      services.push(object);
    } else if (object.kind === 'Namespace' && object.apiVersion === 'v1') {
      namespaceObjects.push(object);
    } else if (object.kind === 'Secret' && object.apiVersion === 'v1') {
      secrets.push(object);
    } else if (object.kind === 'ConfigMap' && object.apiVersion === 'v1' && STREAM_CONFIGMAPS[name]) {
      const protocol = STREAM_CONFIGMAPS[name];
      const data = rec(object.data);
      for (const key of Object.keys(data).sort(byPort)) {
        const origin = `ConfigMap ${ns}/${name} data["${key}"]`;
        const value = str(data[key]) ?? '';
        const port = Number(key);
        if (!/^[0-9]+$/.test(key) || port < 1 || port > 65535) {
          err(`${origin}: "${key}" is not a port number (1-65535). Fix: key each entry by the port the Gateway listens on, e.g. "8080"`);
          continue;
        }
        const m = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*):([A-Za-z0-9-]+)((?::[A-Za-z]*){0,2})$/.exec(value);
        if (!m) {
          err(`${origin}: "${value}" is not "namespace/service:port". Fix: write the entry as ingress-nginx reads it, e.g. "tcp/foo-svc:8080"`);
          continue;
        }
        streams.push({ protocol, port, namespace: m[1], service: m[2], servicePort: m[3], proxyProtocol: m[4].split(':').filter((p) => p !== ''), origin });
      }
    } else {
      if (object.kind === 'ConfigMap' && object.apiVersion === 'v1') configMaps.push(object);
      else ignored.push(object);
    }
  }
  // the ConfigMaps a custom-headers annotation names are read; the others are not
  const named = new Set(ingresses.map((i) => i.annotations['nginx.ingress.kubernetes.io/custom-headers']).filter((v): v is string => v !== undefined));
  const read = configMaps.filter((c) => named.has(`${str(c.metadata.namespace) ?? defaultNamespace}/${str(c.metadata.name) ?? ''}`));
  ignored.push(...configMaps.filter((c) => !read.includes(c)));
  return { input: { ingresses, ingressClasses: classes, ...(defaultClass ? { defaultClass } : {}), services, secrets, namespaces: namespaceObjects, streams, configMaps: read, ignored }, errors };
}

function byPort(a: string, b: string): number {
  return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function parseBackend(v: unknown, where: string, err: (m: string) => void): IngressBackend | undefined {
  const b = rec(v);
  const svc = rec(b.service);
  if (b.service !== undefined) {
    const name = str(svc.name);
    const port = rec(svc.port);
    const number = typeof port.number === 'number' ? port.number : undefined;
    const portName = str(port.name);
    if (!name || (number === undefined && portName === undefined)) {
      err(`${where}.service: needs name and port.number or port.name (got ${JSON.stringify(b.service)}). Fix: name the Service and its port`);
      return undefined;
    }
    return { service: { name, port: number !== undefined ? { number } : { name: portName } } };
  }
  const res = rec(b.resource);
  if (b.resource !== undefined) return { resource: { kind: str(res.kind) ?? '', name: str(res.name) ?? '' } };
  err(`${where}: neither service nor resource (got ${JSON.stringify(v)}). Fix: give the path a service backend`);
  return undefined;
}

function parseIngress(o: KubeObject, namespace: string, name: string, source: ImportSource | undefined, err: (m: string) => void): Ingress | undefined {
  const spec = rec(o.spec);
  const id = `Ingress ${namespace}/${name}`;
  let ok = true;
  const bad = (m: string) => {
    ok = false;
    err(`${id} ${m}`);
  };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(o.metadata.annotations))) {
    if (typeof v !== 'string') bad(`metadata.annotations["${k}"]: ${JSON.stringify(v)} is not a string. Fix: quote the value, e.g. "${String(v)}"`);
    else annotations[k] = v;
  }
  const rules: IngressRule[] = [];
  arr(spec.rules).forEach((r, i) => {
    const rule = rec(r);
    const field = `spec.rules[${i}]`;
    const paths: IngressPath[] = [];
    arr(rec(rule.http).paths).forEach((p, j) => {
      const pf = `${field}.http.paths[${j}]`;
      const path = rec(p);
      const pathType = str(path.pathType) ?? 'ImplementationSpecific';
      if (pathType !== 'Exact' && pathType !== 'Prefix' && pathType !== 'ImplementationSpecific') {
        bad(`${pf}.pathType: "${pathType}" is not Exact, Prefix or ImplementationSpecific. Fix: use one of those`);
        return;
      }
      const value = str(path.path) ?? '/';
      if (!value.startsWith('/')) {
        bad(`${pf}.path: "${value}" does not start with "/". Fix: write the path from the root, e.g. "/${value}"`);
        return;
      }
      const backend = parseBackend(path.backend, `${id} ${pf}.backend`, (m) => {
        ok = false;
        err(m);
      });
      if (backend) paths.push({ path: value, pathType, backend, field: pf });
    });
    rules.push({ host: str(rule.host) ?? '', paths, field });
  });
  const tls: IngressTls[] = arr(spec.tls).map((t, i) => {
    const e = rec(t);
    const secretName = str(e.secretName);
    return { hosts: arr(e.hosts).filter((h): h is string => typeof h === 'string'), ...(secretName ? { secretName } : {}), field: `spec.tls[${i}]` };
  });
  let defaultBackend: IngressBackend | undefined;
  if (spec.defaultBackend !== undefined) {
    defaultBackend = parseBackend(spec.defaultBackend, `${id} spec.defaultBackend`, (m) => {
      ok = false;
      err(m);
    });
  }
  if (!ok) return undefined;
  const className = str(spec.ingressClassName) ?? annotations['kubernetes.io/ingress.class'];
  const created = str(o.metadata.creationTimestamp);
  return {
    namespace,
    name,
    ...(className !== undefined ? { className } : {}),
    annotations,
    ...(created ? { creationTimestamp: created } : {}),
    ...(defaultBackend ? { defaultBackend } : {}),
    rules,
    tls,
    ...(source ? { source } : {}),
  };
}
