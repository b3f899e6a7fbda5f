#!/bin/bash
# virtio drivers in the VM, on the machine kind MACHINE_KIND (microvm:
# virtio-mmio; q35 or pc: virtio-pci; tests/integration/lib/qemu.sh) with
# MACHINE_CPUS vCPUs (with several, all must come up: blk-cpus-up).
# Boot 1: blktest (vmrun as init) on a scratch disk, with virtio-rng present;
# the image file must then hold exactly what blktest's model says.  A legacy
# device must be refused with a clear log line while the machine still
# boots: on microvm that is boot 2 (a version 1 virtio-mmio device needs the
# machine without force-legacy=false); on PCI machines a legacy-only
# virtio-pci rng rides along in boot 1, and the disk runs on INTx (no MSI-X)
# while the rng uses MSI-X, so both interrupt paths carry traffic.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
kernel=${1:?kernel} cpio=${2:?drivers.cpio} blktest=${3:?blktest}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
MODERN="-global virtio-mmio.force-legacy=false"
suite=virtio tag= blk_opts=drive=d0 pci_extra=() cmdline="loglevel=6"
if [ "$MACHINE_KIND" != microvm ]; then
    suite=virtio-$MACHINE_KIND tag=$MACHINE_KIND:
    blk_opts+=,vectors=0
    pci_extra=(-device virtio-rng-pci,disable-modern=on)
fi
# pc runs without ACPI and with two one-CPU sockets, one of them used: the
# CPUs then come from SeaBIOS's MP table (which lists one CPU per socket),
# nr_cpus=1 keeps the second off, and the PCI paths run on a single CPU.
if [ "$MACHINE_KIND" = pc ]; then
    export MACHINE_ARGS="-machine pc,acpi=off -nic none -smp 2,sockets=2"
    cmdline+=" nr_cpus=1"
fi

"$blktest" --init "$work/disk.img" && "$blktest" --model "$work/model.img" || { fail $suite/setup "blktest on the host"; exit 0; }
qemu_boot 120 "$work/blk.log" -m 64 -kernel "$kernel" -initrd "$cpio" $MODERN \
    -device virtio-rng-device "${pci_extra[@]}" \
    -drive if=none,id=d0,file="$work/disk.img",format=raw,cache=writeback -device virtio-blk-device,$blk_opts \
    -append "$cmdline"
rc=$?
# the guest's own lines, named for the machine kind off microvm
strip_log "$work/blk.log" | grep -E '^(PASS|FAIL) ' | sed -E "s#^(PASS|FAIL) #&$tag#"
if [ $rc -eq 1 ]; then pass $suite/blk-boot-powered-off; else
    fail $suite/blk-boot-powered-off "QEMU status $rc"; tail -20 "$work/blk.log"; fi
if cmp -s "$work/disk.img" "$work/model.img"; then pass $suite/blk-image-matches-model; else
    fail $suite/blk-image-matches-model "$(cmp "$work/disk.img" "$work/model.img" 2>&1 | head -1)"; fi
expect_cpus_up "$work/blk.log" $suite/blk-cpus-up
strip_log "$work/blk.log" >"$work/blk.txt"
case $MACHINE_KIND in
    q35) expect_in "$work/blk.txt" $suite/cpus-from-madt "smp: $MACHINE_CPUS of $MACHINE_CPUS CPUs up \(ACPI MADT\)" ;;
    pc) expect_in "$work/blk.txt" $suite/cpus-from-mptable-nr-cpus-1 \
        'acpi: no RSDP; the machine has no ACPI tables' 'smp: 1 of 2 CPUs up \(MP table, nr_cpus limit\), APIC ids: 0$' ;;
esac
expect_in "$work/blk.log" $suite/blk-probed 'virtio[0-9]+ \(blk\).*/dev/vda, 2048 sectors \(1024 KiB\), flush'
# the rng thread starts at probe, long before init runs blktest
expect_in "$work/blk.log" $suite/rng-mixed-into-pool 'virtio[0-9]+ \(rng\): 256 bytes mixed into the entropy pool'

if [ "$MACHINE_KIND" = microvm ]; then
    expect_in "$work/blk.log" virtio/rng-probed 'virtio[0-9]+ \(rng\) at virtio-mmio'
    qemu_boot 60 "$work/legacy.log" -m 64 -kernel "$kernel" -device virtio-rng-device -append "init=/none"
    expect_in "$work/legacy.log" virtio/legacy-device-refused \
        'legacy \(version 1\) virtio-mmio device, which nutshell does not drive'
else
    if strip_log "$work/blk.log" | grep -q '(rng): no MSI-X'; then fail $suite/rng-probed-msix "the rng fell back to INTx"
    else expect_in "$work/blk.log" $suite/rng-probed-msix 'virtio[0-9]+ \(rng\) at virtio-pci'; fi
    expect_in "$work/blk.log" $suite/blk-on-intx 'virtio[0-9]+ \(blk\): no MSI-X .*INTx on IOAPIC pin [0-9]+'
    expect_in "$work/blk.log" $suite/legacy-device-refused 'a legacy-only virtio-pci device, which nutshell does not drive'
    # q35 has an MCFG (ECAM); pc has none, so its configuration space is
    # reached through the 0xcf8/0xcfc ports
    config='pci: ECAM at 0x[0-9a-f]+ for buses'
    [ "$MACHINE_KIND" = pc ] && config='pci: configuration through ports 0xcf8/0xcfc'
    expect_in "$work/blk.log" $suite/pci-enumerated "$config" \
        'pci 0000:00:00\.0 8086:[0-9a-f]{4} class 060000' 'pci 0000:00:[0-9a-f]{2}\.0 1af4:1042 class 010000 .*bar4 mem64'
fi
