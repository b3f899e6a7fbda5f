#!/bin/bash
# virtio drivers in the VM.  Boot 1: blktest (vmrun as init) on a scratch
# disk, with virtio-rng present; the image file must then hold exactly what
# blktest's model says.  Boot 2: a legacy (version 1) virtio-mmio device is
# refused with a clear log line and the machine still boots.
set -u
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
kernel=${1:?kernel} cpio=${2:?drivers.cpio} blktest=${3:?blktest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
MODERN="-global virtio-mmio.force-legacy=false"

"$blktest" --init "$work/disk.img" && "$blktest" --model "$work/model.img" || { fail virtio/setup "blktest on the host"; exit 0; }
qemu_boot 120 "$work/blk.log" -m 64 -kernel "$kernel" -initrd "$cpio" $MODERN \
    -device virtio-rng-device \
    -drive if=none,id=d0,file="$work/disk.img",format=raw,cache=writeback -device virtio-blk-device,drive=d0 \
    -append "loglevel=6"
rc=$?
strip_log "$work/blk.log" | grep -E '^(PASS|FAIL) '
if [ $rc -eq 1 ]; then pass virtio/blk-boot-powered-off; else
    fail virtio/blk-boot-powered-off "QEMU status $rc"; tail -20 "$work/blk.log"; fi
if cmp -s "$work/disk.img" "$work/model.img"; then pass virtio/blk-image-matches-model; else
    fail virtio/blk-image-matches-model "$(cmp "$work/disk.img" "$work/model.img" 2>&1 | head -1)"; fi
expect_in "$work/blk.log" virtio/blk-probed 'virtio[0-9]+ \(blk\).*/dev/vda, 2048 sectors \(1024 KiB\), flush'
expect_in "$work/blk.log" virtio/rng-probed 'virtio[0-9]+ \(rng\) at virtio-mmio'
# the rng thread starts at probe, long before init runs blktest
expect_in "$work/blk.log" virtio/rng-mixed-into-pool 'virtio[0-9]+ \(rng\): 256 bytes mixed into the entropy pool'

qemu_boot 60 "$work/legacy.log" -m 64 -kernel "$kernel" -device virtio-rng-device -append "init=/none"
expect_in "$work/legacy.log" virtio/legacy-device-refused \
    'legacy \(version 1\) virtio-mmio device, which nutshell does not drive'
