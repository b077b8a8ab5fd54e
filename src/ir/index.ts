/**
 * The dataplane IR: the resolved model compiled into what a proxy must do — servers per port and
 * hostname, locations per path with their candidates in Gateway API precedence, actions (proxy,
 * redirect, rewrite, header changes, mirrors, CORS), weighted upstream splits, stream ports.
 * Plain, sorted data; see docs/dataplane.md.
 *
 * @packageDocumentation
 */
export { buildDataplane, eachGatewayDataplane, eachGatewayInputs, splitPercentages, normalizePrefix, underPrefix, upstreamNames, upstreamKey, UNSUPPORTED_BY_DATAPLANE } from './build';
export { covers, ownerOf, isWildcard } from './hostnames';
export type { EachGatewayInputs } from './build';
export { inputsOf, InputsIndex, withInputs } from './inputs';
export { IrInvariantError, validateDataplane, validateGateway } from './validate';
export type * from './types';
