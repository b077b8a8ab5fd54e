/**
 * nginx quoting contexts. Every user value that reaches the configuration goes through exactly one
 * of these functions; each either returns a token nginx reads back as the same bytes in that
 * context, or throws {@link UnsafeValueError} (the renderer turns it into a diagnostic).
 *
 * nginx's tokenizer, inside double quotes, turns `\"` into `"`, `\\` into `\`, `\t` `\r` `\n` into
 * control characters and keeps any other `\x` as is. Whether `$` starts a variable depends on the
 * directive argument ("complex value" or not), hence separate functions.
 */

/** A value that cannot be written safely in the requested context. */
export class UnsafeValueError extends Error {
  constructor(
    message: string,
    readonly value: string,
  ) {
    super(message);
    this.name = 'UnsafeValueError';
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const NON_ASCII = /[^\u0000-\u007f]/;

function show(v: string): string {
  const s = JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  return s;
}

/** Printable ASCII only: the common case, where neither check below can fail (one scan instead of two). */
const PRINTABLE = /^[\u0020-\u007e]*$/;

function checkPrintable(v: string, what: string, allowNonAscii = false): void {
  if (PRINTABLE.test(v)) return;
  if (CONTROL.test(v)) throw new UnsafeValueError(`${what} ${show(v)} contains a control character (newline, tab, NUL…), which nginx cannot carry there`, v);
  if (!allowNonAscii && NON_ASCII.test(v)) throw new UnsafeValueError(`${what} ${show(v)} contains non-ASCII characters, which nginx cannot carry there`, v);
}

/** nginx reads a configuration token into a 4 KiB buffer ("too long parameter" beyond). */
export const MAX_TOKEN = 3500;

function checkLength(token: string, v: string, what: string): string {
  if (token.length > MAX_TOKEN) throw new UnsafeValueError(`${what} ${show(v)} is too long for nginx (at most ${MAX_TOKEN} characters per configuration token once escaped)`, v);
  return token;
}

function escapeQuoted(v: string): string {
  // most values hold neither; `$&` is the matched character (a replacement string, not a function: no call per match)
  if (!v.includes('\\') && !v.includes('"')) return v;
  return v.replace(/[\\"]/g, '\\$&');
}

/**
 * A literal string argument of a directive that does NOT expand variables (location paths,
 * header names of `proxy_set_header` / `add_header` / `proxy_hide_header`, file paths).
 * Rejects control and non-ASCII characters; quotes everything else.
 */
export function literal(v: string, what = 'value'): string {
  checkPrintable(v, what);
  return checkLength(`"${escapeQuoted(v)}"`, v, what);
}

/** Name of the variable holding a literal `$` (defined with `geo`, the only way nginx has). */
export const DOLLAR_VARIABLE = 'gw_dollar';

/**
 * A literal string in a "complex value" argument, where `$name` expands (header values,
 * `return` texts and URLs, `map` values, rewrite replacements): `$` is written as
 * `${gw_dollar}`. Returns the quoted token. Use {@link complexParts} to splice in variables.
 */
export function complex(v: string, what = 'value'): string {
  return `"${complexParts(v, what)}"`;
}

/** {@link complex} without the surrounding quotes, for concatenation with variables. */
export function complexParts(v: string, what = 'value'): string {
  checkPrintable(v, what);
  return checkLength(escapeQuoted(v).replace(/\$/g, `\${${DOLLAR_VARIABLE}}`), v, what);
}

/**
 * A regular expression argument (`location ~`, `map` regex keys, `if` / `rewrite` patterns):
 * nginx does not expand variables there, so only `\` and `"` need escaping. The regex must
 * already have been checked with {@link checkPcre}.
 */
export function regex(re: string, what = 'regular expression'): string {
  checkPrintable(re, what);
  return checkLength(`"${escapeQuoted(re)}"`, re, what);
}

/** Escapes a literal string for use inside a PCRE pattern. */
export function escapeRegexLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/#\s-]/g, '\\$&');
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A hostname (server_name, map `hostnames` keys, SNI, redirect / rewrite host): RFC 1123, lower-
 * cased, optionally with a leading `*.` wildcard when `allowWildcard`. Returned unquoted (it has
 * no character nginx treats specially).
 */
export function hostname(v: string, allowWildcard = true, what = 'hostname'): string {
  const h = v.toLowerCase();
  const body = allowWildcard && h.startsWith('*.') ? h.slice(2) : h;
  if (!body || h.length > 253 || !body.split('.').every((l) => LABEL.test(l))) {
    throw new UnsafeValueError(`${what} ${show(v)} is not a valid ${allowWildcard ? '(wildcard) ' : ''}DNS name`, v);
  }
  return h;
}

const TCHAR = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * An HTTP header name for `proxy_set_header` / `add_header` / `proxy_hide_header` (RFC 9110 token).
 * Returned quoted (a token may contain `$`, `'`, `#`, which nginx would otherwise interpret).
 */
export function headerName(v: string): string {
  if (!TCHAR.test(v) || v.length > 256) throw new UnsafeValueError(`header name ${show(v)} is not a valid HTTP header name`, v);
  return literal(v, 'header name');
}

/**
 * The `$http_*` variable reading a request header. nginx forwards and exposes only headers made
 * of letters, digits and `-` (others are dropped with `ignore_invalid_headers on`, the default).
 */
export function headerVariable(name: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(name) || name.length > 256) {
    throw new UnsafeValueError(`header name ${show(name)} cannot be matched by nginx (it only reads request headers made of letters, digits and "-")`, name);
  }
  return `$http_${name.toLowerCase().replace(/-/g, '_')}`;
}

/**
 * A request path used as a location / rewrite target: must start with `/`; no control, space,
 * `"`, `\`, `{`, `}`, `?` or `#` (a path, not a URL); ASCII only. Gateway API path characters
 * such as `'`, `;`, `$`, `(` stay (every context that takes a path quotes it).
 */
export function pathValue(v: string, what = 'path'): string {
  checkPrintable(v, what);
  if (!v.startsWith('/')) throw new UnsafeValueError(`${what} ${show(v)} must start with "/"`, v);
  if (/[\s"?#\\{}]/.test(v)) throw new UnsafeValueError(`${what} ${show(v)} contains a character (whitespace, '"', "?", "#", "\\", "{", "}") that is not allowed in a path here`, v);
  return v;
}

/**
 * An HTTP header value (request / response header modifiers): printable ASCII (space allowed),
 * no control characters (CR / LF would split headers).
 */
export function headerValue(v: string): string {
  if (v.length > 4096) throw new UnsafeValueError(`header value ${show(v)} is longer than 4096 characters`, v);
  return complex(v, 'header value');
}

/** An integer within bounds (ports, status codes). */
export function integer(v: number, min: number, max: number, what = 'number'): string {
  if (!Number.isInteger(v) || v < min || v > max) throw new UnsafeValueError(`${what} ${String(v)} is not an integer in [${min}, ${max}]`, String(v));
  return String(v);
}

/**
 * A Gateway API duration (`1h`, `10s`, `500ms`, `1h30m`) as nginx time in milliseconds
 * (`12500ms`). `0s` (disabled) becomes undefined.
 */
export function duration(v: string): string | undefined {
  if (!/^([0-9]{1,5}(h|m|s|ms)){1,4}$/.test(v)) throw new UnsafeValueError(`duration ${show(v)} is not a Gateway API duration (e.g. 10s, 500ms, 1h30m)`, v);
  let ms = 0;
  for (const m of v.matchAll(/([0-9]+)(ms|h|m|s)/g)) {
    const n = Number(m[1]);
    ms += m[2] === 'h' ? n * 3600000 : m[2] === 'm' ? n * 60000 : m[2] === 's' ? n * 1000 : n;
  }
  return ms === 0 ? undefined : `${ms}ms`;
}

/** A named-location / variable name fragment: anything else becomes `_`. */
export function identifier(v: string): string {
  return v.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Most code points of a comment: nginx reads a comment as one token of at most 4,096 bytes ("too long parameter"). */
export const COMMENT_MAX_CODE_POINTS = 512;

/**
 * A `# comment` line: control characters (a newline would end the comment) become `?`; past
 * {@link COMMENT_MAX_CODE_POINTS} (a user value is quoted in it) it is cut, ending in `…`.
 */
export function comment(text: string): string {
  // no more UTF-16 code units than the limit: no more code points either (no split into code points)
  const points = text.length > COMMENT_MAX_CODE_POINTS ? Array.from(text) : undefined;
  const bounded = points && points.length > COMMENT_MAX_CODE_POINTS ? `${points.slice(0, COMMENT_MAX_CODE_POINTS - 1).join('')}…` : text;
  // eslint-disable-next-line no-control-regex
  return `# ${bounded.replace(/[\u0000-\u001f\u007f]/g, '?')}`;
}
