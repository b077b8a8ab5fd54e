/**
 * Implementation profiles (issue: `check` knows each implementation). A Gateway whose class
 * belongs to a known implementation is judged against that implementation's newest published
 * conformance report: every feature the input uses that the report does not claim is a
 * `FeatureNotClaimed` warning.
 */
import { BUILTIN_CONTROLLER_NAME, Diagnostic, KubeObject } from '../../model';
import { featureUses, unclaimedFeatures } from './features';
import { controllerNameOf, ImplementationReport, reportFor, reportForController } from './profiles';

export * from './profiles';
export { FeatureUse, featureUses, claims, unclaimedFeatures } from './features';

/**
 * The controller that handles the Gateways whose GatewayClass the input lacks: the one of the
 * implementation `implementation` (`NAME[@VERSION]`, `--implementation`) names — the user says which
 * implementation serves them — else the built-in controller. Throws when `implementation` names no
 * bundled report.
 */
export function controllerWithoutClass(implementation: string | undefined): string {
  if (implementation === undefined) return BUILTIN_CONTROLLER_NAME;
  const r = reportFor(implementation);
  if (typeof r === 'string') throw new Error(`--implementation ${implementation}: ${r}`);
  return controllerNameOf(r);
}

/** The report each controller is judged by, and what the input uses that it does not claim. */
export interface ImplementationFindings {
  /** controllerName → the report used (controllers without a known implementation are absent) */
  readonly reports: ReadonlyMap<string, ImplementationReport>;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The reports for `controllers` (`implementation`, `NAME[@VERSION]`, overrides the mapping for
 * every controller but the built-in one) and the `FeatureNotClaimed` warnings.
 * Throws when `implementation` names no bundled report.
 */
export function implementationFindings(
  objects: readonly KubeObject[],
  controllers: readonly string[],
  options: {
    readonly implementation?: string;
    readonly defaultNamespace?: string;
    /** the controller (one of `controllers`) that handles the Gateways whose GatewayClass the input lacks */
    readonly withoutClass?: string;
  } = {},
): ImplementationFindings {
  let forced: ImplementationReport | undefined;
  if (options.implementation !== undefined) {
    const r = reportFor(options.implementation);
    if (typeof r === 'string') throw new Error(`--implementation ${options.implementation}: ${r}`);
    forced = r;
  }
  const reports = new Map<string, ImplementationReport>();
  const diagnostics: Diagnostic[] = [];
  for (const c of controllers) {
    if (c === BUILTIN_CONTROLLER_NAME) continue;
    const report = forced ?? reportForController(c);
    if (!report) continue;
    reports.set(c, report);
    diagnostics.push(...unclaimedFeatures(featureUses(objects, c, options.defaultNamespace, c === options.withoutClass), report));
  }
  return { reports, diagnostics };
}
