/**
 * Builds (once) the Debian root file system the sandbox tests run the proxy container on:
 *
 *   npx ts-node --project tsconfig.dev.json scripts/sandbox-rootfs.ts [--suite sid|trixie] [--rebuild]
 *
 * Needs root and debootstrap; the Debian mirror comes from this machine's apt configuration
 * (or SANDBOX_DEBIAN_MIRROR). Idempotent: prints the existing one's nginx version when built.
 */
import * as path from 'path';
import { ensureRootfs, nginxVersion, rootfsReady, DEFAULT_SUITE } from '../test/sandbox/rootfs';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let suite = DEFAULT_SUITE;
  let rebuild = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--suite') suite = argv[++i];
    else if (argv[i].startsWith('--suite=')) suite = argv[i].slice('--suite='.length);
    else if (argv[i] === '--rebuild') rebuild = true;
    else throw new Error(`unknown argument ${argv[i]} (usage: sandbox-rootfs.ts [--suite SUITE] [--rebuild])`);
  }
  const started = Date.now();
  const dir = await ensureRootfs({ suite, rebuild, log: (l) => console.log(`sandbox-rootfs: ${l}`) });
  const marker = rootfsReady(dir)!;
  console.log(
    `sandbox-rootfs: ${path.relative(process.cwd(), dir)} ready: nginx ${nginxVersion(dir)} (Debian ${marker.suite}), ` +
      `${(marker.bytes / 2 ** 20).toFixed(0)} MiB, built in ${marker.buildSeconds}s on ${marker.builtAt}; this run ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
