#!/bin/bash
# Runs every ABI program on the Linux host (the reference) and relays its
# results as `PASS abi-host/<area>/<check>` / `FAIL abi-host/...` lines.
#
# The programs and their list come from `make abi` (build/tests/abi/).  A
# program that dies, hangs (ABI_TIMEOUT seconds, default 30) or exits
# non-zero without a FAIL line of its own gets one here, so a crash can
# never pass silently.  README.md states the contract.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../integration/lib/results.sh" "$@"
top=$(cd "$(dirname "$0")/../.." && pwd)
export ABI_DIR=${ABI_DIR:-$top/build/tests/abi}
list=$ABI_DIR/progs.list
timeout_s=${ABI_TIMEOUT:-30}

if [ ! -r "$list" ]; then
    echo "FAIL abi-host/setup: $list missing (run make abi)"
    exit 1
fi

status=0
while read -r prog; do
    [ -n "$prog" ] || continue
    out=$(mktemp)
    # The outer redirection hides bash's own "Segmentation fault" notice:
    # the FAIL line below reports the death instead.
    { (cd /tmp && timeout --kill-after=5 "$timeout_s" "$ABI_DIR/$prog") >"$out" 2>&1; } 2>/dev/null
    rc=$?
    sed -e 's#^\(PASS\|FAIL\|SKIP\) abi/#\1 abi-host/#' "$out"
    npass=$(grep -c '^PASS abi/' "$out")
    nfail=$(grep -c '^FAIL abi/' "$out")
    rm -f "$out"
    if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            echo "FAIL abi-host/$prog: timed out after ${timeout_s}s"
        elif [ "$rc" -gt 128 ]; then
            echo "FAIL abi-host/$prog: killed by signal $((rc - 128))"
        else
            echo "FAIL abi-host/$prog: exited with status $rc"
        fi
    elif [ "$rc" -eq 0 ] && { [ "$nfail" -ne 0 ] || [ "$npass" -eq 0 ]; }; then
        echo "FAIL abi-host/$prog: exit status 0 with $npass PASS and $nfail FAIL lines"
        rc=1
    fi
    [ "$rc" -eq 0 ] || status=1
done <"$list"
exit $status
