import { IConstruct } from 'constructs';
import { checkDnsLabel } from './checks';
import { fail } from './errors';
import { declaredExternalNamespaces, declareExternalNamespaces } from './validation';

/**
 * The namespaces an app uses that exist outside it: created by another tool (`istioctl` creates
 * `istio-system`, a Helm release with `--create-namespace`), by another app, or by hand.
 *
 * At `app.synth()` every namespace the app's objects use must be created by a `v1 Namespace` of
 * the app (yours, or the ones {@link AppNamespaces} emits) or be declared here; otherwise synth
 * prints a `NamespaceNotCreated` warning naming the namespace and the objects in it (applied to an
 * empty cluster, such manifests fail with `namespaces "x" not found`). `default`, `kube-system`,
 * `kube-public` and `kube-node-lease` exist on every cluster and need no declaration, nor does the
 * namespace MetalLB runs in (a namespace holding only MetalLB objects is created by MetalLB's
 * installation).
 *
 * The declaration is app-wide (namespaces are cluster-wide): `of()` of any construct of an app
 * gives the same set. `AppNamespaces` does not create the namespaces declared here.
 *
 * ```ts
 * ExternalNamespaces.of(app).add('istio-system', 'cert-manager');
 * ```
 */
export class ExternalNamespaces {
  /** The external namespaces of the app `scope` belongs to. */
  public static of(scope: IConstruct): ExternalNamespaces {
    return new ExternalNamespaces(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Declares namespaces as existing outside the app.
   * @param namespaces namespace names (DNS labels)
   */
  public add(...namespaces: string[]): ExternalNamespaces {
    for (const ns of namespaces) {
      const problem = checkDnsLabel(ns);
      if (problem) fail(this.scope, 'ExternalNamespaces.add', ns, `${problem}, so it cannot name a namespace`, 'pass the name of the namespace, e.g. "istio-system"');
    }
    declareExternalNamespaces(this.scope, namespaces);
    return this;
  }

  /** Whether `namespace` was declared external. */
  public has(namespace: string): boolean {
    return declaredExternalNamespaces(this.scope).includes(namespace);
  }

  /** The namespaces declared external, sorted. */
  public get namespaces(): string[] {
    return declaredExternalNamespaces(this.scope);
  }
}
