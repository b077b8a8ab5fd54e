import { Construct } from 'constructs';
import { addAcmeSolverServices } from './acme-solver-services';
import { acmeNameProblems, certificatesWriting, checkCertificateOptions } from './cert-manager-checks';
import { CERT_MANAGER_API_VERSION, CertificateOptions, IIssuer } from './types';
import { checkDnsSubdomain, checkHostname, checkLabelKey, checkLabelValue } from '../core/checks';
import { fail } from '../core/errors';
import { ITlsCertificate, TlsCertificateRef } from '../gateway-api/listener';
import type { IGateway } from '../gateway-api/parent';
import { Resource, ResourceProps } from '../core/resource';

/** Labels and annotations for the Secret cert-manager writes. */
export interface SecretTemplate {
  /** @default - none */
  readonly labels?: { readonly [key: string]: string };
  /** @default - none */
  readonly annotations?: { readonly [key: string]: string };
}

/** Props of {@link CertManagerCert}. */
export interface CertManagerCertProps extends ResourceProps, CertificateOptions {
  /** Who issues it: an `Issuer`/`ClusterIssuer` of the app or an `IssuerRef`. */
  readonly issuer: IIssuer;
  /** DNS names (SANs); `*.example.com` needs a DNS-01 solver with ACME. */
  readonly dnsNames: string[];
  /**
   * The Gateway whose listeners use the certificate. The Certificate (and so its Secret) is
   * then created in the Gateway's namespace, and the listener refers to it without namespace.
   * @default - none: the Certificate goes to `namespace` (or the chart's) and the listener
   * refers to it with its namespace (a ReferenceGrant is derived when that differs)
   */
  readonly gateway?: IGateway;
  /** The Secret cert-manager writes (`kubernetes.io/tls`). @default - `<name>-tls` */
  readonly secretName?: string;
  /** @default - none */
  readonly secretTemplate?: SecretTemplate;
  /**
   * Derive the ReferenceGrant a Gateway in another namespace needs to read the Secret.
   * @default true
   */
  readonly referenceGrant?: boolean;
}

/**
 * A cert-manager `Certificate` (`cert-manager.io/v1`). It is an `ITlsCertificate`, so
 * `Listener.https({ certificates: [cert] })` refers to the Secret it writes.
 *
 * Checked at synth: a name no solver of the issuer selects, wildcard names that an ACME
 * issuer would validate with HTTP-01, HTTP-01 through a Gateway that has no port-80 HTTP
 * listener admitting the challenge route from the Certificate's namespace, another
 * Certificate writing the same Secret.
 *
 * @example
 * const cert = new CertManagerCert(chart, 'www', { gateway, issuer: letsEncrypt, dnsNames: ['www.example.com'] });
 * gateway.addListener(Listener.https({ hostname: 'www.example.com', certificates: [cert] }));
 */
export class CertManagerCert extends Resource implements ITlsCertificate {
  /** The Secret cert-manager writes. */
  public readonly secretName: string;
  /** The DNS names of the certificate. */
  public readonly dnsNames: string[];
  public readonly issuer: IIssuer;
  private readonly props: CertManagerCertProps;

  constructor(scope: Construct, id: string, props: CertManagerCertProps) {
    super(scope, id, { apiVersion: CERT_MANAGER_API_VERSION, kind: 'Certificate' }, { ...props, namespace: props.namespace ?? props.gateway?.namespace });
    this.props = props;
    this.issuer = props.issuer;
    this.secretName = props.secretName ?? `${this.name}-tls`;
    const ps = checkDnsSubdomain(this.secretName);
    if (ps) fail(this, 'spec.secretName', this.secretName, ps, 'use a Secret name such as "www-tls"');
    if (!props.dnsNames.length) fail(this, 'spec.dnsNames', [], 'is empty', 'list the hostnames the certificate is for');
    this.dnsNames = [...props.dnsNames];
    this.dnsNames.forEach((n, i) => {
      const p = checkHostname(n);
      if (p) fail(this, `spec.dnsNames[${i}]`, n, p, 'use DNS names such as "www.example.com" or "*.example.com"');
      if (this.dnsNames.indexOf(n) !== i) fail(this, `spec.dnsNames[${i}]`, n, 'is listed twice', 'remove the duplicate');
    });
    checkCertificateOptions(this, props, { duration: 'spec.duration', renewBefore: 'spec.renewBefore', commonName: 'spec.commonName', privateKey: 'spec.privateKey' });
    if (props.revisionHistoryLimit !== undefined && !(Number.isInteger(props.revisionHistoryLimit) && props.revisionHistoryLimit >= 1)) {
      fail(this, 'spec.revisionHistoryLimit', props.revisionHistoryLimit, 'is not a positive integer', 'use e.g. 3');
    }
    for (const [k, v] of Object.entries(props.secretTemplate?.labels ?? {})) {
      const p = checkLabelKey(k) ?? checkLabelValue(v);
      if (p) fail(this, 'spec.secretTemplate.labels', `${k}=${v}`, p, 'use a valid label key and value');
    }
    const ref = props.issuer.issuerRef;
    if (ref.kind === 'Issuer' && ref.group === 'cert-manager.io' && ref.namespace !== undefined && ref.namespace !== this.effectiveNamespace) {
      fail(this, 'spec.issuerRef', `${ref.namespace}/${ref.name}`, `is an Issuer of namespace ${ref.namespace}, but the Certificate is in ${this.effectiveNamespace} and can only use an Issuer of its own namespace`, `use a ClusterIssuer, or an Issuer in "${this.effectiveNamespace}"`);
    }
    this.node.addValidation({ validate: () => this.appProblems() });
    // names validated by HTTP-01 through the built-in proxy: the Service its challenge route reaches
    addAcmeSolverServices(this, this.effectiveNamespace, this.dnsNames, props.issuer, props.labels ?? {});
  }

  /** The `certificateRefs[]` entry of a listener using this certificate. */
  public get certificateRef(): TlsCertificateRef {
    const gw = this.props.gateway;
    const sameAsGateway = gw !== undefined && (gw.namespace ?? 'default') === this.effectiveNamespace;
    return {
      group: '',
      kind: 'Secret',
      name: this.secretName,
      ...(sameAsGateway ? {} : { namespace: this.effectiveNamespace }),
      ...(this.props.referenceGrant === false ? { referenceGrant: false } : {}),
    };
  }

  protected renderSpec(): unknown {
    const p = this.props;
    const ref = p.issuer.issuerRef;
    const key = p.privateKey;
    const tpl = p.secretTemplate;
    return {
      secretName: this.secretName,
      issuerRef: { group: ref.group, kind: ref.kind, name: ref.name },
      dnsNames: [...this.dnsNames],
      ...(p.commonName !== undefined ? { commonName: p.commonName } : {}),
      ...(p.duration !== undefined ? { duration: p.duration } : {}),
      ...(p.renewBefore !== undefined ? { renewBefore: p.renewBefore } : {}),
      ...(key
        ? {
          privateKey: {
            ...(key.algorithm !== undefined ? { algorithm: key.algorithm } : {}),
            ...(key.size !== undefined ? { size: key.size } : {}),
            ...(key.rotationPolicy !== undefined ? { rotationPolicy: key.rotationPolicy } : {}),
            ...(key.encoding !== undefined ? { encoding: key.encoding } : {}),
          },
        }
        : {}),
      ...(p.usages?.length ? { usages: [...p.usages] } : {}),
      ...(p.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: p.revisionHistoryLimit } : {}),
      ...(tpl && (tpl.labels || tpl.annotations)
        ? { secretTemplate: { ...(tpl.labels ? { labels: { ...tpl.labels } } : {}), ...(tpl.annotations ? { annotations: { ...tpl.annotations } } : {}) } }
        : {}),
    };
  }

  private appProblems(): string[] {
    const out: string[] = [];
    const others = certificatesWriting(this, this.effectiveNamespace, this.secretName).filter((c) => c.source !== this.apiObject);
    if (others.length) {
      out.push(`spec.secretName: ${JSON.stringify(this.secretName)} is also written by Certificate ${others.map((o) => o.ref).join(', ')}, and the two overwrite each other. Fix: give each Certificate its own secretName`);
    }
    const labels = this.props.labels ?? {};
    out.push(...acmeNameProblems(this, this.issuer, this.dnsNames.map((name, i) => ({ field: `spec.dnsNames[${i}]`, name })), this.effectiveNamespace, labels));
    return out;
  }
}
