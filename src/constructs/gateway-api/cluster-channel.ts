import { IConstruct } from 'constructs';
import { fail } from '../core/errors';
import { declareClusterChannel, declaredClusterChannel } from '../core/validation';
import { GatewayApiChannel } from './gateway-api-crds';

/**
 * The Gateway API release channel of the CRDs in the cluster the app is applied to, when the app
 * does not install them itself. `app.synth()` validates the app's Gateway API objects against that
 * channel's schemas and CEL rules — what `cdk8s-gateway check --channel` does for YAML:
 * `experimental` accepts the experimental fields and kinds and applies that channel's stricter
 * rules (e.g. no CR/LF in HTTPRoute header values); `standard` refuses the experimental-only kinds
 * and versions and warns (`ExperimentalField`) about fields only the experimental CRDs accept.
 *
 * Without a declaration the channel is inferred as by `check`: experimental when the app installs
 * experimental-channel CRDs ({@link GatewayApiCrds} with `channel: 'experimental'`) or holds a kind
 * or version only that channel serves; standard otherwise. A declaration wins over the inference.
 * It is app-wide (CRDs are cluster-wide): `of()` of any construct of an app gives the same setting.
 *
 * ```ts
 * ClusterGatewayApi.of(app).useChannel('experimental');
 * ```
 */
export class ClusterGatewayApi {
  /** The cluster setting of the app `scope` belongs to. */
  public static of(scope: IConstruct): ClusterGatewayApi {
    return new ClusterGatewayApi(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Declares the release channel of the cluster's Gateway API CRDs.
   * @param channel `standard` or `experimental`
   */
  public useChannel(channel: GatewayApiChannel): ClusterGatewayApi {
    if (channel !== 'standard' && channel !== 'experimental') {
      fail(this.scope, 'ClusterGatewayApi.useChannel', channel, 'is not a Gateway API release channel', "pass 'standard' or 'experimental'");
    }
    const previous = declaredClusterChannel(this.scope);
    if (previous !== undefined && previous !== channel) {
      fail(this.scope, 'ClusterGatewayApi.useChannel', channel, `contradicts the channel declared before (${previous}); a cluster runs one channel`, 'declare the channel once');
    }
    declareClusterChannel(this.scope, channel);
    return this;
  }

  /** The declared channel, or undefined (then inferred from the app's objects). */
  public get channel(): GatewayApiChannel | undefined {
    return declaredClusterChannel(this.scope);
  }
}
