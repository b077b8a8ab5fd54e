/**
 * Synth benchmark: N HTTPRoutes (each with a header and a query match) through the constructs
 * (synth + schema/CEL validation + offline resolver) against a baseline of the same N objects
 * written as raw cdk8s ApiObjects (synth only). Same process, alternating runs, median of R.
 *
 *   npx ts-node --project tsconfig.dev.json bench/synth.ts [N...] [--runs R] [--json FILE]
 */
import * as fs from 'fs';
import { ApiObject, App, Chart } from 'cdk8s';
import {
  Backend,
  Gateway,
  GatewayClass,
  HeaderMatch,
  HttpRoute,
  Listener,
  ParentRef,
  PathMatch,
  QueryParamMatch,
  RouteNamespaces,
} from '../src';

function routeSpec(i: number) {
  return {
    parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'gateway' }],
    hostnames: [`app${i % 50}.example.com`],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: `/svc${i}` }, headers: [{ name: 'x-tenant', type: 'Exact', value: `t${i}` }], queryParams: [{ name: 'v', type: 'Exact', value: String(i % 7) }] }],
        backendRefs: [{ name: `svc${i}`, port: 8080 }],
      },
    ],
  };
}

function baseline(n: number): number {
  const app = new App({ outdir: '.tmp/bench' });
  const chart = new Chart(app, 'bench');
  new ApiObject(chart, 'class', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'cdk8s-gateway' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } });
  new ApiObject(chart, 'gw', {
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'gateway' },
    spec: { gatewayClassName: 'cdk8s-gateway', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
  });
  for (let i = 0; i < n; i++) {
    new ApiObject(chart, `r${i}`, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: `r${i}`, namespace: `ns${i % 20}` }, spec: routeSpec(i) });
  }
  return app.synthYaml().length;
}

function constructs(n: number): number {
  const app = new App({ outdir: '.tmp/bench' });
  const chart = new Chart(app, 'bench');
  const gw = new Gateway(chart, 'gw', {
    namespace: 'gateway',
    gatewayClass: GatewayClass.builtin(chart, 'class'),
    listeners: [Listener.http({ routeNamespaces: RouteNamespaces.all() })],
  });
  for (let i = 0; i < n; i++) {
    new HttpRoute(chart, `r${i}`, {
      namespace: `ns${i % 20}`,
      parents: [ParentRef.gateway(gw)],
      hostnames: [`app${i % 50}.example.com`],
      rules: [{
        matches: [PathMatch.prefix(`/svc${i}`).withHeaders(HeaderMatch.exact('x-tenant', `t${i}`)).withQueryParams(QueryParamMatch.exact('v', String(i % 7)))],
        backends: [Backend.fromName(`svc${i}`, { port: 8080 })],
      }],
    });
  }
  return app.synthYaml().length;
}

function time(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const args = process.argv.slice(2);
const runsIdx = args.indexOf('--runs');
const runs = runsIdx >= 0 ? Number(args[runsIdx + 1]) : 5;
const jsonIdx = args.indexOf('--json');
const jsonFile = jsonIdx >= 0 ? args[jsonIdx + 1] : undefined;
const sizes = args.filter((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--runs').map(Number);
const ns = sizes.length ? sizes : [100, 250, 500, 1000, 2000];

// warm-up (JIT, lazy schema/CEL compilation)
baseline(50);
constructs(50);
const rows: { routes: number; baselineMs: number; constructsMs: number; ratio: number }[] = [];
for (const n of ns) {
  const b: number[] = [];
  const c: number[] = [];
  for (let r = 0; r < runs; r++) {
    b.push(time(() => baseline(n)));
    c.push(time(() => constructs(n)));
  }
  const row = { routes: n, baselineMs: +median(b).toFixed(1), constructsMs: +median(c).toFixed(1), ratio: +(median(c) / median(b)).toFixed(2) };
  rows.push(row);
  console.log(`${String(n).padStart(5)} routes: baseline ${row.baselineMs.toFixed(1).padStart(8)} ms, constructs ${row.constructsMs.toFixed(1).padStart(8)} ms, ratio ${row.ratio.toFixed(2)}×`);
}
if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(rows, null, 2) + '\n');
