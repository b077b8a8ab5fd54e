/**
 * Scenario 1 — homelab — with `pulumi up`: the cdk8s chart of examples/homelab (Gateway
 * `web-gateway`, the HTTPS redirect, the apps and their routes, …) deployed by the
 * `GatewayStack` component, on a bare cluster: the Gateway API CRDs, MetalLB and
 * cert-manager are installed first and everything else waits for them.
 *
 * Inside this repository the program imports the library from source, like the other
 * examples; in your own project write `import { GatewayStack } from 'cdk8s-gateway/pulumi'`.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { GatewayStack } from '../../src/pulumi';
import { HomelabChart } from '../homelab/app';

const config = new pulumi.Config();
const installPrerequisites = config.getBoolean('installPrerequisites') ?? true;
const channel = config.get('gatewayApiChannel') === 'experimental' ? 'experimental' : 'standard';
const kubeContext = config.get('kubeContext') || undefined;
/** keys (`Kind/namespace/name`) of objects that already exist in the cluster, adopted with the `import` option */
const adopt = config.getObject<string[]>('adopt') ?? [];

// An explicit provider: server-side apply stays on (the v4 default) — adoption relies on it.
const provider = new k8s.Provider('homelab-k8s', { enableServerSideApply: true, ...(kubeContext ? { context: kubeContext } : {}) });

const homelab = new GatewayStack('homelab', {
  app: (app) => new HomelabChart(app, 'homelab'),
  prerequisites: installPrerequisites ? { gatewayApiCrds: { channel }, metallb: true, certManager: true } : {},
  patchForce: config.getBoolean('patchForce') ?? false,
  importExisting: adopt,
  waitForGatewayProgrammed: config.getBoolean('waitForGatewayProgrammed') ?? false,
}, { provider });

/** `namespace/name` of each Gateway → its addresses (the proxy's MetalLB IP once assigned) */
export const gatewayAddresses = homelab.gatewayAddresses;
/** every object the stack manages, by key */
export const objects = Object.keys(homelab.resources).sort();
