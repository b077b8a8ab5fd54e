/**
 * The "cluster state" a sandboxed pod reads: ConfigMaps and Secrets by namespace/name, and
 * kubelet's atomic writer that projects them into volume directories.
 */
import * as fs from 'fs';
import * as path from 'path';

type Json = Record<string, any>;

export type ObjectKind = 'ConfigMap' | 'Secret';

/** A change of the cluster state; pods watching it resync their volumes. */
export type ClusterListener = (kind: ObjectKind, namespace: string, name: string) => Promise<void> | void;

/** Values of a ConfigMap or Secret as a pod reads them (Secret data decoded). */
export type Values = Readonly<Record<string, Buffer>>;

function toBuffers(data: Readonly<Record<string, string | Buffer>>): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(data)) out[k] = Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
  return out;
}

/**
 * ConfigMaps and Secrets by namespace/name. Built from synthesized objects (Secret `data` is
 * base64 as in the API, `stringData` plain; ConfigMap `data` plain, `binaryData` base64); changed
 * with {@link setSecret} & co, whose promises resolve once every running pod that mounts the
 * object has applied the change to its volumes.
 */
export class Cluster {
  private readonly store = new Map<string, Values>();
  private readonly listeners = new Set<ClusterListener>();

  constructor(objects: readonly Json[] = []) {
    for (const o of objects) this.addObject(o);
  }

  /** Adds a ConfigMap or Secret object in API form (other kinds are ignored). */
  addObject(o: Json): void {
    if (!o || o.apiVersion !== 'v1' || (o.kind !== 'ConfigMap' && o.kind !== 'Secret')) return;
    const ns = o.metadata?.namespace ?? 'default';
    const name = o.metadata?.name;
    const values: Record<string, Buffer> = {};
    if (o.kind === 'Secret') {
      for (const [k, v] of Object.entries(o.data ?? {})) values[k] = Buffer.from(String(v), 'base64');
      for (const [k, v] of Object.entries(o.stringData ?? {})) values[k] = Buffer.from(String(v), 'utf8');
    } else {
      for (const [k, v] of Object.entries(o.data ?? {})) values[k] = Buffer.from(String(v), 'utf8');
      for (const [k, v] of Object.entries(o.binaryData ?? {})) values[k] = Buffer.from(String(v), 'base64');
    }
    this.store.set(key(o.kind, ns, name), values);
  }

  get(kind: ObjectKind, namespace: string, name: string): Values | undefined {
    return this.store.get(key(kind, namespace, name));
  }

  getSecret(namespace: string, name: string): Values | undefined {
    return this.get('Secret', namespace, name);
  }

  getConfigMap(namespace: string, name: string): Values | undefined {
    return this.get('ConfigMap', namespace, name);
  }

  /** Creates or replaces a Secret with these (decoded) values. */
  setSecret(namespace: string, name: string, data: Readonly<Record<string, string | Buffer>>): Promise<void> {
    return this.put('Secret', namespace, name, toBuffers(data));
  }

  deleteSecret(namespace: string, name: string): Promise<void> {
    return this.put('Secret', namespace, name, undefined);
  }

  /** Creates or replaces a ConfigMap with these values. */
  setConfigMap(namespace: string, name: string, data: Readonly<Record<string, string | Buffer>>): Promise<void> {
    return this.put('ConfigMap', namespace, name, toBuffers(data));
  }

  deleteConfigMap(namespace: string, name: string): Promise<void> {
    return this.put('ConfigMap', namespace, name, undefined);
  }

  /** Calls `fn` on every change; returns the unsubscribe function. */
  watch(fn: ClusterListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private async put(kind: ObjectKind, namespace: string, name: string, values: Values | undefined): Promise<void> {
    if (values) this.store.set(key(kind, namespace, name), values);
    else this.store.delete(key(kind, namespace, name));
    await Promise.all([...this.listeners].map((l) => l(kind, namespace, name)));
  }
}

function key(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** One file of a volume payload. */
export interface PayloadFile {
  readonly data: Buffer;
  readonly mode: number;
}

export type Payload = Readonly<Record<string, PayloadFile>>;

/** Thrown when a volume cannot be set up: the pod would stay in ContainerCreating. */
export class VolumeSetupError extends Error {}

/**
 * kubelet's payload of a configMap / secret volume source: all keys (or the listed `items`), each
 * with its mode (`item.mode`, else `defaultMode`, else 0644). A listed key that is missing fails
 * the setup unless the source is optional.
 */
export function makePayload(source: Json, values: Values | undefined, what: string): Payload {
  const defaultMode: number = source.defaultMode ?? 0o644;
  const out: Record<string, PayloadFile> = {};
  if (!values) return out;
  if (Array.isArray(source.items) && source.items.length) {
    for (const item of source.items) {
      const v = values[item.key];
      if (!v) {
        if (source.optional) continue;
        throw new VolumeSetupError(`${what} references non-existent key: ${item.key}`);
      }
      out[item.path] = { data: v, mode: item.mode ?? defaultMode };
    }
  } else {
    for (const [k, v] of Object.entries(values)) out[k] = { data: v, mode: defaultMode };
  }
  return out;
}

/** Ownership applied after each write, as kubelet's SetVolumeOwnership does with an fsGroup. */
export interface VolumeOwnership {
  readonly fsGroup: number;
  /** Read-only volume types (configMap, secret) get g+r, others g+rw. */
  readonly readOnly: boolean;
}

/**
 * kubelet's SetVolumeOwnership: every entry's group becomes the fsGroup (symlinks included,
 * with lchown); files get g+r (read-only volumes) or g+rw; directories also g+x and setgid.
 */
export function setVolumeOwnership(dir: string, o: VolumeOwnership): void {
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    fs.lchownSync(p, st.uid, o.fsGroup);
    if (st.isSymbolicLink()) return;
    let mask = o.readOnly ? 0o440 : 0o660;
    if (st.isDirectory()) mask |= 0o2000 | 0o110;
    fs.chmodSync(p, (st.mode & 0o7777) | mask);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(dir);
}

const DATA = '..data';
const DATA_TMP = '..data_tmp';

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** `..2026_12_05_10_00_00.` + random digits, as kubelet's MkdirTemp of Go's "..2006_01_02_15_04_05." pattern. */
function tsDirName(): string {
  const d = new Date();
  return `..${d.getUTCFullYear()}_${two(d.getUTCMonth() + 1)}_${two(d.getUTCDate())}_${two(d.getUTCHours())}_${two(d.getUTCMinutes())}_${two(d.getUTCSeconds())}.${Math.floor(Math.random() * 2 ** 32)}`;
}

function checkPath(p: string): void {
  if (!p || path.isAbsolute(p) || p.split('/').some((c) => c === '..' || c === '') || p.startsWith('..')) {
    throw new VolumeSetupError(`invalid path in a volume payload: ${JSON.stringify(p)}`);
  }
}

/**
 * kubelet's AtomicWriter: the payload lives in a timestamped directory `..<UTC time>.<random>`;
 * `..data` is a symlink to it; each top-level entry is a symlink `name -> ..data/name`. An update
 * writes a new timestamped directory, points a new `..data_tmp` symlink at it and renames that
 * over `..data` (one atomic switch), adds/removes the top-level symlinks, then removes the old
 * directory. An unchanged payload (content and modes) writes nothing.
 */
export function atomicWrite(dir: string, payload: Payload, setPerms?: () => void): boolean {
  for (const p of Object.keys(payload)) checkPath(p);
  const dataLink = path.join(dir, DATA);
  let oldTs: string | undefined;
  try {
    oldTs = fs.readlinkSync(dataLink);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const oldPaths = oldTs ? listFiles(path.join(dir, oldTs)) : [];
  let write = true;
  if (oldTs) {
    write = oldPaths.length !== Object.keys(payload).length;
    if (!write) {
      for (const [p, f] of Object.entries(payload)) {
        const old = path.join(dir, oldTs, p);
        const st = fs.lstatSync(old, { throwIfNoEntry: false });
        if (!st || !st.isFile() || (st.mode & 0o777) !== (f.mode & 0o777) || !fs.readFileSync(old).equals(f.data)) {
          write = true;
          break;
        }
      }
    }
  }
  // paths of the old payload that the new one does not have (and their parents), for the top-level symlinks
  const newTop = new Set(Object.keys(payload).map((p) => p.split('/')[0]));
  const topToRemove = [...new Set(oldPaths.map((p) => p.split('/')[0]))].filter((t) => !newTop.has(t));
  if (write) {
    const ts = tsDirName();
    const tsPath = path.join(dir, ts);
    fs.mkdirSync(tsPath);
    fs.chmodSync(tsPath, 0o755);
    for (const [p, f] of Object.entries(payload)) {
      const full = path.join(tsPath, p);
      fs.mkdirSync(path.dirname(full), { recursive: true, mode: 0o755 });
      fs.writeFileSync(full, f.data, { mode: f.mode });
      fs.chmodSync(full, f.mode);
    }
    // kubelet sets the ownership of the whole volume here, before the switch
    setPerms?.();
    const tmp = path.join(dir, DATA_TMP);
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(ts, tmp);
    fs.renameSync(tmp, dataLink);
    for (const top of newTop) {
      const visible = path.join(dir, top);
      if (!fs.lstatSync(visible, { throwIfNoEntry: false })) fs.symlinkSync(path.join(DATA, top), visible);
    }
  }
  for (const top of topToRemove) fs.rmSync(path.join(dir, top), { force: true });
  if (write && oldTs) fs.rmSync(path.join(dir, oldTs), { recursive: true, force: true });
  return write;
}

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const full = path.join(root, rel);
    const st = fs.lstatSync(full, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) for (const e of fs.readdirSync(full)) walk(rel ? `${rel}/${e}` : e);
    else if (rel) out.push(rel);
  };
  walk('');
  return out;
}
