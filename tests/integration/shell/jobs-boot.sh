#!/bin/bash
# Job control on the console, driven like a person at the keyboard, and
# common busybox applets compared with the host, in one boot.
#
# Debian's busybox-static is pid 1 (init=/bin/sh); `sh -c 'exec setsid -c sh'`
# starts a shell in a session with the console as its controlling terminal,
# so it turns job control on.  (Not pid 1 itself: a job whose parent is init
# is in an orphaned group, which a terminal's stop signals do not stop, on
# Linux as here.)  Then, each step waiting for the
# output of the one before (the log is polled; the waits are bounded but
# nothing is timed):
#   - a foreground job, then Ctrl-C: it dies of SIGINT (status 130) and the
#     shell goes on;
#   - a foreground job, then Ctrl-Z: the shell reports it stopped, `jobs`
#     lists it, `fg` resumes it, Ctrl-C ends it (130);
#   - Ctrl-\ (SIGQUIT) at a job that ignores SIGINT;
#   - `sh /etc/applets.sh` (tests/integration/shell/applets.sh), whose output
#     between its markers must equal the same script's on the host;
#   - `exit`, then `exit 7` in pid 1: the kernel powers off (QEMU status 3).
# Every expected output differs from the typed text (the console echoes it).
#
#   jobs-boot.sh KERNEL JOBS.cpio APPLETS.sh
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
kernel=${1:?kernel} image=${2:?jobs.cpio} applets=${3:?applets.sh}
work=$(mktemp -d)
qemu_pid=
trap '[ -n "$qemu_pid" ] && kill -9 "$qemu_pid" 2>/dev/null; exec 3>&- 2>/dev/null; rm -rf "$work"' EXIT

mkfifo "$work/keys"
timeout --kill-after=5 600 "$QEMU_BIN" -machine microvm,acpi=off -cpu max -no-reboot -nographic -monitor none \
    -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -m 64 -kernel "$kernel" -initrd "$image" \
    -append "init=/bin/sh quiet" <"$work/keys" >"$work/jobs.log" 2>&1 &
qemu_pid=$!
exec 3>"$work/keys"

type_keys() { printf '%b' "$1" >&3; }
# wait_for PATTERN: true once a line of the log matches (grep -E), within 120 s.
wait_for() {
    local end=$((SECONDS + 120))
    while [ $SECONDS -lt $end ]; do
        strip_log "$work/jobs.log" | grep -qE -- "$1" && return 0
        kill -0 "$qemu_pid" 2>/dev/null || break
        sleep 0.2
    done
    return 1
}
# ctrl_then_type KEYS LINE: types control keys at a foreground job, waits
# for the shell's next prompt (the keys flush typed input, and the shell
# may flush it too when it takes the terminal back), then types LINE.
prompts() { grep -o '/ # ' "$work/jobs.log" | wc -l; }
ctrl_then_type() {
    local before
    before=$(prompts)
    type_keys "$1"
    local end=$((SECONDS + 120))
    while [ $SECONDS -lt $end ] && [ "$(prompts)" -le "$before" ]; do
        sleep 0.2
    done
    type_keys "$2"
}
# step NAME PATTERN: PASS if the pattern shows up, else FAIL with the log's end.
step() {
    if wait_for "$2"; then
        pass "$1"
    else
        fail "$1" "no line matching '$2'; the console ends with: $(strip_log "$work/jobs.log" | tail -5 | tr '\n' '|')"
    fi
}

step jobs/shell-prompt '^/ # '
type_keys "sh -c 'exec setsid -c sh'\r"
# group, session and foreground group of the shell (/proc/<pid>/stat fields 5, 6, 8)
type_keys 'awk "{print \\"ctty\\", \\$5, \\$6, \\$8}" /proc/$$/stat\r'
step jobs/shell-has-a-terminal '^ctty ([1-9][0-9]*) \1 [1-9][0-9]*$'

# Ctrl-C: the job prints its marker once it runs in the foreground.
type_keys "sh -c 'echo int-\$((2*2)); exec sleep 15'\r"
step jobs/foreground-job-runs '^int-4$'
ctrl_then_type '\003' 'echo status-$?-after-ctrl-c\r'
step jobs/ctrl-c-kills-the-foreground-job '^status-130-after-ctrl-c$'

# Ctrl-Z, jobs, fg, Ctrl-C.
type_keys "sh -c 'echo tstp-\$((3*3)); exec sleep 30'\r"
step jobs/second-job-runs '^tstp-9$'
ctrl_then_type '\032' ''
step jobs/ctrl-z-stops-it '\[1\]\+ +Stopped +sh -c' # after the echoed ^Z, as on Linux
type_keys 'jobs; echo jobs-listed-$((1+1))\r'
step jobs/jobs-lists-it '^\[1\]\+ +Stopped +sh -c .*sleep 30.?$'
step jobs/jobs-then-prompt '^jobs-listed-2$'
# (its command shows as "{exe} sleep 30": busybox runs applets through /proc/self/exe)
type_keys 'ps -o stat,args | awk "/sleep 30\\$/ && !/awk/ {print \\"sleep-state-\\" \\$1}"\r'
step jobs/stopped-job-shows-t '^sleep-state-T$'
type_keys 'fg\r'
step jobs/fg-resumes-it '^sh -c .*sleep 30'
ctrl_then_type '\003' 'echo status-$?-after-fg\r'
step jobs/ctrl-c-ends-the-resumed-job '^status-130-after-fg$'

# Ctrl-\ reaches a job that ignores SIGINT.
type_keys "trap '' INT; sh -c 'echo quit-\$((4*4)); exec sleep 20'; echo quit-status-\$?; trap - INT\r"
step jobs/third-job-runs '^quit-16$'
type_keys '\003\034'
step jobs/ctrl-backslash-quits-it '^quit-status-131$'

# The applets script; the host's run is the reference.
type_keys 'sh /etc/applets.sh 2>&1 | cat\r' # not a terminal, as on the host (ls would make columns)
if wait_for '^APPLETS-END$'; then
    strip_log "$work/jobs.log" | sed -n '/^APPLETS-BEGIN$/,/^APPLETS-END$/p' >"$work/vm.out"
    (mkdir -p "$work/host" && cd "$work/host" && env -i PATH=/usr/bin:/bin busybox sh "$applets" 2>&1) >"$work/host.out"
    if diff "$work/host.out" "$work/vm.out" >"$work/diff.out"; then
        pass jobs/applets-match-the-host
    else
        fail jobs/applets-match-the-host "$(head -20 "$work/diff.out" | tr '\n' '|')"
    fi
else
    fail jobs/applets-match-the-host "the script did not end; the console ends with: $(strip_log "$work/jobs.log" | tail -5 | tr '\n' '|')"
fi

ctrl_then_type 'exit\r' 'echo pid-1-exits-$((3+4)); exit 7\r' # pid 1's prompt comes back
wait "$qemu_pid"
rc=$?
qemu_pid=
# (quiet: the kernel's own line about pid 1's status is not printed)
if [ $rc -eq 3 ] && strip_log "$work/jobs.log" | grep -q '^pid-1-exits-7$'; then
    pass jobs/exit-powers-off
else
    fail jobs/exit-powers-off "QEMU status $rc (want 3; 124 = hung)"
fi
# The consoles outlive the run, in a directory of this run's own beside the
# image (suites run at once, and so may two runs of this one); the three
# newest runs' are kept.
logs=${JOBS_LOG_DIR:-$(mktemp -d "$(dirname "$image")/jobs-boot-logs.XXXXXX")}
keep_logs "$work" "$logs"
echo "(this run's consoles: $logs)"
if [ -z "${JOBS_LOG_DIR:-}" ]; then
    # shellcheck disable=SC2012 # names made by mktemp: no odd characters
    ls -dt "$(dirname "$image")"/jobs-boot-logs.* | tail -n +4 | xargs -r rm -rf
fi
