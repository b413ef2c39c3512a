#!/usr/bin/env bash
# busybox-rootfs.sh OUT.tar — a real busybox rootfs tar from Debian's busybox-static package
# (apt-get download + dpkg-deb -x), one symlink per applet, minimal accounts. Deterministic.
set -euo pipefail
out=$(realpath -m "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq busybox-static >/dev/null 2>&1) || true
if ls "$work"/busybox-static_*.deb >/dev/null 2>&1; then
  dpkg-deb -x "$work"/busybox-static_*.deb "$work/x"; bb="$work/x/bin/busybox"
elif dpkg -S /bin/busybox 2>/dev/null | grep -q busybox-static; then
  bb=/bin/busybox
else
  echo "busybox-static is needed: apt-get install busybox-static" >&2; exit 1
fi
r="$work/rootfs"
mkdir -p "$r"/{bin,sbin,dev,etc,proc,sys,root,tmp,var/tmp,home,usr/bin,usr/sbin,usr/local/bin}
install -m 0755 "$bb" "$r/bin/busybox"
for a in $("$r/bin/busybox" --list); do [[ $a = busybox ]] || ln -sf busybox "$r/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$r/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
chmod 0700 "$r/root"; chmod 1777 "$r/tmp" "$r/var/tmp"
tar --sort=name --numeric-owner --format=pax --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime=@1700000000 --clamp-mtime -C "$r" -cf "$out" .
echo "$out"
