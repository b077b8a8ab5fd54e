/**
 * The location dispatch on real nginx: `if`s for a location with one conditional candidate, the
 * hash dispatch on a header's verified value for runs of exact header matches (classifier map,
 * case-sensitive back-reference check, one lookup), and the regex dispatch where values collide up
 * to case. Header names match case-insensitively, values case-sensitively.
 */
import * as net from 'net';
import { compileNginx, RenderedGateway } from '../../src/render/nginx';
import { KubeObject } from '../../src/model';
import { gateway, gatewayClass, httpRoute, service, to } from './fixtures';
import { EchoServer, request, startEcho } from '../harness/echo';
import { describeNginx, freeOffset, nginxTestAsync, RunningNginx, startNginx } from '../harness/nginx';

const header = (value: string, name = 'x-t') => ({ name, value });
const exactRoute = (name: string, path: string, match: Record<string, unknown>, backend: string) =>
  httpRoute(name, { rules: [{ matches: [{ path: { type: 'PathPrefix', value: path }, ...match }], backendRefs: [to(backend)] }] });

async function serve(objects: KubeObject[], echoes: Record<string, EchoServer>): Promise<{ rendered: RenderedGateway; nginx: RunningNginx; port: number }> {
  const offset = await freeOffset([80, 8081]);
  const backends = Object.fromEntries(Object.values(echoes).map((e) => [`default/${e.name}:8080`, e.address]));
  const [rendered] = compileNginx(objects, { backends, listenHost: '127.0.0.1', portOffset: offset });
  expect(rendered.diagnostics).toEqual([]);
  expect((await nginxTestAsync(rendered.files)).output).toBe('');
  const nginx = await startNginx(rendered.files, 80 + offset);
  return { rendered, nginx, port: 80 + offset };
}

describeNginx('location dispatch on nginx', () => {
  let echoes: Record<string, EchoServer>;
  let nginx: RunningNginx;
  let port: number;
  let conf: string;

  beforeAll(async () => {
    echoes = {};
    for (const n of ['a', 'b', 'c']) echoes[n] = await startEcho(n);
    const objects = [
      gatewayClass(),
      gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
      ...['a', 'b', 'c'].map((n) => service(n)),
      // one conditional candidate: `if`s in the location
      exactRoute('one', '/one', { headers: [header('Mixed')], queryParams: [{ name: 'v', value: '1' }] }, 'a'),
      // one conditional candidate adding a response header (`always`): the action stays in a named
      // location, so a 404 never carries the header
      httpRoute('rh', { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/rh' }, headers: [header('yes')] }], filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'X-Added', value: 'v' }] } }], backendRefs: [to('a')] }] }),
      // header, method and two query parameters: one combined `if`
      exactRoute('combo', '/combo', { headers: [header('Mixed')], method: 'POST', queryParams: [{ name: 'a', value: '1' }, { name: 'b', value: 'x y' }] }, 'b'),
      // a hash run on x-t, with the remaining conditions of a value tested after the lookup
      exactRoute('p-t1-q', '/p', { headers: [header('t1')], queryParams: [{ name: 'q', value: '1' }] }, 'b'),
      exactRoute('p-t1', '/p', { headers: [header('t1', 'X-T')] }, 'a'),
      exactRoute('p-t2', '/p', { headers: [header('t2')] }, 'c'),
      exactRoute('p-t4-post', '/p', { headers: [header('t4')], method: 'POST' }, 'b'),
      // a hash run in front of an unconditional candidate
      exactRoute('q-u1', '/q', { headers: [header('u1')] }, 'a'),
      exactRoute('q-u2-post', '/q', { headers: [header('u2')], method: 'POST' }, 'b'),
      exactRoute('q-any', '/q', {}, 'c'),
      // values equal up to case: no hash lookup can tell them apart (regex dispatch), the others hash
      exactRoute('c-1', '/c', { headers: [header('Alpha')] }, 'a'),
      exactRoute('c-2', '/c', { headers: [header('alpha')] }, 'b'),
      exactRoute('c-3', '/c', { headers: [header('ALPHA')] }, 'c'),
      exactRoute('c-4', '/c', { headers: [header('beta')] }, 'a'),
      exactRoute('c-5', '/c', { headers: [header('gamma')] }, 'b'),
      // values nginx would read as map parameters, regexes, escapes or variables
      exactRoute('s-1', '/s', { headers: [header('default', 'x-s')] }, 'a'),
      exactRoute('s-2', '/s', { headers: [header('~x', 'x-s')] }, 'b'),
      exactRoute('s-3', '/s', { headers: [header('\\y', 'x-s')] }, 'c'),
      exactRoute('s-4', '/s', { headers: [header('$host', 'x-s')] }, 'a'),
      exactRoute('s-5', '/s', { headers: [header('a b"c;', 'x-s')] }, 'b'),
      exactRoute('s-6', '/s', { headers: [header('include', 'x-s')] }, 'c'),
    ];
    const r = await serve(objects, echoes);
    nginx = r.nginx;
    port = r.port;
    conf = r.rendered.files['nginx.conf'];
  }, 60000);

  afterAll(async () => {
    await nginx?.stop();
    for (const e of Object.values(echoes ?? {})) await e.close();
  });

  const to_ = async (p: string, headers: Record<string, string>, method = 'GET') => {
    const r = await request(port, p, { headers, method });
    return r.echo?.name ?? String(r.status);
  };

  test('the configuration has the expected shapes', () => {
    // /one and /combo: no map per location; the header (its own value), method and query parameters in one `if`
    expect(conf).toMatch(/^ {2}map "\$http_x_t\\n\$args" \$gw_k\d+ \{$/m);
    expect(conf).toMatch(/^ {2}map "\$http_x_t\\n\$request_method\\n\$args" \$gw_k\d+ \{$/m);
    expect(conf).toMatch(/if \(\$gw_k\d+ !~ "\^Mixed\\\\nPOST\\\\n\(\?=/);
    const combo = /location "\/combo\/" \{([^}]*\}[^}]*)\}/.exec(conf)![1];
    expect(combo.match(/if \(/g)).toHaveLength(1);
    // one classifier and one verification per header name, hash dispatch maps on the verified value
    expect(conf.match(/^ {2}map \$http_x_t \$gw_h\d+ \{$/gm)).toHaveLength(1);
    expect(conf.match(/^ {2}map "\$gw_h\d+\\t\$http_x_t" \$gw_v\d+ \{$/gm)).toHaveLength(1);
    expect(conf.match(/^ {2}map \$gw_v\d+ \$gw_d\d+ \{$/gm)!.length).toBeGreaterThanOrEqual(3);
    // the values equal up to case are not in the classifier (nginx would refuse them as duplicates)
    const classifier = /map \$http_x_t \$gw_h\d+ \{([^}]*)\}/.exec(conf)![1];
    expect(classifier).not.toMatch(/alpha/i);
    expect(classifier).toContain('"\\\\beta" "beta";');
  });

  test('a single conditional candidate: right value matches, wrong case does not', async () => {
    expect(await to_('/one', { 'x-t': 'Mixed' })).toBe('404'); // query missing
    expect(await to_('/one?v=1', { 'x-t': 'Mixed' })).toBe('a');
    expect(await to_('/one?v=1', { 'X-T': 'Mixed' })).toBe('a'); // header names are case-insensitive
    expect(await to_('/one?v=1', { 'x-t': 'mixed' })).toBe('404');
    expect(await to_('/one?v=1', { 'x-t': 'MIXED' })).toBe('404');
  });

  test('an action adding response headers: served with the header, a 404 without it', async () => {
    expect(conf).toMatch(/location "\/rh\/" \{\n {6}recursive_error_pages on;\n {6}error_page 418 = @gw_default_rh_r0_m0;/);
    const ok = await request(port, '/rh/x', { headers: { 'x-t': 'yes' } });
    expect([ok.echo?.name, ok.headers['x-added']]).toEqual(['a', 'v']);
    const no = await request(port, '/rh/x', { headers: { 'x-t': 'Yes' } });
    expect([no.status, no.headers['x-added']]).toEqual([404, undefined]);
  });

  test('a single conditional candidate is inlined after its test', () => {
    expect(conf).toMatch(/location "\/one\/" \{\n {6}if \(\$gw_k\d+ !~ "[^\n]*"\) \{\n {8}return 404;\n {6}\}\n {6}# HTTPRoute default\/one rule 0 match 0\n {6}proxy_pass /);
  });

  test('one combined test: header value, method and query parameters all hold', async () => {
    expect(await to_('/combo?b=x+y&a=1', { 'x-t': 'Mixed' }, 'POST')).toBe('b');
    expect(await to_('/combo?a=1&b=x%20y', { 'x-t': 'Mixed' }, 'POST')).toBe('b');
    expect(await to_('/combo?a=1&b=x%20y', { 'x-t': 'Mixed' })).toBe('404');
    expect(await to_('/combo?a=1&b=x%20y', { 'x-t': 'mixed' }, 'POST')).toBe('404');
    expect(await to_('/combo?a=1', { 'x-t': 'Mixed' }, 'POST')).toBe('404');
    expect(await to_('/combo?a=0&a=1&b=x+y', { 'x-t': 'Mixed' }, 'POST')).toBe('404'); // the first occurrence decides
    // a tab in the header value cannot shift the parts of the combined key
    expect(await to_('/combo?b=x+y', { 'x-t': 'Mixed\ta=1&' }, 'POST')).toBe('404');
    expect(await to_('/combo', { 'x-t': 'Mixed\tPOST\ta=1&b=x+y' }, 'POST')).toBe('404');
  });

  test('the combined key\'s separator, a line feed, cannot come from a request: a line feed ends the header line, a carriage return in a value is refused', async () => {
    // (the HTTP client refuses to send them: written on the socket)
    const raw = (head: string) => new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(head));
      let got = '';
      s.on('data', (d) => (got += String(d)));
      s.on('end', () => resolve(got.split('\r\n')[0]));
      s.on('error', reject);
      s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    });
    const host = 'Host: example.com\r\nConnection: close\r\n';
    // the combined key is "<x-t>\\n<method>\\n<args>": a value holding "\\nPOST\\na=1&b=x+y" would pass
    // for a GET without the parameters; nginx ends the header line at the line feed instead (the rest
    // is an invalid header line, ignored), and refuses a carriage return inside a value
    expect(await raw(`POST /combo?a=1&b=x+y HTTP/1.1\r\n${host}x-t: Mixed\r\nContent-Length: 0\r\n\r\n`)).toBe('HTTP/1.1 200 OK');
    expect(await raw(`GET /combo HTTP/1.1\r\n${host}x-t: Mixed\nPOST\na=1&b=x+y\r\n\r\n`)).toBe('HTTP/1.1 404 Not Found');
    expect(await raw(`GET /combo HTTP/1.1\r\n${host}x-t: Mixed\rPOST\ra=1&b=x+y\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
  });

  test('hash dispatch: exact value, wrong case, remaining conditions in precedence order', async () => {
    expect(await to_('/p', { 'x-t': 't1' })).toBe('a');
    expect(await to_('/p?q=1', { 'x-t': 't1' })).toBe('b'); // the match with the query parameter comes first
    expect(await to_('/p?q=1', { 'x-t': 'T1' })).toBe('404');
    expect(await to_('/p', { 'x-t': 'T1' })).toBe('404');
    expect(await to_('/p', { 'x-t': 't2' })).toBe('c');
    expect(await to_('/p', { 'x-t': 'T2' })).toBe('404');
    expect(await to_('/p', { 'x-t': 't3' })).toBe('404');
    expect(await to_('/p', {})).toBe('404');
    expect(await to_('/p', { 'x-t': 't4' }, 'POST')).toBe('b');
    expect(await to_('/p', { 'x-t': 't4' })).toBe('404');
    expect(await to_('/p', { 'x-t': 'T4' }, 'POST')).toBe('404');
    // a tab in the request value cannot make the back-reference check pass
    expect(await to_('/p', { 'x-t': 't1\tt1' })).toBe('404');
    expect(await to_('/p', { 'x-t': 't1 ' })).toBe('a'); // nginx trims trailing whitespace from header values
    expect(await to_('/p', { 'x-t': 't1x' })).toBe('404');
  });

  test('hash dispatch falls back to the unconditional candidate', async () => {
    expect(await to_('/q', { 'x-t': 'u1' })).toBe('a');
    expect(await to_('/q', { 'x-t': 'U1' })).toBe('c');
    expect(await to_('/q', { 'x-t': 'u2' }, 'POST')).toBe('b');
    expect(await to_('/q', { 'x-t': 'u2' })).toBe('c');
    expect(await to_('/q', {})).toBe('c');
  });

  test('values equal up to case still match case-sensitively (regex dispatch)', async () => {
    expect(await to_('/c', { 'x-t': 'Alpha' })).toBe('a');
    expect(await to_('/c', { 'x-t': 'alpha' })).toBe('b');
    expect(await to_('/c', { 'x-t': 'ALPHA' })).toBe('c');
    expect(await to_('/c', { 'x-t': 'aLPHA' })).toBe('404');
    expect(await to_('/c', { 'x-t': 'beta' })).toBe('a');
    expect(await to_('/c', { 'x-t': 'Beta' })).toBe('404');
    expect(await to_('/c', { 'x-t': 'gamma' })).toBe('b');
    expect(await to_('/c', { 'x-t': 'GAMMA' })).toBe('404');
  });

  test('values that look like map parameters, regexes, escapes or variables are plain strings', async () => {
    expect(await to_('/s', { 'x-s': 'default' })).toBe('a');
    expect(await to_('/s', { 'x-s': 'DEFAULT' })).toBe('404');
    expect(await to_('/s', { 'x-s': '~x' })).toBe('b');
    expect(await to_('/s', { 'x-s': 'x' })).toBe('404');
    expect(await to_('/s', { 'x-s': '\\y' })).toBe('c');
    expect(await to_('/s', { 'x-s': 'y' })).toBe('404');
    expect(await to_('/s', { 'x-s': '$host' })).toBe('a');
    expect(await to_('/s', { 'x-s': 'example.com' })).toBe('404');
    expect(await to_('/s', { 'x-s': 'a b"c;' })).toBe('b');
    expect(await to_('/s', { 'x-s': 'include' })).toBe('c');
    expect(await to_('/s', { 'x-s': '' })).toBe('404');
  });
});

describeNginx('1,000 tenants on one path', () => {
  test('one hash lookup dispatches every tenant, case-sensitively', async () => {
    const echoes = { a: await startEcho('a'), b: await startEcho('b') };
    const objects: KubeObject[] = [gatewayClass(), gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]), service('a'), service('b')];
    for (let i = 0; i < 1000; i++) objects.push(exactRoute(`t${i}`, '/api', { headers: [header(`t${i}`, 'x-tenant')] }, i % 2 ? 'b' : 'a'));
    let nginx: RunningNginx | undefined;
    try {
      const r = await serve(objects, echoes);
      nginx = r.nginx;
      const conf = r.rendered.files['nginx.conf'];
      // classifier, verification and one dispatch map: no map (and no regex) per tenant
      expect(conf.match(/^\s*map /gm)).toHaveLength(5); // + the two maps every configuration has
      expect(conf).not.toMatch(/"~\^t\d+\$"/);
      expect(conf.match(/^ {4}"\\\\t\d+" @gw_default_t\d+_r0_m0;$/gm)).toHaveLength(1000);
      for (const i of [0, 1, 2, 499, 500, 997, 998, 999]) {
        const want = i % 2 ? 'b' : 'a';
        expect((await request(r.port, '/api/x', { headers: { 'x-tenant': `t${i}` } })).echo?.name).toBe(want);
        expect((await request(r.port, '/api', { headers: { 'x-tenant': `t${i}` } })).echo?.name).toBe(want);
        expect((await request(r.port, '/api/x', { headers: { 'x-tenant': `T${i}` } })).status).toBe(404);
      }
      expect((await request(r.port, '/api/x', { headers: { 'x-tenant': 't1000' } })).status).toBe(404);
      expect((await request(r.port, '/api/x', {})).status).toBe(404);
    } finally {
      await nginx?.stop();
      for (const e of Object.values(echoes)) await e.close();
    }
  }, 120000);
});
