/** The route table as a Mermaid graph. */
import type { Explanation, RouteRef } from './types';

/** Mermaid-safe label text (quotes and `#` are entity-escaped). */
function label(text: string): string {
  return text.replace(/#/g, '#35;').replace(/"/g, '#quot;');
}

/** Deterministic, sanitized node ids: `[A-Za-z0-9_]` only, collisions get `_2`, `_3`… */
class NodeIds {
  private readonly byKey = new Map<string, string>();
  private readonly used = new Set<string>();
  readonly lines: string[] = [];

  node(key: string, prefix: string, parts: readonly string[], text: string, shape: 'rect' | 'round' | 'stadium' = 'rect'): string {
    const existing = this.byKey.get(key);
    if (existing) return existing;
    const base = [prefix, ...parts].join('_').replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+$/, '');
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}_${n}`;
    this.used.add(id);
    this.byKey.set(key, id);
    const [open, close] = shape === 'round' ? ['("', '")'] : shape === 'stadium' ? ['(["', '"])'] : ['["', '"]'];
    this.lines.push(`  ${id}${open}${label(text)}${close}`);
    return id;
  }
}

/**
 * A Mermaid `graph LR`: Gateway → listeners → routes (edge label: effective hostnames) →
 * Services (edge label: matches and share); redirects and error answers as rounded nodes;
 * routes that did not attach hang off their Gateway with a dotted `✗ reason` edge. Node
 * declarations first, then edges, both in traversal order.
 */
export function formatExplainMermaid(e: Explanation): string {
  const ids = new NodeIds();
  const edges: string[] = [];
  const seenEdges = new Set<string>();
  const edge = (from: string, to: string, text?: string, dotted = false) => {
    const arrow = dotted ? '-.->' : '-->';
    const line = `  ${from} ${arrow}${text ? `|"${label(text)}"|` : ''} ${to}`;
    if (!seenEdges.has(line)) {
      seenEdges.add(line);
      edges.push(line);
    }
  };
  const routeNode = (r: RouteRef) => ids.node(`route/${r.kind}/${r.namespace}/${r.name}`, 'route', [r.kind.toLowerCase(), r.namespace, r.name], `${r.kind} ${r.namespace}/${r.name}`, 'stadium');
  const serviceNode = (b: { group: string; kind: string; namespace: string; name: string; port?: number }) =>
    ids.node(
      `svc/${b.group}/${b.kind}/${b.namespace}/${b.name}/${b.port ?? ''}`,
      'svc',
      [b.namespace, b.name, String(b.port ?? '')],
      `${b.kind === 'Service' && b.group === '' ? '' : `${b.kind} `}${b.namespace}/${b.name}${b.port !== undefined ? `:${b.port}` : ''}`,
    );
  const gatewayIds = new Map<string, string>();
  for (const g of e.gateways) {
    const gw = ids.node(`gw/${g.namespace}/${g.name}`, 'gw', [g.namespace, g.name], `Gateway ${g.namespace}/${g.name}${g.addresses.length ? `<br/>${g.addresses.join(', ')}` : ''}`);
    gatewayIds.set(`${g.namespace}/${g.name}`, gw);
    for (const l of g.listeners) {
      const lid = ids.node(`listener/${g.namespace}/${g.name}/${l.id}`, 'listener', [g.namespace, g.name, l.id], `${l.name}<br/>${l.protocol} :${l.port}${l.hostname ? ` ${l.hostname}` : ''}${l.programmed ? '' : `<br/>✗ ${l.reason ?? 'Invalid'}`}`);
      edge(gw, lid);
      for (const a of l.routes) {
        const rid = routeNode(a);
        edge(lid, rid, a.hostnames.filter((h) => h !== '*').join(', ') || undefined);
      }
      for (const h of l.hosts) {
        for (const x of h.entries) {
          const rid = routeNode(x.route);
          if (!x.valid) continue;
          const m = x.matchText === '*' ? '' : x.matchText;
          const rewrites = x.filters.filter((f) => f.startsWith('rewrite '));
          for (const b of x.backends) {
            edge(rid, serviceNode(b), [m, ...rewrites, `${b.percent}%`, ...(b.valid ? [] : [`✗ ${b.reason ?? 'Invalid'}`])].filter(Boolean).join(' · '), !b.valid);
          }
          const answer = x.filters.find((f) => f.startsWith('redirect')) ?? (x.respond !== undefined && !x.backends.length ? `${x.respond}` : undefined);
          if (answer) {
            const aid = ids.node(`answer/${x.route.kind}/${x.route.namespace}/${x.route.name}/${x.rule}`, 'answer', [x.route.namespace, x.route.name, String(x.rule)], answer, 'round');
            edge(rid, aid, m || undefined);
          }
          for (const mi of x.mirrors) {
            edge(rid, serviceNode(mi), [m, `mirror ${mi.percent}%`, ...(mi.valid ? [] : [`✗ ${mi.reason ?? 'Invalid'}`])].filter(Boolean).join(' · '), true);
          }
        }
      }
    }
  }
  for (const u of e.unattached) {
    const rid = routeNode(u);
    for (const p of u.parents) {
      const g = /^Gateway (\S+)/.exec(p.parent)?.[1];
      const gw = g ? gatewayIds.get(g) : undefined;
      if (gw) edge(gw, rid, `✗ ${p.reason}`, true);
    }
  }
  return ['graph LR', ...ids.lines, ...edges, ''].join('\n');
}
