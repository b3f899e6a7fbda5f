# Shared helpers for the `make bench` scripts in tests/bench/ (sourced).
#
# Every script prints `bench <name> <unit> nutshell=<v> linux=<v> ratio=<v>`
# lines (ratio = nutshell/linux, so below 1 means nutshell is faster for
# times) and `# ...` lines that say how the numbers were obtained.  A side that
# fails or times out gives NA, never a made-up number.

BUILD=${BUILD:-build}
BENCH_OUT=$BUILD/bench
QEMU=${QEMU:-qemu-system-x86_64}
NUTSHELL_ELF=${NUTSHELL_ELF:-$BUILD/nutshell.elf}
LINUX_KERNEL=${LINUX_KERNEL:-$BUILD/linux/vmlinuz}
UBENCH_CPIO=${UBENCH_CPIO:-$BENCH_OUT/ubench.cpio}

# The machine both kernels run on.  Linux gets ACPI (microvm's default): its
# only way to power off there is the ACPI sleep register, and its virtio
# drivers find devices only through ACPI.  nutshell uses acpi=off as in
# `make run`, which changes nothing before its kernel entry.
NUTSHELL_MACHINE=(-machine microvm,acpi=off -cpu max -no-reboot -nographic
                  -device isa-debug-exit,iobase=0xf4,iosize=4)
LINUX_MACHINE=(-machine microvm -cpu max -no-reboot -nographic)
# Debian's kernel needs >= 96 MB to reach /init; user-space benchmarks give
# both kernels the same memory.
LINUX_MEM=256
UBENCH_MEM=256

# linux_cmdline HZ EXTRA...: Debian's kernel command line for a bench boot.
#   loglevel=4      as quiet as `quiet` for the kernel's log, but keeps the
#                   setup code's "Probing EDD" line, which marks kernel entry
#   tsc_early_khz   the TSC rate, as a hypervisor would announce it.  Without
#                   it Linux calibrates against the PIT, which under TCG on a
#                   loaded host fails about half the time; Linux then has no
#                   usable clock and hangs before /init.
#   tsc=reliable    no clocksource watchdog: under TCG the jiffies it compares
#                   against lag, and it would drop the TSC for jiffies.
linux_cmdline() {
    local hz=$1
    shift
    echo "console=ttyS0 loglevel=4 panic=-1 tsc_early_khz=$((hz / 1000)) tsc=reliable $*"
}

# The host's TSC rate in Hz (tests/bench/tsc-hz.c).  Under QEMU TCG it is the
# guest's TSC rate, for both kernels.
host_tsc_hz() {
    "$BENCH_OUT/tsc-hz"
}

# run_qemu TIMEOUT_S IDLE_S LOG QEMU-ARGS...
# Runs QEMU for at most TIMEOUT_S seconds, and stops it early once it has
# printed nothing for IDLE_S seconds (a guest that hangs or idles).  Writes
# each output line to LOG prefixed with the host time in ms since just before
# QEMU started ("123.456 text").  An escape character also ends a line: on
# q35 and pc, Linux's setup code prints "Probing EDD ... o" and SeaBIOS's
# serial console then clears the screen (ESC c ...) with no newline between,
# so without it that line would be stamped only when the kernel, seconds
# later, ends the line.  Returns QEMU's exit status (124 when it was
# stopped).
#
# With MARKS=1 in the environment, QEMU's console input is a pipe and the
# guest can ask for the CPU time of its vCPU: a line containing
# BENCH-MARK is logged with " vcpu_ns=<ns>" appended (vcpu_ns, below), then
# a newline is sent to the console, which the guest waits for.  The vCPU is
# idle while the guest waits, so the reading is the guest's work up to its
# line, whatever the host's load: a loaded host stretches the guest's TSC
# intervals (the vCPU thread waits for a host CPU) but not this time.
run_qemu() {
    local limit=$1 idle=$2 log=$3
    shift 3
    local fifo answer=/dev/null rc
    fifo=$(mktemp -u "${TMPDIR:-/tmp}/bench-qemu.XXXXXX")
    mkfifo "$fifo" || return 1
    if [ "${MARKS:-0}" = 1 ]; then
        answer=$fifo.in
        mkfifo "$answer" || { rm -f "$fifo"; return 1; }
        set -- -name bench,debug-threads=on "$@" # names the vCPU thread "CPU 0/TCG"
    fi
    local t0=$EPOCHREALTIME
    timeout -k 5 "$limit" "$QEMU" "$@" <"$answer" >"$fifo" 2>&1 &
    local pid=$! answer_fd=
    [ "$answer" = /dev/null ] || exec {answer_fd}>"$answer" # lets QEMU's open of its input go on
    stamp_lines "$t0" "$idle" "$pid" $answer_fd < <(stdbuf -o0 tr '\033' '\n' <"$fifo") >"$log"
    local stopped=$?
    [ -z "$answer_fd" ] || exec {answer_fd}>&-
    wait "$pid"
    rc=$?
    rm -f "$fifo" "$fifo.in"
    # QEMU exits with status 0 on SIGTERM; report the stop as a timeout.
    [ "$stopped" -eq 0 ] || rc=124
    return "$rc"
}

# child_of PID: PID's first child process (none: prints nothing).
# /proc/PID/task/PID/children needs CONFIG_PROC_CHILDREN, which some hosts'
# kernels lack; pgrep reads every process's parent instead.
child_of() {
    local c
    read -r c _ <"/proc/$1/task/$1/children" 2>/dev/null || c=$(pgrep -P "$1" | head -n 1)
    echo "$c"
}

# vcpu_ns PID: the CPU time, in ns, that QEMU's vCPU thread has used; PID is
# the timeout(1) that runs QEMU (run_qemu).  Prints NA when it is not found.
vcpu_ns() {
    local qemu task
    qemu=$(child_of "$1")
    for task in /proc/"${qemu:-none}"/task/*; do
        [[ $(<"$task/comm") == *TCG* ]] 2>/dev/null || continue
        read -r qemu _ <"$task/schedstat" && { echo "$qemu"; return; }
    done
    echo NA
}

# stamp_lines T0 IDLE_S PID [ANSWER_FD]: prefixes every stdin line with ms
# since T0 (an EPOCHREALTIME value) and drops the serial line's carriage
# returns; after IDLE_S seconds without a line it sends SIGTERM to PID
# (timeout(1), which passes it on to QEMU) and keeps reading to the end.
# With ANSWER_FD, a BENCH-MARK line gets PID's vCPU time and a newline is
# written to ANSWER_FD (run_qemu's MARKS).  Returns 2 when it had to stop
# PID, else 0.
stamp_lines() {
    # Pure bash, no process per line, so a burst of kernel log lines does
    # not delay the stamps of the lines after it.
    local t0=${1/[.,]/} idle=$2 pid=$3 answer=${4:-} line now d rc stopped=0 begins=0
    while :; do
        IFS= read -r -t "$idle" line
        rc=$?
        if [ "$rc" -gt 128 ]; then
            echo "bench: no output for ${idle}s, stopping QEMU"
            kill -TERM "$pid" 2>/dev/null
            idle=3600
            stopped=2
            continue
        fi
        [ "$rc" -eq 0 ] || [ -n "$line" ] || break
        now=${EPOCHREALTIME/[.,]/}
        d=$((now - t0))
        line=${line//$'\r'/}
        if [ -n "$answer" ] && [[ $line == *BENCH-MARK* ]]; then
            [[ $line != *BENCH-MARK\ begin* ]] || pair_wait $((++begins))
            line+=" vcpu_ns=$(vcpu_ns "$pid")"
            echo >&"$answer" 2>/dev/null
        fi
        printf '%d.%03d %s\n' $((d / 1000)) $((d % 1000)) "$line"
        [ "$rc" -eq 0 ] || break
    done
    [ -z "${PAIR_DIR:-}" ] || : >"$PAIR_DIR/$PAIR_SELF.done"
    return "$stopped"
}

# check_run BENCH MARK SIDE LOG STATUS: says on stderr why SIDE's run of a
# benchmark program gave no full result: no `MARK-DONE` line in LOG (with
# QEMU's STATUS), and each `MARK-ERROR` line, as `# BENCH: SIDE: ...`.
check_run() {
    grep -q "$2-DONE" "$4" 2>/dev/null || echo "# $1: $3 did not finish (QEMU status $5, see $4)" >&2
    grep -h "$2-ERROR" "$4" 2>/dev/null | sed "s/^[0-9.]* /# $1: $3: /" >&2
}

# run_sides BENCH MARK LIMIT_S IDLE_S CPIO NUTSHELL_CMDLINE LINUX_EXTRA QEMU-ARGS...
# Boots CPIO, whose init is a benchmark program that ends with a `MARK-DONE`
# line, under nutshell (command line NUTSHELL_CMDLINE), then under Linux
# (linux_cmdline's, then LINUX_EXTRA), both with UBENCH_MEM and the extra
# QEMU-ARGS, into $BENCH_OUT/logs/BENCH-nutshell.log and BENCH-linux.log (left
# empty for a side that cannot run, with the reason on stderr).  Uses $hz.
run_sides() {
    local bench=$1 mark=$2 limit=$3 idle=$4 cpio=$5 ncmd=$6 lextra=$7
    shift 7
    local nlog=$BENCH_OUT/logs/$bench-nutshell.log llog=$BENCH_OUT/logs/$bench-linux.log
    mkdir -p "$BENCH_OUT/logs"
    if [ -f "$NUTSHELL_ELF" ]; then
        run_qemu "$limit" "$idle" "$nlog" "${NUTSHELL_MACHINE[@]}" "$@" -m "$UBENCH_MEM" -kernel "$NUTSHELL_ELF" \
            -initrd "$cpio" -append "$ncmd"
        check_run "$bench" "$mark" nutshell "$nlog" $?
    else
        echo "# $bench: $NUTSHELL_ELF not built" >&2
        : >"$nlog"
    fi
    if is_number "$hz" && [ -f "$LINUX_KERNEL" ]; then
        run_qemu "$limit" "$idle" "$llog" "${LINUX_MACHINE[@]}" "$@" -m "$UBENCH_MEM" -kernel "$LINUX_KERNEL" \
            -initrd "$cpio" -append "$(linux_cmdline "$hz" $lextra)"
        check_run "$bench" "$mark" linux "$llog" $?
    else
        echo "# $bench: no host TSC rate or no Linux kernel ($LINUX_KERNEL)" >&2
        : >"$llog"
    fi
}

# pair_wait N: with PAIR_DIR, PAIR_SELF and PAIR_OTHER set (two run_qemu
# with MARKS=1 at once, one for each kernel), records that this guest reached
# its Nth "BENCH-MARK begin" and waits until the other guest has reached its
# Nth too, has ended, or 600 s passed.  So the two kernels run each measured
# interval at the same time, under the same load from the rest of the host.
# With PAIR_ORDER set for both, they take turns instead: PAIR_ORDER=odd
# goes first in odd-numbered turns and second in even ones, PAIR_ORDER=even
# the other way round.  The side that goes second in turn N waits for the
# other's (N+1)th, so turn N of the first runs alone, then turn N of the
# second alone (smp.sh: intervals that need every host core); the order
# N1 L1 L2 N2 N3 L3 ... gives each side the first place in half the turns,
# so whatever the hand-over does to the turn just after it weighs on both.
pair_lag() {
    case ${PAIR_ORDER:-} in
    odd) echo $((1 - $1 % 2)) ;;
    even) echo $(($1 % 2)) ;;
    *) echo 0 ;;
    esac
}

pair_wait() {
    [ -n "${PAIR_DIR:-}" ] || return 0
    echo "$1" >"$PAIR_DIR/$PAIR_SELF"
    # Sleeps are timed-out reads of a FIFO nobody writes: no process per poll,
    # so the waiting side takes no CPU from the running one.
    local other waited=0 tick=$PAIR_DIR/$PAIR_SELF.tick tick_fd lag
    lag=$(pair_lag "$1")
    [ -p "$tick" ] || mkfifo "$tick"
    exec {tick_fd}<>"$tick"
    while [ $waited -lt 12000 ] && [ ! -e "$PAIR_DIR/$PAIR_OTHER.done" ]; do
        other=
        read -r other 2>/dev/null <"$PAIR_DIR/$PAIR_OTHER"
        [ "${other:-0}" -lt $(($1 + lag)) ] || break
        read -r -t 0.05 -u "$tick_fd" _
        waited=$((waited + 1))
    done
    exec {tick_fd}>&-
}

# mark_runs LOG NAME: the vCPU time in ns of each run of NAME in LOG (one a
# line): from its "BENCH-MARK begin NAME" line to its "BENCH-MARK end NAME"
# line (run_qemu with MARKS=1 put vcpu_ns= on both), for the runs whose
# result line (" NAME ticks=") follows the end mark before the next begin:
# a run that failed has no result line and is left out.
mark_runs() {
    awk -v name="$2" '
        function vcpu(   i) { for (i = 1; i <= NF; i++) if ($i ~ /^vcpu_ns=[0-9]+$/) return substr($i, 9); return "" }
        $0 ~ ("BENCH-MARK begin " name " ") { b = vcpu(); e = ""; next }
        $0 ~ ("BENCH-MARK end " name " ") { e = vcpu(); next }
        $0 ~ (" " name " ticks=") { if (b != "" && e != "" && e + 0 > b + 0) printf "%.0f\n", e - b; b = e = "" }
    ' "$1" 2>/dev/null
}

# field LINE KEY: the value of KEY=<value> in LINE (empty when absent).
field() {
    local tok
    for tok in $1; do
        [ "${tok%%=*}" = "$2" ] && [ "$tok" != "$2" ] && { printf '%s\n' "${tok#*=}"; return; }
    done
}

# is_number V: true for a plain non-negative decimal number.
is_number() {
    [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]
}

# median V...: the median of the numeric arguments (NA ones are skipped);
# NA when there is none.  With an even count, the mean of the middle two.
median() {
    local v nums=()
    for v in "$@"; do is_number "$v" && nums+=("$v"); done
    [ ${#nums[@]} -gt 0 ] || { echo NA; return; }
    printf '%s\n' "${nums[@]}" | sort -g |
        awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f\n", m }'
}

# ticks_to UNIT TICKS HZ: TSC ticks as a time in UNIT (s, ms, us, ns).
ticks_to() {
    local scale
    case $1 in
        s) scale=1 ;; ms) scale=1e3 ;; us) scale=1e6 ;; ns) scale=1e9 ;;
        *) echo "ticks_to: unknown unit $1" >&2; echo NA; return ;;
    esac
    is_number "$2" && is_number "$3" || { echo NA; return; }
    awk -v t="$2" -v h="$3" -v s="$scale" 'BEGIN { printf "%.3f\n", t / h * s }'
}

# bench_line NAME UNIT NUTSHELL LINUX: prints the bench line with the ratio.
bench_line() {
    local ratio=NA
    if is_number "$3" && is_number "$4"; then
        ratio=$(awk -v n="$3" -v l="$4" 'BEGIN { if (l > 0) printf "%.3f\n", n / l; else print "NA" }')
    fi
    echo "bench $1 $2 nutshell=$3 linux=$4 ratio=$ratio"
}

# parse_nutshell_boot LOG QEMU_STATUS HZ: from a `test=banner` boot log,
# prints "<entry->banner ms> <reset->banner ms>", or "NA NA" with the reason
# on stderr.  The kernel ends that boot through isa-debug-exit with value 0,
# which is QEMU status 1.
parse_nutshell_boot() {
    local line e b
    line=$(grep -m1 -o 'BOOT-TIME .*' "$1")
    e=$(field "$line" tsc_entry)
    b=$(field "$line" tsc_banner)
    if [ "$2" -ne 1 ] || ! is_number "$e" || ! is_number "$b" || [ "$b" -lt "$e" ]; then
        echo "# boot: nutshell failed (QEMU status $2, see $1)" >&2
        echo "NA NA"
        return
    fi
    echo "$(ticks_to ms $((b - e)) "$3") $(ticks_to ms "$b" "$3")"
}

# parse_linux_boot LOG QEMU_STATUS HZ: from a UBENCH_MODE=boot log, prints
# "<entry->/init ms> <reset->/init ms>" or NA for what is unknown.  Reset ->
# /init is the TSC read by /init's first instruction.  Kernel entry is not
# visible to the TSC: it is the host time of the setup code's "Probing EDD"
# line, and entry -> /init the host time between that line and the /init
# line, the interval the guest TSC counts as it counts host time.
parse_linux_boot() {
    local init_line t init_ms edd_ms entry_ms=NA
    init_line=$(grep -m1 'UBENCH-BOOT ' "$1")
    t=$(field "$init_line" entry_tsc)
    if [ "$2" -ne 0 ] || ! is_number "$t"; then
        echo "# boot: linux failed (QEMU status $2, see $1)" >&2
        echo "NA NA"
        return
    fi
    init_ms=${init_line%% *}
    edd_ms=$(grep -m1 'Probing EDD' "$1" | cut -d' ' -f1)
    if is_number "$edd_ms" && is_number "$init_ms"; then
        entry_ms=$(awk -v i="$init_ms" -v e="$edd_ms" 'BEGIN { printf "%.3f\n", i - e }')
    else
        echo "# boot: linux: no 'Probing EDD' line in $1, kernel entry unknown" >&2
    fi
    echo "$entry_ms $(ticks_to ms "$t" "$3")"
}

# booted_cpus LOG: how many CPUs a boot had running, from nutshell's
# `smp: N of M CPUs up` line or ubench's `UBENCH-BOOT ... cpus=N`; NA when
# LOG has neither.
booted_cpus() {
    local n
    n=$(sed -n 's/.*smp: \([0-9]*\) of [0-9]* CPUs up.*/\1/p' "$1" 2>/dev/null | head -1)
    [ -n "$n" ] || n=$(field "$(grep -m1 'UBENCH-BOOT ' "$1" 2>/dev/null)" cpus)
    is_number "$n" && echo "$n" || echo NA
}

# ubench_field LOG NAME UNIT KEY: the KEY= field of ubench's result NAME in
# UNIT from LOG, when it is a number; else NA.
ubench_field() {
    local v
    v=$(field "$(grep -m1 "UBENCH $2 $3 " "$1" 2>/dev/null)" "$4")
    is_number "$v" && echo "$v" || echo NA
}

# ubench_value LOG NAME UNIT HZ: ubench's result NAME from LOG in UNIT, or NA.
ubench_value() {
    ticks_to "$3" "$(ubench_field "$1" "$2" "$3" ticks)" "$4"
}

# ubench_info LOG KEY: the words after `UBENCH-INFO KEY` in LOG (empty when absent).
ubench_info() {
    local line
    line=$(grep -m1 "UBENCH-INFO $2 " "$1" 2>/dev/null) || return 0
    echo "${line#*UBENCH-INFO $2 }"
}

# turns_line NAME NUTSHELL_VALUES LINUX_VALUES: a `#` line with each side's
# turns (space-separated numbers) and the turn-by-turn ratios, nutshell's
# turn k over Linux's turn k (smp.sh: the two ran next to each other), sorted,
# with their min, median and max.
turns_line() {
    awk -v name="$1" -v n="$2" -v l="$3" 'BEGIN {
        k = split(n, a, " "); m = split(l, b, " "); c = 0
        for (i = 1; i <= k && i <= m; i++) if (b[i] > 0) r[++c] = a[i] / b[i]
        for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
        s = ""; for (i = 1; i <= c; i++) s = s sprintf(" %.3f", r[i])
        med = c ? (c % 2 ? r[(c + 1) / 2] : (r[c / 2] + r[c / 2 + 1]) / 2) : "NA"
        printf "# %s turns: nutshell %s; linux %s; turn ratios (sorted)%s: ", name, k ? n : "NA", m ? l : "NA", c ? s : " none"
        if (c) printf "min %.3f median %.3f max %.3f\n", r[1], med, r[c]; else print "NA"
    }'
}
