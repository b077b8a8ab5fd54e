/**
 * The part every command shares: load PATH…, stop on input errors, resolve, and find where each
 * object came from.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { BUILTIN_CONTROLLER_NAME, Diagnostic, GATEWAY_GROUP, KubeObject, ObjectRef, sortDiagnostics, splitApiVersion } from '../model';
import { ImplementationReport, implementationFindings, reportFor, resolve, resolveControllers, ResolveOptions, ResolveResult } from '../resolve';
import { DEFAULT_MAX_INPUT_BYTES, load, LoadResult, Source } from './load';

/** What a command needs from the outside world (injected, so commands are testable without spawning). */
export interface CliIO {
  /** Writes to standard output (text is passed as is; lines end with `\n`). */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Directory relative PATH arguments are resolved against. */
  readonly cwd: string;
  /** Reads standard input (the `-` PATH), at most `maxBytes` (see `LoadOptions.readStdin`). */
  readonly readStdin?: (maxBytes: number) => Promise<string>;
  /** Color text output (the caller decides: TTY and `NO_COLOR`). @default false */
  readonly color?: boolean;
}

/** Options every command that reads manifests accepts. */
export interface InputOptions {
  readonly controllerName?: string;
  readonly namespace?: string;
  /**
   * Objects referenced but absent from the input exist elsewhere (`ResolveOptions.assumeExternal`);
   * with `checkNamespaces`, so do the namespaces no Namespace of the input creates.
   */
  readonly assumeExternal?: boolean;
  /**
   * Report namespaces the input uses but does not create (`NamespaceNotCreated`, see
   * `ResolveOptions.namespaces`). `check` turns it on.
   */
  readonly checkNamespaces?: boolean;
  /** Namespaces created by other means: never reported by the namespace check (`--external-namespace`). */
  readonly externalNamespace?: readonly string[];
  /** Most MiB of input read in total (`--max-input-size`). @default 64 */
  readonly maxInputSize?: number;
  /**
   * `NAME[@VERSION]` of a bundled conformance report to judge the Gateways of other controllers by
   * (`--implementation`); Gateways whose GatewayClass is not in the input are then that
   * implementation's. Default: the report of each controller's implementation, when known.
   */
  readonly implementation?: string;
  /** The Gateway API channel the cluster's CRDs come from (`--channel`); default: inferred from the input. */
  readonly channel?: 'standard' | 'experimental';
  /**
   * Not a flag: `false` when the command reads only status and diagnostics (`check`), so the
   * model keeps no route rules (`ResolveOptions.modelRules`). @default true
   */
  readonly modelRules?: boolean;
  /**
   * Not a flag: `false` when the command never shows the objects' status (`check` with text
   * output), so none is computed (`ResolveOptions.status`). @default true
   */
  readonly status?: boolean;
}

/** Adds the options of {@link InputOptions} to a command. */
export function addInputOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--controller-name <name>', `check Gateways as the controller with this controllerName would (default: ${BUILTIN_CONTROLLER_NAME}; \`check\` without it checks every controller of the input's GatewayClasses)`))
    .addOption(new Option('-n, --namespace <namespace>', 'namespace of objects without metadata.namespace').default('default'))
    .addOption(new Option('--assume-external', 'treat referenced objects missing from the input (Services, Secrets, Gateways…, and for `check` namespaces) as existing elsewhere: reported as info, not checked'))
    .addOption(new Option('--channel <channel>', 'the Gateway API release channel of the cluster\'s CRDs: validate against its schemas and CEL rules (default: experimental when the input holds experimental CRDs or kinds/versions only that channel serves, else standard)').choices(['standard', 'experimental']))
    .addOption(new Option('--implementation <name[@version]>', 'judge the Gateways of other controllers by this implementation\'s published conformance report (e.g. nginx-gateway-fabric, istio@1.28), and Gateways whose GatewayClass is not in the input as that implementation\'s; default: the report of each GatewayClass controller\'s implementation, when known').argParser(parseImplementation))
    .addOption(new Option('--max-input-size <MiB>', 'most input read, files and stdin together, in MiB (larger input is refused with exit 2)').default(DEFAULT_MAX_INPUT_BYTES / 1024 / 1024).argParser(parseMiB));
}

/** `--implementation`: the name (and version) of a bundled report. */
function parseImplementation(value: string): string {
  const r = reportFor(value);
  if (typeof r === 'string') throw new InvalidArgumentError(`${r}.`);
  return value;
}

/** `--max-input-size`: a whole number of MiB from 1 to 4096. */
function parseMiB(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > 4096) throw new InvalidArgumentError(`"${value}" is not a size in MiB from 1 to 4096.`);
  return n;
}

/** Loaded and resolved input. */
export interface Resolved {
  readonly input: LoadResult;
  readonly objects: KubeObject[];
  /** The result (with `allControllers`: every controller's status and findings merged, the built-in controller's model). */
  readonly result: ResolveResult;
  /** The resolver's diagnostics plus the CLI's own (input documents, other controllers), sorted. */
  readonly diagnostics: Diagnostic[];
  /** Where the object a diagnostic is about came from. */
  sourceOf(d: Diagnostic): Source | undefined;
  /**
   * {@link sourceOf} that holds neither the input nor its objects: the index of where each object
   * came from is built now. For a command that lets the objects go before it shows its
   * diagnostics (`render` on a large input).
   */
  detachedSourceOf(): (d: Diagnostic) => Source | undefined;
  readonly resolveOptions: ResolveOptions;
  /** Each controller's own result, by controllerName (one entry unless `allControllers`). */
  readonly results: ReadonlyMap<string, ResolveResult>;
  /** The conformance report each controller of a known implementation was judged by. */
  readonly implementations: ReadonlyMap<string, ImplementationReport>;
}

/**
 * A command's own step between loading and resolving (`render --self-signed`, `--serve-valid`): the
 * objects to resolve instead, and findings about the change. `schemaChecked`: the findings hold the
 * schema stage's verdict on those objects, so the resolver does not validate them again.
 */
export type PrepareInput = (objects: KubeObject[], options: ResolveOptions) => { objects: KubeObject[]; diagnostics: Diagnostic[]; schemaChecked?: boolean };

/**
 * Loads PATH… and resolves it (after `prepare`, when given). On input errors (unreadable paths,
 * invalid YAML) prints them as `error: FILE:LINE:COL: message` on stderr and returns `undefined` (exit 2).
 */
export async function loadAndResolve(paths: readonly string[], opts: InputOptions, io: CliIO, allControllers = false, prepare?: PrepareInput): Promise<Resolved | undefined> {
  const input = await load(paths, { cwd: io.cwd, readStdin: io.readStdin, maxBytes: (opts.maxInputSize ?? DEFAULT_MAX_INPUT_BYTES / 1024 / 1024) * 1024 * 1024 });
  if (input.errors.length) {
    for (const e of input.errors) io.stderr(`error: ${e.location}: ${e.message}\n`);
    io.stderr(`${input.errors.length === 1 ? '1 input error' : `${input.errors.length} input errors`}: nothing was checked\n`);
    return undefined;
  }
  let resolveOptions: ResolveOptions = {
    controllerName: opts.controllerName ?? BUILTIN_CONTROLLER_NAME,
    defaultNamespace: opts.namespace ?? 'default',
    ...(opts.assumeExternal ? { assumeExternal: true } : {}),
    ...(opts.channel ? { channel: opts.channel } : {}),
    ...(opts.modelRules === false ? { modelRules: false } : {}),
    ...(opts.status === false ? { status: false } : {}),
    ...(opts.checkNamespaces ? { namespaces: { external: [...(opts.externalNamespace ?? [])], assumeExternal: !!opts.assumeExternal }, metallb: true } : {}),
  };
  const prepared = prepare?.(input.objects.map((o) => o.object), resolveOptions);
  const objects = prepared ? prepared.objects : input.objects.map((o) => o.object);
  if (prepared?.schemaChecked) resolveOptions = { ...resolveOptions, schemaValidation: false };
  // `allControllers` (check and explain without --controller-name): every Gateway as its own
  // controller would see it, as the constructs do; otherwise one controller and a warning for the
  // Gateways of others
  const multi = allControllers && opts.controllerName === undefined ? resolveControllers(objects, { ...resolveOptions, implementation: opts.implementation }) : undefined;
  // (merged: every controller's findings and status; the model stays per controller, in `results`)
  const result: ResolveResult = multi
    ? { diagnostics: multi.diagnostics, status: multi.status, model: multi.results.get(BUILTIN_CONTROLLER_NAME)!.model }
    : resolve(objects, resolveOptions);
  // one controller: its implementation's report (resolveControllers does this for every controller);
  // that run also handles the Gateways whose GatewayClass the input lacks
  const single = multi
    ? undefined
    : implementationFindings(objects, [resolveOptions.controllerName!], { implementation: opts.implementation, defaultNamespace: resolveOptions.defaultNamespace, withoutClass: resolveOptions.controllerName });
  const own = new Map<Diagnostic, Source>();
  for (const d of input.diagnostics) own.set(d.diagnostic, d.source);
  const diagnostics = sortDiagnostics([...result.diagnostics, ...(prepared?.diagnostics ?? []), ...input.diagnostics.map((d) => d.diagnostic), ...(multi ? [] : [...otherControllers(objects, result, resolveOptions), ...single!.diagnostics])]);
  // (built on the first diagnostic shown: a clean input never needs it)
  let index: Map<string, Indexed[]> | undefined;
  return {
    input,
    objects,
    result,
    diagnostics,
    resolveOptions,
    results: multi ? multi.results : new Map([[resolveOptions.controllerName!, result]]),
    implementations: multi ? multi.implementations : single!.reports,
    sourceOf: (d) => own.get(d) ?? lookup((index ??= sourceIndex(input, resolveOptions.defaultNamespace!)), d.object),
    detachedSourceOf: () => sourceLookup(own, (index ??= sourceIndex(input, resolveOptions.defaultNamespace!))),
  };
}

/** A lookup from the two indexes (a function of its own: a closure made in `loadAndResolve` would hold the input). */
function sourceLookup(own: ReadonlyMap<Diagnostic, Source>, index: Map<string, Indexed[]>): (d: Diagnostic) => Source | undefined {
  return (d) => own.get(d) ?? lookup(index, d.object);
}

interface Indexed {
  readonly namespace: string | undefined;
  readonly source: Source;
}

function sourceIndex(input: LoadResult, defaultNamespace: string): Map<string, Indexed[]> {
  const index = new Map<string, Indexed[]>();
  for (const { object, source } of input.objects) {
    const k = `${object.kind}\u0000${object.metadata.name}`;
    const list = index.get(k) ?? [];
    list.push({ namespace: typeof object.metadata.namespace === 'string' ? object.metadata.namespace : defaultNamespace, source });
    index.set(k, list);
  }
  return index;
}

/** The last object of the input with the ref's kind, name and namespace (the resolver uses the last duplicate). */
function lookup(index: Map<string, Indexed[]>, ref: ObjectRef): Source | undefined {
  const list = index.get(`${ref.kind}\u0000${ref.name}`) ?? [];
  for (let i = list.length - 1; i >= 0; i--) {
    if (ref.namespace === undefined || list[i].namespace === ref.namespace) return list[i].source;
  }
  return undefined;
}

/** Diagnostic code: a Gateway of the input belongs to another controller and was not checked. */
export const OTHER_CONTROLLER = 'OtherController';

/**
 * Warnings for Gateways the resolver did not handle because their GatewayClass (present in the
 * input) names another controller: without them `check` would look clean while checking nothing.
 */
function otherControllers(objects: readonly KubeObject[], result: ResolveResult, options: ResolveOptions): Diagnostic[] {
  const classes = new Map<string, string>();
  for (const o of objects) {
    if (o.kind === 'GatewayClass' && splitApiVersion(o.apiVersion).group === GATEWAY_GROUP) {
      const controller = (o.spec as Record<string, unknown> | undefined)?.controllerName;
      if (typeof controller === 'string') classes.set(o.metadata.name ?? '', controller);
    }
  }
  const handled = new Set(result.model.gateways.map((g) => `${g.namespace}/${g.name}`));
  const out: Diagnostic[] = [];
  for (const o of objects) {
    if (o.kind !== 'Gateway' || splitApiVersion(o.apiVersion).group !== GATEWAY_GROUP) continue;
    const namespace = o.metadata.namespace ?? options.defaultNamespace!;
    if (handled.has(`${namespace}/${o.metadata.name}`)) continue;
    handled.add(`${namespace}/${o.metadata.name}`); // report duplicates once
    const className = (o.spec as Record<string, unknown> | undefined)?.gatewayClassName;
    const controller = typeof className === 'string' ? classes.get(className) : undefined;
    if (controller === undefined || controller === options.controllerName) continue;
    out.push({
      severity: 'warning',
      code: OTHER_CONTROLLER,
      message: `GatewayClass ${className} is handled by ${controller}, not ${options.controllerName}: this Gateway and the routes attached to it were not checked`,
      object: { apiVersion: o.apiVersion, kind: o.kind, namespace, name: o.metadata.name ?? '' },
      field: 'spec.gatewayClassName',
      fix: `run with --controller-name ${controller} to check it as that controller would`,
    });
  }
  return out;
}
