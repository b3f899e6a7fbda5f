#!/bin/bash
# Channel benchmarks (tests/bench/channel/README.md): bytes through a
# virtio-console port each way, and TPM2_GetRandom round trips from the host
# to the vtpm in the VM, under nutshell and under Debian's kernel with the
# same QEMU, the same devices (apps/image's service_vm_devices plus one bench
# port) and the same guest binaries.
#
#   bench channel_throughput_in MB/s ...    host -> guest
#   bench channel_throughput_out MB/s ...   guest -> host
#   bench vm_tpm_getrandom ops/s ...
#
# All three are host wall-clock rates (higher is better; ratio = nutshell /
# linux): under TCG the guest's time is the host's time.
#
# The host is shared and its speed drifts by tens of percent within minutes,
# more than the two kernels differ, so the sides are booted in interleaved
# pairs (nutshell then Linux, then Linux then nutshell, ...) and each column
# is the median over the pairs of the best of ROUNDS runs within a boot.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root" || exit 1
. tests/bench/lib.sh
OUT=$BUILD/bench/channel
CPIO=$OUT/bench.cpio
DEVFILE=$BUILD/tests/vm-tpm/devices
VTPM=$BUILD/apps/vtpm/vtpm
TOOL=$BUILD/tests/vtpm/tpmtool
TPMBENCH=$BUILD/tests/vtpm/tpmbench
MBYTES=${CHANNEL_BENCH_MBYTES:-8}
ROUNDS=${CHANNEL_BENCH_ROUNDS:-3}
PAIRS=${CHANNEL_BENCH_PAIRS:-3}
GETRANDOM_N=${CHANNEL_BENCH_GETRANDOM:-300}
LOGS=$BENCH_OUT/logs
mkdir -p "$LOGS"
work=$(mktemp -d /tmp/bench-channel.XXXXXX)
qpid=
trap '[ -n "$qpid" ] && { kill -9 "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; }; rm -rf "$work"' EXIT

# hold_port PORT FD: opens descriptor FD on 127.0.0.1:PORT (QEMU listens a
# moment after it starts), kept open until the caller closes it.
hold_port() {
    local i
    for i in $(seq 50); do
        eval "exec $2<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "# channel: cannot connect to port $1" >&2
}

# run_side KIND PAIR: boots KIND (nutshell or linux) and prints
# "<in MB/s> <out MB/s> <getrandom ops/s>", NA for what failed.
run_side() {
    local kind=$1 port ctrl bport devices log=$LOGS/channel-$1-$2.log state=$work/$1.img
    local machine kernel_args
    if [ "$kind" = nutshell ]; then
        machine=("${NUTSHELL_MACHINE[@]}")
        kernel_args=(-kernel "$NUTSHELL_ELF")
    else
        [ -e "$LINUX_KERNEL" ] || { echo "# channel: no Linux kernel ($LINUX_KERNEL)" >&2; echo "NA NA NA"; return; }
        machine=("${LINUX_MACHINE[@]}")
        kernel_args=(-kernel "$LINUX_KERNEL" -append "$(linux_cmdline "$(host_tsc_hz)")")
    fi
    rm -f "$state" # a fresh TPM for every boot (mkstate keeps an existing image)
    apps/image/mkstate.sh "$VTPM" "$state" >/dev/null 2>&1 || { echo "# channel: mkstate failed" >&2; echo "NA NA NA"; return; }
    # Three ports below Linux's ephemeral range (32768-60999), where a
    # client's own source port could hold one; another listener may still
    # have one, so a few tries.
    local _
    for _ in 1 2 3 4 5; do
        port=$(( (RANDOM % 3000) * 4 + 20000 ))
        ctrl=$((port + 1))
        bport=$((port + 2))
        devices=$(sed -e "s#@STATE@#$state#" -e "s#@PORT@#$port#" -e "s#@CTRL@#$ctrl#" "$DEVFILE")
        # shellcheck disable=SC2086 # the device arguments are words
        "$QEMU" "${machine[@]}" -m 256 -serial stdio -monitor none "${kernel_args[@]}" -initrd "$CPIO" \
            $devices -chardev socket,id=bench,host=127.0.0.1,port=$bport,server=on,wait=off \
            -device virtserialport,chardev=bench,name=org.nutshell.bench </dev/null >"$log" 2>&1 &
        qpid=$!
        sleep 0.5 # QEMU opens its sockets before it starts the guest
        grep -q "Address already in use" "$log" || break
        wait "$qpid" 2>/dev/null
    done
    local rates in=NA out=NA gr=NA
    # Every port has a host client while anything is timed: under Linux a
    # read on a port with no host peer returns 0 at once (and poll reports
    # POLLHUP), so the vtpm would spin reopening its ports and steal the CPU
    # from what is measured.  (nutshell's reader sleeps instead.)
    hold_port "$port" 7
    hold_port "$ctrl" 8
    if rates=$(timeout 400 python3 tests/bench/channel/chanhost.py "$bport" "$MBYTES" "$ROUNDS" 2>>"$log"); then
        in=$(field "$rates" in)
        out=$(field "$rates" out)
    else
        echo "# channel: $kind: no throughput (see $log)" >&2
    fi
    local i
    exec 7>&- # the data port takes one client at a time: tpmbench's
    # The vtpm is up long before chanbench answered; a few tries at most.
    for i in 1 2 3 4 5 6; do
        timeout 10 "$TOOL" startup "$port" >/dev/null 2>&1 && break
        sleep 1
    done
    local r
    for i in $(seq "$ROUNDS"); do # best of ROUNDS, like the throughput
        r=$(timeout 120 "$TPMBENCH" "$port" getrandom "$GETRANDOM_N" 2>>"$log")
        is_number "$r" || { echo "# channel: $kind: getrandom run $i failed (see $log)" >&2; break; }
        if ! is_number "$gr" || awk -v a="$r" -v b="$gr" 'BEGIN { exit !(a > b) }'; then gr=$r; fi
    done
    exec 8>&-
    kill -9 "$qpid" 2>/dev/null
    wait "$qpid" 2>/dev/null
    qpid=
    echo "$in $out $gr"
}

declare -A vals # vals[<kind>_<in|out|gr>] = the pairs' values
for pair in $(seq "$PAIRS"); do
    order="nutshell linux"
    [ $((pair % 2)) -eq 0 ] && order="linux nutshell"
    for kind in $order; do
        read -r v_in v_out v_gr < <(run_side "$kind" "$pair")
        vals[${kind}_in]+=" $v_in"
        vals[${kind}_out]+=" $v_out"
        vals[${kind}_gr]+=" $v_gr"
    done
done
echo "# channel: $MBYTES MiB each way, best of $ROUNDS per boot; getrandom: best of $ROUNDS runs of $GETRANDOM_N round trips on one connection (tpmbench); median of $PAIRS interleaved boot pairs"
for k in nutshell linux; do
    echo "# channel: $k per pair: in${vals[${k}_in]} / out${vals[${k}_out]} / getrandom${vals[${k}_gr]}"
done
# shellcheck disable=SC2086 # the value lists are words
{
    bench_line channel_throughput_in MB/s "$(median ${vals[nutshell_in]})" "$(median ${vals[linux_in]})"
    bench_line channel_throughput_out MB/s "$(median ${vals[nutshell_out]})" "$(median ${vals[linux_out]})"
    bench_line vm_tpm_getrandom ops/s "$(median ${vals[nutshell_gr]})" "$(median ${vals[linux_gr]})"
}
