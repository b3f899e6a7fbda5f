#!/bin/bash
# Builds the Linux guest's initramfs from Debian binary packages installed on
# this host (DEPS_PKGS in apps/guest/guest.mk; docs/vtpm.md, "A Linux guest").
#
#   mkguest.sh OUT.cpio LINUX-DIR INIT [DEST=SRC ...]
#
# LINUX-DIR is tests/bench/fetch-linux.sh's output (Debian's kernel and its
# modules); INIT becomes /init.  Extra DEST=SRC pairs are added as
# tests/bench/mkcpio.sh adds them.  The archive holds:
#   /bin/busybox               busybox-static; /init makes the applet links
#   /usr/bin/tpm2, tpm2_*      tpm2-tools (one binary, one link per tool)
#   /sbin/cryptsetup           cryptsetup-bin
#   their shared libraries     at the paths the host's dynamic loader
#                              resolves them to (`ld.so --list`), and the
#                              loader itself; libtss2-tcti-device, which the
#                              TCTI loader dlopens by name, with its own
#   /lib/modules/REL/...       the kernel modules the guest loads (virtio
#                              disks, dm-crypt, AES-XTS, AF_ALG) and those
#                              they depend on, in load order in
#                              /lib/modules/load-order
#   /lib/guest-setup.sh        what every guest /init sources first
# Nothing is copied from outside the host's Debian packages and LINUX-DIR.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: mkguest.sh OUT.cpio LINUX-DIR INIT [DEST=SRC ...]" >&2; exit 2; }
out=$1 linux=$2 init=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
loader=/lib64/ld-linux-x86-64.so.2
multiarch=/lib/x86_64-linux-gnu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

specs=("init=$init" "lib/guest-setup.sh=$here/guest-setup.sh" "bin/busybox=/bin/busybox"
       "usr/bin/tpm2=/usr/bin/tpm2" "sbin/cryptsetup=/usr/sbin/cryptsetup")
for t in /usr/bin/tpm2_*; do
    [ "$(readlink "$t")" = tpm2 ] && specs+=("usr/bin/${t##*/}=@tpm2")
done

# The shared-library closure, as the host's loader resolves it: lines
# "name => /path (addr)" and the loader's own "/lib64/ld-linux... (addr)".
elfs=(/usr/bin/tpm2 /usr/sbin/cryptsetup "$multiarch/libtss2-tcti-device.so.0")
libs=$(for e in "${elfs[@]}"; do
    [ -e "$e" ] || { echo "mkguest: $e is missing (make deps installs it)" >&2; exit 1; }
    "$loader" --list "$e" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
done | sort -u)
for l in $libs "$multiarch/libtss2-tcti-device.so.0"; do
    specs+=("${l#/}=$(realpath "$l")")
done

# Kernel modules with their dependencies (the .modinfo section's depends=),
# dependencies first.
rel=$(cat "$linux/release")
moddir=$linux/modules
declare -A modpath=() loaded=()
while read -r f; do
    n=${f##*/}; n=${n%.ko}
    modpath[${n//-/_}]=$f
done < <(cd "$moddir" && find kernel -name '*.ko')
order=()
add_module() {
    local n=${1//-/_} deps d
    [ -n "${loaded[$n]:-}" ] && return
    [ -n "${modpath[$n]:-}" ] || { echo "mkguest: no module $1 in $moddir" >&2; exit 1; }
    loaded[$n]=1
    deps=$(objcopy -O binary --only-section=.modinfo "$moddir/${modpath[$n]}" /dev/stdout |
        tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' ')
    for d in $deps; do add_module "$d"; done
    order+=("${modpath[$n]}")
}
for m in virtio_mmio virtio_blk dm_crypt xts aesni_intel algif_skcipher; do add_module "$m"; done
for m in "${order[@]}"; do
    specs+=("lib/modules/$rel/$m=$moddir/$m")
    echo "/lib/modules/$rel/$m" >>"$tmp/load-order"
done
specs+=("lib/modules/load-order=$tmp/load-order")

"$root/tests/bench/mkcpio.sh" "$out" "${specs[@]}" "$@"
