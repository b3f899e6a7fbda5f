#!/bin/bash
# vm-aproxy suite: aproxy's stage 1 in the service VM, end to end: make run's
# image and devices, aproxy-host and the development KBS on this host.
#
#   vm-aproxy.sh KERNEL CPIO DEVICES
#
# DEVICES holds apps/image's QEMU device arguments with @STATE@, @PORT@,
# @CTRL@ and @APROXY@ placeholders.  Boots:
#   1. the command line and initrd the KBS has reference values for: the
#      emulated report is accepted and the state key reaches /run/vtpm;
#   2. another command line, 3. an initrd with one byte more: the host half
#      computes another launch digest and the KBS refuses it, which aproxy
#      reports on the console with the KBS's reason.
# Each boot is ended once aproxy has said how stage 1 went.
set -u
kernel=$(realpath -- "$1") cpio=$(realpath -- "$2") devfile=$(realpath -- "$3")
root=$(cd "$(dirname "$0")/../../.." && pwd)
HOST=$root/build/aproxy/host/aproxy-host
MEASURE=$root/build/aproxy/host/aproxy-measure
VTPM=$root/build/apps/vtpm/vtpm
KBS_DEV=${KBS_DEV:-$root/aproxy/kbs-dev/kbs-dev.py}
BOOT_WAIT=${VM_APROXY_BOOT_WAIT:-180}
CMDLINE=""
keep=$root/build/tests/vm-aproxy/logs
. "$root/tests/integration/lib/qemu.sh"

work=$(mktemp -d /tmp/vm-aproxy.XXXXXX)
kpid= qpid= hpid=
cleanup() {
    for p in $qpid $hpid $kpid; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$keep"; mkdir -p "$keep"; cp "$work"/*.log "$keep"/ 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

for f in "$kernel" "$cpio" "$devfile" "$HOST" "$MEASURE" "$VTPM" "$KBS_DEV"; do
    [ -e "$f" ] || { fail vm-aproxy/setup "$f is missing"; exit 1; }
done
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

# The development KBS knows the launch digest of (kernel, cpio, "").
digest=$("$MEASURE" launch-digest --kernel "$kernel" --initrd "$cpio" --cmdline "$CMDLINE")
. "$root/aproxy/host/devkbs.sh"
devkbs_start "$work" "$digest" "$(openssl rand -hex 32)" >setup.out || { fail vm-aproxy/setup "$(cat setup.out)"; exit 1; }
kpid=$DEVKBS_PID
"$root/apps/image/mkstate.sh" "$VTPM" state.img >mkstate.log 2>&1 || { fail vm-aproxy/setup "mkstate"; exit 1; }

# boot NAME INITRD CMDLINE: boots until aproxy reports stage 1 (or gives up);
# the console is NAME.log, aproxy-host's NAME-host.log.
boot() {
    local name=$1 initrd=$2 cmdline=$3 port devices
    port=$(( (RANDOM % 10000) * 4 + 20000 ))
    devices=$(sed -e "s#@STATE@#$work/state.img#" -e "s#@PORT@#$port#" -e "s#@CTRL@#$((port + 1))#" \
                  -e "s#@APROXY@#$((port + 2))#" "$devfile")
    # shellcheck disable=SC2086 # the device arguments are words
    "$QEMU_BIN" -machine microvm,acpi=off -cpu max -no-reboot -nographic -monitor none -serial stdio \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128 -kernel "$kernel" -initrd "$initrd" \
        -append "$cmdline" $devices </dev/null >"$name.log" 2>&1 &
    qpid=$!
    "$HOST" --port "127.0.0.1:$((port + 2))" --kbs "$DEVKBS_URL" --psp-key psp.pem \
        --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline" >"$name-host.log" 2>&1 &
    hpid=$!
    for _ in $(seq $((BOOT_WAIT * 10))); do
        grep -qE "aproxy: (stage 1: vTPM state key|stage 1 attestation .* FAILED|stage 1: |cannot)" "$name.log" && break
        kill -0 "$qpid" 2>/dev/null || break
        sleep 0.1
    done
    sleep 0.5
    kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
    wait "$hpid" 2>/dev/null
    qpid= hpid=
}

# 1. The reference boot.
boot reference "$cpio" "$CMDLINE"
expect_in reference.log vm-aproxy/stage1-attested-at-boot \
    "aproxy: platform evidence: EMULATED" \
    "aproxy: stage 1: the KBS accepted the emulated platform report and released nutshell/vtpm/state-key" \
    "aproxy: stage 1: vTPM state key \(32 bytes\) handed over in /run/vtpm/state.key"
expect_in reference-host.log vm-aproxy/host-half-says-emulated \
    "platform evidence EMULATED" "emulated PSP signed a report \(EMULATED"

# 2. Another command line.
boot cmdline "$cpio" "quiet"
expect_in cmdline.log vm-aproxy/modified-cmdline-fails-attestation \
    "aproxy: stage 1 attestation \(emulated platform report\) FAILED: .*launch measurement [0-9a-f]{96} is not a reference value"

# 3. An initrd with one more byte (past the cpio trailer: it unpacks the same).
cp "$cpio" modified.cpio && printf '\0' >>modified.cpio
boot initrd modified.cpio "$CMDLINE"
expect_in initrd.log vm-aproxy/modified-initrd-fails-attestation \
    "aproxy: stage 1 attestation \(emulated platform report\) FAILED: .*launch measurement [0-9a-f]{96} is not a reference value"
