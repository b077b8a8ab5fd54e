/**
 * MetalLB checks over plain objects — one verdict for the constructs (`MetalLbPool`, at synth) and
 * `cdk8s-gateway check`: pool entries that are not addresses, ranges or CIDRs; entries overlapping
 * within a pool or across pools (MetalLB rejects both); pools nothing announces; and the addresses
 * Gateways and LoadBalancer Services ask for (outside every pool, in another pool than the one
 * named, a `.0`/`.255` address an `avoidBuggyIPs` pool never hands out, `spec.loadBalancerIP` next
 * to the annotation, a pool name that does not exist, deprecated annotation keys).
 */
import { Diagnostic, KubeObject, METALLB_ADDRESS_POOL, showValue, METALLB_DEPRECATED_PREFIX, METALLB_LOAD_BALANCER_IPS, ObjectRef, refOf, splitApiVersion } from '../model';
import { IpAddress, IpRange, isBuggyIp, parseIp, parsePoolEntry, rangeContains, rangesOverlap } from '../model/ip-range';
import { selectorMatches } from './util';

/** One MetalLB finding: the object at fault, its field and value, what is wrong and the fix. */
export interface MetallbFinding {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly object: ObjectRef;
  readonly field: string;
  readonly value: unknown;
  readonly what: string;
  readonly fix: string;
}

type J = Record<string, any>;
const METALLB_GROUP = 'metallb.io';
const isKind = (o: KubeObject, group: string, kinds: string[]) => !!o && typeof o.apiVersion === 'string' && splitApiVersion(o.apiVersion).group === group && kinds.includes(o.kind);
const ns = (o: KubeObject, dflt: string) => o.metadata?.namespace ?? dflt;
const shown = (o: KubeObject, dflt: string) => `${ns(o, dflt)}/${o.metadata?.name}`;

interface Pool {
  readonly obj: KubeObject;
  readonly key: string;
  readonly ranges: IpRange[];
}

/** Every MetalLB finding of the input (none when it holds no IPAddressPool). */
export function metallbFindings(objects: readonly KubeObject[], defaultNamespace = 'default'): MetallbFinding[] {
  const out: MetallbFinding[] = [];
  const add = (severity: MetallbFinding['severity'], code: string, o: KubeObject, field: string, value: unknown, what: string, fix: string) =>
    out.push({ severity, code, object: refOf(o, defaultNamespace), field, value, what, fix });

  const pools: Pool[] = [];
  for (const o of objects.filter((x) => isKind(x, METALLB_GROUP, ['IPAddressPool']))) {
    const ranges: IpRange[] = [];
    const entries: unknown[] = Array.isArray((o as J).spec?.addresses) ? (o as J).spec.addresses : [];
    entries.forEach((a, i) => {
      if (typeof a !== 'string') return;
      const r = parsePoolEntry(a);
      if ('problem' in r) {
        add('error', 'MetalLbInvalidAddress', o, `spec.addresses[${i}]`, a, r.problem, r.fix);
        return;
      }
      const j = ranges.findIndex((x) => rangesOverlap(x, r));
      if (j >= 0) add('error', 'MetalLbPoolOverlap', o, `spec.addresses[${i}]`, r.text, `overlaps ${JSON.stringify(ranges[j].text)} of the same pool`, 'merge the two entries or make them disjoint');
      ranges.push(r);
    });
    pools.push({ obj: o, key: shown(o, defaultNamespace), ranges });
  }
  if (!pools.length) return out;

  // overlaps across pools: reported once, on the pool that sorts last
  const sorted = [...pools].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  sorted.forEach((p, pi) => {
    for (const other of sorted.slice(0, pi)) {
      p.ranges.forEach((r, i) => {
        const hit = other.ranges.find((o) => rangesOverlap(o, r));
        if (hit) add('error', 'MetalLbPoolOverlap', p.obj, `spec.addresses[${i}]`, r.text, `overlaps ${JSON.stringify(hit.text)} of IPAddressPool ${other.key}, and MetalLB rejects overlapping pools`, 'make the pools disjoint (shrink one of them)');
      });
    }
  });

  // pools nothing announces (a warning when the input holds no advertisement at all: it may be partial)
  const adverts = objects.filter((o) => isKind(o, METALLB_GROUP, ['L2Advertisement', 'BGPAdvertisement']));
  for (const p of pools) {
    const pns = ns(p.obj, defaultNamespace);
    const labels: Record<string, string> = p.obj.metadata?.labels ?? {};
    const announced = adverts.filter((a) => ns(a, defaultNamespace) === pns).some((a) => {
      const names: string[] = (a as J).spec?.ipAddressPools ?? [];
      const selectors: unknown[] = (a as J).spec?.ipAddressPoolSelectors ?? [];
      if (!names.length && !selectors.length) return true;
      return names.includes(p.obj.metadata?.name ?? '') || selectors.some((s) => selectorMatches(s, labels));
    });
    if (!announced) {
      add(adverts.length ? 'error' : 'warning', 'MetalLbPoolNotAnnounced', p.obj, 'metadata.name', p.obj.metadata?.name,
        `is announced by no L2Advertisement or BGPAdvertisement in ${pns}: MetalLB hands out its addresses but nothing answers for them${adverts.length ? '' : ' (the input holds no advertisement, so it may be partial)'}`,
        'keep the default `advertisement` (PoolAdvertisement.l2()), or add an advertisement that selects the pool (`pool.addL2Advertisement(...)`, or an L2Advertisement listing it in ipAddressPools)');
    }
  }

  addressRequests(objects, pools, add);
  return out;
}

/** Addresses pinned by Gateways and LoadBalancer Services, against the pools. */
function addressRequests(objects: readonly KubeObject[], pools: readonly Pool[], add: (s: 'error' | 'warning', code: string, o: KubeObject, field: string, value: unknown, what: string, fix: string) => void): void {
  const poolNames = pools.map((p) => p.obj.metadata?.name ?? '');
  const summary = pools.map((p) => `${p.obj.metadata?.name}: ${p.ranges.map((r) => r.text).join(', ')}`).join('; ');
  const check = (o: KubeObject, field: string, ip: string, poolName: string | undefined) => {
    const parsed: IpAddress | undefined = parseIp(ip.trim());
    if (!parsed) return add('error', 'MetalLbInvalidAddress', o, field, ip, 'is not an IP address', 'write a plain IPv4 or IPv6 address');
    const inPools = pools.filter((p) => p.ranges.some((r) => rangeContains(r, parsed)));
    if (!inPools.length) {
      return add('error', 'MetalLbAddressOutsidePools', o, field, ip, `is outside every MetalLB pool of the app (${summary}): MetalLB never assigns it and the Service stays <pending>`, 'pin an address of a pool (`pool.address(...)`), or add the address to a pool');
    }
    if (poolName !== undefined && !inPools.some((p) => p.obj.metadata?.name === poolName)) {
      add('error', 'MetalLbWrongPool', o, field, ip, `is not in pool "${poolName}" named by ${METALLB_ADDRESS_POOL} (it is in ${inPools.map((p) => p.obj.metadata?.name).join(', ')}), and MetalLB refuses the pair`, 'name the pool that holds the address, or pin an address of the named pool');
    }
    const buggy = inPools.find((p) => (p.obj as J).spec?.avoidBuggyIPs === true);
    if (buggy && isBuggyIp(parsed)) add('error', 'MetalLbBuggyAddress', o, field, ip, `ends in .0 or .255, which pool "${buggy.obj.metadata?.name}" never hands out (avoidBuggyIPs)`, 'pin another address');
  };
  const checkPoolName = (o: KubeObject, field: string, name: string) => {
    if (!poolNames.includes(name)) add('error', 'MetalLbUnknownPool', o, field, name, `names no MetalLB pool of the app (pools: ${poolNames.join(', ')})`, 'use the name of a pool (`pool.anyAddress()`)');
  };
  const deprecated = (o: KubeObject, field: string, ann: Record<string, string>) => {
    for (const k of Object.keys(ann)) {
      if (k.startsWith(METALLB_DEPRECATED_PREFIX)) add('error', 'MetalLbDeprecatedAnnotation', o, field, k, 'is a deprecated MetalLB annotation key', `use "metallb.io/${k.slice(METALLB_DEPRECATED_PREFIX.length)}"`);
    }
  };

  for (const gw of objects.filter((o) => isKind(o, 'gateway.networking.k8s.io', ['Gateway']))) {
    const spec = (gw as J).spec ?? {};
    const ann: Record<string, string> = spec.infrastructure?.annotations ?? {};
    const poolName = ann[METALLB_ADDRESS_POOL];
    if (poolName !== undefined) checkPoolName(gw, `spec.infrastructure.annotations[${METALLB_ADDRESS_POOL}]`, poolName);
    deprecated(gw, 'spec.infrastructure.annotations', ann);
    ((spec.addresses ?? []) as J[]).forEach((a, i) => {
      if ((a?.type ?? 'IPAddress') === 'IPAddress' && typeof a?.value === 'string') check(gw, `spec.addresses[${i}].value`, a.value, poolName);
    });
    const ips = ann[METALLB_LOAD_BALANCER_IPS];
    if (ips !== undefined) ips.split(',').forEach((ip) => check(gw, `spec.infrastructure.annotations[${METALLB_LOAD_BALANCER_IPS}]`, ip.trim(), poolName));
  }

  for (const svc of objects.filter((o) => isKind(o, '', ['Service']) && o.apiVersion === 'v1')) {
    const ann: Record<string, string> = svc.metadata?.annotations ?? {};
    deprecated(svc, 'metadata.annotations', ann);
    const spec = (svc as J).spec ?? {};
    if (spec.type !== 'LoadBalancer') continue;
    const poolName = ann[METALLB_ADDRESS_POOL];
    if (poolName !== undefined) checkPoolName(svc, `metadata.annotations[${METALLB_ADDRESS_POOL}]`, poolName);
    const ips = ann[METALLB_LOAD_BALANCER_IPS];
    const field = spec.loadBalancerIP;
    if (ips !== undefined && typeof field === 'string' && field !== '') {
      add('error', 'MetalLbConflictingAddress', svc, 'spec.loadBalancerIP', field, `is set together with the ${METALLB_LOAD_BALANCER_IPS} annotation, and MetalLB refuses such a Service`, 'drop spec.loadBalancerIP (deprecated) and keep the annotation');
    }
    if (ips !== undefined) ips.split(',').forEach((ip) => check(svc, `metadata.annotations[${METALLB_LOAD_BALANCER_IPS}]`, ip.trim(), poolName));
    else if (typeof field === 'string' && field !== '') check(svc, 'spec.loadBalancerIP', field, poolName);
  }
}

/** The findings as resolver diagnostics (`check`). */
export function metallbDiagnostics(objects: readonly KubeObject[], defaultNamespace = 'default'): Diagnostic[] {
  return metallbFindings(objects, defaultNamespace).map((f) => ({
    severity: f.severity,
    code: f.code,
    object: f.object,
    field: f.field,
    message: `${showValue(f.value)} ${f.what}`,
    fix: f.fix,
  }));
}
