/**
 * The rendering of backends by DNS name before they shared one upstream zone: every upstream block
 * with a 64 KiB zone of its own (`zone <block> 64k;`). For the tests and benchmarks that compare
 * both (test/sandbox/upstream-zone.test.ts, bench/proxy-scale.ts --zone-per-upstream).
 */
export function zonePerBlock(conf: string): string {
  return conf.replace(/(upstream (\w+) \{\n[^}]*?)zone gw_upstreams \d+m;/g, (_m, head: string, name: string) => `${head}zone ${name} 64k;`);
}
