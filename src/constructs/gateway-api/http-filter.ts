import { checkAbsolutePath, checkDnsSubdomain, checkHeaderName, checkHeaderValue, checkPort } from '../core/checks';
import { gwLimit } from '../core/limits';
import { fail } from '../core/errors';
import type { Backend } from './backend';

/** Header changes (`requestHeaderModifier` / `responseHeaderModifier`). */
export interface HeaderModifierProps {
  /** Overwrite (or add) these headers. @default - none */
  readonly set?: { readonly [name: string]: string };
  /** Append these values (adding the header when absent). @default - none */
  readonly add?: { readonly [name: string]: string };
  /** Remove these headers. @default - none */
  readonly remove?: string[];
}

/** How a redirect or rewrite changes the path. */
export class PathModifier {
  /** Replace the whole path with `path`. */
  public static replaceFullPath(path: string): PathModifier {
    return new PathModifier('ReplaceFullPath', path);
  }
  /** Replace the matched PathPrefix with `prefix`, keeping the rest (`/mario/x` → `/x` with prefix `/`). */
  public static replacePrefixMatch(prefix: string): PathModifier {
    return new PathModifier('ReplacePrefixMatch', prefix);
  }
  private constructor(public readonly type: string, public readonly value: string) {
    const p = checkAbsolutePath(value);
    if (p) fail(undefined, 'filters[].path', value, p, 'give an absolute path such as "/" or "/v2"');
  }
  /** @internal */
  public _render(): unknown {
    return this.type === 'ReplaceFullPath' ? { type: this.type, replaceFullPath: this.value } : { type: this.type, replacePrefixMatch: this.value };
  }
}

/** Props of {@link HttpFilter.redirect}. */
export interface RedirectProps {
  /** @default - the request's scheme */
  readonly scheme?: string;
  /** @default - the request's host */
  readonly hostname?: string;
  /** @default - the default port of the scheme (or the listener's port when no scheme is set) */
  readonly port?: number;
  /** @default - the request's path */
  readonly path?: PathModifier;
  /** 301, 302, 303, 307 or 308. @default 302 */
  readonly statusCode?: number;
}

/** Props of {@link HttpFilter.urlRewrite}. */
export interface UrlRewriteProps {
  /** Host header sent to the backend. @default - unchanged */
  readonly hostname?: string;
  /** @default - unchanged */
  readonly path?: PathModifier;
}

/** A fraction `numerator/denominator` of requests. */
export interface Fraction {
  readonly numerator: number;
  /** @default 100 */
  readonly denominator?: number;
}

/** Options of {@link HttpFilter.mirror}. */
export interface MirrorOptions {
  /** Mirror this percentage of requests (0–100). @default - all requests */
  readonly percent?: number;
  /** Mirror this fraction of requests (instead of `percent`). @default - all requests */
  readonly fraction?: Fraction;
}

/** Props of {@link HttpFilter.cors}. */
export interface CorsProps {
  /** Origins such as `https://app.example.com`, `https://*.example.com` or `*`. @default - none */
  readonly allowOrigins?: string[];
  /** @default - none */
  readonly allowMethods?: string[];
  /** @default - none */
  readonly allowHeaders?: string[];
  /** @default - none */
  readonly exposeHeaders?: string[];
  /** @default - not set */
  readonly allowCredentials?: boolean;
  /** Seconds a preflight may be cached. @default 5 */
  readonly maxAge?: number;
}

/** Props of {@link HttpFilter.extensionRef}. */
export interface ExtensionRefProps {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

/** The filter types of the standard channel. */
export enum HttpFilterType {
  REQUEST_HEADER_MODIFIER = 'RequestHeaderModifier',
  RESPONSE_HEADER_MODIFIER = 'ResponseHeaderModifier',
  REQUEST_REDIRECT = 'RequestRedirect',
  URL_REWRITE = 'URLRewrite',
  REQUEST_MIRROR = 'RequestMirror',
  CORS = 'CORS',
  EXTENSION_REF = 'ExtensionRef',
}

const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', '*'];
const ORIGIN = /(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)/;

function headerModifier(field: string, props: HeaderModifierProps): unknown {
  const entries = (o: { readonly [k: string]: string } | undefined, what: string) =>
    Object.entries(o ?? {}).map(([name, value]) => {
      const pn = checkHeaderName(name);
      if (pn) fail(undefined, `${field}.${what}`, name, pn, 'use a header name of token characters');
      const pv = checkHeaderValue(value);
      if (pv) fail(undefined, `${field}.${what}[${name}]`, value, pv, 'remove control characters from the value');
      return { name, value };
    });
  const set = entries(props.set, 'set');
  const add = entries(props.add, 'add');
  const remove = [...(props.remove ?? [])];
  for (const r of remove) {
    const p = checkHeaderName(r);
    if (p) fail(undefined, `${field}.remove`, r, p, 'use a header name of token characters');
  }
  const lower = (l: string[]) => l.map((x) => x.toLowerCase());
  for (const [what, names] of [['set', lower(set.map((e) => e.name))], ['add', lower(add.map((e) => e.name))], ['remove', lower(remove)]] as const) {
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) fail(undefined, `${field}.${what}`, dup, 'appears twice (header names are case-insensitive)', 'list each header once');
  }
  const setNames = new Set(lower(set.map((e) => e.name)));
  for (const n of lower(add.map((e) => e.name))) {
    if (setNames.has(n)) fail(undefined, `${field}.add`, n, 'is also in `set`', 'either set the header or add a value, not both');
  }
  if (set.length + add.length + remove.length === 0) fail(undefined, field, props, 'changes nothing', 'give at least one of set, add, remove');
  const max = gwLimit('HTTPRoute', 'spec.rules[].filters[].requestHeaderModifier.set');
  if (set.length > max || add.length > max || remove.length > max) fail(undefined, field, props, `has more than ${max} entries in set, add or remove`, `use at most ${max} of each`);
  return {
    ...(set.length ? { set } : {}),
    ...(add.length ? { add } : {}),
    ...(remove.length ? { remove } : {}),
  };
}

/**
 * A filter of an HTTPRoute rule or backend (`filters[]`).
 *
 * @example
 * HttpFilter.redirect({ scheme: 'https', statusCode: 301 })
 * HttpFilter.urlRewrite({ path: PathModifier.replacePrefixMatch('/') })
 * HttpFilter.responseHeaders({ set: { 'Strict-Transport-Security': 'max-age=63072000' } })
 */
export class HttpFilter {
  /** Change request headers before proxying. */
  public static requestHeaders(props: HeaderModifierProps): HttpFilter {
    return new HttpFilter(HttpFilterType.REQUEST_HEADER_MODIFIER, { requestHeaderModifier: headerModifier('requestHeaderModifier', props) });
  }
  /** Change response headers before answering. */
  public static responseHeaders(props: HeaderModifierProps): HttpFilter {
    return new HttpFilter(HttpFilterType.RESPONSE_HEADER_MODIFIER, { responseHeaderModifier: headerModifier('responseHeaderModifier', props) });
  }
  /** Answer with a redirect instead of proxying (a rule with a redirect has no backends). */
  public static redirect(props: RedirectProps): HttpFilter {
    if (props.scheme !== undefined && props.scheme !== 'http' && props.scheme !== 'https') {
      fail(undefined, 'requestRedirect.scheme', props.scheme, 'is not a supported scheme', 'use "http" or "https"');
    }
    if (props.hostname !== undefined) {
      const p = checkDnsSubdomain(props.hostname);
      if (p) fail(undefined, 'requestRedirect.hostname', props.hostname, p, 'use a DNS name without wildcard, scheme or port');
    }
    if (props.port !== undefined) {
      const p = checkPort(props.port);
      if (p) fail(undefined, 'requestRedirect.port', props.port, p, 'use a port from 1 to 65535');
    }
    if (props.statusCode !== undefined && ![301, 302, 303, 307, 308].includes(props.statusCode)) {
      fail(undefined, 'requestRedirect.statusCode', props.statusCode, 'is not a redirect status', 'use 301, 302, 303, 307 or 308');
    }
    return new HttpFilter(HttpFilterType.REQUEST_REDIRECT, {
      requestRedirect: {
        ...(props.scheme !== undefined ? { scheme: props.scheme } : {}),
        ...(props.hostname !== undefined ? { hostname: props.hostname } : {}),
        ...(props.port !== undefined ? { port: props.port } : {}),
        ...(props.path ? { path: props.path._render() } : {}),
        statusCode: props.statusCode ?? 302,
      },
    }, props.path?.type);
  }
  /** Rewrite host and/or path before proxying. */
  public static urlRewrite(props: UrlRewriteProps): HttpFilter {
    if (props.hostname !== undefined) {
      const p = checkDnsSubdomain(props.hostname);
      if (p) fail(undefined, 'urlRewrite.hostname', props.hostname, p, 'use a DNS name without wildcard, scheme or port');
    }
    if (props.hostname === undefined && props.path === undefined) fail(undefined, 'urlRewrite', props, 'changes nothing', 'give hostname and/or path');
    return new HttpFilter(HttpFilterType.URL_REWRITE, {
      urlRewrite: {
        ...(props.hostname !== undefined ? { hostname: props.hostname } : {}),
        ...(props.path ? { path: props.path._render() } : {}),
      },
    }, props.path?.type);
  }
  /** Send a copy of requests to `backend` (responses of the copy are ignored). */
  public static mirror(backend: Backend, options: MirrorOptions = {}): HttpFilter {
    if (options.percent !== undefined && options.fraction !== undefined) {
      fail(undefined, 'requestMirror', options, 'sets both percent and fraction', 'use one of them');
    }
    if (options.percent !== undefined && !(Number.isInteger(options.percent) && options.percent >= 0 && options.percent <= 100)) {
      fail(undefined, 'requestMirror.percent', options.percent, 'is not an integer from 0 to 100', 'give a whole percentage');
    }
    const f = options.fraction;
    if (f) {
      const den = f.denominator ?? 100;
      if (!Number.isInteger(f.numerator) || !Number.isInteger(den) || f.numerator < 0 || den < 1 || f.numerator > den) {
        fail(undefined, 'requestMirror.fraction', f, 'is not a fraction numerator/denominator with 0 ≤ numerator ≤ denominator, denominator ≥ 1', 'e.g. { numerator: 1, denominator: 3 }');
      }
    }
    if (backend.weight !== undefined || backend.filters.length) {
      fail(undefined, 'requestMirror.backendRef', backend.name, 'has a weight or filters, which a mirror target cannot have', 'pass a plain backend');
    }
    const filter = new HttpFilter(HttpFilterType.REQUEST_MIRROR, {
      requestMirror: {
        ...(options.percent !== undefined ? { percent: options.percent } : {}),
        ...(f ? { fraction: { numerator: f.numerator, denominator: f.denominator ?? 100 } } : {}),
      },
    });
    filter.mirrorBackend = backend;
    return filter;
  }
  /** Answer CORS preflights and add CORS headers. */
  public static cors(props: CorsProps): HttpFilter {
    const list = (field: string, l: string[] | undefined, check: (v: string) => string | undefined, fix: string) => {
      if (!l) return undefined;
      for (const v of l) {
        const p = check(v);
        if (p) fail(undefined, `cors.${field}`, v, p, fix);
      }
      if (l.includes('*') && l.length > 1) fail(undefined, `cors.${field}`, l, 'contains "*" alongside other values', 'use either "*" alone or an explicit list');
      if (new Set(l).size !== l.length) fail(undefined, `cors.${field}`, l, 'has duplicates', 'list each value once');
      const max = gwLimit('HTTPRoute', `spec.rules[].filters[].cors.${field}`);
      if (l.length > max) fail(undefined, `cors.${field}`, l.length, `has more than ${max} entries`, `use at most ${max}`);
      return [...l];
    };
    const headerCheck = (v: string) => (v === '*' ? undefined : checkHeaderName(v));
    const allowOrigins = list('allowOrigins', props.allowOrigins, (v) => (ORIGIN.test(v) ? undefined : 'is not an origin (scheme://host[:port], "*." wildcard allowed)'), 'use e.g. "https://app.example.com"');
    const allowMethods = list('allowMethods', props.allowMethods, (v) => (CORS_METHODS.includes(v) ? undefined : 'is not an HTTP method'), `use ${CORS_METHODS.join(', ')}`);
    const allowHeaders = list('allowHeaders', props.allowHeaders, headerCheck, 'use header names');
    const exposeHeaders = list('exposeHeaders', props.exposeHeaders, headerCheck, 'use header names');
    if (props.maxAge !== undefined && !(Number.isInteger(props.maxAge) && props.maxAge >= 1)) {
      fail(undefined, 'cors.maxAge', props.maxAge, 'is not a positive integer number of seconds', 'e.g. 600');
    }
    return new HttpFilter(HttpFilterType.CORS, {
      cors: {
        ...(allowOrigins ? { allowOrigins } : {}),
        ...(allowMethods ? { allowMethods } : {}),
        ...(allowHeaders ? { allowHeaders } : {}),
        ...(exposeHeaders ? { exposeHeaders } : {}),
        ...(props.allowCredentials !== undefined ? { allowCredentials: props.allowCredentials } : {}),
        ...(props.maxAge !== undefined ? { maxAge: props.maxAge } : {}),
      },
    });
  }
  /** An implementation-specific filter resource. */
  public static extensionRef(props: ExtensionRefProps): HttpFilter {
    return new HttpFilter(HttpFilterType.EXTENSION_REF, { extensionRef: { group: props.group, kind: props.kind, name: props.name } });
  }

  /** For mirrors: the target backend. @internal */
  public mirrorBackend?: Backend;

  private constructor(
    public readonly type: HttpFilterType,
    private readonly body: { readonly [key: string]: unknown },
    /** for redirects and rewrites: the path modifier type */
    public readonly pathModifierType?: string,
  ) {}

  /** The `filters[]` entry; `backendRef` is rendered by the route (it knows the namespaces). @internal */
  public _render(renderBackendRef: (b: Backend) => unknown): unknown {
    if (this.type === HttpFilterType.REQUEST_MIRROR && this.mirrorBackend) {
      return { type: this.type, requestMirror: { backendRef: renderBackendRef(this.mirrorBackend), ...(this.body.requestMirror as object) } };
    }
    return { type: this.type, ...this.body };
  }
}
