#!/bin/bash
# vm-bridge suite: guests get their TPMs from the service VM through host
# bridges (README.md next to this file).
#
#   vm-bridge.sh KERNEL SERVICE-CPIO DEVICES GUEST-CPIO TOOLS-CPIO LINUX-KERNEL
#
# One boot of the service VM (the service image itself: the vtpm for the host
# and the instances vtpm1, vtpm2 for guests, each on its own state disk), a
# vtpm-bridge per guest instance, and Debian-kernel guests with `-tpmdev
# emulator` on the bridges: guest a with Debian's tpm2-tools and cryptsetup
# (TOOLS-CPIO, toolsguest.sh: seals its disk key to a PCR and unlocks its LUKS
# disk on its next boot), then guest b with raw commands (GUEST-CPIO,
# tpmguest.c), each booting twice; then guests c1 and c2 (tpmguest's rounds)
# using their TPMs at the same time, c2's QEMU killed mid-command and the
# service VM killed and restarted under c1.  QEMU's control protocol is
# driven by qemuctl.py (a QEMU-like client without a guest): after the kill,
# with the service VM gone and back, malformed input, vanishing clients.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
kernel=$(realpath -- "$1") service_cpio=$(realpath -- "$2") devfile=$(realpath -- "$3")
guest_cpio=$(realpath -- "$4") tools_cpio=$(realpath -- "$5") linux=$(realpath -- "$6")
root=$(cd "$(dirname "$0")/../../.." && pwd)
here=$root/tests/integration/vm-bridge
VTPM=${VTPM:-$root/build/apps/vtpm/vtpm}
BRIDGE=${BRIDGE:-$root/build/apps/vtpm-bridge/vtpm-bridge}
# Seconds the service VM may take to start its vtpms, and a guest's two boots.
SERVICE_WAIT=${VM_BRIDGE_SERVICE_WAIT:-180}
GUEST_LIMIT=${VM_BRIDGE_GUEST_LIMIT:-300}
keep=$root/build/tests/vm-bridge/logs

. "$root/tests/integration/lib/qemu.sh"
. "$root/tests/integration/lib/service-vm.sh"

work=$(mktemp -d /tmp/vm-bridge.XXXXXX)
spid= bridges=()

for f in "$kernel" "$service_cpio" "$devfile" "$guest_cpio" "$tools_cpio" "$linux" "$VTPM" "$BRIDGE"; do
    [ -e "$f" ] || { fail vm-bridge/setup "$f is missing"; exit 1; }
done

cleanup() {
    [ -n "$spid" ] && kill -9 "$spid" 2>/dev/null
    local b
    for b in "${bridges[@]}"; do kill "$b" 2>/dev/null; done
    wait 2>/dev/null
    keep_logs "$work" "$keep"
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

# ---------------------------------------------------------------- service VM
# Fresh states for the host's vtpm and the two guest instances.
for s in state0 state1 state2; do
    if ! "$VTPM_MKSTATE" "$VTPM" "$work/$s.img" >"$work/mkstate.log" 2>&1; then
        fail vm-bridge/state-created "$(tail -n 2 "$work/mkstate.log" | tr '\n' ' ')"
        exit 1
    fi
done
# boot_service NAME: boots the service VM on the three states, its console
# in $work/NAME.log; PASS vm-bridge/NAME once its two guest vtpms started.
boot_service() {
    local name=$1
    service_vm_boot "$work" "$kernel" "$service_cpio" "$devfile" "$work/$name.log" "$SERVICE_WAIT"
    local rc=$?
    spid=$SERVICE_VM_PID
    if [ $rc != 0 ]; then
        fail vm-bridge/$name "$SERVICE_VM_STARTED of 2 guest vtpm instances started: $(strip_log "$work/$name.log" | grep -E 'vtpm|init:|panic' | tail -n 4 | tr '\n' ' ')"
        return 1
    fi
    pass vm-bridge/$name
}
boot_service service-vm-boot || exit 1

# ---------------------------------------------------------------- bridges
for n in 1 2; do
    "$BRIDGE" --listen "$work/bridge$n.sock" --vtpm-data "$work/tpm$n-data.sock" \
        --vtpm-ctrl "$work/tpm$n-ctrl.sock" --timeout 60 --verbose >"$work/bridge$n.log" 2>&1 &
    bridges+=($!)
done
for _ in $(seq 50); do
    [ -S "$work/bridge1.sock" ] && [ -S "$work/bridge2.sock" ] && break
    sleep 0.1
done

# ---------------------------------------------------------------- guests
# Two guests at once, guest a on instance 1 and guest b on instance 2, each
# owning one NV index and checking that it cannot see the other's.  Each
# reboots once (QEMU runs without -no-reboot): its reset reaches the vtpm as
# STOP and INIT.  tpm_tis.force=1: microvm has no TPM2 ACPI table, so the
# driver probes the standard TIS address.
hz=$(awk '/^cpu MHz/{printf "%d\n", $4 * 1000; exit}' /proc/cpuinfo)
# boot_guest NAME N INDEX OTHER [RUN]: console in guest-NAME[-RUN].log, QEMU's
# pid in the .pid file of the same name.  Guest a runs toolsguest.sh on
# microvm with ACPI (its virtio drivers, modules, find its disk only
# there), one boot per QEMU (-no-reboot): after its first boot's work a
# reboot within QEMU makes the next boot minutes slow under TCG (docs/vtpm.md,
# "Slow reboots within QEMU").  Guest b runs tpmguest, which needs no disk,
# without ACPI, and reboots within QEMU.
boot_guest() {
    local name=$1 n=$2 index=$3 other=$4
    local run=$name${5:+-$5} machine=microvm,acpi=off cpio=$guest_cpio init=tpmguest early= extra=()
    # The concurrent guests c1, c2 run tpmguest's rounds, started and
    # stopped through their consoles (a FIFO as QEMU's stdin).
    local input=/dev/null rounds=
    [ "${name#c}" != "$name" ] && input=$work/in-$name rounds=tpmguest.rounds=$ROUNDS
    if [ "$name" = a ]; then
        # earlyprintk: the kernel's decompressor reports its errors only
        # there.
        machine=microvm cpio=$tools_cpio init=toolsguest early=earlyprintk=ttyS0
        extra=(-no-reboot -global virtio-mmio.force-legacy=false
               -drive if=none,id=disk,file="$work/disk-a.img,format=raw" -device virtio-blk-device,drive=disk)
    fi
    # Guest b's first QEMU holds both its boots, and its reboot within QEMU
    # is slow under TCG on a loaded host (docs/vtpm.md, "Slow reboots within
    # QEMU"): twice the limit.
    local limit=$GUEST_LIMIT
    [ "$run" = b ] && limit=$((2 * GUEST_LIMIT))
    timeout -k 5 "$limit" "$QEMU_BIN" -machine $machine -cpu max -m 256 -nographic \
        -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 -pidfile "$work/guest-$run.pid" \
        -kernel "$linux" -initrd "$cpio" "${extra[@]}" \
        -append "console=ttyS0 loglevel=7 panic=-1 tsc_early_khz=$hz tsc=reliable tpm_tis.force=1 $early $init.name=$name $init.index=$index $init.other=$other $rounds" \
        -chardev socket,id=chrtpm,path="$work/bridge$n.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
        -device tpm-tis,tpmdev=tpm0 <>"$input" >"$work/guest-$run.log" 2>&1
}
# Guest a's disk, blank: its first boot formats it with LUKS.
truncate -s 32M "$work/disk-a.img"
# One guest after the other: Linux gives every TPM command a fixed deadline
# (0.75 s for GetCapability, PCR_Extend and Startup, 2 s for SelfTest and
# GetRandom: drivers/char/tpm/tpm2-cmd.c) and drops the TPM when one is
# missed.  The single-vCPU service VM under TCG meets them, but on a loaded
# host not always while two busy guests' QEMUs compete with it for the
# cores.  Guest a goes first, so that guest b looks for guest a's index in
# the wrong instance after it exists; the host-side state check at the end
# covers the other direction.  Both instances run in the service VM throughout.
boot_guest a 1 0x01500001 0x01500002 boot1
rca=$?
# Status 1: the first boot's checks passed (isa-debug-exit); power it on again.
[ $rca = 1 ] && { boot_guest a 1 0x01500001 0x01500002 boot2; rca=$?; }
cat "$work/guest-a-boot1.log" "$work/guest-a-boot2.log" >"$work/guest-a.log" 2>/dev/null
boot_guest b 2 01500002 01500001
rcb=$?

for g in a b; do
    rc=$rca; [ $g = b ] && rc=$rcb
    log=$work/guest-$g.log
    strip_log "$log" | grep -aE '^(PASS|FAIL) '
    # One first boot, then one second boot, and the kernel found a TPM 2 in each.
    seq=$(strip_log "$log" | grep -aoE '(tpm|tools)guest: [a-z]+: boot [12]' | awk '{print $4}' | tr -d '\n')
    # The kernel's first self test meets a TPM that was just reset and
    # answers TPM_RC_INITIALIZE (error 256); the kernel then sends
    # TPM2_Startup and tests again, and registers /dev/tpm0 only if that
    # passes.  Any other TPM error the kernel logs is a failure.
    tpms=$(strip_log "$log" | grep -ac 'tpm_tis tpm_tis: 2.0 TPM')
    selftest=$(strip_log "$log" | grep -a 'A TPM error' | grep -vc 'A TPM error (256) occurred attempting the self test')
    if [ "$rc" = 1 ] && [ "$seq" = 12 ] && [ "$tpms" = 2 ] && [ "$selftest" = 0 ]; then
        pass vm-bridge/$g/two-boots-powered-off
    else
        fail vm-bridge/$g/two-boots-powered-off "QEMU status $rc (1 = all passed), boots '$seq' (want 12), $tpms TPM probes (want 2), $selftest other TPM errors: $(strip_log "$log" | grep -aE 'tpm|guest|panic' | tail -n 3 | tr '\n' ' ')"
    fi
done
# The guest's reset reached the vtpm: QEMU sent INIT once per boot.
for n in 1 2; do
    inits=$(grep -c "control command INIT" "$work/bridge$n.log")
    if [ "$inits" = 2 ]; then
        pass vm-bridge/bridge$n-init-per-boot
    else
        fail vm-bridge/bridge$n-init-per-boot "$inits INIT commands relayed, want 2"
    fi
done

# ---------------------------------------------------------------- two guests at once
# Guests c1 (instance 1, NV index 0x01500003) and c2 (instance 2, 0x01500004)
# run tpmguest's concurrent rounds (rounds.c) at the same time, each on its
# own bridge: GetRandom, PCR_Event and PCR_Read of PCR 16, NV write and read
# of its own index, and NV_Read of the other's index, which exists at that
# moment in the other instance.  c2 boots once c1 is ready and both start
# their rounds on "go", so neither kernel's TPM probe (deadlines under a
# second) meets the other's traffic; the rounds use commands to which Linux
# gives 2 s or more.  Once both have done ROUNDS rounds (so their traffic
# overlapped), the robustness checks use the two running guests:
#   - c2's QEMU is killed (SIGKILL) in the middle of its rounds with a TPM
#     command in flight (sent to its bridge, not answered); the bridge
#     relays it and logs the response lost, and the next QEMU on its bridge
#     (qemuctl.py) is served and finds c2's index and guest b's;
#   - the service VM is killed under c1 ("outage": c1's next command gets a
#     TPM error at once, as does a QEMU-like client on bridge 2), started
#     again on the same disks ("back": c1's next command gets
#     TPM_RC_INITIALIZE, Startup works, its index holds what it last wrote),
#     and c1 runs rounds again until "stop".
ROUNDS=5
# wait_line LOG PATTERN PID: 0 once LOG has a line matching PATTERN, 1 if
# process PID (the guest's QEMU) ended first or GUEST_LIMIT passed.
wait_line() {
    local i
    for i in $(seq $((GUEST_LIMIT * 10))); do
        strip_log "$1" 2>/dev/null | grep -aqE "$2" && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# rounds_ok NAME [LOG]: the guest's log (or LOG, a copy of it) has its round
# ROUNDS and no FAIL line.
rounds_ok() {
    local log=${2:-$work/guest-$1.log}
    strip_log "$log" | grep -aq "tpmguest: $1: round $ROUNDS\b" &&
        ! strip_log "$log" | grep -aq '^FAIL '
}
# queued_from BRIDGE-PID QEMU-PID: the bytes waiting unread on the bridge's
# end of each socket whose other end is QEMU's (ss -x: Recv-Q, local and peer
# inodes); nothing if none.  With the bridge stopped, a count here is a TPM
# command QEMU sent and the bridge has not answered.
queued_from() {
    ss -xpnH 2>/dev/null | awk -v b="pid=$1," -v q="pid=$2," '
        index($0, q) { mine[$6] = 1 }
        index($0, b) && $3 > 0 { queued[$8] = $3 }
        END { for (p in queued) if (p in mine) print queued[p] }'
}
mkfifo "$work/in-c1" "$work/in-c2"
# Held open read-write here too, so a write never blocks on a QEMU that is
# gone.
exec 7<>"$work/in-c1" 8<>"$work/in-c2"
boot_guest c1 1 01500003 01500004 &
p1=$!
why=
wait_line "$work/guest-c1.log" 'tpmguest: c1: ready' $p1 || why="c1 never got ready; "
boot_guest c2 2 01500004 01500003 &
p2=$!
[ -z "$why" ] && { wait_line "$work/guest-c2.log" 'tpmguest: c2: ready' $p2 || why+="c2 never got ready; "; }
echo go >&7
echo go >&8
if [ -z "$why" ]; then
    wait_line "$work/guest-c1.log" "tpmguest: c1: round $ROUNDS\b" $p1 &&
        wait_line "$work/guest-c2.log" "tpmguest: c2: round $ROUNDS\b" $p2 ||
        why+="the two did not both reach round $ROUNDS; "
fi

# c2 killed mid-command.  Its checks are the rounds it reported before the
# kill began (the log copied then: the stop below may make its last command
# miss a deadline).  Bridge 2 is stopped (SIGSTOP) until c2's QEMU has sent a
# TPM command that the bridge has not read (queued_from); if the bridge was
# stopped inside a relay, QEMU sends nothing while it waits, so the bridge is
# continued and stopped again.  Then c2's QEMU is SIGKILLed and the bridge
# continued: it reads the command QEMU left, relays it, and finds nobody to
# take the response; its log must say so ("response lost"), and the next
# QEMU must be served.
cp "$work/guest-c2.log" "$work/guest-c2-before-kill.log"
c2_qemu=$(cat "$work/guest-c2.pid" 2>/dev/null)
queued=
if [ -n "$c2_qemu" ] && kill -0 "$c2_qemu" 2>/dev/null; then
    # Two looks per stop (ss takes up to 0.35 s on a loaded host): a stop
    # inside a relay holds c2's command well under Linux's 2 s deadline.
    for _ in $(seq 30); do
        kill -STOP "${bridges[1]}"
        for _ in 1 2; do
            sleep 0.05
            queued=$(queued_from "${bridges[1]}" "$c2_qemu")
            [ -n "$queued" ] && break 2
        done
        kill -CONT "${bridges[1]}"
        sleep 0.2
    done
fi
kill -9 "$c2_qemu" 2>/dev/null
wait $p2
kill -CONT "${bridges[1]}"
lost=
for _ in $(seq 300); do
    lost=$(grep -a 'TPM command 0x[0-9a-f]*: response lost' "$work/bridge2.log" | tail -n 1)
    [ -n "$lost" ] && break
    sleep 0.1
done
if rounds_ok c2 "$work/guest-c2-before-kill.log"; then
    pass vm-bridge/c2/concurrent-rounds
else
    fail vm-bridge/c2/concurrent-rounds "$(strip_log "$work/guest-c2-before-kill.log" | grep -aE 'FAIL|tpmguest' | tail -n 2 | tr '\n' ' ')"
fi
strip_log "$work/guest-c2-before-kill.log" | grep -aE '^(PASS|FAIL) '
if [ -n "$queued" ] && [ -n "$lost" ]; then
    pass vm-bridge/c2/qemu-killed-mid-command
else
    fail vm-bridge/c2/qemu-killed-mid-command "bytes of a command queued to the stopped bridge when c2's QEMU was killed: '${queued:-none}'; bridge 2's log: '${lost:-no lost response}'"
fi
"$here/qemuctl.py" "$work/bridge2.sock" session guest-qemu-killed
"$here/qemuctl.py" "$work/bridge2.sock" nv-present guest-qemu-killed 01500004

# The service VM killed and restarted under c1.
echo outage >&7
if wait_line "$work/guest-c1.log" 'tpmguest: c1: outage' $p1; then
    { kill -9 "$spid"; wait "$spid"; } 2>/dev/null # no "Killed" notice
    spid=
    wait_line "$work/guest-c1.log" 'tpmguest: c1: TPM error' $p1 || why+="c1 saw no TPM error with the service VM gone; "
    # The same for a QEMU-like client: every answer an error, none late.
    "$here/qemuctl.py" "$work/bridge2.sock" vm-gone service-vm-gone
    if boot_service service-vm-restarted; then
        echo back >&7
        wait_line "$work/guest-c1.log" 'tpmguest: c1: recovered' $p1 || why+="c1 did not recover; "
        "$here/qemuctl.py" "$work/bridge2.sock" session service-vm-restarted
        "$here/qemuctl.py" "$work/bridge2.sock" nv-present service-vm-restarted 01500002
    else
        why+="no new service VM; "
    fi
else
    why+="c1 did not take the outage; "
fi
echo stop >&7
wait $p1
rc1=$?
exec 7>&- 8>&-
strip_log "$work/guest-c1.log" | grep -aE '^(PASS|FAIL) '
[ "$rc1" = 1 ] || why+="QEMU status c1 $rc1 (1 = all passed)"
if [ -z "$why" ]; then
    pass vm-bridge/two-guests-at-once
else
    fail vm-bridge/two-guests-at-once "$why: $({ strip_log "$work/guest-c1.log"; strip_log "$work/guest-c2.log"; } | grep -aE 'tpmguest|tpm_tis|FAIL' | tail -n 4 | tr '\n' ' ')"
fi

# ---------------------------------------------------------------- control protocol
"$here/qemuctl.py" "$work/bridge1.sock" malformed malformed
"$here/qemuctl.py" "$work/bridge1.sock" vanish vanish
"$here/qemuctl.py" "$work/bridge2.sock" session qemu-protocol
{ kill -9 "$spid"; wait "$spid"; } 2>/dev/null
spid=
for n in 1 2; do
    if kill -0 "${bridges[$((n - 1))]}" 2>/dev/null; then
        pass vm-bridge/bridge$n-still-running
    else
        fail vm-bridge/bridge$n-still-running "$(tail -n 2 "$work/bridge$n.log" | tr '\n' ' ')"
    fi
done

# Each guest's NV index is in its own instance's state disk (vtpmN on the
# (N+1)th disk, as apps/image/inittab says): read back by a host vtpm.  So
# is guest a's sealed disk key (persistent handle 0x81010001): the service
# VM kept it across the guest's reboot, and only in instance 1.
for n in 1 2; do
    g=a; [ $n = 2 ] && g=b
    "$VTPM" --server type=unixio,path="$work/h$n-data" --ctrl type=unixio,path="$work/h$n-ctrl" \
        --state "$work/state$n.img" >"$work/hostvtpm$n.log" 2>&1 &
    hp=$!
    for _ in $(seq 50); do [ -S "$work/h$n-ctrl" ] && break; sleep 0.1; done
    out=$(python3 - "$work/h$n-data" "$n" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(30); s.connect(sys.argv[1])
def tpm(hexs):
    s.sendall(bytes.fromhex(hexs)); h = b""
    while len(h) < 10: h += s.recv(10 - len(h))
    n = struct.unpack(">I", h[2:6])[0]; b = b""
    while len(b) < n - 10: b += s.recv(n - 10 - len(b))
    return h + b
tpm("80010000000c000001440000")
own = 0x01500000 + int(sys.argv[2])
for idx in (own, 0x01500003 - int(sys.argv[2])):
    # NV_ReadPublic(idx)
    r = tpm("80010000000e00000169%08x" % idx)
    print("%08x:%x" % (idx, struct.unpack(">I", r[6:10])[0]))
# ReadPublic(the sealed key's persistent handle)
r = tpm("80010000000e0000017381010001")
print("81010001:%x" % struct.unpack(">I", r[6:10])[0])
PY
)
    kill "$hp" 2>/dev/null; wait "$hp" 2>/dev/null
    own=$(printf '0150000%d:0' $n)
    other=$(printf '0150000%d:' $((3 - n)))
    sealed=81010001:0; [ $n = 2 ] && sealed=81010001:18b # TPM_RC_HANDLE
    if echo "$out" | grep -qx "$own" && ! echo "$out" | grep -qx "${other}0" && echo "$out" | grep -qx "$sealed"; then
        pass vm-bridge/state$n-holds-guest-$g-only
    else
        fail vm-bridge/state$n-holds-guest-$g-only "NV_ReadPublic and ReadPublic results: $(echo $out)"
    fi
done
