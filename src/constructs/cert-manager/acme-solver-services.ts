/**
 * The Services that let the built-in proxy reach cert-manager's HTTP-01 solver pods.
 *
 * cert-manager's own solver Service has a generated name, created at run time: a configuration
 * compiled at synth time cannot name it. The solver pods, though, carry a label derived from the
 * DNS name (`acme.cert-manager.io/http-domain: <adler32>`), so a Service per name, emitted with the
 * Certificate, selects them; the proxy routes `/.well-known/acme-challenge/` of that name to it
 * (see `resolve/acme.ts`).
 */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { BUILTIN_CONTROLLER_NAME } from '../../model';
import { acmeServiceName, acmeSolverService } from '../../resolve/acme';
import { acmeSolvers, selectSolver } from './cert-manager-checks';
import type { IIssuer } from './types';
import { AcmeChallengeType } from './cert-manager-solver';
import { Gateway } from '../gateway-api/gateway';
import { GatewayClass } from '../gateway-api/gateway-class';

const emitted = new WeakMap<IConstruct, Set<string>>();

/** Whether a Gateway of the app is served by the built-in proxy (its class has the built-in controller). */
function builtinGateway(scope: IConstruct, gateway: unknown): gateway is Gateway {
  if (!(gateway instanceof Gateway)) return false;
  return scope.node.root.node.findAll().some((c) => c instanceof GatewayClass && c.name === gateway.gatewayClassName && c.controllerName === BUILTIN_CONTROLLER_NAME);
}

/**
 * For each name an ACME issuer validates by HTTP-01 through a Gateway of the built-in proxy, a
 * Service in `namespace` selecting cert-manager's solver pods for the name (once per namespace and
 * name in the app).
 * @internal
 */
export function addAcmeSolverServices(scope: Construct, namespace: string, names: readonly string[], issuer: IIssuer, labels: { readonly [key: string]: string }): void {
  const solvers = acmeSolvers(issuer);
  if (!solvers?.length) return;
  const root = scope.node.root;
  const done = emitted.get(root) ?? new Set<string>();
  emitted.set(root, done);
  for (const dnsName of names) {
    if (dnsName.startsWith('*.')) continue;
    const solver = selectSolver(solvers, dnsName, labels);
    if (!solver || solver.type !== AcmeChallengeType.HTTP01 || !builtinGateway(scope, solver.gateway)) continue;
    const name = acmeServiceName(dnsName);
    if (done.has(`${namespace}/${name}`)) continue;
    done.add(`${namespace}/${name}`);
    new ApiObject(scope, name, acmeSolverService({ namespace, dnsName }) as any);
  }
}
