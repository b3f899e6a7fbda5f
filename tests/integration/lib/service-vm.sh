# shellcheck shell=bash
# The service VM with its guest vtpm instances, as the vm-bridge suite, the
# guest_tpm benches and `make run-guest` start it (sourced).
#
# service_vm_wait_vtpms LOG PID SECONDS
#   0 once the service VM's console LOG says its guest vtpm instances 1 and 2
#   (apps/image/inittab) started; 1 if QEMU (PID) stopped first or SECONDS
#   passed.  SERVICE_VM_STARTED holds the count.  The host's vtpm is not
#   waited for: it starts only once aproxy's stage 1 hands it its state key,
#   and these boots run no attestation (tests/integration/vm-aproxy does).
#
# service_vm_boot DIR KERNEL CPIO DEVICES LOG SECONDS
#   Boots the service VM in the background on DIR/state0.img (the host's
#   vtpm, on a random TCP port pair, another one if that is taken) and DIR/state{1,2}.img
#   (guest instances, whose ports are the Unix sockets DIR/tpmN-data.sock and
#   DIR/tpmN-ctrl.sock), filling in the DEVICES template
#   (tests/integration/vm-bridge.mk); the console goes to LOG.  Sets
#   SERVICE_VM_PID, then waits as service_vm_wait_vtpms.

VTPM_MKSTATE=${VTPM_MKSTATE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/apps/image/mkstate.sh}

service_vm_wait_vtpms() {
    local log=$1 pid=$2 seconds=$3
    SERVICE_VM_STARTED=0
    for _ in $(seq $((seconds * 10))); do
        SERVICE_VM_STARTED=$(grep -c "vtpm: tpm: started" "$log" 2>/dev/null)
        [ "${SERVICE_VM_STARTED:-0}" -ge 2 ] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

service_vm_boot() {
    local dir=$1 kernel=$2 cpio=$3 devfile=$4 log=$5 seconds=$6 devices port try
    # The port pair is picked at random, and again if something else holds
    # one of them (QEMU then stops at once, saying so): other suites, and
    # other checkouts' suites, pick theirs from the same range.
    for try in 1 2 3; do
        port=$(( (RANDOM % 15000) * 2 + 20000 ))
        : >"$log" # (the redirection below empties it only once QEMU's child runs)
        devices=$(sed -e "s#@STATE@#$dir/state0.img#" -e "s#@PORT@#$port#" -e "s#@CTRL@#$((port + 1))#" \
            -e "s#@STATE1@#$dir/state1.img#" -e "s#@STATE2@#$dir/state2.img#" -e "s#@SOCKDIR@#$dir#g" "$devfile")
        # shellcheck disable=SC2086 # the device arguments are words
        "${QEMU_BIN:-qemu-system-x86_64}" -machine microvm,acpi=off -cpu max -no-reboot -nographic -monitor none \
            -serial stdio -m 192 -kernel "$kernel" -initrd "$cpio" $devices </dev/null >"$log" 2>&1 &
        SERVICE_VM_PID=$!
        service_vm_wait_vtpms "$log" "$SERVICE_VM_PID" "$seconds" && return 0
        kill -0 "$SERVICE_VM_PID" 2>/dev/null && return 1
        wait "$SERVICE_VM_PID" 2>/dev/null
        grep -q "Address already in use" "$log" || return 1
    done
    return 1
}
