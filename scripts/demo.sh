#!/usr/bin/env bash
# The README's first command after install: make a busybox base image, import it, build the example.
set -euo pipefail
cd "$(dirname "$0")/.."
export TSBUILD_ROOT=${TSBUILD_ROOT:-/var/lib/tsbuild}
tsbuild() { node_modules/.bin/tsbuild "$@"; }   # the installed bin: the launcher and its startup snapshot
tar=$(bash scripts/busybox-rootfs.sh /var/tmp/tsbuild-busybox-rootfs.tar)
tsbuild import "$tar" busybox:latest
tsbuild build -t app fixtures/example
tsbuild images
tsbuild -o type=local,dest=/var/tmp/tsbuild-example-out fixtures/example >/dev/null
echo "--- /app/greeting.txt in the built image:"
cat /var/tmp/tsbuild-example-out/app/greeting.txt
