import { Construct } from 'constructs';
import { Backend } from './backend';
import { checkSectionName } from '../core/checks';
import { gwLimit } from '../core/limits';
import { fail } from '../core/errors';
import { HttpFilter, HttpFilterType } from './http-filter';
import { HeaderMatch, MatchType } from './http-match';
import { ResourceProps } from '../core/resource';
import { renderBackendRef, RouteBase, RouteProps } from './route-base';
import { RouteProxyProps } from './route-proxy';

const GRPC_SERVICE = /^\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$/i;
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;
const GRPC_FILTERS = [HttpFilterType.REQUEST_HEADER_MODIFIER, HttpFilterType.RESPONSE_HEADER_MODIFIER, HttpFilterType.REQUEST_MIRROR, HttpFilterType.EXTENSION_REF];

/**
 * One `matches[]` entry of a GRPCRoute rule: the gRPC service and/or method, plus headers.
 *
 * @example
 * GrpcMatch.method('my.grpc.Service', 'GetStatus')
 * GrpcMatch.service('my.grpc.Service').withHeaders(HeaderMatch.exact('x-env', 'canary'))
 * GrpcMatch.regex('my\\.grpc\\..*', 'Get.*')
 */
export class GrpcMatch {
  /** Every method of `service` (fully qualified, e.g. `my.grpc.Service`). */
  public static service(service: string): GrpcMatch {
    return new GrpcMatch(MatchType.EXACT, service, undefined, []);
  }
  /** One method; `service` may be omitted to match the method name on every service. */
  public static method(service: string | undefined, method: string): GrpcMatch {
    return new GrpcMatch(MatchType.EXACT, service, method, []);
  }
  /** Service and/or method as regular expressions. */
  public static regex(service?: string, method?: string): GrpcMatch {
    return new GrpcMatch(MatchType.REGULAR_EXPRESSION, service, method, []);
  }
  /** Headers only (any service and method). */
  public static headers(...headers: HeaderMatch[]): GrpcMatch {
    return new GrpcMatch(undefined, undefined, undefined, headers);
  }

  private constructor(
    public readonly type: MatchType | undefined,
    public readonly service: string | undefined,
    public readonly method: string | undefined,
    public readonly headers: HeaderMatch[],
  ) {
    if (type !== undefined && service === undefined && method === undefined) {
      fail(undefined, 'matches[].method', {}, 'names neither a service nor a method', 'give a service, a method or both');
    }
    if (type === MatchType.EXACT) {
      if (service !== undefined && !GRPC_SERVICE.test(service)) fail(undefined, 'matches[].method.service', service, 'is not a fully qualified gRPC service name', 'write e.g. "my.grpc.Service"');
      if (method !== undefined && !GRPC_METHOD.test(method)) fail(undefined, 'matches[].method.method', method, 'is not a gRPC method name', 'write e.g. "GetStatus"');
    }
    if (type === MatchType.REGULAR_EXPRESSION) {
      for (const [f, v] of [['service', service], ['method', method]] as const) {
        if (v === undefined) continue;
        try {
          new RegExp(v);
        } catch (e) {
          fail(undefined, `matches[].method.${f}`, v, `is not a valid regular expression (${(e as Error).message})`, 'give a valid regular expression');
        }
      }
    }
    const maxName = gwLimit('GRPCRoute', 'spec.rules[].matches[].method.service');
    for (const v of [service, method]) if (v !== undefined && v.length > maxName) fail(undefined, 'matches[].method', v, `is longer than ${maxName} characters`, 'shorten it');
    const maxHeaders = gwLimit('GRPCRoute', 'spec.rules[].matches[].headers');
    if (headers.length > maxHeaders) fail(undefined, 'matches[].headers', headers.length, `has more than ${maxHeaders} entries`, `use at most ${maxHeaders}`);
    const names = headers.map((h) => h.name.toLowerCase());
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) fail(undefined, 'matches[].headers', dup, 'appears twice (header names are case-insensitive)', 'keep one condition per header');
  }

  /** This match plus header conditions. */
  public withHeaders(...headers: HeaderMatch[]): GrpcMatch {
    return new GrpcMatch(this.type, this.service, this.method, [...this.headers, ...headers]);
  }

  /** @internal */
  public _render(): unknown {
    return {
      ...(this.type !== undefined
        ? { method: { type: this.type, ...(this.service !== undefined ? { service: this.service } : {}), ...(this.method !== undefined ? { method: this.method } : {}) } }
        : {}),
      ...(this.headers.length ? { headers: this.headers.map((h) => h._render()) } : {}),
    };
  }
}

/** One rule of a GRPCRoute. */
export interface GrpcRouteRuleProps {
  /** @default - none */
  readonly name?: string;
  /** @default - every request */
  readonly matches?: GrpcMatch[];
  /** RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, ExtensionRef. @default - none */
  readonly filters?: HttpFilter[];
  /** @default - none */
  readonly backends?: Backend[];
}

/** Props of {@link GrpcRoute}. */
export interface GrpcRouteProps extends RouteProps {
  /** @default - every hostname the listener accepts */
  readonly hostnames?: string[];
  /** @default - none; add with `addRule` */
  readonly rules?: GrpcRouteRuleProps[];
  /** Options Gateway API has no field for (body size, source ranges), honoured by the built-in proxy. @default - none */
  readonly proxy?: RouteProxyProps;
}

/** Props of `gateway.addGrpcRoute()`. */
export interface GatewayGrpcRouteProps extends ResourceProps {
  /** @default - every listener that admits the route */
  readonly sectionName?: string;
  /** @default - any port */
  readonly port?: number;
  /** @default - every hostname the listener accepts */
  readonly hostnames?: string[];
  /** @default - none */
  readonly rules?: GrpcRouteRuleProps[];
  /** Options Gateway API has no field for (body size, source ranges), honoured by the built-in proxy. @default - none */
  readonly proxy?: RouteProxyProps;
}

/**
 * A GRPCRoute: gRPC services/methods (HTTP/2) routed to backends, on HTTP or HTTPS listeners.
 *
 * @example
 * gateway.addGrpcRoute('status', { namespace: 'grpc', rules: [{
 *   matches: [GrpcMatch.method('my.grpc.Service', 'GetStatus')],
 *   backends: [Backend.fromName('grpc-service', { port: 50051 })],
 * }] });
 */
export class GrpcRoute extends RouteBase {
  private readonly rules: GrpcRouteRuleProps[] = [];

  constructor(scope: Construct, id: string, props: GrpcRouteProps = {}) {
    super(scope, id, 'GRPCRoute', props, gwLimit('GRPCRoute', 'spec.hostnames'));
    (props.hostnames ?? []).forEach((h) => this.addHostname(h));
    (props.rules ?? []).forEach((r) => this.addRule(r));
    if (props.proxy) this._setProxyAnnotations(props.proxy);
  }

  /** Adds a rule and returns its index. */
  public addRule(rule: GrpcRouteRuleProps): number {
    return this._mutate(() => {
      const i = this.rules.length;
      const f = `spec.rules[${i}]`;
      if (i >= 16) fail(this, 'spec.rules', i + 1, 'exceeds 16 rules per GRPCRoute', 'split the route');
      if (rule.name !== undefined) {
        const p = checkSectionName(rule.name);
        if (p) fail(this, `${f}.name`, rule.name, p, 'use a lowercase name');
        if (this.rules.some((r) => r.name === rule.name)) fail(this, `${f}.name`, rule.name, 'is already the name of another rule', 'give every rule a distinct name');
      }
      if ((rule.matches?.length ?? 0) > 64) fail(this, `${f}.matches`, rule.matches!.length, 'has more than 64 matches', 'split the rule');
      const total = this.rules.reduce((n, r) => n + Math.max(1, r.matches?.length ?? 0), 0) + Math.max(1, rule.matches?.length ?? 0);
      if (total > 128) fail(this, 'spec.rules[].matches', total, 'exceeds 128 matches across the rules of one GRPCRoute', 'split the route');
      const filters = rule.filters ?? [];
      for (const [where, list] of [[`${f}.filters`, filters], ...(rule.backends ?? []).map((b, bi) => [`${f}.backendRefs[${bi}].filters`, b.filters] as const)] as const) {
        for (const x of list) {
          if (!GRPC_FILTERS.includes(x.type)) fail(this, where, x.type, 'is not a filter GRPCRoute supports', `use ${GRPC_FILTERS.join(', ')}`);
        }
        for (const t of [HttpFilterType.REQUEST_HEADER_MODIFIER, HttpFilterType.RESPONSE_HEADER_MODIFIER]) {
          if (list.filter((x) => x.type === t).length > 1) fail(this, where, t, 'appears more than once', `merge the ${t} filters into one`);
        }
      }
      const maxBackends = gwLimit('GRPCRoute', 'spec.rules[].backendRefs');
      if ((rule.backends?.length ?? 0) > maxBackends) fail(this, `${f}.backendRefs`, rule.backends!.length, `has more than ${maxBackends} backends`, `use at most ${maxBackends}`);
      this.rules.push(rule);
      for (const b of rule.backends ?? []) this._onBackend(b);
      for (const x of filters) if (x.mirrorBackend) this._onBackend(x.mirrorBackend);
      return i;
    });
  }

  protected renderSpec(): unknown {
    const ns = this.namespace;
    const ref = (b: Backend) => renderBackendRef(b, ns);
    return {
      ...this.renderCommon(),
      ...(this.rules.length
        ? {
          rules: this.rules.map((r) => ({
            ...(r.name !== undefined ? { name: r.name } : {}),
            ...(r.matches?.length ? { matches: r.matches.map((m) => m._render()) } : {}),
            ...(r.filters?.length ? { filters: r.filters.map((x) => x._render(ref)) } : {}),
            ...(r.backends?.length
              ? {
                backendRefs: r.backends.map((b) => ({
                  ...ref(b),
                  ...(b.weight !== undefined ? { weight: b.weight } : {}),
                  ...(b.filters.length ? { filters: b.filters.map((x) => x._render(ref)) } : {}),
                })),
              }
              : {}),
          })),
        }
        : {}),
    };
  }
}
