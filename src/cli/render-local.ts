/**
 * `render` for local work: `--self-signed` (a throwaway certificate for every listener certificate
 * Secret the input lacks) and `--serve-valid` (serve what a conformant controller would: objects the
 * API server would refuse are left out, invalid routes answer 500, unattached routes are absent).
 * Neither is ever used by the GatewayProxy, which stays strict.
 */
import { Diagnostic, KubeObject, refOf, splitApiVersion } from '../model';
import { ResolveOptions } from '../resolve';
import { schemaDiagnostics } from '../resolve/schema';
import { selfSignedCertificate } from './self-signed';

type J = Record<string, any>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): J[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** The annotation on a Secret `render --self-signed` made up. */
export const SELF_SIGNED_ANNOTATION = 'cdk8s-gateway.dev/self-signed';

/**
 * Adds a `kubernetes.io/tls` Secret with a fresh self-signed certificate for every core Secret a
 * Gateway or ListenerSet listener names in `tls.certificateRefs` that the input does not hold. Its
 * names: the hostnames of the listeners using it, else the `dnsNames` of the cert-manager
 * Certificate that writes it, else `localhost`. One `SelfSignedCertificate` warning per Secret.
 */
export function addSelfSignedSecrets(objects: KubeObject[], defaultNamespace: string): { objects: KubeObject[]; diagnostics: Diagnostic[] } {
  const ns = (o: KubeObject) => o.metadata?.namespace ?? defaultNamespace;
  const have = new Set(objects.filter((o) => o?.kind === 'Secret' && o.apiVersion === 'v1').map((o) => `${ns(o)}/${o.metadata?.name}`));
  const wanted = new Map<string, { namespace: string; name: string; hosts: Set<string> }>();
  for (const o of objects) {
    if (!o || typeof o.apiVersion !== 'string' || splitApiVersion(o.apiVersion).group.indexOf('gateway.networking') !== 0) continue;
    if (o.kind !== 'Gateway' && o.kind !== 'ListenerSet' && o.kind !== 'XListenerSet') continue;
    for (const l of arr((o as J).spec?.listeners)) {
      for (const ref of arr(l.tls?.certificateRefs)) {
        if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret' || typeof ref.name !== 'string') continue;
        const namespace = ref.namespace ?? ns(o);
        const k = `${namespace}/${ref.name}`;
        if (have.has(k)) continue;
        const w = wanted.get(k) ?? { namespace, name: ref.name, hosts: new Set<string>() };
        if (typeof l.hostname === 'string' && l.hostname) w.hosts.add(l.hostname);
        wanted.set(k, w);
      }
    }
  }
  const added: KubeObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const w of [...wanted.values()].sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1))) {
    if (w.hosts.size === 0) {
      const cert = objects.find((o) => o?.kind === 'Certificate' && String(o.apiVersion).startsWith('cert-manager.io/') && ns(o) === w.namespace && (o as J).spec?.secretName === w.name);
      for (const n of (cert as J | undefined)?.spec?.dnsNames ?? []) if (typeof n === 'string') w.hosts.add(n);
    }
    const hosts = w.hosts.size ? [...w.hosts].sort() : ['localhost'];
    const { cert, key } = selfSignedCertificate(hosts);
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: w.name, namespace: w.namespace, annotations: { [SELF_SIGNED_ANNOTATION]: 'true' } },
      data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
    };
    added.push(secret);
    diagnostics.push({
      severity: 'warning',
      code: 'SelfSignedCertificate',
      object: refOf(secret),
      message: `not in the input: a throwaway self-signed certificate for ${hosts.join(', ')} (valid 30 days, ECDSA P-256) is served instead (--self-signed); clients must skip verification (curl -k)`,
      fix: 'add the real kubernetes.io/tls Secret to the input (e.g. `kubectl get secret NAME -n NAMESPACE -o yaml`), or render without --self-signed',
    });
  }
  return { objects: [...objects, ...added], diagnostics };
}

/**
 * Leaves out every object the API server would refuse on create (schema and CEL errors under the
 * channel in use): a controller never sees them. Returns the schema stage's findings on the whole
 * input (the refused objects' errors, to be printed, and the others' warnings), so the resolver
 * does not validate again.
 */
export function withoutRefusedObjects(objects: KubeObject[], options: ResolveOptions): { objects: KubeObject[]; diagnostics: Diagnostic[]; schemaChecked: true } {
  const ns = options.defaultNamespace ?? 'default';
  const diagnostics = schemaDiagnostics(objects, ns, options.channel);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!errors.length) return { objects, diagnostics, schemaChecked: true };
  // a cluster-scoped object's reference has no namespace
  const refused = (o: KubeObject) => errors.some(({ object: r }) =>
    r.apiVersion === o.apiVersion && r.kind === o.kind && r.name === (o.metadata?.name ?? '') && (r.namespace === undefined || r.namespace === (o.metadata?.namespace ?? ns)));
  return { objects: objects.filter((o) => !o || typeof o !== 'object' || !refused(o)), diagnostics, schemaChecked: true };
}
