#!/bin/bash
# Runs the vtpm parser fuzzer: first every committed regression input, then a
# short fresh run (VTPM_FUZZ_SECONDS, default 20) starting from them.  New
# corpus entries go to a scratch directory; crashes are reported with the
# input's bytes so they can be committed under corpus/.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../../integration/lib/results.sh" "$@"
root=$(cd "$(dirname "$0")/../../.." && pwd)
fuzzer=$root/build/tests/fuzz/vtpm/fuzz_vtpm
corpus=$root/tests/fuzz/vtpm/corpus
secs=${VTPM_FUZZ_SECONDS:-20}
work=$(mktemp -d /tmp/vtpm-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

if out=$("$fuzzer" -runs=0 "$corpus" 2>&1); then
    echo "PASS vtpm-fuzz-regression-inputs ($(ls "$corpus" | wc -l) inputs)"
else
    echo "FAIL vtpm-fuzz-regression-inputs: $(echo "$out" | grep -m1 -E 'ERROR|SUMMARY')"
fi
cp "$corpus"/* "$work/" 2>/dev/null
if out=$("$fuzzer" -max_total_time="$secs" -max_len=9000 -print_final_stats=1 -artifact_prefix="$work/" "$work" 2>&1); then
    echo "PASS vtpm-fuzz-${secs}s ($(echo "$out" | grep -o 'stat::number_of_executed_units: [0-9]*' | grep -o '[0-9]*$' || echo '?') runs)"
else
    crash=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null | head -n 1)
    echo "FAIL vtpm-fuzz-${secs}s: $(echo "$out" | grep -m1 -E 'ERROR|SUMMARY'); input: $(od -An -tx1 "$crash" 2>/dev/null | tr -d ' \n' | head -c 400)"
fi
