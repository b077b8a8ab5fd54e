/**
 * The route proxy options' formats (model/proxy-options.ts): sizes as Kubernetes quantities, source
 * ranges normalized and sorted, the annotation round trip; and the renderer's Content-Length regex.
 */
import * as fc from 'fast-check';
import {
  formatByteQuantity,
  formatProxyOptions,
  formatSourceRanges,
  normalizeSourceRange,
  parseBodySize,
  parseBufferSize,
  parseByteQuantity,
  parseProxyOptions,
  parseSourceRanges,
  PROXY_OPTION_ANNOTATIONS,
  sortSourceRanges,
} from '../../src/model';
import { greaterThan, nginxSize } from '../../src/render/nginx/http-client';

describe('sizes', () => {
  test('Kubernetes quantities of whole bytes', () => {
    const cases: [string, bigint][] = [
      ['0', 0n],
      ['1500', 1500n],
      ['8Ki', 8192n],
      ['8Mi', 8n << 20n],
      ['1.5Gi', 3n << 29n],
      ['1G', 1000000000n],
      ['500k', 500000n],
      ['1e6', 1000000n],
      ['2E', 2000000000000000000n],
      ['1Ei', 1n << 60n],
      ['1000m', 1n],
    ];
    for (const [text, bytes] of cases) expect([text, parseByteQuantity(text)]).toEqual([text, bytes]);
  });

  test('nginx spellings, fractions and garbage are problems with the spelling to use', () => {
    expect(parseByteQuantity('8m')).toEqual({ problem: expect.stringMatching(/not a whole number of bytes \("m" is milli.*read "8m" as 8 MiB/), fix: 'write "8Mi"' });
    expect(parseByteQuantity('1g')).toEqual({ problem: expect.stringMatching(/not a Kubernetes quantity.*8?1 GiB/), fix: 'write "1Gi"' });
    expect(parseByteQuantity('8K')).toMatchObject({ fix: 'write "8Ki"' });
    expect(parseByteQuantity('0.5')).toMatchObject({ problem: 'is not a whole number of bytes' });
    expect(parseByteQuantity('-1Mi')).toMatchObject({ problem: expect.stringMatching(/not a Kubernetes quantity/) });
    expect(parseByteQuantity('8 Mi')).toMatchObject({ problem: expect.stringMatching(/not a Kubernetes quantity/) });
    expect(parseBodySize('2Pi')).toMatchObject({ problem: 'is larger than 1Pi', fix: expect.stringMatching(/"0" for no limit/) });
    expect(parseBufferSize('0')).toMatchObject({ problem: expect.stringMatching(/is 0/) });
    expect(parseBufferSize('2Gi')).toMatchObject({ problem: expect.stringMatching(/larger than 1Gi/) });
  });

  test('format → parse round trip; the format is the largest binary suffix that divides', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (n) => {
        const text = formatByteQuantity(n);
        expect(parseBodySize(text)).toBe(n);
        expect(/^(0|[1-9][0-9]*(Ki|Mi|Gi|Ti|Pi)?)$/.test(text)).toBe(true);
        if (text.endsWith('Ki')) expect(n % 2 ** 20).not.toBe(0);
      }),
      { numRuns: 2000 },
    );
    expect(formatByteQuantity(8 << 20)).toBe('8Mi');
    expect(formatByteQuantity(1536)).toBe('1536');
    expect(formatByteQuantity(1536 * 1024)).toBe('1536Ki');
  });

  test('nginx sizes: g only where nginx accepts it (client_max_body_size), bytes otherwise', () => {
    expect([nginxSize(0), nginxSize(2 ** 30), nginxSize(2 ** 30, false), nginxSize(3 * 2 ** 20), nginxSize(8192), nginxSize(1000)]).toEqual(['0', '1g', '1024m', '3m', '8k', '1000']);
  });
});

/** A random IPv4 / IPv6 network as [family, network value, prefix length]. */
const network = fc.oneof(
  fc.tuple(fc.constant(4 as const), fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), fc.integer({ min: 0, max: 32 })),
  fc.tuple(fc.constant(6 as const), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 })),
).map(([family, v, len]) => {
  const bits = family === 4 ? 32 : 128;
  const mask = (1n << BigInt(bits - len)) - 1n;
  return { family, value: v & ~mask, len, bits };
}).filter((n) => !(n.family === 6 && n.value >> 32n === 0xffffn)); // IPv4-mapped: refused, tested below

function ipv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
}
/** Uncompressed, upper-case IPv6 (a non-canonical spelling). */
function ipv6Long(v: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16).toUpperCase().padStart(4, '0'));
  return groups.join(':');
}

describe('source ranges', () => {
  test('canonical form: network address, single addresses bare, IPv6 compressed lower-case', () => {
    expect(normalizeSourceRange(' 10.0.0.0/8 ')).toBe('10.0.0.0/8');
    expect(normalizeSourceRange('192.168.1.7/32')).toBe('192.168.1.7');
    expect(normalizeSourceRange('2001:DB8:0:0:0:0:0:0/32')).toBe('2001:db8::/32');
    expect(normalizeSourceRange('::1/128')).toBe('::1');
    expect(normalizeSourceRange('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(normalizeSourceRange('::/0')).toBe('::/0');
    expect(normalizeSourceRange('10.0.0.1/8')).toEqual({ problem: 'has host bits set: it denotes the network 10.0.0.0/8', fix: 'write "10.0.0.0/8" for the network, or "10.0.0.1" for the single address' });
    expect(normalizeSourceRange('10.0.0.0/33')).toMatchObject({ problem: expect.stringMatching(/prefix length \(0 to 32/) });
    expect(normalizeSourceRange('010.0.0.1')).toMatchObject({ problem: 'is not an IP address' });
    expect(normalizeSourceRange('10.0.0/8')).toMatchObject({ problem: 'has "10.0.0", which is not an IP address' });
    expect(normalizeSourceRange('fe80::1%eth0')).toMatchObject({ problem: expect.stringMatching(/not an IP address/) });
    expect(normalizeSourceRange('::ffff:10.0.0.1')).toEqual({ problem: 'is an IPv4-mapped IPv6 address', fix: 'write the IPv4 address 10.0.0.1' });
    expect(normalizeSourceRange('example.com')).toMatchObject({ problem: expect.stringMatching(/not an IP address/) });
  });

  test('property: any spelling of a network normalizes to one canonical form, which is a fixed point', () => {
    fc.assert(
      fc.property(network, fc.boolean(), (n, explicitLength) => {
        const addr = n.family === 4 ? ipv4(n.value) : ipv6Long(n.value);
        const written = n.len === n.bits && !explicitLength ? addr : `${addr}/${n.len}`;
        const c = normalizeSourceRange(written);
        expect(typeof c).toBe('string');
        expect(normalizeSourceRange(c as string)).toBe(c);
        // the full-length prefix is written as a bare address
        expect((c as string).includes('/')).toBe(n.len !== n.bits);
        expect(c).toBe((c as string).toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });

  test('property: a set host bit is refused, naming the network', () => {
    fc.assert(
      fc.property(network.filter((n) => n.len < n.bits), fc.nat(), (n, r) => {
        const hostBit = 1n << BigInt(r % (n.bits - n.len));
        const addr = n.family === 4 ? ipv4(n.value | hostBit) : ipv6Long(n.value | hostBit);
        const p = normalizeSourceRange(`${addr}/${n.len}`);
        expect(typeof p).toBe('object');
        const canonicalNet = normalizeSourceRange(`${n.family === 4 ? ipv4(n.value) : ipv6Long(n.value)}/${n.len}`) as string;
        expect((p as { fix: string }).fix).toContain(`"${canonicalNet}`);
      }),
      { numRuns: 500 },
    );
  });

  test('property: lists are sorted (IPv4 first, by address, then length), deduplicated, order-independent; format → parse round trip', () => {
    fc.assert(
      fc.property(fc.array(network, { minLength: 1, maxLength: 12 }), fc.array(fc.nat()), (nets, seed) => {
        const written = nets.map((n) => `${n.family === 4 ? ipv4(n.value) : ipv6Long(n.value)}/${n.len}`);
        const shuffled = [...written, ...written.slice(0, 2)].map((w, i) => ({ w, k: seed[i] ?? i })).sort((a, b) => a.k - b.k).map((x) => x.w);
        const a = formatSourceRanges(written);
        const b = formatSourceRanges(shuffled);
        expect(b).toBe(a);
        const parsed = parseSourceRanges(a);
        expect('ranges' in parsed && parsed.ranges.join(', ')).toBe(a);
        const list = a.split(', ');
        expect(new Set(list).size).toBe(list.length);
        expect(sortSourceRanges([...list].reverse())).toEqual(list);
        const firstV6 = list.findIndex((x) => x.includes(':'));
        if (firstV6 >= 0) expect(list.slice(firstV6).every((x) => x.includes(':'))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('a list with a bad entry is refused as a whole; an empty list is a problem', () => {
    expect(parseSourceRanges('10.0.0.0/8, 10.0.0.1/8, nope')).toEqual({ bad: [expect.objectContaining({ entry: '10.0.0.1/8' }), expect.objectContaining({ entry: 'nope' })] });
    expect(parseSourceRanges(' , ')).toEqual({ bad: [], empty: true });
    expect(parseSourceRanges('10.0.0.0/8,,::1,')).toEqual({ ranges: ['10.0.0.0/8', '::1'] });
  });
});

describe('the annotations of a route', () => {
  test('format → parse round trip', () => {
    const options = { maxRequestBodySize: 8 << 20, clientBodyBufferSize: 16384, allowSourceRanges: ['10.0.0.0/8', '2001:db8::/32'], denySourceRanges: ['10.1.2.3'] };
    const a = formatProxyOptions(options);
    expect(a).toEqual({
      'cdk8s-gateway.dev/max-request-body-size': '8Mi',
      'cdk8s-gateway.dev/client-body-buffer-size': '16Ki',
      'cdk8s-gateway.dev/allow-source-ranges': '10.0.0.0/8, 2001:db8::/32',
      'cdk8s-gateway.dev/deny-source-ranges': '10.1.2.3',
    });
    expect(parseProxyOptions(a)).toEqual({ options, problems: [], present: Object.keys(a) });
  });

  test('malformed values: one problem per annotation, with the value and a fix; other annotations are not read', () => {
    const r = parseProxyOptions({
      [PROXY_OPTION_ANNOTATIONS.maxRequestBodySize]: '8m',
      [PROXY_OPTION_ANNOTATIONS.allowSourceRanges]: '',
      [PROXY_OPTION_ANNOTATIONS.denySourceRanges]: '10.0.0.1/8, x',
      'example.com/other': 'y',
    });
    expect(r.options).toEqual({});
    expect(r.problems).toEqual([
      { annotation: 'cdk8s-gateway.dev/max-request-body-size', value: '8m', problem: expect.stringMatching(/whole number of bytes/), fix: 'write "8Mi"' },
      { annotation: 'cdk8s-gateway.dev/allow-source-ranges', value: '', problem: 'lists no address', fix: expect.stringMatching(/would refuse every client/) },
      { annotation: 'cdk8s-gateway.dev/deny-source-ranges', value: '10.0.0.1/8, x', problem: expect.stringMatching(/^has the entry "10.0.0.1\/8", which has host bits set.*\(and 1 more bad entries\)$/), fix: expect.stringMatching(/10.0.0.0\/8/) },
    ]);
  });
});

describe('the Content-Length guard regex', () => {
  test('property: matches exactly the decimal numbers (leading zeros allowed) greater than the limit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 50n }), fc.bigInt({ min: 0n, max: 1n << 52n }), fc.integer({ min: 0, max: 3 }), (limit, n, zeros) => {
        const re = new RegExp(greaterThan(limit));
        const near = [n, limit - 1n, limit, limit + 1n, limit * 10n, limit / 10n].filter((x) => x >= 0n);
        for (const x of near) expect([String(limit), String(x), re.test('0'.repeat(zeros) + String(x))]).toEqual([String(limit), String(x), x > limit]);
      }),
      { numRuns: 3000 },
    );
    expect(greaterThan(1024n)).toBe('^0*(?:[1-9][0-9]{4,}|[2-9][0-9]{3}|1[1-9][0-9]{2}|10[3-9][0-9]{1}|102[5-9])$');
  });
});

describe('hostile annotation values never reach the configuration unchecked', () => {
  const { compileNginx } = require('../../src/render/nginx') as typeof import('../../src/render/nginx');
  const { resolve } = require('../../src/resolve') as typeof import('../../src/resolve');
  const base = (annotations: Record<string, string>) => [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'c' }, spec: { controllerName: 'cdk8s-gateway.dev/nginx-proxy' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'default' }, spec: { gatewayClassName: 'c', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'default', annotations }, spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] } },
  ];
  const hostile = fc.oneof(
    fc.string(),
    fc.constantFrom('10.0.0.0/8; return 200 "x"', '1Mi;} server {', '::1, 10.0.0.0/8 all', '8Mi\n', '0x10', '1e400', '10.0.0.0/8,deny all', '$remote_addr', '1Ei'),
    fc.array(fc.constantFrom('10.0.0.0/8', '::1', ' ', ',', ';', '{', '"', '/', 'a', '9'), { maxLength: 8 }).map((x) => x.join('')),
  );
  test('property: directives of the options are numbers and canonical ranges; a bad value is an error and a 500', () => {
    let bad = 0;
    let good = 0;
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(PROXY_OPTION_ANNOTATIONS)), hostile, (key, value) => {
        const objects = base({ [key]: value }) as any;
        const conf = compileNginx(objects)[0].files['nginx.conf'];
        for (const line of conf.split('\n').map((l) => l.trim())) {
          if (/^(allow|deny|client_max_body_size|client_body_buffer_size)\b/.test(line)) {
            expect(line).toMatch(/^(allow [0-9a-f.:]+(\/[0-9]{1,3})?|deny ([0-9a-f.:]+(\/[0-9]{1,3})?|all)|client_max_body_size [0-9]+[kmg]?|client_body_buffer_size [0-9]+[km]?);$/);
          }
        }
        const errors = resolve(objects).diagnostics.filter((d) => d.code === 'InvalidAnnotation');
        if (errors.length) {
          bad++;
          expect(errors[0]).toMatchObject({ severity: 'error', field: `metadata.annotations[${key}]` });
          expect(conf).toMatch(/# HTTPRoute default\/r rule 0 match 0\n\s+return 500;/);
        } else good++;
      }),
      { numRuns: 400 },
    );
    // the generator reaches both sides
    expect(bad).toBeGreaterThan(50);
    expect(good).toBeGreaterThan(5);
  });
});
