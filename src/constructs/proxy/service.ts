import { ApiObject, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { Gateway } from '../gateway-api/gateway';
import { Listener, ListenerProtocol } from '../gateway-api/listener';
import { GatewayProxyProps, ProxyServiceType } from './props';

type Metadata = (suffix: string) => { name: string; namespace: string; labels: { [key: string]: string } };

/** The HorizontalPodAutoscaler of the proxy's Deployment, when `autoscaling` is set. @internal */
export function addProxyAutoscaler(scope: Construct, props: GatewayProxyProps, metadata: Metadata, deployment: kplus.Deployment): void {
  if (props.autoscaling) {
    new kplus.HorizontalPodAutoscaler(scope, 'autoscaler', {
      metadata: metadata(''),
      target: deployment,
      minReplicas: props.autoscaling.minReplicas ?? 2,
      maxReplicas: props.autoscaling.maxReplicas,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(props.autoscaling.cpuUtilizationPercent ?? 70))],
    });
  }
}

/**
 * The proxy's Service (`LoadBalancer` with `externalTrafficPolicy: Local` by default, with the
 * load-balancer address's annotations) and its PodDisruptionBudget. @internal
 */
export function addProxyService(scope: Construct, props: GatewayProxyProps, metadata: Metadata, gw: Gateway, ports: Listener[], pods: kplus.Pods, deployment: kplus.Deployment): kplus.Service {
  const lbAddress = props.loadBalancerAddress ?? gw.loadBalancerAddress;
  const annotations = { ...(lbAddress?.serviceAnnotations() ?? {}), ...(props.serviceAnnotations ?? {}) };
  const serviceType = props.serviceType ?? ProxyServiceType.LOAD_BALANCER;
  const service = new kplus.Service(scope, 'service', {
    metadata: { ...metadata(''), annotations },
    type: serviceType as unknown as kplus.ServiceType,
    selector: pods,
    ports: ports.map((l) => ({
      name: `${l.protocol === ListenerProtocol.UDP ? 'udp' : 'tcp'}-${l.port}`,
      port: l.port,
      targetPort: l.port,
      protocol: l.protocol === ListenerProtocol.UDP ? kplus.Protocol.UDP : kplus.Protocol.TCP,
    })),
  });
  if (serviceType !== ProxyServiceType.CLUSTER_IP) {
    ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', props.externalTrafficPolicy ?? 'Local'));
  }

  if (props.podDisruptionBudget ?? true) {
    new ApiObject(scope, 'pdb', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata(''),
      spec: { minAvailable: 1, selector: { matchLabels: Lazy.any({ produce: () => deployment.matchLabels }) } },
    });
  }
  return service;
}
