import { BackendIR, StreamPortIR, TlsRouteIR } from '../../ir/types';
import { block, RenderContext, versionAtLeast } from './context';
import { internalSocket } from './http';
import { comment, hostname as hostnameToken, integer, literal } from './quote';
import { appendAll } from '../../model/arrays';

function listen(ctx: RenderContext, port: number, udp: boolean): string {
  const p = integer(port + ctx.opts.portOffset, 1, 65535, 'listen port');
  const host = ctx.opts.listenHost;
  return `listen ${host ? `${host.includes(':') ? `[${host}]` : host}:${p}` : p}${udp ? ' udp' : ''};`;
}

/**
 * Where a set of weighted L4 backends goes: one upstream, a `split_clients` variable, or
 * undefined when nothing is usable (the connection is closed).
 */
function l4Target(ctx: RenderContext, backends: readonly BackendIR[], stream: Set<string>, reject: string): string | undefined {
  try {
    return l4TargetUnsafe(ctx, backends, stream, reject);
  } catch (e) {
    const b = backends[0];
    ctx.reject(ctx.ref('Service', b?.namespace ?? '', b?.name ?? ''), undefined, e, 'connections are closed');
    return undefined;
  }
}

function l4TargetUnsafe(ctx: RenderContext, backends: readonly BackendIR[], stream: Set<string>, reject: string): string | undefined {
  const live = backends.filter((b) => b.percent > 0);
  const usable = live.filter((b) => b.upstream !== undefined);
  if (!usable.length) return undefined;
  // an upstream block name, or host:port resolved per connection (resolver mode)
  const name = (b: BackendIR) => {
    const u = ctx.upstream(b.upstream!)!;
    const a = ctx.address(u);
    if (!a.mapped && ctx.opts.resolver) return a.address;
    stream.add(b.upstream!);
    return b.upstream!;
  };
  if (live.length === 1) {
    const n = name(usable[0]);
    if (n === usable[0].upstream) return n;
    const v = ctx.httpVar('gw_st', `stream\u0000${n}`, () => []);
    ctx.streamBlocks.push(...block(`map "" $${v}`, [`default ${n};`]));
    return `$${v}`;
  }
  const lines = live.map((b, i) => {
    const v = b.upstream !== undefined ? name(b) : reject;
    return i === live.length - 1 ? `* ${v};` : `${b.percent.toFixed(2).replace(/\.?0+$/, '')}% ${v};`;
  });
  const v = ctx.httpVar('gw_ss', `stream\u0000${lines.join('\n')}`, () => []);
  ctx.streamBlocks.push(...block(`split_clients "$remote_addr$remote_port$msec" $${v}`, lines));
  return `$${v}`;
}

/** Renders the `stream {}` content (servers, maps, splits; upstreams are added by the caller). */
export function renderStream(ctx: RenderContext, ports: readonly StreamPortIR[], streamUpstreams: Set<string>): string[] {
  const out: string[] = [];
  for (const p of ports) {
    if (p.protocol === 'TCP' || p.protocol === 'UDP') {
      const target = l4Target(ctx, p.backends ?? [], streamUpstreams, rejectAddress(ctx));
      const body = [listen(ctx, p.port, p.protocol === 'UDP')];
      if (p.route) body.push(comment(`${p.route.kind} ${p.route.namespace}/${p.route.name}`));
      if (target) body.push(`proxy_pass ${target};`);
      else body.push('return "";');
      if (target?.startsWith('$')) ctx.needsRejectServer = true;
      out.push('', ...block('server', body));
      continue;
    }
    out.push(...renderTlsPort(ctx, p, streamUpstreams));
  }
  if (ctx.needsRejectServer) {
    out.push('', ...block('server', [`listen ${rejectAddress(ctx)};`, comment('closes connections whose backend is invalid'), 'return "";']));
  }
  return out;
}

/** The internal stream server that closes connections (invalid L4 backends, unknown SNI). */
function rejectAddress(ctx: RenderContext): string {
  return ctx.internalAddress('reject', 0, 0);
}

function renderTlsPort(ctx: RenderContext, p: StreamPortIR, streamUpstreams: Set<string>): string[] {
  const out: string[] = [];
  const routes = [...(p.tlsRoutes ?? [])];
  const internal = !!p.httpsHostnames || routes.some((r) => r.mode === 'Terminate') || p.tlsDefault?.mode === 'Terminate';
  const reject = rejectAddress(ctx);
  const servers: string[] = [];
  const targetOf = (r: TlsRouteIR, i: number): string => {
    const direct = l4Target(ctx, r.backends, streamUpstreams, reject);
    if (direct?.startsWith('$') || !direct) ctx.needsRejectServer = true;
    if (!internal && r.mode === 'Passthrough') return direct ?? reject;
    // behind the front server: an internal server strips the PROXY header (and terminates TLS)
    const sock = ctx.internalAddress(`tls-${p.port}-${i}`, p.port, i + 1);
    const note = comment(`${r.route.kind} ${r.route.namespace}/${r.route.name}${r.hostname ? ` for ${r.hostname}` : ''}`);
    const body: string[] = [];
    let terminate = false;
    if (r.mode === 'Terminate') {
      try {
        if (!r.certificates.length) throw new Error(`listener ${r.listener} has no usable certificate`);
        // stream `ssl_reject_handshake` exists from nginx 1.25.5: before, the certificate must exist at start
        const fallback = versionAtLeast(ctx.opts.nginxVersion, [1, 25, 5]) ? 'reject' : 'required';
        const certs = ctx.certificateDirectives('ssl', r.certificates, fallback, ctx.ref(r.route.kind, r.route.namespace, r.route.name), `TLS listener ${r.listener}${r.hostname ? ` for ${r.hostname}` : ''}`, (x) => literal(x));
        body.push(...certs, 'ssl_protocols TLSv1.2 TLSv1.3;');
        terminate = true;
      } catch (e) {
        ctx.reject(ctx.ref(r.route.kind, r.route.namespace, r.route.name), undefined, e, 'connections for the hostname are closed');
        servers.push('', ...block('server', [`listen ${sock} proxy_protocol;`, note, 'return "";']));
        return sock;
      }
    }
    body.unshift(`listen ${sock}${terminate ? ' ssl' : ''} proxy_protocol;`, note);
    body.push(direct ? `proxy_pass ${direct};` : 'return "";');
    servers.push('', ...block('server', body));
    return sock;
  };
  const entries: string[] = [];
  routes.forEach((r, i) => {
    try {
      entries.push(`${hostnameToken(r.hostname!)} ${targetOf(r, i)};`);
    } catch (e) {
      ctx.reject(ctx.ref(r.route.kind, r.route.namespace, r.route.name), 'spec.hostnames', e, 'the hostname is not served');
    }
  });
  const httpsSock = internalSocket(ctx, p.port);
  for (const h of p.httpsHostnames ?? []) {
    if (h === '*') continue;
    try {
      entries.push(`${hostnameToken(h)} ${httpsSock};`);
    } catch {
      /* reported by the http servers */
    }
  }
  let def: string;
  if (p.tlsDefault) def = targetOf(p.tlsDefault, routes.length);
  else if (p.httpsHostnames?.includes('*')) def = httpsSock;
  else {
    def = reject;
    ctx.needsRejectServer = true;
  }
  const v = ctx.httpVar('gw_tls', `${p.port}`, () => []);
  out.push('', ...block(`map $ssl_preread_server_name $${v}`, ['hostnames;', ...entries, `default ${def};`]));
  out.push('', ...block('server', [listen(ctx, p.port, false), 'ssl_preread on;', ...(internal ? ['proxy_protocol on;'] : []), `proxy_pass $${v};`]));
  appendAll(out, servers);
  return out;
}
