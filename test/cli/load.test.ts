import * as fs from 'fs';
import * as path from 'path';
import { collectFiles, load, NOT_KUBERNETES_OBJECT, parseDocuments } from '../../src/cli/load';
import { tempTree } from './helpers';

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

describe('parseDocuments', () => {
  test('multi-document YAML, empty documents skipped, 1-based document index and start line', () => {
    const text = `# header comment\n${ns('a')}---\n---\n# only a comment\n---\n${ns('b')}`;
    const r = parseDocuments(text, 'x.yaml');
    expect(r.errors).toEqual([]);
    expect(r.diagnostics).toEqual([]);
    expect(r.objects.map((o) => [o.object.metadata.name, o.source])).toEqual([
      ['a', { file: 'x.yaml', document: 1, line: 2 }],
      ['b', { file: 'x.yaml', document: 4, line: 10 }],
    ]);
  });

  test('kind: List and *List objects are flattened into their items (nested too), with item lines', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: Namespace',
      '    metadata: {name: one}',
      '  - apiVersion: v1',
      '    kind: ServiceList',
      '    items:',
      '      - {apiVersion: v1, kind: Service, metadata: {name: two, namespace: one}}',
      '---',
      'apiVersion: gateway.networking.k8s.io/v1',
      'kind: HTTPRouteList',
      'items:',
      '  - {apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: three}}',
      '',
    ].join('\n');
    const r = parseDocuments(text, 'list.yaml');
    expect(r.errors).toEqual([]);
    expect(r.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}@${o.source.document}:${o.source.line}#${o.source.item}`)).toEqual([
      'Namespace/one@1:4#0',
      'Service/two@1:7#0',
      'HTTPRoute/three@2:15#0',
    ]);
  });

  test('JSON is read as YAML', () => {
    const r = parseDocuments(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'j' } }), 'x.json');
    expect(r.objects.map((o) => o.object.metadata.name)).toEqual(['j']);
  });

  test('invalid YAML is an input error naming file, line and column', () => {
    const text = `${ns('a')}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  labels: {a: 1\n`;
    const r = parseDocuments(text, 'dir/bad.yaml');
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0].location).toMatch(/^dir\/bad\.yaml:\d+:\d+$/);
    const line = Number(r.errors[0].location.split(':')[1]);
    expect(line).toBeGreaterThanOrEqual(10);
    expect(r.errors[0].message).not.toContain('\n');
  });

  test('duplicate keys are a YAML error with their position', () => {
    const r = parseDocuments('apiVersion: v1\nkind: Namespace\nkind: Service\n', 'dup.yaml');
    expect(r.errors).toEqual([{ location: 'dup.yaml:3:1', message: 'Map keys must be unique' }]);
  });

  test('documents that are not Kubernetes objects are NotKubernetesObject errors naming file and document', () => {
    const text = 'foo: bar\n---\n- 1\n---\njust a string\n---\napiVersion: v1\nkind: Service\nmetadata: {}\n';
    const r = parseDocuments(text, 'misc.yaml');
    expect(r.objects).toEqual([]);
    expect(r.diagnostics.map((d) => [d.source.document, d.source.line, d.diagnostic.severity, d.diagnostic.code])).toEqual([
      [1, 1, 'error', NOT_KUBERNETES_OBJECT],
      [2, 3, 'error', NOT_KUBERNETES_OBJECT],
      [3, 5, 'error', NOT_KUBERNETES_OBJECT],
      [4, 7, 'error', NOT_KUBERNETES_OBJECT],
    ]);
    const [first, seq, , noName] = r.diagnostics.map((d) => d.diagnostic);
    expect(first.message).toBe('document 1 of misc.yaml (line 1) is not a Kubernetes object: apiVersion is missing, kind is missing, metadata.name is missing');
    expect(seq.message).toContain('it is a sequence, not a mapping');
    expect(noName.object).toEqual({ apiVersion: 'v1', kind: 'Service', name: '' });
    expect(noName.fix).toBeDefined();
  });

  test('a List item that is not an object names the item', () => {
    const r = parseDocuments('apiVersion: v1\nkind: List\nitems:\n  - kind: Service\n', 'l.yaml');
    expect(r.diagnostics[0].diagnostic.message).toMatch(/^item 0 of document 1 of l\.yaml \(line 4\)/);
  });
});

describe('load', () => {
  test('folders are read recursively in sorted order; only .yaml/.yml/.json; dot entries skipped', async () => {
    const dir = tempTree({
      'b.yaml': ns('b'),
      'a/z.yml': ns('az'),
      'a/y.json': JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ay' } }),
      'a/readme.md': 'not read',
      'c/d/e.yaml': ns('cde'),
      '.git/config.yaml': ns('hidden'),
      '.hidden.yaml': ns('hidden2'),
      'notes.txt': 'foo: [',
    });
    const r = await load(['.'], { cwd: dir });
    expect(r.errors).toEqual([]);
    expect(r.files).toEqual(['a/y.json', 'a/z.yml', 'b.yaml', 'c/d/e.yaml']);
    expect(r.objects.map((o) => o.object.metadata.name)).toEqual(['ay', 'az', 'b', 'cde']);
  });

  test('display names keep the path as given; files named twice are read once; explicit files of any extension are read', async () => {
    const dir = tempTree({ 'm/x.yaml': ns('x'), 'm/manifest.txt': ns('t') });
    const r = await load(['m', 'm/x.yaml', 'm/manifest.txt'], { cwd: dir });
    expect(r.files).toEqual(['m/x.yaml', 'm/manifest.txt']);
    expect(r.objects.map((o) => o.source.file)).toEqual(['m/x.yaml', 'm/manifest.txt']);
  });

  test('a missing path and an invalid file are input errors', async () => {
    const dir = tempTree({ 'bad.yaml': 'a: [1,\n', 'good.yaml': ns('g') });
    const r = await load(['nope', 'bad.yaml', 'good.yaml'], { cwd: dir });
    expect(r.errors.map((e) => e.location)).toEqual(['nope', 'bad.yaml:2:1']);
    expect(r.errors[0].message).toBe('no such file or directory');
    expect(r.objects.map((o) => o.object.metadata.name)).toEqual(['g']);
  });

  test('- reads standard input (once)', async () => {
    const r = await load(['-', '-'], { cwd: '.', readStdin: async () => ns('from-stdin') });
    expect(r.files).toEqual(['<stdin>']);
    expect(r.objects[0].source).toEqual({ file: '<stdin>', document: 1, line: 1 });
  });

  test('symlink loops do not hang the walk', () => {
    const dir = tempTree({ 'x/a.yaml': ns('a') });
    try {
      fs.symlinkSync(path.join(dir, 'x'), path.join(dir, 'x', 'loop'));
    } catch {
      return; // no symlinks on this file system
    }
    const r = collectFiles('x', dir);
    expect(r.files.map((f) => f.display)).toEqual(['x/a.yaml']);
  });
});
