/**
 * The Kubernetes CEL extension functions and the cel-go semantics the validator provides on top of
 * @bufbuild/cel.
 */
import * as fc from 'fast-check';
import { evaluateExpression as ev } from '../../src/validate/cel';
import { K8S_EXTENSION_FUNCTIONS } from '../../src/validate/cel-ext';
import { isCIDR, isIP, isIPv4Format, isIPv6Format, parseAddr } from '../../src/model/ip';

function list(v: unknown): unknown[] {
  return [...(v as Iterable<unknown>)];
}

describe('isIP (Go netip.ParseAddr, no zone)', () => {
  test.each([
    ['1.2.3.4', true],
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['01.2.3.4', false], // leading zero
    ['1.2.3', false],
    ['1.2.3.4.5', false],
    ['1.2.3.256', false],
    ['1..2.3', false],
    ['::', true],
    ['::1', true],
    ['2001:db8::1', true],
    ['2001:DB8:0:0:0:0:0:1', true],
    ['::ffff:1.2.3.4', true],
    ['::1.2.3.4', true],
    ['1:2:3:4:5:6:1.2.3.4', true],
    ['1:2:3:4:5:1.2.3.4', false], // embedded IPv4 must replace the last two fields
    ['fe80::1%eth0', false], // zone
    ['2001:db8::1::1', false],
    ['12345::', false],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2:3:4:5:6:7:8', false], // :: must expand to at least one field
    ['1:2:3:4:5:6:7:', false],
    [':1:2:3:4:5:6:7', false],
    ['', false],
    ['example.com', false],
    [' 1.2.3.4', false],
  ])('%s → %s', (s, want) => {
    expect(isIP(s)).toBe(want);
    expect(ev('isIP(s)', { s })).toBe(want);
  });

  test('agrees with the round trip of canonical addresses', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => isIP(ip) && parseAddr(ip)!.bytes.join('.') === ip),
      { numRuns: 300 },
    );
    fc.assert(fc.property(fc.ipV6(), (ip) => isIP(ip)), { numRuns: 300 });
  });

  test('zones parse (netip) but isIP rejects them', () => {
    expect(parseAddr('fe80::1%eth0')?.zone).toBe('eth0');
    expect(parseAddr('fe80::1%')).toBeUndefined();
  });
});

describe('isCIDR and the OpenAPI ip formats', () => {
  test('isCIDR', () => {
    expect(isCIDR('10.0.0.0/8')).toBe(true);
    expect(isCIDR('10.0.0.1/32')).toBe(true);
    expect(isCIDR('10.0.0.0/33')).toBe(false);
    expect(isCIDR('10.0.0.0/08')).toBe(false);
    expect(isCIDR('::/0')).toBe(true);
    expect(isCIDR('2001:db8::/129')).toBe(false);
    expect(isCIDR('10.0.0.0')).toBe(false);
    expect(ev("isCIDR('192.168.0.0/16')")).toBe(true);
  });

  test('format ipv4/ipv6 are the sloppy (leading zeros allowed) net.ParseIP', () => {
    expect(isIPv4Format('010.001.1.1')).toBe(true);
    expect(isIPv4Format('1.2.3.4')).toBe(true);
    expect(isIPv4Format('::1')).toBe(false);
    expect(isIPv6Format('::1')).toBe(true);
    expect(isIPv6Format('fe80::1%eth0')).toBe(false);
    expect(isIPv6Format('1.2.3.4')).toBe(false);
  });
});

describe('strings (cel-go ext.Strings, code points)', () => {
  test('split, with and without a limit (Go strings.SplitN)', () => {
    expect(list(ev("'a/b/c'.split('/')"))).toEqual(['a', 'b', 'c']);
    expect(list(ev("'a/b/c'.split('/', 2)"))).toEqual(['a', 'b/c']);
    expect(list(ev("'a/b/c'.split('/', 1)"))).toEqual(['a/b/c']);
    expect(list(ev("'a/b/c'.split('/', 0)"))).toEqual([]);
    expect(list(ev("'a/b/c'.split('/', -1)"))).toEqual(['a', 'b', 'c']);
    expect(list(ev("'😀b'.split('')"))).toEqual(['😀', 'b']);
    expect(ev("'example.com/team'.split('/')[0].size()")).toBe(11n);
  });

  test('substring in code points, errors out of range', () => {
    expect(ev("'*.example.com'.substring(2)")).toBe('example.com');
    expect(ev("'😀abc'.substring(1)")).toBe('abc');
    expect(ev("'😀abc'.substring(0, 1)")).toBe('😀');
    expect(() => ev("'abc'.substring(4)")).toThrow('index out of range: 4');
    expect(() => ev("'abc'.substring(2, 1)")).toThrow('invalid substring range. start: 2, end: 1');
  });

  test('indexOf / lastIndexOf / charAt in code points', () => {
    expect(ev("'😀a😀a'.indexOf('a')")).toBe(1n);
    expect(ev("'😀a😀a'.indexOf('a', 2)")).toBe(3n);
    expect(ev("'😀a😀a'.lastIndexOf('😀')")).toBe(2n);
    expect(ev("'abc'.indexOf('')")).toBe(0n);
    expect(ev("'abc'.lastIndexOf('')")).toBe(3n);
    expect(ev("'😀b'.charAt(1)")).toBe('b');
    expect(ev("'ab'.charAt(2)")).toBe('');
  });

  test('replace, case, trim, join', () => {
    expect(ev("'a-b-c'.replace('-', '.')")).toBe('a.b.c');
    expect(ev("'a-b-c'.replace('-', '.', 1)")).toBe('a.b-c');
    expect(ev("'ÄbC'.lowerAscii()")).toBe('Äbc');
    expect(ev("'äbc'.upperAscii()")).toBe('äBC');
    expect(ev("' \\t x \\n'.trim()")).toBe('x');
    expect(ev("['a', 'b'].join('/')")).toBe('a/b');
    expect(ev("['a', 'b'].join()")).toBe('ab');
  });

  test('size() counts code points; matches() is RE2 (inline flags work)', () => {
    expect(ev("size('😀')")).toBe(1n);
    expect(ev("'Grpc.Service'.matches('^(?i)[a-z.]+$')")).toBe(true);
    expect(ev("'abc'.matches('^a.c$')")).toBe(true);
    expect(() => ev("'abc'.matches('[')")).toThrow(/missing closing \]/);
  });
});

describe('durations: cel-go getters return totals', () => {
  test.each([
    ["duration('1h30m').getHours()", 1n],
    ["duration('1h30m').getMinutes()", 90n],
    ["duration('90s').getSeconds()", 90n],
    ["duration('1500ms').getMilliseconds()", 1500n],
    ["duration('-1500ms').getMilliseconds()", -1500n],
    ["duration('2s').getMilliseconds() % 1000", 0n],
  ])('%s = %s', (expr, want) => {
    expect(ev(expr)).toBe(want);
  });

  test('Gateway API duration strings compare', () => {
    expect(ev("duration('1m') > duration('59s')")).toBe(true);
    expect(ev("duration('500ms') < duration('1s')")).toBe(true);
    expect(ev("duration('0s') == duration('0ms')")).toBe(true);
  });
});

describe('format library', () => {
  test('validate() returns the errors; comparing with null is false, as in cel-go', () => {
    expect(ev("format.dns1123Label().validate('ok-name') == null")).toBe(false);
    expect(ev("format.dns1123Label().validate('ok-name').size()")).toBe(0n);
    expect(ev("format.dns1123Label().validate('Not_OK').size()")).toBe(1n);
    expect(ev("format.dns1123Subdomain().validate('a.example.com').size()")).toBe(0n);
    expect(ev("format.qualifiedName().validate('example.com/x').size()")).toBe(0n);
    expect(ev("format.labelValue().validate('bad value').size() > 0")).toBe(true);
  });

  test('every advertised extension resolves in the environment', () => {
    for (const f of K8S_EXTENSION_FUNCTIONS) expect(f).toMatch(/^[a-zA-Z.0-9]+$/);
    expect(K8S_EXTENSION_FUNCTIONS).toEqual(expect.arrayContaining(['isIP', 'split', 'substring', 'format.dns1123Label', 'getMilliseconds']));
  });
});

describe('errors', () => {
  test('absent fields: "no such key", like cel-go', () => {
    expect(() => ev('self.x', { self: new Map([['y', 1n]]) })).toThrow('no such key: x');
    expect(ev('has(self.x)', { self: new Map([['y', 1n]]) })).toBe(false);
  });
});
