# Helpers shared by the vtpm host suites (vtpm-host.sh, vtpm-sealed.sh):
# starting and stopping the vtpm on free loopback ports and running one test.
# The sourcing script sets $VTPM, $work (a scratch directory) and $state.

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# Starts the vtpm on a free pair of ports (data PORT, ctrl PORT+1, as the
# swtpm TCTI expects).  Returns 0 once it listens; 1 if it exited (refused),
# leaving its log in $work/log, or if it neither listens nor exits within
# 30 s (a hang guard: a loaded host may take seconds to start libtpms).
# Extra arguments go to the vtpm.
#
# The ports are drawn below Linux's ephemeral range (32768 on), where no
# client connection's port can hold them.  If one is taken all the same
# (another suite's listener), the vtpm is started again on another pair and
# its log appended: the attempt that exited had already opened the state, and
# may have manufactured the TPM or met injected faults, so what it logged
# stays visible to the test.
start_vtpm() {
    local tries from
    # Emptied here, not only by the redirection below: that happens in the
    # child, and until it runs the grep would see the previous vtpm's
    # "ctrl: listening".
    : >"$work/log"
    for tries in 1 2 3 4 5 6 7 8 9 10; do
        PORT=$(( (RANDOM % 6000) * 2 + 20000 ))
        CTRL=$((PORT + 1))
        from=$(( $(stat -c %s "$work/log") + 1 ))  # this attempt's first byte
        "$VTPM" --server type=tcp,port=$PORT --ctrl type=tcp,port=$CTRL --state "$state" "$@" \
            >>"$work/log" 2>&1 &
        vpid=$!
        local i
        for i in $(seq 600); do
            if grep -q "ctrl: listening" "$work/log"; then
                export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$PORT"
                return 0
            fi
            if ! kill -0 "$vpid" 2>/dev/null; then
                wait "$vpid" 2>/dev/null
                vpid=
                tail -c +"$from" "$work/log" | grep -q "Address.*in use" && continue 2
                return 1
            fi
            sleep 0.05
        done
        stop_vtpm
        return 1
    done
    return 1
}

# Waits (up to 30 s, a hang guard) for a line matching the grep pattern in
# the vtpm's log; 1 if it never comes.  The vtpm may log what a test looks for just after
# "ctrl: listening", start_vtpm's cue, so a test must not grep at once.
wait_log() {
    local i
    for i in $(seq 300); do
        grep -q -- "$1" "$work/log" && return 0
        sleep 0.1
    done
    return 1
}

stop_vtpm() {
    if [ -n "$vpid" ]; then
        kill "$vpid" 2>/dev/null
        wait "$vpid" 2>/dev/null
    fi
    vpid=
}

kill9_vtpm() {
    if [ -n "$vpid" ]; then
        kill -9 "$vpid" 2>/dev/null
        wait "$vpid" 2>/dev/null
    fi
    vpid=
}

t() { # name, command...: PASS if the command succeeds
    local name=$1
    shift
    local out
    # Tests run in a subshell: a vtpm one starts (and a failure path leaves
    # running) is stopped there, since the parent never learns its pid.
    if out=$(outer=$vpid; "$@" 2>&1; rc=$?; [ "$vpid" != "$outer" ] && stop_vtpm; exit $rc); then
        pass "$name"
        echo "$out" | grep '^note:' | sed 's/^/  /'
    else fail "$name" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"; fi
}
