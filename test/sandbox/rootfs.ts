/**
 * The root file system the sandboxed proxy container runs on: a minimal Debian (debootstrap
 * `--variant=minbase`) carrying Debian's nginx and its stream module, in
 * `.tmp/sandbox/rootfs-<suite>/`.
 *
 * - idempotent: a marker file (`.cdk8s-sandbox-rootfs.json`, holding the nginx version) is written
 *   only after a successful build, and the finished tree is renamed into place;
 * - safe against several jest workers (or checkouts' scripts) building at once: a lock directory
 *   `rootfs-<suite>.lock` holding the builder's pid and start time (a lock whose builder is gone is
 *   taken over);
 * - rebuildable: `ensureRootfs({ rebuild: true })` or `scripts/sandbox-rootfs.ts --rebuild`.
 *
 * The Debian mirror is read at run time from this machine's apt configuration (or
 * `SANDBOX_DEBIAN_MIRROR`); no mirror is named here.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findCommand, identityAlive, isRoot, mustFind, removeTree, sandboxStateDir, selfIdentity, sleep } from './host';

/** What the image would carry: nginx, its stream module (a loadable module in Debian), CA certificates. */
export const DEFAULT_PACKAGES: readonly string[] = ['nginx', 'libnginx-mod-stream', 'ca-certificates'];

/** The default suite: sid carries nginx 1.30.x (trixie: 1.26.x). */
export const DEFAULT_SUITE = process.env.SANDBOX_SUITE ?? 'sid';

const MARKER = '.cdk8s-sandbox-rootfs.json';

/** Contents of the marker file of a finished root file system. */
export interface RootfsMarker {
  readonly suite: string;
  readonly nginx: string;
  readonly packages: readonly string[];
  readonly builtAt: string;
  readonly buildSeconds: number;
  readonly bytes: number;
}

export interface RootfsOptions {
  /** Debian suite. @default 'sid' (or SANDBOX_SUITE) */
  readonly suite?: string;
  /** Target directory. @default `.tmp/sandbox/rootfs-<suite>` */
  readonly dir?: string;
  /** Packages to include. @default DEFAULT_PACKAGES */
  readonly packages?: readonly string[];
  /** Debian mirror URI. @default - this machine's apt configuration (see {@link debianMirror}) */
  readonly mirror?: string;
  /** Delete an existing root file system and build it again. @default false */
  readonly rebuild?: boolean;
  /** Progress lines. @default - none */
  readonly log?: (line: string) => void;
  /** How long to wait for another process's build. @default 20 minutes */
  readonly lockTimeoutMs?: number;
}

export function rootfsDir(suite: string = DEFAULT_SUITE): string {
  return path.join(sandboxStateDir(), `rootfs-${suite}`);
}

/** The marker of a finished root file system, or undefined. */
export function rootfsReady(dir: string): RootfsMarker | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')) as RootfsMarker;
    return typeof m.nginx === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** One `deb` source of the apt configuration. */
export interface AptSource {
  readonly file: string;
  readonly uris: readonly string[];
  readonly suites: readonly string[];
  readonly components: readonly string[];
}

/** The `deb` sources of this machine's apt configuration (one-line and deb822 formats). */
export function aptSources(etcApt = '/etc/apt'): AptSource[] {
  const files: string[] = [];
  if (fs.existsSync(path.join(etcApt, 'sources.list'))) files.push(path.join(etcApt, 'sources.list'));
  const d = path.join(etcApt, 'sources.list.d');
  if (fs.existsSync(d)) {
    for (const f of fs.readdirSync(d).sort()) if (f.endsWith('.list') || f.endsWith('.sources')) files.push(path.join(d, f));
  }
  const out: AptSource[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const fields: Record<string, string> = {};
        let last = '';
        for (const raw of stanza.split('\n')) {
          if (raw.startsWith('#')) continue;
          if (/^\s/.test(raw) && last) {
            fields[last] += ` ${raw.trim()}`;
            continue;
          }
          const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
          if (m) {
            last = m[1].toLowerCase();
            fields[last] = m[2];
          }
        }
        const words = (k: string) => (fields[k] ?? '').split(/\s+/).filter(Boolean);
        if (!words('types').includes('deb') || /^(no|false)$/i.test(fields.enabled ?? '')) continue;
        out.push({ file, uris: words('uris'), suites: words('suites'), components: words('components') });
      }
    } else {
      for (const raw of text.split('\n')) {
        const line = raw.replace(/#.*$/, '').trim();
        if (!line) continue;
        const t = line.split(/\s+/);
        if (t[0] !== 'deb') continue;
        let i = 1;
        if (t[i]?.startsWith('[')) {
          while (i < t.length && !t[i].endsWith(']')) i++;
          i++;
        }
        if (t.length < i + 2) continue;
        out.push({ file, uris: [t[i]], suites: [t[i + 1]], components: t.slice(i + 2) });
      }
    }
  }
  return out;
}

const DEBIAN_SUITES = new Set(['sid', 'unstable', 'testing', 'stable', 'oldstable', 'forky', 'trixie', 'bookworm', 'bullseye', 'buster', 'duke']);

function hostCodename(): string | undefined {
  try {
    return /^VERSION_CODENAME=(.*)$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1]?.replace(/"/g, '');
  } catch {
    return undefined;
  }
}

/**
 * The Debian archive mirror of this machine: `SANDBOX_DEBIAN_MIRROR`, else the first apt `deb`
 * source whose suite is a Debian release (not -security/-updates/-backports) with the `main`
 * component.
 */
export function debianMirror(etcApt = '/etc/apt'): string {
  if (process.env.SANDBOX_DEBIAN_MIRROR) return process.env.SANDBOX_DEBIAN_MIRROR;
  const codename = hostCodename();
  const sources = aptSources(etcApt);
  for (const s of sources) {
    if (!s.components.includes('main')) continue;
    if (!s.suites.some((x) => (x === codename || DEBIAN_SUITES.has(x)) && !x.includes('/'))) continue;
    const uri = s.uris.find((u) => /^https?:\/\//.test(u) && !/security/.test(u));
    if (uri) return uri;
  }
  throw new Error(
    `sandbox: no Debian archive among this machine's apt sources (${sources.map((s) => `${s.file}: ${s.uris.join(' ')} ${s.suites.join(' ')}`).join('; ') || 'none'}); set SANDBOX_DEBIAN_MIRROR`,
  );
}

/** The nginx version inside a root file system ("1.30.6"), from `nginx -v` run in it. */
export function nginxVersion(rootfs: string): string {
  const args = ['--unshare-all', '--die-with-parent', '--ro-bind', rootfs, '/', '--proc', '/proc', '--dev', '/dev', '--clearenv', '--setenv', 'PATH', '/usr/sbin:/usr/bin:/sbin:/bin', '--', 'nginx', '-v'];
  const r = spawnSync(mustFind('bwrap'), args, { encoding: 'utf8', timeout: 30000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const m = /nginx version: nginx\/(\d+\.\d+\.\d+)/.exec(out);
  if (!m) throw new Error(`sandbox: no nginx version from nginx -v in ${rootfs}: ${out || r.error?.message}`);
  return m[1];
}

function duBytes(dir: string): number {
  const r = spawnSync(mustFind('du'), ['-sb', dir], { encoding: 'utf8' });
  return Number((r.stdout ?? '0').split(/\s/)[0]) || 0;
}

/** What is missing on this machine to build a root file system (empty when nothing). */
export function rootfsBuildPrerequisites(): string[] {
  const missing: string[] = [];
  if (!isRoot()) missing.push('root (debootstrap)');
  for (const c of ['debootstrap', 'bwrap', 'chroot']) if (!findCommand(c)) missing.push(c);
  return missing;
}

/**
 * The root file system of `suite`, built first when needed (minutes: run
 * `scripts/sandbox-rootfs.ts` once before the tests). Returns its directory.
 */
export async function ensureRootfs(options: RootfsOptions = {}): Promise<string> {
  const suite = options.suite ?? DEFAULT_SUITE;
  const dir = path.resolve(options.dir ?? rootfsDir(suite));
  const log = options.log ?? (() => undefined);
  const lock = `${dir}.lock`;
  const deadline = Date.now() + (options.lockTimeoutMs ?? 20 * 60000);
  let rebuild = options.rebuild ?? false;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  for (;;) {
    if (!rebuild && rootfsReady(dir)) return dir;
    try {
      fs.mkdirSync(lock);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = '';
      try {
        owner = fs.readFileSync(path.join(lock, 'owner'), 'utf8');
      } catch {
        /* being written */
      }
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if ((owner && !identityAlive(owner)) || (!owner && age > 60000)) {
        log(`taking over the stale lock ${lock} (${owner.trim() || 'no owner'})`);
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`sandbox: timed out waiting for the root file system build of ${owner.trim()} (${lock})`);
      await sleep(1000);
      continue;
    }
    try {
      fs.writeFileSync(path.join(lock, 'owner'), selfIdentity());
      if (rebuild) {
        log(`removing ${dir}`);
        removeTree(dir);
        rebuild = false;
      }
      if (rootfsReady(dir)) return dir;
      await build(suite, dir, options, log);
      return dir;
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
}

async function build(suite: string, dir: string, options: RootfsOptions, log: (line: string) => void): Promise<void> {
  const missing = rootfsBuildPrerequisites();
  if (missing.length) throw new Error(`sandbox: cannot build the root file system (missing: ${missing.join(', ')})`);
  const packages = options.packages ?? DEFAULT_PACKAGES;
  const mirror = options.mirror ?? debianMirror();
  const tmp = `${dir}.build`;
  const logFile = `${dir}.log`;
  removeTree(tmp);
  if (fs.existsSync(dir)) removeTree(dir); // a tree without a marker: an interrupted or damaged build
  const started = Date.now();
  log(`debootstrap --variant=minbase --include=${packages.join(',')} ${suite} (mirror from the apt configuration; log: ${path.relative(process.cwd(), logFile)})`);
  const out = fs.openSync(logFile, 'w');
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(mustFind('debootstrap'), ['--variant=minbase', `--include=${packages.join(',')}`, suite, tmp, mirror], {
        stdio: ['ignore', out, out],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
      });
      child.on('error', reject);
      child.on('exit', (c, s) => resolve(c ?? (s ? 128 : 1)));
    });
    if (code !== 0) {
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n');
      throw new Error(`sandbox: debootstrap of ${suite} failed (exit ${code}):\n${tail}`);
    }
    finish(tmp);
    const nginx = nginxVersion(tmp);
    const marker: RootfsMarker = {
      suite,
      nginx,
      packages: [...packages],
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 1000),
      bytes: duBytes(tmp),
    };
    fs.writeFileSync(path.join(tmp, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    fs.renameSync(tmp, dir);
    log(`built ${dir}: nginx ${nginx}, ${(marker.bytes / 2 ** 20).toFixed(0)} MiB in ${marker.buildSeconds}s`);
  } catch (e) {
    removeTree(tmp);
    throw e;
  } finally {
    fs.closeSync(out);
  }
}

/** Makes the tree look like the image: its nginx user (101), no host leftovers, no package caches. */
function finish(root: string): void {
  const passwd = fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8');
  const group = fs.readFileSync(path.join(root, 'etc/group'), 'utf8');
  const taken = (text: string) => text.split('\n').some((l) => l.split(':')[2] === '101' || l.startsWith('nginx:'));
  // the official nginx image runs its workers as nginx (uid/gid 101); the pod runs as 101 too
  if (!taken(group)) {
    const r = spawnSync(mustFind('chroot'), [root, 'groupadd', '--system', '--gid', '101', 'nginx'], { encoding: 'utf8' });
    if (r.status !== 0) fs.appendFileSync(path.join(root, 'etc/group'), 'nginx:x:101:\n');
  }
  if (!taken(passwd)) {
    const r = spawnSync(mustFind('chroot'), [root, 'useradd', '--system', '--uid', '101', '--gid', '101', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/false', '--comment', 'nginx user', 'nginx'], { encoding: 'utf8' });
    if (r.status !== 0) fs.appendFileSync(path.join(root, 'etc/passwd'), 'nginx:x:101:101:nginx user:/nonexistent:/bin/false\n');
  }
  // the container runtime provides these (kubelet's resolv.conf, hosts, hostname): no host copies
  for (const f of ['etc/resolv.conf', 'etc/hostname']) {
    const p = path.join(root, f);
    if (fs.lstatSync(p, { throwIfNoEntry: false })) {
      fs.rmSync(p, { force: true });
      fs.writeFileSync(p, '');
    }
  }
  for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
    const p = path.join(root, d);
    if (!fs.existsSync(p)) continue;
    for (const f of fs.readdirSync(p)) {
      if (f === 'partial' || f === 'lock') continue;
      fs.rmSync(path.join(p, f), { recursive: true, force: true });
    }
  }
}
