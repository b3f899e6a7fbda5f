#!/bin/bash
# make test-guest-ovmf (not part of make test: OVMF under TCG is slow): a
# Debian-kernel guest booted by Debian's OVMF on q35, its TPM being guest
# instance 1 in the service VM through vtpm-bridge, once as QEMU's tpm-tis
# and once as tpm-crb.  The firmware measures the boot into the PCRs; in the
# guest, tpm2_eventlog reads the log and its replay must equal the TPM's
# PCRs 0-7 (ovmfguest.sh).
#
#   ovmf.sh KERNEL SERVICE-CPIO DEVICES OVMF-CPIO LINUX-KERNEL
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
kernel=$(realpath -- "$1") service_cpio=$(realpath -- "$2") devfile=$(realpath -- "$3")
guest_cpio=$(realpath -- "$4") linux=$(realpath -- "$5")
root=$(cd "$(dirname "$0")/../../.." && pwd)
VTPM=${VTPM:-$root/build/apps/vtpm/vtpm}
BRIDGE=${BRIDGE:-$root/build/apps/vtpm-bridge/vtpm-bridge}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
GUEST_LIMIT=${OVMF_GUEST_LIMIT:-900}
keep=$root/build/tests/vm-bridge/ovmf-logs

. "$root/tests/integration/lib/qemu.sh"
. "$root/tests/integration/lib/service-vm.sh"

work=$(mktemp -d /tmp/vm-bridge-ovmf.XXXXXX)
spid="" bpid=""
cleanup() {
    [ -n "$spid" ] && kill -9 "$spid" 2>/dev/null
    [ -n "$bpid" ] && kill "$bpid" 2>/dev/null
    wait 2>/dev/null
    keep_logs "$work" "$keep"
    rm -rf "$work"
}
trap cleanup EXIT

for f in "$kernel" "$service_cpio" "$devfile" "$guest_cpio" "$linux" "$VTPM" "$BRIDGE" "$OVMF_CODE" "$OVMF_VARS"; do
    [ -e "$f" ] || { fail vm-bridge-ovmf/setup "$f is missing"; exit 1; }
done
for s in 0 1 2; do
    "$VTPM_MKSTATE" "$VTPM" "$work/state$s.img" >/dev/null 2>&1 || { fail vm-bridge-ovmf/setup "mkstate failed"; exit 1; }
done
service_vm_boot "$work" "$kernel" "$service_cpio" "$devfile" "$work/service.log" 300
rc=$?
spid=$SERVICE_VM_PID
[ $rc = 0 ] || { fail vm-bridge-ovmf/service-vm-boot "$SERVICE_VM_STARTED of 2 guest vtpms started"; exit 1; }
pass vm-bridge-ovmf/service-vm-boot
"$BRIDGE" --listen "$work/bridge.sock" --vtpm-data "$work/tpm1-data.sock" --vtpm-ctrl "$work/tpm1-ctrl.sock" \
    2>"$work/bridge.log" &
bpid=$!
for _ in $(seq 50); do [ -S "$work/bridge.sock" ] && break; sleep 0.1; done

hz=$(awk '/^cpu MHz/{printf "%d\n", $4 * 1000; exit}' /proc/cpuinfo)
# boot DEVICE: one guest boot with that TPM device (fresh firmware variables).
boot() {
    local device=$1 t0 rc
    cp "$OVMF_VARS" "$work/vars.fd"
    t0=$(date +%s)
    timeout -k 5 "$GUEST_LIMIT" "$QEMU_BIN" -machine q35 -cpu max -m 512 -nographic -monitor none -serial stdio \
        -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -drive if=pflash,format=raw,readonly=on,file="$OVMF_CODE" -drive if=pflash,format=raw,file="$work/vars.fd" \
        -kernel "$linux" -initrd "$guest_cpio" \
        -append "console=ttyS0 loglevel=4 tsc_early_khz=$hz tsc=reliable ovmfguest.device=$device" \
        -chardev socket,id=chrtpm,path="$work/bridge.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
        -device "$device,tpmdev=tpm0" </dev/null >"$work/guest-$device.log" 2>&1
    rc=$?
    strip_log "$work/guest-$device.log" | grep -aE '^(PASS|FAIL) '
    echo "vm-bridge-ovmf: the guest's boot through OVMF with $device and its checks took $(($(date +%s) - t0)) s"
    if [ $rc = 1 ]; then
        pass vm-bridge-ovmf/$device/guest-powered-off
    else
        fail vm-bridge-ovmf/$device/guest-powered-off "QEMU status $rc (1 = all passed): $(strip_log "$work/guest-$device.log" | grep -aE 'FAIL|tpm|EFI' | tail -n 3 | tr '\n' ' ')"
    fi
}
boot tpm-tis
boot tpm-crb
