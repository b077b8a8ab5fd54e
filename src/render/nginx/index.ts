/**
 * The nginx renderer: {@link DataplaneIR} → one nginx configuration per Gateway, runnable with
 * `nginx -p <dir> -c nginx.conf` (pid, logs and temp paths inside the prefix, non-root). Header /
 * query / method matching is plain nginx (`map` + `error_page` dispatch to named locations): no
 * njs. See docs/dataplane.md.
 *
 * @packageDocumentation
 */
import { buildDataplane, eachGatewayDataplane, EachGatewayInputs } from '../../ir/build';
import { ApiVersionLookup, apiVersionLookup, dedupeDiags } from '../../ir/context';
import { withInputs } from '../../ir/inputs';
import { DataplaneInputsIR, DataplaneIR, GatewayIR } from '../../ir/types';
import { Diagnostic, KubeObject, sortDiagnostics } from '../../model';
import { NamespacedName, resolve } from '../../resolve';
import type { ResolvedModel } from '../../resolve/model';
import { block, Line, lineText, Options, RenderContext, TlsSet, writeBlock, writtenBlock } from './context';
export type { TlsSet, TlsFallback } from './context';
import { caPath, renderHttpPort, secretPath, ServerIndent } from './http';
import { nginxSize } from './http-client';
import { comment, integer, literal } from './quote';
import { packBody, partFiles } from './split';
import { renderStream } from './stream';
import { appendAll } from '../../model/arrays';

export { UnsafeValueError } from './quote';
export * as quote from './quote';
export { checkPcre } from './pcre';
export { PART_LINE, partName } from './split';
export { eachGatewayInputs } from '../../ir/build';

/** Options of {@link renderNginx} / {@link compileNginx}. */
export interface NginxRenderOptions {
  /**
   * `"<namespace>/<service>:<port>"` → `"host:port"` for local runs.
   * @default "<service>.<namespace>.svc.<clusterDomain>:<port>"
   */
  readonly backends?: Readonly<Record<string, string>>;
  /** @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** Address listeners bind to. @default all addresses */
  readonly listenHost?: string;
  /** Added to every listen port; redirects keep the declared ports. @default 0 */
  readonly portOffset?: number;
  /** Where `ngx_stream_module.so` lives. @default '/usr/lib/nginx/modules' */
  readonly modulesPath?: string;
  /**
   * `dynamic`: the stream module is loaded with `load_module` when a TLS passthrough / TCP / UDP
   * listener needs it (Debian's nginx). `builtin`: it is compiled in (the official nginx image).
   * @default 'dynamic'
   */
  readonly streamModule?: 'dynamic' | 'builtin';
  /**
   * Layout of CA bundle files: `nested` = `configmaps/<ns>/<name>/ca.crt`; `flat` =
   * `ca/<ns>_<name>.crt` (one directory, which a single ConfigMap volume can provide).
   * @default 'nested'
   */
  readonly caFiles?: 'nested' | 'flat';
  /**
   * Certificates / CA bundles are read from `secrets/<ns>/<name>/tls.crt|tls.key` and
   * `configmaps/<ns>/<name>/ca.crt` under the prefix. `true`: their contents (from `objects`) are
   * emitted as files of the output (render CLI, tests); `false`: they are mounted (Kubernetes).
   * @default false
   */
  readonly embedSecrets?: boolean;
  /**
   * DNS resolver for cluster names. When set, backends that are not in `backends` are resolved per
   * request (nginx starts even when the names do not resolve yet); otherwise at start-up.
   */
  readonly resolver?: string;
  /** @default 'auto' */
  readonly workerProcesses?: number | 'auto';
  /** Dedicated readiness / liveness port (`/healthz`, `/readyz`), also offset. @default 8081 */
  readonly healthPort?: number;
  /**
   * The nginx version the configuration is for (`1.22.1`, `1.30.0`…): from 1.25.1 HTTP/2 is
   * enabled with `http2 on;` (the `listen … http2` flag is deprecated there), from 1.25.5 a TLS
   * stream listener can reject handshakes while it has no certificate.
   * @default '1.22.1' (Debian bookworm's, the oldest line the output is tested on)
   */
  readonly nginxVersion?: string;
  /**
   * For the built-in proxy: an absolute directory the entrypoint fills before nginx starts and
   * before each reload. Certificates become `include <runtimeDir>/tls/tls-N.conf` (the file list
   * and the Secrets of each in the output file `tls.list`), so a server whose Secret does not exist
   * yet rejects TLS handshakes instead of keeping nginx from starting; `resolver: 'auto'` becomes
   * `include <runtimeDir>/resolver.conf` (the pod's nameservers, read at start).
   * @default - certificates are read from their files directly
   */
  readonly runtimeDir?: string;
  /**
   * Split a configuration whose nginx.conf would be larger than this many bytes: the contents of
   * its `http` and `stream` blocks go, whole blocks in order, into include files `part-001.conf`,
   * `part-002.conf`… next to nginx.conf, each at most this size (a block larger than that is split
   * inside: a server's locations, a map's entries), and nginx.conf lists every part with the
   * SHA-256 of its content (`# part <file> <sha256>`). The built-in proxy splits at 768 KiB so
   * each part fits in a ConfigMap (1 MiB). A configuration of at most this size is not changed.
   * @default - never split
   */
  readonly maxFileBytes?: number;
  /**
   * Largest request body in bytes for routes without their own `cdk8s-gateway.dev/max-request-body-size`
   * (413 above it); 0 = no limit. The GatewayProxy's `maxRequestBodySize`.
   * @default 0
   */
  readonly maxRequestBodySize?: number;
  /**
   * Idle connections each nginx worker keeps open to every backend (`keepalive` of each `upstream`
   * block; a backend given as an address or a Service port is one block). nginx reserves the slots
   * when it loads the configuration, about 150 bytes each, and a worker holds at most
   * `worker_connections` (4,096) connections of any kind.
   * @default 32 up to 128 backends; above that the 4,096 shared out among them, at least 8
   */
  readonly backendKeepalive?: number;
}

/** Parses `major.minor.patch` (a missing patch is 0). */
export function parseNginxVersion(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(v);
  if (!m) throw new Error(`nginxVersion ${JSON.stringify(v)} is not a version such as "1.30.0"`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** The configuration of one Gateway. */
export interface RenderedGateway {
  readonly namespace: string;
  readonly name: string;
  /** Relative path → content: `nginx.conf` always; certificates when embedding. */
  readonly files: Readonly<Record<string, string>>;
  /** What the data plane cannot honour (IR and rendering), sorted. */
  readonly diagnostics: Diagnostic[];
  /** The Secrets (`tls.crt`/`tls.key`) and CA ConfigMaps (`ca.crt`) the configuration reads, sorted. */
  readonly references: { readonly secrets: NamespacedName[]; readonly configMaps: NamespacedName[] };
  /** With `runtimeDir`: the TLS include files the entrypoint writes (also in `tls.list`). */
  readonly tls: readonly TlsSet[];
}

function options(o: NginxRenderOptions): Options {
  return {
    backends: o.backends ?? {},
    clusterDomain: o.clusterDomain ?? 'cluster.local',
    ...(o.listenHost !== undefined ? { listenHost: o.listenHost } : {}),
    portOffset: o.portOffset ?? 0,
    modulesPath: (o.modulesPath ?? '/usr/lib/nginx/modules').replace(/\/+$/, ''),
    streamModule: o.streamModule ?? 'dynamic',
    caFiles: o.caFiles ?? 'nested',
    embedSecrets: o.embedSecrets ?? false,
    ...(o.resolver !== undefined ? { resolver: o.resolver } : {}),
    workerProcesses: o.workerProcesses ?? 'auto',
    healthPort: o.healthPort ?? 8081,
    nginxVersion: parseNginxVersion(o.nginxVersion ?? '1.22.1'),
    ...(o.runtimeDir !== undefined ? { runtimeDir: o.runtimeDir.replace(/\/+$/, '') } : {}),
    ...(o.maxFileBytes !== undefined ? { maxFileBytes: o.maxFileBytes } : {}),
    maxRequestBodySize: o.maxRequestBodySize ?? 0,
    ...(o.backendKeepalive !== undefined ? { backendKeepalive: o.backendKeepalive } : {}),
  };
}

function checkOptions(o: Options): void {
  for (const [k, v] of Object.entries(o.backends)) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$|^unix:\/[^\s;{}"'$#]+$/.test(v)) throw new Error(`backends["${k}"] = ${JSON.stringify(v)} is not host:port`);
  }
  if (o.listenHost !== undefined && !/^[0-9A-Za-z.:-]+$/.test(o.listenHost)) throw new Error(`listenHost ${JSON.stringify(o.listenHost)} is not an address`);
  if (o.resolver !== undefined && !/^[0-9A-Za-z.:[\]-]+$/.test(o.resolver)) throw new Error(`resolver ${JSON.stringify(o.resolver)} is not an address`);
  if (!/^\/?[^\s;{}"'$#]*$/.test(o.modulesPath)) throw new Error(`modulesPath ${JSON.stringify(o.modulesPath)} contains characters nginx cannot take`);
  if (!/^[a-z0-9.-]+$/.test(o.clusterDomain)) throw new Error(`clusterDomain ${JSON.stringify(o.clusterDomain)} is not a DNS name`);
  if (!Number.isInteger(o.portOffset)) throw new Error('portOffset must be an integer');
  if (o.runtimeDir !== undefined && !/^\/[A-Za-z0-9._/-]*$/.test(o.runtimeDir)) throw new Error(`runtimeDir ${JSON.stringify(o.runtimeDir)} is not an absolute path of letters, digits, ".", "_", "-" and "/"`);
  if (o.resolver === 'auto' && o.runtimeDir === undefined) throw new Error('resolver "auto" (the pod\'s nameservers) needs runtimeDir, where the entrypoint writes resolver.conf');
  if (o.maxFileBytes !== undefined && (!Number.isInteger(o.maxFileBytes) || o.maxFileBytes < 4096)) throw new Error(`maxFileBytes ${o.maxFileBytes} is not a whole number of at least 4096`);
  if (!Number.isSafeInteger(o.maxRequestBodySize) || o.maxRequestBodySize < 0) throw new Error(`maxRequestBodySize ${o.maxRequestBodySize} is not a whole number of bytes (0 = no limit)`);
  if (o.backendKeepalive !== undefined && (!Number.isInteger(o.backendKeepalive) || o.backendKeepalive < 1 || o.backendKeepalive > WORKER_CONNECTIONS)) throw new Error(`backendKeepalive ${o.backendKeepalive} is not a whole number from 1 to ${WORKER_CONNECTIONS} (idle connections per backend and worker)`);
  if (o.workerProcesses !== 'auto' && (!Number.isInteger(o.workerProcesses) || o.workerProcesses < 1)) throw new Error('workerProcesses must be a positive integer or "auto"');
}

/**
 * Renders one nginx configuration per Gateway of the IR.
 *
 * @param ir output of `buildDataplane`
 * @param objects the input objects (Secrets / ConfigMaps for `embedSecrets`, apiVersions for
 * diagnostics): they become the IR's `inputs`, the only input data the renderer reads
 */
export function renderNginx(ir: DataplaneIR, objects: readonly KubeObject[], opts: NginxRenderOptions = {}): RenderedGateway[] {
  return renderDataplane(withInputs(ir, objects), opts);
}

/**
 * Renders the Gateways of a resolved model one at a time, for a caller that writes each and lets it
 * go before the next: builds one Gateway's IR, renders it, passes the result to `emit` and keeps
 * neither, so that memory holds one Gateway's IR and text instead of all of them. `emit` receives
 * what `renderNginx(buildDataplane(model, objects), objects, opts)` returns, in the same order; the
 * options are checked before the first Gateway. Returns the number of Gateways rendered. `objects`
 * may be what `eachGatewayInputs(model, objects)` read from them (src/ir): the objects themselves
 * are then not held while the Gateways render.
 */
export function renderEachGateway(model: ResolvedModel, objects: readonly KubeObject[] | EachGatewayInputs, opts: NginxRenderOptions, emit: (g: RenderedGateway) => void): number {
  const base = options(opts);
  checkOptions(base);
  let apiVersions: ApiVersionLookup | undefined;
  let n = 0;
  for (const ir of eachGatewayDataplane(model, objects)) {
    // every item shares one apiVersions record: read in place (no copy of its entries)
    apiVersions ??= apiVersionLookup(ir.inputs!.apiVersions);
    emit(renderDataplaneWith(ir, base, apiVersions)[0]);
    n++;
  }
  return n;
}

/**
 * Renders an IR that carries its `inputs` (see {@link renderNginx}): reads nothing but the IR and the
 * options. For a caller holding `buildDataplane`'s result, whose inputs are read from the same
 * objects (the built-in proxy's compile): `renderNginx` would read them again.
 * @internal
 */
export function renderDataplane(ir: DataplaneIR, opts: NginxRenderOptions): RenderedGateway[] {
  const base = options(opts);
  checkOptions(base);
  // read in place, as renderEachGateway does (no Map of every input object's apiVersion)
  return renderDataplaneWith(ir, base, apiVersionLookup(ir.inputs?.apiVersions ?? {}));
}

function renderDataplaneWith(ir: DataplaneIR, base: Options, apiVersions: ApiVersionLookup): RenderedGateway[] {
  const inputs = ir.inputs ?? { apiVersions: {}, secrets: {}, caBundles: {} };
  const available = new Set(Object.entries(inputs.secrets).filter(([, m]) => m.tlsCrt !== undefined && m.tlsKey !== undefined).map(([k]) => k));
  // embedding: a Secret that is not in the input leaves its server rejecting handshakes (a warning)
  const o: Options = base.embedSecrets && base.runtimeDir === undefined ? { ...base, availableSecrets: available } : base;
  return ir.gateways.map((g) => renderGateway(g, o, apiVersions, inputs));
}

/**
 * Resolve + build + render. `assumeExternal`: objects the input refers to but does not hold (a
 * Service deployed elsewhere, a Secret cert-manager writes) are assumed to exist, as in a cdk8s app.
 */
export function compileNginx(objects: readonly KubeObject[], opts: NginxRenderOptions & { controllerName?: string; assumeExternal?: boolean } = {}): RenderedGateway[] {
  const { controllerName, assumeExternal, ...rest } = opts;
  const { model } = resolve(objects, { ...(controllerName !== undefined ? { controllerName } : {}), ...(assumeExternal ? { assumeExternal } : {}), schemaValidation: false });
  return renderDataplane(buildDataplane(model, objects), rest);
}

const TEMP_PATHS = ['client_body_temp_path client_body_temp;', 'proxy_temp_path proxy_temp;', 'fastcgi_temp_path fastcgi_temp;', 'uwsgi_temp_path uwsgi_temp;', 'scgi_temp_path scgi_temp;'];

function renderGateway(g: GatewayIR, o: Options, apiVersions: ApiVersionLookup, inputs: DataplaneInputsIR): RenderedGateway {
  const ctx = new RenderContext(g, o, apiVersions);
  const servers: Line[] = [];
  // servers are written as soon as rendered: indented for the http block of nginx.conf, unless
  // they will go into include files (at depth 0), see ServerIndent
  const indent = new ServerIndent(o.maxFileBytes);
  for (const p of g.httpPorts) appendAll(servers, renderHttpPort(ctx, p, indent));
  const streamUpstreams = new Set<string>();
  const stream = g.streamPorts.length ? renderStream(ctx, g.streamPorts, streamUpstreams) : [];

  const listenPorts = new Set([...g.httpPorts.filter((p) => !p.behindStream).map((p) => p.port), ...g.streamPorts.filter((p) => p.protocol !== 'UDP').map((p) => p.port)]);
  const health: string[] = [];
  if (listenPorts.has(o.healthPort)) {
    ctx.unsupported(ctx.ref('Gateway', g.namespace, g.name), 'spec.listeners', `listener port ${o.healthPort} is the data plane's health port; readiness / liveness endpoints are not served`, 'choose another healthPort render option, or another listener port');
  } else {
    const p = integer(o.healthPort + o.portOffset, 1, 65535, 'health port');
    const addr = o.listenHost ? `${o.listenHost.includes(':') ? `[${o.listenHost}]` : o.listenHost}:${p}` : p;
    health.push('', ...block('server', [`listen ${addr};`, 'access_log off;', ...block('location = /healthz', ['return 200 "ok\\n";']), ...block('location = /readyz', ['return 200 "ok\\n";']), ...block('location /', ['return 404;'])]));
  }

  // upstream blocks are written (see writtenBlock) where the servers' last one was: for nginx.conf,
  // or for include files when the configuration is split for sure
  const upstreamIndent = indent.next();
  const upstreamInner = `${upstreamIndent}  `;
  const lineBreak = `\n${upstreamInner}`;
  const resolvesInUpstream = ctx.resolvesInUpstream();
  /** Whether the http upstream block `name` holds a DNS name nginx re-resolves (resolver mode, nginx >= 1.27.3). */
  const resolves = (name: string): boolean => resolvesInUpstream && !ctx.address(ctx.upstream(ctx.upstreamBlocks.get(name)?.upstream ?? name)!).mapped;
  const httpUpstreams = [...ctx.upstreamBlocks.keys()].sort();
  const zone = upstreamZone(resolvesInUpstream ? httpUpstreams.filter(resolves).length : 0);
  const keepalive = `keepalive ${o.backendKeepalive ?? defaultBackendKeepalive(httpUpstreams.length)};`;
  /** Appends an upstream block (after a blank line) to `out`, written: one upstream per Service port. */
  const upstreamBlock = (out: Line[], name: string, stream: boolean, copies = 1): void => {
    const base = ctx.upstreamBlocks.get(name)?.upstream ?? name;
    const u = ctx.upstream(base)!;
    const a = ctx.address(u);
    // repeated servers (retries) must not be marked failed by the answers that trigger a retry
    // a DNS name (resolver mode, nginx >= 1.27.3) is re-resolved by nginx, keeping the last addresses while DNS fails
    const resolve = !stream && resolves(name);
    const server = `server ${a.address}${resolve ? ' resolve' : ''}`;
    const body = [comment(`${u.kind} ${u.key}${copies > 1 ? `, listed ${copies} times for retries` : ''}`)];
    if (resolve) body.push(zone);
    if (copies > 1) for (let i = 0; i < copies; i++) body.push(`${server} max_fails=0;`);
    else body.push(`${server};`);
    if (!stream) body.push(keepalive);
    out.push('');
    // writtenBlock's text written directly: its lines are not empty and, but for an address given
    // as an option, hold no newline (the name is [a-z0-9_], a comment has no control character)
    if (a.address.includes('\n')) appendAll(out, writtenBlock(`upstream ${name}`, body, upstreamIndent));
    else out.push({ text: `${upstreamIndent}upstream ${name} {${lineBreak}${body.join(lineBreak)}\n${upstreamIndent}}`, indent: upstreamIndent });
  };

  const http: string[] = [
    `access_log access.log;`,
    ...TEMP_PATHS,
    'server_tokens off;',
    `client_max_body_size ${nginxSize(o.maxRequestBodySize)};`,
    'server_names_hash_max_size 4096;',
    'server_names_hash_bucket_size 256;',
    'map_hash_max_size 4096;',
    'map_hash_bucket_size 256;',
    'variables_hash_max_size 65536;',
    'variables_hash_bucket_size 256;',
    'proxy_headers_hash_max_size 4096;',
    'proxy_headers_hash_bucket_size 256;',
    'ssl_protocols TLSv1.2 TLSv1.3;',
    'ssl_session_cache shared:gw_ssl:10m;',
    ...resolverLines(o),
    '',
    '# a literal "$" in values (nginx has no escape for it)',
    ...block('geo $gw_dollar', ['default "$";']),
    ...block('map $http_upgrade $gw_connection', ['default upgrade;', '"" "";']),
    ...block('map $http_host $gw_host', ['"" $host;', 'default $http_host;']),
  ];
  // server rendering registered upstreams and http-level maps
  const httpRest: Line[] = [''];
  appendAll(httpRest, ctx.httpBlockLines());
  for (const n of httpUpstreams) upstreamBlock(httpRest, n, false, ctx.upstreamBlocks.get(n)!.copies);
  appendAll(httpRest, servers, health);
  const streamHead = resolverLines(o);
  const streamRest: Line[] = [];
  if (g.streamPorts.length) {
    appendAll(streamRest, ctx.streamBlocks);
    for (const n of [...streamUpstreams].sort()) upstreamBlock(streamRest, n, true);
    appendAll(streamRest, stream);
  }
  const assemble = (httpBody: readonly Line[], streamBody: readonly Line[], manifest: readonly string[]): string => {
    const lines: string[] = [
      comment(`nginx configuration for Gateway ${g.namespace}/${g.name}, generated by cdk8s-gateway. Do not edit.`),
      `# run: nginx -p <this directory> -c nginx.conf -e error.log [-g 'daemon off;']`,
    ];
    if (manifest.length) lines.push('# the include files of this configuration and the SHA-256 of each (a loader checks it has this version of every one):', ...manifest);
    if (g.streamPorts.length && o.streamModule === 'dynamic') lines.push(`load_module ${literal(`${o.modulesPath}/ngx_stream_module.so`)};`);
    appendAll(
      lines,
      [`worker_processes ${o.workerProcesses};`, 'pid nginx.pid;', 'error_log error.log notice;', 'worker_shutdown_timeout 10s;', ''],
      block('events', [`worker_connections ${WORKER_CONNECTIONS};`]),
      [''],
    );
    // the http and stream blocks hold the whole configuration: written as text once (writeBlock),
    // the file joined from the pieces of all, its final newline with them
    writeBlock(lines, 'http', [http, httpBody]);
    if (g.streamPorts.length) {
      lines.push('');
      writeBlock(lines, 'stream', [streamHead, streamBody]);
    }
    lines.push('');
    return lines.join('\n');
  };
  // a file of more characters than maxFileBytes has more bytes too: then it is split without
  // first being written whole (the count stops there); otherwise it is written and measured
  const max = o.maxFileBytes;
  const whole = max !== undefined && exceedsCharacters([httpRest, streamRest], max) ? undefined : assemble(httpRest, streamRest, []);
  const files: Record<string, string> = {};
  if (whole !== undefined && (max === undefined || Buffer.byteLength(whole) <= max)) files['nginx.conf'] = whole;
  else {
    // too large for one file: the blocks' contents go into include files (see split.ts)
    const parts: string[][] = [];
    const httpBody = ['', ...packBody(httpRest, max!, parts)];
    const streamBody = packBody(streamRest, max!, parts);
    const split = partFiles(parts);
    files['nginx.conf'] = assemble(httpBody, streamBody, split.manifest);
    Object.assign(files, split.files);
  }
  if (o.runtimeDir !== undefined) files['tls.list'] = tlsList(ctx);
  if (o.embedSecrets) embed(ctx, inputs, files);
  const byName = (a: NamespacedName, b: NamespacedName) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1);
  return {
    namespace: g.namespace,
    name: g.name,
    files: sortedFiles(files),
    diagnostics: sortDiagnostics(dedupeDiags([...g.diagnostics, ...ctx.diags])),
    references: { secrets: [...ctx.secrets.values()].sort(byName), configMaps: [...ctx.configMaps.values()].sort(byName) },
    tls: [...ctx.tlsSets.values()],
  };
}

/**
 * Whether the lines, each followed by a newline, are more than `limit` characters: a lower bound of
 * the size of a file holding them (a character is at least one byte). Stops counting past it.
 */
function exceedsCharacters(lists: readonly (readonly Line[])[], limit: number): boolean {
  let n = 0;
  for (const lines of lists) {
    for (const l of lines) {
      n += lineText(l).length + 1;
      if (n > limit) return true;
    }
  }
  return false;
}

/** A worker's connections (`worker_connections`): clients and backends together; also the most `backendKeepalive` may be. */
export const WORKER_CONNECTIONS = 4096;
/** Idle connections kept per backend and worker while the slots of all backends fit in a worker's connections. */
const BACKEND_KEEPALIVE = 32;
/** The least of them. */
const BACKEND_KEEPALIVE_MIN = 8;

/**
 * `keepalive` of every http upstream block by default: 32 idle connections per backend and worker
 * while the slots of all blocks fit in a worker's 4,096 connections (128 blocks), then those 4,096
 * shared out, at least 8. nginx reserves every slot when it loads the configuration (about 150
 * bytes each), and slots past what a worker can hold are never used: 10,000 backends at 32 reserved
 * 48 MiB for 320,000 slots (docs/benchmarks.md, section 5).
 */
export function defaultBackendKeepalive(blocks: number): number {
  if (blocks * BACKEND_KEEPALIVE <= WORKER_CONNECTIONS) return BACKEND_KEEPALIVE;
  return Math.max(BACKEND_KEEPALIVE_MIN, Math.floor(WORKER_CONNECTIONS / blocks));
}

/** The shared memory zone of the upstream blocks nginx re-resolves (see {@link upstreamZone}). */
const UPSTREAM_ZONE_NAME = 'gw_upstreams';
/** Zone bytes per re-resolved upstream block: what each had in a zone of its own before (64 KiB: 20 to 60 addresses). */
const UPSTREAM_ZONE_BYTES_PER_UPSTREAM = 64 * 1024;
/** The least zone size (about a thousand addresses of one headless Service). */
const UPSTREAM_ZONE_MIN_BYTES = 1024 * 1024;

/**
 * The `zone` line of every upstream block nginx re-resolves: one zone for all of them, in whole
 * MiB, 64 KiB per block and at least 1 MiB, the same line in each block (nginx checks every
 * declared size against the first). A zone per upstream block made nginx register, initialize and
 * match (on reload) one shared memory zone per Service, each search over all of them: 10,000
 * Services by name cost 5.6 s of `nginx -t` against 2.5 s with one zone, and 811 MiB of container
 * memory against 500 MiB (nginx 1.30, `bench/proxy-scale.ts 10000 --resolver --zone-per-upstream`,
 * docs/benchmarks.md section 5). The blocks share the pool, so one headless Service may hold far
 * more addresses than its own 64 KiB (20 to 60) held.
 */
export function upstreamZone(resolvingUpstreams: number): string {
  const bytes = Math.max(UPSTREAM_ZONE_MIN_BYTES, resolvingUpstreams * UPSTREAM_ZONE_BYTES_PER_UPSTREAM);
  return `zone ${UPSTREAM_ZONE_NAME} ${Math.ceil(bytes / (1024 * 1024))}m;`;
}

/**
 * The resolver directives for `servers` (addresses, or a shell variable when the proxy's
 * entrypoint writes them into resolver.conf): re-resolution every 10 s, and 5 s of waiting for an
 * answer before nginx gives up and asks again later (nginx's default is 30 s; glibc's resolv.conf
 * default is 5). A worker asks for every backend name at once when it starts (two queries each, A
 * and AAAA): where that burst overflows the DNS server's socket, the lost names stay without an
 * address until the timeout. 1,000 names against the sandbox's DNS stand-in at its default receive
 * buffer: every route served after 65 s at 30 s, after 30 s at 5 s (docs/dataplane.md, "Backends
 * by DNS name").
 */
export function resolverDirectives(servers: string): string[] {
  return [`resolver ${servers} valid=10s;`, 'resolver_timeout 5s;'];
}

function resolverLines(o: Options): string[] {
  if (!o.resolver) return [];
  // the pod's nameservers, written by the entrypoint from /etc/resolv.conf: loading the
  // configuration never waits for cluster DNS (a resolver given by name would be looked up)
  if (o.resolver === 'auto') return [`include ${literal(`${o.runtimeDir}/resolver.conf`)};`];
  return resolverDirectives(o.resolver);
}

/**
 * `tls.list`, read by the proxy's entrypoint: one line per TLS include file,
 * `<file> <directive prefix> <fallback> <namespace>/<name>…` (the Secrets in order).
 */
function tlsList(ctx: RenderContext): string {
  const lines = ['# <include file> <directive prefix> <fallback when no Secret is usable> <namespace>/<secret>…'];
  for (const s of ctx.tlsSets.values()) lines.push([s.file, s.directive, s.fallback, ...s.secrets.map((x) => `${x.namespace}/${x.name}`)].join(' '));
  return lines.join('\n') + '\n';
}

function sortedFiles(files: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(files).sort()) out[k] = files[k];
  return out;
}

function embed(ctx: RenderContext, inputs: DataplaneInputsIR, files: Record<string, string>): void {
  const gw = ctx.ref('Gateway', ctx.gw.namespace, ctx.gw.name);
  for (const s of [...ctx.secrets.values()].sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1))) {
    const material = inputs.secrets[`${s.namespace}/${s.name}`];
    for (const key of ['tls.crt', 'tls.key'] as const) {
      const v = key === 'tls.crt' ? material?.tlsCrt : material?.tlsKey;
      if (v === undefined) {
        ctx.diags.push({ severity: 'error', code: 'SecretNotEmbedded', message: `Secret ${s.namespace}/${s.name} key ${key} is not in the input, so ${secretPath(s, key)} cannot be written; nginx will not start without it`, object: gw, fix: `add Secret ${s.namespace}/${s.name} to the input (for local work a throwaway one: kubectl create secret tls ${s.name} -n ${s.namespace} --cert=FILE --key=FILE --dry-run=client -o yaml); compileNginx / renderNginx callers can pass embedSecrets: false and mount it instead` });
        continue;
      }
      files[secretPath(s, key)] = v;
    }
  }
  for (const c of [...ctx.configMaps.values()]) {
    const raw = inputs.caBundles[`${c.namespace}/${c.name}`];
    if (raw === undefined) {
      ctx.diags.push({ severity: 'error', code: 'SecretNotEmbedded', message: `ConfigMap ${c.namespace}/${c.name} key ca.crt is not in the input, so ${caPath(c, ctx.opts.caFiles)} cannot be written; nginx will not start without it`, object: gw, fix: `add ConfigMap ${c.namespace}/${c.name} with key ca.crt to the input (kubectl create configmap ${c.name} -n ${c.namespace} --from-file=ca.crt=FILE --dry-run=client -o yaml); compileNginx / renderNginx callers can pass embedSecrets: false and mount it instead` });
      continue;
    }
    files[caPath(c)] = raw;
  }
}
