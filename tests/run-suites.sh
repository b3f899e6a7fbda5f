#!/bin/bash
# Runs each test suite given as an argument and prints the tally.
#
# A suite is an executable that prints one line per test: "PASS <name>" or
# "FAIL <name>: <why>".  Other lines are shown but not counted.  A suite that
# exits non-zero without printing a FAIL line counts as one failure, and so
# does one that outlives SUITE_TIMEOUT seconds (default 600).
set -u
passed=0
failed=0
timeout_s=${SUITE_TIMEOUT:-600}
for suite in "$@"; do
    echo "== $suite"
    out=$(mktemp)
    started=$SECONDS
    timeout --kill-after=10 "$timeout_s" "$suite" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    p=$(grep -c '^PASS ' "$out")
    f=$(grep -c '^FAIL ' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            echo "FAIL $suite: timed out after ${timeout_s}s"
        else
            echo "FAIL $suite: exited with status $rc"
        fi
        f=1
    fi
    rm -f "$out"
    # Where make test's time goes, for keeping it under its budget.
    echo "== $suite: $p passed, $f failed in $((SECONDS - started)) s"
    passed=$((passed + p))
    failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
