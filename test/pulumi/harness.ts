/**
 * Pulumi unit-test harness: `pulumi.runtime.setMocks` plus a recorder on the mock resource
 * monitor.
 *
 * The mocks' `newResource` sees only type, name, inputs and provider. What the engine would
 * receive about ordering and parentage is in the RegisterResourceRequest itself, so the
 * harness wraps the mock monitor's `registerResource` (the object `setMocks` installs, reached
 * through `pulumi.runtime.getMonitor()`) and records, per registration, the request's
 * `parent` URN, its `dependencies` (the URNs of `dependsOn`, after the SDK expanded them —
 * exactly what `pulumi up` orders by), its `provider` reference and `importId`, next to the
 * deserialized inputs. Nothing here depends on SDK internals beyond the monitor interface
 * the real engine implements too.
 *
 * Call {@link installMocks} before importing any module that creates resources; each test
 * file runs in its own module registry (jest), so each file gets its own mocks.
 */
import * as pulumi from '@pulumi/pulumi';

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  readonly inputs: any;
  /** parent URN ('' for none) */
  readonly parent: string;
  /** URNs this resource waits for */
  readonly dependencies: readonly string[];
  /** provider reference `urn::id` ('' for the default provider) */
  readonly provider: string;
  readonly importId: string;
}

export interface MockOptions {
  /** Extra output state per resource (e.g. a Gateway's `status`), merged over the inputs. */
  readonly state?: (type: string, name: string, inputs: any) => Record<string, unknown> | undefined;
  readonly preview?: boolean;
}

export interface Recorder {
  readonly registered: Registered[];
  /** Clears the records (mocks stay installed). */
  reset(): void;
  byName(name: string): Registered;
  byUrn(urn: string): Registered;
  /** All URNs `r` waits for, directly or through other registrations (not through prerequisites' children). */
  closure(r: Registered): Set<string>;
}

export function installMocks(options: MockOptions = {}): Recorder {
  const inputs = new Map<string, any>();
  void pulumi.runtime.setMocks({
    newResource: (args) => {
      inputs.set(`${args.type}::${args.name}`, args.inputs);
      const id = args.inputs?.metadata?.name ? `${args.inputs.metadata.namespace ? `${args.inputs.metadata.namespace}/` : ''}${args.inputs.metadata.name}` : `${args.name}-id`;
      return { id, state: { ...args.inputs, ...(options.state?.(args.type, args.name, args.inputs) ?? {}) } };
    },
    call: (args) => args.inputs,
  }, 'project', 'stack', options.preview ?? false);
  const registered: Registered[] = [];
  const monitor = pulumi.runtime.getMonitor() as any;
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) =>
    original(req, (err: any, resp: any) => {
      if (!err) {
        registered.push({
          type: req.getType(),
          name: req.getName(),
          urn: resp.getUrn(),
          custom: req.getCustom(),
          inputs: inputs.get(`${req.getType()}::${req.getName()}`),
          parent: req.getParent(),
          dependencies: [...req.getDependenciesList()].sort(),
          provider: req.getProvider(),
          importId: req.getImportid(),
        });
      }
      callback(err, resp);
    });
  const byName = (name: string) => {
    const found = registered.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`expected one registration named ${name}, found ${found.length}: ${registered.map((r) => r.name).join(', ')}`);
    return found[0];
  };
  const byUrn = (urn: string) => {
    const r = registered.find((x) => x.urn === urn);
    if (!r) throw new Error(`no registration ${urn}`);
    return r;
  };
  return {
    registered,
    reset: () => registered.splice(0, registered.length),
    byName,
    byUrn,
    closure: (r) => {
      const out = new Set<string>();
      const todo = [...r.dependencies];
      while (todo.length > 0) {
        const u = todo.pop()!;
        if (out.has(u)) continue;
        out.add(u);
        const next = registered.find((x) => x.urn === u);
        if (next) todo.push(...next.dependencies);
      }
      return out;
    },
  };
}

/** Resolves when the Output has a value (or is unknown). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => { resolve(v); return v; }));
}

/** Waits until every resource's URN is known, i.e. every registration above has completed. */
export async function settle(resources: Iterable<pulumi.Resource>): Promise<void> {
  await Promise.all([...resources].map((r) => valueOf(r.urn)));
  // registrations complete in the callback that resolves the URN; let the recorder run
  await new Promise((r) => setImmediate(r));
}
