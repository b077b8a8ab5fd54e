import { buildDataplane, eachGatewayDataplane, eachGatewayInputs, inputsOf, InputsIndex } from '../../src/ir';
import type { GatewayIR } from '../../src/ir/types';
import { KubeObject } from '../../src/model';
import { renderEachGateway, renderNginx, RenderedGateway } from '../../src/render/nginx';
import { resolve } from '../../src/resolve';
import { conformanceCases, conformanceInput, tlsSecret } from './fixtures';

// the renderer embeds the material as text: any PEM-looking strings do
const pem = { cert: '-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n', key: '-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n' };

/** Every conformance case with more than one Gateway, or Secrets / CA bundles to embed. */
function inputs(): { name: string; objects: KubeObject[]; backends: Record<string, string> }[] {
  return conformanceCases().map((c) => ({ name: c.name, ...conformanceInput(c.manifests.flatMap((m) => m.documents), pem) }));
}

test('one Gateway at a time: the IR and inputs of buildDataplane, Gateway by Gateway', () => {
  let gateways = 0;
  for (const c of inputs()) {
    const { model } = resolve(c.objects, { schemaValidation: false });
    const all = buildDataplane(model, c.objects);
    const each = [...eachGatewayDataplane(model, c.objects)];
    expect(each.map((d) => d.gateways[0])).toEqual(all.gateways);
    // what it reads from the objects, read beforehand: the same items
    expect([...eachGatewayDataplane(model, eachGatewayInputs(model, c.objects))]).toEqual(each);
    for (const d of each) {
      expect(d.gateways).toHaveLength(1);
      expect(d.inputs).toEqual(inputsOf(d.gateways, c.objects));
    }
    gateways += each.length;
  }
  expect(gateways).toBeGreaterThan(100);
});

test('renderEachGateway emits what renderNginx(buildDataplane(…)) returns, in order', () => {
  let embedded = 0;
  for (const c of inputs()) {
    const { model } = resolve(c.objects, { schemaValidation: false });
    for (const opts of [{ backends: c.backends, embedSecrets: true }, { backends: c.backends, runtimeDir: '/run/gw', resolver: 'auto' }, {}]) {
      const expected = renderNginx(buildDataplane(model, c.objects), c.objects, opts);
      const got: RenderedGateway[] = [];
      expect(renderEachGateway(model, c.objects, opts, (g) => got.push(g))).toBe(expected.length);
      expect(got).toEqual(expected);
      // with what it reads from the objects read beforehand (the CLI, which lets the objects go)
      const detached: RenderedGateway[] = [];
      renderEachGateway(model, eachGatewayInputs(model, c.objects), opts, (g) => detached.push(g));
      expect(detached).toEqual(expected);
      embedded += got.filter((g) => Object.keys(g.files).some((f) => f.startsWith('secrets/') || f.startsWith('configmaps/'))).length;
    }
  }
  expect(embedded).toBeGreaterThan(0);
});

test('renderEachGateway checks the options before the first Gateway', () => {
  const c = inputs()[0];
  const { model } = resolve(c.objects, { schemaValidation: false });
  const emit = jest.fn();
  expect(() => renderEachGateway(model, c.objects, { backends: { 'x/y:1': 'not an address' } }, emit)).toThrow(/is not host:port/);
  expect(emit).not.toHaveBeenCalled();
});

test('InputsIndex: the last Secret / ConfigMap of a name wins, a later ConfigMap without ca.crt removes the bundle', () => {
  const ns = 'gateway-conformance-infra';
  // a case whose Gateways read both the Secret and the CA bundle replaced below
  let gateways: GatewayIR[] = [];
  const c = inputs().find((x) => {
    const ir = buildDataplane(resolve(x.objects, { schemaValidation: false }).model, x.objects);
    gateways = ir.gateways;
    return `${ns}/tls-validity-checks-ca-certificate` in ir.inputs!.caBundles && `${ns}/tls-validity-checks-certificate` in ir.inputs!.secrets;
  })!;
  expect(c).toBeDefined();
  const cm = (ca?: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'tls-validity-checks-ca-certificate', namespace: ns }, data: ca === undefined ? {} : { 'ca.crt': ca } });
  for (const extra of [[tlsSecret('tls-validity-checks-certificate', 'second', 'key2', ns)], [cm('another CA')], [cm()], [cm('x'), cm()], [cm(), cm('y')]]) {
    // (the IR of the case as it is: the material is looked up by name)
    const objects = [...c.objects, ...extra];
    const index = new InputsIndex(objects);
    for (const g of gateways) expect(index.of([g])).toEqual(inputsOf([g], objects));
    expect(index.of(gateways)).toEqual(inputsOf(gateways, objects));
  }
});
