/**
 * `DIR/main.ts` of `cdk8s-gateway import`: the imported Gateway API objects as a cdk8s app written
 * with this library's constructs, which synthesizes the same objects (test/import/codegen.test.ts
 * runs it and compares, object for object).
 *
 * Pure and byte-stable: the same objects and report give the same text. Every string of the input
 * reaches the code through {@link tsString} (a single-quoted literal with every character that could
 * end it or the line escaped) and every comment through {@link comment} (line comments with line
 * terminators removed): input text is never spliced into code.
 *
 * What main.ts holds:
 * - the GatewayClass (`GatewayClass.builtin` for the built-in controller), the Gateway(s) with their
 *   listeners, the routes (HTTP, TCP, UDP, TLS) with typed matches, filters, backends, timeouts;
 * - the ReferenceGrants only when they differ from the ones the constructs derive (import's grants
 *   are the derived ones: then main.ts writes none and the Gateway derives them);
 * - not the input's Services, Secrets and Namespaces, which gateway-api.yaml copies so that `check`
 *   and `render` work on it alone: they stay deployed as they are. Routes name their Services with
 *   `Backend.fromName` (synth then lists them in the routes' `cdk8s-gateway.dev/external-backends`
 *   annotation), listeners their Secrets with `TlsCertificate.fromSecret`; Secret data never
 *   appears in code.
 *
 * A field no construct expresses is never dropped: the object keeps it through a typed escape hatch
 * of cdk8s (`apiObject.addJsonPatch(JsonPatch.…)`, or a plain `ApiObject` for a kind without a
 * construct), marked `ESCAPE HATCH` in main.ts and listed in {@link GeneratedApp.escapeHatches}.
 */
import { BUILTIN_CONTROLLER_NAME, GATEWAY_GROUP, KubeObject, parseProxyOptions, PROXY_OPTION_ANNOTATIONS, PROXY_OPTION_KEYS } from '../model';
import { ReportItem } from './convert';

/** What {@link generateApp} produced. */
export interface GeneratedApp {
  /** The TypeScript source of main.ts. */
  readonly source: string;
  /** One line per escape hatch (`Kind ns/name field: why`), sorted; empty when the constructs express everything. */
  readonly escapeHatches: string[];
  /** The objects of the input main.ts leaves out on purpose (`Kind ns/name`): Services, Secrets, Namespaces. */
  readonly leftOut: string[];
}

/** Options of {@link generateApp}. */
export interface GenerateAppOptions {
  /** The cdk8s chart id (the synthesized file is `dist/<id>.k8s.yaml`). @default 'ingress-nginx' */
  readonly chartId?: string;
  /**
   * The converted Ingresses (`ns/name`): each route's comment names the Ingress it came from (import
   * names routes after their Ingress) and, on its first route, what the report says import
   * approximated or did not convert for it.
   * @default - the Ingresses the report names
   */
  readonly ingresses?: readonly string[];
}

type Json = Record<string, unknown>;

/** Kinds of the input gateway-api.yaml copies and main.ts leaves to their current deployment. */
const LEFT_OUT = new Set(['v1/Service', 'v1/Secret', 'v1/Namespace']);

const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield await any boolean constructor declare get module require number set string symbol type from of async undefined NaN Infinity eval arguments ' +
    'app chart process console JSON Object Array String Number Math Error Promise Symbol Map Set').split(' '),
);

/** A single-quoted TypeScript string literal for `s`: exact for every string (lone surrogates included). */
export function tsString(s: string): string {
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff)) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}'`;
}

/** `// text` lines: line terminators (which would end a line comment) become spaces. */
function comment(text: string, indent: string): string[] {
  return [`${indent}// ${text.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ')}`.trimEnd()];
}

const isIdentifier = (k: string) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k);
const propKey = (k: string) => (isIdentifier(k) ? k : tsString(k));

// --- a small code tree, printed flat when it fits in 100 columns, else one item per line ---

type Code = string | { readonly obj: ReadonlyArray<readonly [string, Code]> } | { readonly arr: readonly Code[] } | { readonly call: string; readonly args: readonly Code[]; readonly tail?: string };

const WIDTH = 110;

function flat(c: Code): string {
  if (typeof c === 'string') return c;
  if ('obj' in c) return c.obj.length ? `{ ${c.obj.map(([k, v]) => (k === v ? k : `${k}: ${flat(v)}`)).join(', ')} }` : '{}';
  if ('arr' in c) return `[${c.arr.map(flat).join(', ')}]`;
  return `${c.call}(${c.args.map(flat).join(', ')})${c.tail ?? ''}`;
}

/** `c` at column `indent` of a line where `lead` characters precede it (a key, `const x = `). */
function print(c: Code, indent: number, lead = 0): string {
  const f = flat(c);
  if (indent + lead + f.length <= WIDTH || typeof c === 'string') return f;
  const pad = ' '.repeat(indent + 2);
  const end = ' '.repeat(indent);
  if ('obj' in c) return `{\n${c.obj.map(([k, v]) => `${pad}${k === v ? k : `${k}: ${print(v, indent + 2, k.length + 2)}`},\n`).join('')}${end}}`;
  if ('arr' in c) return `[\n${c.arr.map((v) => `${pad}${print(v, indent + 2)},\n`).join('')}${end}]`;
  // a call: the last argument spreads over lines, the others stay flat
  const head = c.args.slice(0, -1).map(flat);
  const last = c.args[c.args.length - 1];
  const start = `${c.call}(${head.map((h) => `${h}, `).join('')}`;
  if (last !== undefined && typeof last !== 'string') return `${start}${print(last, indent, lead + start.length)})${c.tail ?? ''}`;
  return `${c.call}(\n${c.args.map((a) => `${pad}${print(a, indent + 2)},\n`).join('')}${end})${c.tail ?? ''}`;
}

/** Any JSON value as a literal (escape hatches, annotations). */
function literal(v: unknown): Code {
  if (typeof v === 'string') return tsString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return { arr: v.map(literal) };
  return { obj: Object.keys(v as Json).map((k) => [propKey(k), literal((v as Json)[k])] as const) };
}

const obj = (entries: ReadonlyArray<readonly [string, Code | undefined]>): Code => ({ obj: entries.filter((e): e is [string, Code] => e[1] !== undefined) });
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const rec = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** `metadata.name` (import's objects always have one). */
const nm = (o: KubeObject): string => o.metadata.name ?? '';
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Thrown (and caught per item) when a value has no typed form: the item goes through an escape hatch. */
class Inexpressible extends Error {}

/** The keys of `o` outside `known`: when any, the item is not expressible by the typed API. */
function only(o: unknown, known: readonly string[], where: string): Json {
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Inexpressible(`${where} is not an object`);
  const extra = Object.keys(o).filter((k) => !known.includes(k));
  if (extra.length) throw new Inexpressible(`${where}.${extra.sort(byteOrder).join(', ')} has no construct prop`);
  return o as Json;
}

const need = <T>(v: T | undefined, where: string): T => {
  if (v === undefined) throw new Inexpressible(`${where} is missing`);
  return v;
};

/** Generates main.ts from import's objects (gateway-api.yaml's, in its order) and its report. */
export function generateApp(objects: readonly KubeObject[], report: readonly ReportItem[] = [], options: GenerateAppOptions = {}): GeneratedApp {
  return new Generator(objects, report, options.chartId ?? 'ingress-nginx', [...new Set([...(options.ingresses ?? []), ...report.map((i) => i.ingress)])]).run();
}

interface BackendVar {
  readonly variable: string;
  readonly code: Code;
  readonly namespace: string;
  readonly name: string;
}

class Generator {
  private readonly imports = new Set<string>();
  private readonly cdk8sImports = new Set<string>(['App', 'Chart']);
  private readonly names = new Set<string>(RESERVED);
  private readonly ids = new Set<string>();
  private readonly hatches: string[] = [];
  private readonly backends = new Map<string, BackendVar>();
  private readonly gatewayVars = new Map<string, string>();
  private readonly classVars = new Map<string, string>();
  /** Class and Gateway variables some later code refers to (the others are not declared: noUnusedLocals). */
  private readonly usedVars = new Set<string>();
  /** Variables an escape hatch patches (always declared). */
  private readonly patched = new Set<string>();
  /** Variables of the Gateways of a class of the built-in controller. */
  private readonly builtinGateways: string[] = [];
  /** Grants are left to the constructs (they derive exactly import's), or written out. */
  private explicitGrants = false;

  /** Undo steps of the additions to imports, names, Backend variables and used variables (see attempt). */
  private readonly undo: (() => void)[] = [];
  /** Ingresses whose report notes were written (on their first route). */
  private readonly noted = new Set<string>();

  private readonly ingressesByNamespace = new Map<string, string[]>();
  private readonly reportByIngress = new Map<string, ReportItem[]>();

  constructor(private readonly objects: readonly KubeObject[], private readonly report: readonly ReportItem[], private readonly chartId: string, ingresses: readonly string[]) {
    for (const k of ingresses) {
      const i = k.indexOf('/');
      if (i < 0) continue;
      const ns = k.slice(0, i);
      const names = this.ingressesByNamespace.get(ns) ?? [];
      names.push(k.slice(i + 1));
      this.ingressesByNamespace.set(ns, names);
    }
    for (const item of report) {
      const items = this.reportByIngress.get(item.ingress) ?? [];
      items.push(item);
      this.reportByIngress.set(item.ingress, items);
    }
  }

  run(): GeneratedApp {
    const leftOut: string[] = [];
    const grants: KubeObject[] = [];
    const emitted: KubeObject[] = [];
    for (const o of this.objects) {
      if (LEFT_OUT.has(`${o.apiVersion}/${o.kind}`)) leftOut.push(`${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${nm(o)}`);
      else if (o.kind === 'ReferenceGrant' && o.apiVersion.startsWith(`${GATEWAY_GROUP}/`)) grants.push(o);
      else emitted.push(o);
    }
    this.explicitGrants = !sameGrants(grants, derivedGrants(emitted));
    // variables first: the classes and Gateways routes refer to, then the Services they send to
    for (const o of emitted) {
      if (o.kind === 'GatewayClass' && o.apiVersion === `${GATEWAY_GROUP}/v1`) this.classVars.set(nm(o), this.variable(nm(o) === 'cdk8s-gateway' ? 'gatewayClass' : `${nm(o)}-class`));
      if (o.kind === 'Gateway' && o.apiVersion === `${GATEWAY_GROUP}/v1`) this.gatewayVars.set(`${o.metadata.namespace ?? 'default'}/${nm(o)}`, this.variable(this.gatewayVars.size === 0 ? 'gateway' : `${nm(o)}-gateway`));
    }
    const sections: { title: string; lines: string[] }[] = [];
    const section = (title: string) => {
      let s = sections.find((x) => x.title === title);
      if (!s) sections.push((s = { title, lines: [] }));
      return s.lines;
    };
    for (const o of emitted) {
      const lines = this.object(o);
      const title = { GatewayClass: 'the GatewayClass and the Gateway', Gateway: 'the GatewayClass and the Gateway', HTTPRoute: 'HTTPRoutes', TCPRoute: 'TCP and UDP routes (tcp-services / udp-services)', UDPRoute: 'TCP and UDP routes (tcp-services / udp-services)', TLSRoute: 'TLSRoutes' }[o.kind] ?? 'other objects';
      section(title).push(...lines);
    }
    if (this.explicitGrants) for (const g of grants) section('ReferenceGrants (written out: they differ from the ones the constructs derive)').push(...this.grant(g));
    else if (grants.length) {
      section('the GatewayClass and the Gateway').push(...comment(`ReferenceGrants ${grants.map((g) => `${g.metadata.namespace}/${nm(g)}`).join(', ')}: derived by the constructs for the references across namespaces above`, ''));
    }

    // --- the file ---
    const out: string[] = [];
    out.push(...comment('Generated by `cdk8s-gateway import` from ingress-nginx Ingresses: a cdk8s app with the constructs of', ''));
    out.push(...comment('cdk8s-gateway that synthesizes the Gateway API objects of gateway-api.yaml. Edit it freely: import', ''));
    out.push(...comment('does not read it back. Run it with `npx ts-node main.ts` (or `cdk8s synth` with `app: npx ts-node main.ts`', ''));
    out.push(...comment(`in cdk8s.yaml) where cdk8s, constructs and cdk8s-gateway are installed: it writes dist/${this.chartId}.k8s.yaml.`, ''));
    out.push('//');
    out.push(...comment('The Services and Secrets of the input (copied into gateway-api.yaml so that check and render work', ''));
    out.push(...comment('on it alone) are not part of this app: they stay deployed as they are. Routes name their Services', ''));
    out.push(...comment('with Backend.fromName, listeners their Secrets with TlsCertificate.fromSecret.', ''));
    const notes = this.report.filter((i) => i.result !== 'converted');
    if (notes.length) {
      out.push('//');
      out.push(...comment('What import approximated or did not convert (report.md has the details):', ''));
      for (const i of notes) out.push(...comment(`- ${i.ingress} ${i.annotation}: ${i.result}`, ''));
    }
    if (this.hatches.length) {
      out.push('//');
      out.push(...comment('ESCAPE HATCHES: fields no construct prop expresses, kept as plain JSON (search for ESCAPE HATCH):', ''));
      for (const h of [...this.hatches].sort(byteOrder)) out.push(...comment(`- ${h}`, ''));
    }
    const external = this.externalNamespaces();
    if (external.namespaces.length) this.use('ExternalNamespaces');
    out.push(`import { ${[...this.cdk8sImports].sort(byteOrder).join(', ')} } from 'cdk8s';`);
    if (this.imports.size) out.push(importLine([...this.imports].sort(byteOrder)));
    out.push('');
    out.push('const app = new App();');
    out.push(`const chart = new Chart(app, ${tsString(this.chartId)});`);
    if (external.namespaces.length) {
      out.push(...comment('the namespaces ingress-nginx served (and the input\'s objects live in) exist already', ''));
      out.push(`ExternalNamespaces.of(app).add(${external.namespaces.map(tsString).join(', ')});`);
    }
    for (const ns of external.missing) {
      out.push(...comment(`namespace ${ns} is created neither by this app nor by gateway-api.yaml: create it first (kubectl create namespace ${ns})`, ''));
    }
    if (this.backends.size) {
      out.push('');
      out.push(...comment('--- the Services the routes send traffic to (deployed outside this app) ---', ''));
      for (const b of [...this.backends.values()].sort((a, c) => byteOrder(a.variable, c.variable))) out.push(`const ${b.variable} = ${print(b.code, 0, b.variable.length + 9)};`);
    }
    const declared = new Set([...this.classVars.values(), ...this.gatewayVars.values()]);
    for (const s of sections) {
      out.push('');
      out.push(...comment(`--- ${s.title} ---`, ''));
      for (const line of s.lines) {
        const m = /^const ([A-Za-z0-9_]+) = (.*)$/s.exec(line);
        out.push(m && declared.has(m[1]) && !this.usedVars.has(m[1]) && !this.patched.has(m[1]) ? `${m[2]}` : line);
      }
    }
    if (this.builtinGateways.length) {
      out.push('');
      out.push(...comment('To serve the Gateway in the cluster with the built-in nginx proxy (a Deployment, its ConfigMap and', ''));
      out.push(...comment('Service, compiled from the routes above), import GatewayProxy from cdk8s-gateway and add:', ''));
      for (const g of this.builtinGateways.filter((x) => this.usedVars.has(x) || this.patched.has(x))) out.push(...comment(`new GatewayProxy(chart, ${tsString(`${g}-proxy`)}, { gateway${g === 'gateway' ? '' : `: ${g}`} });`, ''));
    }
    out.push('');
    out.push('app.synth();');
    return { source: `${out.join('\n')}\n`, escapeHatches: [...this.hatches].sort(byteOrder), leftOut };
  }

  /** A fresh identifier from a Kubernetes name (`svc-v1` → `svcV1`). */
  private variable(base: string, suffix = ''): string {
    const camel = (x: string) => x.split(/[^A-Za-z0-9]+/).filter((p) => p !== '').map((p, i) => (i === 0 ? p : p[0].toUpperCase() + p.slice(1))).join('');
    let v = camel(base);
    if (!v || /^[0-9]/.test(v)) v = `k${v}`;
    if (this.names.has(v) && suffix) v = camel(`${v}-${suffix}`);
    let name = v;
    for (let n = 2; this.names.has(name); n++) name = `${v}${n}`;
    this.names.add(name);
    this.undo.push(() => this.names.delete(name));
    return name;
  }

  /** A fresh construct id in the chart. */
  private id(o: KubeObject): string {
    const ns = o.metadata.namespace;
    for (const c of [nm(o), ns ? `${ns}-${nm(o)}` : undefined, `${ns ?? ''}-${nm(o)}-${o.kind.toLowerCase()}`]) {
      if (c !== undefined && !this.ids.has(c)) {
        this.ids.add(c);
        return c;
      }
    }
    let n = 2;
    while (this.ids.has(`${nm(o)}-${n}`)) n++;
    this.ids.add(`${nm(o)}-${n}`);
    return `${nm(o)}-${n}`;
  }

  private use(...names: string[]): void {
    for (const n of names) {
      if (this.imports.has(n)) continue;
      this.imports.add(n);
      this.undo.push(() => this.imports.delete(n));
    }
  }

  private hatch(o: KubeObject, field: string, why: string): void {
    this.hatches.push(`${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${nm(o)} ${field}: ${why}`);
  }

  /** `name`, `namespace`, `labels`, `annotations` props; other metadata keys → patches. */
  private metadata(o: KubeObject, patches: Code[]): ReadonlyArray<readonly [string, Code | undefined]> {
    const m = o.metadata as Json;
    for (const k of Object.keys(m).sort(byteOrder)) {
      if (['name', 'namespace', 'labels', 'annotations'].includes(k)) continue;
      this.hatch(o, `metadata.${k}`, 'no construct prop');
      patches.push(this.patch('add', `/metadata/${pointer(k)}`, m[k]));
    }
    return [
      ['name', tsString(nm(o))],
      ['namespace', o.metadata.namespace !== undefined ? tsString(o.metadata.namespace) : undefined],
      ['labels', m.labels !== undefined ? literal(m.labels) : undefined],
      ['annotations', m.annotations !== undefined ? literal(m.annotations) : undefined],
    ];
  }

  private patch(op: 'add' | 'replace', path: string, value: unknown): Code {
    this.cdk8sImports.add('JsonPatch');
    return { call: `JsonPatch.${op}`, args: [tsString(path), literal(value)] };
  }

  private object(o: KubeObject): string[] {
    const known = `${o.apiVersion}/${o.kind}`;
    switch (known) {
      case `${GATEWAY_GROUP}/v1/GatewayClass`:
        return this.gatewayClass(o);
      case `${GATEWAY_GROUP}/v1/Gateway`:
        return this.gateway(o);
      case `${GATEWAY_GROUP}/v1/HTTPRoute`:
        return this.httpRoute(o);
      case `${GATEWAY_GROUP}/v1alpha2/TCPRoute`:
      case `${GATEWAY_GROUP}/v1/TCPRoute`:
      case `${GATEWAY_GROUP}/v1alpha2/UDPRoute`:
      case `${GATEWAY_GROUP}/v1/UDPRoute`:
      case `${GATEWAY_GROUP}/v1alpha2/TLSRoute`:
      case `${GATEWAY_GROUP}/v1/TLSRoute`:
        if (o.apiVersion === `${GATEWAY_GROUP}/v1`) return this.streamRoute(o);
        break;
    }
    return this.plain(o, `no construct of cdk8s-gateway for ${o.apiVersion} ${o.kind}`);
  }

  /** A whole object as a plain cdk8s ApiObject (the typed escape hatch for kinds without a construct). */
  private plain(o: KubeObject, why: string): string[] {
    this.cdk8sImports.add('ApiObject');
    this.hatch(o, '(whole object)', why);
    const { apiVersion, kind, metadata, ...rest } = o as unknown as Json;
    const props = obj([['apiVersion', tsString(String(apiVersion))], ['kind', tsString(String(kind))], ['metadata', literal(metadata)], ...Object.keys(rest).map((k) => [propKey(k), literal(rest[k])] as const)]);
    return [...comment(`ESCAPE HATCH: ${why}: a plain cdk8s ApiObject`, ''), `new ApiObject(chart, ${tsString(this.id(o))}, ${print(props, 0)});`];
  }

  private gatewayClass(o: KubeObject): string[] {
    const variable = this.classVars.get(nm(o))!;
    const patches: Code[] = [];
    const spec = rec(o.spec);
    const meta = this.metadata(o, patches).filter(([k]) => k !== 'namespace');
    const extra = Object.keys(spec).filter((k) => !['controllerName', 'description'].includes(k)).sort(byteOrder);
    for (const k of extra) {
      this.hatch(o, `spec.${k}`, 'written as JSON (no typed form here)');
      patches.push(this.patch('add', `/spec/${pointer(k)}`, spec[k]));
    }
    const controller = str(spec.controllerName) ?? '';
    const description = str(spec.description);
    const id = tsString(this.id(o));
    this.use('GatewayClass');
    let expr: string;
    if (controller === BUILTIN_CONTROLLER_NAME) {
      const props = obj([...meta.filter(([k]) => k !== 'name' || nm(o) !== 'cdk8s-gateway'), ['description', description !== undefined ? tsString(description) : undefined]]);
      expr = `GatewayClass.builtin(chart, ${id}${flat(props) === '{}' ? '' : `, ${print(props, 0)}`})`;
    } else {
      expr = `new GatewayClass(chart, ${id}, ${print(obj([...meta, ['controllerName', tsString(controller)], ['description', description !== undefined ? tsString(description) : undefined]]), 0)})`;
    }
    const lines = controller === BUILTIN_CONTROLLER_NAME ? comment('the built-in nginx proxy serves this class (`cdk8s-gateway render`, or a GatewayProxy in the cluster)', '') : [];
    lines.push(`const ${variable} = ${expr};`);
    return [...lines, ...this.applyPatches(variable, patches, o)];
  }

  /**
   * Runs `typed`; when it throws {@link Inexpressible}, undoes what it recorded (imports, Backend
   * variables, used variables), so a left-out item leaves no unused declaration behind.
   */
  private attempt<T>(typed: () => T): T {
    const mark = this.undo.length;
    try {
      return typed();
    } catch (e) {
      while (this.undo.length > mark) this.undo.pop()!();
      throw e;
    }
  }

  private markUsed(variable: string): void {
    if (this.usedVars.has(variable)) return;
    this.usedVars.add(variable);
    this.undo.push(() => this.usedVars.delete(variable));
  }

  /**
   * The typed items of `spec[field]`; an item with a field no prop expresses is left out and put
   * back by a JSON patch at its index (ascending, so each lands where it was).
   */
  private items(o: KubeObject, spec: Json, field: string, patches: Code[], typed: (item: unknown, where: string) => Code): Code[] {
    const all = list(spec[field]);
    const out: Code[] = [];
    const failed: number[] = [];
    all.forEach((item, i) => {
      const where = `spec.${field}[${i}]`;
      try {
        out.push(this.attempt(() => typed(item, where)));
      } catch (e) {
        if (!(e instanceof Inexpressible)) throw e;
        this.hatch(o, where, e.message);
        failed.push(i);
      }
    });
    if (failed.length && !out.length) patches.push(this.patch('add', `/spec/${field}`, all));
    else for (const i of failed) patches.push(this.patch('add', `/spec/${field}/${i}`, all[i]));
    return out;
  }

  private applyPatches(variable: string, patches: Code[], o: KubeObject): string[] {
    if (!patches.length) return [];
    this.patched.add(variable);
    return [...comment(`ESCAPE HATCH: fields of ${o.kind} ${nm(o)} no construct prop expresses, as JSON patches of the synthesized object`, ''), ...patches.map((p) => `${variable}.apiObject.addJsonPatch(${print(p, 0, variable.length + 24)});`)];
  }

  private gateway(o: KubeObject): string[] {
    const key = `${o.metadata.namespace ?? 'default'}/${nm(o)}`;
    const variable = this.gatewayVars.get(key)!;
    const patches: Code[] = [];
    const spec = rec(o.spec);
    const meta = this.metadata(o, patches);
    for (const k of Object.keys(spec).filter((x) => !['gatewayClassName', 'listeners'].includes(x)).sort(byteOrder)) {
      this.hatch(o, `spec.${k}`, 'written as JSON (no typed form here)');
      patches.push(this.patch('add', `/spec/${pointer(k)}`, spec[k]));
    }
    const className = str(spec.gatewayClassName) ?? '';
    const classObject = this.objects.find((x) => x.kind === 'GatewayClass' && nm(x) === className);
    if (classObject && rec(classObject.spec).controllerName === BUILTIN_CONTROLLER_NAME) this.builtinGateways.push(variable);
    let cls = this.classVars.get(className);
    if (cls) this.markUsed(cls);
    if (!cls) {
      this.use('GatewayClass');
      cls = `GatewayClass.fromName(${tsString(className)})`;
    }
    const listeners = this.items(o, spec, 'listeners', patches, (l, where) => this.listener(l, where, o.metadata.namespace ?? 'default'));
    const props = obj([...meta, ['gatewayClass', cls], ['listeners', listeners.length ? { arr: listeners } : undefined]]);
    this.use('Gateway');
    return [`const ${variable} = new Gateway(chart, ${tsString(this.id(o))}, ${print(props, 0)});`, ...this.applyPatches(variable, patches, o)];
  }

  private listener(raw: unknown, where: string, gatewayNamespace: string): Code {
    const l = only(raw, ['name', 'port', 'protocol', 'hostname', 'tls', 'allowedRoutes'], where);
    const protocol = str(l.protocol) ?? '';
    const name = need(str(l.name), `${where}.name`);
    const port = need(num(l.port), `${where}.port`);
    const factories: Record<string, [string, number | undefined]> = { HTTP: ['http', 80], HTTPS: ['https', 443], TLS: ['tls', 443], TCP: ['tcp', undefined], UDP: ['udp', undefined] };
    const f = factories[protocol];
    if (!f) throw new Inexpressible(`${where}.protocol ${JSON.stringify(protocol)} has no Listener factory`);
    const entries: [string, Code | undefined][] = [['name', tsString(name)]];
    if (f[1] !== port) entries.push(['port', String(port)]);
    if (l.hostname !== undefined) entries.push(['hostname', tsString(need(str(l.hostname), `${where}.hostname`))]);
    if (l.tls !== undefined) {
      const tls = only(l.tls, ['mode', 'certificateRefs', 'options'], `${where}.tls`);
      const mode = str(tls.mode) ?? 'Terminate';
      if (protocol === 'HTTPS' && mode !== 'Terminate') throw new Inexpressible(`${where}.tls.mode ${mode} on HTTPS`);
      if (protocol === 'TLS') {
        this.use('TlsMode');
        entries.push(['mode', mode === 'Terminate' ? 'TlsMode.TERMINATE' : mode === 'Passthrough' ? 'TlsMode.PASSTHROUGH' : (() => { throw new Inexpressible(`${where}.tls.mode ${mode}`); })()]);
      }
      const refs = list(tls.certificateRefs).map((r, j) => this.certificate(r, `${where}.tls.certificateRefs[${j}]`, gatewayNamespace));
      if (refs.length) entries.push(['certificates', { arr: refs }]);
      if (tls.options !== undefined) entries.push(['tlsOptions', literal(tls.options)]);
    }
    if (l.allowedRoutes !== undefined) {
      const ar = only(l.allowedRoutes, ['namespaces', 'kinds'], `${where}.allowedRoutes`);
      if (ar.namespaces !== undefined) {
        const ns = only(ar.namespaces, ['from', 'selector'], `${where}.allowedRoutes.namespaces`);
        this.use('RouteNamespaces');
        const from = str(ns.from) ?? 'Same';
        if (from === 'All' && ns.selector === undefined) entries.push(['routeNamespaces', 'RouteNamespaces.all()']);
        else if (from === 'Same' && ns.selector === undefined) entries.push(['routeNamespaces', 'RouteNamespaces.same()']);
        else if (from === 'Selector' && ns.selector !== undefined) entries.push(['routeNamespaces', { call: 'RouteNamespaces.selector', args: [literal(ns.selector)] }]);
        else throw new Inexpressible(`${where}.allowedRoutes.namespaces ${JSON.stringify(ns)}`);
      }
      if (ar.kinds !== undefined) {
        this.use('RouteKind');
        const kinds = list(ar.kinds).map((k, j) => {
          const kk = only(k, ['group', 'kind'], `${where}.allowedRoutes.kinds[${j}]`);
          const kind = need(str(kk.kind), `${where}.allowedRoutes.kinds[${j}].kind`);
          const group = str(kk.group) ?? GATEWAY_GROUP;
          const constant = { HTTPRoute: 'HTTP_ROUTE', GRPCRoute: 'GRPC_ROUTE', TLSRoute: 'TLS_ROUTE', TCPRoute: 'TCP_ROUTE', UDPRoute: 'UDP_ROUTE' }[kind];
          return group === GATEWAY_GROUP && constant ? `RouteKind.${constant}` : `RouteKind.of(${tsString(kind)}, ${tsString(group)})`;
        });
        entries.push(['routeKinds', { arr: kinds }]);
      }
    }
    this.use('Listener');
    return { call: `Listener.${f[0]}`, args: [obj(entries)] };
  }

  private certificate(raw: unknown, where: string, gatewayNamespace: string): Code {
    const r = only(raw, ['group', 'kind', 'name', 'namespace'], where);
    const name = need(str(r.name), `${where}.name`);
    const ns = str(r.namespace);
    const cross = ns !== undefined && ns !== gatewayNamespace;
    const grant = cross && this.explicitGrants ? 'false' : undefined;
    this.use('TlsCertificate');
    if ((str(r.group) ?? '') === '' && (str(r.kind) ?? 'Secret') === 'Secret') {
      const opts = obj([['namespace', ns !== undefined ? tsString(ns) : undefined], ['referenceGrant', grant]]);
      return { call: 'TlsCertificate.fromSecret', args: flat(opts) === '{}' ? [tsString(name)] : [tsString(name), opts] };
    }
    return { call: 'TlsCertificate.fromRef', args: [obj([['group', tsString(str(r.group) ?? '')], ['kind', tsString(str(r.kind) ?? 'Secret')], ['name', tsString(name)], ['namespace', ns !== undefined ? tsString(ns) : undefined], ['referenceGrant', grant]])] };
  }

  private parents(o: KubeObject, spec: Json): Code {
    const routeNs = o.metadata.namespace ?? 'default';
    return {
      arr: list(spec.parentRefs).map((p, i) => {
        const where = `spec.parentRefs[${i}]`;
        const r = only(p, ['group', 'kind', 'name', 'namespace', 'sectionName', 'port'], where);
        const group = str(r.group) ?? GATEWAY_GROUP;
        const kind = str(r.kind) ?? 'Gateway';
        const name = need(str(r.name), `${where}.name`);
        const ns = str(r.namespace);
        const opts = obj([['sectionName', r.sectionName !== undefined ? tsString(need(str(r.sectionName), `${where}.sectionName`)) : undefined], ['port', r.port !== undefined ? String(need(num(r.port), `${where}.port`)) : undefined]]);
        const args = (first: Code[]) => (flat(opts) === '{}' ? first : [...first, opts]);
        if (group !== GATEWAY_GROUP) throw new Inexpressible(`${where}.group ${group}`);
        this.use('ParentRef');
        if (kind === 'Gateway') {
          const gw = this.gatewayVars.get(`${ns ?? routeNs}/${name}`);
          if (gw) {
            this.markUsed(gw);
            return { call: 'ParentRef.gateway', args: args([gw]) };
          }
          return { call: 'ParentRef.gatewayName', args: args(ns !== undefined || flat(opts) !== '{}' ? [tsString(name), ns !== undefined ? tsString(ns) : 'undefined'] : [tsString(name)]) };
        }
        if (kind === 'ListenerSet') return { call: 'ParentRef.listenerSet', args: args([tsString(name), ns !== undefined ? tsString(ns) : 'undefined']) };
        throw new Inexpressible(`${where}.kind ${kind}`);
      }),
    };
  }

  /** A backend: a shared `Backend.fromName` variable per Service and port, with weight / filters applied. */
  private backend(raw: unknown, where: string, routeNs: string, allowFilters: boolean): Code {
    const b = only(raw, allowFilters ? ['group', 'kind', 'name', 'namespace', 'port', 'weight', 'filters'] : ['group', 'kind', 'name', 'namespace', 'port', 'weight'], where);
    const group = str(b.group) ?? '';
    const kind = str(b.kind) ?? 'Service';
    const name = need(str(b.name), `${where}.name`);
    const ns = str(b.namespace) ?? routeNs;
    const port = b.port !== undefined ? need(num(b.port), `${where}.port`) : undefined;
    const weight = b.weight !== undefined ? need(num(b.weight), `${where}.weight`) : undefined;
    const grant = ns !== routeNs && this.explicitGrants ? 'false' : undefined;
    this.use('Backend');
    let base: string;
    if (group === '' && kind === 'Service' && port !== undefined) {
      const key = `${ns}/${name}:${port}${grant ? ':nogrant' : ''}`;
      let v = this.backends.get(key);
      if (!v) {
        const same = [...this.backends.values()].filter((x) => x.name === name);
        const variable = this.variable(same.length ? `${name}-${ns === routeNs ? '' : `${ns}-`}${port}` : name, 'service');
        v = { variable, namespace: ns, name, code: { call: 'Backend.fromName', args: [tsString(name), obj([['namespace', tsString(ns)], ['port', String(port)], ['referenceGrant', grant]])] } };
        this.backends.set(key, v);
        this.undo.push(() => this.backends.delete(key));
      }
      base = v.variable;
    } else {
      base = flat({ call: 'Backend.fromRef', args: [obj([['group', tsString(group)], ['kind', tsString(kind)], ['name', tsString(name)], ['namespace', tsString(ns)], ['port', port !== undefined ? String(port) : undefined], ['referenceGrant', grant]])] });
    }
    if (weight !== undefined) base = `${base}.withWeight(${weight})`;
    const filters = list(b.filters);
    if (filters.length) return { call: `${base}.withFilters`, args: filters.map((f, i) => this.filter(f, `${where}.filters[${i}]`, routeNs)) };
    return base;
  }

  /**
   * The built-in proxy's route options (`cdk8s-gateway.dev/max-request-body-size`, …) as the typed
   * `proxy` prop, and the metadata without those annotations; unchanged when a value has no typed
   * form here (a size that is not whole KiB, or a value the options parser refuses).
   */
  private proxyProp(o: KubeObject, meta: ReadonlyArray<readonly [string, Code | undefined]>): ReadonlyArray<readonly [string, Code | undefined]> {
    const annotations = rec(o.metadata.annotations);
    const keys = Object.values(PROXY_OPTION_ANNOTATIONS) as string[];
    if (!Object.keys(annotations).some((k) => keys.includes(k))) return meta;
    const parsed = parseProxyOptions(annotations);
    if (parsed.problems.length) return meta;
    const size = (bytes: number): Code | undefined =>
      bytes > 0 && bytes % 2 ** 20 === 0 ? { call: 'Size.mebibytes', args: [String(bytes / 2 ** 20)] } : bytes % 1024 === 0 ? { call: 'Size.kibibytes', args: [String(bytes / 1024)] } : undefined;
    const entries: Array<readonly [string, Code | undefined]> = [];
    for (const k of PROXY_OPTION_KEYS) {
      const v = parsed.options[k];
      if (v === undefined) continue;
      const code = typeof v === 'number' ? size(v) : { arr: v.map((r) => tsString(r)) };
      if (!code) return meta;
      entries.push([k, code]);
    }
    this.cdk8sImports.add('Size');
    const rest = Object.fromEntries(Object.entries(annotations).filter(([k]) => !keys.includes(k)));
    return [...meta.map(([k, v]) => (k === 'annotations' ? ([k, Object.keys(rest).length ? literal(rest) : undefined] as const) : ([k, v] as const))), ['proxy', obj(entries)]];
  }

  private httpRoute(o: KubeObject): string[] {
    const patches: Code[] = [];
    const spec = rec(o.spec);
    const meta = this.proxyProp(o, this.metadata(o, patches));
    const routeNs = o.metadata.namespace ?? 'default';
    for (const k of Object.keys(spec).filter((x) => !['parentRefs', 'hostnames', 'rules'].includes(x)).sort(byteOrder)) {
      this.hatch(o, `spec.${k}`, 'written as JSON (no typed form here)');
      patches.push(this.patch('add', `/spec/${pointer(k)}`, spec[k]));
    }
    let parents: Code | undefined;
    try {
      parents = list(spec.parentRefs).length ? this.attempt(() => this.parents(o, spec)) : undefined;
    } catch (e) {
      if (!(e instanceof Inexpressible)) throw e;
      this.hatch(o, 'spec.parentRefs', e.message);
      patches.push(this.patch('add', '/spec/parentRefs', spec.parentRefs));
    }
    const rules = this.items(o, spec, 'rules', patches, (r, where) => this.httpRule(r, where, routeNs));
    const hostnames = list(spec.hostnames);
    const props = obj([...meta, ['parents', parents], ['hostnames', hostnames.length ? { arr: hostnames.map((h) => tsString(String(h))) } : undefined], ['rules', rules.length ? { arr: rules } : undefined]]);
    this.use('HttpRoute');
    const lines = this.origin(o);
    const ctor = `new HttpRoute(chart, ${tsString(this.id(o))}, ${print(props, 0)})`;
    if (!patches.length) return [...lines, `${ctor};`];
    const v = this.variable(`${nm(o)}-route`);
    return [...lines, `const ${v} = ${ctor};`, ...this.applyPatches(v, patches, o)];
  }

  /**
   * `// from Ingress ns/name` when the route's name is its Ingress's (import names routes after
   * them: `name`, `name-<host>`, `name-ssl-redirect`, `name-default-backend`; the longest matching
   * Ingress name wins), and on the Ingress's first route the report's non-converted items.
   */
  private origin(o: KubeObject): string[] {
    const ns = o.metadata.namespace ?? 'default';
    const candidates = (this.ingressesByNamespace.get(ns) ?? []).filter((iname) => nm(o) === iname || nm(o).startsWith(`${iname}-`)).map((iname) => `${ns}/${iname}`);
    const best = candidates.sort((a, b) => b.length - a.length || byteOrder(a, b))[0];
    if (!best) return [];
    const lines = comment(`from Ingress ${best}`, '');
    if (!this.noted.has(best)) {
      this.noted.add(best);
      for (const i of (this.reportByIngress.get(best) ?? []).filter((x) => x.result !== 'converted')) lines.push(...wrapComment(`${i.result}: ${i.annotation} — ${i.detail}`, '//   '));
    }
    return lines;
  }

  private httpRule(raw: unknown, where: string, routeNs: string): Code {
    const r = only(raw, ['name', 'matches', 'filters', 'backendRefs', 'timeouts'], where);
    const entries: [string, Code | undefined][] = [];
    if (r.name !== undefined) entries.push(['name', tsString(need(str(r.name), `${where}.name`))]);
    if (r.matches !== undefined) entries.push(['matches', { arr: list(r.matches).map((m, i) => this.match(m, `${where}.matches[${i}]`)) }]);
    if (r.filters !== undefined) entries.push(['filters', { arr: list(r.filters).map((f, i) => this.filter(f, `${where}.filters[${i}]`, routeNs)) }]);
    if (r.backendRefs !== undefined) entries.push(['backends', { arr: list(r.backendRefs).map((b, i) => this.backend(b, `${where}.backendRefs[${i}]`, routeNs, true)) }]);
    if (r.timeouts !== undefined) {
      const t = only(r.timeouts, ['request', 'backendRequest'], `${where}.timeouts`);
      entries.push(['timeouts', obj([['request', t.request !== undefined ? tsString(String(t.request)) : undefined], ['backendRequest', t.backendRequest !== undefined ? tsString(String(t.backendRequest)) : undefined]])]);
    }
    return obj(entries);
  }

  private match(raw: unknown, where: string): Code {
    const m = only(raw, ['path', 'headers', 'queryParams', 'method'], where);
    let path: string | undefined;
    if (m.path !== undefined) {
      const p = only(m.path, ['type', 'value'], `${where}.path`);
      const type = str(p.type) ?? 'PathPrefix';
      const fn = { Exact: 'exact', PathPrefix: 'prefix', RegularExpression: 'regex' }[type];
      if (!fn) throw new Inexpressible(`${where}.path.type ${type}`);
      this.use('PathMatch');
      path = `PathMatch.${fn}(${tsString(str(p.value) ?? '/')})`;
    }
    const values = (field: 'headers' | 'queryParams', cls: string): string[] =>
      list(m[field]).map((h, i) => {
        const e = only(h, ['name', 'value', 'type'], `${where}.${field}[${i}]`);
        const type = str(e.type) ?? 'Exact';
        if (type !== 'Exact' && type !== 'RegularExpression') throw new Inexpressible(`${where}.${field}[${i}].type ${type}`);
        this.use(cls);
        return `${cls}.${type === 'Exact' ? 'exact' : 'regex'}(${tsString(need(str(e.name), `${where}.${field}[${i}].name`))}, ${tsString(need(str(e.value), `${where}.${field}[${i}].value`))})`;
      });
    const headers = values('headers', 'HeaderMatch');
    const query = values('queryParams', 'QueryParamMatch');
    let method: string | undefined;
    if (m.method !== undefined) {
      const mm = str(m.method) ?? '';
      if (!['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'].includes(mm)) throw new Inexpressible(`${where}.method ${mm}`);
      this.use('HttpMethod');
      method = `HttpMethod.${mm}`;
    }
    if (path !== undefined) {
      let c = path;
      if (headers.length) c = `${c}.withHeaders(${headers.join(', ')})`;
      if (query.length) c = `${c}.withQueryParams(${query.join(', ')})`;
      if (method) c = `${c}.withMethod(${method})`;
      return c;
    }
    this.use('HttpMatch');
    return { call: 'HttpMatch.of', args: [obj([['headers', headers.length ? { arr: headers } : undefined], ['queryParams', query.length ? { arr: query } : undefined], ['method', method]])] };
  }

  private pathModifier(raw: unknown, where: string): string {
    const p = rec(raw);
    const type = str(p.type);
    this.use('PathModifier');
    if (type === 'ReplaceFullPath') {
      only(p, ['type', 'replaceFullPath'], where);
      return `PathModifier.replaceFullPath(${tsString(need(str(p.replaceFullPath), `${where}.replaceFullPath`))})`;
    }
    if (type === 'ReplacePrefixMatch') {
      only(p, ['type', 'replacePrefixMatch'], where);
      return `PathModifier.replacePrefixMatch(${tsString(need(str(p.replacePrefixMatch), `${where}.replacePrefixMatch`))})`;
    }
    throw new Inexpressible(`${where}.type ${JSON.stringify(type)}`);
  }

  private headerModifier(raw: unknown, where: string): Code {
    const h = only(raw, ['set', 'add', 'remove'], where);
    const map = (field: 'set' | 'add'): Code | undefined => {
      if (h[field] === undefined) return undefined;
      const entries = list(h[field]).map((e, i) => {
        const x = only(e, ['name', 'value'], `${where}.${field}[${i}]`);
        return [need(str(x.name), `${where}.${field}[${i}].name`), need(str(x.value), `${where}.${field}[${i}].value`)] as const;
      });
      // a props object keeps the order of its keys, except for integer-like ones (JavaScript lists them first)
      if (entries.some(([n]) => /^(0|[1-9][0-9]*)$/.test(n)) || new Set(entries.map(([n]) => n)).size !== entries.length) throw new Inexpressible(`${where}.${field}: header names an object literal would reorder or merge`);
      return { obj: entries.map(([n, v]) => [propKey(n), tsString(v)] as const) };
    };
    return obj([['set', map('set')], ['add', map('add')], ['remove', h.remove !== undefined ? { arr: list(h.remove).map((x) => tsString(String(x))) } : undefined]]);
  }

  private filter(raw: unknown, where: string, routeNs: string): Code {
    const f = rec(raw);
    const type = str(f.type);
    this.use('HttpFilter');
    switch (type) {
      case 'RequestHeaderModifier':
        only(f, ['type', 'requestHeaderModifier'], where);
        return { call: 'HttpFilter.requestHeaders', args: [this.headerModifier(f.requestHeaderModifier, `${where}.requestHeaderModifier`)] };
      case 'ResponseHeaderModifier':
        only(f, ['type', 'responseHeaderModifier'], where);
        return { call: 'HttpFilter.responseHeaders', args: [this.headerModifier(f.responseHeaderModifier, `${where}.responseHeaderModifier`)] };
      case 'RequestRedirect': {
        only(f, ['type', 'requestRedirect'], where);
        const r = only(f.requestRedirect, ['scheme', 'hostname', 'port', 'path', 'statusCode'], `${where}.requestRedirect`);
        return {
          call: 'HttpFilter.redirect',
          args: [obj([
            ['scheme', r.scheme !== undefined ? tsString(String(r.scheme)) : undefined],
            ['hostname', r.hostname !== undefined ? tsString(String(r.hostname)) : undefined],
            ['port', r.port !== undefined ? String(need(num(r.port), `${where}.requestRedirect.port`)) : undefined],
            ['path', r.path !== undefined ? this.pathModifier(r.path, `${where}.requestRedirect.path`) : undefined],
            ['statusCode', r.statusCode !== undefined ? String(need(num(r.statusCode), `${where}.requestRedirect.statusCode`)) : undefined],
          ])],
        };
      }
      case 'URLRewrite': {
        only(f, ['type', 'urlRewrite'], where);
        const r = only(f.urlRewrite, ['hostname', 'path'], `${where}.urlRewrite`);
        return { call: 'HttpFilter.urlRewrite', args: [obj([['hostname', r.hostname !== undefined ? tsString(String(r.hostname)) : undefined], ['path', r.path !== undefined ? this.pathModifier(r.path, `${where}.urlRewrite.path`) : undefined]])] };
      }
      case 'RequestMirror': {
        only(f, ['type', 'requestMirror'], where);
        const m = only(f.requestMirror, ['backendRef', 'percent', 'fraction'], `${where}.requestMirror`);
        const backend = this.backend(m.backendRef, `${where}.requestMirror.backendRef`, routeNs, false);
        const opts = obj([['percent', m.percent !== undefined ? String(need(num(m.percent), `${where}.requestMirror.percent`)) : undefined], ['fraction', m.fraction !== undefined ? literal(only(m.fraction, ['numerator', 'denominator'], `${where}.requestMirror.fraction`)) : undefined]]);
        return { call: 'HttpFilter.mirror', args: flat(opts) === '{}' ? [backend] : [backend, opts] };
      }
      case 'CORS': {
        only(f, ['type', 'cors'], where);
        const c = only(f.cors, ['allowOrigins', 'allowMethods', 'allowHeaders', 'exposeHeaders', 'allowCredentials', 'maxAge'], `${where}.cors`);
        const strings = (k: string) => (c[k] !== undefined ? { arr: list(c[k]).map((x) => tsString(String(x))) } : undefined);
        return {
          call: 'HttpFilter.cors',
          args: [obj([
            ['allowOrigins', strings('allowOrigins')],
            ['allowMethods', strings('allowMethods')],
            ['allowHeaders', strings('allowHeaders')],
            ['exposeHeaders', strings('exposeHeaders')],
            ['allowCredentials', typeof c.allowCredentials === 'boolean' ? String(c.allowCredentials) : undefined],
            ['maxAge', c.maxAge !== undefined ? String(need(num(c.maxAge), `${where}.cors.maxAge`)) : undefined],
          ])],
        };
      }
      case 'ExtensionRef': {
        only(f, ['type', 'extensionRef'], where);
        const e = only(f.extensionRef, ['group', 'kind', 'name'], `${where}.extensionRef`);
        return { call: 'HttpFilter.extensionRef', args: [obj([['group', tsString(String(e.group ?? ''))], ['kind', tsString(String(e.kind ?? ''))], ['name', tsString(String(e.name ?? ''))]])] };
      }
      default:
        throw new Inexpressible(`${where}.type ${JSON.stringify(type)} has no HttpFilter factory`);
    }
  }

  private streamRoute(o: KubeObject): string[] {
    const patches: Code[] = [];
    const spec = rec(o.spec);
    const meta = this.metadata(o, patches);
    const routeNs = o.metadata.namespace ?? 'default';
    const cls = { TCPRoute: 'TcpRoute', UDPRoute: 'UdpRoute', TLSRoute: 'TlsRoute' }[o.kind]!;
    const rules = list(spec.rules);
    try {
      return this.attempt(() => this.typedStreamRoute(o, spec, meta, patches, rules, routeNs, cls));
    } catch (e) {
      if (!(e instanceof Inexpressible)) throw e;
      return this.plain(o, e.message);
    }
  }

  private typedStreamRoute(o: KubeObject, spec: Json, meta: ReadonlyArray<readonly [string, Code | undefined]>, patches: Code[], rules: unknown[], routeNs: string, cls: string): string[] {
    only(spec, o.kind === 'TLSRoute' ? ['parentRefs', 'hostnames', 'rules'] : ['parentRefs', 'rules'], 'spec');
    if (rules.length !== 1) throw new Inexpressible(`spec.rules has ${rules.length} rules (the construct writes one)`);
    const rule = only(rules[0], ['name', 'backendRefs'], 'spec.rules[0]');
    const backends = list(rule.backendRefs).map((b, i) => this.backend(b, `spec.rules[0].backendRefs[${i}]`, routeNs, false));
    if (!backends.length) throw new Inexpressible('spec.rules[0].backendRefs is empty');
    const props = obj([
      ...meta,
      ['parents', list(spec.parentRefs).length ? this.parents(o, spec) : undefined],
      ['hostnames', o.kind === 'TLSRoute' ? { arr: list(spec.hostnames).map((h) => tsString(String(h))) } : undefined],
      ['ruleName', rule.name !== undefined ? tsString(String(rule.name)) : undefined],
      ['backends', { arr: backends }],
    ]);
    this.use(cls);
    const ctor = `new ${cls}(chart, ${tsString(this.id(o))}, ${print(props, 0)})`;
    if (!patches.length) return [`${ctor};`];
    const v = this.variable(`${nm(o)}-route`);
    return [`const ${v} = ${ctor};`, ...this.applyPatches(v, patches, o)];
  }

  private grant(o: KubeObject): string[] {
    const spec = rec(o.spec);
    try {
      only(spec, ['from', 'to'], 'spec');
      const from = list(spec.from).map((f, i) => {
        const x = only(f, ['group', 'kind', 'namespace'], `spec.from[${i}]`);
        return obj([['group', x.group !== undefined ? tsString(String(x.group)) : undefined], ['kind', tsString(String(x.kind ?? ''))], ['namespace', tsString(String(x.namespace ?? ''))]]);
      });
      const to = list(spec.to).map((t, i) => {
        const x = only(t, ['group', 'kind', 'name'], `spec.to[${i}]`);
        return obj([['group', x.group !== undefined ? tsString(String(x.group)) : undefined], ['kind', tsString(String(x.kind ?? ''))], ['name', x.name !== undefined ? tsString(String(x.name)) : undefined]]);
      });
      if (o.apiVersion !== `${GATEWAY_GROUP}/v1`) throw new Inexpressible(`apiVersion ${o.apiVersion} (the construct writes ${GATEWAY_GROUP}/v1)`);
      const patches: Code[] = [];
      const props = obj([...this.metadata(o, patches), ['from', { arr: from }], ['to', { arr: to }]]);
      this.use('ReferenceGrant');
      const ctor = `new ReferenceGrant(chart, ${tsString(this.id(o))}, ${print(props, 0)})`;
      if (!patches.length) return [`${ctor};`];
      const v = this.variable(`${nm(o)}-grant`);
      return [`const ${v} = ${ctor};`, ...this.applyPatches(v, patches, o)];
    } catch (e) {
      if (!(e instanceof Inexpressible)) throw e;
      return this.plain(o, e.message);
    }
  }

  /** The namespaces the app's objects use, split into existing ones (declared external) and missing ones. */
  private externalNamespaces(): { namespaces: string[]; missing: string[] } {
    const existing = new Set<string>();
    const used = new Set<string>();
    for (const o of this.objects) {
      const ns = o.metadata.namespace;
      if (o.kind === 'Namespace' && o.apiVersion === 'v1') existing.add(nm(o));
      else if (LEFT_OUT.has(`${o.apiVersion}/${o.kind}`) && ns) existing.add(ns);
      else if (ns) used.add(ns);
      // routes live where their Ingresses did: ingress-nginx served them, so the namespace exists
      if (ns && /Route$/.test(o.kind)) existing.add(ns);
    }
    for (const i of this.report) {
      const m = /^([a-z0-9][-a-z0-9]*)\/[^/]+$/.exec(i.ingress);
      if (m) existing.add(m[1]);
    }
    const always = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
    const namespaces = [...used].filter((n) => existing.has(n) && !always.has(n)).sort(byteOrder);
    const missing = [...used].filter((n) => !existing.has(n) && !always.has(n)).sort(byteOrder);
    return { namespaces, missing };
  }
}

/** Comment lines of at most WIDTH columns (words longer than that stay whole); line terminators removed. */
function wrapComment(text: string, prefix: string): string[] {
  const words = comment(text, '')[0].slice(3).split(' ').filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && prefix.length + line.length + 1 + w.length > WIDTH) {
      lines.push(`${prefix}${line}`);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(`${prefix}${line}`);
  return lines.map((l, i) => (i === 0 ? l : l.replace(/^\/\/ {3}/, '//     ')));
}

function importLine(names: string[]): string {
  const one = `import { ${names.join(', ')} } from 'cdk8s-gateway';`;
  if (one.length <= WIDTH) return one;
  return `import {\n${names.map((n) => `  ${n},\n`).join('')}} from 'cdk8s-gateway';`;
}

/** A JSON pointer segment. */
function pointer(k: string): string {
  return k.replace(/~/g, '~0').replace(/\//g, '~1');
}

interface GrantShape {
  readonly namespace: string;
  readonly name: string;
  readonly spec: string;
}

/** The ReferenceGrants the constructs derive for the cross-namespace references of `objects` (see ensureReferenceGrant). */
function derivedGrants(objects: readonly KubeObject[]): GrantShape[] {
  const grants = new Map<string, { namespace: string; name: string; from: Json; to: Set<string> }>();
  const add = (toNs: string, fromKind: string, fromNs: string, toGroup: string, toKind: string, toName: string) => {
    const key = [toNs, GATEWAY_GROUP, fromKind, fromNs, toGroup, toKind].join('|');
    let g = grants.get(key);
    if (!g) grants.set(key, (g = { namespace: toNs, name: `${fromNs}-${fromKind.toLowerCase()}-to-${toKind.toLowerCase()}`, from: { group: GATEWAY_GROUP, kind: fromKind, namespace: fromNs }, to: new Set() }));
    g.to.add(JSON.stringify({ group: toGroup, kind: toKind, name: toName }));
  };
  for (const o of objects) {
    const ns = o.metadata.namespace ?? 'default';
    const spec = rec(o.spec);
    if (o.kind === 'Gateway') {
      for (const l of list(spec.listeners)) {
        for (const c of list(rec(rec(l).tls).certificateRefs)) {
          const r = rec(c);
          if (typeof r.namespace === 'string' && r.namespace !== ns) add(r.namespace, 'Gateway', ns, str(r.group) ?? '', str(r.kind) ?? 'Secret', String(r.name));
        }
      }
    }
    if (/Route$/.test(o.kind)) {
      const refs: Json[] = [];
      for (const rule of list(spec.rules)) {
        for (const b of list(rec(rule).backendRefs)) {
          refs.push(rec(b));
          for (const f of list(rec(b).filters)) if (rec(f).type === 'RequestMirror') refs.push(rec(rec(rec(f).requestMirror).backendRef));
        }
        for (const f of list(rec(rule).filters)) if (rec(f).type === 'RequestMirror') refs.push(rec(rec(rec(f).requestMirror).backendRef));
      }
      for (const r of refs) if (typeof r.namespace === 'string' && r.namespace !== ns) add(r.namespace, o.kind, ns, str(r.group) ?? '', str(r.kind) ?? 'Service', String(r.name));
    }
  }
  return [...grants.values()].map((g) => ({
    namespace: g.namespace,
    name: g.name,
    spec: JSON.stringify({ from: [g.from], to: [...g.to].sort(byteOrder).map((t) => JSON.parse(t)) }),
  }));
}

/** Whether import's grants are exactly the derived ones (same namespace, name, spec). */
function sameGrants(actual: readonly KubeObject[], derived: readonly GrantShape[]): boolean {
  const shape = (g: KubeObject): GrantShape | undefined => {
    const spec = rec(g.spec);
    if (g.apiVersion !== `${GATEWAY_GROUP}/v1` || Object.keys(g.metadata).some((k) => k !== 'name' && k !== 'namespace') || Object.keys(spec).some((k) => k !== 'from' && k !== 'to')) return undefined;
    const to = list(spec.to).map((t) => ({ group: str(rec(t).group) ?? '', kind: String(rec(t).kind), name: rec(t).name }));
    const from = list(spec.from).map((f) => ({ group: str(rec(f).group) ?? '', kind: String(rec(f).kind), namespace: String(rec(f).namespace) }));
    const sortedTo = [...to].sort((a, b) => byteOrder(`${a.group}/${a.kind}/${String(a.name ?? '')}`, `${b.group}/${b.kind}/${String(b.name ?? '')}`));
    return { namespace: g.metadata.namespace ?? 'default', name: nm(g), spec: JSON.stringify({ from, to: sortedTo }) };
  };
  const a = actual.map(shape);
  if (a.some((x) => x === undefined)) return false;
  const k = (g: GrantShape) => `${g.namespace}\u0000${g.name}\u0000${g.spec}`;
  const left = (a as GrantShape[]).map(k).sort(byteOrder);
  const right = derived.map(k).sort(byteOrder);
  return left.length === right.length && left.every((x, i) => x === right[i]);
}
