#!/bin/bash
# Runs one libFuzzer target as a test suite (PASS/FAIL lines, see tests/run-suites.sh).
#
#   run-fuzz.sh <name> <fuzzer> <seconds> <workdir> [seed dir...]
#
# 1. Replays every input in tests/fuzz/<name>/regressions/ (malformed samples
#    and past findings): one PASS/FAIL line each.
# 2. Fuzzes for <seconds> from the regressions and the seed dirs, keeping the
#    growing corpus in <workdir>/corpus and any crashing input in
#    <workdir>/artifacts/.  tests/fuzz/<name>/<name>.dict is used if present.
# A crash prints how to turn the input into a regression: copy it into
# tests/fuzz/<name>/regressions/ once fixed, so every later run replays it.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../integration/lib/results.sh" "$@"
name=$1 fuzzer=$2 secs=$3 work=$4
shift 4
regress=tests/fuzz/$name/regressions
dict=tests/fuzz/$name/$name.dict

if [ ! -x "$fuzzer" ]; then
    echo "FAIL fuzz/$name: $fuzzer is not built"
    exit 1
fi

for f in "$regress"/*; do
    [ -f "$f" ] || continue
    out=$("$fuzzer" "$f" 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "PASS fuzz/$name/regression/$(basename "$f")"
    else
        why=$(grep -m1 -E 'ERROR|runtime error|SUMMARY' <<<"$out")
        echo "FAIL fuzz/$name/regression/$(basename "$f"): ${why:-exit status $rc}"
    fi
done

mkdir -p "$work/corpus" "$work/artifacts"
rm -f "$work"/artifacts/*
args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/artifacts/")
[ -f "$dict" ] && args+=(-dict="$dict")
seeds=()
for d in "$regress" "$@"; do
    [ -d "$d" ] && seeds+=("$d")
done
"$fuzzer" "${args[@]}" "$work/corpus" "${seeds[@]}" >"$work/log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
if [ "$rc" -eq 0 ] && [ "${runs:-0}" -gt 0 ]; then
    echo "PASS fuzz/$name/run: ${runs} inputs in ${secs}s, corpus $(ls "$work/corpus" | wc -l) files"
else
    why=$(grep -m1 -E 'ERROR|runtime error|deadly signal' "$work/log")
    crash=$(ls "$work"/artifacts/* 2>/dev/null | head -1)
    echo "FAIL fuzz/$name/run: ${why:-fuzzer exited with status $rc} (input: ${crash:-none}, log: $work/log;" \
         "once fixed, copy the input into $regress/)"
fi
