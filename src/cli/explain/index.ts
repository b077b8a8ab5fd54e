/**
 * `cdk8s-gateway explain PATH… [--format text|json|mermaid]`: the route table the resolver's model
 * implies — per Gateway and listener, the hostnames a request can carry and, for each hostname,
 * the matches in the order a request is tried against them, with filters and backend shares.
 *
 * Everything here is a pure function of `resolve()`'s output: {@link explain} builds plain data
 * ({@link Explanation}, the JSON format; `model.ts`), {@link formatExplainText} (`text.ts`) and
 * {@link formatExplainMermaid} (`mermaid.ts`) render it; `command.ts` wires the subcommand,
 * `short-forms.ts` writes matches, filters and backends in short; precedence and shares come from
 * `../../resolve/precedence`.
 *
 * Match order (Gateway API v1.6.1, HTTPRoute): a request is first matched to the most specific
 * hostname (exact before wildcard, longer wildcard first); within it, precedence goes to the match
 * with an Exact path, then the longest PathPrefix, then a method, then the most header matches,
 * then the most query-param matches; ties go to the oldest route (`creationTimestamp`; objects
 * without one count as newest, since they will be created now), then the route's namespace/name,
 * then rule order. RegularExpression paths are implementation-specific: they are placed after
 * Exact and before PathPrefix (longest first), which is how the built-in nginx data plane
 * evaluates them. GRPCRoute: longest service, then longest method, then most header matches,
 * then the same route tie-breaks. TLS/TCP/UDP routes have no matches: route order only.
 */
export { EXPLAIN_FORMATS, explainCommand, explainPaths } from './command';
export type { ExplainOptions } from './command';
export type {
  RouteRef,
  ExplainBackend,
  ExplainMirror,
  ExplainEntry,
  ExplainHost,
  ExplainAttachment,
  ExplainListener,
  ExplainGateway,
  ExplainRejection,
  ExplainUnattached,
  Explanation,
  ExplainContext,
} from './types';
export { explain, explainControllers, routeRefs, sharePercents, sortHostnames } from './model';
export { filterText, matchText } from './short-forms';
export { formatExplainText } from './text';
export { formatExplainMermaid } from './mermaid';
export { compareMatchPrecedence, orderEntries } from '../../resolve';
export type { Rankable } from '../../resolve';
