#!/bin/bash
# vm-tpm suite: the vtpm inside the service VM, reached from the host through
# its virtio-console ports (QEMU chardev sockets on free loopback ports), its
# state on a virtio disk, as `make run` sets it up (tests/integration/vm-tpm.mk
# says how the image differs: the vtpm is init's `final` service).
#
#   vm-tpm.sh KERNEL CPIO DEVICES
#
# DEVICES holds apps/image's QEMU device arguments with @STATE@, @PORT@ and
# @CTRL@ placeholders.  One line per test: PASS <name> / FAIL <name>: <why>.
#
# Boots: one for the tpm2-tools list and the host-behaviour tests, ended by the
# vtpm's SHUTDOWN (a clean power-off); one to check persistence; then
# VM_TPM_CRASH_ITERS (default 4) rounds of a write-heavy workload cut by
# kill -9 of QEMU, each followed by a boot that must load a consistent state.
#
# On another machine kind than microvm (MACHINE_KIND=q35 or pc: virtio-pci
# devices, tests/integration/lib/qemu.sh) the tests are named vm-tpm-KIND/
# and only the core runs, in the first boot: the commands that exercise the
# ports, the disk (NV writes commit the state) and the shutdown; not the key
# generations (CPU time, not transport) nor the persistence and crash boots
# (the disk driver is the same code on both transports).  MACHINE_CPUS
# (default 1) is the VM's vCPU count; with several, cpus-up checks that all
# came up (make test runs the q35 core with 2: the vTPM on several CPUs).
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
kernel=$(realpath -- "$1") cpio=$(realpath -- "$2") devfile=$(realpath -- "$3")
root=$(cd "$(dirname "$0")/../../.." && pwd)
VTPM=${VTPM:-$root/build/apps/vtpm/vtpm}
TOOL=${TPMTOOL:-$root/build/tests/vtpm/tpmtool}
CRASH_ITERS=${VM_TPM_CRASH_ITERS:-4}
VM_MEM=${VM_TPM_MEM:-128}
# The persistence boot runs at the memory floor the service must fit in
# (issue 12): init, the vtpm on its ports and its state disk in 8 MiB.
SMALL_MEM=${VM_TPM_SMALL_MEM:-8}
# Seconds a boot may take to get the vtpm going, and a whole boot at most
# (a watchdog kills QEMU after that, so a hung guest fails the tests using it).
BOOT_WAIT=${VM_TPM_BOOT_WAIT:-120}
BOOT_LIMIT=${VM_TPM_BOOT_LIMIT:-120}
# The consoles of the last run are kept here for debugging.
keep=$root/build/tests/vm-tpm/logs

. "$root/tests/integration/lib/qemu.sh"
. "$root/tests/integration/vtpm/tpm2-list.sh"

S=vm-tpm core_only=false
if [ "$MACHINE_KIND" != microvm ]; then
    S=vm-tpm-$MACHINE_KIND core_only=true
    keep=$keep-$MACHINE_KIND
fi
work=$(mktemp -d /tmp/vm-tpm.XXXXXX)
state=$work/state.img
qpid= wpid= boots=0

for f in "$kernel" "$cpio" "$devfile" "$VTPM" "$TOOL"; do
    [ -e "$f" ] || { fail $S/setup "$f is missing"; exit 1; }
done

# boot_vm [MEM]: boots the VM (MEM MiB, default VM_MEM) on $state with the
# ports on a free pair (PORT, CTRL = PORT + 1, as the swtpm TCTI expects); the
# console goes to $work/console.N ($log).  Returns 0 once the vtpm's TPM has
# started, 1 if QEMU ended first (the vtpm refused its state, or worse: see
# $log), 2 if nothing happened in BOOT_WAIT seconds.
boot_vm() {
    local tries i mem=${1:-$VM_MEM}
    for tries in 1 2 3 4 5 6 7 8 9 10; do
        boots=$((boots + 1))
        log=$work/console.$boots
        PORT=$(( (RANDOM % 15000) * 2 + 20000 ))
        CTRL=$((PORT + 1))
        local devices
        devices=$(sed -e "s#@STATE@#$state#" -e "s#@PORT@#$PORT#" -e "s#@CTRL@#$CTRL#" "$devfile")
        # shellcheck disable=SC2086 # the device arguments are words
        machine_devices $devices
        # shellcheck disable=SC2046 # the machine arguments are words
        "$QEMU_BIN" $(machine_args) -cpu max -no-reboot -nographic -monitor none \
            -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -m "$mem" \
            -kernel "$kernel" -initrd "$cpio" "${MACHINE_DEVICES[@]}" </dev/null >"$log" 2>&1 &
        qpid=$!
        (sleep "$BOOT_LIMIT"; kill -9 "$qpid") >/dev/null 2>&1 &
        wpid=$!
        for i in $(seq $((BOOT_WAIT * 10))); do
            if grep -q "vtpm: tpm: started" "$log"; then
                export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$PORT"
                return 0
            fi
            if ! kill -0 "$qpid" 2>/dev/null; then
                wait "$qpid" 2>/dev/null
                qrc=$?
                stop_watchdog
                qpid=
                grep -q "Address already in use" "$log" && continue 2
                return 1
            fi
            sleep 0.1
        done
        kill9_vm
        return 2
    done
    return 1
}

stop_watchdog() {
    [ -n "$wpid" ] && { kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null; }
    wpid=
}

# kill9_vm: pulls the plug (SIGKILL: QEMU writes nothing more to the disk).
kill9_vm() {
    if [ -n "$qpid" ]; then
        kill -9 "$qpid" 2>/dev/null
        wait "$qpid" 2>/dev/null
    fi
    qpid=
    stop_watchdog
}

# wait_vm_exit: waits for QEMU to end by itself (at most BOOT_LIMIT, the
# watchdog); sets qrc to its status.
wait_vm_exit() {
    wait "$qpid" 2>/dev/null
    qrc=$?
    qpid=
    stop_watchdog
}

# On exit: no QEMU left behind; the consoles kept in $keep.
trap 'kill9_vm; rm -rf "$keep"; mkdir -p "$keep"; cp "$work"/console.* "$keep"/ 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1

# The console without printk's timestamps, for messages.
console_tail() { strip_log "$log" | grep -E "vtpm|init:|panic|virtio" | tail -n "${1:-4}" | tr '\n' ' '; }

# t NAME COMMAND...: PASS if the command succeeds.  It runs in this shell,
# not a subshell, since tests boot, wait for and kill QEMU (only the shell that
# started it can wait for it); its output goes to $work/out.
t() {
    local name=$1
    shift
    if "$@" >"$work/out" 2>&1; then
        pass "$name"
        grep '^note:' "$work/out" | sed 's/^/  /'
    else
        fail "$name" "$(grep -v '^note:' "$work/out" | tail -n 3 | tr '\n' ' ') [console: $(console_tail)]"
    fi
}

# ---------------------------------------------------------------- first boot
# A fresh state, formatted by the host-run vtpm as make run does.
if ! "$root/apps/image/mkstate.sh" "$VTPM" "$state" >"$work/mkstate.log" 2>&1; then
    fail $S/state-created "$(tail -n 2 "$work/mkstate.log" | tr '\n' ' ')"
    exit 1
fi
boot_vm
rc=$?
if [ $rc -ne 0 ]; then
    fail $S/boot "boot_vm status $rc: $(console_tail 6)"
    exit 1
fi
pass $S/boot
expect_cpus_up "$log" $S/cpus-up

t $S/tpm2-startup tpm2_startup -c
tpm2_list_setup
t $S/tpm2-getrandom test_getrandom
t $S/tpm2-pcrread-pcrextend test_pcr
if ! $core_only; then
    t $S/tpm2-createprimary-rsa2048 createprimary rsa2048 prim.ctx
    t $S/tpm2-createprimary-ecc-p256 createprimary ecc256 eprim.ctx
    t $S/tpm2-create-load-sign-verify test_sign
    t $S/tpm2-quote-checkquote test_quote
fi
t $S/tpm2-nvdefine-nvwrite-nvread test_nv
$core_only || t $S/tpm2-evictcontrol test_evict

# ---------------------------------------------------------------- host behaviour
getrandom=80010000000c0000017b0008 # TPM2_GetRandom(8)

# The guest tells host clients apart by their hang-ups: QEMU reports a
# disconnect and the next connect on the control queue, the bytes on the
# port's own queue, and if a client leaves bytes behind and the next one
# connects and sends before the guest has looked, no order is left between
# the two (docs/devices.md, "Where a hang-up falls").  So each client here
# starts only once the vtpm has seen the previous one leave: the vtpm logs
# every connection's end, and on a port that end is the client's hang-up.
# Waiting for that line is what makes these tests exact, whatever the load.
ended() {
    strip_log "$log" | grep -oE "$1 connection [0-9]+( closed by peer|: [^;]*; closed)" | wc -l
}

# await_ended KIND N: until the vtpm has seen N KIND connections end (QEMU's
# watchdog bounds the wait).
await_ended() {
    while [ "$(ended "$1")" -lt "$2" ]; do
        kill -0 "$qpid" 2>/dev/null || { echo "QEMU ended before the vtpm saw a $1 client leave"; return 1; }
        sleep 0.1
    done
}

# read_hex N: N bytes from descriptor 5, in hex (fewer if it ends first).
read_hex() { timeout 120 head -c "$1" <&5 | od -An -tx1 -v | tr -d ' \n'; }

# ask KIND PORT HEX [LEN]: one client that sends HEX, prints the answer in hex
# (LEN bytes; without LEN a TPM response: its header, then the rest its size
# field gives) and leaves; returns once the vtpm has seen it leave.  Having
# its answer, it knows the vtpm has read past every earlier hang-up, so the
# count taken then is exact.
ask() {
    local n r
    exec 5<>"/dev/tcp/127.0.0.1/$2" || return 1
    hex2bin "$3" >&5
    if [ $# -ge 4 ]; then
        r=$(read_hex "$4")
    else
        r=$(read_hex 10)
        [ ${#r} = 20 ] && [ $((16#${r:4:8})) -gt 10 ] && r+=$(read_hex $((16#${r:4:8} - 10)))
    fi
    n=$(ended "$1")
    exec 5>&-
    echo "$r"
    await_ended "$1" $((n + 1))
}

# vanish KIND PORT HEX: a client that sends HEX and leaves at once, without
# its answer; returns once the vtpm has seen it leave.  The previous client
# was an ask, so the count taken before it connects is exact.
vanish() {
    local n
    n=$(ended "$1")
    "$TOOL" vanish "$2" "$3" || return 1
    await_ended "$1" $((n + 1))
}

# Clients that vanish mid-command: half a frame, a header's first bytes, a
# whole command (GetRandom(16), whose answer is 26 bytes long) whose response
# nobody reads, then close; each followed by a client that sends
# GetRandom(8), which must get its own answer (20 bytes: a success with 8
# random bytes): the vanished client's bytes end at its hang-up and its
# response is never sent to the next client.  Then tpm2_getrandom still works.
test_vanishing_clients() {
    local i half r wrong=0
    r=$(ask data $PORT $getrandom) || return 1
    [ "${r:0:24}" = 800100000014000000000008 ] || { echo "GetRandom before the vanishing clients: '$r'"; return 1; }
    for i in 1 2 3 4 5 6 7 8 9; do
        case $((i % 3)) in
            0) half=80010000000c0000 ;;
            1) half=8001 ;;
            2) half=80010000000c0000017b0010 ;;
        esac
        vanish data $PORT $half || return 1
        r=$(ask data $PORT $getrandom) || return 1
        [ "${r:0:24}" = 800100000014000000000008 ] || { wrong=$((wrong + 1)); echo "after vanish $i ($half): '$r'"; }
    done
    [ $wrong = 0 ] || { echo "$wrong of 9 clients after a vanished one got another answer than their own"; return 1; }
    tpm2_getrandom -o rnd3 16 && [ "$(stat -c %s rnd3)" = 16 ] || { echo "getrandom after vanishing clients failed"; return 1; }
}
t $S/host-disconnect-reconnect-mid-command test_vanishing_clients

# A burst: N GetRandom commands written in one go on one connection; every
# response must come back, in order, each a success with 8 bytes.
test_burst() {
    local n=40 i frames= r
    for i in $(seq $n); do frames+=$getrandom; done
    exec 5<>/dev/tcp/127.0.0.1/$PORT || return 1
    hex2bin "$frames" >&5
    r=$(timeout 120 head -c $((n * 20)) <&5 | od -An -tx1 -v | tr -d ' \n')
    exec 5>&-
    [ ${#r} = $((n * 40)) ] || { echo "got $((${#r} / 2)) bytes of $((n * 20))"; return 1; }
    for i in $(seq 0 $((n - 1))); do
        [ "${r:$((i * 40)):24}" = 800100000014000000000008 ] || { echo "response $i: ${r:$((i * 40)):40}"; return 1; }
    done
}
t $S/host-burst-of-commands test_burst

# The control channel: a client that leaves mid-request, then requests
# answered exactly (the first one included: the vanished bytes are dropped).
test_ctrl_port() {
    local r
    r=$(ask ctrl $CTRL 00000001 8) && [ "$r" = 0000000000006cff ] || { echo "caps: $r"; return 1; }
    vanish ctrl $CTRL 000000 || return 1
    r=$(ask ctrl $CTRL 00000001 8)
    [ "$r" = 0000000000006cff ] || { echo "the request after a vanished ctrl client got '$r'"; return 1; }
    r=$(ask ctrl $CTRL 0000000a 4) && [ "$r" = 00000000 ] || { echo "store volatile: $r"; return 1; }
}
t $S/host-ctrl-channel test_ctrl_port

t $S/vtpm-still-serving tpm2_getrandom 8

# Clean power-off: SHUTDOWN on the control channel ends the vtpm (status 0),
# and init, whose final service it is, powers the machine off.
test_shutdown() {
    "$TOOL" raw $CTRL 00000003 >/dev/null
    wait_vm_exit
    [ $qrc = 1 ] || { echo "QEMU status $qrc (1 is a clean power-off)"; return 1; }
    strip_log "$log" | grep -q "vtpm: shutting down on request" || { echo "no vtpm shutdown line"; return 1; }
    strip_log "$log" | grep -q "init: power off (status 0)" || { echo "no init power-off line"; return 1; }
}
t $S/shutdown-powers-off test_shutdown
kill9_vm
$core_only && exit 0

# ---------------------------------------------------------------- persistence, in 8 MiB
# One boot at the memory floor: the vtpm loads the state and answers
# GetRandom, then the persistence checks run on it.
test_small_boot() {
    boot_vm "$SMALL_MEM" || { echo "boot in $SMALL_MEM MiB failed: $(console_tail)"; return 1; }
    strip_log "$log" | grep -q "vtpm: state: loaded" || { echo "no state load line"; return 1; }
    strip_log "$log" | grep -E "memory: kernel .* for user space" | sed 's/^ */note: /'
    tpm2_startup -c || return 1
    tpm2_getrandom -o rnd8 16 && [ "$(stat -c %s rnd8)" = 16 ] || { echo "no 16 random bytes"; return 1; }
}
t $S/getrandom-in-$SMALL_MEM-mib test_small_boot

test_persist() {
    [ -n "$qpid" ] || { echo "no VM left by the previous test"; return 1; }
    check_nv_and_key || return 1
    "$TOOL" raw $CTRL 00000003 >/dev/null
    wait_vm_exit
    [ $qrc = 1 ] || { echo "QEMU status $qrc after the second SHUTDOWN"; return 1; }
}
t $S/persistence-across-reboot test_persist
kill9_vm

# ---------------------------------------------------------------- crash safety
# A write-heavy loop (NV writes, each a state commit through /dev/vda) cut by
# kill -9 of QEMU at a random point.  The next boot must load a state whose
# counter is the last acknowledged value or the one in flight, or refuse it
# with the vtpm's clear message; never accept anything else.
NVI=0x01500020
test_crash_loop() {
    boot_vm || { echo "boot failed: $(console_tail)"; return 1; }
    "$TOOL" startup $PORT >/dev/null && "$TOOL" nvdefine $PORT $NVI >/dev/null || { echo "nvdefine failed"; return 1; }
    local last=0 i acked got n=0 loaded=0 refused=0
    for i in $(seq "$CRASH_ITERS"); do
        "$TOOL" startup $PORT >/dev/null
        "$TOOL" nvloop $PORT $NVI $((last + 1)) >acks 2>/dev/null &
        local lp=$!
        sleep "$((RANDOM % 3)).$((RANDOM % 10))"
        kill9_vm
        wait $lp
        acked=$(awk '/^ack/{v=$2} END{print v}' acks)
        [ -n "$acked" ] || acked=$last
        boot_vm
        case $? in
            0) ;;
            1)
                if strip_log "$log" | grep -q "refusing to start"; then
                    refused=$((refused + 1))
                    echo "note: iteration $i: the state was refused after the crash" >&2
                    return 0
                fi
                echo "iteration $i: the VM stopped without a clear refusal: $(console_tail)"
                return 1 ;;
            *) echo "iteration $i: no vtpm after the crash: $(console_tail)"; return 1 ;;
        esac
        "$TOOL" startup $PORT >/dev/null
        # A kill before the first write was acknowledged may leave the index
        # never written (TPM_RC_NV_UNINITIALIZED): the right state then.
        if ! got=$("$TOOL" nvread $PORT $NVI); then
            [ "$acked" = 0 ] && [ "$got" = "rc 0x14a" ] || { echo "iteration $i: nvread: $got"; return 1; }
            got=0
        fi
        if [ "$got" != "$acked" ] && [ "$got" != "$((acked + 1))" ]; then
            echo "iteration $i: read $got, last acknowledged $acked"
            return 1
        fi
        n=$((n + got - last))
        last=$got
        loaded=$((loaded + 1))
    done
    kill9_vm
    echo "note: $n acknowledged writes across $CRASH_ITERS crashes, $loaded states loaded" >&2
    [ $n -gt 0 ] || { echo "no write was acknowledged: the workload did not run"; return 1; }
}
t $S/crash-kill9-qemu-loop test_crash_loop
