#!/bin/bash
# Lists, by name, every symbol that Debian's libraries in the sysroot need and
# nothing in the sysroot defines; exits 1 if there is any.
#
#   check-symbols.sh SYSROOT_LIB
#
# It inspects every member of the static archives (libtpms.a, libcrypto.a,
# libssl.a, and libnutshell-compat.a itself), not only the members one test
# program happens to pull in, so a port that uses more of a library than the
# tests do is covered too.  For the shared libcbor.so, whose glibc-only needs
# the program must export (-rdynamic), the symbols must come from musl's
# libc.so or the compatibility archive.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 SYSROOT_LIB" >&2; exit 2; }
lib=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

static_libs=(libtpms.a libcrypto.a libssl.a libnutshell-compat.a)
# Symbols the linker itself defines.
linker_defined='^(_GLOBAL_OFFSET_TABLE_|_DYNAMIC|__ehdr_start|__executable_start|_end|_edata|_etext|__bss_start|__(init|fini|preinit)_array_(start|end))$'

defined_in() { nm -g --defined-only "$@" 2>/dev/null | awk 'NF == 3 && $2 != "U" { print $3 }'; }
# Strong undefined references only: weak ones (w, v) may stay unresolved by design.
undefined_in() { nm -g --undefined-only "$@" 2>/dev/null | awk '$1 == "U" { print $2 }'; }

for a in "${static_libs[@]}" libc.a; do
    [ -f "$lib/$a" ] || { echo "check-symbols: $lib/$a is missing; run 'make sysroot'" >&2; exit 1; }
done
defined_in "$lib"/*.a | sort -u > "$tmp/static-defs"

status=0
for a in "${static_libs[@]}"; do
    undefined_in "$lib/$a" | sed 's/@.*//' | sort -u | grep -Ev "$linker_defined" \
        | comm -23 - "$tmp/static-defs" > "$tmp/missing" || true
    while read -r s; do
        echo "unresolved: $s (needed by $a)"
        status=1
    done < "$tmp/missing"
done

# The shared library: resolved at run time against musl's libc.so and the
# program (which carries the compatibility archive).
{ nm -D --defined-only "$lib/libc.so" | awk 'NF == 3 { print $3 }'; defined_in "$lib/libnutshell-compat.a"; } \
    | sort -u > "$tmp/dyn-defs"
for so in "$lib"/libcbor.so; do
    nm -D --undefined-only "$so" | awk '$1 == "U" { print $2 }' | sed 's/@.*//' | sort -u \
        | comm -23 - "$tmp/dyn-defs" > "$tmp/missing" || true
    while read -r s; do
        echo "unresolved: $s (needed by $(basename "$(readlink -f "$so")"))"
        status=1
    done < "$tmp/missing"
done

if [ $status -eq 0 ]; then
    echo "check-symbols: every symbol of ${static_libs[*]} libcbor.so resolves in $lib"
fi
exit $status
