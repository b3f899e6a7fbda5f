#!/bin/bash
# guest_tpm_getrandom and guest_tpm_seal (make bench): the cost, for a guest,
# of a TPM that lives in the service VM.  The same Debian-kernel guest
# (QEMU microvm, tpm-tis on `-tpmdev emulator`), whose /init is guesttpm
# (timing raw TPM commands on /dev/tpm0 from inside the guest), boots twice:
#   nutshell=  its TPM is guest instance 1 in the nutshell service VM,
#              through vtpm-bridge (apps/vtpm-bridge)
#   linux=     its TPM is Debian's swtpm on this host, which QEMU's emulator
#              backend reaches directly (the same libtpms, no service VM)
# ratio = nutshell/linux: for guest_tpm_getrandom (ops/s) higher is better,
# for guest_tpm_seal (ms per TPM2_Create of a sealed object) lower is.
# Both sides pay QEMU's tpm-tis emulation under TCG; only the nutshell side
# pays the bridge, the service VM's virtio-console ports and its kernel.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
. "$root/tests/bench/lib.sh"
. "$root/tests/integration/lib/service-vm.sh"
cd "$root" || exit 1
VTPM=$BUILD/apps/vtpm/vtpm
BRIDGE=$BUILD/apps/vtpm-bridge/vtpm-bridge
SERVICE_CPIO=$BUILD/initrd.cpio
DEVICES=$BUILD/tests/vm-bridge/devices
GUEST_CPIO=$BUILD/tests/vm-bridge/guesttpm.cpio
GETRANDOM_N=${GUEST_TPM_GETRANDOM_N:-200}
SEAL_N=${GUEST_TPM_SEAL_N:-20}
work=$(mktemp -d /tmp/guest-tpm-bench.XXXXXX)
pids=()
logs=$BENCH_OUT/logs
# The consoles and the bridge's log are kept in build/bench/logs/guest-tpm-*.
finish() {
    local p f
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    mkdir -p "$logs"
    for f in "$work"/*.log; do [ -e "$f" ] && cp "$f" "$logs/guest-tpm-${f##*/}"; done
    rm -rf "$work"
}
trap finish EXIT

na() {
    echo "bench guest_tpm_getrandom ops/s nutshell=NA linux=NA ratio=NA"
    echo "bench guest_tpm_seal ms nutshell=NA linux=NA ratio=NA"
    echo "# guest_tpm: $1" >&2
    exit 0
}
for f in "$NUTSHELL_ELF" "$SERVICE_CPIO" "$DEVICES" "$GUEST_CPIO" "$LINUX_KERNEL" "$VTPM" "$BRIDGE"; do
    [ -e "$f" ] || na "$f is missing"
done
hz=$(host_tsc_hz) || na "no host TSC rate"

# The guest's TPM device: tpm-tis (default) on microvm without ACPI, where
# Linux finds it with tpm_tis.force=1; or GUEST_TPM_DEVICE=tpm-crb, which
# Linux finds only through ACPI's TPM2 table, so on q35 (docs/vtpm.md,
# "Where the time goes", compares the two).
GUEST_TPM_DEVICE=${GUEST_TPM_DEVICE:-tpm-tis}
case $GUEST_TPM_DEVICE in
tpm-tis) guest_machine=microvm,acpi=off guest_args=tpm_tis.force=1 ;;
tpm-crb) guest_machine=q35 guest_args= ;;
*) na "GUEST_TPM_DEVICE is tpm-tis or tpm-crb, not $GUEST_TPM_DEVICE" ;;
esac
# boot_guest NAME CTRL-SOCKET: one guest boot on that TPM; its GUESTTPM
# lines in $work/NAME.log.
boot_guest() {
    timeout -k 5 600 "$QEMU" -machine $guest_machine -cpu max -m 256 -no-reboot -nographic \
        -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -kernel "$LINUX_KERNEL" -initrd "$GUEST_CPIO" \
        -append "$(linux_cmdline "$hz" $guest_args guesttpm.getrandom="$GETRANDOM_N" guesttpm.seal="$SEAL_N")" \
        -chardev socket,id=chrtpm,path="$2" -tpmdev emulator,id=tpm0,chardev=chrtpm \
        -device "$GUEST_TPM_DEVICE",tpmdev=tpm0 </dev/null >"$work/$1.log" 2>&1
}
# nutshell: the service VM on fresh states, the bridge for instance 1.
for s in 0 1 2; do
    "$VTPM_MKSTATE" "$VTPM" "$work/state$s.img" >/dev/null 2>&1 || na "cannot make a state disk"
done
service_vm_boot "$work" "$NUTSHELL_ELF" "$SERVICE_CPIO" "$DEVICES" "$work/service.log" 300 || na "the service VM did not start its vtpms"
pids+=("$SERVICE_VM_PID")
# --verbose: the bridge logs each command's relay time (the summary below).
"$BRIDGE" --listen "$work/bridge.sock" --vtpm-data "$work/tpm1-data.sock" --vtpm-ctrl "$work/tpm1-ctrl.sock" \
    --verbose 2>"$work/bridge.log" &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/bridge.sock" ] && break; sleep 0.1; done
boot_guest nutshell "$work/bridge.sock"

# linux: swtpm on this host, QEMU's backend straight on its control socket.
mkdir -p "$work/swtpm"
swtpm socket --tpm2 --tpmstate dir="$work/swtpm" --ctrl type=unixio,path="$work/swtpm.sock" \
    >"$work/swtpm.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/swtpm.sock" ] && break; sleep 0.1; done
boot_guest linux "$work/swtpm.sock"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.3f", a / b }'; }
for b in getrandom:ops_s:ops/s seal:ms:ms; do
    IFS=: read -r name key unit <<<"$b"
    n=$(grep -ao "GUESTTPM $name $key=[0-9.]*" "$work/nutshell.log" | sed "s/.*=//")
    s=$(grep -ao "GUESTTPM $name $key=[0-9.]*" "$work/linux.log" | sed "s/.*=//")
    echo "bench guest_tpm_$name $unit nutshell=${n:-NA} linux=${s:-NA} ratio=$(ratio "${n:-NA}" "${s:-NA}")"
done
# Where the time goes: each GetRandom's time in the guest (both sides), and
# the bridge's relay time of the same commands (its part waiting for the
# service VM, and the whole from request to response handed to QEMU).
for side in nutshell linux; do
    l=$(grep -ao "GUESTTPM getrandom-us [^[:cntrl:]]*" "$work/$side.log" | sed "s/GUESTTPM getrandom-us //")
    echo "# guest_tpm: $side GetRandom(32) in the guest, us: ${l:-NA}"
done
# GetRandom is 0x17b; pct(A, P): percentile P of the values in array A
# (sorted by insertion into the local array s).
grep -a "TPM command 0x0000017b .* us, vtpm " "$work/bridge.log" |
    awk '{for (i = 1; i <= NF; i++) { if ($i == "in") w[n] = $(i + 1); if ($i == "vtpm") v[n] = $(i + 1) } n++}
         function pct(a, p,   k, j, t, m, s) { m = 0; for (k in a) s[m++] = a[k] + 0
             for (k = 1; k < m; k++) { t = s[k]; for (j = k - 1; j >= 0 && s[j] > t; j--) s[j + 1] = s[j]; s[j + 1] = t }
             return m ? s[int(m * p)] : "NA" }
         END { if (n) printf "# guest_tpm: bridge relay of GetRandom, us: vtpm p50=%s p90=%s, whole p50=%s p90=%s n=%d\n",
                   pct(v, 0.5), pct(v, 0.9), pct(w, 0.5), pct(w, 0.9), n }'
echo "# guest_tpm: guest TPM $GUEST_TPM_DEVICE; one guest boot per side, best of 3 rounds of $GETRANDOM_N GetRandom(32) and $SEAL_N seals" \
     "timed in the guest (its TSC at the host's rate); nutshell = service VM via vtpm-bridge, linux = swtpm on the host"
