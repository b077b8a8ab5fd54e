import { checkAbsolutePath, checkHeaderName, checkHeaderValue, checkRegex } from '../core/checks';
import { gwLimit } from '../core/limits';
import { fail } from '../core/errors';

/** HTTP methods an HTTPRoute can match. */
export enum HttpMethod {
  GET = 'GET',
  HEAD = 'HEAD',
  POST = 'POST',
  PUT = 'PUT',
  DELETE = 'DELETE',
  CONNECT = 'CONNECT',
  OPTIONS = 'OPTIONS',
  TRACE = 'TRACE',
  PATCH = 'PATCH',
}

/** How a value is compared. */
export enum MatchType {
  EXACT = 'Exact',
  PATH_PREFIX = 'PathPrefix',
  REGULAR_EXPRESSION = 'RegularExpression',
}

/** A request header condition (`matches[].headers[]`); names are case-insensitive. */
export class HeaderMatch {
  /** Header `name` equals `value`. */
  public static exact(name: string, value: string): HeaderMatch {
    return new HeaderMatch(MatchType.EXACT, name, value);
  }
  /** Header `name` matches the regular expression `pattern`. */
  public static regex(name: string, pattern: string): HeaderMatch {
    return new HeaderMatch(MatchType.REGULAR_EXPRESSION, name, pattern);
  }
  private constructor(public readonly type: MatchType, public readonly name: string, public readonly value: string) {
    const pn = checkHeaderName(name);
    if (pn) fail(undefined, 'matches[].headers[].name', name, pn, 'use a header name such as "x-env"');
    if (value.length === 0) fail(undefined, `matches[].headers[${name}].value`, value, 'is empty', 'give a non-empty value');
    const pv = type === MatchType.EXACT ? checkHeaderValue(value) : checkRegex(value);
    if (pv) fail(undefined, `matches[].headers[${name}].value`, value, pv, 'give a printable value (or a valid regular expression for HeaderMatch.regex)');
  }
  /** @internal */
  public _render(): unknown {
    return { name: this.name, type: this.type, value: this.value };
  }
}

/** A query parameter condition (`matches[].queryParams[]`); names are case-sensitive. */
export class QueryParamMatch {
  /** Parameter `name` equals `value`. */
  public static exact(name: string, value: string): QueryParamMatch {
    return new QueryParamMatch(MatchType.EXACT, name, value);
  }
  /** Parameter `name` matches the regular expression `pattern`. */
  public static regex(name: string, pattern: string): QueryParamMatch {
    return new QueryParamMatch(MatchType.REGULAR_EXPRESSION, name, pattern);
  }
  private constructor(public readonly type: MatchType, public readonly name: string, public readonly value: string) {
    const pn = checkHeaderName(name);
    if (pn) fail(undefined, 'matches[].queryParams[].name', name, pn, 'use a parameter name of token characters such as "version"');
    if (value.length === 0) fail(undefined, `matches[].queryParams[${name}].value`, value, 'is empty', 'give a non-empty value');
    const maxValue = gwLimit('HTTPRoute', 'spec.rules[].matches[].queryParams[].value');
    if (value.length > maxValue) fail(undefined, `matches[].queryParams[${name}].value`, value, `is longer than ${maxValue} characters`, 'shorten the value');
    const pv = type === MatchType.EXACT ? checkHeaderValue(value) : checkRegex(value);
    if (pv) fail(undefined, `matches[].queryParams[${name}].value`, value, pv, 'give a printable value (or a valid regular expression)');
  }
  /** @internal */
  public _render(): unknown {
    return { name: this.name, type: this.type, value: this.value };
  }
}

/** Conditions of one `matches[]` entry; all must hold. */
export interface HttpMatchProps {
  /** @default - no path condition (the API server defaults it to PathPrefix "/") */
  readonly path?: PathMatch;
  /** @default - none */
  readonly headers?: HeaderMatch[];
  /** @default - none */
  readonly queryParams?: QueryParamMatch[];
  /** @default - any method */
  readonly method?: HttpMethod;
}

/**
 * One `matches[]` entry of an HTTPRoute rule. A rule matches when any of its matches does.
 *
 * @example
 * PathMatch.prefix('/api')                                   // a PathMatch is an HttpMatch
 * PathMatch.exact('/login').withMethod(HttpMethod.POST)
 * HttpMatch.of({ headers: [HeaderMatch.exact('env', 'canary')] })
 */
export class HttpMatch {
  /** A match from its parts. */
  public static of(props: HttpMatchProps): HttpMatch {
    return new HttpMatch(props);
  }

  /** @internal */
  protected _path?: PathMatch;
  public readonly headers: HeaderMatch[];
  public readonly queryParams: QueryParamMatch[];
  public readonly method?: HttpMethod;

  protected constructor(props: HttpMatchProps) {
    this._path = props.path;
    this.headers = [...(props.headers ?? [])];
    this.queryParams = [...(props.queryParams ?? [])];
    this.method = props.method;
    const maxHeaders = gwLimit('HTTPRoute', 'spec.rules[].matches[].headers');
    const maxQuery = gwLimit('HTTPRoute', 'spec.rules[].matches[].queryParams');
    if (this.headers.length > maxHeaders) fail(undefined, 'matches[].headers', this.headers.length, `has more than ${maxHeaders} entries`, `use at most ${maxHeaders} header conditions per match`);
    if (this.queryParams.length > maxQuery) fail(undefined, 'matches[].queryParams', this.queryParams.length, `has more than ${maxQuery} entries`, `use at most ${maxQuery} query conditions per match`);
    // (duplicates need two entries: no Set built for the usual single condition)
    if (this.headers.length > 1) {
      const seenH = new Set<string>();
      for (const h of this.headers) {
        const k = h.name.toLowerCase();
        if (seenH.has(k)) fail(undefined, 'matches[].headers', h.name, 'appears twice (header names are case-insensitive)', 'keep one condition per header; use HeaderMatch.regex for alternatives');
        seenH.add(k);
      }
    }
    if (this.queryParams.length > 1) {
      const seenQ = new Set<string>();
      for (const q of this.queryParams) {
        if (seenQ.has(q.name)) fail(undefined, 'matches[].queryParams', q.name, 'appears twice', 'keep one condition per parameter; use QueryParamMatch.regex for alternatives');
        seenQ.add(q.name);
      }
    }
  }

  /** The path condition, if any. */
  public get path(): PathMatch | undefined {
    return this._path;
  }

  /** This match plus header conditions. */
  public withHeaders(...headers: HeaderMatch[]): HttpMatch {
    return new HttpMatch({ path: this.path, headers: [...this.headers, ...headers], queryParams: this.queryParams, method: this.method });
  }
  /** This match plus query parameter conditions. */
  public withQueryParams(...params: QueryParamMatch[]): HttpMatch {
    return new HttpMatch({ path: this.path, headers: this.headers, queryParams: [...this.queryParams, ...params], method: this.method });
  }
  /** This match restricted to one method. */
  public withMethod(method: HttpMethod): HttpMatch {
    return new HttpMatch({ path: this.path, headers: this.headers, queryParams: this.queryParams, method });
  }

  /** @internal */
  public _render(): unknown {
    const out: Record<string, unknown> = {};
    const path = this.path;
    if (path) out.path = path._renderPath();
    if (this.headers.length) out.headers = this.headers.map((h) => h._render());
    if (this.queryParams.length) out.queryParams = this.queryParams.map((q) => q._render());
    if (this.method) out.method = this.method;
    return out;
  }
}

/**
 * A path condition. Also usable directly as a match.
 *
 * `prefix('/api')` matches `/api` and `/api/…` (element-wise, not `/apix`).
 */
export class PathMatch extends HttpMatch {
  /** The path equals `path`. */
  public static exact(path: string): PathMatch {
    return new PathMatch(MatchType.EXACT, path);
  }
  /** The path starts with `path`, element-wise. */
  public static prefix(path: string): PathMatch {
    return new PathMatch(MatchType.PATH_PREFIX, path);
  }
  /** The path matches the regular expression `pattern`. */
  public static regex(pattern: string): PathMatch {
    return new PathMatch(MatchType.REGULAR_EXPRESSION, pattern);
  }

  public readonly type: MatchType;
  public readonly value: string;

  private constructor(type: MatchType, value: string) {
    super({});
    this._path = this;
    this.type = type;
    this.value = value;
    const p = type === MatchType.REGULAR_EXPRESSION ? checkRegex(value) : checkAbsolutePath(value);
    if (p) fail(undefined, 'matches[].path.value', value, p, type === MatchType.REGULAR_EXPRESSION ? 'give a valid regular expression' : 'give an absolute path such as "/api"');
  }

  /** @internal */
  public _renderPath(): unknown {
    return { type: this.type, value: this.value };
  }
}
