/**
 * `maxFileBytes`: a configuration too large for one file (the proxy's ConfigMaps hold 1 MiB) is
 * split into include files at whole blocks; nginx.conf lists every part with its SHA-256. The
 * split configuration must be the same configuration: the parts, inlined where they are included,
 * give back the unsplit file line for line; and real nginx loads and serves 10,000 routes from it.
 */
import * as crypto from 'crypto';
import { compileNginx, PART_LINE } from '../../src/render/nginx';
import { KubeObject } from '../../src/model';
import { startEcho } from '../harness/echo';
import { request } from '../harness/echo';
import { describeNginx, freeOffset, nginxTestAsync, startNginx } from '../harness/nginx';
import { gateway, gatewayClass, httpRoute, service } from './fixtures';

const KIB = 1024;

/** `n` routes with a path, a header and a query match over `hosts` hostnames, route i → Service svc<i>. */
function routes(n: number, hosts: number): KubeObject[] {
  return [
    gatewayClass(),
    gateway('gw', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
    ...Array.from({ length: n }, (_, i) => service(`svc${i}`)),
    ...Array.from({ length: n }, (_, i) =>
      httpRoute(`r${i}`, {
        hostnames: [`app${i % hosts}.example.com`],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: `/svc${i}` }, headers: [{ name: 'x-tenant', value: `t${i}` }], queryParams: [{ name: 'v', value: String(i % 7) }] }], backendRefs: [{ name: `svc${i}`, port: 8080 }] }],
      }),
    ),
  ];
}

/** nginx.conf with every `include part-…;` replaced by the part's lines (indented where it stands), recursively; manifest lines dropped. */
function inline(files: Readonly<Record<string, string>>): string[] {
  const expand = (text: string, indent: string): string[] =>
    text.replace(/\n$/, '').split('\n').flatMap((l) => {
      const m = /^(\s*)include (part-\d{3}\.conf);$/.exec(l);
      if (!m) return [l === '' ? '' : indent + l];
      expect(files[m[2]]).toBeDefined();
      return expand(files[m[2]], indent + m[1]);
    });
  return expand(files['nginx.conf'], '').filter((l) => !PART_LINE.test(l) && !l.startsWith('# the include files'));
}
/** the non-blank lines (blank lines between blocks are where the split happens) */
const significant = (lines: readonly string[]) => lines.filter((l) => l.trim() !== '');

describe('splitting a large configuration into include files', () => {
  test('a configuration within maxFileBytes is the same bytes as without the option', () => {
    const objects = routes(200, 10);
    const [plain] = compileNginx(objects, {});
    const [split] = compileNginx(objects, { maxFileBytes: 768 * KIB });
    expect(Buffer.byteLength(plain.files['nginx.conf'])).toBeLessThan(768 * KIB);
    expect(split.files).toEqual(plain.files);
  });

  test('above it: parts of at most maxFileBytes at whole blocks, listed with their SHA-256, the same configuration once inlined, byte-stable', () => {
    const objects = routes(1500, 50);
    const [plain] = compileNginx(objects, {});
    const budget = 256 * KIB;
    const [split] = compileNginx(objects, { maxFileBytes: budget });
    const parts = Object.keys(split.files).filter((k) => k !== 'nginx.conf');
    // (parts are de-indented: together smaller than the unsplit file)
    const partBytes = parts.reduce((n, p) => n + Buffer.byteLength(split.files[p]), 0);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.length).toBeGreaterThanOrEqual(Math.ceil(partBytes / budget));
    expect(parts).toEqual(parts.map((_, i) => `part-${String(i + 1).padStart(3, '0')}.conf`));
    for (const p of parts) expect(Buffer.byteLength(split.files[p])).toBeLessThanOrEqual(budget);
    expect(Buffer.byteLength(split.files['nginx.conf'])).toBeLessThan(8 * KIB);
    // the manifest: every part, in order, with the hash of its content
    const manifest = split.files['nginx.conf'].split('\n').map((l) => PART_LINE.exec(l)).filter((m): m is RegExpExecArray => !!m);
    expect(manifest.map((m) => m[1])).toEqual(parts);
    for (const m of manifest) expect(m[2]).toBe(crypto.createHash('sha256').update(split.files[m[1]]).digest('hex'));
    // each part starts with a whole block or directive (no line of it is indented deeper than the first)
    for (const p of parts) expect(split.files[p]).toMatch(/^(map|upstream|server|geo|split_clients) /);
    expect(significant(inline(split.files))).toEqual(significant(plain.files['nginx.conf'].split('\n')));
    expect(compileNginx(objects, { maxFileBytes: budget })[0].files).toEqual(split.files);
  });

  test('a server larger than a part is split inside: its skeleton stays, its locations go into parts', () => {
    const objects = routes(1500, 1);
    const [plain] = compileNginx(objects, {});
    const [split] = compileNginx(objects, { maxFileBytes: 128 * KIB });
    const conf = split.files['nginx.conf'];
    expect(conf).toMatch(/\n  server \{\n    include part-\d{3}\.conf;\n/);
    for (const p of Object.keys(split.files).filter((k) => k !== 'nginx.conf')) expect(Buffer.byteLength(split.files[p])).toBeLessThanOrEqual(128 * KIB);
    expect(significant(inline(split.files))).toEqual(significant(plain.files['nginx.conf'].split('\n')));
  });

  test('maxFileBytes must be a whole number of at least 4096', () => {
    expect(() => compileNginx(routes(1, 1), { maxFileBytes: 100 })).toThrow(/maxFileBytes 100 is not a whole number of at least 4096/);
  });
});

/*
 * nginx needs about a minute of CPU to load 10,000 such routes (one `map` per condition, see
 * docs/benchmarks.md section 2), minutes on a busy machine: the tests allow 20.
 */
const LOAD_MS = 20 * 60 * 1000;

describeNginx('10,000 routes on one nginx from include files', () => {
  const N = 10000;
  const SAMPLE = [0, 1, 777, 2500, 4999, 5000, 7321, 9998, 9999];

  test('nginx loads them and serves a sample of routes (and not what no route matches)', async () => {
    const echo = await startEcho('svc');
    try {
      const offset = await freeOffset([80, 8081]);
      const backends: Record<string, string> = {};
      for (let i = 0; i < N; i++) backends[`default/svc${i}:8080`] = echo.address;
      const [g] = compileNginx(routes(N, 50), { maxFileBytes: 768 * KIB, backends, portOffset: offset, workerProcesses: 1 });
      const parts = Object.keys(g.files).filter((k) => k !== 'nginx.conf');
      // (about 5 MiB: as many parts as the bytes need, none over the limit)
      const total = Object.values(g.files).reduce((sum, f) => sum + Buffer.byteLength(f), 0);
      expect(total).toBeGreaterThan(4 * 1024 * KIB);
      expect(parts.length).toBeGreaterThanOrEqual(Math.ceil(total / (768 * KIB)) - 1);
      for (const p of parts) expect(Buffer.byteLength(g.files[p])).toBeLessThanOrEqual(768 * KIB);
      const nginx = await startNginx(g.files, 80 + offset, LOAD_MS);
      try {
        expect(nginx.errorLog()).not.toMatch(/\[(emerg|alert|crit|error)\]/);
        for (const i of SAMPLE) {
          const host = `app${i % 50}.example.com`;
          const ok = await request(80 + offset, `/svc${i}/x?v=${i % 7}`, { host, headers: { 'x-tenant': `t${i}` } });
          expect({ i, status: ok.status, path: ok.echo?.path }).toEqual({ i, status: 200, path: `/svc${i}/x?v=${i % 7}` });
          // the header of another route, or another query value: no route
          expect((await request(80 + offset, `/svc${i}/x?v=${i % 7}`, { host, headers: { 'x-tenant': `t${i + 1}` } })).status).toBe(404);
          expect((await request(80 + offset, `/svc${i}/x?v=${(i + 1) % 7}`, { host, headers: { 'x-tenant': `t${i}` } })).status).toBe(404);
        }
        expect(echo.hits).toHaveLength(SAMPLE.length);
      } finally {
        await nginx.stop();
      }
    } finally {
      await echo.close();
    }
  }, LOAD_MS + 120000);

  // (4,000: one server of 10,000 locations took nginx 1.22 eleven minutes to check on a busy 2-core machine)
  test('4,000 routes on one hostname (one server split inside) pass nginx -t', async () => {
    const n = 4000;
    const backends: Record<string, string> = {};
    for (let i = 0; i < n; i++) backends[`default/svc${i}:8080`] = '127.0.0.1:9';
    const [g] = compileNginx(routes(n, 1), { maxFileBytes: 768 * KIB, backends, portOffset: 20000 });
    expect(Object.keys(g.files).filter((k) => k !== 'nginx.conf').length).toBeGreaterThanOrEqual(3);
    expect(g.files['nginx.conf']).toMatch(/\n  server \{\n    include part-\d{3}\.conf;\n/);
    const t = await nginxTestAsync(g.files);
    expect(t.output).toBe('');
    expect(t.ok).toBe(true);
  }, LOAD_MS + 120000);
});
