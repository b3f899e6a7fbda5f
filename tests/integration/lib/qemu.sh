# Shared by the QEMU-driven suites: source it, then call qemu_boot.
#
# qemu_boot TIMEOUT OUTFILE QEMU-ARGS...
#   Boots QEMU (TCG, isa-debug-exit) with the given extra arguments, serial
#   output into OUTFILE, on the machine kind MACHINE_KIND (microvm by
#   default; q35 or pc: apps/image/qemu-machine.sh, which also renames the
#   virtio devices among the arguments for the machine) with MACHINE_CPUS
#   vCPUs (1 by default); MACHINE_ARGS, when set, replaces both (a variant
#   of a kind: `-machine pc,acpi=off -nic none -smp 2,sockets=2`; the devices
#   are still renamed for MACHINE_KIND).  Returns QEMU's status: with isa-debug-exit a
#   guest writing v exits with (v << 1) | 1 (1 = clean power-off, 3 = tests
#   failed, 5 = kernel panic; docs/architecture.md), and 124 when the guest was
#   still running after TIMEOUT seconds and was killed.
#
# strip_log FILE: the serial log without printk's "[  ms.us] " prefixes (and
# without SeaBIOS's last words on q35 and pc, which end with no newline, so
# the guest's first line follows them on the same line).

QEMU_BIN=${QEMU_BIN:-qemu-system-x86_64}
MACHINE_KIND=${MACHINE_KIND:-microvm}
MACHINE_CPUS=${MACHINE_CPUS:-1}
QEMU_MACHINE_SH=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/apps/image/qemu-machine.sh

# machine_args: the machine arguments of MACHINE_KIND and MACHINE_CPUS (words).
# machine_devices ARGS...: ARGS with the virtio devices renamed for it, into
# the array MACHINE_DEVICES.
machine_args() {
    if [ -n "${MACHINE_ARGS:-}" ]; then echo "$MACHINE_ARGS"; else "$QEMU_MACHINE_SH" args "$MACHINE_KIND"; echo "-smp $MACHINE_CPUS"; fi
}
machine_devices() { mapfile -t MACHINE_DEVICES < <("$QEMU_MACHINE_SH" devices "$MACHINE_KIND" "$@"); }

qemu_boot() {
    local timeout_s=$1 out=$2
    shift 2
    machine_devices "$@"
    # shellcheck disable=SC2046 # the machine arguments are words
    timeout --kill-after=5 "$timeout_s" "$QEMU_BIN" $(machine_args) -cpu max -no-reboot \
        -nographic -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 "${MACHINE_DEVICES[@]}" \
        </dev/null >"$out" 2>&1
}

strip_log() {
    sed -e 's/\r$//' -e 's/^Booting from ROM\.\.//' -e 's/^\[ *[0-9]*\.[0-9]*\] //' "$1"
}

# pass NAME / fail NAME WHY: one result line in the run-suites.sh format.
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# expect_in FILE NAME PATTERN...: PASS if every (grep -E) pattern occurs in FILE.
expect_in() {
    local file=$1 name=$2
    shift 2
    for pat in "$@"; do
        if ! grep -qE -- "$pat" "$file"; then
            fail "$name" "no line matching '$pat'"
            return 1
        fi
    done
    pass "$name"
}

# expect_cpus_up FILE NAME: with several CPUs (MACHINE_CPUS > 1), PASS if
# the kernel's log in FILE says all of them came up (its `smp:` line is a
# notice: the boot's log level must show it); nothing with one CPU.
expect_cpus_up() {
    [ "$MACHINE_CPUS" -gt 1 ] || return 0
    expect_in "$1" "$2" "smp: $MACHINE_CPUS of $MACHINE_CPUS CPUs up"
}

# keep_logs DIR DEST: DEST (emptied first) gets copies of DIR's *.log, so a
# suite's consoles outlive its temporary directory.
keep_logs() {
    rm -rf "$2"
    mkdir -p "$2"
    cp "$1"/*.log "$2"/ 2>/dev/null
}
