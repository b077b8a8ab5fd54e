import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { KubeObject, splitApiVersion } from '../model';

/** A `@pulumi/kubernetes` resource class (they all take `(name, args, opts)`). */
export type KubernetesResourceClass = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * The typed `@pulumi/kubernetes` class for each built-in `apiVersion/kind` the component
 * registers. Kinds of API groups served by CRDs (Gateway API, MetalLB, cert-manager, …) go
 * through `k8s.apiextensions.CustomResource`; built-in kinds missing here are refused with
 * an error rather than registered under a guessed type token.
 */
export const TYPED_KINDS: { readonly [apiVersionKind: string]: KubernetesResourceClass } = {
  'v1/ConfigMap': k8s.core.v1.ConfigMap,
  'v1/Endpoints': k8s.core.v1.Endpoints,
  'v1/LimitRange': k8s.core.v1.LimitRange,
  'v1/Namespace': k8s.core.v1.Namespace,
  'v1/PersistentVolume': k8s.core.v1.PersistentVolume,
  'v1/PersistentVolumeClaim': k8s.core.v1.PersistentVolumeClaim,
  'v1/Pod': k8s.core.v1.Pod,
  'v1/ResourceQuota': k8s.core.v1.ResourceQuota,
  'v1/Secret': k8s.core.v1.Secret,
  'v1/Service': k8s.core.v1.Service,
  'v1/ServiceAccount': k8s.core.v1.ServiceAccount,
  'apps/v1/DaemonSet': k8s.apps.v1.DaemonSet,
  'apps/v1/Deployment': k8s.apps.v1.Deployment,
  'apps/v1/StatefulSet': k8s.apps.v1.StatefulSet,
  'batch/v1/CronJob': k8s.batch.v1.CronJob,
  'batch/v1/Job': k8s.batch.v1.Job,
  'autoscaling/v2/HorizontalPodAutoscaler': k8s.autoscaling.v2.HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': k8s.policy.v1.PodDisruptionBudget,
  'discovery.k8s.io/v1/EndpointSlice': k8s.discovery.v1.EndpointSlice,
  'networking.k8s.io/v1/Ingress': k8s.networking.v1.Ingress,
  'networking.k8s.io/v1/IngressClass': k8s.networking.v1.IngressClass,
  'networking.k8s.io/v1/NetworkPolicy': k8s.networking.v1.NetworkPolicy,
  'rbac.authorization.k8s.io/v1/ClusterRole': k8s.rbac.v1.ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': k8s.rbac.v1.ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': k8s.rbac.v1.Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': k8s.rbac.v1.RoleBinding,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': k8s.apiextensions.v1.CustomResourceDefinition,
  'storage.k8s.io/v1/StorageClass': k8s.storage.v1.StorageClass,
  'scheduling.k8s.io/v1/PriorityClass': k8s.scheduling.v1.PriorityClass,
  'node.k8s.io/v1/RuntimeClass': k8s.node.v1.RuntimeClass,
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': k8s.admissionregistration.v1.MutatingWebhookConfiguration,
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': k8s.admissionregistration.v1.ValidatingWebhookConfiguration,
};

/** API groups served by Kubernetes itself (every other group is a CRD's). */
const BUILTIN_GROUPS = new Set([
  '', 'apps', 'batch', 'policy', 'autoscaling', 'extensions',
  'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'authentication.k8s.io',
  'authorization.k8s.io', 'certificates.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io',
  'flowcontrol.apiserver.k8s.io', 'internal.apiserver.k8s.io', 'networking.k8s.io', 'node.k8s.io',
  'rbac.authorization.k8s.io', 'resource.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io', 'storagemigration.k8s.io',
]);

/**
 * Registers one object: its typed class when it has one, `CustomResource` for CRD kinds.
 * CustomResources also get a `status` output (declared, never sent: undefined inputs are
 * not serialized) so Gateway addresses and conditions can be read after `pulumi up`.
 */
export function registerObject(name: string, obj: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const typed = TYPED_KINDS[`${obj.apiVersion}/${obj.kind}`];
  if (typed) return new typed(name, obj, opts);
  const { group } = splitApiVersion(obj.apiVersion);
  if (BUILTIN_GROUPS.has(group)) {
    throw new Error(`cdk8s-gateway/pulumi: ${obj.apiVersion} ${obj.kind} "${obj.metadata.name}" has no typed @pulumi/kubernetes class in the component's table (TYPED_KINDS); register it yourself next to the component`);
  }
  return new k8s.apiextensions.CustomResource(name, { status: undefined, ...obj } as k8s.apiextensions.CustomResourceArgs, opts);
}
