/** Request and response header filters (HTTPRoute RequestHeaderModifier / ResponseHeaderModifier). */
import { ActionIR, BackendIR, HeaderModifierIR } from '../../ir/types';
import { block, RenderContext } from './context';
import { ServerState } from './http-state';
import { complex, complexParts, headerName, headerValue, headerVariable, hostname as hostnameToken } from './quote';

export function modifiesRequestHeaders(a: ActionIR, b: BackendIR | undefined): boolean {
  const m = (x: HeaderModifierIR | undefined) => !!x && (x.set.length > 0 || x.add.length > 0 || x.remove.length > 0);
  return a.rewrite?.hostname !== undefined || m(a.requestHeaders) || m(b?.requestHeaders);
}

/** Request headers every proxied request carries (set at server level, inherited by locations). */
export function defaultRequestHeaders(port: number, grpc: boolean): [string, string][] {
  const h: [string, string][] = [
    ['Host', '$gw_host'],
    ['X-Forwarded-For', '$proxy_add_x_forwarded_for'],
    ['X-Real-IP', '$remote_addr'],
    ['X-Forwarded-Proto', '$scheme'],
    ['X-Forwarded-Host', '$host'],
    ['X-Forwarded-Port', String(port)],
  ];
  if (!grpc) h.push(['Upgrade', '$http_upgrade'], ['Connection', '$gw_connection']);
  return h;
}

/** The full request header set of a proxy location (location-level headers replace inherited ones). */
export function requestHeaders(ctx: RenderContext, st: ServerState, a: ActionIR, b: BackendIR, grpc: boolean): Map<string, string> {
  const h = new Map<string, [string, string]>(); // lower name → [quoted name, value]
  for (const [name, value] of defaultRequestHeaders(st.port.port, grpc)) h.set(name.toLowerCase(), [name, value]);
  if (a.rewrite?.hostname !== undefined) h.set('host', ['Host', complex(hostnameToken(a.rewrite.hostname, false, 'rewrite hostname'))]);
  for (const mod of [a.requestHeaders, b.requestHeaders]) {
    if (!mod) continue;
    for (const x of mod.set) h.set(x.name.toLowerCase(), [headerName(x.name), headerValue(x.value)]);
    for (const x of mod.add) {
      const name = headerName(x.name);
      const prev = h.get(x.name.toLowerCase());
      if (prev && prev[1] !== '$gw_host') {
        // added on top of a value set here: append to it
        h.set(x.name.toLowerCase(), [name, `"${prev[1].replace(/^"|"$/g, '')},${complexParts(x.value, 'header value')}"`]);
        continue;
      }
      headerValue(x.value);
      let variable: string | undefined;
      try {
        variable = headerVariable(x.name);
      } catch {
        variable = undefined; // nginx drops such incoming headers: add == set
      }
      if (!variable) {
        h.set(x.name.toLowerCase(), [name, complex(x.value)]);
        continue;
      }
      const v = variable;
      const map = ctx.httpVar('gw_h', `${v}\u0000${x.value}`, (n) => block(`map ${v} $${n}`, [`"" ${complex(x.value)};`, `default "${v},${complexParts(x.value)}";`]));
      h.set(x.name.toLowerCase(), [name, `$${map}`]);
    }
    for (const r of mod.remove) h.set(r.toLowerCase(), [headerName(r), '""']);
  }
  return new Map([...h.values()]);
}

const NO_DIRECTIVES: readonly string[] = [];

/** Whether a modifier changes nothing (the IR's usual, shared, empty modifier). */
function isEmpty(m: HeaderModifierIR): boolean {
  return !m.set.length && !m.add.length && !m.remove.length;
}

export function responseHeaderDirectives(rule: HeaderModifierIR, module: 'proxy' | 'grpc', more: readonly HeaderModifierIR[]): readonly string[] {
  // most rules modify no response header: nothing to build
  if (isEmpty(rule) && more.every(isEmpty)) return NO_DIRECTIVES;
  const out: string[] = [];
  const hide = new Set<string>();
  const adds: string[] = [];
  const set = new Map<string, { name: string; value: string }>();
  for (const mod of [rule, ...more]) {
    for (const x of mod.set) set.set(x.name.toLowerCase(), x);
    for (const r of mod.remove) {
      hide.add(headerName(r));
      set.delete(r.toLowerCase());
    }
    for (const x of mod.add) adds.push(`add_header ${headerName(x.name)} ${headerValue(x.value)} always;`);
  }
  for (const x of set.values()) {
    hide.add(headerName(x.name));
    adds.unshift(`add_header ${headerName(x.name)} ${headerValue(x.value)} always;`);
  }
  for (const n of hide) out.push(`${module}_hide_header ${n};`);
  return [...out, ...adds];
}
