/**
 * What the built-in data plane claims in the Gateway API conformance suite.
 *
 * Every feature is claimed except the ones listed in {@link UNSUPPORTED_FEATURES}: a case runs when
 * all its features are claimed, otherwise it is skipped with the reason given here. This is the
 * single list of skips (docs/conformance.md copies it); a case is never skipped because it fails or
 * crashes.
 */

/** Features the project declares unsupported, with the reason shown in the report and the docs. */
export const UNSUPPORTED_FEATURES: Readonly<Record<string, string>> = {
  GatewayInfrastructurePropagation:
    'the check reads labels/annotations on live Pods, Services and ServiceAccounts a controller creates ' +
    'from Gateway spec.infrastructure; the built-in data plane is compiled at synth time (GatewayProxy ' +
    'manifests), there is no controller and no live object to inspect',
  BackendTLSPolicySANValidation:
    'nginx verifies an upstream certificate against one name only (proxy_ssl_name, also the SNI); ' +
    'BackendTLSPolicy subjectAltNames lists (URI SANs such as SPIFFE IDs, or several DNS names) cannot ' +
    'be expressed. The compiler reports UnsupportedByDataplane and answers 500 for such backends rather ' +
    'than connect without the requested verification',
  GatewayStaticAddresses:
    'addresses are assigned by MetalLB when the Service is applied; offline nothing tells a usable ' +
    'spec.addresses value from an unusable one (the case needs implementation-supplied address pools, ' +
    'PLACEHOLDER_USABLE_ADDRS / PLACEHOLDER_UNUSABLE_ADDRS)',
};

/** `undefined` when every feature of the case is claimed, else the first unsupported feature and its reason. */
export function unsupportedFeature(features: readonly string[]): { feature: string; reason: string } | undefined {
  for (const f of features) {
    const reason = UNSUPPORTED_FEATURES[f];
    if (reason !== undefined) return { feature: f, reason };
  }
  return undefined;
}

/** Whether the project claims a feature (used for `skipIf` steps). */
export function claims(feature: string): boolean {
  return UNSUPPORTED_FEATURES[feature] === undefined;
}
