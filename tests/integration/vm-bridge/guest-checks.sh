# Sourced by the test guests' /init scripts (toolsguest.sh, ovmfguest.sh),
# which the make rules put at /lib/guest-checks.sh: result lines for the
# host suite and the way out of QEMU.  busybox sh.  The sourcing script
# sets `prefix` (the result names' prefix).
failures=0

# check NAME FUNCTION: runs FUNCTION, which prints why it failed on stdout;
# one PASS/FAIL line.  The guest's uptime at its start goes to the log, so a
# slow check shows.
check() {
    local why
    echo "guest: $1 at $(cut -d' ' -f1 /proc/uptime)"
    if why=$($2 2>&1); then
        echo "PASS $prefix/$1"
    else
        echo "FAIL $prefix/$1: $(echo "$why" | tail -n 3 | tr '\n' ' ')"
        failures=$((failures + 1))
    fi
}

# power_off: ends QEMU through isa-debug-exit (port 0xf4: QEMU exits with
# (v << 1) | 1), v = 0 when every check passed, else 1.
power_off() {
    sync
    printf "\\$(printf %o $((failures > 0)))" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
    poweroff -f
}
