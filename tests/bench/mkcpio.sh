#!/bin/bash
# Writes a tiny initramfs (cpio "newc", what Linux and nutshell both unpack).
#
#   mkcpio.sh OUT.cpio DEST=SRC|DEST=@TARGET ...
#
# Each DEST=SRC copies host file SRC to path DEST inside the archive (mode
# kept, parent directories made); DEST=@TARGET makes DEST a symbolic link to
# TARGET instead (a Debian binary's other names, e.g. tpm2_getrandom -> tpm2).  The archive always holds /dev/console
# (char 5:1): Linux opens it as PID 1's stdin/stdout/stderr before running
# /init, and without it /init runs with no output at all.  Owners are root and
# timestamps fixed, so the same inputs give the same bytes.
#
# It uses Debian's cpio; making the console node needs root (make bench runs
# as root here).  The project's own writer (apps/mkinitrd) can replace this.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: mkcpio.sh OUT.cpio DEST=SRC|DEST=@TARGET ..." >&2; exit 2; }
out=$1
shift
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/dev"
mknod "$stage/dev/console" c 5 1 ||
    { echo "mkcpio: cannot create dev/console (mknod needs root)" >&2; exit 1; }
for spec in "$@"; do
    dest=${spec%%=*}
    src=${spec#*=}
    [ "$dest" != "$spec" ] && [ -n "$dest" ] || { echo "mkcpio: '$spec' is not DEST=SRC" >&2; exit 2; }
    dest=${dest#/}
    mkdir -p "$stage/$(dirname "$dest")"
    if [ "${src#@}" != "$src" ]; then
        ln -sfn "${src#@}" "$stage/$dest"
        continue
    fi
    [ -f "$src" ] || { echo "mkcpio: $src: no such file" >&2; exit 1; }
    cp -p "$src" "$stage/$dest"
done
find "$stage" -exec touch -h -d @0 {} +
tmp=$out.tmp
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc --owner=0:0 --reproducible) > "$tmp"
mv "$tmp" "$out"
