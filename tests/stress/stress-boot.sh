#!/bin/bash
# The stress suite (tests/stress/README.md): one boot of the debug kernel in
# 32 MiB with a 200 us time slice, running every stress program at once
# while pressure keeps memory short.  Relays the programs' PASS/FAIL and rate
# lines and vmrun's per-program results, then judges the boot: QEMU status 1
# (all passed) and no kernel complaint (KDEBUG report, exception, panic).
# The VM gets four virtio-console ports, org.nutshell.stress.0 to 3 (the
# default of the program `ports`), on QEMU chardev Unix sockets that
# port-echo.py echoes.
# STRESS_NAME names the image (stress, or soak for `make soak`) and
# STRESS_TIMEOUT bounds the boot in seconds.  STRESS_CPUS (default 2) is the
# VM's vCPU count: the programs' processes and threads then cross CPUs (run
# queues, balancing, wake-ups by IPI, TLB shootdowns; issue 14), and churn's
# workers must have been seen on every one of them.
set -u
MACHINE_CPUS=${STRESS_CPUS:-2}
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../integration/lib/results.sh" "$@"
here=$(dirname "$0")
. "$here/../integration/lib/qemu.sh"
kernel=${1:?kernel} image=${2:?stress.cpio}
# The serial logs of the last boot are kept beside the image (a failure's
# kernel task dump, docs/architecture.md "The debug kernel", is in there).
keep=${STRESS_KEEP:-$(dirname "$image")/logs}
timeout_s=${STRESS_TIMEOUT:-540}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nports=4

# The ports' QEMU arguments, and their sockets for the echo.
port_args=(-global virtio-mmio.force-legacy=false -device virtio-serial-device)
sockets=()
for ((i = 0; i < nports; i++)); do
    port_args+=(-chardev "socket,id=port$i,path=$work/port$i.sock,server=on,wait=off"
                -device "virtserialport,chardev=port$i,name=org.nutshell.stress.$i")
    sockets+=("$work/port$i.sock")
done

# check_oom_log LOG: the kernel's OOM killer logged one line for each hog
# that oom (tests/stress/oom.c) saw killed, naming it, and killed nothing else
# (no survivor, no other stress program).
check_oom_log() {
    local hogs killed
    hogs=$(sed -n 's/^note stress\/oom: round [0-9]* hog pid \([0-9]*\) killed by SIGKILL$/\1 (oom)/p' "$1" | sort)
    killed=$(sed -n 's/^oom: out of memory: killed process \([0-9]* ([^)]*)\), .*/\1/p' "$1" | sort)
    if [ -n "$hogs" ] && [ "$hogs" = "$killed" ]; then
        pass stress/oom-kernel-log-names-each-hog
    else
        fail stress/oom-kernel-log-names-each-hog "hogs killed: $(echo $hogs); the kernel's OOM lines: $(echo ${killed:-none})"
    fi
}

stress_boot() {
    local name=$1 log=$work/$1.log
    # the echo connects once QEMU made the sockets and ends when QEMU closes them
    python3 "$here/port-echo.py" $((timeout_s + 30)) "${sockets[@]}" >"$work/echo.txt" 2>&1 &
    local echo_pid=$!
    qemu_boot "$timeout_s" "$log" -m 32 -kernel "$kernel" -initrd "$image" -append "quiet sched_slice_us=200" \
        "${port_args[@]}"
    local rc=$?
    keep_logs "$work" "$keep"
    # it has seen EOF by now unless QEMU died before it connected
    for ((t = 0; t < 50; t++)); do kill -0 "$echo_pid" 2>/dev/null || break; sleep 0.1; done
    kill "$echo_pid" 2>/dev/null
    wait "$echo_pid" 2>/dev/null
    grep -E '^note ' "$work/echo.txt"
    strip_log "$log" >"$work/$name.txt"
    grep -E '^(PASS|FAIL|rate|note) ' "$work/$name.txt"
    grep -q '^note stress/oom: ' "$work/$name.txt" && check_oom_log "$work/$name.txt"
    if [ "$MACHINE_CPUS" -gt 1 ]; then
        expect_in "$work/$name.txt" "stress/churn-ran-on-$MACHINE_CPUS-cpus" \
            "^note stress/churn: its workers ran on $MACHINE_CPUS CPUs\$"
    fi
    if [ $rc -eq 1 ] && ! grep -qE 'KDEBUG:|KERNEL EXCEPTION|panic' "$work/$name.txt"; then
        pass "stress/$name-boot"
    else
        fail "stress/$name-boot" "QEMU status $rc (1 = all passed, 3 = some failed, 5 = panic, 124 = hung) or a kernel report in the log"
        grep -vE '^(PASS|FAIL|rate|note) ' "$work/$name.txt" | tail -40
        echo "(the whole serial log: $keep/$name.log)"
    fi
}
stress_boot "${STRESS_NAME:-stress}"
