#!/bin/bash
# Memory floor (issue 12): the smallest guest RAM, in whole MiB, at which the
# service VM answers a TPM2_GetRandom from the host, found by bisection for
# nutshell and for Debian's stock kernel on the same QEMU (microvm, TCG) with
# the same devices (apps/image's service_vm_devices) and the same vtpm binary.
#
#   bench min_mem_mib MiB nutshell=<v> linux=<v> ratio=<v>    lower is better
#
# nutshell boots the service image without the guests' vtpm instances
# (build/tests/vm-tpm/vm-tpm.cpio: init + one vtpm, as in the Linux archive).  Linux boots tests/bench/channel's archive made with the same
# stripped init and vtpm, whose /init (linuxinit) loads the virtio modules and
# starts the vtpm on the same ports, as the channel benchmark does.
#
# A boot passes when the vtpm says "vtpm: tpm: started" within BOOT_WAIT
# seconds and then answers TPM2_Startup and TPM2_GetRandom(8) (tpmtool) on
# its data port.  The bisection assumes passing is monotonic in memory: it
# checks the upper bound passes, then halves [lo, hi] until hi - lo = 1.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root" || exit 1
. tests/bench/lib.sh
DEVFILE=$BUILD/tests/vm-tpm/devices
VTPM=$BUILD/apps/image/vtpm
TOOL=$BUILD/tests/vtpm/tpmtool
NUTSHELL_CPIO=$BUILD/tests/vm-tpm/vm-tpm.cpio
LINUX_CPIO=$BUILD/bench/memfloor/linux.cpio
BOOT_WAIT=${MEMFLOOR_BOOT_WAIT:-90}
NUTSHELL_RANGE=${MEMFLOOR_NUTSHELL_RANGE:-"2 16"}
LINUX_RANGE=${MEMFLOOR_LINUX_RANGE:-"16 256"}
GETRANDOM=80010000000c0000017b0008        # TPM2_GetRandom(8)
GETRANDOM_OK=800100000014000000000008     # its successful response's header
LOGS=$BENCH_OUT/logs
mkdir -p "$LOGS"
work=$(mktemp -d /tmp/bench-memfloor.XXXXXX)
qpid=
trap '[ -n "$qpid" ] && { kill -9 "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; }; rm -rf "$work"' EXIT

# answers KIND MEM: 0 when the KIND (nutshell or linux) VM with MEM MiB
# answers GetRandom; the console is kept in $LOGS/memfloor-KIND-MEM.log.
answers() {
    local kind=$1 mem=$2 log=$LOGS/memfloor-$1-$2.log state=$work/state.img machine args port ctrl i
    if [ "$kind" = nutshell ]; then
        machine=("${NUTSHELL_MACHINE[@]}")
        args=(-kernel "$NUTSHELL_ELF" -initrd "$NUTSHELL_CPIO")
    else
        machine=("${LINUX_MACHINE[@]}")
        args=(-kernel "$LINUX_KERNEL" -initrd "$LINUX_CPIO" -append "$(linux_cmdline "$(host_tsc_hz)")")
    fi
    rm -f "$state"
    apps/image/mkstate.sh "$VTPM" "$state" >/dev/null 2>&1 || { echo "# memfloor: mkstate failed" >&2; return 1; }
    for _ in 1 2 3 4 5; do
        port=$(( (RANDOM % 3000) * 2 + 26000 ))
        ctrl=$((port + 1))
        # shellcheck disable=SC2046 # the device arguments are words
        "$QEMU" "${machine[@]}" -m "$mem" -serial stdio -monitor none "${args[@]}" \
            $(sed -e "s#@STATE@#$state#" -e "s#@PORT@#$port#" -e "s#@CTRL@#$ctrl#" "$DEVFILE") \
            </dev/null >"$log" 2>&1 &
        qpid=$!
        sleep 0.5
        grep -q "Address already in use" "$log" || break
        wait "$qpid" 2>/dev/null
    done
    local ok=1
    for i in $(seq $((BOOT_WAIT * 5))); do
        grep -q "vtpm: tpm: started" "$log" && { ok=0; break; }
        kill -0 "$qpid" 2>/dev/null || break
        sleep 0.2
    done
    if [ $ok -eq 0 ]; then
        local r
        timeout 60 "$TOOL" startup "$port" >/dev/null 2>&1 &&
            r=$(timeout 60 "$TOOL" raw "$port" "$GETRANDOM" 2>/dev/null) && [ "${r:0:24}" = "$GETRANDOM_OK" ] || ok=1
    fi
    kill -9 "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    qpid=
    echo "# memfloor: $kind at $mem MiB: $([ $ok -eq 0 ] && echo answers || echo no answer)" >&2
    return $ok
}

# floor KIND LO HI: the smallest MEM in (LO, HI] that answers, or NA when HI does not.
floor() {
    local kind=$1 lo=$2 hi=$3 mid
    answers "$kind" "$hi" || { echo NA; return; }
    while [ $((hi - lo)) -gt 1 ]; do
        mid=$(( (lo + hi) / 2 ))
        if answers "$kind" "$mid"; then hi=$mid; else lo=$mid; fi
    done
    echo "$hi"
}

for f in "$NUTSHELL_ELF" "$NUTSHELL_CPIO" "$DEVFILE" "$VTPM" "$TOOL"; do
    [ -e "$f" ] || { echo "# memfloor: $f is missing" >&2; bench_line min_mem_mib MiB NA NA; exit 0; }
done
# shellcheck disable=SC2086 # the ranges are two words
n=$(floor nutshell $NUTSHELL_RANGE)
l=NA
if [ -e "$LINUX_KERNEL" ] && [ -e "$LINUX_CPIO" ]; then
    # shellcheck disable=SC2086
    l=$(floor linux $LINUX_RANGE)
else
    echo "# memfloor: no Linux kernel or archive ($LINUX_KERNEL, $LINUX_CPIO)" >&2
fi
echo "# memfloor: bisection in whole MiB over ($NUTSHELL_RANGE] for nutshell, ($LINUX_RANGE] for linux; target ratio <= 1/12 (0.083)"
bench_line min_mem_mib MiB "$n" "$l"
