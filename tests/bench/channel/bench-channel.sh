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

# run_side KIND: boots KIND (nutshell or linux) and prints
# "<in MB/s> <out MB/s> <getrandom ops/s>", NA for what failed.
run_side() {
    local kind=$1 port ctrl bport devices log=$LOGS/channel-$1.log state=$work/$1.img
    local machine kernel_args
    if [ "$kind" = nutshell ]; then
        machine=("${NUTSHELL_MACHINE[@]}")
        kernel_args=(-kernel "$NUTSHELL_ELF")
    else
        [ -e "$LINUX_KERNEL" ] || { echo "# channel: no Linux kernel ($LINUX_KERNEL)" >&2; echo "NA NA NA"; return; }
        machine=("${LINUX_MACHINE[@]}")
        kernel_args=(-kernel "$LINUX_KERNEL" -append "$(linux_cmdline "$(host_tsc_hz)")")
    fi
    apps/image/mkstate.sh "$VTPM" "$state" >/dev/null 2>&1 || { echo "# channel: mkstate failed" >&2; echo "NA NA NA"; return; }
    port=$(( (RANDOM % 10000) * 4 + 20000 ))
    ctrl=$((port + 1))
    bport=$((port + 2))
    devices=$(sed -e "s#@STATE@#$state#" -e "s#@PORT@#$port#" -e "s#@CTRL@#$ctrl#" "$DEVFILE")
    # shellcheck disable=SC2086 # the device arguments are words
    "$QEMU" "${machine[@]}" -m 256 -serial stdio -monitor none "${kernel_args[@]}" -initrd "$CPIO" \
        $devices -chardev socket,id=bench,host=127.0.0.1,port=$bport,server=on,wait=off \
        -device virtserialport,chardev=bench,name=org.nutshell.bench </dev/null >"$log" 2>&1 &
    qpid=$!
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

read -r n_in n_out n_gr < <(run_side nutshell)
read -r l_in l_out l_gr < <(run_side linux)
echo "# channel: $MBYTES MiB each way, best of $ROUNDS; getrandom: best of $ROUNDS runs of $GETRANDOM_N round trips on one connection (tpmbench)"
bench_line channel_throughput_in MB/s "$n_in" "$l_in"
bench_line channel_throughput_out MB/s "$n_out" "$l_out"
bench_line vm_tpm_getrandom ops/s "$n_gr" "$l_gr"
