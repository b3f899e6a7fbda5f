#!/bin/bash
# Fetches Debian's stock kernel for the `linux` column of `make bench` and
# unpacks it under OUTDIR (never installs it).
#
#   fetch-linux.sh OUTDIR
#
# linux-image-amd64 is a metapackage; the kernel itself is the package it
# depends on (linux-image-6.1.0-N-amd64).  We download that one with
# `apt-get download`, unpack it with `dpkg -x` into OUTDIR/root, and leave:
#   OUTDIR/vmlinuz   symlink to the bzImage
#   OUTDIR/modules   symlink to lib/modules/<release> (virtio drivers are modules)
#   OUTDIR/release   the kernel release string, e.g. 6.1.0-56-amd64
#   OUTDIR/package   the package name and version that was unpacked
# The make rule that calls this has no prerequisites, so once OUTDIR/vmlinuz
# exists a re-run costs nothing; delete OUTDIR to pick up a newer kernel.
set -euo pipefail
out=${1:?usage: fetch-linux.sh OUTDIR}

kernel_pkg() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

pkg=$(kernel_pkg)
if [ -z "$pkg" ]; then
    # A fresh machine may have no package lists yet.
    apt-get update -qq
    pkg=$(kernel_pkg)
fi
[ -n "$pkg" ] || { echo "fetch-linux: cannot resolve linux-image-amd64 to a kernel package" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/dl"
# apt-get download writes into the current directory.  As root it warns that
# the _apt user cannot write there; that is harmless, so the warning is dropped.
(cd "$out/dl" && apt-get download -q "$pkg" 2> >(grep -v 'unsandboxed as root' >&2))
deb=$(ls "$out"/dl/*.deb)
dpkg -x "$deb" "$out/root"
rel=${pkg#linux-image-}
[ -f "$out/root/boot/vmlinuz-$rel" ] || { echo "fetch-linux: $deb has no boot/vmlinuz-$rel" >&2; exit 1; }
echo "$rel" > "$out/release"
dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb" > "$out/package"
rm -rf "$out/dl"
ln -sfn "root/lib/modules/$rel" "$out/modules"
# vmlinuz last: it is the make target, so it exists only when all the rest does.
ln -sfn "root/boot/vmlinuz-$rel" "$out/vmlinuz"
echo "fetch-linux: $(cat "$out/package") unpacked in $out"
