#!/bin/sh
# Runs the nginx of a Debian root file system (built by scripts/sandbox-rootfs.ts, e.g. sid's nginx
# 1.30, the line of the proxy's default image) as if it were this machine's, for the conformance
# runner and the renderer tests: NGINX_BIN=scripts/nginx-in-rootfs.sh npm run conformance
# The root file system's folders are mounted read-only; the temp folder and the working directory
# are shared, and so is the network (the tests use loopback only).
set -eu
ROOTFS=${NGINX_ROOTFS:-${SANDBOX_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.tmp/sandbox}/rootfs-${SANDBOX_SUITE:-sid}}
[ -x "$ROOTFS/usr/sbin/nginx" ] || { echo "nginx-in-rootfs: no nginx in $ROOTFS (build it: npx ts-node --project tsconfig.dev.json scripts/sandbox-rootfs.ts)" >&2; exit 127; }
TMP=${TMPDIR:-/tmp}
set -- --bind /tmp /tmp --bind "$TMP" "$TMP" --bind "$PWD" "$PWD" --chdir "$PWD" --die-with-parent /usr/sbin/nginx "$@"
set -- --proc /proc --dev /dev "$@"
for entry in "$ROOTFS"/*; do
  name=$(basename "$entry")
  case "$name" in proc|dev|tmp|run) continue ;; esac
  if [ -L "$entry" ]; then set -- --symlink "$(readlink "$entry")" "/$name" "$@"
  elif [ -d "$entry" ]; then set -- --ro-bind "$entry" "/$name" "$@"
  fi
done
exec bwrap "$@"
