import { Construct } from 'constructs';
import { appObjects, problem } from '../core/app-tree';
import { CERT_MANAGER_API_VERSION, CERT_MANAGER_GROUP, CERT_MANAGER_NAMESPACE, CertificateOptions, IIssuer, IssuerReference } from './types';
import { annotateGatewayForCertManager } from './cert-manager-checks';
import { AcmeSolver, SecretKeySelector } from './cert-manager-solver';
import { checkDnsSubdomain } from '../core/checks';
import { fail } from '../core/errors';
import type { Gateway } from '../gateway-api/gateway';
import { Resource, ResourceProps } from '../core/resource';

/** Let's Encrypt's production ACME directory. */
export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
/** Let's Encrypt's staging ACME directory (untrusted certificates, generous rate limits). */
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** A reference to an issuer that is not part of the app. */
export class IssuerRef implements IIssuer {
  /** A ClusterIssuer by name (e.g. `letsencrypt-prod` installed by another tool). */
  public static clusterIssuer(name: string): IssuerRef {
    return new IssuerRef({ name, kind: 'ClusterIssuer', group: CERT_MANAGER_GROUP });
  }
  /** A namespaced Issuer by name; it must live in the Certificate's namespace. */
  public static issuer(name: string, namespace?: string): IssuerRef {
    return new IssuerRef({ name, kind: 'Issuer', group: CERT_MANAGER_GROUP, ...(namespace !== undefined ? { namespace } : {}) });
  }
  /** An external issuer (e.g. `StepClusterIssuer` of `certmanager.step.sm`). */
  public static of(ref: IssuerReference): IssuerRef {
    return new IssuerRef(ref);
  }
  private constructor(public readonly issuerRef: IssuerReference) {
    const p = checkDnsSubdomain(issuerRef.name);
    if (p) fail(undefined, 'issuerRef.name', issuerRef.name, p, "use the issuer's metadata.name");
  }

  /**
   * cert-manager's Gateway annotation mode with this issuer: annotates the Gateway so that
   * cert-manager issues one Certificate per TLS listener (see {@link IssuerBase.annotateGateway}).
   */
  public annotateGateway(gateway: Gateway, options: CertificateOptions = {}): void {
    annotateGatewayForCertManager(gateway, this, options);
  }
}

/** External account binding (ZeroSSL, Google Trust Services, …). */
export interface ExternalAccountBinding {
  /** The key ID the CA gave you. */
  readonly keyId: string;
  /** The HMAC key (base64url), e.g. `{ name: 'zerossl-eab', key: 'secret' }`. */
  readonly keySecret: SecretKeySelector;
}

/** Options of every ACME issuer. */
export interface AcmeOptions {
  /**
   * How names are validated. Add more with `addSolver`.
   * @default - none (add with `addSolver`; synth fails for an ACME issuer without solvers)
   */
  readonly solvers?: AcmeSolver[];
  /** The Secret cert-manager stores the ACME account key in. @default - `<issuer name>-account-key` */
  readonly accountKeySecretName?: string;
  /** @default - none */
  readonly externalAccountBinding?: ExternalAccountBinding;
  /** Prefer this chain (the root CA's common name). @default - the server's default */
  readonly preferredChain?: string;
  /** ACME profile (e.g. Let's Encrypt `shortlived`, `tlsserver`). @default - the server's default */
  readonly profile?: string;
}

/** Options of the Let's Encrypt issuers. */
export interface LetsEncryptOptions extends AcmeOptions {
  /** Contact address for expiry and incident notices. */
  readonly email: string;
}

/** Options of a custom ACME issuer. */
export interface CustomAcmeOptions extends AcmeOptions {
  /** The ACME directory URL (`https://…/directory`). */
  readonly server: string;
  /** Contact address. @default - none */
  readonly email?: string;
}

/** Options of a CA issuer. */
export interface CaOptions {
  /** A `kubernetes.io/tls` Secret with the CA's certificate and key. */
  readonly secretName: string;
}

/** What kind of issuer (the body of an Issuer's / ClusterIssuer's `spec`). */
export class IssuerType {
  /** ACME with Let's Encrypt's production directory. */
  public static letsEncryptProduction(options: LetsEncryptOptions): IssuerType {
    return IssuerType.acme({ ...options, server: LETS_ENCRYPT_PRODUCTION });
  }
  /** ACME with Let's Encrypt's staging directory (test the setup without rate limits). */
  public static letsEncryptStaging(options: LetsEncryptOptions): IssuerType {
    return IssuerType.acme({ ...options, server: LETS_ENCRYPT_STAGING });
  }
  /** ACME with any directory (ZeroSSL, step-ca, Pebble…). */
  public static acme(options: CustomAcmeOptions): IssuerType {
    if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(options.server)) fail(undefined, 'spec.acme.server', options.server, 'is not an https URL', 'give the directory URL, e.g. "https://acme-v02.api.letsencrypt.org/directory"');
    if (options.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(options.email)) fail(undefined, 'spec.acme.email', options.email, 'is not an e-mail address', 'write e.g. "admin@example.com"');
    if (options.accountKeySecretName !== undefined) {
      const p = checkDnsSubdomain(options.accountKeySecretName);
      if (p) fail(undefined, 'spec.acme.privateKeySecretRef.name', options.accountKeySecretName, p, 'use a Secret name');
    }
    if (options.preferredChain !== undefined && options.preferredChain.length > 64) fail(undefined, 'spec.acme.preferredChain', options.preferredChain, 'is longer than 64 characters', 'give the root CA common name');
    return new IssuerType('acme', options);
  }
  /** Self-signed certificates (for bootstrapping a CA, or tests). */
  public static selfSigned(): IssuerType {
    return new IssuerType('selfSigned');
  }
  /** Certificates signed by a CA whose key pair is in a Secret. */
  public static ca(options: CaOptions): IssuerType {
    const p = checkDnsSubdomain(options.secretName);
    if (p) fail(undefined, 'spec.ca.secretName', options.secretName, p, 'use a Secret name');
    return new IssuerType('ca', undefined, options);
  }

  private constructor(
    /** `acme`, `selfSigned` or `ca` */
    public readonly type: string,
    private readonly acmeOptions?: CustomAcmeOptions,
    private readonly caOptions?: CaOptions,
  ) {}

  /** Initial solvers (ACME). @internal */
  public get _solvers(): AcmeSolver[] {
    return [...(this.acmeOptions?.solvers ?? [])];
  }

  /** The ACME server, for ACME issuers. */
  public get server(): string | undefined {
    return this.acmeOptions?.server;
  }

  /** Secrets the issuer itself reads (EAB key, CA key pair). @internal */
  public _secrets(): { readonly field: string; readonly secret: SecretKeySelector }[] {
    const out: { field: string; secret: SecretKeySelector }[] = [];
    if (this.acmeOptions?.externalAccountBinding) out.push({ field: 'spec.acme.externalAccountBinding.keySecretRef', secret: this.acmeOptions.externalAccountBinding.keySecret });
    if (this.caOptions) out.push({ field: 'spec.ca.secretName', secret: { name: this.caOptions.secretName } });
    return out;
  }

  /** @internal */
  public _render(issuerName: string, solvers: AcmeSolver[]): unknown {
    if (this.type === 'selfSigned') return { selfSigned: {} };
    if (this.type === 'ca') return { ca: { secretName: this.caOptions!.secretName } };
    const a = this.acmeOptions!;
    const eab = a.externalAccountBinding;
    return {
      acme: {
        server: a.server,
        ...(a.email !== undefined ? { email: a.email } : {}),
        privateKeySecretRef: { name: a.accountKeySecretName ?? `${issuerName}-account-key` },
        ...(eab ? { externalAccountBinding: { keyID: eab.keyId, keySecretRef: { name: eab.keySecret.name, ...(eab.keySecret.key !== undefined ? { key: eab.keySecret.key } : {}) } } } : {}),
        ...(a.preferredChain !== undefined ? { preferredChain: a.preferredChain } : {}),
        ...(a.profile !== undefined ? { profile: a.profile } : {}),
        solvers: solvers.map((s) => s._render()),
      },
    };
  }
}

/** Props of {@link Issuer}. */
export interface IssuerProps extends ResourceProps {
  /** ACME, self-signed or CA (see {@link IssuerType}). */
  readonly type: IssuerType;
}

/** Options only a ClusterIssuer has. */
export interface ClusterIssuerOptions {
  /**
   * The namespace cert-manager reads a ClusterIssuer's Secrets from (its
   * `--cluster-resource-namespace`, by default the namespace cert-manager runs in).
   * @default 'cert-manager'
   */
  readonly clusterResourceNamespace?: string;
}

/** Props of {@link ClusterIssuer}. */
export interface ClusterIssuerProps extends IssuerProps, ClusterIssuerOptions {}

/** Props of the Let's Encrypt factories of {@link Issuer}. */
export interface LetsEncryptIssuerProps extends ResourceProps, LetsEncryptOptions {}
/** Props of the Let's Encrypt factories of {@link ClusterIssuer}. */
export interface LetsEncryptClusterIssuerProps extends LetsEncryptIssuerProps, ClusterIssuerOptions {}
/** Props of {@link Issuer.acme}. */
export interface AcmeIssuerProps extends ResourceProps, CustomAcmeOptions {}
/** Props of {@link ClusterIssuer.acme}. */
export interface AcmeClusterIssuerProps extends AcmeIssuerProps, ClusterIssuerOptions {}
/** Props of {@link Issuer.ca}. */
export interface CaIssuerProps extends ResourceProps, CaOptions {}
/** Props of {@link ClusterIssuer.ca}. */
export interface CaClusterIssuerProps extends CaIssuerProps, ClusterIssuerOptions {}
/** Props of {@link ClusterIssuer.selfSigned}. */
export interface SelfSignedClusterIssuerProps extends ResourceProps, ClusterIssuerOptions {}

function split<T extends ResourceProps>(props: T): ResourceProps {
  return { name: props.name, namespace: props.namespace, labels: props.labels, annotations: props.annotations };
}

/** What Issuer and ClusterIssuer share. */
export abstract class IssuerBase extends Resource implements IIssuer {
  /** The issuer kind. */
  public readonly type: IssuerType;
  private readonly solvers: AcmeSolver[] = [];

  protected constructor(scope: Construct, id: string, kind: 'Issuer' | 'ClusterIssuer', props: IssuerProps) {
    super(scope, id, { apiVersion: CERT_MANAGER_API_VERSION, kind, clusterScoped: kind === 'ClusterIssuer' }, props);
    this.type = props.type;
    props.type._solvers.forEach((s) => this.addSolver(s));
    this.node.addValidation({ validate: () => this.appProblems() });
  }

  /** `issuerRef` of Certificates using this issuer. */
  public get issuerRef(): IssuerReference {
    return { name: this.name, kind: this.kind, group: CERT_MANAGER_GROUP, ...(this.kind === 'Issuer' ? { namespace: this.effectiveNamespace } : {}) };
  }

  /** The namespace where the Secrets this issuer references must live. */
  public abstract get secretNamespace(): string;

  /** ACME solvers, in order. */
  public get solverList(): AcmeSolver[] {
    return [...this.solvers];
  }

  /** Adds an ACME solver and returns it. */
  public addSolver(solver: AcmeSolver): AcmeSolver {
    return this._mutate(() => {
      if (this.type.type !== 'acme') fail(this, 'spec.acme.solvers', solver.provider, `is given to a ${this.type.type} issuer, which solves no challenges`, 'use an ACME issuer');
      this.solvers.push(solver);
      return solver;
    });
  }

  /**
   * cert-manager's Gateway annotation mode: annotates the Gateway with this issuer
   * (`cert-manager.io/cluster-issuer` or `cert-manager.io/issuer`) so that cert-manager's
   * gateway-shim creates one Certificate per TLS listener, for the listener's hostname, into
   * the listener's certificateRef Secret. Synth fails when a TLS listener has no hostname or
   * refers to a Secret in another namespace (the shim skips those), or a Certificate of the
   * app writes the same Secret.
   */
  public annotateGateway(gateway: Gateway, options: CertificateOptions = {}): void {
    gateway._mutate(() => annotateGatewayForCertManager(gateway, this, options));
  }

  protected renderSpec(): unknown {
    return this.type._render(this.name, this.solvers);
  }

  private appProblems(): string[] {
    const out: string[] = [];
    if (this.type.type === 'acme' && this.solvers.length === 0) {
      out.push(problem('spec.acme.solvers', [], 'is empty: no name can be validated, so every Certificate of this issuer stays pending', 'pass `solvers` (e.g. AcmeSolver.http01Gateway(gateway)) or call addSolver'));
    }
    const refs = [
      ...this.type._secrets(),
      ...this.solvers.flatMap((s, i) => s.secrets.map((secret) => ({ field: `spec.acme.solvers[${i}]`, secret }))),
    ];
    if (!refs.length) return out;
    const secrets = appObjects(this, '', ['Secret']);
    const where = this.kind === 'ClusterIssuer' ? `a ClusterIssuer reads Secrets only from the cluster resource namespace "${this.secretNamespace}"` : `an Issuer reads Secrets only from its own namespace "${this.secretNamespace}"`;
    for (const { field, secret } of refs) {
      let elsewhere: string | undefined;
      if (secret.namespace !== undefined) {
        if (secret.namespace !== this.secretNamespace) elsewhere = secret.namespace;
      } else {
        const found = secrets.filter((s) => s.metadata.name === secret.name).map((s) => s.metadata.namespace ?? 'default');
        if (found.length && !found.includes(this.secretNamespace)) elsewhere = found.sort().join(', ');
      }
      if (elsewhere !== undefined) {
        out.push(problem(`${field} Secret`, secret.name, `is in namespace ${elsewhere}, but ${where}`, `create the Secret in "${this.secretNamespace}"${this.kind === 'ClusterIssuer' ? ' (or set clusterResourceNamespace to where cert-manager reads from)' : ', or use a ClusterIssuer'}`));
      }
    }
    return out;
  }
}

/**
 * A namespaced cert-manager Issuer: Certificates in its namespace only.
 *
 * @example
 * const le = Issuer.letsEncryptStaging(chart, 'le-staging', { namespace: 'gateway', email: 'admin@example.com', solvers: [AcmeSolver.http01Gateway(gateway)] });
 */
export class Issuer extends IssuerBase {
  /** ACME with Let's Encrypt's production directory. */
  public static letsEncryptProduction(scope: Construct, id: string, props: LetsEncryptIssuerProps): Issuer {
    return new Issuer(scope, id, { ...split(props), type: IssuerType.letsEncryptProduction(props) });
  }
  /** ACME with Let's Encrypt's staging directory. */
  public static letsEncryptStaging(scope: Construct, id: string, props: LetsEncryptIssuerProps): Issuer {
    return new Issuer(scope, id, { ...split(props), type: IssuerType.letsEncryptStaging(props) });
  }
  /** ACME with a custom directory. */
  public static acme(scope: Construct, id: string, props: AcmeIssuerProps): Issuer {
    return new Issuer(scope, id, { ...split(props), type: IssuerType.acme(props) });
  }
  /** Self-signed certificates. */
  public static selfSigned(scope: Construct, id: string, props: ResourceProps = {}): Issuer {
    return new Issuer(scope, id, { ...props, type: IssuerType.selfSigned() });
  }
  /** Certificates signed by a CA key pair in a Secret of the Issuer's namespace. */
  public static ca(scope: Construct, id: string, props: CaIssuerProps): Issuer {
    return new Issuer(scope, id, { ...split(props), type: IssuerType.ca(props) });
  }

  constructor(scope: Construct, id: string, props: IssuerProps) {
    super(scope, id, 'Issuer', props);
  }

  public get secretNamespace(): string {
    return this.effectiveNamespace;
  }
}

/**
 * A cluster-wide cert-manager ClusterIssuer: Certificates in any namespace. Its Secrets
 * (DNS provider tokens, CA key pair, EAB key) must be in the cluster resource namespace.
 *
 * @example
 * const le = ClusterIssuer.letsEncryptProduction(chart, 'letsencrypt-prod', {
 *   email: 'admin@example.com',
 *   solvers: [AcmeSolver.http01Gateway(gateway)],
 * });
 */
export class ClusterIssuer extends IssuerBase {
  /** ACME with Let's Encrypt's production directory. */
  public static letsEncryptProduction(scope: Construct, id: string, props: LetsEncryptClusterIssuerProps): ClusterIssuer {
    return new ClusterIssuer(scope, id, { ...split(props), clusterResourceNamespace: props.clusterResourceNamespace, type: IssuerType.letsEncryptProduction(props) });
  }
  /** ACME with Let's Encrypt's staging directory. */
  public static letsEncryptStaging(scope: Construct, id: string, props: LetsEncryptClusterIssuerProps): ClusterIssuer {
    return new ClusterIssuer(scope, id, { ...split(props), clusterResourceNamespace: props.clusterResourceNamespace, type: IssuerType.letsEncryptStaging(props) });
  }
  /** ACME with a custom directory. */
  public static acme(scope: Construct, id: string, props: AcmeClusterIssuerProps): ClusterIssuer {
    return new ClusterIssuer(scope, id, { ...split(props), clusterResourceNamespace: props.clusterResourceNamespace, type: IssuerType.acme(props) });
  }
  /** Self-signed certificates. */
  public static selfSigned(scope: Construct, id: string, props: SelfSignedClusterIssuerProps = {}): ClusterIssuer {
    return new ClusterIssuer(scope, id, { ...props, type: IssuerType.selfSigned() });
  }
  /** Certificates signed by a CA key pair in a Secret of the cluster resource namespace. */
  public static ca(scope: Construct, id: string, props: CaClusterIssuerProps): ClusterIssuer {
    return new ClusterIssuer(scope, id, { ...split(props), clusterResourceNamespace: props.clusterResourceNamespace, type: IssuerType.ca(props) });
  }

  /** Where cert-manager reads this issuer's Secrets. */
  public readonly clusterResourceNamespace: string;

  constructor(scope: Construct, id: string, props: ClusterIssuerProps) {
    super(scope, id, 'ClusterIssuer', props);
    this.clusterResourceNamespace = props.clusterResourceNamespace ?? CERT_MANAGER_NAMESPACE;
    const p = checkDnsSubdomain(this.clusterResourceNamespace);
    if (p) fail(this, 'clusterResourceNamespace', this.clusterResourceNamespace, p, 'name the namespace cert-manager runs in');
  }

  public get secretNamespace(): string {
    return this.clusterResourceNamespace;
  }
}
