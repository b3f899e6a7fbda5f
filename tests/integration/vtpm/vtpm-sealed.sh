#!/bin/bash
# Sealed vTPM state and rollback protection, on the host (no VM): the vtpm
# with --state-key and --rollback-counter (file: and the KBS protocol through
# counter-relay.py), attacked the way a host that owns the disk and relays the
# network can (statetool.py forges slots with valid checksums).  One line per
# test: PASS <name> / FAIL <name>: <why>.  docs/attestation.md, "Sealed state
# and rollback", says what each attack is.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
root=$(cd "$(dirname "$0")/../../.." && pwd)
VTPM=${VTPM:-$root/build/apps/vtpm/vtpm}
TOOL=${TPMTOOL:-$root/build/tests/vtpm/tpmtool}
STATETOOL=$root/tests/integration/vtpm/statetool.py
RELAY=$root/tests/integration/vtpm/counter-relay.py
CRASH_ITERS=${VTPM_SEALED_CRASH_ITERS:-12}
work=$(mktemp -d /tmp/vtpm-sealed.XXXXXX)
state=$work/state
vpid=
trap 'stop_vtpm; rm -rf "$work"' EXIT

# pass, fail, start_vtpm, stop_vtpm, kill9_vtpm, t
. "$root/tests/integration/vtpm/vtpm-lib.sh"

cd "$work" || exit 1
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >key.hex && echo >>key.hex  # the text form
head -c 32 /dev/urandom >key.raw
head -c 32 /dev/urandom >other.raw
NVI=0x01500020
SEAL=(--state-key "$work/key.hex" --rollback-counter "file:$work/counter")
export COUNTER_STORE=$work/kbs-counters.json COUNTER_KEY=$work/key.raw
KBS=(--state-key "$work/key.raw" --rollback-counter "kbs:exec=$RELAY,instance=vtpm")

# Runs the NV write loop from $1 for a moment; prints the value the index
# then holds (the write in flight when the loop stopped may have completed).
nv_writes() {
    "$TOOL" nvloop $PORT $NVI "$1" >acks &
    local lp=$! i
    # a busy machine (or a relay starting) may delay the first write
    for i in $(seq 100); do grep -q '^ack' acks && break; sleep 0.1; done
    sleep 0.3
    kill $lp 2>/dev/null
    wait $lp 2>/dev/null
    grep -q '^ack' acks && "$TOOL" nvread $PORT $NVI
}

# Starts on $state with "$@", expects a refusal whose log matches $REFUSAL.
expect_refusal() {
    if start_vtpm "$@"; then echo "started (wanted: $REFUSAL)"; return 1; fi
    grep -q -- "$REFUSAL" "$work/log" || { echo "no '$REFUSAL' in: $(tail -n 2 "$work/log")"; return 1; }
}

# ---------------------------------------------------------------- round trip
test_roundtrip() {
    start_vtpm "${SEAL[@]}" || { tail -n 2 "$work/log"; return 1; }
    "$TOOL" startup $PORT >/dev/null && "$TOOL" nvdefine $PORT $NVI >/dev/null || return 1
    local r
    r=$("$TOOL" raw $CTRL 0000000f) && [ "$r" = 0000000000000001 ] || { echo "GET_CONFIG: $r"; return 1; }
    local first slots
    first=$(nv_writes 1) || { echo "no write acknowledged"; return 1; }
    stop_vtpm
    slots=$("$STATETOOL" info "$state")
    [ "$(echo "$slots" | grep -c "cipher 1 ")" = 2 ] || { echo "not sealed: $slots"; return 1; }
    start_vtpm "${SEAL[@]}" || { tail -n 2 "$work/log"; return 1; }
    grep -q "is the commit the file counter holds" "$work/log" || { echo "no counter check line"; return 1; }
    "$TOOL" startup $PORT >/dev/null
    r=$("$TOOL" nvread $PORT $NVI) && [ "$r" = "$first" ] || { echo "read $r, wrote $first"; return 1; }
    stop_vtpm
    cp "$state" "$work/good"
}
t sealed-round-trip test_roundtrip

# ---------------------------------------------------------------- keys
test_wrong_key() {
    REFUSAL="does not open with this key"
    expect_refusal --state-key "$work/other.raw" --rollback-counter none --remanufacture || return 1
    cmp -s "$state" "$work/good" || { echo "the state was changed"; return 1; }
}
t sealed-wrong-key-refused-not-overwritten test_wrong_key

test_no_key() {
    REFUSAL="sealed, and no --state-key was given"
    expect_refusal --remanufacture || return 1
    cmp -s "$state" "$work/good" || { echo "the state was changed"; return 1; }
}
t sealed-without-key-refused-not-overwritten test_no_key

test_missing_key() {
    REFUSAL="still missing after 1 s"
    expect_refusal --state-key "$work/absent" --state-key-wait 1 --rollback-counter none || return 1
    grep -q "waiting up to 1 s for $work/absent" "$work/log" || { echo "no waiting line"; return 1; }
    head -c 31 "$work/key.raw" >"$work/short"
    REFUSAL="want 32 raw bytes or 64 hex digits, found 31 bytes"
    expect_refusal --state-key "$work/short" --rollback-counter none || return 1
    REFUSAL="--state-key needs --rollback-counter"
    expect_refusal --state-key "$work/key.raw" || return 1
    # a refused attestation (aproxy writes FILE.refused): no waiting it out
    printf 'attestation failed: KBS answered 401: launch measurement is not a reference value\n' \
        >"$work/absent.refused"
    REFUSAL="the attestation that releases it was refused (attestation failed: KBS answered 401: launch measurement is not a reference value); refusing to start"
    expect_refusal --state-key "$work/absent" --state-key-wait 300 --rollback-counter none || return 1
    rm -f "$work/absent.refused"
    # the key arriving late (as aproxy hands it over) is waited for: it
    # appears once the vtpm says it waits (a fixed delay instead would let a
    # vtpm slow to start on a loaded host find the key already there)
    rm -f "$work/late"
    : >"$work/log"
    (for _ in $(seq 300); do grep -q "waiting up to 30 s" "$work/log" && break; sleep 0.1; done
     cp "$work/key.hex" "$work/late.tmp"; mv "$work/late.tmp" "$work/late") &
    local hp=$!
    start_vtpm --state-key "$work/late" --state-key-wait 30 --rollback-counter "file:$work/counter" ||
        { echo "late key: $(tail -n 2 "$work/log")"; wait $hp; return 1; }
    wait $hp
    grep -q "waiting up to 30 s" "$work/log" || { echo "did not wait"; return 1; }
    stop_vtpm
}
t sealed-missing-or-bad-key-refused test_missing_key

# ---------------------------------------------------------------- a host forging slots
# The older slot's sealed payload, relabelled as the newest commit with valid
# checksums: the seal binds the sequence number.
test_swap() {
    cp "$work/good" "$state"
    local newest seq older
    read -r newest seq < <("$STATETOOL" newest "$state")
    older=$((1 - newest))
    "$STATETOOL" forge "$state" "$work/good" "$older" "$older" $((seq + 1)) || return 1
    REFUSAL="slot $older (seq $((seq + 1)), cipher aes-256-gcm): does not open with this key"
    expect_refusal "${SEAL[@]}" --remanufacture || return 1
    cmp -s "$state" "$work/good" && { echo "the forgery was not written"; return 1; }
    return 0
}
t sealed-swapped-slot-refused test_swap

test_tamper() {
    cp "$work/good" "$state"
    local slot seq
    read -r slot seq < <("$STATETOOL" newest "$state")
    "$STATETOOL" forge "$state" "$work/good" "$slot" "$slot" "$seq" $((RANDOM % 1000 + 12)) || return 1
    REFUSAL="does not open with this key"
    expect_refusal "${SEAL[@]}" || return 1
}
t sealed-tampered-byte-refused test_tamper

# A slot from another state sealed under the same key (another vtpm instance)
# moved into this one: the seal binds the instance id.
test_moved() {
    local other=$work/other-state
    rm -f "$other"
    state=$other start_vtpm --state-key "$work/key.hex" --rollback-counter none || return 1
    "$TOOL" startup $PORT >/dev/null
    stop_vtpm
    cp "$work/good" "$state"
    local slot seq oslot
    read -r slot seq < <("$STATETOOL" newest "$state")
    read -r oslot _ < <("$STATETOOL" newest "$other")
    "$STATETOOL" forge "$state" "$other" "$oslot" $((1 - slot)) $((seq + 1)) || return 1
    REFUSAL="does not open with this key"
    expect_refusal "${SEAL[@]}" || return 1
}
t sealed-slot-moved-from-another-state-refused test_moved

# ---------------------------------------------------------------- rollback
# From the state in $state (holding $NVI): more writes, then the copy from
# before them must be refused with $REFUSAL and the latest copy must load
# with the last value.  The vtpm's counter arguments follow.
replay_refused() {
    cp "$state" "$work/before"
    start_vtpm "$@" || { tail -n 2 "$work/log"; return 1; }
    "$TOOL" startup $PORT >/dev/null
    local later r
    later=$(nv_writes $(($("$TOOL" nvread $PORT $NVI) + 1))) || { echo "no later write"; return 1; }
    stop_vtpm
    cp "$state" "$work/latest"
    cp "$work/before" "$state"
    expect_refusal "$@" || return 1
    cp "$work/latest" "$state"
    start_vtpm "$@" || { echo "the latest copy: $(tail -n 1 "$work/log")"; return 1; }
    "$TOOL" startup $PORT >/dev/null
    r=$("$TOOL" nvread $PORT $NVI) && [ "$r" = "$later" ] || { echo "read $r, wrote $later"; return 1; }
    stop_vtpm
}

test_replay_file() {
    cp "$work/good" "$state"
    REFUSAL="an older copy of the state (a replayed disk image?); refusing to start"
    replay_refused "${SEAL[@]}"
}
t rollback-file-counter-replayed-image-refused test_replay_file

# The KBS protocol, from a new state: the counter's first use anchors it.
test_replay_kbs() {
    rm -f "$state" "$COUNTER_STORE"
    start_vtpm "${KBS[@]}" || { tail -n 2 "$work/log"; return 1; }
    grep -q "KBS counter unused" "$work/log" || { echo "no first-use line"; return 1; }
    "$TOOL" startup $PORT >/dev/null && "$TOOL" nvdefine $PORT $NVI >/dev/null || return 1
    nv_writes 1 >/dev/null || return 1
    stop_vtpm
    REFUSAL="but the KBS counter is at"
    replay_refused "${KBS[@]}" || return 1
    cp "$state" "$work/kbs-latest"
}
t rollback-kbs-counter-replayed-image-refused test_replay_kbs

# The test KBS's counter value for instance vtpm.
counter_value() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["vtpm"][0])' "$COUNTER_STORE"
}

# write_through_relay SPEC: the vtpm on --rollback-counter SPEC checks the
# KBS counter at start, and an NV write advances it.  Sets relay_ok (0: yes).
write_through_relay() {
    local before was
    relay_ok=0
    was=$(counter_value)
    start_vtpm --state-key "$work/key.raw" --rollback-counter "$1" || relay_ok=1
    if [ $relay_ok = 0 ]; then
        grep -q "is the commit the KBS counter holds" "$work/log" || { echo "no counter check line"; relay_ok=1; }
        "$TOOL" startup $PORT >/dev/null
        before=$("$TOOL" nvread $PORT $NVI)
        nv_writes $((before + 1)) >/dev/null || { echo "no write through the relay $1"; relay_ok=1; }
        stop_vtpm
    else
        tail -n 2 "$work/log"
    fi
    cp "$state" "$work/kbs-latest"
    [ $relay_ok = 1 ] || [ "$(counter_value)" -gt "$was" ] || { echo "the KBS counter stayed at $was"; relay_ok=1; }
}

# The relay on descriptors the vtpm inherits (kbs:fd=IN,OUT), as when aproxy
# starts the vtpm on pipes: the same exchange as through kbs:exec.
test_kbs_fd() {
    rm -f "$work/to-relay" "$work/from-relay"
    mkfifo "$work/to-relay" "$work/from-relay" || return 1
    # read-write opens: neither side blocks waiting for the other
    exec 7<>"$work/from-relay" 8<>"$work/to-relay"
    "$RELAY" <"$work/to-relay" >"$work/from-relay" &
    local relay=$!
    write_through_relay "kbs:fd=7,8"
    exec 7<&- 8>&-
    kill $relay 2>/dev/null
    wait $relay 2>/dev/null
    return $relay_ok
}
t rollback-kbs-counter-on-inherited-descriptors test_kbs_fd

# The relay behind a local socket (kbs:unix=PATH), as aproxy serves it in the
# service VM: a listener that runs the relay double on each connection.
test_kbs_unix() {
    local sock=$work/counter.sock
    rm -f "$sock"
    python3 -c 'import socket, subprocess, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
while True:
    c, _ = s.accept()
    subprocess.run([sys.argv[2]], stdin=c, stdout=c)
    c.close()' "$sock" "$RELAY" &
    local relay=$!
    for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
    write_through_relay "kbs:unix=$sock"
    kill $relay 2>/dev/null
    wait $relay 2>/dev/null
    return $relay_ok
}
t rollback-kbs-counter-on-a-unix-socket test_kbs_unix

test_kbs_faults() {
    cp "$work/kbs-latest" "$state"
    # (start_vtpm keeps the log of an attempt whose port was taken: the
    # failures may have been met by that one)
    echo 2 >"$COUNTER_STORE.down"
    COUNTER_FAULT=down start_vtpm "${KBS[@]}" || { echo "after 2 failures: $(tail -n 1 "$work/log")"; return 1; }
    grep -q "KBS counter vtpm not reached (try 2 of 6): connection refused" "$work/log" ||
        { echo "no retry lines"; return 1; }
    stop_vtpm
    REFUSAL="read answer refused: it does not authenticate"
    COUNTER_FAULT=forge expect_refusal "${KBS[@]}" || return 1
    # an answer to an earlier request (its nonce) is refused like a forged one
    COUNTER_FAULT=replay start_vtpm "${KBS[@]}" || return 1
    "$TOOL" startup $PORT >/dev/null
    "$TOOL" nvloop $PORT $NVI 900000 >acks 2>/dev/null
    wait "$vpid" 2>/dev/null
    vpid=
    grep -q "advance answer refused: it does not authenticate" "$work/log" || { echo "$(tail -n 3 "$work/log")"; return 1; }
    grep -q "^ack" acks && { echo "a write was acknowledged without an authentic anchor"; return 1; }
    return 0
}
t rollback-kbs-down-forged-replayed-answers test_kbs_faults

# kill -9 and power cuts while writing: a commit on the disk but not yet
# anchored is the counter's successor and is accepted (and anchored) at start.
test_crash_kbs() {
    rm -f "$state" "$COUNTER_STORE"
    start_vtpm "${KBS[@]}" || return 1
    "$TOOL" startup $PORT >/dev/null && "$TOOL" nvdefine $PORT $NVI >/dev/null || return 1
    local last i
    last=$(nv_writes 1)
    stop_vtpm
    for i in $(seq "$CRASH_ITERS"); do
        local mode=$((RANDOM % 2)) args=()
        [ $mode = 1 ] && args=(--fault-write-limit $((RANDOM * 4 % 3000)))
        start_vtpm "${KBS[@]}" "${args[@]}" || { echo "iteration $i: $(tail -n 2 "$work/log")"; return 1; }
        "$TOOL" startup $PORT >/dev/null
        "$TOOL" nvloop $PORT $NVI $((last + 1)) >acks &
        local lp=$!
        if [ $mode = 0 ]; then sleep "0.$((RANDOM % 5))"; kill9_vtpm; else wait "$vpid" 2>/dev/null; vpid=; fi
        wait $lp
        local acked got
        acked=$(awk '/^ack/{v=$2} END{print v}' acks)
        [ -n "$acked" ] || acked=$last
        start_vtpm "${KBS[@]}" || { echo "iteration $i (mode $mode) refused: $(grep error "$work/log" | head -n 2)"; return 1; }
        "$TOOL" startup $PORT >/dev/null
        got=$("$TOOL" nvread $PORT $NVI) || { echo "iteration $i: nvread"; return 1; }
        stop_vtpm
        if [ "$got" != "$acked" ] && [ "$got" != "$((acked + 1))" ]; then
            echo "iteration $i (mode $mode): read $got, last acknowledged $acked"
            return 1
        fi
        last=$got
    done
}
t rollback-kbs-crash-loop-accepts-in-flight-commit test_crash_kbs

# ---------------------------------------------------------------- unsealed state, key given
test_unsealed() {
    rm -f "$state"
    start_vtpm || return 1
    "$TOOL" startup $PORT >/dev/null && "$TOOL" nvdefine $PORT $NVI >/dev/null || return 1
    local v
    v=$(nv_writes 5)
    stop_vtpm
    REFUSAL="holds an unsealed TPM but a state key was given"
    expect_refusal --state-key "$work/key.raw" --rollback-counter none || return 1
    start_vtpm --state-key "$work/key.raw" --rollback-counter none --seal-existing ||
        { tail -n 2 "$work/log"; return 1; }
    grep -q "sealing it now" "$work/log" || { echo "no sealing line"; return 1; }
    stop_vtpm
    local slots
    slots=$("$STATETOOL" info "$state")
    [ "$(echo "$slots" | grep -c "cipher 1 ")" = 2 ] || { echo "not sealed in both slots: $slots"; return 1; }
    start_vtpm --state-key "$work/key.raw" --rollback-counter none || return 1
    "$TOOL" startup $PORT >/dev/null
    local r
    r=$("$TOOL" nvread $PORT $NVI) && [ "$r" = "$v" ] || { echo "read $r, wrote $v"; return 1; }
    stop_vtpm
}
t unsealed-state-refused-or-sealed-on-request test_unsealed

# The provisioning path: an empty state made on the host (mkstate.sh --empty)
# is accepted with a key, sealed at once, and the TPM manufactured under it.
test_empty_provisioned() {
    rm -f "$state" "$work/counter"
    "$root/apps/image/mkstate.sh" --empty "$VTPM" "$state" >/dev/null 2>&1 || { echo "mkstate --empty failed"; return 1; }
    start_vtpm "${SEAL[@]}" || { tail -n 2 "$work/log"; return 1; }
    wait_log "newly manufactured" || { echo "no manufacture line: $(tail -n 3 "$work/log" | tr "\n" " ")"; return 1; }
    stop_vtpm
    local slots
    slots=$("$STATETOOL" info "$state")
    [ "$(echo "$slots" | grep -c "cipher 1 ")" = 2 ] || { echo "not sealed in both slots: $slots"; return 1; }
}
t empty-state-sealed-and-manufactured-at-first-start test_empty_provisioned

# Two states on one disk (aproxy's quoting vTPM from 8 MiB on the service
# disk, --state-offset): mkstate.sh --empty makes both; each vtpm keeps its
# own TPM and NV, under its own key; the quoting one's key does not open the
# main one's region; mkstate.sh --quote-region leaves a disk that has the
# region alone; a region that would overlap the state at 0 is refused.
test_two_states() {
    rm -f "$state" "$work/counter"
    "$root/apps/image/mkstate.sh" --empty "$VTPM" "$state" >/dev/null 2>&1 || { echo "mkstate --empty failed"; return 1; }
    local QUOTE=(--state-offset 8388608 --slot-size 131072 --state-key "$work/other.raw" --rollback-counter none) r1 r2
    start_vtpm "${SEAL[@]}" || { tail -n 2 "$work/log"; return 1; }
    "$TOOL" startup $PORT >/dev/null && "$TOOL" nvdefine $PORT $NVI >/dev/null || return 1
    r1=$(nv_writes 1) || { echo "no write acknowledged (main)"; return 1; }
    stop_vtpm
    start_vtpm "${QUOTE[@]}" || { tail -n 2 "$work/log"; return 1; }
    grep -q "newly manufactured" "$work/log" || { echo "quoting region: $(tail -n 2 "$work/log" | tr '\n' ' ')"; return 1; }
    "$TOOL" startup $PORT >/dev/null && "$TOOL" nvdefine $PORT $NVI >/dev/null || return 1
    r2=$(nv_writes 500) || { echo "no write acknowledged (quoting)"; return 1; }
    stop_vtpm
    start_vtpm "${SEAL[@]}" || { tail -n 2 "$work/log"; return 1; }
    "$TOOL" startup $PORT >/dev/null
    [ "$("$TOOL" nvread $PORT $NVI)" = "$r1" ] || { echo "main NV is not $r1"; return 1; }
    stop_vtpm
    start_vtpm "${QUOTE[@]}" || { tail -n 2 "$work/log"; return 1; }
    "$TOOL" startup $PORT >/dev/null
    [ "$("$TOOL" nvread $PORT $NVI)" = "$r2" ] || { echo "quoting NV is not $r2"; return 1; }
    stop_vtpm
    REFUSAL="does not open" expect_refusal --state-offset 8388608 --state-key "$work/key.hex" \
        --rollback-counter none || return 1
    local sum
    sum=$(md5sum <"$state")
    "$root/apps/image/mkstate.sh" --quote-region "$VTPM" "$state" >/dev/null 2>&1 || { echo "--quote-region failed"; return 1; }
    [ "$(md5sum <"$state")" = "$sum" ] || { echo "--quote-region changed a disk that had the region"; return 1; }
    "$VTPM" --state "$state" --state-offset 4096 --format-only >"$work/fmt.log" 2>&1 && { echo "overlap accepted"; return 1; }
    grep -q "past --state-offset 4096" "$work/fmt.log" || { echo "overlap: $(cat "$work/fmt.log")"; return 1; }
}
t two-states-on-one-disk test_two_states

# One vtpm per state: a second vtpm on a region another one serves waits
# (--state-lock-wait) and then refuses to start; one on the disk's other
# region (the quoting vTPM's) runs beside it; a waiting one starts once the
# first has exited.  The second ones run on Unix sockets beside start_vtpm's.
test_region_locked() {
    rm -f "$state" "$work/counter" "$work"/second.*
    "$root/apps/image/mkstate.sh" --empty "$VTPM" "$state" >/dev/null 2>&1 || { echo "mkstate --empty failed"; return 1; }
    local QUOTE=(--state-offset 8388608 --slot-size 131072 --state-key "$work/other.raw" --rollback-counter none)
    second() { # LOG WAIT ARGS...: a vtpm on $state on Unix sockets, in the background (pid in spid)
        local log=$1 wait=$2
        shift 2
        "$VTPM" --server "type=unixio,path=$work/second.data" --ctrl "type=unixio,path=$work/second.ctrl" \
            --state "$state" --state-lock-wait "$wait" "$@" >"$log" 2>&1 &
        spid=$!
    }
    second_log() { # LOG PATTERN: until PATTERN is in LOG (60 s at most)
        for _ in $(seq 600); do grep -q -- "$2" "$1" && return 0; sleep 0.1; done; return 1
    }
    start_vtpm "${SEAL[@]}" || { tail -n 2 "$work/log"; return 1; }
    second "$work/second.refused" 0 "${SEAL[@]}"
    # it must exit; one that serves instead (no lock) is stopped and fails the test
    for _ in $(seq 600); do kill -0 "$spid" 2>/dev/null && ! grep -q "ctrl: listening" "$work/second.refused" || break; sleep 0.1; done
    grep -q "ctrl: listening" "$work/second.refused" && kill "$spid"
    wait "$spid"; local rc=$?
    [ "$rc" = 1 ] && grep -q "state: $state at offset 0 is in use by another vtpm (still after 0 s); refusing to start: two vtpms on one state would overwrite each other's commits" "$work/second.refused" ||
        { echo "second vtpm on the same region: status $rc: $(tail -n 2 "$work/second.refused" | tr '\n' ' ')"; return 1; }
    second "$work/second.quote" 0 "${QUOTE[@]}"
    second_log "$work/second.quote" "ctrl: listening" || { kill "$spid"; echo "the other region did not start: $(tail -n 2 "$work/second.quote" | tr '\n' ' ')"; return 1; }
    kill "$spid"; wait "$spid"
    second "$work/second.wait" 120 "${SEAL[@]}"
    second_log "$work/second.wait" "state: $state at offset 0 is in use by another vtpm; waiting up to 120 s for it to exit" ||
        { kill "$spid"; echo "no wait: $(tail -n 2 "$work/second.wait" | tr '\n' ' ')"; return 1; }
    grep -q "ctrl: listening" "$work/second.wait" && { kill "$spid"; echo "started beside the first"; return 1; }
    stop_vtpm
    second_log "$work/second.wait" "ctrl: listening" && grep -q "state: $state at offset 0 is free again; starting" "$work/second.wait" ||
        { kill "$spid"; echo "did not start after the first exited: $(tail -n 2 "$work/second.wait" | tr '\n' ' ')"; return 1; }
    kill "$spid"; wait "$spid"
    return 0
}
t one-vtpm-per-state-region test_region_locked

# An old disk without the region (made before it existed) gets it, its TPM kept.
test_quote_region_added() {
    rm -f "$state"
    "$VTPM" --state "$state" --format-only >/dev/null 2>&1 || { echo "format failed"; return 1; }
    "$root/apps/image/mkstate.sh" --quote-region "$VTPM" "$state" >"$work/up.log" 2>&1 || { cat "$work/up.log"; return 1; }
    [ "$(stat -c %s "$state")" -gt 8388608 ] || { echo "not grown: $(stat -c %s "$state")"; return 1; }
    start_vtpm --state-offset 8388608 --state-key "$work/other.raw" --rollback-counter none ||
        { tail -n 2 "$work/log"; return 1; }
    stop_vtpm
    start_vtpm || { tail -n 2 "$work/log"; return 1; }
    grep -q "loaded $state" "$work/log" || { echo "the state at 0: $(tail -n 2 "$work/log" | tr '\n' ' ')"; return 1; }
}
t quote-region-added-to-an-old-disk test_quote_region_added
