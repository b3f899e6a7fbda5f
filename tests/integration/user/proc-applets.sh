# Debian's busybox-static (a static glibc program) reading /proc in the VM:
# ps, top, free, df, mount, pidof, uptime, sysctl, each checked for the
# shape Linux's /proc gives it.  Run by vmrun in the ABI boot as
# `/bin/busybox sh /etc/proc-applets.sh`; there is no /bin/sh or applet link
# in the image, so busybox runs its applets by re-executing /proc/self/exe
# (that it can is a check too).  One line per check:
#   PASS procfs-vm/<check>
#   FAIL procfs-vm/<check>: <what was seen>
# and the exit status is the number of failures.
failed=0
check() { # name, then the command whose success passes it
    name=$1
    shift
    if out=$("$@" 2>&1); then
        echo "PASS procfs-vm/$name"
    else
        echo "FAIL procfs-vm/$name: $(echo "$out" | busybox head -c 300 | busybox tr '\n' '|')"
        failed=$((failed + 1))
    fi
}
# Succeeds when stdin has a line matching the extended regex $1, printing
# what it read otherwise.
has() {
    input=$(busybox cat)
    echo "$input" | busybox grep -qE "$1" || { echo "no /$1/ in: $input"; return 1; }
}

ps_lists_init_and_itself() {
    busybox ps | has '^ +1 +[0-9a-z]+ +/sbin/init$' &&
        busybox ps -o pid,ppid,stat,comm | has "^ *$$ +1 +S +busybox$"
}
check ps ps_lists_init_and_itself

top_batch() {
    out=$(busybox top -b -n 1)
    echo "$out" | has '^Mem: [0-9]+K used, [0-9]+K free' &&
        echo "$out" | has '^Load average: [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2} [0-9]+/[0-9]+ [0-9]+$' &&
        echo "$out" | has '^ +1 +0 +[0-9a-z]+ +S +[0-9]+ +[0-9]+% +[0-9]+% /sbin/init$'
}
check top top_batch

free_matches_meminfo() {
    total=$(busybox awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    busybox free | has "^Mem: +$total +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$"
}
check free free_matches_meminfo

df_lists_tmpfs() {
    busybox df | has '^Filesystem +1K-blocks +Used +Available +Use% +Mounted on$' &&
        busybox df | has '^tmpfs +[1-9][0-9]* +[0-9]+ +[0-9]+ +[0-9]+% +/tmp$'
}
check df df_lists_tmpfs

mount_lists_proc() {
    busybox mount | has '^proc on /proc type proc \(rw\)$' &&
        busybox mount | has '^rootfs on / type rootfs \(rw\)$'
}
check mount mount_lists_proc

pidof_finds_a_sleeper() {
    # An ABI program of the image that sleeps until killed: a separate
    # program (busybox's own applets may run inside the shell's process).
    /abi/proc --child sleep &
    sleeper=$!
    found=
    tries=0
    while [ -z "$found" ] && [ $tries -lt 100 ]; do
        found=$(busybox pidof proc)
        tries=$((tries + 1))
        [ -n "$found" ] || busybox usleep 50000
    done
    busybox kill "$sleeper"
    wait "$sleeper"
    [ "$found" = "$sleeper" ] || { echo "pidof proc: '$found', started $sleeper"; return 1; }
    [ "$(busybox pidof init)" = 1 ] || { echo "pidof init: $(busybox pidof init)"; return 1; }
}
check pidof pidof_finds_a_sleeper

uptime_line() {
    busybox uptime | has ' up .*load average: [0-9]+\.[0-9]{2}, [0-9]+\.[0-9]{2}, [0-9]+\.[0-9]{2}$'
}
check uptime uptime_line

sysctl_values() {
    busybox sysctl kernel.ostype vm.max_map_count | has '^kernel.ostype = Linux$' &&
        busybox sysctl vm.max_map_count | has '^vm.max_map_count = 65530$'
}
check sysctl sysctl_values

self_exe_and_cmdline() {
    [ "$(busybox readlink /proc/self/exe)" = /bin/busybox ] || { echo "exe -> $(busybox readlink /proc/self/exe)"; return 1; }
    args=$(busybox tr '\0' ' ' < /proc/$$/cmdline)
    [ "$args" = "/bin/busybox sh /etc/proc-applets.sh " ] || { echo "cmdline: '$args'"; return 1; }
}
check self-exe-and-cmdline self_exe_and_cmdline

cwd_inside_proc() {
    cd /proc/self/fd || return 1
    here=$(busybox pwd)
    # Into a file, not $(...): a command substitution's pipe is an fd of this
    # shell that it closes while ls may be reading the directory (on another
    # CPU), and ls then says it "cannot" read that vanished entry's link.
    busybox ls -l . >/tmp/cwd-listing 2>&1
    cd /
    listing=$(busybox cat /tmp/cwd-listing)
    # A subshell runs this (its pid is not $$): any pid's fd directory.
    echo "$here" | has '^/proc/[0-9]+/fd$' || return 1
    echo "$listing" | has "^l.* 0 -> /dev/console$" &&
        ! echo "$listing" | busybox grep -q "cannot"
}
check cwd-inside-proc cwd_inside_proc

exit $failed
