/**
 * The proxy options of a route (`cdk8s-gateway.dev/max-request-body-size`, …, see
 * `model/proxy-options.ts`): parsed for the data plane, a malformed value is an error, and a route
 * carrying them on a Gateway of another controller gets a warning that they are not honoured there.
 */
import { BUILTIN_CONTROLLER_NAME, Diagnostic, parseProxyOptions } from '../model';
import { diagnostic } from './conditions';
import { Obj, RouteKind } from './inventory';
import type { RouteProxyOptions } from './model';
import { rec } from './util';

/** Diagnostic code of a proxy option value that does not parse. */
export const INVALID_ANNOTATION = 'InvalidAnnotation';
/** Diagnostic code of proxy options on a route no built-in proxy serves. */
export const ANNOTATION_NOT_HONOURED = 'AnnotationNotHonoured';

const PROXIED_KINDS = new Set(['HTTPRoute', 'GRPCRoute']);

/**
 * The route's options, as the data plane applies them (undefined: none set). A value that does not
 * parse is an error — unlike a bad `external-backends` entry (a warning: ignoring it only makes
 * `check` stricter), ignoring a bad size or source range would serve the route without the limit
 * or the allow list it asks for, so the data plane answers the route's requests 500 instead
 * (`invalid`) and `check` / synth fail.
 *
 * A route attached (through this run's controller) to Gateways of another controller than the
 * built-in one gets a warning instead: that controller ignores the annotations.
 *
 * @param controllerName the controller of this resolver run
 * @param gatewaysOf the Gateways of that controller the route attaches to (`namespace/name`; made only
 *   when a warning names them)
 */
export function routeProxyOptions(diags: Diagnostic[], r: Obj, kind: RouteKind, controllerName: string, gatewaysOf: () => readonly string[]): RouteProxyOptions | undefined {
  const { options, problems, present } = parseProxyOptions(rec(r.raw.metadata).annotations);
  if (!present.length) return undefined;
  for (const p of problems) {
    diags.push(
      diagnostic(
        'error',
        INVALID_ANNOTATION,
        r.ref,
        `metadata.annotations[${p.annotation}]`,
        `${JSON.stringify(p.value.slice(0, 200))} ${p.problem}; the built-in proxy answers the route's requests with 500 until it is fixed (never served without the option)`,
        p.fix,
      ),
    );
  }
  const list = present.join(', ');
  if (!PROXIED_KINDS.has(kind)) {
    diags.push(diagnostic('warning', ANNOTATION_NOT_HONOURED, r.ref, 'metadata.annotations', `${list} apply to HTTPRoutes and GRPCRoutes only: ignored on a ${kind}`, 'remove the annotations'));
    return undefined;
  }
  const gateways = controllerName !== BUILTIN_CONTROLLER_NAME ? gatewaysOf() : [];
  if (controllerName !== BUILTIN_CONTROLLER_NAME && gateways.length) {
    const one = gateways.length === 1;
    diags.push(
      diagnostic(
        'warning',
        ANNOTATION_NOT_HONOURED,
        r.ref,
        'metadata.annotations',
        `${list} ${present.length === 1 ? 'is' : 'are'} honoured only by the built-in proxy (controller ${BUILTIN_CONTROLLER_NAME}); ${one ? 'Gateway' : 'Gateways'} ${gateways.join(', ')} ${one ? 'is' : 'are'} served by ${controllerName}, which ignores ${present.length === 1 ? 'it' : 'them'}: requests through ${one ? 'it' : 'them'} are served without ${present.length === 1 ? 'it' : 'them'}`,
        `configure the equivalent with ${controllerName}'s own policy resources and remove the annotations, or attach the route to a Gateway of the built-in controller`,
      ),
    );
  }
  return { ...options, ...(problems.length ? { invalid: true } : {}) };
}
