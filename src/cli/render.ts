/**
 * `cdk8s-gateway render PATH… --out DIR [--backends FILE] [--listen-host ADDR] [--port-offset N]
 * [--modules-path DIR] [--resolver ADDR]`: the built-in data plane for every Gateway of the input
 * handled by the controller, one nginx prefix per Gateway at `DIR/<namespace>/<name>/`, runnable
 * with `nginx -p DIR/<ns>/<name> -c nginx.conf` (pid, logs and temp paths inside the prefix;
 * certificates from the input's Secrets written next to it).
 *
 * Exit codes: 0 rendered, 1 the input has errors (nothing is written: bad input never produces a
 * config that would fail or misroute), 2 usage / input errors. For local work, `--self-signed`
 * serves a throwaway certificate for every certificate Secret the input lacks and `--serve-valid`
 * renders what a conformant controller would serve despite errors (src/cli/render-local.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { Diagnostic, parseBodySize, sortDiagnostics } from '../model';
import { appendAll } from '../model/arrays';
import type * as Nginx from '../render/nginx';
import { ACME_CHALLENGE_PREFIX, ACME_SOLVER_PORT, acmeServiceName, resolveWithAcmeChallenges } from '../resolve';
import { checkExitCode, formatDiagnosticLine } from './check';
import { collectGarbage, withBoundedHeapGrowth } from './heap';
import { addInputOptions, CliIO, InputOptions, loadAndResolve, PrepareInput, Resolved } from './input';
import type * as RenderLocal from './render-local';
import { plural } from './style';

/** Reasons for references that do not resolve (warnings in `check` when the input is partial). */
const UNRESOLVED_REFERENCE_CODES = new Set([
  'InvalidCertificateRef',
  'BackendNotFound',
  'RefNotPermitted',
  'ListenersNotValid',
  'NoMatchingParent',
  'InvalidParameters',
  'InvalidCACertificateRef',
  'NoValidCACertificate',
  'ExtensionRefNotFound',
  'InvalidClientCertificateRef',
]);

/**
 * `render`'s bound on the heap's growth between full collections (`boundHeapGrowth`), lower than
 * `check`'s: once the input objects are let go its live heap is smaller, so collections cost less,
 * and the resolver's last state and each Gateway's rendering garbage set the peak (docs/benchmarks.md
 * section 4: 50 MiB of routes, 50 % 503 MiB, 30 % 477 MiB, one run each).
 */
export const RENDER_HEAP_GROWING_PERCENT = 30;

/** Options of `render`. */
export interface RenderCliOptions extends InputOptions {
  readonly out: string;
  /** JSON file `{"<ns>/<service>:<port>": "<host>:<port>"}`. */
  readonly backends?: string;
  readonly listenHost?: string;
  readonly portOffset?: string;
  readonly modulesPath?: string;
  readonly resolver?: string;
  /** A throwaway self-signed certificate for every listener certificate Secret not in the input. */
  readonly selfSigned?: boolean;
  /** Render despite errors, as a conformant controller would serve the input. */
  readonly serveValid?: boolean;
  /** The largest request body of routes without their own limit, a Kubernetes quantity ("0": none). */
  readonly maxRequestBodySize?: string;
  /** Idle connections per backend and nginx worker (`keepalive`). */
  readonly backendKeepalive?: string;
}

/** The `render` subcommand; `done` receives the exit code. */
export function renderCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('render')
    .description('compile the built-in nginx data plane for every Gateway: DIR/<namespace>/<name>/nginx.conf (exit 0 rendered, 1 errors, 2 usage/input errors)')
    .argument('<path...>', 'YAML/JSON files or folders (read recursively); - reads stdin')
    .requiredOption('-o, --out <dir>', 'output directory')
    .option('--backends <file>', 'JSON map {"<ns>/<service>:<port>": "<host>:<port>"} to run outside Kubernetes')
    .option('--listen-host <addr>', 'address the listeners bind to (default: all)')
    .addOption(new Option('--port-offset <n>', 'added to every listener port (redirects keep the declared ports)').default('0'))
    .option('--modules-path <dir>', 'where ngx_stream_module.so lives', '/usr/lib/nginx/modules')
    .option('--resolver <addr>', 'DNS resolver for backend names at request time')
    .option('--self-signed', 'local work: serve a throwaway self-signed certificate for every listener certificate Secret the input lacks (a warning each)')
    .option('--serve-valid', 'local work: render what a conformant controller would serve despite errors (objects the API server would refuse left out, invalid routes answer 500, unattached routes absent); the errors are printed, exit 0')
    .option('--max-request-body-size <quantity>', 'largest request body of routes without their own cdk8s-gateway.dev/max-request-body-size, a Kubernetes quantity such as 10Mi (413 above it; the GatewayProxy\'s maxRequestBodySize); default 0: no limit')
    .option('--backend-keepalive <n>', 'idle connections each nginx worker keeps open to every backend, 1 to 4096 (nginx keepalive; the GatewayProxy\'s backendKeepalive); default 32 up to 128 backends, then 4096 shared out among them, at least 8');
  addInputOptions(cmd);
  // (heap growth bounded while it runs, as for `check`: docs/benchmarks.md section 4, "Memory and YAML")
  return cmd.action(async (paths: string[], opts: RenderCliOptions) => done(await withBoundedHeapGrowth(() => render(paths, opts, io), RENDER_HEAP_GROWING_PERCENT)));
}

/** Runs `render`; returns the exit code. */
export async function render(paths: readonly string[], opts: RenderCliOptions, io: CliIO): Promise<number> {
  const portOffset = Number(opts.portOffset ?? '0');
  if (!Number.isInteger(portOffset) || portOffset < 0 || portOffset > 64000) {
    io.stderr(`error: --port-offset ${JSON.stringify(opts.portOffset)} is not an integer from 0 to 64000\n`);
    return 2;
  }
  let maxRequestBodySize: number | undefined;
  if (opts.maxRequestBodySize !== undefined) {
    const size = parseBodySize(opts.maxRequestBodySize);
    if (typeof size !== 'number') {
      io.stderr(`error: --max-request-body-size ${JSON.stringify(opts.maxRequestBodySize)} ${size.problem}. Fix: ${size.fix}\n`);
      return 2;
    }
    maxRequestBodySize = size;
  }
  let backendKeepalive: number | undefined;
  if (opts.backendKeepalive !== undefined) {
    // (the renderer, which `render` loads anyway, knows the bound)
    const { WORKER_CONNECTIONS } = require('../render/nginx') as typeof Nginx;
    backendKeepalive = Number(opts.backendKeepalive);
    if (!/^\d+$/.test(opts.backendKeepalive) || backendKeepalive < 1 || backendKeepalive > WORKER_CONNECTIONS) {
      io.stderr(`error: --backend-keepalive ${JSON.stringify(opts.backendKeepalive)} is not a whole number from 1 to ${WORKER_CONNECTIONS}. Fix: e.g. --backend-keepalive 32, or leave it out to size it from the number of backends\n`);
      return 2;
    }
  }
  let backends: Record<string, string> = {};
  if (opts.backends) {
    const file = path.resolve(io.cwd, opts.backends);
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
        throw new Error('expected an object of "<ns>/<service>:<port>": "<host>:<port>" strings');
      }
      backends = parsed as Record<string, string>;
    } catch (e) {
      io.stderr(`error: --backends ${opts.backends}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  // the compiler and the local-work helpers load when `render` runs, not when another command starts
  const { addSelfSignedSecrets, withoutRefusedObjects } = (opts.selfSigned || opts.serveValid ? require('./render-local') : {}) as typeof RenderLocal;
  const prepare: PrepareInput | undefined = opts.selfSigned || opts.serveValid
    ? (objects, options) => {
      const valid = opts.serveValid ? withoutRefusedObjects(objects, options) : { objects, diagnostics: [], schemaChecked: false };
      // the made-up Secrets are core objects: no schema to check, so the verdict above still holds
      const signed = opts.selfSigned ? addSelfSignedSecrets(valid.objects, options.defaultNamespace ?? 'default') : { objects: valid.objects, diagnostics: [] };
      return { objects: signed.objects, diagnostics: [...valid.diagnostics, ...signed.diagnostics], schemaChecked: valid.schemaChecked };
    }
    : undefined;
  // only what rendering uses is kept (not the input objects, the other controllers' results, the
  // implementation reports): picked in a function, so that no register of this one holds the rest;
  // no status is computed (render never shows it; the model and the diagnostics are the same without it)
  const r = await loadAndResolve(paths, { ...opts, status: false }, io, false, prepare).then((x) => x && renderInputs(x));
  if (!r) return 2;
  const { diagnostics: inputDiagnostics, sourceOf, resolveOptions, acme } = r;
  // most of a large heap just died (the resolver's working state, the input objects): collected
  // now, so that V8 sizes the heap for rendering from what rendering holds
  collectGarbage();
  const { renderEachGateway } = require('../render/nginx') as typeof Nginx;
  // A rendered data plane serves exactly its input: a reference the input cannot resolve (a
  // certificate Secret, a backend Service, a CA bundle…) would silently drop a listener or answer
  // 500, so what `check` reports as a warning on partial input is an error here.
  const strict = (d: Diagnostic): Diagnostic =>
    d.severity === 'warning' && UNRESOLVED_REFERENCE_CODES.has(d.code)
      ? { ...d, severity: 'error' as const, message: `${d.message} (render needs every object the Gateway refers to in its input)` }
      : d;
  // Each Gateway is written to a staging folder as soon as it is rendered and let go, so that memory
  // holds one Gateway's configuration at a time; the files move in place only when every Gateway
  // rendered without errors (input that has errors already is rendered for its diagnostics only).
  const out = path.resolve(io.cwd, opts.out);
  let doomed = !opts.serveValid && checkExitCode([...inputDiagnostics, ...acme.diagnostics].map(strict)) !== 0;
  const staging = new Staging(out);
  const rendered: { namespace: string; name: string; files: string[] }[] = [];
  const renderDiagnostics: Diagnostic[] = [];
  let writeError: unknown;
  try {
    renderEachGateway(acme.model, r.inputs, {
      backends,
      portOffset,
      embedSecrets: true,
      ...(opts.listenHost ? { listenHost: opts.listenHost } : {}),
      ...(opts.modulesPath ? { modulesPath: opts.modulesPath } : {}),
      ...(opts.resolver ? { resolver: opts.resolver } : {}),
      ...(maxRequestBodySize !== undefined ? { maxRequestBodySize } : {}),
      ...(backendKeepalive !== undefined ? { backendKeepalive } : {}),
    }, (g) => {
      appendAll(renderDiagnostics, g.diagnostics);
      rendered.push({ namespace: g.namespace, name: g.name, files: Object.keys(g.files) });
      // once the render is bound to fail (an error without --serve-valid), nothing more is written
      if (!opts.serveValid && g.diagnostics.some((d) => strict(d).severity === 'error')) doomed = true;
      if (doomed || writeError !== undefined) return;
      try {
        staging.write(g.namespace, g.name, g.files);
      } catch (e) {
        // reported where the files would have been written (after the diagnostics), as before
        writeError = e;
      }
    });
  } catch (e) {
    staging.discard();
    io.stderr(`error: ${(e as Error).message}\n`);
    return 2;
  }
  const diagnostics = sortDiagnostics([...inputDiagnostics, ...acme.diagnostics, ...renderDiagnostics]).map(strict);
  for (const d of diagnostics) {
    if (d.severity === 'info' && !opts.assumeExternal) continue;
    if (d.severity !== 'info') io.stderr(`${formatDiagnosticLine(d, sourceOf(d))}\n`);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (opts.serveValid && errors > 0) {
    io.stderr(`${plural(errors, 'error')}: rendered as a conformant controller would serve the input (--serve-valid): objects the API server would refuse are left out, invalid routes answer 500, unattached routes are absent\n`);
  } else if (checkExitCode(diagnostics) !== 0) {
    staging.discard();
    const n = diagnostics.filter((d) => d.severity === 'error').length;
    io.stderr(`${plural(n, 'error')}: nothing was rendered (run \`cdk8s-gateway check\` for the full report)\n`);
    return 1;
  }
  if (rendered.length === 0) {
    staging.discard();
    io.stderr(`error: no Gateway of the input is handled by ${resolveOptions.controllerName} (GatewayClass with that controllerName): nothing to render\n`);
    return 1;
  }
  if (writeError !== undefined) {
    staging.discard();
    throw writeError;
  }
  try {
    for (const g of rendered) {
      const dir = path.join(out, g.namespace, g.name);
      staging.commit(g.namespace, g.name, dir, g.files);
      for (const c of acme.challenges.filter((x) => x.parentRefs.some((p) => p.name === g.name && (p.namespace ?? x.namespace) === g.namespace))) {
        io.stdout(`  ACME HTTP-01 for ${c.dnsName}: ${ACME_CHALLENGE_PREFIX} → Service ${c.namespace}/${acmeServiceName(c.dnsName)}:${ACME_SOLVER_PORT} (cert-manager's solver pods)\n`);
      }
      const shown = path.relative(io.cwd, dir) || '.';
      io.stdout(`rendered Gateway ${g.namespace}/${g.name} → ${shown}  (run: nginx -p ${shown} -c nginx.conf -e error.log -g 'daemon off;')\n`);
    }
  } finally {
    staging.remove();
  }
  return 0;
}

/**
 * What `render` keeps of the resolved input while it renders: the model (with cert-manager's
 * HTTP-01 challenges through these Gateways: their run-time routes and solver Services, known in
 * advance, are compiled in, as the built-in proxy does), what the IR reads from the input objects
 * (read once, `eachGatewayInputs`), the diagnostics and where their objects came from; not the
 * objects themselves (about 1.5x the input on a large one).
 */
function renderInputs(x: Resolved) {
  const acme = resolveWithAcmeChallenges(x.objects, x.result.model, x.resolveOptions);
  const { eachGatewayInputs } = require('../render/nginx') as typeof Nginx;
  return {
    acme: { model: acme.model, challenges: acme.challenges, diagnostics: acme.diagnostics },
    inputs: eachGatewayInputs(acme.model, acme.objects),
    diagnostics: x.diagnostics,
    sourceOf: x.detachedSourceOf(),
    resolveOptions: x.resolveOptions,
  };
}

/** The list of files `render` wrote into a prefix (so the next render removes only its own files). */
const MANIFEST = '.cdk8s-gateway-files';

/** Where `render` stages the files of every Gateway until all rendered (inside the output folder: renames stay on its file system). */
export const STAGING_PREFIX = '.cdk8s-gateway-render-';

/**
 * The staging folder of one `render`: `OUT/.cdk8s-gateway-render-<pid>.tmp/<namespace>/<name>/…`,
 * made on the first write. {@link commit} moves one Gateway's files in place, {@link discard}
 * removes the folder and the folders made for it (nothing of the output is left when a render
 * fails), {@link remove} removes the folder after the commits.
 */
class Staging {
  private readonly dir: string;
  /** The first folder made for the staging folder (the output folder or a parent of it), when one was made. */
  private made: string | undefined;
  private exists = false;

  constructor(private readonly out: string) {
    this.dir = path.join(out, `${STAGING_PREFIX}${process.pid}.tmp`);
  }

  /** Writes one Gateway's files into the staging folder. */
  write(namespace: string, name: string, files: Readonly<Record<string, string>>): void {
    if (!this.exists) {
      this.made = fs.mkdirSync(this.dir, { recursive: true });
      this.exists = true;
    }
    const base = path.join(this.dir, namespace, name);
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(base, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content, { mode: rel.endsWith('.key') ? 0o600 : 0o644 });
    }
  }

  /**
   * Moves a staged prefix in place, safely for an nginx running from it: each file is renamed over
   * the old one (nginx never reads half a file), files of the previous render that are gone are
   * removed, and nothing else in the folder — the pid file, logs, temp folders — is touched.
   */
  commit(namespace: string, name: string, dir: string, files: readonly string[]): void {
    fs.mkdirSync(dir, { recursive: true });
    let previous: string[] = [];
    try {
      previous = fs.readFileSync(path.join(dir, MANIFEST), 'utf8').split('\n').filter(Boolean);
    } catch {
      /* first render into this folder */
    }
    const base = path.join(this.dir, namespace, name);
    for (const rel of files) {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.renameSync(path.join(base, rel), file);
    }
    const current = new Set(files);
    for (const rel of previous) {
      // only relative paths inside the prefix, as written by an earlier render
      if (current.has(rel) || path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) continue;
      fs.rmSync(path.join(dir, rel), { force: true });
    }
    const tmp = path.join(dir, `${MANIFEST}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, [...files].sort().join('\n') + '\n');
    fs.renameSync(tmp, path.join(dir, MANIFEST));
  }

  /** Removes the staging folder (after the commits). */
  remove(): void {
    if (this.exists) fs.rmSync(this.dir, { recursive: true, force: true });
    this.exists = false;
  }

  /** Removes the staging folder and the folders made for it: a failed render leaves nothing behind. */
  discard(): void {
    if (!this.exists) return;
    this.remove();
    if (this.made === undefined) return;
    // from the output folder up to the first one made, each only if still empty
    for (let d = this.out; ; d = path.dirname(d)) {
      try {
        fs.rmdirSync(d);
      } catch {
        return;
      }
      if (d === this.made || path.dirname(d) === d) return;
    }
  }
}
