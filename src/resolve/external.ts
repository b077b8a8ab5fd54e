import { Diagnostic, EXTERNAL_BACKENDS_ANNOTATION, ObjectRef, parseExternalBackends } from '../model';
import { diagnostic } from './conditions';

/** Diagnostic code for a reference to an object absent from the input, assumed to exist (`assumeExternal`). */
export const ASSUMED_EXTERNAL = 'AssumedExternal';

/**
 * Records that a reference to an object absent from the input is assumed to resolve (option
 * `assumeExternal`): one `info` diagnostic naming the object and what was not checked.
 *
 * @param target the referenced object, e.g. `Service apps/web`
 * @param unchecked what could not be checked, e.g. `that it exposes port 80`
 */
export function assumeExternal(diags: Diagnostic[], referrer: ObjectRef, field: string, target: string, unchecked: string): void {
  diags.push(
    diagnostic(
      'info',
      ASSUMED_EXTERNAL,
      referrer,
      field,
      `${target} is not in the input: assumed to exist outside it, not checked (${unchecked})`,
      `nothing to do if ${target} is deployed by other means; add it to the input to have it checked`,
    ),
  );
}

/**
 * The backends a route's `cdk8s-gateway.dev/external-backends` annotation (written by synth for
 * `Backend.fromName` / `Backend.fromServiceImport`) declares as existing outside the input, as keys
 * `group|kind|namespace|name`; a warning for every entry that does not parse.
 */
export function declaredExternalBackends(diags: Diagnostic[], route: ObjectRef, annotations: unknown): ReadonlySet<string> {
  const value = annotations && typeof annotations === 'object' ? (annotations as Record<string, unknown>)[EXTERNAL_BACKENDS_ANNOTATION] : undefined;
  if (typeof value !== 'string') return EMPTY;
  const { entries, bad } = parseExternalBackends(value);
  for (const b of bad) {
    diags.push(
      diagnostic(
        'warning',
        'InvalidAnnotation',
        route,
        `metadata.annotations[${EXTERNAL_BACKENDS_ANNOTATION}]`,
        `entry ${JSON.stringify(b.slice(0, 100))} is not of the form "Kind[.group] namespace/name": ignored`,
        'write entries such as "Service docs/docserver", separated by ", " (synth writes this annotation for Backend.fromName), or remove the annotation',
      ),
    );
  }
  return new Set(entries.map((e) => externalBackendKey(e.group, e.kind, e.namespace, e.name)));
}

/** The key of a backend in {@link declaredExternalBackends}. */
export function externalBackendKey(group: string, kind: string, namespace: string, name: string): string {
  return `${group}|${kind}|${namespace}|${name}`;
}

const EMPTY: ReadonlySet<string> = new Set();
