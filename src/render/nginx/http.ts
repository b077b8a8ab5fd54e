/**
 * The HTTP(S) servers of one port: `listen`, TLS termination, SNI checks, server-level headers.
 * Locations and their dispatch are in http-dispatch.ts; action bodies in http-actions.ts.
 */
import { HttpPortIR, HttpServerIR } from '../../ir/types';
import { block, Line, RenderContext, versionAtLeast, writtenBlock } from './context';
import { renderLocations } from './http-dispatch';
import { defaultRequestHeaders } from './http-headers';
import { caPath } from './paths';
import { hostname as hostnameToken, integer, literal } from './quote';
import { appendAll } from '../../model/arrays';
export { secretPathOf as secretPath, caPath } from './paths';

function listenAddress(ctx: RenderContext, port: number): string {
  const p = integer(port + ctx.opts.portOffset, 1, 65535, 'listen port');
  return ctx.opts.listenHost ? `${ctx.opts.listenHost.includes(':') ? `[${ctx.opts.listenHost}]` : ctx.opts.listenHost}:${p}` : p;
}

/** Internal (loopback) address of the HTTPS servers behind a TLS stream server on the same port. */
export function internalSocket(ctx: RenderContext, port: number): string {
  return ctx.internalAddress(`https-${port}`, port, 0);
}

/**
 * Where servers are written for (see {@link writtenBlock}): their place in nginx.conf's http block
 * (`'  '`) until the servers written pass `limit` characters (`maxFileBytes`, no limit when
 * undefined); the configuration is then split for sure and the rest are written for include files
 * (depth 0). Whichever way a configuration ends, at most `limit` characters are written for the
 * other place and re-indented (blockText, packBody): a configuration that is not split is not
 * re-indented at all.
 */
export class ServerIndent {
  private chars = 0;
  constructor(private readonly limit: number | undefined) {}

  /** The indent of the next server. */
  next(): string {
    return this.limit === undefined || this.chars <= this.limit ? '  ' : '';
  }

  /** Counts the lines written. */
  wrote(lines: readonly Line[]): void {
    for (const l of lines) this.chars += (typeof l === 'string' ? l.length : l.text.length) + 1;
  }
}

/** Renders the servers of one HTTP(S) port, each server written (see {@link writtenBlock}) for the indent `indent` gives. */
export function renderHttpPort(ctx: RenderContext, port: HttpPortIR, indent: ServerIndent): Line[] {
  const out: Line[] = [];
  const http2 = port.protocol === 'HTTP' && cleartextHttp2(ctx, port);
  let sniVar: string | undefined;
  const listenerIndex = new Map(port.listeners.map((l, i) => [l.id, String(i)]));
  if (port.sniOwners) {
    const entries: string[] = [];
    for (const o of port.sniOwners) {
      try {
        entries.push(`${hostnameToken(o.hostname)} ${listenerIndex.get(o.listener)};`);
      } catch {
        /* reported with the server */
      }
    }
    const def = port.sniDefaultOwner !== undefined ? listenerIndex.get(port.sniDefaultOwner)! : '-';
    sniVar = ctx.httpVar('gw_sni_', `${port.port}`, (v) => block(`map $ssl_server_name $${v}`, ['hostnames;', `default ${def};`, ...entries]));
  }
  for (const s of port.servers) {
    // appendAll: a server of many routes has more lines than a call takes arguments
    out.push('');
    const body = renderServer(ctx, port, s, http2, sniVar ? { variable: sniVar, expected: s.listener !== undefined ? listenerIndex.get(s.listener)! : '-' } : undefined);
    if (body) {
      const server = writtenBlock('server', body, indent.next());
      indent.wrote(server);
      appendAll(out, server);
    }
  }
  return out;
}

/**
 * nginx 1.22 cannot serve HTTP/1.1 and h2c (prior knowledge) on one cleartext port: the port
 * speaks h2c when every action on it is for HTTP/2 clients (GRPCRoute rules, HTTPRoute rules to h2c
 * backends). An HTTPRoute rule that answers itself — a redirect (e.g. HTTP → HTTPS), a 500 — is
 * for HTTP/1.1 clients too: an h2c-only port would refuse them, so it keeps the port HTTP/1.1
 * and the HTTP/2 rules are diagnosed.
 */
function cleartextHttp2(ctx: RenderContext, port: HttpPortIR): boolean {
  const actions = port.servers.flatMap((s) => s.actions);
  const needs = actions.filter((a) => a.grpc || (a.returnStatus === undefined && !a.redirect && a.backends.some((b) => b.protocol === 'h2c')));
  if (!needs.length) return false;
  if (needs.length === actions.length) return true;
  for (const a of needs) {
    ctx.unsupported(
      ctx.ref(a.source.kind, a.source.namespace, a.source.name),
      `spec.rules[${a.source.rule}]`,
      `port ${port.port} also serves HTTP/1.1 routes, and nginx 1.22 cannot accept HTTP/1.1 and cleartext HTTP/2 (h2c) on one port: clients must reach this ${a.grpc ? 'gRPC' : 'h2c'} rule over HTTP/1.1 or HTTPS`,
      'serve gRPC / h2c routes on their own HTTP listener port, or on an HTTPS listener',
    );
  }
  return false;
}

interface SniCheck {
  readonly variable: string;
  readonly expected: string;
}

/** The body of a server block; undefined when no server is generated (reported). */
function renderServer(ctx: RenderContext, port: HttpPortIR, s: HttpServerIR, http2: boolean, sni: SniCheck | undefined): string[] | undefined {
  const body: string[] = [];
  const isDefault = s.hostname === undefined;
  const https = port.protocol === 'HTTPS';
  // nginx 1.25.1 moved HTTP/2 from a `listen` flag (deprecated since) to the `http2` directive
  const http2Directive = versionAtLeast(ctx.opts.nginxVersion, [1, 25, 1]);
  const flags = [https ? 'ssl' : '', (https || http2) && !http2Directive ? 'http2' : '', isDefault ? 'default_server' : ''].filter(Boolean);
  if (port.behindStream) body.push(`listen ${internalSocket(ctx, port.port)} ${[...flags, 'proxy_protocol'].join(' ')};`);
  else body.push(`listen ${listenAddress(ctx, port.port)}${flags.length ? ' ' + flags.join(' ') : ''};`);
  if ((https || http2) && http2Directive) body.push('http2 on;');
  let name = '""';
  if (!isDefault) {
    try {
      name = hostnameToken(s.hostname!);
    } catch (e) {
      ctx.reject(ctx.ref('Gateway', ctx.gw.namespace, ctx.gw.name), undefined, e, 'no server is generated for it');
      return undefined;
    }
  }
  body.push(`server_name ${name};`);
  if (port.behindStream) body.push('set_real_ip_from 127.0.0.1;', 'real_ip_header proxy_protocol;');
  let reject = false;
  if (https) {
    const certs = s.tls?.certificates ?? [];
    if (!s.listener || !certs.length) {
      body.push('ssl_reject_handshake on;');
      reject = true;
    } else {
      let lines: string[];
      try {
        for (const c of s.tls?.clientValidation?.caCertificates.slice(0, 1) ?? []) caPath(c);
        lines = ctx.certificateDirectives('ssl', certs, 'reject', ctx.ref('Gateway', ctx.gw.namespace, ctx.gw.name), `listener ${s.listener} on port ${port.port}`, (p) => literal(p, 'certificate path'));
      } catch (e) {
        ctx.reject(ctx.ref('Gateway', ctx.gw.namespace, ctx.gw.name), 'spec.listeners', e, 'the listener rejects TLS handshakes');
        body.push('ssl_reject_handshake on;', 'return 404;');
        return body;
      }
      body.push(...lines);
      if (lines.length === 1 && lines[0] === 'ssl_reject_handshake on;') {
        body.push('return 404;');
        return body;
      }
      body.push('ssl_protocols TLSv1.2 TLSv1.3;');
      const cv = s.tls?.clientValidation;
      if (cv && cv.caCertificates.length) {
        const insecure = cv.mode === 'AllowInsecureFallback';
        body.push(`ssl_verify_client ${insecure ? 'optional_no_ca' : 'on'};`, `ssl_client_certificate ${literal(caPath(cv.caCertificates[0], ctx.opts.caFiles), 'CA path')};`, 'ssl_verify_depth 5;');
        // a missing / invalid client certificate closes the connection (no HTTP answer), the
        // closest nginx gets to failing the handshake (TLS 1.3 checks the certificate after it)
        if (!insecure) body.push('error_page 495 496 = @gw_client_certificate;', ...block('location @gw_client_certificate', ['return 444;']));
        ctx.useConfigMap(cv.caCertificates[0]);
        if (cv.caCertificates.length > 1) {
          ctx.unsupported(ctx.ref('Gateway', ctx.gw.namespace, ctx.gw.name), 'spec.tls.frontend', 'only the first CA certificate reference of frontend validation is used by nginx (one ssl_client_certificate per server)', 'put every CA in one ConfigMap ca.crt bundle');
        }
      }
    }
  }
  if (reject || !s.listener) {
    body.push('return 404;');
    return body;
  }
  if (sni) body.push(`if ($${sni.variable} != ${sni.expected}) {`, '  return 421;', '}');
  body.push('proxy_http_version 1.1;');
  for (const [n, v] of defaultRequestHeaders(port.port, false)) body.push(`proxy_set_header ${n} ${v};`);
  for (const [n, v] of defaultRequestHeaders(port.port, true)) body.push(`grpc_set_header ${n} ${v};`);
  renderLocations(ctx, port, s, body);
  return body;
}
