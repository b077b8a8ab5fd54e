/** Types shared by the cert-manager constructs (certificates, issuers, their checks): kept apart so they do not import each other. */

/** cert-manager's API version. */
export const CERT_MANAGER_API_VERSION = 'cert-manager.io/v1';
/** cert-manager's API group. */
export const CERT_MANAGER_GROUP = 'cert-manager.io';
/** The namespace cert-manager runs in (and reads ClusterIssuer Secrets from) by default. */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';
/** A Certificate's `issuerRef`. */
export interface IssuerReference {
  readonly name: string;
  /** `Issuer`, `ClusterIssuer` or an external issuer's kind. */
  readonly kind: string;
  /** `cert-manager.io` or an external issuer's group. */
  readonly group: string;
  /** The namespace of a namespaced issuer, when known. @default - none */
  readonly namespace?: string;
}

/** Something that issues certificates: an `Issuer`/`ClusterIssuer` of the app, or a reference. */
export interface IIssuer {
  readonly issuerRef: IssuerReference;
}

/** Private key algorithms. */
export enum PrivateKeyAlgorithm {
  RSA = 'RSA',
  ECDSA = 'ECDSA',
  ED25519 = 'Ed25519',
}

/** When cert-manager makes a new private key. */
export enum PrivateKeyRotationPolicy {
  /** a new key on every issuance (cert-manager's default since v1.18) */
  ALWAYS = 'Always',
  /** keep the key across renewals */
  NEVER = 'Never',
}

/** How the private key is encoded in the Secret. */
export enum PrivateKeyEncoding {
  PKCS1 = 'PKCS1',
  PKCS8 = 'PKCS8',
}

/** Key usages (`usages`). */
export enum KeyUsage {
  SIGNING = 'signing',
  DIGITAL_SIGNATURE = 'digital signature',
  CONTENT_COMMITMENT = 'content commitment',
  KEY_ENCIPHERMENT = 'key encipherment',
  KEY_AGREEMENT = 'key agreement',
  DATA_ENCIPHERMENT = 'data encipherment',
  CERT_SIGN = 'cert sign',
  CRL_SIGN = 'crl sign',
  ENCIPHER_ONLY = 'encipher only',
  DECIPHER_ONLY = 'decipher only',
  ANY = 'any',
  SERVER_AUTH = 'server auth',
  CLIENT_AUTH = 'client auth',
  CODE_SIGNING = 'code signing',
  EMAIL_PROTECTION = 'email protection',
  SMIME = 's/mime',
  IPSEC_END_SYSTEM = 'ipsec end system',
  IPSEC_TUNNEL = 'ipsec tunnel',
  IPSEC_USER = 'ipsec user',
  TIMESTAMPING = 'timestamping',
  OCSP_SIGNING = 'ocsp signing',
  MICROSOFT_SGC = 'microsoft sgc',
  NETSCAPE_SGC = 'netscape sgc',
}

/** The private key of a certificate. */
export interface PrivateKeyOptions {
  /** @default PrivateKeyAlgorithm.RSA */
  readonly algorithm?: PrivateKeyAlgorithm;
  /** Bits for RSA (2048–8192), curve size for ECDSA (256, 384, 521); none for Ed25519. @default - 2048 (RSA), 256 (ECDSA) */
  readonly size?: number;
  /** @default PrivateKeyRotationPolicy.ALWAYS (cert-manager ≥ 1.18) */
  readonly rotationPolicy?: PrivateKeyRotationPolicy;
  /** @default PrivateKeyEncoding.PKCS1 */
  readonly encoding?: PrivateKeyEncoding;
}

/** What every certificate request can say (a `Certificate`, or the gateway-shim annotations). */
export interface CertificateOptions {
  /** Requested lifetime, a Go duration in hours (ACME servers may ignore it). @default - 2160h (90 days) */
  readonly duration?: string;
  /** Renew this long before expiry. @default - a third of the lifetime */
  readonly renewBefore?: string;
  /** Subject common name (up to 64 characters; browsers ignore it). @default - none */
  readonly commonName?: string;
  /** @default - digital signature and key encipherment */
  readonly usages?: KeyUsage[];
  /** @default - RSA 2048, rotated on every issuance */
  readonly privateKey?: PrivateKeyOptions;
  /** How many CertificateRequests to keep. @default - all */
  readonly revisionHistoryLimit?: number;
}
