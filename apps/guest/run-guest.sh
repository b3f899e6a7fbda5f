#!/bin/bash
# `make run-guest` (apps/guest/guest.mk): the service VM as `make run` boots
# it, the host bridge for guest instance 1, and beside them a Debian-kernel
# guest whose TPM is that instance, with the guest's console on this
# terminal.  When the guest's QEMU ends (poweroff in the guest, or Ctrl-A X),
# the bridge and the service VM are stopped too; so are all three on Ctrl-C.
#
#   run-guest.sh SOCKDIR BRIDGE LINUX-KERNEL GUEST-CPIO GUEST-DISK -- SERVICE-QEMU-ARGS...
#
# SOCKDIR holds the instances' port sockets (the service VM's QEMU makes
# them), the bridge's socket and the service VM's console log.
set -u
[ $# -ge 7 ] && [ "$6" = -- ] ||
    { echo "usage: run-guest.sh SOCKDIR BRIDGE LINUX-KERNEL GUEST-CPIO GUEST-DISK -- SERVICE-QEMU-ARGS..." >&2; exit 2; }
sockdir=$1 bridge=$2 linux=$3 guest_cpio=$4 disk=$5
shift 6
# Seconds the service VM may take to start its vtpms under TCG.
SERVICE_WAIT=${RUN_GUEST_SERVICE_WAIT:-300}
service_log=$sockdir/service.log
bridge_log=$sockdir/bridge1.log
spid="" bpid=""
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/integration/lib/service-vm.sh"

stop_all() {
    [ -n "$bpid" ] && kill "$bpid" 2>/dev/null
    [ -n "$spid" ] && kill "$spid" 2>/dev/null
    wait 2>/dev/null
}
trap stop_all EXIT
trap 'exit 130' INT TERM

mkdir -p "$sockdir"
"$@" -serial "file:$service_log" -monitor none </dev/null >/dev/null 2>&1 &
spid=$!
echo "run-guest: service VM booting (console in $service_log); waiting for its vtpms"
service_vm_wait_vtpms "$service_log" "$spid" "$SERVICE_WAIT" ||
    { echo "run-guest: $SERVICE_VM_STARTED of 2 guest vtpms started in the service VM; see $service_log" >&2; exit 1; }

"$bridge" --listen "$sockdir/bridge1.sock" --vtpm-data "$sockdir/tpm1-data.sock" \
    --vtpm-ctrl "$sockdir/tpm1-ctrl.sock" 2>"$bridge_log" &
bpid=$!
for _ in $(seq 50); do [ -S "$sockdir/bridge1.sock" ] && break; sleep 0.1; done
[ -S "$sockdir/bridge1.sock" ] || { echo "run-guest: the bridge did not start; see $bridge_log" >&2; exit 1; }

# The kernel's TSC calibration is unreliable under TCG on a busy host: give
# it the host's frequency (docs/vtpm.md, "A Linux guest").
hz=$(awk '/^cpu MHz/{printf "%d\n", $4 * 1000; exit}' /proc/cpuinfo)
echo "run-guest: guest booting (Debian's kernel under TCG: about 10 s); leave with Ctrl-A X or exit"
qemu-system-x86_64 -machine microvm -cpu max -m 256 -nographic -serial mon:stdio \
    -global virtio-mmio.force-legacy=false -kernel "$linux" -initrd "$guest_cpio" \
    -append "console=ttyS0 quiet tsc_early_khz=$hz tsc=reliable tpm_tis.force=1" \
    -drive if=none,id=disk,file="$disk",format=raw -device virtio-blk-device,drive=disk \
    -chardev socket,id=chrtpm,path="$sockdir/bridge1.sock" \
    -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0
