import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { KubeObject } from '../src/model';
import { hasSchema, validateObject } from '../src/validate';

/** A fresh app + chart (no namespace) for a test. */
export function newChart(namespace?: string): { app: App; chart: Chart } {
  const app = new App({ outdir: '.tmp/test-out' });
  const chart = new Chart(app, 'test', namespace ? { namespace } : {});
  return { app, chart };
}

/**
 * Synthesizes the whole app the way `app.synth()` does (validation included) and returns
 * the objects. Every object with a bundled CRD schema is also asserted to validate against
 * the standard-channel schema (strict fields, CEL rules), so each test doubles as a CRD check.
 */
export function synth(app: App, options: { channel?: 'standard' | 'experimental' } = {}): KubeObject[] {
  const yaml = app.synthYaml();
  const objects = YAML.parseAllDocuments(yaml).map((d) => d.toJSON() as KubeObject).filter((o) => o);
  for (const obj of objects) {
    if (!hasSchema(obj.apiVersion, obj.kind)) continue;
    const violations = validateObject(obj, { channel: options.channel ?? 'standard' });
    if (violations.length) {
      throw new Error(`${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name} violates its CRD:\n${violations.map((v) => `  ${v.field}: ${v.message}`).join('\n')}`);
    }
  }
  return objects;
}

/** The synth error message (or fails the test when synth succeeds). */
export function synthError(app: App): string {
  try {
    app.synthYaml();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synth to fail, but it succeeded');
}

export function find(objects: KubeObject[], kind: string, name: string, namespace?: string): any {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!o) throw new Error(`no ${kind} ${namespace ?? '*'}/${name} among: ${objects.map((x) => `${x.kind} ${x.metadata.namespace ?? ''}/${x.metadata.name}`).join(', ')}`);
  return o;
}
