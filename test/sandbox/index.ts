/**
 * The sandbox rig: run a synthesized pod's container under bubblewrap on a Debian root file system
 * with kubelet's volume semantics, in its own network namespace. See README.md beside this file.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { findCommand, isRoot } from './host';
import { DEFAULT_SUITE, ensureRootfs, rootfsDir, rootfsReady } from './rootfs';

export { Cluster, atomicWrite, makePayload, setVolumeOwnership } from './cluster';
export type { Values, Payload } from './cluster';
export { startDns } from './dns';
export type { DnsServer, DnsMode } from './dns';
export { startBackend, httpRequest } from './backend';
export type { Backend, EchoReply, HttpReply } from './backend';
export { createPodNetwork } from './net';
export type { PodNetwork } from './net';
export { startPod, imageConfigFor, NGINX_IMAGE_CONFIG, expandVars, resolveInRoot } from './pod';
export type { Pod, StartPodOptions, ExitInfo, ExecResult, ProbeResult, PodProcess, TerminationReport, ImageConfig } from './pod';
export { ensureRootfs, nginxVersion, rootfsDir, rootfsReady, debianMirror, aptSources, DEFAULT_SUITE } from './rootfs';

/** Timeout for a `beforeAll` that may build the root file system (about a minute; minutes on a slow mirror). */
export const ROOTFS_TIMEOUT_MS = 20 * 60 * 1000;

let cached: string[] | undefined;

/** What this machine lacks for the rig (empty when nothing). */
export function sandboxPrerequisites(suite: string = DEFAULT_SUITE): string[] {
  if (cached) return cached;
  const missing: string[] = [];
  if (process.platform !== 'linux') missing.push('Linux');
  if (!isRoot()) missing.push('root (network namespaces, mounts)');
  for (const c of ['bwrap', 'ip', 'nsenter', 'setpriv', 'mount', 'umount', 'mkfifo']) if (!findCommand(c)) missing.push(c);
  if (!rootfsReady(rootfsDir(suite)) && (!findCommand('debootstrap') || !findCommand('chroot'))) missing.push(`debootstrap (or an already built ${rootfsDir(suite)})`);
  try {
    if (!/\boverlay\b/.test(fs.readFileSync('/proc/filesystems', 'utf8'))) missing.push('overlayfs');
  } catch {
    /* not Linux */
  }
  if (!missing.length) {
    // unprivileged user namespaces, as the container user will make one
    const r = spawnSync(findCommand('setpriv')!, ['--reuid=65534', '--regid=65534', '--clear-groups', '--', findCommand('bwrap')!, '--unshare-user', '--unshare-pid', '--ro-bind', '/', '/', '--proc', '/proc', 'true'], {
      encoding: 'utf8',
      timeout: 20000,
    });
    if (r.status !== 0) missing.push(`unprivileged user namespaces (bwrap as a non-root user failed: ${(r.stderr ?? '').trim() || r.error?.message})`);
  }
  cached = missing;
  return missing;
}

let warned = false;

/**
 * `describe` for tests that run the sandbox: skipped with a notice when a prerequisite is missing;
 * with `REQUIRE_NGINX=1` (CI) a missing prerequisite fails instead.
 */
export const describeSandbox: jest.Describe = ((name: string, fn: () => void) => {
  const missing = sandboxPrerequisites();
  if (!missing.length) return describe(name, fn);
  if (process.env.REQUIRE_NGINX === '1') {
    return describe(name, () => {
      test('sandbox prerequisites', () => {
        throw new Error(`REQUIRE_NGINX=1 but the sandbox rig cannot run here: missing ${missing.join(', ')}`);
      });
    });
  }
  if (!warned) {
    warned = true;
    // eslint-disable-next-line no-console
    console.warn(`sandbox rig unavailable (missing ${missing.join(', ')}): skipping sandbox tests (set REQUIRE_NGINX=1 to fail instead)`);
  }
  return describe.skip(name, fn);
}) as unknown as jest.Describe;

/** The root file system for tests (built when missing, which takes about a minute). */
export function sandboxRootfs(suite: string = DEFAULT_SUITE): Promise<string> {
  // eslint-disable-next-line no-console
  return ensureRootfs({ suite, log: (l) => console.log(`sandbox: ${l}`) });
}
