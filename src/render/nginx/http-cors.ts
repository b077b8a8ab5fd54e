/** CORS (HTTPRoute CORS filter): response headers per allowed origin, and preflight answers. */
import { ActionIR } from '../../ir/types';
import { block, RenderContext } from './context';
import { complex, escapeRegexLiteral, integer, regex, UnsafeValueError } from './quote';

function originRegex(o: string): string {
  if (o === '*') return '^.+$';
  // scheme://host[:port] with `*` standing for one or more host labels
  return `^${o.split('*').map(escapeRegexLiteral).join('[^/]+')}$`;
}

export function corsDirectives(ctx: RenderContext, a: ActionIR): { headers: string[]; preflight: string[] } {
  const c = a.cors!;
  const origins = c.allowOrigins.map((o) => {
    // eslint-disable-next-line no-control-regex
    if (/[\s"\\\u0000-\u001f\u007f-\uffff]/.test(o) || !o.length) throw new UnsafeValueError(`CORS origin ${JSON.stringify(o)} is not valid`, o);
    return o;
  });
  if (!origins.length) return { headers: [], preflight: [] };
  const token = (s: string, what: string) => {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(s)) throw new UnsafeValueError(`CORS ${what} ${JSON.stringify(s)} is not a valid token`, s);
    return s;
  };
  const methods = c.allowMethods.map((m) => token(m, 'method'));
  const headers = c.allowHeaders.map((h) => token(h, 'header'));
  const expose = c.exposeHeaders.map((h) => token(h, 'header'));
  const originEntries = origins.map((o) => `${regex(`~${originRegex(o)}`)} $http_origin;`);
  const originVar = ctx.httpVar('gw_co', originEntries.join('\n'), (n) => block(`map $http_origin $${n}`, [...originEntries, 'default "";']));
  // a preflight (any origin) is answered here; it carries CORS headers only for allowed origins
  const anyPreflight = ctx.httpVar('gw_cp', 'any', (n) =>
    block(`map "$request_method|$http_access_control_request_method|$http_origin" $${n}`, ['"~^OPTIONS\\|.+\\|.+" 1;', 'default "";']),
  );
  const pfVar = ctx.httpVar('gw_cp', originVar, (n) =>
    block(`map "$request_method|$http_access_control_request_method|$${originVar}" $${n}`, ['"~^OPTIONS\\|.+\\|.+" 1;', 'default "";']),
  );
  const onPreflight = (value: string) => {
    const k = `${pfVar}\u0000${value}`;
    return ctx.httpVar('gw_cv', k, (n) => block(`map $${pfVar} $${n}`, [`1 ${value};`, 'default "";']));
  };
  const onAllowed = (value: string) => ctx.httpVar('gw_cv', `${originVar}\u0000${value}`, (n) => block(`map $${originVar} $${n}`, [`"" "";`, `default ${value};`]));
  const out: string[] = [];
  out.push(`add_header Access-Control-Allow-Origin $${originVar} always;`);
  if (c.allowCredentials) out.push(`add_header Access-Control-Allow-Credentials $${onAllowed('true')} always;`);
  if (expose.length) out.push(`add_header Access-Control-Expose-Headers $${onAllowed(complex(expose.join(', ')))} always;`);
  out.push('add_header Vary Origin always;');
  const m = methods.includes('*') ? '$http_access_control_request_method' : complex(methods.join(', '));
  out.push(`add_header Access-Control-Allow-Methods $${onPreflight(m)} always;`);
  if (headers.length) {
    const h = headers.includes('*') ? '$http_access_control_request_headers' : complex(headers.join(', '));
    out.push(`add_header Access-Control-Allow-Headers $${onPreflight(h)} always;`);
  }
  out.push(`add_header Access-Control-Max-Age $${onPreflight(integer(c.maxAge, -1, 86400 * 365, 'CORS maxAge'))} always;`);
  return { headers: out, preflight: [`if ($${anyPreflight} = 1) {`, '  return 204;', '}'] };
}
