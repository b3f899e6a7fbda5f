#!/bin/bash
# Assembles sysroot/{include,lib} from installed Debian packages plus the
# outputs of libc-port/.  Called by `make sysroot` (libc-port/libc-port.mk).
#
#   mksysroot.sh SYSROOT STAGE COMPAT_ARCHIVE NUTSHELL_INCLUDE_DIR
#
# Header mixing is the delicate part.  nutshell programs are compiled with
# -nostdinc against SYSROOT/include only (plus GCC's own freestanding
# headers), so musl's headers are the C library headers, full stop.  The
# library headers from the glibc-built packages are copied in *beside* them:
# their #include <stdio.h> etc. then resolve to musl.  Nothing under
# /usr/include/x86_64-linux-gnu is put on the path; the only two files
# OpenSSL keeps there (its configuration.h and opensslconf.h, which say how
# libcrypto.a was configured) are copied into SYSROOT/include/openssl/.
# libc-port/check-headers.sh proves it: every header a program including all
# of them pulls in comes from SYSROOT/include or GCC's own include directory.
#
# The sysroot is built in STAGE and then swapped in directory by directory,
# so a compile running at the same time sees the old or the new tree, never
# a half-copied one.
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 SYSROOT STAGE COMPAT_ARCHIVE NUTSHELL_INCLUDE_DIR" >&2; exit 2; }
sysroot=$1 stage=$2 compat=$3 nsinc=$4

musl_inc=/usr/include/x86_64-linux-musl
musl_lib=/usr/lib/x86_64-linux-musl
gnu_inc=/usr/include/x86_64-linux-gnu
gnu_lib=/usr/lib/x86_64-linux-gnu

fail() { echo "mksysroot: $*" >&2; exit 1; }

# Every input must exist: a missing one means a package is not installed
# (run `make deps`), and a sysroot without it would fail later, obscurely.
need() {
    local pkg=$1; shift
    for f in "$@"; do
        [ -e "$f" ] || fail "$f is missing (Debian package $pkg; run 'make deps')"
    done
}
need musl-dev "$musl_inc/stdio.h" "$musl_lib/libc.a" "$musl_lib/Scrt1.o" "$musl_lib/crti.o" "$musl_lib/crtn.o"
need musl "$musl_lib/libc.so"
need libtpms-dev /usr/include/libtpms/tpm_library.h "$gnu_lib/libtpms.a"
need libssl-dev /usr/include/openssl/evp.h "$gnu_inc/openssl/configuration.h" \
     "$gnu_inc/openssl/opensslconf.h" "$gnu_lib/libcrypto.a" "$gnu_lib/libssl.a"
need libcbor-dev /usr/include/cbor.h /usr/include/cbor "$gnu_lib/libcbor.so"
need libcbor0.8 "$(readlink -f "$gnu_lib/libcbor.so")"
[ -f "$compat" ] || fail "compatibility archive $compat is missing"
[ -d "$nsinc" ] || fail "nutshell header directory $nsinc is missing"

rm -rf "$stage"
mkdir -p "$stage/include" "$stage/lib"

# --- headers: musl first, then the libraries beside it, then nutshell's own.
cp -a "$musl_inc/." "$stage/include/"
for d in libtpms openssl cbor; do
    [ -e "$stage/include/$d" ] && fail "musl already has include/$d; refusing to mix"
    cp -a "/usr/include/$d" "$stage/include/$d"
done
cp -a /usr/include/cbor.h "$stage/include/cbor.h"
cp -a "$gnu_inc/openssl/configuration.h" "$gnu_inc/openssl/opensslconf.h" "$stage/include/openssl/"
mkdir -p "$stage/include/nutshell"
cp -a "$nsinc/." "$stage/include/nutshell/"

# --- libraries.
cp -a "$musl_lib"/{Scrt1.o,crt1.o,rcrt1.o,crti.o,crtn.o} "$stage/lib/"
cp -a "$musl_lib"/lib{c,m,dl,pthread,rt,util,xnet,resolv}.a "$stage/lib/"
# musl's libc.so is both the shared C library and the dynamic loader
# (/lib/ld-musl-x86_64.so.1).  Debian's shared libraries were linked against
# glibc and name libc.so.6 in DT_NEEDED; musl's loader treats any libc.so.*
# as itself, and this link lets ld resolve that name to musl at link time
# instead of finding the host's glibc.
cp -aL "$musl_lib/libc.so" "$stage/lib/libc.so"
ln -s libc.so "$stage/lib/libc.so.6"
cp -a "$gnu_lib/libtpms.a" "$gnu_lib/libcrypto.a" "$gnu_lib/libssl.a" "$stage/lib/"
cbor_real=$(readlink -f "$gnu_lib/libcbor.so")
cbor_soname=$(objdump -p "$cbor_real" | awk '$1 == "SONAME" { print $2 }')
[ -n "$cbor_soname" ] || fail "cannot read the SONAME of $cbor_real"
cp -a "$cbor_real" "$stage/lib/$cbor_soname"
ln -s "$cbor_soname" "$stage/lib/libcbor.so"
cp -a "$compat" "$stage/lib/libnutshell-compat.a"

# --- swap in.
mkdir -p "$sysroot"
for d in include lib; do
    if [ -e "$sysroot/$d" ]; then
        rm -rf "$stage/old-$d"
        mv "$sysroot/$d" "$stage/old-$d"
    fi
    mv "$stage/$d" "$sysroot/$d"
done
rm -rf "$stage"
