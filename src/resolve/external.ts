import { Diagnostic, ObjectRef } from '../model';
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
