#!/bin/bash
# Checks the time basis of the boot benchmarks (README.md, "Validating the
# time basis"): under QEMU TCG the guest TSC should
#   1. advance at the host TSC's rate: ubench in UBENCH_MODE=stamps prints
#      the guest TSC ten times ~200 ms apart under Linux; the host stamps each
#      line on its own clock; the slope of guest ticks over host seconds
#      must equal the host TSC rate, and the points must lie on one line;
#   2. count from the VM's start: host time of a line minus guest TSC time in
#      it is then the time QEMU took before running the guest, the same for
#      every line and a fraction of a second; nutshell's tsc_entry (its first
#      instruction) must be a few ms at most, the firmware's share.
# Prints what it finds; exits non-zero when a check fails.  Run it with
# `make bench-validate`.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

logdir=$BENCH_OUT/logs
mkdir -p "$logdir"
hz=$(host_tsc_hz)
echo "host TSC rate: $hz Hz"
status=0

log=$logdir/validate-linux.log
run_qemu 120 60 "$log" "${LINUX_MACHINE[@]}" -m "$LINUX_MEM" -kernel "$LINUX_KERNEL" \
    -initrd "$UBENCH_CPIO" -append "$(linux_cmdline "$hz" UBENCH_MODE=stamps)"
if [ "$(grep -c 'UBENCH-TSC ' "$log")" -lt 5 ]; then
    echo "FAIL linux: too few UBENCH-TSC lines (see $log)"
    status=1
else
    # Least-squares fit of host ms against guest ticks.
    grep 'UBENCH-TSC ' "$log" | awk -v hz="$hz" '
        { h[NR] = $1; t[NR] = $3 }
        END {
            n = NR
            for (i = 1; i <= n; i++) { sh += h[i]; st += t[i] }
            mh = sh / n; mt = st / n
            for (i = 1; i <= n; i++) { sxy += (t[i] - mt) * (h[i] - mh); sxx += (t[i] - mt) ^ 2 }
            ms_per_tick = sxy / sxx
            fit_hz = 1000 / ms_per_tick
            for (i = 1; i <= n; i++) {
                off = h[i] - t[i] / hz * 1000
                if (i == 1 || off < lo) lo = off
                if (i == 1 || off > hi) hi = off
            }
            printf "linux: guest TSC rate from host clock %.0f Hz (%.3f%% from host rate)\n", fit_hz, (fit_hz / hz - 1) * 100
            printf "linux: host ms - guest TSC ms per line: %.1f .. %.1f (QEMU start before the VM runs)\n", lo, hi
            bad = (fit_hz / hz - 1) ^ 2 > 0.01 ^ 2 || hi - lo > 20 || lo < 0 || hi > 2000
            print bad ? "FAIL linux: the guest TSC does not follow host time since VM start" \
                      : "PASS linux: guest TSC = host TSC rate, counting from the VM start"
            exit bad
        }' || status=1
fi

log=$logdir/validate-nutshell.log
if [ -f "$NUTSHELL_ELF" ]; then
    run_qemu 30 20 "$log" "${NUTSHELL_MACHINE[@]}" -m 16 -kernel "$NUTSHELL_ELF" -append "test=banner"
    line=$(grep -m1 'BOOT-TIME ' "$log")
    if [ -z "$line" ]; then
        echo "FAIL nutshell: no BOOT-TIME line (see $log)"
        status=1
    else
        awk -v hz="$hz" -v h="${line%% *}" -v e="$(field "$line" tsc_entry)" -v b="$(field "$line" tsc_banner)" \
            -v own="$(field "$line" tsc_hz)" 'BEGIN {
            printf "nutshell: first instruction at %.3f ms of guest TSC (firmware before PVH entry)\n", e / hz * 1000
            printf "nutshell: its own TSC calibration %.0f Hz (%.3f%% from host rate)\n", own, (own / hz - 1) * 100
            printf "nutshell: host ms - guest TSC ms of the banner line: %.1f\n", h - b / hz * 1000
            bad = e / hz > 0.050
            print bad ? "FAIL nutshell: TSC at kernel entry is not near 0" : "PASS nutshell: TSC at kernel entry is near 0"
            exit bad
        }' || status=1
    fi
fi
exit "$status"
