/**
 * The nginx test harness: which nginx runs (NGINX_BIN, REQUIRE_NGINX, version), prefixes,
 * `nginx -t`, loopback ports and offsets, and running masters (one-shot {@link startNginx} or the
 * conformance runner's {@link NginxInstance}), each in its own process group.
 */
export * from './binary';
export * from '../temp';
export * from './ports';
export * from './process';
export * from './instance';
