#!/bin/bash
# Copies files of an installed Debian package into a port's build directory.
#
#   stage.sh DIR PACKAGE FILE...
#
# A port compiles with -I DIR (and links with -L DIR) instead of naming
# /usr/include or /usr/lib: those hold glibc's headers too, which must never
# mix with musl's (docs/porting.md, section 3).  Symbolic links are followed,
# so a shared library is copied as the file its soname names.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 DIR PACKAGE FILE..." >&2; exit 2; }
dir=$1 pkg=$2
shift 2
for f in "$@"; do
    [ -e "$f" ] || { echo "stage: $f is missing (Debian package $pkg; run 'make deps')" >&2; exit 1; }
done
mkdir -p "$dir"
cp -L "$@" "$dir/"
