/**
 * The conformance rig on its own (no compiler involved): echo backends answer like echo-basic,
 * the clients speak every protocol the cases use, and a hand-written nginx config proxies to the
 * rig on an offset port.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateSuiteCerts, opensslAvailable, SuiteCerts } from './certs';
import { dnsQuery, goMatchHostname, grpcCall, httpRoundTrip, LineConn, serverRequestsClientCert, tlsHandshakeOutcome, udpRequest, wsExchange } from './client';
import { EchoRig, podNameFor } from './echo/rig';
import { listenPorts, nginxAvailable, NginxInstance, portsFree } from '../harness/nginx';
import { baseObjects } from './runner';

type J = Record<string, any>;

let dir: string;
let certs: SuiteCerts;
let rig: EchoRig;
let objects: J[];
let backends: Record<string, string>;

const port = (key: string): number => Number(backends[key].split(':')[1]);

// The rig needs real certificates (openssl); conformance.test.ts reports a missing openssl loudly.
const describeRig = opensslAvailable() ? describe : describe.skip;

describeRig('conformance rig', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-rig-'));
    certs = generateSuiteCerts(path.join(dir, 'certs'));
    objects = [
      ...baseObjects(certs),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'udp-echo', namespace: 'gateway-conformance-infra' },
        spec: { selector: { app: 'udp-echo' }, ports: [{ name: 'udp', protocol: 'UDP', port: 8080, targetPort: 8080 }] },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'udp-echo', namespace: 'gateway-conformance-infra' },
        spec: {
          template: {
            metadata: { labels: { app: 'udp-echo' } },
            spec: {
              containers: [
                {
                  name: 'udp',
                  image: 'registry.k8s.io/gateway-api/echo-basic:v1.6.0-dev.2',
                  env: [
                    { name: 'UDP_ECHO_SERVER', value: '1' },
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                    { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                    { name: 'SERVICE_NAME', value: 'udp-echo' },
                  ],
                },
              ],
            },
          },
        },
      },
    ];
    rig = new EchoRig();
    backends = await rig.backends(objects);
  });

  afterAll(async () => {
    await rig?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('backends map covers every Service port of the base manifests', () => {
    for (const k of [
      'gateway-conformance-infra/infra-backend-v1:8080',
      'gateway-conformance-infra/infra-backend-v1:8081',
      'gateway-conformance-infra/infra-backend-v1:8082',
      'gateway-conformance-infra/tls-backend:443',
      'gateway-conformance-app-backend/app-backend-v1:8080',
      'gateway-conformance-web-backend/web-backend:8080',
      'gateway-conformance-infra/grpc-infra-backend-v1:8080',
      'gateway-conformance-infra/coredns:53',
      'gateway-conformance-infra/tcp-backend:3000',
      'gateway-conformance-infra/tcp-backend:8443',
    ]) {
      expect(backends[k]).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    // The v1 Service's first and third ports share the pod's HTTP server (targetPort 3000).
    expect(backends['gateway-conformance-infra/infra-backend-v1:8080']).toBe(backends['gateway-conformance-infra/infra-backend-v1:8082']);
  });

  test('HTTP echo answers the echo-basic JSON and honours X-Echo-Set-Header', async () => {
    const r = await httpRoundTrip({
      protocol: 'HTTP',
      port: port('gateway-conformance-infra/infra-backend-v1:8080'),
      method: 'GET',
      path: '/foo?x=1',
      host: 'example.com',
      headers: { 'X-Echo-Set-Header': 'X-Foo:bar,X-Foo:baz', 'x-header-add': 'a' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toEqual(['application/json']);
    expect(r.headers['x-foo']).toEqual(['bar,baz']);
    const body = JSON.parse(r.body.toString());
    expect(body).toMatchObject({ path: '/foo?x=1', host: 'example.com', method: 'GET', proto: 'HTTP/1.1', namespace: 'gateway-conformance-infra' });
    expect(body.pod).toBe(podNameFor('gateway-conformance-infra', 'infra-backend-v1'));
    expect(body.pod.split('-').slice(0, -2).join('-')).toBe('infra-backend-v1');
    expect(body.headers['X-Header-Add']).toEqual(['a']);
    const pods = rig.podsNamed('gateway-conformance-infra', 'infra-backend-v1', objects);
    expect(pods[0].log.has('Echoing back request made to /foo?x=1 to client')).toBe(true);
  });

  test('h2c echo (prior knowledge) and its HTTP/1.1 refusal', async () => {
    const p = port('gateway-conformance-infra/infra-backend-v1:8081');
    const r = await httpRoundTrip({ protocol: 'H2C', port: p, method: 'GET', path: '/', host: 'h2c.example', headers: {} });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toMatchObject({ proto: 'HTTP/2.0', host: 'h2c.example' });
    const r1 = await httpRoundTrip({ protocol: 'HTTP', port: p, method: 'GET', path: '/', host: 'x', headers: {} });
    expect(r1.status).toBe(400);
  });

  test('HTTPS echo with the tls-checks certificate reports the SNI', async () => {
    const r = await httpRoundTrip({
      protocol: 'HTTPS',
      port: port('gateway-conformance-infra/tls-backend:443'),
      method: 'GET',
      path: '/backendtls',
      host: 'abc.example.com',
      headers: {},
      tls: { serverName: 'abc.example.com', ca: certs.checksCa.cert },
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString()).tls).toMatchObject({ serverName: 'abc.example.com' });
  });

  test('retry simulator and delay', async () => {
    const p = port('gateway-conformance-infra/infra-backend-v3:8080');
    const q = '/retry/x?responseCode=500&succeedAfter=2&uuid=u1';
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await httpRoundTrip({ protocol: 'HTTP', port: p, method: 'GET', path: q, host: 'x', headers: {} })).status);
    expect(codes).toEqual([500, 500, 200]);
    const t0 = Date.now();
    await httpRoundTrip({ protocol: 'HTTP', port: p, method: 'GET', path: '/?delay=200ms', host: 'x', headers: {} });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  test('gRPC echo: Echo answers with the method and pod, EchoThree is UNIMPLEMENTED', async () => {
    const p = port('gateway-conformance-infra/grpc-infra-backend-v2:8080');
    const ok = await grpcCall(p, '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo', 'grpc.example', { 'x-md': 'v' });
    expect(ok.code).toBe(0);
    expect(ok.reply?.fullyQualifiedMethod).toBe('/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo');
    expect(ok.reply?.context?.pod.startsWith('grpc-infra-backend-v2-')).toBe(true);
    expect(ok.reply?.authority).toBe('grpc.example');
    expect(ok.reply?.headers).toEqual(expect.arrayContaining([{ key: 'x-md', value: 'v' }]));
    const un = await grpcCall(p, '/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoThree', 'grpc.example', {});
    expect(un.code).toBe(12);
  });

  test('WebSocket echo keeps text and binary frames', async () => {
    const got = await wsExchange(port('gateway-conformance-infra/infra-backend-v1:8082'), 'ws.example', '/ws', 'ws://gateway/test', [{ text: 'Websocket Support!' }, { binary: [1, 2, 3, 4, 5, 6, 7] }]);
    expect(got).toEqual([{ text: 'Websocket Support!' }, { binary: [1, 2, 3, 4, 5, 6, 7] }]);
  });

  test('TCP echo, plain and TLS', async () => {
    const c = await LineConn.open(port('gateway-conformance-infra/tcp-backend:3000'), undefined);
    expect(await c.readLine()).toBe('Gateway API Test TCP Server');
    c.send('PING');
    expect(await c.readLine()).toBe('PONG');
    c.send('IS_TLS');
    expect(await c.readLine()).toBe('false');
    c.send('TEST');
    expect(JSON.parse(await c.readLine())).toMatchObject({ namespace: 'gateway-conformance-infra', isTLS: false });
    c.close();
    const t = await LineConn.open(port('gateway-conformance-infra/tcp-backend:8443'), { serverName: 'abc.example.com', ca: certs.checksCa.cert });
    expect(await t.readLine()).toBe('Gateway API Test TCP Server');
    t.send('TEST');
    expect(JSON.parse(await t.readLine())).toMatchObject({ isTLS: true, tls: { serverName: 'abc.example.com' } });
    t.close();
  });

  test('UDP echo and DNS', async () => {
    const r = JSON.parse((await udpRequest(port('gateway-conformance-infra/udp-echo:8080'), Buffer.from('hello'))).toString());
    expect(r).toMatchObject({ request: 'hello', service: 'udp-echo', namespace: 'gateway-conformance-infra' });
    expect(await dnsQuery(port('gateway-conformance-infra/coredns:53'), 'foo.bar.com.', 'A')).toBe(0);
  });

  test("Go's hostname matching accepts *.org", () => {
    expect(goMatchHostname('*.org', 'example.org')).toBe(true);
    expect(goMatchHostname('*', 'example.org')).toBe(false);
    expect(goMatchHostname('*.wildcard.org', 'third-example.wildcard.org')).toBe(true);
  });

  const withNginx = nginxAvailable() ? test : test.skip;

  withNginx('a hand-written nginx config proxies to the rig on an offset port', async () => {
    let offset = 20000 + Math.floor(Math.random() * 5000);
    const conf = (o: number) => ({
      'nginx.conf': [
        'worker_processes 1;',
        'pid nginx.pid;',
        'error_log stderr warn;',
        'events { worker_connections 128; }',
        'http {',
        '  access_log off;',
        '  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;',
        `  upstream v1 { server ${backends['gateway-conformance-infra/infra-backend-v1:8080']}; }`,
        `  server { listen 127.0.0.1:${80 + o}; location / { proxy_pass http://v1; proxy_set_header Host $host; } }`,
        `  server { listen 127.0.0.1:${443 + o} ssl; ssl_certificate cert.pem; ssl_certificate_key key.pem; ssl_verify_client optional_no_ca; location / { return 204; } }`,
        '}',
        '',
      ].join('\n'),
      'cert.pem': certs.validity.cert,
      'key.pem': certs.validity.key,
      'tmp/.keep': '',
    });
    for (let i = 0; i < 20 && !(await portsFree(listenPorts(conf(offset)))); i++) offset += 7;
    const ng = new NginxInstance(path.join(dir, 'nginx'));
    ng.write(conf(offset));
    expect(ng.ports).toEqual([
      { port: 80 + offset, protocol: 'tcp' },
      { port: 443 + offset, protocol: 'tcp' },
    ]);
    expect(ng.test()).toBeUndefined();
    try {
      await ng.start();
      const r = await httpRoundTrip({ protocol: 'HTTP', port: 80 + offset, method: 'GET', path: '/x', host: 'example.org', headers: {} });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body.toString())).toMatchObject({ host: 'example.org', path: '/x' });
      const s = await httpRoundTrip({
        protocol: 'HTTPS',
        port: 443 + offset,
        method: 'GET',
        path: '/',
        host: 'example.org',
        headers: {},
        tls: { serverName: 'example.org', ca: certs.validity.cert },
      });
      expect(s.status).toBe(204);
      expect(serverRequestsClientCert(443 + offset, 'example.org')).toBe(true);
      expect((await tlsHandshakeOutcome(80 + offset, 'example.org')).outcome).not.toBe('handshake-ok');
    } finally {
      await ng.dispose();
    }
  });
});
