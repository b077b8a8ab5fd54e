import { IConstruct } from 'constructs';
import { showValue as show } from '../../model';

/**
 * Thrown by constructors and `add*` methods for mistakes that are local to one value
 * (bad path syntax, port out of range, …). The message names the construct path,
 * the field, the bad value and the fix.
 */
export class GatewayConfigError extends Error {
  /** construct path of the object at fault (empty for values not yet attached to a construct) */
  public readonly path: string;
  /** field of the manifest, e.g. `spec.listeners[0].port` */
  public readonly field: string;
  constructor(path: string, field: string, message: string) {
    super(`${path ? `[${path}] ` : ''}${field}: ${message}`);
    this.name = 'GatewayConfigError';
    this.path = path;
    this.field = field;
  }
}

/** Prints a user value for an error message (quoted, truncated): the model's `showValue`. */
export { show };

/** Throws a GatewayConfigError: `<field> <value>: <problem>. Fix: <fix>`. */
export function fail(scope: IConstruct | undefined, field: string, value: unknown, problem: string, fix: string): never {
  throw new GatewayConfigError(scope?.node.path ?? '', field, `${show(value)} ${problem}. Fix: ${fix}`);
}

/**
 * `id`, when `scope` has no child of that id yet; otherwise a GatewayConfigError naming the
 * construct that holds it (cdk8s only says "There is already a Construct with name …"). Construct
 * ids share their scope: a route made by `gateway.addHttpRoute(id, …)` lives in the Gateway's scope,
 * beside the app's own Deployments and Services. Pass it as `super(scope, freeId(scope, id, what))`.
 */
export function freeId(scope: IConstruct, id: string, what: string, nameProp = true): string {
  const taken = scope.node.tryFindChild(id);
  if (!taken) return id;
  const holder = taken.constructor?.name && taken.constructor.name !== 'Object' ? taken.constructor.name : 'construct';
  const where = scope.node.path || 'the app';
  throw new GatewayConfigError(
    `${scope.node.path ? `${scope.node.path}/` : ''}${id}`,
    'id',
    `construct id ${show(id)} for the ${what} is already taken in ${where} by ${/^[AEIOU]/.test(holder) ? 'an' : 'a'} ${holder} (${taken.node.path}): construct ids share their scope (routes added through a Gateway are created in the Gateway's scope). Fix: give the ${what} another id, e.g. ${show(`${id}-${what.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`)}${nameProp ? `; its object name can stay ${show(id)} through the \`name\` prop` : ''}`,
  );
}
