#!/bin/bash
# vtpm host suite: the vtpm on free loopback ports, driven by Debian's
# tpm2-tools (swtpm TCTI) and by tpmtool for what tpm2-tools cannot express
# (raw malformed frames, control commands, crash loops).  One line per test:
# PASS <name> / FAIL <name>: <why>.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
root=$(cd "$(dirname "$0")/../../.." && pwd)
VTPM=${VTPM:-$root/build/apps/vtpm/vtpm}
TOOL=${TPMTOOL:-$root/build/tests/vtpm/tpmtool}
CHECK=${VTPMCHECK:-$root/build/tests/vtpm-vm/vtpmcheck}
CRASH_ITERS=${VTPM_CRASH_ITERS:-40}
CORRUPT_ITERS=${VTPM_CORRUPT_ITERS:-40}
work=$(mktemp -d /tmp/vtpm-test.XXXXXX)
state=$work/state
vpid=
trap 'stop_vtpm; rm -rf "$work"' EXIT

# pass, fail, start_vtpm, stop_vtpm, kill9_vtpm, t
. "$root/tests/integration/vtpm/vtpm-lib.sh"

# The tpm2-tools list (test_getrandom ... test_evict, check_nv_and_key), shared
# with the suite that runs it against the vtpm inside the VM.
. "$root/tests/integration/vtpm/tpm2-list.sh"

cd "$work" || exit 1

# ---------------------------------------------------------------- basics
if ! start_vtpm; then
    fail vtpm-start "$(tail -n 3 "$work/log" | tr '\n' ' ')"
    exit 1
fi
pass vtpm-start

t tpm2-startup tpm2_startup -c

tpm2_list_setup
t tpm2-getrandom test_getrandom
t tpm2-pcrread-pcrextend test_pcr
t tpm2-createprimary-rsa2048 createprimary rsa2048 prim.ctx
t tpm2-createprimary-ecc-p256 createprimary ecc256 eprim.ctx
t tpm2-create-load-sign-verify test_sign
t tpm2-quote-checkquote test_quote
t tpm2-nvdefine-nvwrite-nvread test_nv
t tpm2-evictcontrol test_evict

# ---------------------------------------------------------------- control channel
test_ctrl() {
    local r
    r=$("$TOOL" raw $CTRL 00000001) && [ "$r" = 0000000000006cff ] || { echo "caps $r"; return 1; }
    r=$("$TOOL" raw $CTRL 0000000500) && [ "$r" = 00000000 ] || { echo "locality 0: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 0000000505) && [ "$r" = 0000003d ] || { echo "locality 5: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 00000004) && [ "${r:0:8}" = 00000000 ] && [ ${#r} = 16 ] || { echo "est: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 0000000b03) && [ "$r" = 00000000 ] || { echo "reset est loc 3: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 0000000a) && [ "$r" = 00000000 ] || { echo "store volatile: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 0000000f) && [ "$r" = 0000000000000000 ] || { echo "get config: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 0000001100000000) && [ "$r" = 00000000000010000000 ] 2>/dev/null
    r=$("$TOOL" raw $CTRL 0000001100000000) && [ "${r:0:16}" = 0000000000001000 ] || { echo "buffersize: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 0000001100000800) && [ "$r" = 0000000a ] || { echo "buffersize while running: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 00000012000000000000000100000000000000000) && [ "${r:0:8}" = 00000000 ] || { echo "info: $r"; return 1; }
    echo "$r" | tail -c +25 | sed 's/../\\x&/g' | xargs -0 printf 2>/dev/null | grep -q TPMSpecification || { echo "info text: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 00000042) && [ "$r" = 0000000a ] || { echo "unknown: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 00000009) && [ "$r" = 00000000 ] || { echo "cancel: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 00000010) && [ "$r" = 00000003 ] || { echo "datafd over tcp: $r"; return 1; }
    # hash sequence (H-CRTM): start, data, end extend PCR 0
    r=$("$TOOL" raw $CTRL 00000006) && [ "$r" = 00000000 ] || { echo "hash start: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 0000000700000004deadbeef) && [ "$r" = 00000000 ] || { echo "hash data: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 00000008) && [ "$r" = 00000000 ] || { echo "hash end: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 0000000700002000) && [ "$r" = "00000003 EOF" ] || { echo "hash data too big: $r"; return 1; }
    # STOP: TPM commands fail until INIT starts the TPM again
    r=$("$TOOL" raw $CTRL 0000000e) && [ "$r" = 00000000 ] || { echo "stop: $r"; return 1; }
    r=$("$TOOL" raw $PORT 80010000000c0000017b0008) && [ "$r" = 80010000000a00000101 ] || { echo "cmd while stopped: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 00000004) && [ "$r" = 0000000a ] || { echo "est while stopped: $r"; return 1; }
    r=$("$TOOL" raw $CTRL 0000000200000001) && [ "$r" = 00000000 ] || { echo "init: $r"; return 1; }
    tpm2_startup -c || return 1
    tpm2_nvread 0x1500016 -C o -s 32 -o nvback2 && cmp nvdata nvback2
}
t ctrl-channel-commands test_ctrl

# ---------------------------------------------------------------- robustness
getrandom=80010000000c0000017b0008
test_oversized() {
    local r
    r=$("$TOOL" raw $PORT 80010000100100000017b0008) && [ "$r" = "80010000000a00000142 EOF" ] || { echo "4097: $r"; return 1; }
    r=$("$TOOL" raw $PORT 8001ffffffff0000017b) && [ "$r" = "80010000000a00000142 EOF" ] || { echo "4G: $r"; return 1; }
    r=$("$TOOL" raw $PORT 80010000000500000100) && [ "$r" = "80010000000a00000142 EOF" ] || { echo "5: $r"; return 1; }
    r=$("$TOOL" raw $PORT $getrandom) && [ "${r:0:20}" = 80010000001400000000 ] || { echo "after: $r"; return 1; }
}
t robust-oversized-and-undersized-frames test_oversized

test_garbage() {
    local r
    # a well-sized frame with a bad tag and command: libtpms answers an error
    r=$("$TOOL" raw $PORT 41410000000c414141414141) && [ -n "$r" ] && [ "${r:12:8}" != 00000000 ] || { echo "bad tag: $r"; return 1; }
    r=$("$TOOL" raw $PORT 80010000000c0000ffff0000) && [ "${r:12:8}" != 00000000 ] && [ "${#r}" -ge 20 ] || { echo "bad cc: $r"; return 1; }
    # truncated: half a frame and then the client goes away
    "$TOOL" vanish $PORT 80010000000c0000 || return 1
    "$TOOL" vanish $PORT "$getrandom" || return 1
    # a 4096-byte command: biggest allowed
    r=$("$TOOL" raw $PORT "80010000100000000176$(printf '%08184d' 0)") && [ "${r:0:4}" = 8001 ] && [ "${r: -3}" != EOF ] || { echo "4096: ${r:0:40}"; return 1; }
    r=$("$TOOL" raw $PORT $getrandom) && [ "${r:0:20}" = 80010000001400000000 ] || { echo "after: $r"; return 1; }
}
t robust-garbage-truncated-vanishing test_garbage

# Two clients interleave partial frames; each must get its own answer.
test_interleave() {
    exec 5<>/dev/tcp/127.0.0.1/$PORT || return 1
    exec 6<>/dev/tcp/127.0.0.1/$PORT || return 1
    hex2bin 800100 >&5
    hex2bin 8001000000 >&6
    hex2bin 00000c0000017b00 >&5
    hex2bin 0c0000017b0010 >&6   # GetRandom(16) on 6
    hex2bin 08 >&5                # GetRandom(8) on 5
    local a b
    a=$(timeout 30 head -c 20 <&5 | od -An -tx1 | tr -d ' \n')
    b=$(timeout 30 head -c 28 <&6 | od -An -tx1 | tr -d ' \n')
    exec 5>&- 6>&-
    [ "${a:0:20}" = 80010000001400000000 ] && [ "${a:20:4}" = 0008 ] || { echo "conn 5: $a"; return 1; }
    [ "${b:0:20}" = 80010000001c00000000 ] && [ "${b:20:4}" = 0010 ] || { echo "conn 6: $b"; return 1; }
}
t robust-interleaved-clients test_interleave

# Several commands pipelined on one connection, answered in order.
test_pipeline() {
    local r
    r=$("$TOOL" raw $PORT "${getrandom}80010000000c0000017b0004")
    [ "${r:0:20}" = 80010000001400000000 ] && [ "${r:40:20}" = 80010000001000000000 ] || { echo "$r"; return 1; }
}
t robust-pipelined-frames test_pipeline

t vtpm-still-serving tpm2_getrandom 8
stop_vtpm

# ---------------------------------------------------------------- persistence
test_persist() {
    start_vtpm || { tail -n 3 "$work/log"; return 1; }
    grep -q "state: loaded" "$work/log" || { echo "no load line"; return 1; }
    tpm2_startup -c || return 1
    check_nv_and_key || return 1
    stop_vtpm
}
t persistence-across-restart test_persist

# ---------------------------------------------------------------- other transports
test_unix() {
    "$VTPM" --server type=unixio,path=$work/d.sock --ctrl type=unixio,path=$work/c.sock --state "$state" \
        >"$work/ulog" 2>&1 &
    local p=$! i r
    for i in $(seq 100); do [ -S "$work/c.sock" ] && break; sleep 0.05; done
    "$TOOL" startup "$work/d.sock" >/dev/null || { kill $p; return 1; }
    r=$("$TOOL" raw "$work/c.sock" 00000001)
    [ "$r" = 0000000000007cff ] || { echo "caps over unix: $r"; kill $p; return 1; }
    r=$("$TOOL" datafd "$work/c.sock")
    kill $p
    wait $p
    echo "$r" | grep -q "setdatafd 00000000" && echo "$r" | grep -q "getrandom rc 0x0 len 28" || { echo "$r"; return 1; }
}
t transport-unix-and-set-datafd test_unix

# The data channel in the SVSM vTPM protocol's layout (little-endian
# QUERY/COMMAND messages); svsmclient.py says what it checks.
test_svsm() {
    rm -f "$work/d.sock" "$work/c.sock"
    "$VTPM" --server type=unixio,path=$work/d.sock,framing=svsm --ctrl type=unixio,path=$work/c.sock \
        --state "$state" >"$work/slog" 2>&1 &
    local p=$! i rc
    for i in $(seq 100); do [ -S "$work/c.sock" ] && break; sleep 0.05; done
    "$root/tests/integration/vtpm/svsmclient.py" "$work/d.sock"
    rc=$?
    kill $p
    wait $p
    [ $rc = 0 ] || return 1
    grep -q "SVSM call 0x1000000 unknown" "$work/slog" || { echo "no log line for the big-endian message"; return 1; }
    "$VTPM" --server type=unixio,path=$work/d.sock --ctrl type=unixio,path=$work/c.sock,framing=svsm \
        --state "$state" >"$work/slog" 2>&1 && { echo "framing=svsm accepted on the ctrl channel"; return 1; }
    return 0
}
t transport-svsm-layout test_svsm

test_dev() {
    mkfifo "$work/din" "$work/dout" "$work/cin" "$work/cout" || return 1
    "$VTPM" --server type=dev,in=$work/din,out=$work/dout --ctrl type=dev,in=$work/cin,out=$work/cout \
        --state "$state" >"$work/dlog" 2>&1 &
    local p=$! a b c
    exec 7<>"$work/dout" 8<>"$work/cout"
    hex2bin 0000000500 >"$work/cin"
    a=$(timeout 30 head -c 4 <&8 | od -An -tx1 | tr -d ' \n')
    hex2bin 80010000000c000001440000 >"$work/din" # Startup(CLEAR)
    timeout 30 head -c 10 <&7 >/dev/null
    hex2bin "$getrandom" >"$work/din"
    b=$(timeout 30 head -c 20 <&7 | od -An -tx1 | tr -d ' \n')
    # an oversized frame on a device: error response, input dropped, still serving
    hex2bin 8001ffffffff0000017b >"$work/din"
    c=$(timeout 30 head -c 10 <&7 | od -An -tx1 | tr -d ' \n')
    sleep 0.2
    hex2bin "$getrandom" >"$work/din"
    d=$(timeout 30 head -c 20 <&7 | od -An -tx1 | tr -d ' \n')
    exec 7>&- 8>&-
    kill $p
    wait $p
    [ "$a" = 00000000 ] || { echo "ctrl: $a"; return 1; }
    [ "${b:0:20}" = 80010000001400000000 ] || { echo "getrandom: $b"; return 1; }
    [ "$c" = 80010000000a00000142 ] || { echo "oversized: $c"; return 1; }
    [ "${d:0:20}" = 80010000001400000000 ] || { echo "after resync: $d"; return 1; }
}
t transport-device-fifos test_dev

# A device that reads end-of-file at every read, as Linux's virtio ports do
# while no host client is connected: a regular file plays it.  The vtpm must
# not spin reopening it (it once logged 100000 connections a second), and a
# command that arrives later (appended to the file) is still served.
test_dev_no_host() {
    : >"$work/nin"
    : >"$work/nout"
    mkfifo "$work/ncin" "$work/ncout" || return 1  # the control channel: a FIFO never ends
    "$VTPM" --server type=dev,in=$work/nin,out=$work/nout --ctrl type=dev,in=$work/ncin,out=$work/ncout \
        --state "$state" >"$work/nlog" 2>&1 &
    local p=$! i
    for i in $(seq 300); do grep -q "no host client" "$work/nlog" && break; sleep 0.1; done
    sleep 2
    local lines ticks
    lines=$(grep -c "data connection" "$work/nlog")
    ticks=$(awk '{print $14 + $15}' "/proc/$p/stat")
    hex2bin 80010000000c000001440000 >>"$work/nin" # Startup(CLEAR)
    for i in $(seq 300); do [ "$(stat -c %s "$work/nout")" -ge 10 ] && break; sleep 0.1; done
    local r
    r=$(od -An -tx1 "$work/nout" | tr -d ' \n')
    kill $p
    wait $p
    grep -q "no host client" "$work/nlog" || { echo "no waiting line: $(tail -n 2 "$work/nlog")"; return 1; }
    [ "$lines" -le 4 ] || { echo "$lines connection lines in 2 s: reopened in a loop"; return 1; }
    [ "$ticks" -le 50 ] || { echo "$ticks CPU ticks while no host client was there"; return 1; }
    [ "${r:0:12}" = 80010000000a ] && [ ${#r} = 20 ] || { echo "startup after the wait: '$r'"; return 1; }
    grep -q "a host client is here" "$work/nlog" || { echo "no arrival line"; return 1; }
}
t transport-device-without-host-client-waits test_dev_no_host

# Inherited descriptors (type=fd): vtpmcheck, the program the in-VM suite
# runs (tests/integration/vtpm-vm), starts the vtpm on pipes and checks TPM
# and control commands, malformed frames, SHUTDOWN, a restart on the same
# state and the exit when its pipes close.  Its lines are relayed as
# transport-fd/...; the vtpm's log is shown only if something failed.
if [ -x "$CHECK" ]; then
    timeout 300 "$CHECK" --prefix transport-fd "$VTPM" "$work/fd.state" 2>"$work/fdlog"
    fd_rc=$?
    if [ $fd_rc -ne 0 ]; then
        fail transport-fd/vtpmcheck "exit status $fd_rc"
        tail -n 15 "$work/fdlog"
    fi
else
    fail transport-fd/vtpmcheck "$CHECK is not built"
fi

# Bad type=fd specs and descriptors are refused at start with a clear message.
test_fd_errors() {
    local out
    out=$("$VTPM" --server type=fd --ctrl type=fd,fd=1 --state "$work/fd2.state" 2>&1)
    [ $? = 2 ] && echo "$out" | grep -q "needs fd=N or in=N,out=M" || { echo "no fd: $out"; return 1; }
    out=$("$VTPM" --server type=fd,fd=x --ctrl type=fd,fd=1 --state "$work/fd2.state" 2>&1)
    [ $? = 2 ] && echo "$out" | grep -q "descriptor number" || { echo "fd=x: $out"; return 1; }
    out=$("$VTPM" --server type=fd,fd=0,in=0,out=1 --ctrl type=fd,fd=1 --state "$work/fd2.state" 2>&1)
    [ $? = 2 ] && echo "$out" | grep -q "not both" || { echo "fd and in: $out"; return 1; }
    out=$("$VTPM" --server type=tcp,port=1,fd=3 --ctrl type=fd,fd=1 --state "$work/fd2.state" 2>&1)
    [ $? = 2 ] && echo "$out" | grep -q "type=fd for fd=" || { echo "tcp with fd: $out"; return 1; }
    out=$("$VTPM" --server type=fd,in=0,out=1 --ctrl type=fd,in=5,out=1 --state "$work/fd2.state" 2>&1)
    [ $? = 2 ] && echo "$out" | grep -q "cannot share a descriptor" || { echo "shared fd: $out"; return 1; }
    out=$("$VTPM" --server type=fd,in=0,out=1 --ctrl type=fd,fd=9 --state "$work/fd2.state" 2>&1 9>&- </dev/null)
    [ $? = 1 ] && echo "$out" | grep -q "ctrl: descriptor 9: Bad file descriptor" || { echo "closed fd: $out"; return 1; }
    out=$("$VTPM" --server type=fd,in=0,out=1 --ctrl type=fd,in=5,out=5 --state "$work/fd2.state" 2>&1 5</dev/null </dev/null)
    [ $? = 1 ] && echo "$out" | grep -q "ctrl: descriptor 5 is not open for writing" || { echo "read-only fd: $out"; return 1; }
}
t transport-fd-bad-specs-refused test_fd_errors

# ---------------------------------------------------------------- crash safety
# A write-heavy loop (NV writes, each a state commit) killed at random points,
# either by kill -9 or by a simulated power cut at a random byte of the state
# writes.  Each restart must load, and the counter must be the last
# acknowledged value or the one in flight.
NVI=0x01500020
test_crash_loop() {
    start_vtpm || return 1
    "$TOOL" startup $PORT >/dev/null && "$TOOL" nvdefine $PORT $NVI >/dev/null || return 1
    "$TOOL" nvloop $PORT $NVI 0 >acks &
    local lp=$! n=0
    sleep 0.05
    kill $lp 2>/dev/null
    wait $lp
    local last i
    last=$(awk '/^ack/{v=$2} END{print v}' acks)
    stop_vtpm
    for i in $(seq "$CRASH_ITERS"); do
        local mode=$((RANDOM % 2)) args=()
        [ $mode = 1 ] && args=(--fault-write-limit $((RANDOM % 12000)))
        start_vtpm "${args[@]}" || { echo "iteration $i: start failed: $(tail -n 2 "$work/log")"; return 1; }
        "$TOOL" startup $PORT >/dev/null
        "$TOOL" nvloop $PORT $NVI $((last + 1)) >acks &
        lp=$!
        if [ $mode = 0 ]; then
            sleep "0.0$((RANDOM % 10))"
            kill9_vtpm
        else
            wait "$vpid" 2>/dev/null
            vpid=
        fi
        wait $lp
        local acked
        acked=$(awk '/^ack/{v=$2} END{print v}' acks)
        [ -n "$acked" ] || acked=$last
        if ! start_vtpm; then
            echo "iteration $i (mode $mode): refused after crash: $(grep error "$work/log" | head -n 2)"
            return 1
        fi
        "$TOOL" startup $PORT >/dev/null
        local got
        got=$("$TOOL" nvread $PORT $NVI) || { echo "iteration $i: nvread: $got"; return 1; }
        stop_vtpm
        if [ "$got" != "$acked" ] && [ "$got" != "$((acked + 1))" ]; then
            echo "iteration $i (mode $mode): read $got, last acknowledged $acked"
            return 1
        fi
        n=$((n + got - last))
        last=$got
    done
    echo "note: $n acknowledged writes across $CRASH_ITERS crashes" >&2
}
t crash-kill9-and-power-cut-loop test_crash_loop

# Damage: truncate, or flip a byte in the superblock, a slot header or a
# payload.  Each start must load a state the loop once committed (the counter
# at most the last value) or refuse with a clear message.
test_corruption() {
    start_vtpm || return 1
    "$TOOL" startup $PORT >/dev/null
    local top
    top=$("$TOOL" nvread $PORT $NVI) || return 1
    stop_vtpm
    cp "$state" "$work/good"
    local i loaded=0 refused=0
    for i in $(seq "$CORRUPT_ITERS"); do
        cp "$work/good" "$state"
        local what=$((RANDOM % 5)) off
        case $what in
            0) truncate -s $((RANDOM * 64 % 2101248)) "$state" ;;
            1) off=$((RANDOM % 72)) ;;                           # superblock fields
            2) off=$(( (RANDOM % 2) * 1048576 + 4096 + RANDOM % 96 )) ;; # a slot header
            3) off=$(( (RANDOM % 2) * 1048576 + 8192 + RANDOM % 1300 )) ;; # a payload
            4) off=$((RANDOM * 64 % 2101248)) ;;                 # anywhere
        esac
        if [ $what != 0 ]; then
            local byte
            byte=$(od -An -tu1 -j "$off" -N1 "$state" | tr -d ' ')
            printf "$(printf '\\%03o' $(( (byte ^ (1 << (RANDOM % 8))) )))" |
                dd of="$state" bs=1 seek="$off" conv=notrunc status=none
        fi
        if start_vtpm; then
            "$TOOL" startup $PORT >/dev/null
            local got
            got=$("$TOOL" nvread $PORT $NVI)
            stop_vtpm
            if ! [[ "$got" =~ ^[0-9]+$ ]] || [ "$got" -gt "$top" ]; then
                echo "iteration $i (damage $what at ${off:-trunc}): loaded a state reading '$got' (top $top)"
                return 1
            fi
            loaded=$((loaded + 1))
        else
            if ! grep -q "refusing to start" "$work/log"; then
                echo "iteration $i: exited without a clear refusal: $(tail -n 2 "$work/log")"
                return 1
            fi
            refused=$((refused + 1))
        fi
    done
    echo "note: $loaded damaged states loaded, $refused refused" >&2
}
t state-damage-loads-or-refuses test_corruption

test_remanufacture() {
    cp "$work/good" "$state"
    truncate -s 1000 "$state"
    if start_vtpm; then echo "started on a truncated state"; return 1; fi
    grep -q "refusing to start" "$work/log" || return 1
    start_vtpm --remanufacture || return 1
    wait_log "formatted .* afresh" || { echo "no format line: $(tail -n 3 "$work/log" | tr "\n" " ")"; return 1; }
    "$TOOL" startup $PORT >/dev/null
    # a new TPM: the old NV index is gone
    if "$TOOL" nvread $PORT $NVI >/dev/null; then echo "old NV index survived"; return 1; fi
    stop_vtpm
    start_vtpm || return 1 # and the new state loads normally
    stop_vtpm
}
t state-refuse-then-remanufacture test_remanufacture

# Measured launch (docs/attestation.md): with --eventlog, Startup(CLEAR) is
# followed by the log's replay into the PCRs; tpm2_pcrread must then show
# what aproxy-measure computes from the same log, PCR 8 stays zero, and a
# malformed log keeps the vtpm from starting.  The log is a real boot's
# (the fuzzer's regression sample, written by the kernel's /dev/eventlog).
MEASURE=${APROXY_MEASURE:-$root/build/aproxy/host/aproxy-measure}
SAMPLE_LOG=$root/tests/fuzz/eventlog/regressions/nutshell-boot.bin
test_eventlog() {
    start_vtpm --eventlog "$SAMPLE_LOG" || { echo "did not start: $(tail -n 2 "$work/log")"; return 1; }
    tpm2_startup -c || return 1
    # logged after the Startup answer went out
    wait_log "replayed into the PCRs" || { echo "no replay line"; return 1; }
    tpm2_pcrread sha256:8,9,10+sha384:9,10 >"$work/pcrs.txt" || return 1
    awk '/^  [a-z0-9]+:$/ {b = $1; sub(":", "", b); next}
         /^ *[0-9]+ *: *0x/ {n = $0; sub(/^ */, "", n); sub(/ *:.*/, "", n); h = $0; sub(/.*0x/, "", h)
                             print b ":" n " " tolower(h)}' "$work/pcrs.txt" >"$work/got"
    "$MEASURE" replay "$SAMPLE_LOG" >"$work/want" || return 1
    if ! diff <(grep -v '^sha256:8 ' "$work/got") "$work/want"; then
        echo "PCRs differ from the log's replay"
        return 1
    fi
    grep -q "^sha256:8 0\{64\}$" "$work/got" || { echo "PCR 8 is not zero"; return 1; }
    stop_vtpm
    head -c 60 "$SAMPLE_LOG" >"$work/cut.bin"
    if start_vtpm --eventlog "$work/cut.bin"; then echo "started with a cut log"; return 1; fi
    grep -q "event log .*cut.bin: " "$work/log" || { echo "no clear refusal: $(tail -n 1 "$work/log")"; return 1; }
}
t eventlog-replayed-into-pcrs test_eventlog
