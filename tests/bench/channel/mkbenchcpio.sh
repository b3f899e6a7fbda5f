#!/bin/bash
# mkbenchcpio.sh OUT.cpio INIT VTPM CHANBENCH LINUXINIT INITTAB LINUXDIR
# The channel benchmark's initramfs, one archive for both kernels:
#   nutshell runs /sbin/init (apps/init) with INITTAB;
#   Linux runs /init (linuxinit), which loads the virtio modules from
#   /lib/modules (taken from Debian's kernel package unpacked in LINUXDIR;
#   left out when it is missing: the Linux side is then NA).
set -euo pipefail
out=$1 init=$2 vtpm=$3 chanbench=$4 linuxinit=$5 inittab=$6 linuxdir=$7
here=$(dirname "$0")
mods=()
if [ -s "$linuxdir/release" ]; then
    kdir=$linuxdir/root/lib/modules/$(cat "$linuxdir/release")/kernel/drivers
    for m in virtio/virtio virtio/virtio_ring virtio/virtio_mmio char/virtio_console block/virtio_blk; do
        mods+=("lib/modules/$(basename "$m").ko=$kdir/$m.ko")
    done
fi
"$here/../mkcpio.sh" "$out" sbin/init="$init" etc/inittab="$inittab" sbin/vtpm="$vtpm" \
    bin/chanbench="$chanbench" init="$linuxinit" "${mods[@]}"
