#!/bin/bash
# Runs each test suite given as an argument and prints the tally.
#
# A suite is an executable that prints one line per test: "PASS <name>" or
# "FAIL <name>: <why>".  Other lines are shown but not counted.  Its exit
# status must agree with its lines: 0 when it printed at least one PASS line
# and no FAIL line, non-zero otherwise (bash suites get this from
# tests/integration/lib/results.sh).  Each disagreement is reported as one
# more failure, on a FAIL line that names the suite: a non-zero status
# without a FAIL line, status 0 after FAIL lines or with no PASS line, a
# suite killed by a signal, and one that outlives SUITE_TIMEOUT seconds
# (default 600).
#
# TEST_JOBS suites run at once (default: the number of CPUs), since most
# suites keep one core busy (a QEMU boot under TCG) or less, and make test's
# time is the budget.  Each one's output is held until it ends, then printed
# whole under its name, so the log reads as a serial run's would, in the
# order the suites end.  TEST_JOBS=1 runs them one after another in the order
# given, their output shown as it comes (as is a lone suite's).  So suites
# must not clash when they run at once: scratch files in a mktemp directory,
# ports picked at random and picked again when taken, no file under build/
# that another suite writes too.
#
# TEST_ALONE names suites (space-separated) that must not share the machine
# with another suite: those that keep more than one core busy and whose
# guests have deadlines (vm-bridge: Linux drops a TPM that misses one).  They
# run first, one at a time, before the others start.  TEST_SLOW names those
# that take a minute or more: they start next, so that at the end short ones
# fill the cores while the last slow one finishes.
#
# Each suite runs in a session of its own, and whatever is left of it once it
# ends is killed: a suite killed at its timeout leaves behind the QEMU of its
# own `timeout` (in a process group of its own), which would otherwise run
# on beside the next suites.
set -u
passed=0
failed=0
timeout_s=${SUITE_TIMEOUT:-600}
jobs=${TEST_JOBS:-$(nproc)}
alone=" ${TEST_ALONE:-} "
slow=" ${TEST_SLOW:-} "
outs=$(mktemp -d)
declare -A running=()    # a running suite's session id (its timeout's pid) -> its index
declare -A started_at=() # index -> $SECONDS when it started

# start INDEX SUITE: the suite in the background, its output in $outs/INDEX.
start() {
    started_at[$1]=$SECONDS
    setsid timeout --kill-after=10 "$timeout_s" "$2" </dev/null >"$outs/$1" 2>&1 &
    running[$!]=$1
}

# finish SESSION RC SUITE: what is left of its session killed, a failure
# line for each way its end disagrees with its lines (see the top), its tally
# line, and its counts added to the totals.
finish() {
    local sid=$1 rc=$2 suite=$3 i=${running[$1]} p f took
    unset "running[$sid]"
    pkill -KILL -s "$sid"
    took=$((SECONDS - started_at[$i]))
    p=$(grep -c '^PASS ' "$outs/$i")
    f=$(grep -c '^FAIL ' "$outs/$i")
    # timeout exits 124 when its TERM ended the suite, 128+9 when it had to
    # KILL it: a 137 before the time was up is a SIGKILL from elsewhere.
    if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ "$took" -ge "$timeout_s" ]; }; then
        echo "FAIL $suite: timed out after ${timeout_s}s (its results so far: $p passed, $f failed)"
        f=$((f + 1))
    elif [ "$rc" -gt 128 ]; then
        echo "FAIL $suite: killed by signal SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
        f=$((f + 1))
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $suite: exited with status $rc but printed no FAIL line"
        f=1
    elif [ "$rc" -eq 0 ] && [ "$f" -gt 0 ]; then
        echo "FAIL $suite: exited with status 0 but printed $f FAIL line(s)"
        f=$((f + 1))
    elif [ "$rc" -eq 0 ] && [ "$p" -eq 0 ]; then
        echo "FAIL $suite: exited with status 0 but printed no PASS line"
        f=1
    fi
    # Where make test's time goes, for keeping it under its budget.
    echo "== $suite: $p passed, $f failed in $took s"
    passed=$((passed + p))
    failed=$((failed + f))
    rm -f "$outs/$i"
}

# ^C or a kill: the running suites are stopped (their timeouts pass the
# signal on), and killed if they linger.
stop_running() {
    local sid
    for sid in "${!running[@]}"; do kill -TERM "$sid" 2>/dev/null; done
    sleep 2
    for sid in "${!running[@]}"; do pkill -KILL -s "$sid"; done
    rm -rf "$outs"
    exit 130
}
trap stop_running INT TERM
trap 'rm -rf "$outs"' EXIT

if [ "$jobs" -le 1 ] || [ $# -le 1 ]; then
    i=0
    for suite in "$@"; do
        echo "== $suite"
        start $i "$suite"
        sid=$!
        # Shown as it comes: tail ends once the suite has ended and all is
        # shown.  In the background, so that a signal's trap runs at once.
        tail -n +1 -s 0.1 -f --pid="$sid" "$outs/$i" &
        wait $!
        wait "$sid"
        finish "$sid" $? "$suite"
        i=$((i + 1))
    done
else
    # The TEST_ALONE suites, the TEST_SLOW ones, then the others, each kind
    # in the order given.
    order=()
    for suite in "$@"; do [[ $alone == *" $suite "* ]] && order+=("$suite"); done
    for suite in "$@"; do [[ $alone != *" $suite "* && $slow == *" $suite "* ]] && order+=("$suite"); done
    for suite in "$@"; do [[ $alone$slow == *" $suite "* ]] || order+=("$suite"); done
    next=0
    exclusive= # set while a TEST_ALONE suite runs
    while [ "$next" -lt ${#order[@]} ] || [ ${#running[@]} -gt 0 ]; do
        while [ "$next" -lt ${#order[@]} ] && [ ${#running[@]} -lt "$jobs" ] && [ -z "$exclusive" ]; do
            suite=${order[$next]}
            if [[ $alone == *" $suite "* ]]; then
                [ ${#running[@]} -gt 0 ] && break
                exclusive=1
            fi
            start "$next" "$suite"
            next=$((next + 1))
        done
        wait -n -p sid
        rc=$?
        [ -n "${running[$sid]+set}" ] || continue
        suite=${order[${running[$sid]}]}
        [[ $alone == *" $suite "* ]] && exclusive=
        echo "== $suite"
        cat "$outs/${running[$sid]}"
        finish "$sid" "$rc" "$suite"
    done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
