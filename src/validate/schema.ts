/**
 * A Kubernetes structural OpenAPI v3 schema compiled once into a tree of nodes that the validator
 * walks (patterns compiled, enums as sets, CEL rules planned, "anything below needs CEL?" flags).
 */
import { compileRule } from './cel';
import { formatChecker } from './formats';
import { compilePattern } from './regex';
import { SchemaNode, SchemaType } from './schema-types';

type Raw = Record<string, unknown>;

function isObj(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if',
  'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/**
 * Kubernetes' escaping of property names for CEL (`__namespace__`, `foo__dash__bar`, …);
 * undefined when the property cannot be accessed from CEL.
 */
export function escapeCelName(name: string): string | undefined {
  if (name.length === 0 || (name[0] >= '0' && name[0] <= '9')) return undefined;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '_' && name[i + 1] === '_') {
      out += '__underscores__';
      i++;
    } else if (c === '.') out += '__dot__';
    else if (c === '-') out += '__dash__';
    else if (c === '/') out += '__slash__';
    else if (/[A-Za-z0-9_]/.test(c)) out += c;
    else return undefined;
  }
  return out;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

type MutableNode = { -readonly [K in keyof SchemaNode]: SchemaNode[K] };

/**
 * A node with every field of {@link SchemaNode} present (the optional ones undefined), always in
 * the same order: all nodes share one hidden class, so the checks' reads of node fields (several
 * per value of every object) stay monomorphic instead of going through V8's megamorphic lookups.
 */
function emptyNode(): MutableNode {
  return {
    type: undefined,
    nullable: false,
    enum: undefined,
    enumSet: undefined,
    pattern: undefined,
    format: undefined,
    formatCheck: undefined,
    minLength: undefined,
    maxLength: undefined,
    minItems: undefined,
    maxItems: undefined,
    uniqueItems: undefined,
    minProperties: undefined,
    maxProperties: undefined,
    minimum: undefined,
    maximum: undefined,
    exclusiveMinimum: undefined,
    exclusiveMaximum: undefined,
    multipleOf: undefined,
    required: undefined,
    properties: undefined,
    additionalProperties: undefined,
    items: undefined,
    intOrString: false,
    preserveUnknownFields: false,
    embeddedResource: false,
    listType: undefined,
    listMapKeys: undefined,
    allOf: undefined,
    anyOf: undefined,
    oneOf: undefined,
    not: undefined,
    hasDefault: false,
    default: undefined,
    defaultedProperties: undefined,
    rules: undefined,
    celBelow: false,
    celPropertyNames: undefined,
    celPropertyNodes: undefined,
    celNames: undefined,
  };
}

/** Compiles a raw (description-free) OpenAPI v3 schema. Throws on a pattern or CEL rule that does not compile. */
export function compileSchema(raw: unknown): SchemaNode {
  const node = emptyNode();
  if (!isObj(raw)) {
    node.preserveUnknownFields = true;
    return node;
  }
  node.nullable = raw.nullable === true;
  node.intOrString = raw['x-kubernetes-int-or-string'] === true;
  node.preserveUnknownFields = raw['x-kubernetes-preserve-unknown-fields'] === true;
  node.embeddedResource = raw['x-kubernetes-embedded-resource'] === true;
  node.hasDefault = Object.prototype.hasOwnProperty.call(raw, 'default');
  if (typeof raw.type === 'string') node.type = raw.type as SchemaType;
  if (node.hasDefault) node.default = raw.default;
  if (Array.isArray(raw.enum)) {
    node.enum = raw.enum;
    if (raw.enum.every((e) => e === null || typeof e !== 'object')) node.enumSet = new Set(raw.enum);
  }
  if (typeof raw.pattern === 'string') node.pattern = { source: raw.pattern, matcher: compilePattern(raw.pattern) };
  if (typeof raw.format === 'string') {
    node.format = raw.format;
    node.formatCheck = formatChecker(raw.format);
  }
  node.minLength = num(raw.minLength);
  node.maxLength = num(raw.maxLength);
  node.minItems = num(raw.minItems);
  node.maxItems = num(raw.maxItems);
  node.minProperties = num(raw.minProperties);
  node.maxProperties = num(raw.maxProperties);
  node.minimum = num(raw.minimum);
  node.maximum = num(raw.maximum);
  node.multipleOf = num(raw.multipleOf);
  if (raw.exclusiveMinimum === true) node.exclusiveMinimum = true;
  if (raw.exclusiveMaximum === true) node.exclusiveMaximum = true;
  if (raw.uniqueItems === true) node.uniqueItems = true;
  if (Array.isArray(raw.required)) node.required = raw.required.filter((r): r is string => typeof r === 'string');
  let celBelow = false;
  if (isObj(raw.properties)) {
    const props = new Map<string, SchemaNode>();
    const celNames = new Map<string, string>();
    const defaulted: string[] = [];
    for (const [k, v] of Object.entries(raw.properties)) {
      const child = compileSchema(v);
      props.set(k, child);
      const esc = escapeCelName(k);
      if (esc !== undefined) celNames.set(k, esc);
      if (child.hasDefault) defaulted.push(k);
      celBelow ||= child.celBelow;
    }
    node.properties = props;
    node.celNames = celNames;
    const celProps = [...props].filter(([, child]) => child.celBelow);
    node.celPropertyNames = celProps.map(([k]) => k);
    node.celPropertyNodes = celProps.map(([, child]) => child);
    if (defaulted.length > 0) node.defaultedProperties = defaulted;
  }
  if (typeof raw.additionalProperties === 'boolean') {
    node.additionalProperties = raw.additionalProperties;
  } else if (isObj(raw.additionalProperties)) {
    const ap = compileSchema(raw.additionalProperties);
    node.additionalProperties = ap;
    celBelow ||= ap.celBelow;
  }
  if (isObj(raw.items)) {
    node.items = compileSchema(raw.items);
    celBelow ||= node.items.celBelow;
  }
  const lt = raw['x-kubernetes-list-type'];
  if (lt === 'atomic' || lt === 'set' || lt === 'map') node.listType = lt;
  if (Array.isArray(raw['x-kubernetes-list-map-keys'])) node.listMapKeys = raw['x-kubernetes-list-map-keys'] as string[];
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (Array.isArray(raw[k])) node[k] = (raw[k] as unknown[]).map(compileSchema);
  }
  if (isObj(raw.not)) node.not = compileSchema(raw.not);
  const rules = raw['x-kubernetes-validations'];
  if (Array.isArray(rules) && rules.length > 0) {
    node.rules = rules.filter(isObj).map((r) => compileRule(r));
    celBelow = true;
  }
  node.celBelow = celBelow;
  return node;
}
