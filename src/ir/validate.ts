/**
 * Invariants of the dataplane IR, checked after it is built (the renderer relies on them): a
 * violation is a bug of the IR builder, reported as an {@link IrInvariantError} naming the invariant.
 *
 * - `gateways-unique`: one entry per Gateway namespace/name;
 * - `upstreams-sorted-unique`: upstream names strictly increasing;
 * - `upstream-exists`: every backend / mirror upstream is an upstream of its Gateway;
 * - `ports-unique`: one HTTP port entry per (port, protocol), one stream port entry per (port, protocol);
 * - `server-names`: an HTTP port's named servers sorted and unique, then exactly one default server, last;
 * - `action-exists`: action ids unique within a server, and every location candidate names one;
 * - `shares`: a backend list's percentages add up to 100, or are all 0;
 * - `tls-material`: the certificate / CA material in `inputs` is only what the IR references.
 */
import { cmp } from '../resolve/util';
import { referencedMaterial } from './inputs';
import { BackendIR, DataplaneIR, GatewayIR, HttpPortIR, MirrorIR } from './types';

/** A violated IR invariant (an internal error, not a problem of the input). */
export class IrInvariantError extends Error {
  constructor(
    /** The invariant's name, e.g. `upstream-exists`. */
    readonly invariant: string,
    detail: string,
  ) {
    super(`internal error: dataplane IR invariant "${invariant}" violated: ${detail}`);
    this.name = 'IrInvariantError';
  }
}

function check(ok: boolean, invariant: string, detail: () => string): void {
  if (!ok) throw new IrInvariantError(invariant, detail());
}

/** `actionId`: the backends are an action's (named `action <id>` in the error), else `where` names them. */
function checkShares(backends: readonly BackendIR[], actionId: string | undefined, where?: string): void {
  if (!backends.length) return;
  let sum = 0;
  for (const b of backends) sum += b.percent;
  check(Math.abs(sum - 100) < 1e-6 || backends.every((b) => b.percent === 0), 'shares', () => `the backend shares of ${actionId !== undefined ? `action ${actionId}` : where} add up to ${sum}`);
}

function checkServers(g: GatewayIR, p: HttpPortIR): void {
  const where = `Gateway ${g.namespace}/${g.name} ${p.protocol} port ${p.port}`;
  const named = p.servers.filter((s) => s.hostname !== undefined).map((s) => s.hostname!);
  const last = p.servers[p.servers.length - 1];
  check(!!last && last.hostname === undefined && named.length === p.servers.length - 1, 'server-names', () => `${where} must end with its one default server`);
  named.forEach((h, i) => check(i === 0 || cmp(named[i - 1], h) < 0, 'server-names', () => `${where}: server ${h} is not after ${named[i - 1]} (sorted, unique)`));
}

function checkGateway(g: GatewayIR): void {
  const gw = `Gateway ${g.namespace}/${g.name}`;
  const upstreams = new Set<string>();
  for (let i = 0; i < g.upstreams.length; i++) {
    const u = g.upstreams[i];
    if (i > 0 && cmp(g.upstreams[i - 1].name, u.name) >= 0) throw new IrInvariantError('upstreams-sorted-unique', `${gw}: upstream ${u.name} is not after ${g.upstreams[i - 1].name}`);
    upstreams.add(u.name);
  }
  // per backend: no closure or text unless the invariant fails (the user is named `${what}${id}`)
  const usesUpstream = (x: BackendIR | MirrorIR, what: string, id: string) => {
    if (x.upstream !== undefined && !upstreams.has(x.upstream)) throw new IrInvariantError('upstream-exists', `${what}${id} uses upstream ${x.upstream}, which ${gw} does not define`);
  };
  const portKeys = (ps: readonly { port: number; protocol: string }[], what: string) => {
    const seen = new Set<string>();
    for (const p of ps) {
      const k = `${p.port}/${p.protocol}`;
      check(!seen.has(k), 'ports-unique', () => `${gw} has two ${what} entries for ${p.protocol} port ${p.port}`);
      seen.add(k);
    }
  };
  portKeys(g.httpPorts, 'HTTP port');
  portKeys(g.streamPorts, 'stream port');
  for (const p of g.httpPorts) {
    checkServers(g, p);
    for (const s of p.servers) {
      const server = () => `${gw} server ${s.hostname ?? '(default)'} on port ${p.port}`;
      const ids = new Set<string>();
      for (const a of s.actions) {
        if (ids.has(a.id)) throw new IrInvariantError('action-exists', `${server()} has two actions ${a.id}`);
        ids.add(a.id);
        for (const b of a.backends) usesUpstream(b, 'action ', a.id);
        for (const m of a.mirrors) usesUpstream(m, 'a mirror of action ', a.id);
        checkShares(a.backends, a.id);
      }
      for (const l of s.locations) {
        for (const c of l.candidates) if (!ids.has(c.action)) throw new IrInvariantError('action-exists', `${server()} location ${l.kind} ${l.path} names action ${c.action}, which the server does not have`);
      }
    }
  }
  for (const p of g.streamPorts) {
    const where = `${gw} ${p.protocol} port ${p.port}`;
    const lists = [p.backends ?? [], ...(p.tlsRoutes ?? []).map((r) => r.backends), ...(p.tlsDefault ? [p.tlsDefault.backends] : [])];
    for (const bs of lists) {
      for (const b of bs) usesUpstream(b, where, '');
      checkShares(bs, undefined, where);
    }
  }
}

/** Throws an {@link IrInvariantError} when one Gateway's IR violates an invariant of its own (all but `gateways-unique` and `tls-material`). */
export function validateGateway(g: GatewayIR): void {
  checkGateway(g);
}

/** Throws an {@link IrInvariantError} when `ir` violates an invariant (see the module comment). */
export function validateDataplane(ir: DataplaneIR): void {
  const seen = new Set<string>();
  for (const g of ir.gateways) {
    const k = `${g.namespace}/${g.name}`;
    check(!seen.has(k), 'gateways-unique', () => `Gateway ${k} appears twice`);
    seen.add(k);
    checkGateway(g);
  }
  if (ir.inputs) {
    const secrets = new Set<string>();
    const configMaps = new Set<string>();
    for (const g of ir.gateways) {
      const m = referencedMaterial(g);
      m.secrets.forEach((s) => secrets.add(s));
      m.configMaps.forEach((c) => configMaps.add(c));
    }
    for (const s of Object.keys(ir.inputs.secrets)) check(secrets.has(s), 'tls-material', () => `inputs hold Secret ${s}, which no listener or Gateway references`);
    for (const c of Object.keys(ir.inputs.caBundles)) check(configMaps.has(c), 'tls-material', () => `inputs hold CA ConfigMap ${c}, which nothing references`);
  }
}
