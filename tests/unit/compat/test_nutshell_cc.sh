#!/bin/bash
# Tests of the nutshell-cc wrapper itself: it works from any directory, uses
# musl's headers and never glibc's, links static by default and for musl's
# loader with -dynamic, always links the compatibility archive, and refuses
# clearly when the sysroot is missing.  Prints PASS/FAIL lines (a suite).
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../../integration/lib/results.sh" "$@"
root=$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd -P)
cc=$root/libc-port/nutshell-cc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nfail=0
pass() { echo "PASS nutshell_cc/$1"; }
fail() { echo "FAIL nutshell_cc/$1: $2"; nfail=$((nfail + 1)); }

cat > "$work/hello.c" <<'C'
#include <stdio.h>
int main(void) { puts("hello from musl"); return 0; }
C

# From an unrelated directory, with a relative source path.
if (cd "$work" && "$cc" -o hello hello.c 2> err) && [ "$("$work/hello")" = "hello from musl" ]; then
    pass static_build_from_any_directory
else
    fail static_build_from_any_directory "$(cat "$work/err" 2>/dev/null)"
fi

# Static by default: no program interpreter, no dynamic section.
if readelf -l "$work/hello" 2>/dev/null | grep -q INTERP; then
    fail static_by_default "the default output has a PT_INTERP"
elif ! readelf -h "$work/hello" | grep -q 'EXEC'; then
    fail static_by_default "the default output is not ET_EXEC"
else
    pass static_by_default
fi

# The C library headers are musl's: glibc's feature macro is absent and a
# glibc-only header cannot be found.
cat > "$work/libc.c" <<'C'
#include <stdio.h>
#ifdef __GLIBC__
#error glibc headers were used
#endif
int main(void) { return 0; }
C
printf '#include <gnu/libc-version.h>\nint main(void) { return 0; }\n' > "$work/glibc-only.c"
if ! "$cc" -c -o "$work/libc.o" "$work/libc.c" 2> "$work/err"; then
    fail musl_headers_only "$(cat "$work/err")"
elif "$cc" -c -o "$work/glibc-only.o" "$work/glibc-only.c" 2> /dev/null; then
    fail musl_headers_only "a glibc-only header was found"
else
    pass musl_headers_only
fi

# -dynamic: interpreter is musl's loader, and the program runs under it.
if "$cc" -dynamic -o "$work/hello-dyn" "$work/hello.c" 2> "$work/err" &&
   readelf -l "$work/hello-dyn" | grep -q 'interpreter: /lib/ld-musl-x86_64.so.1' &&
   [ "$("$work/hello-dyn")" = "hello from musl" ]; then
    pass dynamic_uses_musl_loader
else
    fail dynamic_uses_musl_loader "$(cat "$work/err")"
fi

# -static-pie: self-relocating, position-independent, still no interpreter.
if "$cc" -static-pie -o "$work/hello-pie" "$work/hello.c" 2> "$work/err" &&
   readelf -h "$work/hello-pie" | grep -q 'DYN' &&
   ! readelf -l "$work/hello-pie" | grep -q INTERP &&
   [ "$("$work/hello-pie")" = "hello from musl" ]; then
    pass static_pie
else
    fail static_pie "$(cat "$work/err")"
fi

# The compatibility archive is linked without being named.
cat > "$work/chk.c" <<'C'
#include <stddef.h>
void *__memcpy_chk(void *, const void *, size_t, size_t);
int main(void) { char d[4]; return __memcpy_chk(d, "abc", 4, sizeof d) == d ? 0 : 1; }
C
if "$cc" -o "$work/chk" "$work/chk.c" 2> "$work/err" && "$work/chk"; then
    pass compat_archive_linked_by_default
else
    fail compat_archive_linked_by_default "$(cat "$work/err")"
fi

# A copy of the wrapper in a tree without a built sysroot says what to do.
mkdir -p "$work/tree/libc-port"
cp "$cc" "$work/tree/libc-port/"
if "$work/tree/libc-port/nutshell-cc" -o "$work/x" "$work/hello.c" 2> "$work/err"; then
    fail refuses_without_sysroot "it compiled without a sysroot"
elif grep -q "run 'make sysroot'" "$work/err"; then
    pass refuses_without_sysroot
else
    fail refuses_without_sysroot "unclear message: $(cat "$work/err")"
fi

[ $nfail -eq 0 ]
