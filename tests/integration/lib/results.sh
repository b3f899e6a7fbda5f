# Makes a suite script's exit status agree with its result lines.
#
# Source it at the top of a bash suite script, before the script does
# anything (makes files, starts processes, sets traps):
#
#     . "$here/../lib/results.sh" "$@"
#
# A suite prints "PASS <name>" / "FAIL <name>: <why>" lines (tests/run-suites.sh),
# many of them relayed from a guest's log, and its exit status used to be
# whatever its last command returned: a suite could print FAIL lines and
# exit 0.  Counting fail() calls would miss the relayed lines, so instead the
# script runs again as a child, its output (stdout and stderr) into a file
# that is shown as it grows, and once the child has ended this parent exits
# with the child's status, or 1 if that is 0 but a FAIL line was printed.
#
# Reading a file rather than a pipe: a process the script left behind that
# still holds its stdout (a daemon, a QEMU) cannot keep the suite from ending.
# A signal that ends the parent (timeout's TERM, ^C) ends the child too: both
# are in the same process group, and the parent passes it on besides.
# shellcheck shell=bash

if [ -z "${RESULTS_CHILD:-}" ]; then
    results_out=$(mktemp)
    RESULTS_CHILD=1 "$BASH" "$0" "$@" >"$results_out" 2>&1 <&0 &
    results_child=$!
    results_stop() {
        kill -TERM "$results_child" "$results_tail" 2>/dev/null
        wait "$results_child"
        rm -f "$results_out"
        exit 143
    }
    # -s 0.1: the output shows promptly; --pid: tail ends once the child has
    # ended and all it wrote is shown.  In the background, so that a
    # signal's trap runs at once.
    tail -n +1 -s 0.1 -f --pid="$results_child" "$results_out" &
    results_tail=$!
    trap results_stop INT TERM
    wait "$results_tail"
    wait "$results_child"
    results_rc=$?
    trap - INT TERM
    results_fails=$(grep -c '^FAIL ' "$results_out")
    rm -f "$results_out"
    if [ "$results_rc" -eq 0 ] && [ "$results_fails" -gt 0 ]; then
        echo "results: $results_fails FAIL line(s) but status 0: exiting with status 1"
        results_rc=1
    fi
    exit "$results_rc"
fi
unset RESULTS_CHILD # the script's own child scripts are suites of their own
