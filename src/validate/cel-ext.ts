/**
 * The Kubernetes CEL extension functions (k8s.io/apiserver/pkg/cel/library + cel-go ext.Strings as
 * Kubernetes configures it) that `@bufbuild/cel` does not provide, or provides with different
 * semantics. Strings are indexed in Unicode code points, as in cel-go.
 */
import { celFunc, celList, celMethod, CelList, CelScalar, CelValue, listType, objectType } from '@bufbuild/cel';
import { DNS1123_LABEL_MESSAGE, DNS1123_SUBDOMAIN_MESSAGE, formatChecker, isDns1123Label, isDns1123Subdomain, labelValueErrors, qualifiedNameErrors } from './formats';
import { isCIDR, isIP } from '../model/ip';
import { runeLength, runes } from './runes';

const { STRING, INT, BOOL, DYN } = CelScalar;
const LIST = listType(DYN);
const STRING_LIST = listType(STRING);
const DURATION = objectType('google.protobuf.Duration');

function outOfRange(i: bigint | number): Error {
  return new Error(`index out of range: ${i}`);
}

function indexOf(str: string, sub: string, offset: bigint): bigint {
  if (sub === '') return offset;
  const off = Number(offset);
  if (off < 0) throw outOfRange(offset);
  const r = runes(str);
  if (off >= r.length) return -1n;
  const sr = runes(sub);
  for (let i = off; i + sr.length <= r.length; i++) {
    let ok = true;
    for (let j = 0; j < sr.length; j++) {
      if (r[i + j] !== sr[j]) {
        ok = false;
        break;
      }
    }
    if (ok) return BigInt(i);
  }
  return -1n;
}

function lastIndexOf(str: string, sub: string, offset: bigint | undefined): bigint {
  const r = runes(str);
  if (sub === '') return offset ?? BigInt(r.length);
  let off = offset === undefined ? r.length - 1 : Number(offset);
  if (off < 0) throw outOfRange(off);
  if (off >= r.length) off = r.length - 1;
  const sr = runes(sub);
  if (off > r.length - sr.length) off = r.length - sr.length;
  for (let i = off; i >= 0; i--) {
    let ok = true;
    for (let j = 0; j < sr.length; j++) {
      if (r[i + j] !== sr[j]) {
        ok = false;
        break;
      }
    }
    if (ok) return BigInt(i);
  }
  return -1n;
}

function substring(str: string, start: bigint, end?: bigint): string {
  const r = runes(str);
  const s = Number(start);
  const e = end === undefined ? r.length : Number(end);
  if (s < 0 || s > r.length) throw outOfRange(start);
  if (e < 0 || e > r.length) throw outOfRange(end ?? e);
  if (s > e) throw new Error(`invalid substring range. start: ${s}, end: ${e}`);
  return r.slice(s, e).join('');
}

/** Go `strings.SplitN` (n < 0: all; n == 0: none). */
function splitN(str: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const r = runes(str);
    if (n < 0 || n >= r.length) return r;
    return [...r.slice(0, n - 1), r.slice(n - 1).join('')];
  }
  const parts = str.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** Go `strings.Replace` (n < 0: all). */
function replace(str: string, old: string, repl: string, n: number): string {
  if (n === 0 || old === repl) return str;
  if (old === '') {
    const r = runes(str);
    let out = '';
    let count = 0;
    for (let i = 0; i <= r.length; i++) {
      if (n < 0 || count < n) {
        out += repl;
        count++;
      }
      if (i < r.length) out += r[i];
    }
    return out;
  }
  let out = '';
  let pos = 0;
  let count = 0;
  while (n < 0 || count < n) {
    const i = str.indexOf(old, pos);
    if (i < 0) break;
    out += str.slice(pos, i) + repl;
    pos = i + old.length;
    count++;
  }
  return out + str.slice(pos);
}

// Go unicode.IsSpace
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

function asciiCase(s: string, upper: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (upper && c >= 97 && c <= 122) out += String.fromCharCode(c - 32);
    else if (!upper && c >= 65 && c <= 90) out += String.fromCharCode(c + 32);
    else out += s[i];
  }
  return out;
}

function joinList(list: CelList, sep: string): string {
  const parts: string[] = [];
  for (const v of list) {
    if (typeof v !== 'string') throw new Error('join: list contains non-string value');
    parts.push(v);
  }
  return parts.join(sep);
}

/**
 * Kubernetes `format` library: `format.<name>()` returns a format, `<format>.validate(string)`
 * returns its errors. Kubernetes returns `optional.none()` / `optional.of(list)`; `@bufbuild/cel`
 * has no optional values, so errors come back as a list (empty when valid). Comparisons with `null`
 * are false in both representations, as in cel-go.
 */
const FORMAT_MARKER = '\u0000k8s.format:';

const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label: (s) => (isDns1123Label(s) ? [] : [s.length > 63 ? 'must be no more than 63 characters' : DNS1123_LABEL_MESSAGE]),
  dns1123Subdomain: (s) => (isDns1123Subdomain(s) ? [] : [s.length > 253 ? 'must be no more than 253 characters' : DNS1123_SUBDOMAIN_MESSAGE]),
  dns1035Label: (s) =>
    s.length > 0 && s.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(s)
      ? []
      : ["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"],
  dns1123LabelPrefix: (s) => FORMATS.dns1123Label(s.endsWith('-') ? s.slice(0, -1) + 'a' : s),
  dns1123SubdomainPrefix: (s) => FORMATS.dns1123Subdomain(s.endsWith('-') ? s.slice(0, -1) + 'a' : s),
  dns1035LabelPrefix: (s) => FORMATS.dns1035Label(s.endsWith('-') ? s.slice(0, -1) + 'a' : s),
  qualifiedName: qualifiedNameErrors,
  labelValue: labelValueErrors,
  uri: (s) => (formatChecker('uri')!(s) ? [] : ['must be a valid URI']),
  uuid: (s) => (formatChecker('uuid')!(s) ? [] : ['must be a valid UUID']),
  byte: (s) => (formatChecker('byte')!(s) ? [] : ['must be a valid base64 string']),
  date: (s) => (formatChecker('date')!(s) ? [] : ['must be a valid date (YYYY-MM-DD)']),
  datetime: (s) => (formatChecker('date-time')!(s) ? [] : ['must be a valid RFC 3339 date-time']),
};

interface DurationMessage {
  readonly message: { readonly seconds: bigint; readonly nanos: number };
}

function totalNanos(d: CelValue): bigint {
  const m = (d as unknown as DurationMessage).message;
  return m.seconds * 1_000_000_000n + BigInt(m.nanos);
}

/** Names (as they appear in rules) of the functions this module adds or overrides. */
export const K8S_EXTENSION_FUNCTIONS: readonly string[] = [
  'isIP', 'isCIDR',
  'charAt', 'indexOf', 'lastIndexOf', 'lowerAscii', 'upperAscii', 'replace', 'split', 'substring', 'trim', 'join',
  ...Object.keys(FORMATS).map((f) => `format.${f}`), 'validate',
  'getHours', 'getMinutes', 'getSeconds', 'getMilliseconds',
];

/** The functions, ready for `celEnv({ funcs })` (after the @bufbuild/cel `strings` extension, so these win). */
export const K8S_FUNCS = [
  // k8s.io/apiserver/pkg/cel/library/ip.go, cidr.go
  celFunc('isIP', [STRING], BOOL, (s) => isIP(s)),
  celFunc('isCIDR', [STRING], BOOL, (s) => isCIDR(s)),

  // cel-go ext.Strings, code-point indexed
  celMethod('charAt', STRING, [INT], STRING, function (i) {
    const r = runes(this);
    if (i < 0n || i > BigInt(r.length)) throw outOfRange(i);
    return i === BigInt(r.length) ? '' : r[Number(i)];
  }),
  celMethod('indexOf', STRING, [STRING], INT, function (sub) {
    return indexOf(this, sub, 0n);
  }),
  celMethod('indexOf', STRING, [STRING, INT], INT, function (sub, off) {
    return indexOf(this, sub, off);
  }),
  celMethod('lastIndexOf', STRING, [STRING], INT, function (sub) {
    return lastIndexOf(this, sub, undefined);
  }),
  celMethod('lastIndexOf', STRING, [STRING, INT], INT, function (sub, off) {
    return lastIndexOf(this, sub, off);
  }),
  celMethod('lowerAscii', STRING, [], STRING, function () {
    return asciiCase(this, false);
  }),
  celMethod('upperAscii', STRING, [], STRING, function () {
    return asciiCase(this, true);
  }),
  celMethod('replace', STRING, [STRING, STRING], STRING, function (o, n) {
    return replace(this, o, n, -1);
  }),
  celMethod('replace', STRING, [STRING, STRING, INT], STRING, function (o, n, c) {
    return replace(this, o, n, Number(c));
  }),
  celMethod('split', STRING, [STRING], STRING_LIST, function (sep) {
    return celList(splitN(this, sep, -1));
  }),
  celMethod('split', STRING, [STRING, INT], STRING_LIST, function (sep, n) {
    return celList(splitN(this, sep, Number(n)));
  }),
  celMethod('substring', STRING, [INT], STRING, function (s) {
    return substring(this, s);
  }),
  celMethod('substring', STRING, [INT, INT], STRING, function (s, e) {
    return substring(this, s, e);
  }),
  celMethod('trim', STRING, [], STRING, function () {
    return this.replace(GO_SPACE, '');
  }),
  celMethod('join', LIST, [], STRING, function () {
    return joinList(this, '');
  }),
  celMethod('join', LIST, [STRING], STRING, function (sep) {
    return joinList(this, sep);
  }),

  // k8s.io/apiserver/pkg/cel/library/format.go
  ...Object.keys(FORMATS).map((name) => celFunc(`format.${name}`, [], STRING, () => FORMAT_MARKER + name)),
  celMethod('validate', STRING, [STRING], STRING_LIST, function (s) {
    if (!this.startsWith(FORMAT_MARKER)) throw new Error('no such overload: validate');
    return celList(FORMATS[this.slice(FORMAT_MARKER.length)](s));
  }),

  // cel-go duration getters return totals (Go's d.Hours(), d.Milliseconds(), …)
  celMethod('getHours', DURATION, [], INT, function () {
    return totalNanos(this) / 3_600_000_000_000n;
  }),
  celMethod('getMinutes', DURATION, [], INT, function () {
    return totalNanos(this) / 60_000_000_000n;
  }),
  celMethod('getSeconds', DURATION, [], INT, function () {
    return totalNanos(this) / 1_000_000_000n;
  }),
  celMethod('getMilliseconds', DURATION, [], INT, function () {
    return totalNanos(this) / 1_000_000n;
  }),
];

/** `size()` of a string in code points (what CEL and Kubernetes count). */
export { runeLength };
