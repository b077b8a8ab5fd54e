/** The route table as aligned text. */
import { appendAll } from '../../model/arrays';
import { Cell, table } from '../style';
import type { ExplainEntry, ExplainListener, Explanation } from './types';

function ruleLabel(e: ExplainEntry): string {
  return e.ruleName ?? String(e.rule);
}

function backendCell(e: ExplainEntry): Cell {
  if (!e.valid) return [`✗ ${e.reason ?? 'Invalid'} (rule dropped)`];
  const lines = e.backends.map((b) => b.text);
  if (e.respond !== undefined && !e.backends.length) lines.push(`→ ${e.respond}`);
  else if (e.respond !== undefined) lines.push(`(all backends unusable → ${e.respond})`);
  return lines.length ? lines : ['—'];
}

function listenerLine(l: ExplainListener): string {
  const parts = [`listener ${l.name}`, `${l.protocol} :${l.port}`, l.hostname ?? '*'];
  if (l.tlsMode) parts.push(`TLS ${l.tlsMode}${l.certificates.length ? ` (${l.certificates.join(', ')})` : ''}`);
  if (l.id !== l.name) parts.push(`from ListenerSet ${l.id.split('/').slice(0, 2).join('/')}`);
  if (!l.programmed) parts.push(`✗ not programmed: ${l.reason ?? 'Invalid'}`);
  return parts.join('  ');
}

/** The route table as aligned text, one table per listener, then the routes that did not attach. */
export function formatExplainText(e: Explanation): string {
  const out: string[] = [];
  if (!e.gateways.length) out.push('no Gateways handled by the controller in the input');
  for (const g of e.gateways) {
    if (out.length) out.push('');
    const head = [`Gateway ${g.namespace}/${g.name}`, `class ${g.gatewayClassName}`];
    if (g.addresses.length) head.push(`address ${g.addresses.join(', ')}`);
    if (!g.accepted) head.push('✗ not accepted (run check)');
    out.push(head.join('  '));
    if (g.implementation) out.push(`  judged by the conformance report of ${g.implementation}`);
    for (const l of g.listeners) {
      out.push(`  ${listenerLine(l)}`);
      if (!l.routes.length) {
        out.push('    (no routes attached)');
        continue;
      }
      for (const r of l.routes) out.push(`    attached: ${r.kind} ${r.namespace}/${r.name} (${r.hostnames.join(', ')})`);
      const rows: Cell[][] = [];
      for (const h of l.hosts) {
        h.entries.forEach((x, i) => {
          rows.push([
            i === 0 ? h.hostname : '',
            x.order ? String(x.order) : '-',
            x.matchText,
            `${x.route.kind} ${x.route.namespace}/${x.route.name}`,
            ruleLabel(x),
            x.filters.length || x.options ? [...x.filters, ...(x.options ?? [])] : ['—'],
            backendCell(x),
          ]);
        });
      }
      appendAll(out, table(['HOST', '#', 'MATCH', 'ROUTE', 'RULE', 'FILTERS', 'BACKENDS'], rows, '    '));
    }
  }
  if (e.unattached.length) {
    out.push('', 'Not attached:');
    for (const u of e.unattached) {
      for (const p of u.parents) {
        out.push(`  ${u.kind} ${u.namespace}/${u.name} → ${p.parent}: ${p.reason}${p.message ? ` — ${p.message}` : ''}${u.attachedElsewhere ? ' (attached through another parentRef)' : ''}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}
