import { defaultRequestHeaders, responseHeaderDirectives } from '../../src/render/nginx/http-headers';

const none = { set: [], add: [], remove: [] };

describe('defaultRequestHeaders', () => {
  test('HTTP proxying forwards the upgrade headers (WebSocket)', () => {
    const names = defaultRequestHeaders(80, false).map(([n]) => n);
    expect(names).toEqual(expect.arrayContaining(['Upgrade', 'Connection']));
  });

  test('gRPC proxying does not carry the hop-by-hop upgrade headers', () => {
    const names = defaultRequestHeaders(80, true).map(([n]) => n);
    expect(names).not.toContain('Upgrade');
    expect(names).not.toContain('Connection');
  });

  test('X-Forwarded-Port is the listener port', () => {
    expect(defaultRequestHeaders(8443, false)).toContainEqual(['X-Forwarded-Port', '8443']);
  });
});

describe('responseHeaderDirectives', () => {
  test('a set header hides the upstream one and is added', () => {
    expect(responseHeaderDirectives({ ...none, set: [{ name: 'X-A', value: 'v' }] }, 'proxy', [])).toEqual(['proxy_hide_header "X-A";', 'add_header "X-A" "v" always;']);
  });

  test('a removed header is hidden and a later filter cannot set it back', () => {
    const rule = { ...none, set: [{ name: 'X-A', value: 'v' }] };
    expect(responseHeaderDirectives(rule, 'grpc', [{ ...none, remove: ['x-a'] }])).toEqual(['grpc_hide_header "x-a";']);
  });

  test('an added header is appended without hiding the upstream one', () => {
    expect(responseHeaderDirectives({ ...none, add: [{ name: 'X-A', value: 'v' }] }, 'proxy', [])).toEqual(['add_header "X-A" "v" always;']);
  });
});
