import { Construct } from 'constructs';
import { Backend } from './backend';
import { checkGatewayDuration, checkSectionName } from '../core/checks';
import { gwLimit } from '../core/limits';
import { fail } from '../core/errors';
import { HttpFilter, HttpFilterType } from './http-filter';
import { HttpMatch, MatchType } from './http-match';
import { ResourceProps } from '../core/resource';
import { renderBackendRef, RouteBase, RouteProps } from './route-base';
import { RouteProxyProps } from './route-proxy';

/** Timeouts of a rule (Gateway API durations such as `10s`, `1m30s`, `500ms`; `0s` disables). */
export interface HttpRouteTimeouts {
  /** Whole request, from the gateway's point of view. @default - implementation default */
  readonly request?: string;
  /** One try to the backend. Not longer than `request`. @default - implementation default */
  readonly backendRequest?: string;
}

/** One rule of an HTTPRoute. */
export interface HttpRouteRuleProps {
  /** Rule name (unique within the route), usable as a policy `sectionName`. @default - none */
  readonly name?: string;
  /** The rule applies when any match holds. @default - every request (PathPrefix "/") */
  readonly matches?: HttpMatch[];
  /** @default - none */
  readonly filters?: HttpFilter[];
  /** Where traffic goes, split by weight. A rule without backends (and without a redirect) answers 500. @default - none */
  readonly backends?: Backend[];
  /** @default - none */
  readonly timeouts?: HttpRouteTimeouts;
}

/** Props of {@link HttpRoute}. */
export interface HttpRouteProps extends RouteProps {
  /** Hostnames (`Host` header) the route serves, `*.example.com` allowed. @default - every hostname the listener accepts */
  readonly hostnames?: string[];
  /** @default - none; add with `addRule` */
  readonly rules?: HttpRouteRuleProps[];
  /** Options Gateway API has no field for (body size, source ranges), honoured by the built-in proxy. @default - none */
  readonly proxy?: RouteProxyProps;
}

/** Props of `gateway.addHttpRoute()`: the gateway is the parent. */
export interface GatewayHttpRouteProps extends ResourceProps {
  /** Attach to this listener of the gateway only. @default - every listener that admits the route */
  readonly sectionName?: string;
  /** Attach to listeners on this port only. @default - any port */
  readonly port?: number;
  /** @default - every hostname the listener accepts */
  readonly hostnames?: string[];
  /** @default - none */
  readonly rules?: HttpRouteRuleProps[];
  /** Options Gateway API has no field for (body size, source ranges), honoured by the built-in proxy. @default - none */
  readonly proxy?: RouteProxyProps;
}

const SINGLE_FILTERS = [
  HttpFilterType.REQUEST_HEADER_MODIFIER,
  HttpFilterType.RESPONSE_HEADER_MODIFIER,
  HttpFilterType.REQUEST_REDIRECT,
  HttpFilterType.URL_REWRITE,
  HttpFilterType.CORS,
];

/** A rule of an {@link HttpRoute}, as returned by `addRule`. */
export class HttpRouteRule {
  public readonly name?: string;
  public readonly matches: HttpMatch[];
  public readonly filters: HttpFilter[];
  public readonly backends: Backend[];
  public readonly timeouts?: HttpRouteTimeouts;

  /** @internal */
  constructor(private readonly route: HttpRoute, private readonly index: number, props: HttpRouteRuleProps) {
    this.name = props.name;
    this.matches = [...(props.matches ?? [])];
    this.filters = [...(props.filters ?? [])];
    this.backends = [...(props.backends ?? [])];
    this.timeouts = props.timeouts;
    this.check();
  }

  /** Adds a backend (weights are relative to the rule's other backends). */
  public addBackend(backend: Backend): HttpRouteRule {
    return this.route._mutate(() => {
      this.backends.push(backend);
      this.check();
      this.route._onBackend(backend);
      return this;
    });
  }

  /** Adds a match (the rule applies when any match holds). */
  public addMatch(match: HttpMatch): HttpRouteRule {
    return this.route._mutate(() => {
      this.matches.push(match);
      this.check();
      return this;
    });
  }

  private check(): void {
    const f = `spec.rules[${this.index}]`;
    const route = this.route;
    if (this.name !== undefined) {
      const p = checkSectionName(this.name);
      if (p) fail(route, `${f}.name`, this.name, p, 'use a lowercase name such as "api"');
    }
    const maxMatches = gwLimit('HTTPRoute', 'spec.rules[].matches');
    const maxFilters = gwLimit('HTTPRoute', 'spec.rules[].filters');
    const maxBackends = gwLimit('HTTPRoute', 'spec.rules[].backendRefs');
    if (this.matches.length > maxMatches) fail(route, `${f}.matches`, this.matches.length, `has more than ${maxMatches} matches`, 'split the rule');
    if (this.filters.length > maxFilters) fail(route, `${f}.filters`, this.filters.length, `has more than ${maxFilters} filters`, `use at most ${maxFilters}`);
    if (this.backends.length > maxBackends) fail(route, `${f}.backendRefs`, this.backends.length, `has more than ${maxBackends} backends`, `use at most ${maxBackends}`);
    if (this.filters.length > 1) checkFilterSet(route, `${f}.filters`, this.filters);
    const redirect = this.filters.find((x) => x.type === HttpFilterType.REQUEST_REDIRECT);
    if (redirect && this.backends.length > 0) {
      fail(route, `${f}.backendRefs`, this.backends.map((b) => b.name), 'is set on a rule whose RequestRedirect filter answers every request itself', 'remove the backends from this rule (or the redirect): a redirect rule has no backends');
    }
    // (rule and backend filters looked through in place, without a combined array per rule)
    const replacesPrefix = (x: HttpFilter) => x.pathModifierType === 'ReplacePrefixMatch';
    if (this.filters.some(replacesPrefix) || this.backends.some((b) => b.filters.some(replacesPrefix))) {
      const m = this.matches;
      if (m.length !== 1 || m[0].path?.type !== MatchType.PATH_PREFIX) {
        fail(route, `${f}.matches`, m.map((x) => x._render()), 'must be exactly one PathPrefix match when a redirect or rewrite uses replacePrefixMatch', 'match one PathMatch.prefix(...) in this rule, or use PathModifier.replaceFullPath');
      }
    }
    this.backends.forEach((b, i) => {
      if (b.filters.length > 1) checkFilterSet(route, `${f}.backendRefs[${i}].filters`, b.filters);
      if (b.filters.some((x) => x.type === HttpFilterType.REQUEST_REDIRECT)) {
        fail(route, `${f}.backendRefs[${i}].filters`, 'RequestRedirect', 'is a backend-level redirect, which never reaches the backend', 'put the redirect on the rule, without backends');
      }
    });
    const t = this.timeouts;
    if (t) {
      for (const k of ['request', 'backendRequest'] as const) {
        const v = t[k];
        if (v !== undefined) {
          const p = checkGatewayDuration(v);
          if (p) fail(route, `${f}.timeouts.${k}`, v, p, 'write e.g. "10s"');
        }
      }
      if (t.request !== undefined && t.backendRequest !== undefined && durationMs(t.request) !== 0 && durationMs(t.backendRequest) > durationMs(t.request)) {
        fail(route, `${f}.timeouts.backendRequest`, t.backendRequest, `is longer than the request timeout ${t.request}`, 'make backendRequest ≤ request');
      }
    }
  }

  /** @internal */
  public _render(routeNamespace: string | undefined): unknown {
    const backendRef = (b: Backend) => renderBackendRef(b, routeNamespace);
    const out: Record<string, unknown> = {};
    if (this.name !== undefined) out.name = this.name;
    if (this.matches.length) out.matches = this.matches.map((m) => m._render());
    if (this.filters.length) out.filters = this.filters.map((x) => x._render(backendRef));
    if (this.backends.length) {
      out.backendRefs = this.backends.map((b) => {
        const ref = renderBackendRef(b, routeNamespace);
        if (b.weight !== undefined) ref.weight = b.weight;
        if (b.filters.length) ref.filters = b.filters.map((x) => x._render(backendRef));
        return ref;
      });
    }
    if (this.timeouts) out.timeouts = { ...this.timeouts };
    return out;
  }
}

function checkFilterSet(scope: Construct, field: string, filters: HttpFilter[]): void {
  if (filters.length < 2) return; // (both checks need two filters: no arrays built per rule and backend)
  for (const t of SINGLE_FILTERS) {
    if (filters.filter((x) => x.type === t).length > 1) fail(scope, field, t, 'appears more than once', `merge the ${t} filters into one`);
  }
  if (filters.some((x) => x.type === HttpFilterType.REQUEST_REDIRECT) && filters.some((x) => x.type === HttpFilterType.URL_REWRITE)) {
    fail(scope, field, ['RequestRedirect', 'URLRewrite'], 'are both set; a request is either redirected or rewritten and proxied', 'keep one of them');
  }
}

function durationMs(v: string): number {
  let total = 0;
  for (const m of v.matchAll(/([0-9]+)(ms|h|m|s)/g)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600000 : m[2] === 'm' ? n * 60000 : m[2] === 's' ? n * 1000 : n;
  }
  return total;
}

/**
 * An HTTPRoute: hostnames and rules (matches → filters → weighted backends) attached to
 * Gateway listeners. Cross-namespace backends get their ReferenceGrant derived.
 *
 * @example
 * const route = gateway.addHttpRoute('docs', { namespace: 'apps', hostnames: ['api.example.com'] });
 * route.addRule({ matches: [PathMatch.exact('/')], filters: [HttpFilter.redirect({ path: PathModifier.replaceFullPath('/__apispec/') })] });
 * route.addRule({ matches: [PathMatch.prefix('/')], backends: [Backend.fromName('docserver', { namespace: 'docs', port: 80 })] });
 */
export class HttpRoute extends RouteBase {
  private readonly rules: HttpRouteRule[] = [];

  constructor(scope: Construct, id: string, props: HttpRouteProps = {}) {
    super(scope, id, 'HTTPRoute', props, gwLimit('HTTPRoute', 'spec.hostnames'));
    (props.hostnames ?? []).forEach((h) => this.addHostname(h));
    (props.rules ?? []).forEach((r) => this.addRule(r));
    if (props.proxy) this._setProxyAnnotations(props.proxy);
  }

  /** Adds a rule and returns it. */
  public addRule(props: HttpRouteRuleProps): HttpRouteRule {
    return this._mutate(() => {
      const maxRules = gwLimit('HTTPRoute', 'spec.rules');
      if (this.rules.length >= maxRules) fail(this, 'spec.rules', this.rules.length + 1, `exceeds ${maxRules} rules per HTTPRoute`, 'split the route into several HTTPRoutes');
      if (props.name !== undefined && this.rules.some((r) => r.name === props.name)) {
        fail(this, `spec.rules[${this.rules.length}].name`, props.name, 'is already the name of another rule of this route', 'give every rule a distinct name');
      }
      const total = this.rules.reduce((n, r) => n + Math.max(1, r.matches.length), 0) + Math.max(1, props.matches?.length ?? 0);
      if (total > 128) fail(this, 'spec.rules[].matches', total, 'exceeds 128 matches across the rules of one HTTPRoute', 'split the route');
      const rule = new HttpRouteRule(this, this.rules.length, props);
      this.rules.push(rule);
      for (const b of rule.backends) this._onBackend(b);
      for (const f of rule.filters) if (f.mirrorBackend) this._onBackend(f.mirrorBackend);
      return rule;
    });
  }

  protected renderSpec(): unknown {
    const out = this.renderCommon();
    if (this.rules.length) out.rules = this.rules.map((r) => r._render(this.namespace));
    return out;
  }
}
