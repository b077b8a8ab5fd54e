/**
 * Compiles the resolved model into the dataplane IR, per accepted Gateway: ports by protocol
 * (`http.ts`, `stream.ts`), actions (`actions.ts`), locations (`locations.ts`), upstreams
 * (`upstreams.ts`); precedence and shares come from `../resolve/precedence`.
 */
import { GATEWAY_API_VERSION, KubeObject, sortDiagnostics } from '../model';
import type { ResolvedGateway, ResolvedModel } from '../resolve/model';
import { normalizePrefix, splitPercentages } from '../resolve/precedence';
import { cmp } from '../resolve/util';
import { ApiVersionLookup, apiVersionLookup, Ctx, dedupeDiags, unsupported, UNSUPPORTED_BY_DATAPLANE } from './context';
import { buildHttpPort } from './http';
import { apiVersionsOf, InputsIndex, inputsWith } from './inputs';
import { buildLocations, underPrefix } from './locations';
import { buildL4Port, buildTlsPort } from './stream';
import { DataplaneIR, GatewayIR, HttpPortIR, StreamPortIR, UpstreamIR } from './types';
import { allBackends, upstreamKey, upstreamNames } from './upstreams';
import { IrInvariantError, validateDataplane, validateGateway } from './validate';

export { buildLocations, cmp, normalizePrefix, splitPercentages, underPrefix, upstreamKey, upstreamNames, UNSUPPORTED_BY_DATAPLANE };

/**
 * Compiles the resolved model into the dataplane IR. Pure: plain data in, plain sorted data out.
 *
 * @param model the resolver's model (`resolve(objects).model`)
 * @param objects the same input objects (Service kinds, route apiVersions for diagnostics)
 */
export function buildDataplane(model: ResolvedModel, objects: readonly KubeObject[]): DataplaneIR {
  // the inputs' apiVersions record (read once, for the IR's inputs and the diagnostics' references)
  const apiVersions = apiVersionsOf(objects);
  const serviceImports = serviceImportsOf(model);
  const lookup = apiVersionLookup(apiVersions);
  const gateways = model.gateways.filter((g) => g.accepted).map((g) => buildGateway(g, lookup, serviceImports));
  const ir: DataplaneIR = { gateways, inputs: inputsWith(gateways, objects, apiVersions) };
  validateDataplane(ir);
  return ir;
}

/**
 * The dataplane IR one Gateway at a time, for a caller that renders each and lets it go before the
 * next (the CLI's `render`, whose memory then holds one Gateway's IR instead of all of them). Each
 * item is a {@link DataplaneIR} of one Gateway with the `inputs` of that Gateway: the Gateways, their
 * order and their IR are those of {@link buildDataplane}, checked by the same invariants (an
 * {@link IrInvariantError} is thrown when the Gateway is reached).
 */
export function* eachGatewayDataplane(model: ResolvedModel, objects: readonly KubeObject[] | EachGatewayInputs): Generator<DataplaneIR, void, undefined> {
  const { apiVersions, serviceImports, index } = isEachGatewayInputs(objects) ? objects : eachGatewayInputs(model, objects);
  const seen = new Set<string>();
  for (const rg of model.gateways) {
    if (!rg.accepted) continue;
    const g = buildGateway(rg, apiVersions, serviceImports);
    const k = `${g.namespace}/${g.name}`;
    if (seen.has(k)) throw new IrInvariantError('gateways-unique', `Gateway ${k} appears twice`);
    seen.add(k);
    validateGateway(g);
    yield { gateways: [g], inputs: index.of([g]) };
  }
}

/**
 * What {@link eachGatewayDataplane} reads from the input objects, read once
 * ({@link eachGatewayInputs}): a caller that passes it instead of the objects need not keep the
 * objects alive while the Gateways are built (the CLI's `render` on a large input).
 */
export interface EachGatewayInputs {
  /** apiVersions by `kind/namespace/name` (a view of `index.apiVersions`: one table of them). */
  readonly apiVersions: ApiVersionLookup;
  /** `namespace/name` of the ServiceImports the routes' backends name. */
  readonly serviceImports: ReadonlySet<string>;
  /** The certificate / CA material of the input, and its apiVersions record. */
  readonly index: InputsIndex;
}

/**
 * Reads, once, what {@link eachGatewayDataplane} needs from `objects` (the same input the model was
 * resolved from). The apiVersions are those {@link buildDataplane} reads (same keys, the last object
 * of a key wins), looked up in the index's record rather than in a second table.
 */
export function eachGatewayInputs(model: ResolvedModel, objects: readonly KubeObject[]): EachGatewayInputs {
  const index = new InputsIndex(objects);
  return { apiVersions: apiVersionLookup(index.apiVersions), serviceImports: serviceImportsOf(model), index };
}

function isEachGatewayInputs(x: readonly KubeObject[] | EachGatewayInputs): x is EachGatewayInputs {
  return !Array.isArray(x);
}

/** `namespace/name` of every ServiceImport a route's backend or mirror names. */
function serviceImportsOf(model: ResolvedModel): Set<string> {
  const serviceImports = new Set<string>();
  for (const r of model.routes) {
    for (const rule of r.rules) {
      for (const b of rule.backends) if (b.kind === 'ServiceImport') serviceImports.add(`${b.namespace}/${b.name}`);
      for (const b of rule.mirrors) if (b.kind === 'ServiceImport') serviceImports.add(`${b.namespace}/${b.name}`);
    }
  }
  return serviceImports;
}

function buildGateway(g: ResolvedGateway, apiVersions: ApiVersionLookup, serviceImports: ReadonlySet<string>): GatewayIR {
  const parts = allBackends(g);
  const names = upstreamNames(parts.keys());
  const upstreamKeys = new Map<string, string>();
  for (const [k, v] of names) upstreamKeys.set(v, k);
  const ctx: Ctx = { diags: [], apiVersions, upstreamNames: names, upstreamKeys, upstreamParts: parts, used: new Set() };
  const listeners = g.listeners.filter((l) => l.programmed);
  const ports = [...new Set(listeners.map((l) => l.port))].sort((a, b) => a - b);
  const httpPorts: HttpPortIR[] = [];
  const streamPorts: StreamPortIR[] = [];
  for (const port of ports) {
    const on = listeners.filter((l) => l.port === port);
    const https = on.filter((l) => l.protocol === 'HTTPS');
    const http = on.filter((l) => l.protocol === 'HTTP');
    const tls = on.filter((l) => l.protocol === 'TLS');
    const tcp = on.filter((l) => l.protocol === 'TCP');
    const udp = on.filter((l) => l.protocol === 'UDP');
    if (http.length) httpPorts.push(buildHttpPort(ctx, port, 'HTTP', http, false));
    if (https.length) httpPorts.push(buildHttpPort(ctx, port, 'HTTPS', https, tls.length > 0));
    if (tls.length) streamPorts.push(buildTlsPort(ctx, port, tls, https));
    if (tcp.length) streamPorts.push(buildL4Port(ctx, port, 'TCP', tcp));
    if (udp.length) streamPorts.push(buildL4Port(ctx, port, 'UDP', udp));
    for (const l of on) {
      if (!['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'].includes(l.protocol)) {
        unsupported(ctx, { apiVersion: GATEWAY_API_VERSION, kind: l.source.kind, namespace: l.source.namespace, name: l.source.name }, `listener ${l.name}`, `protocol ${l.protocol} is not served by the nginx data plane`);
      }
    }
  }
  const upstreams: UpstreamIR[] = [...ctx.used]
    .map((k) => {
      const m = ctx.upstreamParts.get(k)!;
      // (usually no ServiceImport at all: then no key to look up)
      const kind = serviceImports.size && serviceImports.has(`${m.namespace}/${m.service}`) ? ('ServiceImport' as const) : ('Service' as const);
      return { name: ctx.upstreamNames.get(k)!, key: k, namespace: m.namespace, service: m.service, port: m.port, kind };
    })
    .sort((a, b) => cmp(a.name, b.name));
  return {
    namespace: g.namespace,
    name: g.name,
    httpPorts,
    streamPorts,
    upstreams,
    ...(g.backendClientCertificate ? { backendClientCertificate: g.backendClientCertificate } : {}),
    diagnostics: sortDiagnostics(dedupeDiags(ctx.diags)),
  };
}
