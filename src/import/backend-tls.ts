/**
 * Backend TLS: `backend-protocol: HTTPS` and the `proxy-ssl-*` annotations → a BackendTLSPolicy
 * per backend Service, with the CA of `proxy-ssl-secret` copied into a ConfigMap (the CA
 * reference kind Gateway API and the built-in proxy accept).
 *
 * ingress-nginx (annotations/proxyssl and its nginx template), per location of the Ingress:
 * - `backend-protocol: HTTPS` → `proxy_pass https://…`: TLS to the backend, certificate not verified,
 *   no SNI, unless `proxy-ssl-secret` is set.
 * - Every `proxy-ssl-*` annotation is ignored without `proxy-ssl-secret` (`namespace/name`; another
 *   namespace than the Ingress's is refused, the location answers 503). The Secret's `ca.crt` is
 *   the trusted CA (`proxy_ssl_trusted_certificate`); its `tls.crt`/`tls.key`, when present, the
 *   client certificate (`proxy_ssl_certificate`).
 * - `proxy-ssl-verify` on|off (default off), `proxy-ssl-verify-depth` (default 1), `proxy-ssl-name`
 *   (default `$proxy_host`, i.e. `upstream_balancer`: a certificate never names it),
 *   `proxy-ssl-server-name` on|off (default off: no SNI), `proxy-ssl-ciphers` (default `DEFAULT`),
 *   `proxy-ssl-protocols` (default `TLSv1 TLSv1.1 TLSv1.2`).
 *
 * A BackendTLSPolicy always verifies the backend certificate against its CA and hostname and sends
 * the hostname as SNI; the built-in proxy then uses TLS 1.2/1.3, OpenSSL's DEFAULT ciphers and a
 * verification depth of 5 (src/render/nginx/http-proxy.ts).
 */
import { KubeObject } from '../model';
import type { ReportResult } from './convert';
import { Ingress } from './model';

const GW_V1 = 'gateway.networking.k8s.io/v1';

/** A backend Service port of a location. */
export interface TlsBackend {
  readonly name: string;
  readonly port: number;
}

/** The BackendTLSPolicies and CA ConfigMaps of the whole import (first Ingress wins per Service). */
export class BackendTlsPolicies {
  private readonly policies = new Map<string, { owner: string; object: KubeObject }>();
  private readonly configMaps = new Map<string, KubeObject>();
  /**
   * The one client certificate every `proxy-ssl-secret` with `tls.crt`/`tls.key` names, as the
   * Gateway's `spec.tls.backend.clientCertificateRef` (Gateway API sets it per Gateway); undefined
   * when there is none or when the Ingresses name several.
   */
  readonly clientCertificate?: { readonly namespace: string; readonly name: string; readonly secret?: KubeObject };
  private readonly clientSecrets: ReadonlySet<string>;

  /** `ingresses` are the main Ingresses of the import (their `proxy-ssl-secret`s decide the client certificate). */
  constructor(private readonly secrets: readonly KubeObject[], ingresses: readonly Ingress[], get: (ing: Ingress, name: string) => string | undefined) {
    const clients = new Set<string>();
    for (const ing of ingresses) {
      if ((get(ing, 'backend-protocol') ?? '').toUpperCase() !== 'HTTPS') continue;
      const m = SECRET_REF.exec(get(ing, 'proxy-ssl-secret') ?? '');
      const secret = m ? this.find(m[1], m[2], ing.namespace) : undefined;
      if (m && secret && hasClientCertificate(secret)) clients.add(`${m[1]}/${m[2]}`);
    }
    this.clientSecrets = clients;
    if (clients.size === 1) {
      const [ns, name] = [...clients][0].split('/');
      const secret = this.find(ns, name, ns)!;
      if (secret.type === 'kubernetes.io/tls') this.clientCertificate = { namespace: ns, name };
      else {
        // the Gateway needs a kubernetes.io/tls Secret: a copy of the certificate and key
        const copy = `${name}-client-tls`;
        this.clientCertificate = {
          namespace: ns,
          name: copy,
          secret: { apiVersion: 'v1', kind: 'Secret', metadata: { name: copy, namespace: ns }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(secretValue(secret, 'tls.crt')!).toString('base64'), 'tls.key': Buffer.from(secretValue(secret, 'tls.key')!).toString('base64') } } as KubeObject,
        };
      }
    }
  }

  private find(ns: string, name: string, defaultNs: string): KubeObject | undefined {
    return this.secrets.find((s) => s.metadata.name === name && (s.metadata.namespace ?? defaultNs) === ns);
  }

  /** The objects to emit (sorted by the caller). */
  objects(): KubeObject[] {
    return [...[...this.policies.values()].map((p) => p.object), ...this.configMaps.values(), ...(this.clientCertificate?.secret ? [this.clientCertificate.secret] : [])];
  }

  /**
   * Handles `backend-protocol: HTTPS` (already known to be HTTPS) of one Ingress with its backends:
   * emits the policies and reports `backend-protocol` and every `proxy-ssl-*` annotation.
   */
  add(ing: Ingress, get: (name: string) => string | undefined, backends: readonly TlsBackend[], report: (name: string, result: ReportResult, detail: string) => void): void {
    const ns = ing.namespace;
    const secretRef = get('proxy-ssl-secret');
    const diffs: string[] = [];
    let ca: { kind: 'configMap'; name: string; pem: string } | { kind: 'system'; why: string };
    let effective = false; // proxy-ssl-* annotations took effect in ingress-nginx
    if (secretRef === undefined) {
      ca = { kind: 'system', why: 'no proxy-ssl-secret' };
    } else {
      const m = SECRET_REF.exec(secretRef);
      const secret = m ? this.find(m[1], m[2], ns) : undefined;
      const pem = secret ? secretValue(secret, 'ca.crt') : undefined;
      if (!m) {
        report('proxy-ssl-secret', 'unsupported', `"${secretRef}" is not "namespace/name": ingress-nginx refused it (the location answered 503); the policy trusts the system CAs instead. Fix: name the Secret as namespace/name`);
        ca = { kind: 'system', why: 'proxy-ssl-secret is not namespace/name' };
      } else if (!secret) {
        report('proxy-ssl-secret', 'unsupported', `Secret ${secretRef} is not in the input, so its ca.crt is unknown: the policy trusts the system CAs instead. Fix: add the Secret's YAML to the input and import again (import writes ConfigMap ${ns}/${m[2]}-ca from its ca.crt), or create a ConfigMap with the CA in data["ca.crt"] and point the policy's caCertificateRefs at it`);
        ca = { kind: 'system', why: `Secret ${secretRef} is not in the input` };
      } else if (!pem || !pem.includes('-----BEGIN CERTIFICATE-----')) {
        report('proxy-ssl-secret', 'unsupported', `Secret ${secretRef} has no PEM certificate in ca.crt: ingress-nginx refused it (the location answered 503); the policy trusts the system CAs instead. Fix: add the backend's CA to the Secret's ca.crt and import again`);
        ca = { kind: 'system', why: `Secret ${secretRef} has no ca.crt` };
      } else {
        effective = true;
        const cmName = `${m[2]}-ca`;
        ca = { kind: 'configMap', name: cmName, pem };
        const cross = m[1] !== ns;
        const client = hasClientCertificate(secret);
        const cc = this.clientCertificate;
        const notes: string[] = [];
        if (cross) notes.push(`the Secret is in ${m[1]}, not the Ingress's namespace: ingress-nginx refused it (503) unless allow-cross-namespace-resources was on; the CA is copied into ${ns} anyway`);
        if (client && !cc) notes.push(`its tls.crt/tls.key were presented to the backend as a client certificate by ingress-nginx; Gateway API sets one client certificate per Gateway (spec.tls.backend.clientCertificateRef) and the Ingresses name ${this.clientSecrets.size} (${[...this.clientSecrets].sort().join(', ')}): not presented. Fix: give the backends one client certificate and set it as the Gateway's clientCertificateRef`);
        const clientNote = client && cc ? `; its tls.crt/tls.key, the client certificate ingress-nginx presented, become the Gateway's spec.tls.backend.clientCertificateRef (Secret ${cc.namespace}/${cc.name}${cc.secret ? ', a kubernetes.io/tls copy import writes, since the Gateway needs that type' : ''}), presented to every TLS backend of the Gateway that asks for one` : '';
        report('proxy-ssl-secret', notes.length ? 'approximated' : 'converted', `its ca.crt becomes ConfigMap ${ns}/${cmName} (written by import: BackendTLSPolicy CA references are ConfigMaps), named by the policy's caCertificateRefs${clientNote}${notes.length ? `. Difference: ${notes.join('; ')}` : ''}`);
      }
    }
    const ignored = (n: string) => report(n, 'converted', `no effect without a usable proxy-ssl-secret (ingress-nginx ignores it too)`);
    // --- hostname (proxy-ssl-name) and SNI (proxy-ssl-server-name) ---
    const sslName = get('proxy-ssl-name');
    let hostname: string | undefined;
    if (sslName !== undefined) {
      if (!effective) ignored('proxy-ssl-name');
      else if (/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i.test(sslName)) {
        hostname = sslName.toLowerCase();
        report('proxy-ssl-name', 'converted', `the policy's hostname ${hostname}: the backend certificate is verified against it (and it is the SNI)`);
      } else report('proxy-ssl-name', 'unsupported', `"${sslName}" is not a plain hostname (nginx variables cannot be a policy hostname): the Service's DNS name is used instead`);
    }
    const serverName = get('proxy-ssl-server-name');
    const sni = effective && serverName === 'on';
    if (serverName !== undefined) {
      if (!effective) ignored('proxy-ssl-server-name');
      else if (sni) report('proxy-ssl-server-name', 'converted', 'SNI is the policy hostname (a BackendTLSPolicy always sends it)');
      else report('proxy-ssl-server-name', 'approximated', `"${serverName}": ingress-nginx sent no SNI; a BackendTLSPolicy always sends its hostname as SNI`);
    }
    // --- verification ---
    const verify = get('proxy-ssl-verify');
    const verifies = effective && verify === 'on';
    if (verify !== undefined) {
      if (!effective) ignored('proxy-ssl-verify');
      else if (verifies) report('proxy-ssl-verify', 'converted', 'the backend certificate is verified, as a BackendTLSPolicy always does');
      else report('proxy-ssl-verify', 'approximated', `"${verify}": ingress-nginx did not verify the backend certificate; a BackendTLSPolicy always does (see backend-protocol)`);
    }
    const depth = get('proxy-ssl-verify-depth');
    if (depth !== undefined) {
      if (!effective) ignored('proxy-ssl-verify-depth');
      else {
        const d = /^[0-9]+$/.test(depth) && Number(depth) > 0 ? Number(depth) : 1;
        report('proxy-ssl-verify-depth', 'approximated', `Gateway API has no verification depth; the built-in proxy verifies chains of up to 5 certificates (ingress-nginx: ${d}${d === 1 && depth !== '1' ? `, "${depth}" being invalid` : ''})${d > 5 ? ': longer chains now fail' : d < 5 ? ': longer chains are now accepted' : ''}`);
      }
    }
    const ciphers = get('proxy-ssl-ciphers');
    if (ciphers !== undefined) {
      if (!effective) ignored('proxy-ssl-ciphers');
      else if (ciphers === 'DEFAULT') report('proxy-ssl-ciphers', 'converted', 'DEFAULT: OpenSSL\'s default ciphers, as the built-in proxy uses');
      else report('proxy-ssl-ciphers', 'unsupported', `"${ciphers}": Gateway API has no field for the ciphers to a backend; the built-in proxy offers OpenSSL's DEFAULT list. Fix: make the backend accept one of those ciphers`);
    }
    const protocols = get('proxy-ssl-protocols');
    if (protocols !== undefined) {
      if (!effective) ignored('proxy-ssl-protocols');
      else {
        const list = protocols.split(' ').map((p) => p.trim()).filter((p) => /^(SSLv2|SSLv3|TLSv1|TLSv1\.1|TLSv1\.2|TLSv1\.3)$/.test(p)).sort();
        if (list.join(' ') === 'TLSv1.2 TLSv1.3') report('proxy-ssl-protocols', 'converted', 'TLS 1.2 and 1.3, as the built-in proxy uses');
        else report('proxy-ssl-protocols', 'unsupported', `"${protocols}": Gateway API has no field for the TLS versions to a backend; the built-in proxy offers TLS 1.2 and 1.3. Fix: make the backend accept TLS 1.2 or 1.3`);
      }
    }
    // --- the policies ---
    const created: string[] = [];
    const conflicts: string[] = [];
    for (const b of dedupe(backends)) {
      const h = hostname ?? `${b.name}.${ns}.svc`;
      const validation = ca.kind === 'configMap' ? { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: ca.name }], hostname: h } : { hostname: h, wellKnownCACertificates: 'System' };
      const policy: KubeObject = {
        apiVersion: GW_V1,
        kind: 'BackendTLSPolicy',
        metadata: { name: `${b.name}-backend-tls`, namespace: ns },
        spec: { targetRefs: [{ group: '', kind: 'Service', name: b.name }], validation },
      };
      const k = `${ns}/${b.name}`;
      const prev = this.policies.get(k);
      if (prev) {
        if (JSON.stringify(prev.object) !== JSON.stringify(policy)) conflicts.push(`${b.name} (the policy of ${prev.owner} applies)`);
        continue;
      }
      this.policies.set(k, { owner: `${ns}/${ing.name}`, object: policy });
      if (ca.kind === 'configMap') this.configMaps.set(`${ns}/${ca.name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ca.name, namespace: ns }, data: { 'ca.crt': ca.pem } });
      created.push(`${b.name} (hostname ${h})`);
    }
    if (!verifies) diffs.push(`ingress-nginx did not verify the backend certificate${effective ? ' (proxy-ssl-verify is not on)' : ''}; the policy verifies it against ${ca.kind === 'configMap' ? `the CA of ${secretRef}` : 'the system CAs'} and the hostname: a backend whose certificate does not chain to ${ca.kind === 'configMap' ? 'that CA' : 'them'} or does not name the hostname now answers 502. Fix: issue the backend a certificate for the hostname${ca.kind === 'system' ? ' from a CA in proxy-ssl-secret (then import again)' : ''}, or change the policy`);
    else if (hostname === undefined) diffs.push('ingress-nginx verified against its default name upstream_balancer, which no certificate names (every request failed); the policy verifies against the Service\'s DNS name');
    if (!sni) diffs.push('the hostname is sent as SNI (ingress-nginx sent none)');
    if (conflicts.length) diffs.push(`another Ingress's policy already covers ${conflicts.join(', ')}: a Service has one BackendTLSPolicy`);
    const what = created.length ? `BackendTLSPolicy for ${created.join(', ')}` : 'no new BackendTLSPolicy';
    report('backend-protocol', diffs.length ? 'approximated' : 'converted', `HTTPS: TLS to the backend through a ${what}, ${ca.kind === 'configMap' ? `trusting ConfigMap ${ns}/${ca.name}` : `trusting the system CAs (${ca.why})`}${diffs.length ? `. Differences: ${diffs.join('; ')}` : ''}`);
  }
}

const SECRET_REF = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)$/;

function hasClientCertificate(s: KubeObject): boolean {
  return (secretValue(s, 'tls.crt') ?? '').includes('-----BEGIN ') && (secretValue(s, 'tls.key') ?? '').includes('-----BEGIN ');
}

/** A Secret value (data, base64; or stringData), decoded. */
function secretValue(s: KubeObject, k: string): string | undefined {
  const string = (s as { stringData?: Record<string, unknown> }).stringData?.[k];
  if (typeof string === 'string') return string;
  const data = (s as { data?: Record<string, unknown> }).data?.[k];
  return typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : undefined;
}

function dedupe(b: readonly TlsBackend[]): TlsBackend[] {
  const seen = new Set<string>();
  return [...b].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.port - y.port)).filter((x) => !seen.has(x.name) && !!seen.add(x.name));
}
