/**
 * The body of one action (a route rule match): CORS, fixed responses, redirects, and the choice
 * between one proxy body and a `split_clients` over named per-backend locations.
 */
import { ActionIR, BackendIR } from '../../ir/types';
import { appendAll } from '../../model/arrays';
import { block, RenderContext } from './context';
import { clientDirectives } from './http-client';
import { corsDirectives } from './http-cors';
import { responseHeaderDirectives } from './http-headers';
import { isGrpc, mirrorDirectives, proxyDirectives, runtimeTarget, shapeKey, splitVariable, timeoutDirectives, tlsHonoured, tries } from './http-proxy';
import { ServerState } from './http-state';
import { comment, complexParts, escapeRegexLiteral, hostname as hostnameToken, identifier, integer, MAX_TOKEN, pathValue, regex, UnsafeValueError } from './quote';

export function actionBody(ctx: RenderContext, st: ServerState, a: ActionIR): string[] {
  const hit = st.rendered.get(a.id);
  if (hit) return hit;
  const body = renderAction(ctx, st, a);
  st.rendered.set(a.id, body);
  return body;
}

function renderAction(ctx: RenderContext, st: ServerState, a: ActionIR): string[] {
  try {
    const lines = actionDirectives(ctx, st, a);
    // values are checked one by one; a directive combining several (a redirect URL) may still be too long
    for (const long of lines) {
      if (long.length > MAX_TOKEN) throw new UnsafeValueError(`a directive of the rule is longer than nginx accepts (${long.length} > ${MAX_TOKEN} characters)`, long);
    }
    // the comment first: the lines moved up one in place (no second array)
    lines.unshift(comment(`${a.source.kind} ${a.source.namespace}/${a.source.name} rule ${a.source.rule}${a.source.ruleName ? ` (${a.source.ruleName})` : ''} match ${a.source.match}`));
    return lines;
  } catch (e) {
    ctx.reject(ctx.ref(a.source.kind, a.source.namespace, a.source.name), `spec.rules[${a.source.rule}]`, e, 'requests matching the rule are answered 500');
    return ['return 500;'];
  }
}

function actionDirectives(ctx: RenderContext, st: ServerState, a: ActionIR): string[] {
  const live = a.backends.length === 1 && a.backends[0].percent > 0 ? a.backends : a.backends.filter((b) => b.percent > 0);
  const usable = (b: BackendIR) => b.upstream !== undefined && (!b.tls || tlsHonoured(ctx, b.tls));
  // (checked for every action: an unusable backend TLS is reported even when the action answers itself)
  const valid = live.filter(usable);
  // (the shapes of several backends only: one backend is one body whatever its shape)
  const oneBody = live.length === 1 || (new Set(valid.map((b) => shapeKey(a, b))).size <= 1 && live.every((b) => !b.requestHeaders && !b.responseHeaders));
  // route options: the source check only where the request is proxied (the access phase of this location)
  const out = clientDirectives(ctx, a, a.returnStatus === undefined && !a.redirect && oneBody);
  const cors = a.cors ? corsDirectives(ctx, a) : undefined;
  if (cors) out.push(...cors.headers, ...cors.preflight);
  if (a.returnStatus !== undefined) {
    out.push(`return ${integer(a.returnStatus, 200, 599, 'status')};`);
    return out;
  }
  if (a.redirect) {
    out.push(...redirectDirectives(st, a));
    return out;
  }
  const mirrors = a.mirrors.length ? a.mirrors.flatMap((m) => mirrorDirectives(ctx, st, m)) : [];
  if (oneBody) {
    // one proxy body; the split (if any) picks the upstream
    const first = valid[0];
    if (!first) {
      out.push('return 500;');
      return out;
    }
    let target: string;
    if (live.length === 1) {
      const t = ctx.target(first.upstream!, tries(a));
      target = t.runtime ? runtimeTarget(out, t.value) : t.value;
    } else {
      const split = splitVariable(
        ctx,
        live.map((b) => ({ percent: b.percent, value: usable(b) ? ctx.target(b.upstream!, tries(a)).value : '' })),
      );
      out.push(`if ($${split} = "") {`, '  return 500;', '}');
      target = `$${split}`;
    }
    const more = live.length === 1 && first.responseHeaders ? [first.responseHeaders] : [];
    appendAll(out, responseHeaderDirectives(a.responseHeaders, isGrpc(first) ? 'grpc' : 'proxy', more), mirrors, timeoutDirectives(a, isGrpc(first)));
    proxyDirectives(ctx, st, a, first, target, out);
    return out;
  }
  // heterogeneous backends: the split picks a named location per backend; everything that acts
  // after the rewrite phase (headers, mirrors) lives there
  const values = live.map((b, i) => {
    if (!usable(b)) return { percent: b.percent, value: '' };
    const name = `@gw_${identifier(`${a.source.namespace}_${a.source.name}_r${a.source.rule}_m${a.source.match}_b${i}`)}`;
    const t = ctx.target(b.upstream!, tries(a));
    // the body is read here, and the access phase runs here
    const body: string[] = [...clientDirectives(ctx, a, true)];
    const target = t.runtime ? runtimeTarget(body, t.value) : t.value;
    if (cors) body.push(...cors.headers);
    body.push(...responseHeaderDirectives(a.responseHeaders, isGrpc(b) ? 'grpc' : 'proxy', b.responseHeaders ? [b.responseHeaders] : []));
    body.push(...mirrors, ...timeoutDirectives(a, isGrpc(b)));
    body.push(...proxyDirectives(ctx, st, a, b, target));
    st.namedBodies.push(...block(`location ${name}`, body));
    return { percent: b.percent, value: name };
  });
  const split = splitVariable(ctx, values);
  out.push(`if ($${split} = "") {`, '  return 500;', '}', 'recursive_error_pages on;', `error_page 418 = $${split};`, 'return 418;');
  return out;
}

function redirectDirectives(st: ServerState, a: ActionIR): string[] {
  const r = a.redirect!;
  const code = integer(r.statusCode, 300, 399, 'redirect status code');
  const scheme = r.scheme ?? (st.port.protocol === 'HTTPS' ? 'https' : 'http');
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw new UnsafeValueError(`redirect scheme ${JSON.stringify(scheme)} is not a URL scheme`, scheme);
  const host = r.hostname !== undefined ? complexParts(hostnameToken(r.hostname, false, 'redirect hostname')) : '$host';
  const port = r.port !== undefined ? `:${integer(r.port, 1, 65535, 'redirect port')}` : '';
  const base = `${scheme}://${host}${port}`;
  const path = r.path;
  if (!path) return [`return ${code} "${base}$request_uri";`];
  const v = pathValue(path.value, 'redirect path');
  if (path.type === 'ReplaceFullPath') return [`return ${code} "${base}${complexParts(v)}$is_args$args";`];
  const p = a.pathMatch.value;
  const rp = v.replace(/\/+$/, '');
  if (p === '/') return [`return ${code} "${base}${complexParts(rp)}$request_uri";`];
  const ep = escapeRegexLiteral(pathValue(p));
  return [
    `if ($request_uri ~ ${regex(`^${ep}(\\?.*)?$`)}) {`,
    `  return ${code} "${base}${complexParts(rp || '/')}$1";`,
    '}',
    `if ($request_uri ~ ${regex(`^${ep}(/[^?]*)(\\?.*)?$`)}) {`,
    `  return ${code} "${base}${complexParts(rp)}$1$2";`,
    '}',
    '# the raw request URI does not spell the prefix literally (percent-encoding, dot segments)',
    'return 400;',
  ];
}
