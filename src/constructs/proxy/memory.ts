/**
 * The proxy container's memory, sized from its compiled configuration.
 *
 * nginx holds its whole configuration in memory: locations, maps, upstreams — about 80 bytes per
 * byte of configuration text for the routes this library renders (10,000 header + query routes:
 * 79 on Debian's nginx 1.30 in the pod, `test/sandbox/proxy-memory.test.ts`; 83 on 1.22,
 * `bench/proxy-scale.ts`). A change then needs room for two: the entrypoint's
 * `nginx -t` parses the new configuration next to the running one, and a reload keeps the old
 * cycle (and its workers) until the new workers run. The memory-backed emptyDir holds the staged
 * and the running copy of the files as well. A limit that fits only the running configuration is
 * an OOM kill at the first change (10,000 routes under the former fixed 512 MiB: three processes
 * killed, connections reset), so the limit follows the configuration.
 */
import { Size, SizeRoundingBehavior } from 'cdk8s';

const MIB = 1024 * 1024;

/** nginx, the entrypoint's shell and a worker with a small configuration (measured ≈ 10 MiB; with margin). */
export const PROXY_BASE_MEMORY_BYTES = 24 * MIB;
/** Bytes of nginx memory per byte of configuration text (measured 79–83; with margin). */
export const PROXY_MEMORY_PER_CONFIG_BYTE = 100;
/** The limit (and request) below which the proxy never goes: what it had before sizing. */
export const PROXY_MIN_MEMORY_LIMIT_BYTES = 512 * MIB;
export const PROXY_MIN_MEMORY_REQUEST_BYTES = 64 * MIB;

/** What a configuration needs. */
export interface ProxyMemoryNeed {
  /** Serving it: nginx with the configuration loaded. */
  readonly runningBytes: number;
  /** Changing it: the running and the new configuration at once, plus the files in the memory emptyDir. */
  readonly reloadBytes: number;
  /** The limit the proxy sets: the reload need and a fifth more, in whole 64 MiB, at least 512 MiB. */
  readonly limit: Size;
  /** The request the proxy sets: the running need in whole 16 MiB, at least 64 MiB. */
  readonly request: Size;
}

const roundUp = (bytes: number, step: number) => Math.ceil(bytes / step) * step;

/** The memory a proxy serving `configBytes` of configuration needs (see the module comment). */
export function proxyMemoryNeed(configBytes: number): ProxyMemoryNeed {
  const runningBytes = PROXY_BASE_MEMORY_BYTES + PROXY_MEMORY_PER_CONFIG_BYTE * configBytes;
  const reloadBytes = 2 * runningBytes + 2 * configBytes;
  const limitMiB = Math.max(PROXY_MIN_MEMORY_LIMIT_BYTES, roundUp(reloadBytes * 1.2, 64 * MIB)) / MIB;
  const requestMiB = Math.max(PROXY_MIN_MEMORY_REQUEST_BYTES, roundUp(runningBytes, 16 * MIB)) / MIB;
  return { runningBytes, reloadBytes, limit: Size.mebibytes(limitMiB), request: Size.mebibytes(requestMiB) };
}

/** A Size as a Kubernetes quantity: whole MiB as `NMi`, else whole KiB as `NKi`. */
export function memoryQuantity(size: Size): string {
  const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  return Number.isInteger(mib) ? `${mib}Mi` : `${size.toKibibytes({ rounding: SizeRoundingBehavior.FLOOR })}Ki`;
}

/** Bytes of a Size (whole KiB). */
export function sizeBytes(size: Size): number {
  return size.toKibibytes({ rounding: SizeRoundingBehavior.FLOOR }) * 1024;
}
