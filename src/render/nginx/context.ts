import { Diagnostic, GATEWAY_API_VERSION, ObjectRef } from '../../model';
import type { ApiVersionLookup } from '../../ir/context';
import { GatewayIR, UpstreamIR } from '../../ir/types';
import { UnsafeValueError } from './quote';
import { secretPathOf } from './paths';

/** Resolved render options (defaults applied). */
export interface Options {
  readonly backends: Readonly<Record<string, string>>;
  readonly clusterDomain: string;
  readonly listenHost?: string;
  readonly portOffset: number;
  readonly modulesPath: string;
  readonly streamModule: 'dynamic' | 'builtin';
  readonly caFiles: 'nested' | 'flat';
  readonly embedSecrets: boolean;
  readonly resolver?: string;
  readonly workerProcesses: number | 'auto';
  readonly healthPort: number;
  /**
   * Absolute directory where the proxy's entrypoint writes, before nginx starts and before each
   * reload, the TLS include files (`tls/<file>`, listed in `tls.list`) and `resolver.conf`.
   */
  readonly runtimeDir?: string;
  /** Split nginx.conf above this size into include files (see split.ts). */
  readonly maxFileBytes?: number;
  /** The nginx version the configuration targets (major, minor, patch). */
  readonly nginxVersion: readonly [number, number, number];
  /** The http block's `client_max_body_size` in bytes (0 = no limit): routes without their own limit get it. */
  readonly maxRequestBodySize: number;
  /** `keepalive` of every http upstream block; undefined: {@link defaultBackendKeepalive} of the block count */
  readonly backendKeepalive?: number;
  /** With `embedSecrets`: the Secrets (`ns/name`) of the input that hold tls.crt and tls.key. */
  readonly availableSecrets?: ReadonlySet<string>;
}

/** How a TLS include file falls back when none of its Secrets is usable (see `tls.list`). */
export type TlsFallback = 'reject' | 'none' | 'required';

/** One TLS include file the entrypoint writes: `include <runtimeDir>/tls/<file>;`. */
export interface TlsSet {
  readonly file: string;
  /** Directive prefix: `ssl` (server certificate), `proxy_ssl` / `grpc_ssl` (client certificate to upstreams). */
  readonly directive: 'ssl' | 'proxy_ssl' | 'grpc_ssl';
  readonly fallback: TlsFallback;
  readonly secrets: readonly { readonly namespace: string; readonly name: string }[];
}

/** Whether `v` is at least `min` (both major, minor, patch). */
export function versionAtLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== (min[i] ?? 0)) return (v[i] ?? 0) > (min[i] ?? 0);
  return true;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Mutable state while rendering one Gateway. */
export class RenderContext {
  readonly diags: Diagnostic[] = [];
  /** http-level `map` / `split_clients` / `geo` blocks, deduplicated by content. */
  private readonly httpBlocks = new Map<string, { name: string; text: string[] | (() => string[]) }>();
  private readonly counters = new Map<string, number>();
  /** stream-level blocks (split_clients). */
  readonly streamBlocks: string[] = [];
  /** A stream server that closes connections (invalid L4 backends) is needed. */
  needsRejectServer = false;
  /** Files other than nginx.conf (certificates, CA bundles). */
  readonly files: Record<string, string> = {};
  /**
   * `upstream {}` blocks to emit: block name → the upstream and how many times its server is
   * listed (retries: nginx retries only on the "next" server, so the same address is repeated).
   */
  readonly upstreamBlocks = new Map<string, { upstream: string; copies: number }>();
  private readonly upstreams = new Map<string, UpstreamIR>();

  constructor(
    readonly gw: GatewayIR,
    readonly opts: Options,
    private readonly apiVersions: ApiVersionLookup,
  ) {
    for (const u of gw.upstreams) this.upstreams.set(u.name, u);
    this.mapsBackends = Object.keys(opts.backends).length > 0;
  }

  /** A fresh, deterministic identifier with the given prefix. */
  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}${n}`;
  }

  /**
   * Declares an http-level block producing variable `$<prefix>N` (deduplicated: the same `body`
   * returns the same variable). `make(name)` returns the block's lines.
   */
  httpVar(prefix: string, dedupeKey: string, make: (name: string) => string[] | (() => string[])): string {
    const k = `${prefix}\u0000${dedupeKey}`;
    const hit = this.httpBlocks.get(k);
    if (hit) return hit.name;
    const name = this.next(prefix);
    this.httpBlocks.set(k, { name, text: make(name) });
    return name;
  }

  /**
   * {@link httpVar} for a block whose lines are known only when the whole Gateway is rendered (a
   * map that collects entries while servers render): `make(name)` returns the function producing
   * the lines, called by {@link httpBlockLines}.
   */
  httpVarDeferred(prefix: string, dedupeKey: string, make: (name: string) => () => string[]): string {
    return this.httpVar(prefix, dedupeKey, make);
  }

  /** Every http-level block, in creation order. */
  httpBlockLines(): string[] {
    return [...this.httpBlocks.values()].flatMap((b) => (typeof b.text === 'function' ? b.text() : b.text));
  }

  ref(kind: string, namespace: string, name: string): ObjectRef {
    return { apiVersion: this.apiVersions.get(`${kind}/${namespace}/${name}`) ?? (kind === 'Gateway' || kind.endsWith('Route') ? GATEWAY_API_VERSION : 'v1'), kind, namespace, name };
  }

  /** Records a value that cannot be rendered. */
  reject(object: ObjectRef, field: string | undefined, err: unknown, consequence: string): void {
    const msg = err instanceof UnsafeValueError ? err.message : String((err as Error)?.message ?? err);
    this.diags.push({
      severity: 'error',
      code: 'UnsupportedByDataplane',
      message: `${msg}; ${consequence}`,
      object,
      ...(field !== undefined ? { field } : {}),
      fix: 'change the value so it contains only characters valid in that field',
    });
  }

  unsupported(object: ObjectRef, field: string | undefined, message: string, fix?: string, severity: 'error' | 'warning' = 'error'): void {
    this.diags.push({ severity, code: 'UnsupportedByDataplane', message, object, ...(field !== undefined ? { field } : {}), ...(fix ? { fix } : {}) });
  }

  private readonly internal = new Map<string, number>();
  private readonly publicPorts = new Set<number>();

  /**
   * A loopback address for an internal hop (stream → http, stream → TLS terminator, the reject
   * server). nginx 1.22 has neither stream `pass` nor abstract unix sockets, and a unix socket
   * path would be relative to the working directory, not the prefix: internal hops use
   * 127.0.0.1 ports above the Linux ephemeral range (61000–65499), derived from the listener port
   * (plus offset) and `slot`, skipping the Gateway's public ports. Pod-private in Kubernetes.
   */
  internalAddress(key: string, port: number, slot: number): string {
    if (!this.publicPorts.size) {
      for (const p of this.gw.httpPorts) this.publicPorts.add(p.port + this.opts.portOffset);
      for (const p of this.gw.streamPorts) this.publicPorts.add(p.port + this.opts.portOffset);
      this.publicPorts.add(this.opts.healthPort + this.opts.portOffset);
    }
    let p = this.internal.get(key);
    if (p === undefined) {
      const taken = new Set([...this.publicPorts, ...this.internal.values()]);
      p = 61000 + (((port + this.opts.portOffset) * 31 + slot * 7) % 4500);
      while (taken.has(p)) p = p >= 65499 ? 61000 : p + 1;
      this.internal.set(key, p);
    }
    return `127.0.0.1:${p}`;
  }

  /** Secrets (kubernetes.io/tls) and CA ConfigMaps the configuration reads, by `ns/name`. */
  readonly secrets = new Map<string, { namespace: string; name: string }>();
  readonly configMaps = new Map<string, { namespace: string; name: string }>();

  useSecret(s: { namespace: string; name: string }): void {
    this.secrets.set(`${s.namespace}/${s.name}`, { namespace: s.namespace, name: s.name });
  }

  private readonly warnedSecrets = new Set<string>();
  /** TLS include files by content key (runtime certificates). */
  readonly tlsSets = new Map<string, TlsSet>();

  /**
   * The directives that give a server (`ssl`) or an upstream connection (`proxy_ssl`, `grpc_ssl`)
   * its certificates, each certificate a `kubernetes.io/tls` Secret.
   *
   * - With a `runtimeDir` (the built-in proxy): one `include`; the entrypoint writes the file from
   *   the Secrets that are mounted and valid, else the fallback (`reject`: `ssl_reject_handshake on`,
   *   `none`: nothing; `required`: the Secret volume is not optional, the pod waits for it).
   * - With `embedSecrets` (render): the certificates of Secrets in the input; when none is, the
   *   fallback and a warning naming the Secret (`required` throws: the caller closes the listener).
   * - Otherwise the mounted files, as they are.
   */
  certificateDirectives(directive: TlsSet['directive'], certs: readonly { namespace: string; name: string }[], fallback: TlsFallback, owner: ObjectRef, what: string, literalPath: (path: string) => string): string[] {
    const lines = (list: readonly { namespace: string; name: string }[]) =>
      list.flatMap((c) => [`${directive}_certificate ${literalPath(secretPathOf(c, 'tls.crt'))};`, `${directive}_certificate_key ${literalPath(secretPathOf(c, 'tls.key'))};`]);
    if (this.opts.runtimeDir !== undefined) {
      lines(certs); // validates the names as path segments
      const key = `${directive} ${fallback} ${certs.map((c) => `${c.namespace}/${c.name}`).join(' ')}`;
      let set = this.tlsSets.get(key);
      if (!set) {
        set = { file: `tls-${this.tlsSets.size + 1}.conf`, directive, fallback, secrets: certs.map((c) => ({ namespace: c.namespace, name: c.name })) };
        this.tlsSets.set(key, set);
      }
      for (const c of certs) this.useSecret(c);
      return [`include ${literalPath(`${this.opts.runtimeDir}/tls/${set.file}`)};`];
    }
    const available = this.opts.availableSecrets;
    const usable = available ? certs.filter((c) => available.has(`${c.namespace}/${c.name}`)) : certs;
    const out = lines(usable);
    for (const c of usable) this.useSecret(c);
    if (usable.length === certs.length) return out;
    const missing = certs.filter((c) => !usable.includes(c)).map((c) => `${c.namespace}/${c.name}`);
    if (!usable.length && fallback === 'required') throw new Error(`${what}: Secret ${missing.join(', ')} is not in the input, and nginx ${this.opts.nginxVersion.join('.')} cannot start this listener without a certificate`);
    const consequence = usable.length ? 'the others are used' : fallback === 'reject' ? `${what} rejects TLS handshakes until it exists (as the built-in proxy does until cert-manager writes it)` : `${what} connects without a client certificate`;
    // once per Secret and use (an HTTPS listener is a server per hostname)
    const warned = `${directive} ${fallback} ${missing.join(' ')}`;
    if (this.warnedSecrets.has(warned)) return usable.length ? out : fallback === 'reject' ? ['ssl_reject_handshake on;'] : [];
    this.warnedSecrets.add(warned);
    this.diags.push({
      severity: 'warning',
      code: 'CertificateNotInInput',
      message: `Secret ${missing.join(', ')} is not in the input: ${consequence}`,
      object: owner,
      fix: 'add the kubernetes.io/tls Secret to the input (e.g. from `kubectl get secret NAME -n NAMESPACE -o yaml`)',
    });
    return usable.length ? out : fallback === 'reject' ? ['ssl_reject_handshake on;'] : [];
  }

  useConfigMap(c: { namespace: string; name: string }): void {
    this.configMaps.set(`${c.namespace}/${c.name}`, { namespace: c.namespace, name: c.name });
  }

  upstream(name: string): UpstreamIR | undefined {
    return this.upstreams.get(name);
  }

  private readonly addresses = new Map<UpstreamIR, { address: string; mapped: boolean }>();

  /** `host:port` an upstream resolves to (the `backends` override or cluster DNS), computed once per upstream. */
  address(u: UpstreamIR): { address: string; mapped: boolean } {
    let a = this.addresses.get(u);
    if (!a) this.addresses.set(u, (a = this.computeAddress(u)));
    return a;
  }

  private computeAddress(u: UpstreamIR): { address: string; mapped: boolean } {
    // (no lookup of the key, a string made for it, when no backend is mapped: the usual case)
    const mapped = this.mapsBackends ? this.opts.backends[u.key] : undefined;
    if (mapped !== undefined) return { address: mapped, mapped: true };
    this.checkLabel(u.service, u);
    // (a namespace holds many upstreams: checked once)
    if (!this.labels.has(u.namespace)) {
      this.checkLabel(u.namespace, u);
      this.labels.add(u.namespace);
    }
    const domain = u.kind === 'ServiceImport' ? 'clusterset.local' : this.opts.clusterDomain;
    return { address: `${u.service}.${u.namespace}.svc.${domain}:${u.port}`, mapped: false };
  }

  /** Whether `backends` maps any Service port (set in the constructor). */
  private readonly mapsBackends: boolean;

  /** Namespaces found to be DNS labels (see computeAddress). */
  private readonly labels = new Set<string>();

  private checkLabel(part: string, u: UpstreamIR): void {
    if (!DNS_LABEL.test(part)) throw new UnsafeValueError(`${JSON.stringify(part)} is not a DNS label, so ${u.key} has no cluster DNS name`, part);
  }

  /**
   * Whether backends named by DNS go into `upstream` blocks with `server NAME resolve` (nginx
   * 1.27.3 and later): kept-alive connections to backends (no new connection, no TIME_WAIT socket
   * per request) and the last known addresses while DNS is down. Older nginx resolves per request.
   */
  resolvesInUpstream(): boolean {
    return this.opts.resolver !== undefined && versionAtLeast(this.opts.nginxVersion, [1, 27, 3]);
  }

  /**
   * What to put after `http://` in `proxy_pass` for an upstream: the upstream block name, or (when
   * a resolver is configured and the backend is not mapped) the DNS name, resolved per request.
   */
  target(name: string, tries = 1): { value: string; runtime: boolean } {
    const u = this.upstream(name);
    if (!u) return { value: name, runtime: false };
    const a = this.address(u);
    if (!a.mapped && this.opts.resolver && !this.resolvesInUpstream()) return { value: a.address, runtime: true };
    const block = tries > 1 ? `${name}__tries${tries}` : name;
    // (set when new or different: no entry object per call for the same block)
    const hit = this.upstreamBlocks.get(block);
    if (!hit || hit.upstream !== name || hit.copies !== tries) this.upstreamBlocks.set(block, { upstream: name, copies: tries });
    return { value: block, runtime: false };
  }
}

/** Indents block content. */
export function block(head: string, body: readonly string[], indent = '  '): string[] {
  const out = new Array<string>(body.length + 2);
  out[0] = `${head} {`;
  for (let i = 0; i < body.length; i++) out[i + 1] = body[i] ? indent + body[i] : body[i];
  out[body.length + 1] = '}';
  return out;
}

/** The lines of `body` as {@link block} indents them, without the head and the closing brace (empty lines stay empty). */
export function indentBody(body: readonly string[], indent = '  '): string[] {
  const out = new Array<string>(body.length);
  for (let i = 0; i < body.length; i++) out[i] = body[i] ? indent + body[i] : body[i];
  return out;
}

/**
 * A block already written: the lines `block` returned, each non-empty one after `indent`, joined by
 * newlines (see {@link writtenBlock}). A server is written as soon as it is rendered, so that its
 * lines are not kept (and copied by every garbage collection) until the whole configuration is.
 * Where a list of lines holds one, it stands for those lines.
 */
export interface WrittenBlock {
  readonly text: string;
  readonly indent: string;
}

/** A line, or the lines of a written block. */
export type Line = string | WrittenBlock;

/** The lines joined by newlines, each non-empty one after `indent` (runs of them joined at once, no copy of each line). */
function indentedJoin(lines: readonly string[], indent: string): string {
  if (!indent) return lines.join('\n');
  const out: string[] = [];
  const separator = `\n${indent}`;
  let start = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && lines[i]) continue;
    // (all the lines, the usual case, joined without a copy of the list)
    if (i > start) out.push(indent + (start === 0 && i === lines.length ? lines.join(separator) : lines.slice(start, i).join(separator)));
    if (i < lines.length) out.push('');
    start = i + 1;
  }
  return out.join('\n');
}

/**
 * The lines `block(head, body)` returns as one {@link WrittenBlock}, to be placed where `indent` is
 * their indentation (see {@link blockText}), written at the block's inner indent directly (no
 * indented copy of every line). A head that does not start a block at depth 0 (indented, a
 * comment) or a line holding a newline (no line the renderer writes does: written, it would read as
 * two lines) leaves the lines as they are.
 */
export function writtenBlock(head: string, body: readonly string[], indent = ''): Line[] {
  if (/^\s|^#|\n/.test(head) || body.some((l) => l.includes('\n'))) return block(head, body);
  const open = `${indent}${head} {`;
  const close = `${indent}}`;
  return [{ text: body.length ? `${open}\n${indentedJoin(body, `${indent}  `)}\n${close}` : `${open}\n${close}`, indent }];
}

/** The text of a line; of a written block, its lines (with its indent) joined by newlines. */
export function lineText(l: Line): string {
  return typeof l === 'string' ? l : l.text;
}

/** The lines a written block stands for (the text split at its newlines, without its indent). */
export function unwritten(b: WrittenBlock): string[] {
  const lines = b.text.split('\n');
  return b.indent ? lines.map((l) => (l ? l.slice(b.indent.length) : l)) : lines;
}

/**
 * The written block at depth 0 (indent ''): its text without its indent, which every non-empty line
 * starts with (see {@link writtenBlock}); the same lines as `unwritten(b)`, still written.
 */
export function atDepth0(b: WrittenBlock): WrittenBlock {
  if (!b.indent) return b;
  // an indent is spaces (no regex syntax); an empty line has none
  return { text: b.text.slice(b.indent.length).replace(new RegExp(`\n${b.indent}`, 'g'), '\n'), indent: '' };
}

/**
 * `block(head, body).join('\n')` for a body given in pieces (concatenated), without an indented
 * copy of every line: each run of non-empty lines is joined with a newline and the indent as
 * separator, so the text is written once. For the outermost blocks (`http`, `stream`), whose
 * bodies are the whole configuration. A {@link WrittenBlock} of the body written for this indent
 * is taken as it is; one written without indent is indented line by line (its empty lines, as
 * `block` does, not).
 */
export function blockText(head: string, bodies: readonly (readonly Line[])[], indent = '  '): string {
  const out: string[] = [];
  writeBlock(out, head, bodies, indent);
  return out.join('\n');
}

/**
 * {@link blockText} as pieces appended to `out`: `out.join('\n')` then holds its text, so that a
 * caller joining a whole file copies the block's text once (not once more for the block).
 */
export function writeBlock(out: string[], head: string, bodies: readonly (readonly Line[])[], indent = '  '): void {
  out.push(`${head} {`);
  const separator = `\n${indent}`;
  const run: string[] = [];
  const flush = () => {
    if (!run.length) return;
    out.push(indent + run.join(separator));
    run.length = 0;
  };
  const add = (l: string) => {
    if (l) run.push(l);
    else {
      flush();
      out.push(l);
    }
  };
  for (const body of bodies) {
    for (const l of body) {
      if (typeof l === 'string') add(l);
      else if (l.indent === indent) {
        flush();
        out.push(l.text);
      } else if (!l.indent) {
        flush();
        // a written block's lines hold no newline (see writtenBlock): each newline starts a line, empty when another follows
        const first = l.text === '' || l.text.startsWith('\n') ? '' : indent;
        // the separator as a replacement string (no call per line) unless it holds a `$` pattern
        out.push(first + (separator.includes('$') ? l.text.replace(/\n(?=[^\n])/g, () => separator) : l.text.replace(/\n(?=[^\n])/g, separator)));
      } else for (const x of unwritten(l)) add(x);
    }
  }
  flush();
  out.push('}');
}
