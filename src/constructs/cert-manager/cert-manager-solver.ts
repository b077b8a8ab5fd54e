import { GATEWAY_GROUP } from '../../model';
import { checkDnsSubdomain, checkHostname, checkLabelKey, checkLabelValue, checkPort, checkSectionName } from '../core/checks';
import { fail } from '../core/errors';
import { Gateway } from '../gateway-api/gateway';
import { ListenerProtocol } from '../gateway-api/listener';
import type { IGateway } from '../gateway-api/parent';

/** A key of a Secret (`name` + `key`), as cert-manager's `*SecretRef` fields take it. */
export interface SecretKeySelector {
  /** The Secret's name. */
  readonly name: string;
  /** The key inside the Secret. @default - the provider's conventional key (documented per factory) */
  readonly key?: string;
  /**
   * Where the Secret lives, when you know it: checked against where cert-manager reads it
   * (the Issuer's namespace, or the cluster resource namespace for a ClusterIssuer).
   * cert-manager itself takes no namespace here.
   * @default - looked up among the app's Secrets by name
   */
  readonly namespace?: string;
}

/** Which Certificates (and names) a solver handles (`selector`). */
export interface AcmeSolverSelector {
  /** Exactly these DNS names (most specific). @default - any name */
  readonly dnsNames?: string[];
  /** Names in these DNS zones (longest zone wins). @default - any zone */
  readonly dnsZones?: string[];
  /** Only Certificates with these labels. @default - any Certificate */
  readonly matchLabels?: { readonly [key: string]: string };
}

/** Options of {@link AcmeSolver.http01Gateway}. */
export interface Http01GatewayOptions extends AcmeSolverSelector {
  /**
   * The listener the challenge HTTPRoute attaches to.
   * @default - every HTTP listener of the Gateway on `port` (computed at synth for a Gateway of the app)
   */
  readonly sectionName?: string;
  /**
   * The listener port that ACME's port-80 requests reach (different from 80 only behind a port-forward).
   * @default 80
   */
  readonly port?: number;
  /** Labels cert-manager puts on the challenge HTTPRoutes (e.g. for a Selector listener). @default - none */
  readonly labels?: { readonly [key: string]: string };
}

/** Options of {@link AcmeSolver.dns01Cloudflare}. */
export interface CloudflareDns01Options extends AcmeSolverSelector {
  /** API token with Zone:DNS:Edit permission (default key `api-token`). */
  readonly apiToken: SecretKeySelector;
}

/** Options of {@link AcmeSolver.dns01Route53}. */
export interface Route53Dns01Options extends AcmeSolverSelector {
  /** @default - from the environment of cert-manager */
  readonly region?: string;
  /** @default - found by cert-manager from the DNS name */
  readonly hostedZoneId?: string;
  /** Access key ID (plain). @default - ambient credentials (IRSA, instance profile) */
  readonly accessKeyId?: string;
  /** Secret access key (default key `secret-access-key`). @default - ambient credentials */
  readonly secretAccessKey?: SecretKeySelector;
  /** IAM role to assume. @default - none */
  readonly role?: string;
}

/** Options of {@link AcmeSolver.dns01Rfc2136}. */
export interface Rfc2136Dns01Options extends AcmeSolverSelector {
  /** The authoritative server, `host[:port]` (IPv6 in brackets). */
  readonly nameserver: string;
  /** @default - no TSIG */
  readonly tsigKeyName?: string;
  /** `HMACMD5`, `HMACSHA1`, `HMACSHA256`, `HMACSHA512`. @default 'HMACMD5' */
  readonly tsigAlgorithm?: string;
  /** The TSIG secret (default key `tsig-secret-key`). @default - no TSIG */
  readonly tsigSecret?: SecretKeySelector;
}

/** Options of {@link AcmeSolver.dns01DigitalOcean}. */
export interface DigitalOceanDns01Options extends AcmeSolverSelector {
  /** API token (default key `access-token`). */
  readonly token: SecretKeySelector;
}

/** Options of {@link AcmeSolver.dns01CloudDns}. */
export interface CloudDnsDns01Options extends AcmeSolverSelector {
  /** The Google Cloud project. */
  readonly project: string;
  /** Service account key (default key `key.json`). @default - Workload Identity / ambient credentials */
  readonly serviceAccount?: SecretKeySelector;
  /** @default - found by cert-manager */
  readonly hostedZoneName?: string;
}

/** Options of {@link AcmeSolver.dns01AcmeDns}. */
export interface AcmeDnsDns01Options extends AcmeSolverSelector {
  /** The acme-dns server URL. */
  readonly host: string;
  /** The account JSON (default key `acmedns.json`). */
  readonly accountSecret: SecretKeySelector;
}

/** Options of {@link AcmeSolver.dns01Webhook}. */
export interface WebhookDns01Options extends AcmeSolverSelector {
  /** The webhook's API group, e.g. `acme.example.com`. */
  readonly groupName: string;
  /** The solver name the webhook registers. */
  readonly solverName: string;
  /** Free-form configuration passed to the webhook. @default - none */
  readonly config?: { readonly [key: string]: any };
}

/** ACME challenge types. */
export enum AcmeChallengeType {
  HTTP01 = 'HTTP-01',
  DNS01 = 'DNS-01',
}

/**
 * How an ACME issuer proves control of a name (`spec.acme.solvers[]`).
 *
 * HTTP-01 through a Gateway needs cert-manager's Gateway API support
 * (`config.enableGatewayAPI: true`, cert-manager ≥ 1.15); it cannot issue wildcard names.
 *
 * @example
 * AcmeSolver.http01Gateway(gateway)
 * AcmeSolver.dns01Cloudflare({ apiToken: { name: 'cloudflare-api-token' }, dnsZones: ['example.com'] })
 */
export class AcmeSolver {
  /** HTTP-01, answered by an HTTPRoute cert-manager attaches to the Gateway's port-80 HTTP listener(s). */
  public static http01Gateway(gateway: IGateway, options: Http01GatewayOptions = {}): AcmeSolver {
    if (options.sectionName !== undefined) {
      const p = checkSectionName(options.sectionName);
      if (p) fail(undefined, 'solvers[].http01.gatewayHTTPRoute.parentRefs[].sectionName', options.sectionName, p, "use the name of one of the Gateway's listeners");
    }
    if (options.port !== undefined) {
      const p = checkPort(options.port);
      if (p) fail(undefined, 'solvers[].http01 port', options.port, p, 'use the HTTP listener port (80)');
    }
    for (const [k, v] of Object.entries(options.labels ?? {})) {
      const p = checkLabelKey(k) ?? checkLabelValue(v);
      if (p) fail(undefined, 'solvers[].http01.gatewayHTTPRoute.labels', `${k}=${v}`, p, 'use a valid label key and value');
    }
    return new AcmeSolver(AcmeChallengeType.HTTP01, 'gateway', selectorOf(options), [], gateway, undefined, options);
  }
  /** DNS-01 with Cloudflare (API token). */
  public static dns01Cloudflare(options: CloudflareDns01Options): AcmeSolver {
    const token = withKey(options.apiToken, 'api-token');
    return new AcmeSolver(AcmeChallengeType.DNS01, 'cloudflare', selectorOf(options), [token], undefined, { cloudflare: { apiTokenSecretRef: ref(token) } });
  }
  /** DNS-01 with AWS Route 53. */
  public static dns01Route53(options: Route53Dns01Options = {}): AcmeSolver {
    if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined)) {
      fail(undefined, 'solvers[].dns01.route53', options.accessKeyId ?? options.secretAccessKey?.name, 'has only one of accessKeyId and secretAccessKey', 'give both, or neither to use ambient credentials');
    }
    const secret = options.secretAccessKey ? withKey(options.secretAccessKey, 'secret-access-key') : undefined;
    return new AcmeSolver(AcmeChallengeType.DNS01, 'route53', selectorOf(options), secret ? [secret] : [], undefined, {
      route53: {
        ...(options.region !== undefined ? { region: options.region } : {}),
        ...(options.hostedZoneId !== undefined ? { hostedZoneID: options.hostedZoneId } : {}),
        ...(options.accessKeyId !== undefined ? { accessKeyID: options.accessKeyId } : {}),
        ...(secret ? { secretAccessKeySecretRef: ref(secret) } : {}),
        ...(options.role !== undefined ? { role: options.role } : {}),
      },
    });
  }
  /** DNS-01 with RFC 2136 dynamic updates (BIND, Knot, PowerDNS…). */
  public static dns01Rfc2136(options: Rfc2136Dns01Options): AcmeSolver {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+)(:[0-9]{1,5})?$/.test(options.nameserver)) {
      fail(undefined, 'solvers[].dns01.rfc2136.nameserver', options.nameserver, 'is not host[:port]', 'write e.g. "10.0.0.53:53" or "[fd00::53]:53"');
    }
    if ((options.tsigKeyName === undefined) !== (options.tsigSecret === undefined)) {
      fail(undefined, 'solvers[].dns01.rfc2136', options.tsigKeyName ?? options.tsigSecret?.name, 'has only one of tsigKeyName and tsigSecret', 'give both (TSIG) or neither');
    }
    const algorithms = ['HMACMD5', 'HMACSHA1', 'HMACSHA256', 'HMACSHA512'];
    if (options.tsigAlgorithm !== undefined && !algorithms.includes(options.tsigAlgorithm)) {
      fail(undefined, 'solvers[].dns01.rfc2136.tsigAlgorithm', options.tsigAlgorithm, 'is not a TSIG algorithm cert-manager supports', `use one of ${algorithms.join(', ')}`);
    }
    const secret = options.tsigSecret ? withKey(options.tsigSecret, 'tsig-secret-key') : undefined;
    return new AcmeSolver(AcmeChallengeType.DNS01, 'rfc2136', selectorOf(options), secret ? [secret] : [], undefined, {
      rfc2136: {
        nameserver: options.nameserver,
        ...(options.tsigKeyName !== undefined ? { tsigKeyName: options.tsigKeyName } : {}),
        ...(options.tsigAlgorithm !== undefined ? { tsigAlgorithm: options.tsigAlgorithm } : {}),
        ...(secret ? { tsigSecretSecretRef: ref(secret) } : {}),
      },
    });
  }
  /** DNS-01 with DigitalOcean. */
  public static dns01DigitalOcean(options: DigitalOceanDns01Options): AcmeSolver {
    const token = withKey(options.token, 'access-token');
    return new AcmeSolver(AcmeChallengeType.DNS01, 'digitalocean', selectorOf(options), [token], undefined, { digitalocean: { tokenSecretRef: ref(token) } });
  }
  /** DNS-01 with Google Cloud DNS. */
  public static dns01CloudDns(options: CloudDnsDns01Options): AcmeSolver {
    const sa = options.serviceAccount ? withKey(options.serviceAccount, 'key.json') : undefined;
    return new AcmeSolver(AcmeChallengeType.DNS01, 'cloudDNS', selectorOf(options), sa ? [sa] : [], undefined, {
      cloudDNS: {
        project: options.project,
        ...(sa ? { serviceAccountSecretRef: ref(sa) } : {}),
        ...(options.hostedZoneName !== undefined ? { hostedZoneName: options.hostedZoneName } : {}),
      },
    });
  }
  /** DNS-01 through an acme-dns server (CNAME delegation). */
  public static dns01AcmeDns(options: AcmeDnsDns01Options): AcmeSolver {
    const account = withKey(options.accountSecret, 'acmedns.json');
    return new AcmeSolver(AcmeChallengeType.DNS01, 'acmeDNS', selectorOf(options), [account], undefined, { acmeDNS: { host: options.host, accountSecretRef: ref(account) } });
  }
  /** DNS-01 through a webhook solver (any other DNS provider). */
  public static dns01Webhook(options: WebhookDns01Options): AcmeSolver {
    const p = checkDnsSubdomain(options.groupName);
    if (p) fail(undefined, 'solvers[].dns01.webhook.groupName', options.groupName, p, "use the webhook's API group, e.g. \"acme.example.com\"");
    return new AcmeSolver(AcmeChallengeType.DNS01, 'webhook', selectorOf(options), [], undefined, {
      webhook: { groupName: options.groupName, solverName: options.solverName, ...(options.config ? { config: options.config } : {}) },
    });
  }

  /** Secrets the solver reads (checked against where the issuer can read them). */
  public readonly secrets: SecretKeySelector[];

  private constructor(
    public readonly type: AcmeChallengeType,
    /** provider: `gateway`, `cloudflare`, `route53`, … */
    public readonly provider: string,
    /** which names and Certificates the solver handles */
    public readonly selector: AcmeSolverSelector,
    secrets: SecretKeySelector[],
    /** for HTTP-01: the Gateway that answers the challenge */
    public readonly gateway?: IGateway,
    private readonly dns01?: unknown,
    private readonly http01: Http01GatewayOptions = {},
  ) {
    this.secrets = secrets;
    for (const n of selector.dnsNames ?? []) {
      const problem = checkHostname(n);
      if (problem) fail(undefined, 'solvers[].selector.dnsNames', n, problem, 'use DNS names such as "www.example.com" or "*.example.com"');
    }
    for (const z of selector.dnsZones ?? []) {
      const problem = checkDnsSubdomain(z);
      if (problem) fail(undefined, 'solvers[].selector.dnsZones', z, problem, 'use a zone such as "example.com"');
    }
  }

  /** The listener the HTTP-01 challenge route attaches to, when given. */
  public get sectionName(): string | undefined {
    return this.http01.sectionName;
  }

  /** The port of the listener ACME's requests reach (HTTP-01). */
  public get port(): number {
    return this.http01.port ?? 80;
  }

  /**
   * The listener names the challenge route attaches to: the given `sectionName`, or every
   * HTTP listener on `port` of a Gateway of the app (undefined: no sectionName).
   * @internal
   */
  public _sectionNames(): string[] | undefined {
    if (this.http01.sectionName !== undefined) return [this.http01.sectionName];
    if (!(this.gateway instanceof Gateway)) return undefined;
    const names = this.gateway.listenerList.filter((l) => l.protocol === ListenerProtocol.HTTP && l.port === this.port).map((l) => l.name);
    return names.length ? names : undefined;
  }

  /** The `solvers[]` entry. @internal */
  public _render(): unknown {
    const s = this.selector;
    const selector = s.dnsNames?.length || s.dnsZones?.length || (s.matchLabels && Object.keys(s.matchLabels).length)
      ? {
        selector: {
          ...(s.dnsNames?.length ? { dnsNames: [...s.dnsNames] } : {}),
          ...(s.dnsZones?.length ? { dnsZones: [...s.dnsZones] } : {}),
          ...(s.matchLabels && Object.keys(s.matchLabels).length ? { matchLabels: { ...s.matchLabels } } : {}),
        },
      }
      : {};
    if (this.type === AcmeChallengeType.DNS01) return { ...selector, dns01: this.dns01 };
    const gw = this.gateway!;
    const base = { group: GATEWAY_GROUP, kind: 'Gateway', name: gw.name, namespace: gw.namespace ?? 'default' };
    const sections = this._sectionNames();
    return {
      ...selector,
      http01: {
        gatewayHTTPRoute: {
          ...(this.http01.labels && Object.keys(this.http01.labels).length ? { labels: { ...this.http01.labels } } : {}),
          parentRefs: sections ? sections.map((sectionName) => ({ ...base, sectionName })) : [base],
        },
      },
    };
  }
}

function selectorOf(o: AcmeSolverSelector): AcmeSolverSelector {
  return { dnsNames: o.dnsNames, dnsZones: o.dnsZones, matchLabels: o.matchLabels };
}

function withKey(sel: SecretKeySelector, key: string): SecretKeySelector {
  const p = checkDnsSubdomain(sel.name);
  if (p) fail(undefined, 'secretRef.name', sel.name, p, "use the Secret's metadata.name");
  return { ...sel, key: sel.key ?? key };
}

function ref(sel: SecretKeySelector): unknown {
  return { name: sel.name, key: sel.key };
}
