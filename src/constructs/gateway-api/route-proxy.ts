import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { formatProxyOptions, MAX_BODY_BUFFER_SIZE, MAX_BODY_SIZE_LIMIT, normalizeSourceRange, ProxyOptions, sortSourceRanges } from '../../model';
import { fail } from '../core/errors';

/**
 * Options of an HTTPRoute / GRPCRoute that Gateway API has no field for, honoured by the built-in
 * proxy (`GatewayProxy`, `cdk8s-gateway render`). Synth writes them as annotations of the route
 * (`cdk8s-gateway.dev/max-request-body-size`, `…/client-body-buffer-size`,
 * `…/allow-source-ranges`, `…/deny-source-ranges`): no CRD, so the route applies on any cluster,
 * and `check` warns when a Gateway of another controller (which ignores them) serves the route.
 * See docs/dataplane.md, "Route options".
 *
 * @example
 * gateway.addHttpRoute('upload', {
 *   proxy: { maxRequestBodySize: Size.mebibytes(100), allowSourceRanges: ['10.0.0.0/8', '2001:db8::/32'] },
 *   rules: [{ backends: [Backend.fromName('upload', { port: 8080 })] }],
 * });
 */
export interface RouteProxyProps {
  /**
   * Largest request body (Content-Length or chunked); a larger one is answered 413.
   * `Size.kibibytes(0)` = no limit (overrides a proxy-wide `GatewayProxyProps.maxRequestBodySize`).
   * @default - the GatewayProxy's `maxRequestBodySize` (no limit unless set)
   */
  readonly maxRequestBodySize?: Size;
  /**
   * Memory buffer for a request body; a larger body is written to a temporary file in the proxy's
   * buffer volume (not refused). At most 1 GiB.
   * @default - nginx's default (16 KiB on 64-bit platforms)
   */
  readonly clientBodyBufferSize?: Size;
  /**
   * Only clients whose address is in one of these CIDRs / addresses (IPv4 or IPv6) are served;
   * others get 403. Host bits must be zero (`10.0.0.0/8`, not `10.0.0.1/8`).
   * @default - every client
   */
  readonly allowSourceRanges?: string[];
  /**
   * Clients in these CIDRs / addresses get 403. Checked before `allowSourceRanges` (as in
   * ingress-nginx): a denied address inside an allowed network is refused.
   * @default - none
   */
  readonly denySourceRanges?: string[];
}

/** Bytes of a Size given to the body options; fails naming the field when it is not whole bytes or out of range. @internal */
export function checkBodySize(scope: IConstruct, field: string, size: Size, buffer: boolean): number {
  let kib: number;
  try {
    kib = size.toKibibytes();
  } catch (e) {
    fail(scope, field, String(e), 'is not a whole number of kibibytes', 'use e.g. Size.mebibytes(8)');
  }
  const bytes = kib * 1024;
  const shown = `${kib} KiB`;
  if (!Number.isSafeInteger(bytes) || bytes < 0) fail(scope, field, shown, 'is not a whole number of bytes', 'use e.g. Size.mebibytes(8)');
  if (buffer && bytes === 0) fail(scope, field, shown, 'is 0: a body buffer holds at least one byte', 'use e.g. Size.kibibytes(16), or leave it unset for nginx\'s default');
  const max = buffer ? MAX_BODY_BUFFER_SIZE : MAX_BODY_SIZE_LIMIT;
  if (bytes > max) {
    fail(scope, field, shown, `is larger than ${max / 2 ** 30} GiB${buffer ? ', memory nginx would allocate for every request with a body' : ''}`, buffer ? 'use e.g. Size.mebibytes(1): larger bodies go to a temporary file, they are not refused' : 'use Size.kibibytes(0) for no limit, or a smaller size');
  }
  return bytes;
}

/** The annotations of `props`, validated (errors name the route, the prop, the value and a fix). @internal */
export function proxyAnnotations(scope: IConstruct, props: RouteProxyProps): Record<string, string> {
  const options: { -readonly [K in keyof ProxyOptions]: ProxyOptions[K] } = {};
  if (props.maxRequestBodySize !== undefined) options.maxRequestBodySize = checkBodySize(scope, 'proxy.maxRequestBodySize', props.maxRequestBodySize, false);
  if (props.clientBodyBufferSize !== undefined) options.clientBodyBufferSize = checkBodySize(scope, 'proxy.clientBodyBufferSize', props.clientBodyBufferSize, true);
  for (const k of ['allowSourceRanges', 'denySourceRanges'] as const) {
    const list = props[k];
    if (list === undefined) continue;
    if (!list.length) {
      fail(scope, `proxy.${k}`, list, 'is empty', k === 'allowSourceRanges' ? 'list the CIDRs allowed, or leave it unset to serve every client (an empty allow list would refuse everyone)' : 'list the CIDRs to refuse, or leave it unset');
    }
    const canonical = list.map((entry, i) => {
      const r = normalizeSourceRange(entry);
      if (typeof r !== 'string') fail(scope, `proxy.${k}[${i}]`, entry, r.problem, r.fix);
      return r;
    });
    options[k] = sortSourceRanges(canonical);
  }
  return formatProxyOptions(options);
}
