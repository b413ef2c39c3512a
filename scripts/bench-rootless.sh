#!/bin/sh
# Rootless vs root, same run (not a timed test): the shared `small` and `bigctx` workloads built
# cold (--no-cache) and warm (no change) by root on a temp store and by a user this script creates
# (its own subuid range; removed at the end). Prints the median of RUNS builds per case, in ms.
# Usage (as root): sh scripts/bench-rootless.sh [RUNS]   — needs ../shared/bench/setup.sh's base tar.
set -eu
RUNS=${1:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
B=$here/node_modules/.bin/tsbuild
# the shared workloads: ../shared beside the main checkout (worktrees sit one level deeper)
W=${BENCH_WORKLOADS:-$(for d in "$here/../shared" "$here/../../shared"; do [ -d "$d/bench/workloads" ] && { echo "$d/bench/workloads"; break; }; done)}
BASE=${BENCH_BASE:-/var/tmp/bench/busybox-docker.tar}
U=tsbbench-$$
work=$(mktemp -d /var/tmp/tsbuild-bench-rootless-XXXXXX)
cleanup() {
  pkill -KILL -u "$U" 2>/dev/null || true
  usermod --del-subuids 900000-965535 --del-subgids 900000-965535 "$U" 2>/dev/null || true
  userdel -r -f "$U" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
useradd -m -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$U"
usermod --add-subuids 900000-965535 --add-subgids 900000-965535 "$U"
cp -r "$W/small" "$W/bigctx" "$work/"
python3 "$W/bigctx/gen.py" "$work/bigctx" >/dev/null 2>&1
cp "$BASE" "$work/base.tar"
chmod -R a+rX "$work"
$B --root "$work/store" load -i "$work/base.tar" >/dev/null
runuser -u "$U" -- $B load -i "$work/base.tar" >/dev/null
ms() { s=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
root() { $B --root "$work/store" build -q --network none "$@"; }
user() { runuser -u "$U" -- $B build -q --network none "$@"; }
# root and rootless runs interleaved, so load from elsewhere on the machine hits both alike
for wl in small bigctx; do
  root -t "$wl" "$work/$wl" >/dev/null; user -t "$wl" "$work/$wl" >/dev/null  # first builds: the cache
  : > "$work/t"
  for i in $(seq "$RUNS"); do
    for who in root user; do echo "$who cold $(ms $who --no-cache -t "$wl" "$work/$wl")" >> "$work/t"; done
  done
  for i in $(seq "$RUNS"); do
    for who in root user; do echo "$who warm $(ms $who -t "$wl" "$work/$wl")" >> "$work/t"; done
  done
  for k in "root cold" "user cold" "root warm" "user warm"; do
    echo "$wl $k $(grep "^$k " "$work/t" | cut -d' ' -f3 | median) ms" | sed 's/ user / rootless /'
  done
done
