#!/bin/bash
# `bench boot ms` and `bench boot_since_reset ms`: how long each kernel takes
# to boot on the same QEMU microvm (TCG), median of BOOT_RUNS boots per side.
#
# Time basis: the guest TSC.  Under TCG it counts host TSC ticks since the VM
# started, so ticks / host TSC rate = guest time since machine reset
# (README.md, "Validating the time basis").
#   nutshell  booted with `test=banner`; its line
#             `BOOT-TIME banner_us=.. tsc_entry=.. tsc_banner=.. tsc_hz=..`
#             gives the TSC at its first instruction and at the banner.
#   linux     Debian's bzImage with ubench as /init in UBENCH_MODE=boot: it
#             prints the TSC read by the first instruction of /init.  The
#             kernel's entry (real-mode setup code; the XZ decompressor runs
#             after it and is part of this kernel's boot) is not visible to
#             the TSC, so it is placed with the host clock: the setup code
#             prints "Probing EDD" a few BIOS calls after entry, and the host
#             stamps when that line and the /init line arrive.
# boot             = kernel entry -> banner / first instruction of /init
# boot_since_reset = machine reset -> same (includes firmware: qboot and its
#                    option ROM), measured by the TSC alone
# boot_q35         = boot, on q35 (apps/image/qemu-machine.sh): SeaBIOS
#                    loads both kernels; the time from entry is measured the
#                    same way (the firmware is not in it)
# boot_smp4        = boot, on microvm with -smp 4: nutshell starts the other
#                    three CPUs before its banner, Linux before /init
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

BOOT_RUNS=${BOOT_RUNS:-3}
logdir=$BENCH_OUT/logs
mkdir -p "$logdir"

hz=$(host_tsc_hz) || hz=NA

# The machines: microvm as every bench uses it, q35, and microvm with four
# CPUs.
read -ra q35 < <(apps/image/qemu-machine.sh args q35)
NUTSHELL_Q35=("${q35[@]}" "${NUTSHELL_MACHINE[@]:2}")
LINUX_Q35=("${q35[@]}" "${LINUX_MACHINE[@]:2}")
NUTSHELL_SMP4=("${NUTSHELL_MACHINE[@]}" -smp 4)
LINUX_SMP4=("${LINUX_MACHINE[@]}" -smp 4)

# all_cpus_up LOG KIND SIDE: true unless KIND is smp4 and the boot in LOG
# did not have its four CPUs running; then it prints "NA NA" (a boot that
# left CPUs out is not the boot measured) and says why on stderr.
all_cpus_up() {
    [ "$2" != smp4 ] && return 0
    local n
    n=$(booted_cpus "$1")
    [ "$n" = 4 ] && return 0
    echo "# boot_smp4: $3 had $n CPUs running, not 4 (see $1)" >&2
    echo "NA NA"
    return 1
}

# nutshell_boot N [q35|smp4]: prints "<entry->banner ms> <reset->banner ms>" or "NA NA".
nutshell_boot() {
    local log=$logdir/boot-nutshell${2:+-$2}-$1.log machine=("${NUTSHELL_MACHINE[@]}")
    [ "${2:-}" = q35 ] && machine=("${NUTSHELL_Q35[@]}")
    [ "${2:-}" = smp4 ] && machine=("${NUTSHELL_SMP4[@]}")
    if [ ! -f "$NUTSHELL_ELF" ]; then
        echo "# boot: nutshell: $NUTSHELL_ELF not built" >&2
        echo "NA NA"
        return
    fi
    run_qemu 30 20 "$log" "${machine[@]}" -m 16 -kernel "$NUTSHELL_ELF" -append "test=banner"
    local rc=$?
    all_cpus_up "$log" "${2:-}" nutshell && parse_nutshell_boot "$log" $rc "$hz"
}

# linux_boot N [q35|smp4]: prints "<entry->init ms> <reset->init ms>" or "NA NA".
linux_boot() {
    local log=$logdir/boot-linux${2:+-$2}-$1.log machine=("${LINUX_MACHINE[@]}")
    [ "${2:-}" = q35 ] && machine=("${LINUX_Q35[@]}")
    [ "${2:-}" = smp4 ] && machine=("${LINUX_SMP4[@]}")
    if ! is_number "$hz"; then
        echo "# boot: linux: no host TSC rate" >&2
        echo "NA NA"
        return
    fi
    run_qemu 120 60 "$log" "${machine[@]}" -m "$LINUX_MEM" -kernel "$LINUX_KERNEL" \
        -initrd "$UBENCH_CPIO" -append "$(linux_cmdline "$hz" UBENCH_MODE=boot)"
    local rc=$?
    all_cpus_up "$log" "${2:-}" linux && parse_linux_boot "$log" $rc "$hz"
}

n_entry=() n_reset=() l_entry=() l_reset=() nq_entry=() lq_entry=() n4_entry=() l4_entry=()
for i in $(seq "$BOOT_RUNS"); do
    read -r a b < <(nutshell_boot "$i")
    n_entry+=("$a") n_reset+=("$b")
    read -r a b < <(linux_boot "$i")
    l_entry+=("$a") l_reset+=("$b")
    read -r a b < <(nutshell_boot "$i" q35)
    nq_entry+=("$a")
    read -r a b < <(linux_boot "$i" q35)
    lq_entry+=("$a")
    read -r a b < <(nutshell_boot "$i" smp4)
    n4_entry+=("$a")
    read -r a b < <(linux_boot "$i" smp4)
    l4_entry+=("$a")
done

echo "# boot: guest TSC at host rate $hz Hz; median of $BOOT_RUNS boots;" \
     "nutshell entry->banner ${n_entry[*]}, reset->banner ${n_reset[*]};" \
     "linux entry('Probing EDD', host clock)->/init ${l_entry[*]}, reset->/init ${l_reset[*]}"
bench_line boot ms "$(median "${n_entry[@]}")" "$(median "${l_entry[@]}")"
bench_line boot_since_reset ms "$(median "${n_reset[@]}")" "$(median "${l_reset[@]}")"
echo "# boot_q35: nutshell entry->banner ${nq_entry[*]}; linux entry->/init ${lq_entry[*]}"
bench_line boot_q35 ms "$(median "${nq_entry[@]}")" "$(median "${lq_entry[@]}")"
echo "# boot_smp4: nutshell entry->banner ${n4_entry[*]}; linux entry->/init ${l4_entry[*]}"
bench_line boot_smp4 ms "$(median "${n4_entry[@]}")" "$(median "${l4_entry[@]}")"
