#!/bin/bash
# Test suite for the bench scripts' parsing (tests/bench/lib.sh), on sample
# output recorded from real runs.  No QEMU; takes about a second.
set -uo pipefail
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../integration/lib/results.sh" "$@"
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME GOT WANT
check() {
    if [ "$2" = "$3" ]; then
        echo "PASS bench_$1"
    else
        echo "FAIL bench_$1: got '$2', want '$3'"
    fi
}

HZ=2000000000

check field_found "$(field 'BOOT-TIME banner_us=5 tsc_entry=77 tsc_hz=9' tsc_entry)" 77
check field_prefix_is_not_match "$(field 'x tsc_entry2=1 tsc_entry=3' tsc_entry)" 3
check field_missing "$(field 'x tsc_banner=' tsc_banner)" ""
check median_odd "$(median 3 1 2)" 2.000
check median_even "$(median 4 1 3 2)" 2.500
check median_skips_na "$(median NA 5 NA 7 6)" 6.000
check median_all_na "$(median NA NA)" NA
check ticks_to_ms "$(ticks_to ms 3000000 $HZ)" 1.500
check ticks_to_ns "$(ticks_to ns 2500 $HZ)" 1250.000
check ticks_to_na "$(ticks_to us NA $HZ)" NA
check bench_line_ratio "$(bench_line boot ms 10.000 40.000)" "bench boot ms nutshell=10.000 linux=40.000 ratio=0.250"
check bench_line_na "$(bench_line boot ms NA 40.000)" "bench boot ms nutshell=NA linux=40.000 ratio=NA"
check bench_line_zero "$(bench_line x us 1.0 0)" "bench x us nutshell=1.0 linux=0 ratio=NA"

cat >"$tmp/nutshell.log" <<'LOG'
137.181 [     6.888] nutshell: a kernel for confidential service VMs
138.770 [     9.472]   guest time at banner: 6.868 ms since kernel entry
139.001 [     9.600] BOOT-TIME banner_us=6868 tsc_entry=5000000 tsc_banner=19000000 tsc_hz=2093914000
LOG
check nutshell_boot "$(parse_nutshell_boot "$tmp/nutshell.log" 1 $HZ 2>/dev/null)" "7.000 9.500"
check nutshell_boot_bad_status "$(parse_nutshell_boot "$tmp/nutshell.log" 124 $HZ 2>/dev/null)" "NA NA"
: >"$tmp/empty.log"
check nutshell_boot_no_line "$(parse_nutshell_boot "$tmp/empty.log" 1 $HZ 2>/dev/null)" "NA NA"

cat >"$tmp/linux.log" <<'LOG'
230.490 Probing EDD (edd=off to disable)... ok
3709.879 [    0.300889] PCI: Fatal: No config space access function found
4702.977 UBENCH-BOOT entry_tsc=9000000000
4707.491 [    1.296876] reboot: Power down
LOG
check linux_boot "$(parse_linux_boot "$tmp/linux.log" 0 $HZ 2>/dev/null)" "4472.487 4500.000"
grep -v EDD "$tmp/linux.log" >"$tmp/linux-noedd.log"
check linux_boot_no_edd "$(parse_linux_boot "$tmp/linux-noedd.log" 0 $HZ 2>/dev/null)" "NA 4500.000"
check linux_boot_timeout "$(parse_linux_boot "$tmp/linux.log" 124 $HZ 2>/dev/null)" "NA NA"

cat >"$tmp/ubench.log" <<'LOG'
5462.751 UBENCH-INFO guest_tsc_hz=2096000000
5464.736 UBENCH boot_init ms ticks=12000000000 value=5725.191
5557.755 UBENCH getppid ns ticks=2400.0 value=1145.038
LOG
check ubench_value "$(ubench_value "$tmp/ubench.log" getppid ns $HZ)" 1200.000
check ubench_value_boot "$(ubench_value "$tmp/ubench.log" boot_init ms $HZ)" 6000.000
check ubench_value_missing "$(ubench_value "$tmp/ubench.log" spawn_wait us $HZ)" NA
check ubench_value_wrong_unit "$(ubench_value "$tmp/ubench.log" getppid us $HZ)" NA
check ubench_value_no_log "$(ubench_value "$tmp/nonexistent.log" getppid ns $HZ)" NA

# The CPUs a boot had running.
printf '80.009 [    80.009] smp: 4 of 4 CPUs up (QEMU fw_cfg CPU count, APIC ids probed), APIC ids: 0 1 2 3\n' \
    >"$tmp/smp4-nutshell.log"
check booted_cpus_nutshell "$(booted_cpus "$tmp/smp4-nutshell.log")" 4
printf '4702.977 UBENCH-BOOT entry_tsc=9000000000 cpus=3\n' >"$tmp/smp4-linux.log"
check booted_cpus_linux "$(booted_cpus "$tmp/smp4-linux.log")" 3
check booted_cpus_unknown "$(booted_cpus "$tmp/linux.log")" NA

# ubench's smp mode: the speedup is a plain value, ipi_wake a time in ticks.
cat >"$tmp/smp.log" <<'LOG'
4100.002 UBENCH-INFO cpus=2
9875.300 UBENCH-INFO smp_lags start_ticks=690000 join_ticks=490000
9875.310 UBENCH smp_speedup x value=1.874 one_thread_ticks=4400000000 two_threads_ticks=2350000000
9990.120 UBENCH ipi_wake us ticks=90000.0 value=42.900
9990.400 UBENCH-ERROR other: value=NA
9990.500 UBENCH-DONE
LOG
check ubench_field_speedup "$(ubench_field "$tmp/smp.log" smp_speedup x value)" 1.874
check ubench_field_ticks "$(ubench_field "$tmp/smp.log" smp_speedup x two_threads_ticks)" 2350000000
check ubench_field_missing_key "$(ubench_field "$tmp/smp.log" smp_speedup x three_threads_ticks)" NA
check ubench_info_smp_lags "$(ubench_info "$tmp/smp.log" smp_lags)" "start_ticks=690000 join_ticks=490000"
check ubench_info_smp_no_rounds "$(ubench_info "$tmp/smp.log" smp_speedup_rounds)" ""
check ubench_field_wrong_unit "$(ubench_field "$tmp/smp.log" smp_speedup us value)" NA
check ubench_value_ipi_wake "$(ubench_value "$tmp/smp.log" ipi_wake us $HZ)" 45.000

# check_run: a run without its DONE line, and its ERROR lines, on stderr.
check check_run_done "$(check_run smp UBENCH nutshell "$tmp/smp.log" 1 2>&1)" \
    "# smp: nutshell: UBENCH-ERROR other: value=NA"
check check_run_not_done "$(check_run ubench UBENCH linux "$tmp/ubench.log" 124 2>&1)" \
    "# ubench: linux did not finish (QEMU status 124, see $tmp/ubench.log)"

# stamp_lines: a prefix in ms, carriage returns dropped, last line kept
# without its newline.
printf 'one\r\ntwo' | stamp_lines "$EPOCHREALTIME" 5 0 >"$tmp/stamped"
check stamp_lines "$(sed 's/^[0-9]*\.[0-9][0-9][0-9] //' "$tmp/stamped" | tr '\n' '|')" "one|two|"
check stamp_lines_prefix "$(grep -c '^[0-9]*\.[0-9][0-9][0-9] ' "$tmp/stamped")" 2
# An idle producer is stopped: stamp_lines signals the given pid.
sleep 30 &
sleeper=$!
(echo hello; sleep 2) | stamp_lines "$EPOCHREALTIME" 1 "$sleeper" >"$tmp/idle"
stopped=$?
wait "$sleeper"
check stamp_lines_idle_kill "$stopped $? $(grep -c 'no output for 1s' "$tmp/idle")" "2 143 1"
printf 'x\n' | stamp_lines "$EPOCHREALTIME" 1 0 >/dev/null
check stamp_lines_not_idle "$?" 0
# run_qemu with a stand-in QEMU: status passed through, idle stop is 124.
QEMU=true run_qemu 10 5 "$tmp/q.log"
check run_qemu_status "$?" 0
QEMU=false run_qemu 10 5 "$tmp/q.log"
check run_qemu_failure "$?" 1
QEMU=sleep run_qemu 10 1 "$tmp/q.log" 5
check run_qemu_idle_stop "$?" 124
# An escape character ends a line too (Linux's "Probing EDD" line on q35).
QEMU=printf run_qemu 10 5 "$tmp/q.log" 'Probing EDD (edd=off to disable)... o\033c\033[2Jnext\n'
check run_qemu_escape_ends_line "$(sed 's/^[0-9]*\.[0-9][0-9][0-9] //' "$tmp/q.log" | tr '\n' '|')" \
    "Probing EDD (edd=off to disable)... o|c|[2Jnext|"

# run_qemu with MARKS=1: a BENCH-MARK line gets the vCPU time (NA here: the
# stand-in has no TCG thread) and the guest gets its newline; without the
# answer the stand-in would wait until the idle stop.
cat >"$tmp/marker" <<'SH'
#!/bin/bash
echo "BENCH-MARK begin x"
read -r -t 20 line && echo "answered"
SH
chmod +x "$tmp/marker"
MARKS=1 QEMU=$tmp/marker run_qemu 30 10 "$tmp/m.log"
check run_qemu_marks_status "$?" 0
check run_qemu_marks_answered "$(grep -c -e 'BENCH-MARK begin x vcpu_ns=NA$' -e ' answered$' "$tmp/m.log")" 2

# mark_runs: begin/end pairs of complete runs only, in ns.
cat >"$tmp/marks.log" <<'LOG'
927.127 PORTBENCH-MARK begin sqlite_insert vcpu_ns=272497858
5525.688 PORTBENCH-MARK end sqlite_insert vcpu_ns=2452798958
5538.254 PORTBENCH sqlite_insert ticks=11226674390 rows=100000
5545.417 PORTBENCH-MARK begin sqlite_insert vcpu_ns=2466131941
9797.797 PORTBENCH-MARK end sqlite_insert vcpu_ns=4545752156
9797.900 PORTBENCH-ERROR sqlite_insert: row count differs
9814.591 PORTBENCH-MARK begin sqlite_insert vcpu_ns=4557531458
15554.148 PORTBENCH-MARK end sqlite_insert vcpu_ns=NA
15574.281 PORTBENCH sqlite_insert ticks=14002376695 rows=100000
15585.881 PORTBENCH-MARK begin sqlite_insert vcpu_ns=7226904040
20754.197 PORTBENCH-MARK end sqlite_insert vcpu_ns=9748453937
20764.753 PORTBENCH sqlite_insert ticks=12621334765 rows=100000
LOG
check mark_runs "$(mark_runs "$tmp/marks.log" sqlite_insert | tr '\n' ' ')" "2180301100 2521549897 "
check mark_runs_other_name "$(mark_runs "$tmp/marks.log" lua_startup | wc -l)" 0

# pair_wait: returns once the other side has reached the same mark, or ended.
PAIR_DIR=$tmp/pair PAIR_SELF=a PAIR_OTHER=b
mkdir -p "$PAIR_DIR"
(sleep 0.3; echo 1 >"$PAIR_DIR/b") &
pair_wait 1
check pair_wait_waits_for_the_other "$(cat "$PAIR_DIR/a") $(cat "$PAIR_DIR/b" 2>/dev/null)" "1 1"
wait
: >"$PAIR_DIR/b.done"
pair_wait 2
check pair_wait_other_ended "$(cat "$PAIR_DIR/a")" 2
# With PAIR_ORDER (turns): the side second in a turn waits for the other's
# next mark, not its same one; odd goes first in odd turns, even in even.
check pair_lag_odd "$(PAIR_ORDER=odd pair_lag 1) $(PAIR_ORDER=odd pair_lag 2) $(PAIR_ORDER=odd pair_lag 3)" "0 1 0"
check pair_lag_even "$(PAIR_ORDER=even pair_lag 1) $(PAIR_ORDER=even pair_lag 2) $(PAIR_ORDER=even pair_lag 3)" "1 0 1"
check pair_lag_together "$(pair_lag 1) $(pair_lag 2)" "0 0"
rm -f "$PAIR_DIR"/*
(sleep 0.2; echo 1 >"$PAIR_DIR/b"; sleep 0.3; echo 2 >"$PAIR_DIR/b") &
PAIR_ORDER=even pair_wait 1
check pair_wait_second_waits_a_turn "$(cat "$PAIR_DIR/b")" 2
wait
rm -f "$PAIR_DIR"/*
echo 2 >"$PAIR_DIR/b"
PAIR_ORDER=even pair_wait 2
check pair_wait_first_goes_at_once "$(cat "$PAIR_DIR/a") $(cat "$PAIR_DIR/b")" "2 2"
# child_of: the first child of a process (run_qemu's timeout(1) runs QEMU).
timeout 20 sleep 10 &
guard=$!
for _ in $(seq 100); do
    child=$(child_of "$guard")
    [ -z "$child" ] || break
    sleep 0.05
done
check child_of_finds_the_child "$(cat "/proc/$child/comm" 2>/dev/null)" sleep
kill "$guard" 2>/dev/null
wait "$guard" 2>/dev/null
unset PAIR_DIR PAIR_SELF PAIR_OTHER

# smp.sh's turns: ubench's INFO words and the turn-by-turn ratios.
cat >"$tmp/turns.log" <<'LOG'
812.5 UBENCH-INFO smp_speedup_rounds 1.500 1.800 0.900
LOG
check ubench_info "$(ubench_info "$tmp/turns.log" smp_speedup_rounds)" "1.500 1.800 0.900"
check ubench_info_missing "$(ubench_info "$tmp/turns.log" ipi_wake_turns)" ""
check turns_line "$(turns_line x "1.500 1.800 0.900" "1.000 2.000 1.000 4.0")" \
    "# x turns: nutshell 1.500 1.800 0.900; linux 1.000 2.000 1.000 4.0; turn ratios (sorted) 0.900 0.900 1.500: min 0.900 median 0.900 max 1.500"
check turns_line_even "$(turns_line y "3 1" "1 1")" "# y turns: nutshell 3 1; linux 1 1; turn ratios (sorted) 1.000 3.000: min 1.000 median 2.000 max 3.000"
check turns_line_none "$(turns_line z "" "1 2")" "# z turns: nutshell NA; linux 1 2; turn ratios (sorted) none: NA"

