import { checkJson, formatCheckJson, formatCheckText, formatDiagnosticLine, writeCheckJson } from '../../src/cli/check';
import { loadAndResolve, OTHER_CONTROLLER } from '../../src/cli/input';
import { useColor } from '../../src/cli/style';
import { Diagnostic } from '../../src/model';
import { cli, ROOT, smallSetup, tempTree } from './helpers';

const SCENARIO_2 = 'examples/yaml/2-kind-istio';
const TYPO = 'examples/yaml/mistakes/section-name-typo.yaml';

describe('exit codes', () => {
  test('0 when clean', async () => {
    const r = await cli(['check', SCENARIO_2]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('1 when there are errors', async () => {
    expect((await cli(['check', TYPO])).code).toBe(1);
  });

  test('0 with warnings only', async () => {
    // no Service at all in the input: a missing backend is only a warning (the input is partial)
    const withoutService = smallSetup()
      .split('---\n')
      .filter((doc) => !doc.includes('kind: Service'))
      .join('---\n');
    const dir = tempTree({ 'x.yaml': withoutService });
    // (namespace app is created elsewhere: the one warning is the missing Service)
    const r = await cli(['check', '--external-namespace', 'app', 'x.yaml'], { cwd: dir });
    expect(r.stdout).toMatch(/^x\.yaml:\d+: warning BackendNotFound /m);
    // the fix names the annotation synth writes for Backend.fromName and the flag, for Services deployed by other means
    expect(r.stdout).toMatch(/BackendNotFound .*\(if it is deployed by other means: list it in the route's annotation cdk8s-gateway\.dev\/external-backends, as synth does for Backend\.fromName, or check with --assume-external\)/);
    expect(r.stdout).toMatch(/^0 errors, 1 warning \(2 objects in 1 file\)$/m);
    expect(r.code).toBe(0);
  });

  test('2 on input errors, with the file and line on stderr and nothing on stdout', async () => {
    const dir = tempTree({ 'ok.yaml': smallSetup(), 'bad.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [x\n  namespace: y\n' });
    for (const format of ['text', 'json']) {
      const r = await cli(['check', '--format', format, '.'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: bad\.yaml:\d+:\d+: .+$/m);
      expect(r.stderr).toContain('nothing was checked');
    }
  });

  test('2 for a missing path', async () => {
    const r = await cli(['check', 'does/not/exist.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: does/not/exist.yaml: no such file or directory');
  });
});

describe('--format json', () => {
  test('exactly the contract: diagnostics and status with stable keys and types', async () => {
    const r = await cli(['check', '--format', 'json', TYPO]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['diagnostics', 'status']);
    expect(out.diagnostics.length).toBeGreaterThan(0);
    for (const d of out.diagnostics) {
      expect(Object.keys(d)).toEqual(d.fix === undefined ? ['severity', 'code', 'message', 'object', 'field'] : ['severity', 'code', 'message', 'object', 'field', 'fix']);
      expect(['error', 'warning', 'info']).toContain(d.severity);
      for (const k of ['code', 'message', 'field']) expect(typeof d[k]).toBe('string');
      expect(Object.keys(d.object)).toEqual(d.object.namespace === undefined ? ['apiVersion', 'kind', 'name'] : ['apiVersion', 'kind', 'namespace', 'name']);
    }
    const typo = out.diagnostics.find((d: any) => d.code === 'NoMatchingParent');
    expect(typo).toEqual({
      severity: 'error',
      code: 'NoMatchingParent',
      message: expect.stringContaining('sectionName "htps" names no listener'),
      object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'typo-apps', name: 'api' },
      field: 'spec.parentRefs[0].sectionName',
      fix: expect.stringContaining('did you mean https?'),
    });
    for (const s of out.status) {
      expect(Object.keys(s)).toEqual(s.namespace === undefined ? ['apiVersion', 'kind', 'name', 'status'] : ['apiVersion', 'kind', 'namespace', 'name', 'status']);
    }
    const route = out.status.find((s: any) => s.kind === 'HTTPRoute');
    expect(route.status.parents[0]).toEqual({
      parentRef: expect.objectContaining({ name: 'gateway', namespace: 'typo-gateway', sectionName: 'htps' }),
      controllerName: 'cdk8s-gateway.dev/nginx-proxy',
      conditions: expect.arrayContaining([expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'NoMatchingParent' })]),
    });
    const gateway = out.status.find((s: any) => s.kind === 'Gateway');
    expect(Object.keys(gateway.status)).toEqual(expect.arrayContaining(['conditions', 'listeners']));
    expect(Object.keys(gateway.status.listeners[0]).sort()).toEqual(['attachedRoutes', 'conditions', 'name', 'supportedKinds']);
    expect(gateway.status.listeners[0].attachedRoutes).toBe(0);
  });

  test('a clean input has an empty diagnostics array and the status of every object', async () => {
    const out = JSON.parse((await cli(['check', '-f', 'json', SCENARIO_2])).stdout);
    expect(out.diagnostics).toEqual([]);
    expect(out.status.map((s: any) => `${s.kind} ${s.namespace}/${s.name}`)).toEqual(['Gateway cluster/default-gateway', 'HTTPRoute api/api', 'HTTPRoute cluster/https-redirect']);
  });

  test('checkJson: field is "" for whole-object diagnostics; cluster-scoped objects have no namespace; fix only when known', () => {
    const d: Diagnostic = { severity: 'warning', code: 'X', message: 'm', object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: 'c' } };
    expect(checkJson([d], [])).toEqual({ diagnostics: [{ severity: 'warning', code: 'X', message: 'm', object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: 'c' }, field: '' }], status: [] });
  });

  test('documents that are not Kubernetes objects are diagnostics in the JSON too', async () => {
    const dir = tempTree({ 'x.yaml': `${smallSetup()}---\nhello: world\n` });
    const r = await cli(['check', '-f', 'json', 'x.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout).diagnostics.find((x: any) => x.code === 'NotKubernetesObject');
    expect(d.message).toBe('document 4 of x.yaml (line 35) is not a Kubernetes object: apiVersion is missing, kind is missing, metadata.name is missing');
    expect(d.object).toEqual({ apiVersion: '', kind: '', name: '' });
  });
});

describe('text output', () => {
  test('one line per problem with file:line, code, object, field, message and fix; then the summary', async () => {
    const r = await cli(['check', TYPO]);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      'examples/yaml/mistakes/section-name-typo.yaml:54: error NoMatchingParent HTTPRoute typo-apps/api spec.parentRefs[0].sectionName: ' +
        'sectionName "htps" names no listener of Gateway typo-gateway/gateway (its listeners: https) — fix: did you mean https? set sectionName to one of https, or remove it to attach to every listener',
    );
    expect(lines[1]).toBe('1 error, 0 warnings (6 objects in 1 file)');
  });

  test('the summary counts objects and files of folders', async () => {
    const r = await cli(['check', SCENARIO_2]);
    expect(r.stdout).toBe('0 errors, 0 warnings (16 objects in 6 files)\n');
  });

  test('no colors unless asked; ANSI colors when the caller says stdout is a color terminal', async () => {
    expect((await cli(['check', TYPO])).stdout).not.toContain('\u001b[');
    const colored = (await cli(['check', TYPO], { color: true })).stdout;
    expect(colored).toContain('\u001b[31m');
    expect(colored.replace(/\u001b\[\d+m/g, '')).toBe((await cli(['check', TYPO])).stdout);
  });

  test('useColor: only a TTY without NO_COLOR', () => {
    expect(useColor(true, {})).toBe(true);
    expect(useColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(false, {})).toBe(false);
    expect(useColor(undefined, {})).toBe(false);
  });

  test('info diagnostics are hidden unless verbose', () => {
    const diagnostics: Diagnostic[] = [
      { severity: 'error', code: 'E', message: 'bad', object: { apiVersion: 'v1', kind: 'Service', namespace: 'a', name: 's' }, field: 'spec.ports', fix: 'do it' },
      { severity: 'info', code: 'I', message: 'fyi', object: { apiVersion: 'v1', kind: 'Service', namespace: 'a', name: 's' } },
    ];
    const r = { diagnostics, sourceOf: () => ({ file: 'f.yaml', document: 1, line: 3 }), input: { objects: [{}], files: ['f.yaml'] } as any };
    expect(formatCheckText(r, { verbose: false, color: false })).toBe(
      'f.yaml:3: error E Service a/s spec.ports: bad — fix: do it\n1 error, 0 warnings (1 object in 1 file); 1 info hidden (--verbose shows them)\n',
    );
    expect(formatCheckText(r, { verbose: true, color: false })).toBe(
      'f.yaml:3: error E Service a/s spec.ports: bad — fix: do it\nf.yaml:3: info I Service a/s: fyi\n1 error, 0 warnings, 1 info (1 object in 1 file)\n',
    );
  });

  test('a diagnostic without a known source has no location prefix', () => {
    const d: Diagnostic = { severity: 'warning', code: 'W', message: 'm', object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: 'c' } };
    expect(formatDiagnosticLine(d, undefined)).toBe('warning W GatewayClass c: m');
  });

  test('objects from stdin are located in <stdin>', async () => {
    const r = await cli(['check', '-'], { stdin: smallSetup('app', '-typo') });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<stdin>:22: error NoMatchingParent HTTPRoute app\/web /m);
  });

  test('--namespace is the namespace of objects without one', async () => {
    const yaml = smallSetup('x').replace(/\n  namespace: x/g, '');
    const r = await cli(['check', '-f', 'json', '-n', 'team', '-'], { stdin: yaml });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status.map((s: any) => s.namespace)).toEqual(['team', 'team']);
  });
});

describe('Gateways of other controllers', () => {
  const foreign = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: istio
spec:
  controllerName: istio.io/gateway-controller
---
${smallSetup().replace('gatewayClassName: cdk8s-gateway', 'gatewayClassName: istio')}`;

  test('without --controller-name every controller of the input is checked, as that controller would', async () => {
    const r = await cli(['check', '-f', 'json', '--external-namespace', 'app', '-'], { stdin: foreign.replace('    - name: gw\n', '    - name: gw\n      sectionName: nope\n') });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.diagnostics.map((d: any) => d.code)).toEqual(['NoMatchingParent']);
    expect(out.status.find((s: any) => s.kind === 'HTTPRoute').status.parents[0].controllerName).toBe('istio.io/gateway-controller');
    expect(out.status.find((s: any) => s.kind === 'GatewayClass' && s.name === 'istio').status.conditions[0].reason).toBe('Accepted');
  });

  test('with an explicit --controller-name, Gateways of other controllers are reported as not checked, not silently skipped', async () => {
    const r = await cli(['check', '--controller-name', 'cdk8s-gateway.dev/nginx-proxy', '-'], { stdin: foreign });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `warning ${OTHER_CONTROLLER} Gateway app/gw spec.gatewayClassName: GatewayClass istio is handled by istio.io/gateway-controller, not cdk8s-gateway.dev/nginx-proxy: this Gateway and the routes attached to it were not checked — fix: run with --controller-name istio.io/gateway-controller`,
    );
  });

  test('one route attached to Gateways of two controllers gets one parents entry per controller; each Gateway is checked by its own', async () => {
    const mixed = `${foreign}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: cdk8s-gateway
spec:
  controllerName: cdk8s-gateway.dev/nginx-proxy
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: edge
  namespace: app
spec:
  gatewayClassName: cdk8s-gateway
  listeners:
    - name: http
      port: 80
      protocol: HTTP
      hostname: other.example.com
`;
    const route = (y: string) => y.replace('    - name: gw\n', '    - name: gw\n    - name: edge\n');
    const r = await cli(['check', '-f', 'json', '-'], { stdin: route(mixed) });
    const out = JSON.parse(r.stdout);
    const parents = out.status.find((s: any) => s.kind === 'HTTPRoute').status.parents;
    expect(parents.map((p: any) => `${p.parentRef.name}:${p.controllerName}`).sort()).toEqual(['edge:cdk8s-gateway.dev/nginx-proxy', 'gw:istio.io/gateway-controller']);
    expect(out.status.filter((s: any) => s.kind === 'Gateway').map((s: any) => s.name)).toEqual(['edge', 'gw']);
    expect(out.diagnostics.map((d: any) => d.code)).not.toContain(OTHER_CONTROLLER);
  });

  test('--controller-name checks them as that controller would', async () => {
    const r = await cli(['check', '-f', 'json', '--external-namespace', 'app', '--controller-name', 'istio.io/gateway-controller', '-'], { stdin: foreign.replace('    - name: gw\n', '    - name: gw\n      sectionName: nope\n') });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.diagnostics.map((d: any) => d.code)).toEqual(['NoMatchingParent']);
    expect(out.status.find((s: any) => s.kind === 'HTTPRoute').status.parents[0].controllerName).toBe('istio.io/gateway-controller');
  });
});

describe('--assume-external', () => {
  const partial = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: team
spec:
  parentRefs:
    - name: shared-gateway
      namespace: infra
  rules:
    - backendRefs:
        - name: web
          port: 80
`;

  test('without it, references to objects missing from the input are reported', async () => {
    const r = await cli(['check', '-'], { stdin: partial });
    expect(r.stdout).toMatch(/^<stdin>:1: warning NoMatchingParent HTTPRoute team\/web /m);
  });

  test('with it, they are assumed to exist elsewhere: info diagnostics, hidden unless --verbose', async () => {
    // the parent Gateway, the backend Service and the namespace team
    const quiet = await cli(['check', '--assume-external', '-'], { stdin: partial });
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('0 errors, 0 warnings (1 object in 1 file); 3 info hidden (--verbose shows them)\n');
    const verbose = await cli(['check', '--assume-external', '--verbose', '-'], { stdin: partial });
    expect(verbose.stdout.split('\n').filter((l) => l.startsWith('<stdin>:1: info AssumedExternal HTTPRoute team/web '))).toHaveLength(3);
    expect(verbose.stdout).toMatch(/^0 errors, 0 warnings, 3 info \(1 object in 1 file\)$/m);
    const json = JSON.parse((await cli(['check', '--assume-external', '-f', 'json', '-'], { stdin: partial })).stdout);
    expect(json.diagnostics.map((d: any) => [d.severity, d.code, d.field])).toEqual([
      ['info', 'AssumedExternal', 'metadata.namespace'],
      ['info', 'AssumedExternal', 'spec.parentRefs[0]'],
      ['info', 'AssumedExternal', 'spec.rules[0].backendRefs[0]'],
    ]);
  });
});

describe('namespaces nothing in the input creates', () => {
  const namespace = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n---\n`;

  test('one NamespaceNotCreated warning per namespace in the JSON: object, field, namespace, count and fix', async () => {
    const r = await cli(['check', '-f', 'json', '-'], { stdin: smallSetup('app') });
    expect(r.code).toBe(0);
    const found = JSON.parse(r.stdout).diagnostics.filter((d: any) => d.code === 'NamespaceNotCreated');
    expect(found).toEqual([
      {
        severity: 'warning',
        code: 'NamespaceNotCreated',
        message: expect.stringMatching(/^namespace "app" is used by 3 objects: Gateway app\/gw, HTTPRoute app\/web, Service app\/web; .*namespaces "app" not found$/),
        object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: 'app', name: 'gw' },
        field: 'metadata.namespace',
        fix: expect.stringContaining('--external-namespace app'),
      },
    ]);
  });

  test('text output: the warning line, exit 0', async () => {
    const r = await cli(['check', '-'], { stdin: smallSetup('app') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<stdin>:1: warning NamespaceNotCreated Gateway app\/gw metadata\.namespace: namespace "app" is used by 3 objects/m);
    expect(r.stdout).toMatch(/^0 errors, 1 warning \(3 objects in 1 file\)$/m);
  });

  test('none for default and kube-system', async () => {
    for (const ns of ['default', 'kube-system']) {
      const r = await cli(['check', '-f', 'json', '-'], { stdin: smallSetup(ns) });
      expect(JSON.parse(r.stdout).diagnostics).toEqual([]);
    }
  });

  test('none when a Namespace of the input creates it', async () => {
    const r = await cli(['check', '-f', 'json', '-'], { stdin: namespace('app') + smallSetup('app') });
    expect(JSON.parse(r.stdout).diagnostics).toEqual([]);
  });

  test('none for --external-namespace (repeatable, or comma-separated)', async () => {
    const two = smallSetup('app') + '---\n' + smallSetup('web').replace(/name: gw/g, 'name: gw2');
    for (const flags of [['--external-namespace', 'app', '--external-namespace', 'web'], ['--external-namespace', 'app,web']]) {
      const r = await cli(['check', '-f', 'json', ...flags, '-'], { stdin: two });
      expect(JSON.parse(r.stdout).diagnostics.filter((d: any) => d.code === 'NamespaceNotCreated')).toEqual([]);
    }
  });

  test('--external-namespace with a value that is not a namespace name is a usage error', async () => {
    const r = await cli(['check', '--external-namespace', 'Not_A_Namespace', '-'], { stdin: smallSetup('app') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"Not_A_Namespace" is not a namespace name');
  });

  test('explain does not report it', async () => {
    const r = await cli(['explain', '-'], { stdin: smallSetup('app') });
    expect(r.stdout + r.stderr).not.toContain('NamespaceNotCreated');
  });
});

describe('cert-manager HTTP-01 through a Gateway of the built-in proxy', () => {
  // the challenge route cert-manager creates in the Certificate's namespace (apps) cannot attach
  // to a listener that admits routes only from its own namespace (gw): the certificate is never issued
  const yaml = (from: 'Same' | 'All') => `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: c }
spec: { controllerName: cdk8s-gateway.dev/nginx-proxy }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: web, namespace: gw }
spec:
  gatewayClassName: c
  listeners:
    - { name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: ${from} } } }
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: { name: le }
spec:
  acme:
    server: https://acme.invalid/directory
    privateKeySecretRef: { name: le-account }
    solvers:
      - http01: { gatewayHTTPRoute: { parentRefs: [{ name: web, namespace: gw, sectionName: http }] } }
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: { name: www, namespace: apps }
spec: { secretName: www-tls, dnsNames: [www.example.com], issuerRef: { name: le, kind: ClusterIssuer } }
`;

  test('a challenge the proxy would not route is a warning on the Certificate, with the fix', async () => {
    const dir = tempTree({ 'x.yaml': yaml('Same') });
    const r = await cli(['check', '--external-namespace', 'gw,apps', 'x.yaml'], { cwd: dir });
    expect(r.stdout).toMatch(/^x\.yaml:\d+: warning AcmeChallengeNotServed .*Certificate apps\/www.*www\.example\.com.*NotAllowedByListeners/m);
    expect(r.stdout).toMatch(/admit HTTPRoutes from namespace apps \(allowedRoutes\.namespaces\), or validate the name by DNS-01/);
    expect(r.code).toBe(0);
  });

  test('routed (the listener admits the namespace): no warning', async () => {
    const dir = tempTree({ 'x.yaml': yaml('All') });
    const r = await cli(['check', '--external-namespace', 'gw,apps', 'x.yaml'], { cwd: dir });
    expect(r.stdout).not.toMatch(/AcmeChallengeNotServed/);
    expect(r.code).toBe(0);
  });
});

describe('memory on large inputs', () => {
  test('the command bounds how far the heap grows between full collections while it runs (V8 --heap-growing-percent)', async () => {
    // (mocked: the flag is not set in the test process; the module object itself, which the
    // command's namespace import reads through)
    const spy = jest.spyOn(require('v8') as typeof import('v8'), 'setFlagsFromString').mockImplementation(() => undefined);
    try {
      expect((await cli(['check', SCENARIO_2])).code).toBe(0);
      // while it runs, then V8's default again (a code cache recorded afterwards must match a plain node)
      expect(spy.mock.calls).toEqual([['--heap-growing-percent=50'], ['--heap-growing-percent=0']]);
    } finally {
      spy.mockRestore();
    }
  });

  test('--format json is written in pieces, the same bytes as the whole document', async () => {
    const io = { stdout: () => undefined, stderr: () => undefined, cwd: ROOT };
    const r = (await loadAndResolve(['examples/yaml'], { checkNamespaces: true, modelRules: false }, io, true))!;
    // many statuses (more than one piece), none, and each list empty
    const many = Array.from({ length: 12000 }, (_, i) => ({ ...r.result.status[i % r.result.status.length], name: `s${i}` }));
    for (const [diagnostics, status] of [[r.diagnostics, r.result.status], [r.diagnostics, many], [r.diagnostics, []], [[], r.result.status], [[], []]] as const) {
      const pieces: string[] = [];
      writeCheckJson(diagnostics, status, (t) => pieces.push(t));
      expect(pieces.join('')).toBe(formatCheckJson(diagnostics, status));
      if (status === many) expect(pieces.length).toBeGreaterThan(1);
    }
  });

  test('without status (text output): the same diagnostics, no status computed', async () => {
    const io = { stdout: () => undefined, stderr: () => undefined, cwd: ROOT };
    for (const p of [SCENARIO_2, TYPO, 'examples/yaml']) {
      const opts = { checkNamespaces: true, modelRules: false };
      const full = (await loadAndResolve([p], opts, io, true))!;
      const lean = (await loadAndResolve([p], { ...opts, status: false }, io, true))!;
      expect(full.result.status.length).toBeGreaterThan(0);
      expect(lean.result.status).toEqual([]);
      expect(lean.diagnostics).toEqual(full.diagnostics);
      expect(lean.result.model).toEqual(full.result.model);
    }
  });
});
