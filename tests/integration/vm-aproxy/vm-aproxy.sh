#!/bin/bash
# vm-aproxy suite: aproxy's stage 1 in the service VM, end to end: make run's
# image and devices, aproxy-host and the development KBS on this host.
#
#   vm-aproxy.sh KERNEL CPIO DEVICES
#
# CPIO is the service image plus secrets-check (tests/integration/aproxy.mk).
# DEVICES holds apps/image's QEMU device arguments with @STATE@, @PORT@,
# @CTRL@ and @APROXY@ placeholders.  Boots:
#   1. the command line and initrd the KBS has reference values for: the
#      emulated report is accepted and the state key reaches /run/vtpm; then
#      the workload secret-demo asks aproxy's secrets socket for its secret,
#      which stage 2 (the quote of aproxy's measured vtpm) releases, and uses
#      it; secrets-check gets aproxy's refusals (an unknown resource, a policy
#      this VM does not meet, malformed requests), goes away mid-request and
#      before an answer, and is served after that; a client that says nothing
#      does not hold up another's answer; a program not on aproxy's
#      --secrets-allow list is denied; the init-data aproxy-host was given is
#      in PCR 8 (the KBS checks it); tpm2_checkquote verifies that quote with the PCRs aproxy-measure
#      expects from the kernel, initrd and programs.  While this VM runs
#      (continuity below): an NV write through the sealed vtpm is anchored;
#      the host half is restarted, so aproxy exits, init restarts it and it
#      attests anew, and the next write is anchored through the new relay;
#      the KBS goes down during a write, which is not acknowledged, and once it
#      is back the vtpm starts again on a state that holds the last write;
#      the disk as it was two writes before is put back and the vtpm
#      restarted: it refuses the replayed image against the KBS's counter;
#   2. another command line, 3. an initrd with one byte more: the host half
#      computes another launch digest and the KBS refuses it, which aproxy
#      reports on the console with the KBS's reason; the vtpm waiting for its
#      key then refuses to start, with that reason;
#   5. (run before 4) the reference launch, for which the host half's
#      emulated PSP was given the init-data's digest as HOST_DATA, but whose
#      attestation sends changed init-data: the KBS refuses stage 1 (HOST_DATA
#      is not the init-data's digest) and the vtpm refuses to start, saying so;
#      boot 1 checks that matching init-data is bound and passes;
#   4. the reference again, against the KBS in Trustee's way of trusting AKs
#      (trusted_ak_keys_dir holding only the AK aproxy-host --ak-out wrote in
#      boot 1, no trust through the platform report): aproxy's quoting vTPM
#      keeps its state on the disk, so its AK is the same one and stage 2
#      passes (kbs-dev-host.py checks that an AK not in the list is refused).
# Each boot is ended once aproxy has said how its stages went.
#
# With VM_APROXY_BENCH=N it runs N reference boots instead and prints make
# bench's attest_ms line (tests/bench/aproxy): the median time from aproxy's
# start to the state key in /run/vtpm, as aproxy measures it in the VM.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
kernel=$(realpath -- "$1") cpio=$(realpath -- "$2") devfile=$(realpath -- "$3")
root=$(cd "$(dirname "$0")/../../.." && pwd)
HOST=$root/build/aproxy/host/aproxy-host
MEASURE=$root/build/aproxy/host/aproxy-measure
VTPM=$root/build/apps/vtpm/vtpm
KBS_DEV=${KBS_DEV:-$root/aproxy/kbs-dev/kbs-dev.py}
BOOT_WAIT=${VM_APROXY_BOOT_WAIT:-180}
CMDLINE=""
keep=$root/build/tests/vm-aproxy/logs
. "$root/tests/integration/lib/qemu.sh"

work=$(mktemp -d /tmp/vm-aproxy.XXXXXX)
kpid= qpid= hpid=
cleanup() {
    for p in $qpid $hpid $kpid; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$keep"; mkdir -p "$keep"; cp -r "$work"/*.log "$work"/*-evidence "$keep"/ 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

for f in "$kernel" "$cpio" "$devfile" "$HOST" "$MEASURE" "$VTPM" "$KBS_DEV"; do
    [ -e "$f" ] || { fail vm-aproxy/setup "$f is missing"; exit 1; }
done

# The development KBS knows the launch digest of (kernel, cpio, "").
digest=$("$MEASURE" launch-digest --kernel "$kernel" --initrd "$cpio" --cmdline "$CMDLINE")
. "$root/aproxy/host/devkbs.sh"
devkbs_start "$work" "$digest" "$(openssl rand -hex 32)" >setup.out || { fail vm-aproxy/setup "$(cat setup.out)"; exit 1; }
kpid=$DEVKBS_PID
"$root/apps/image/mkstate.sh" --empty "$VTPM" state.img >mkstate.log 2>&1 || { fail vm-aproxy/setup "mkstate"; exit 1; }

# The deployment's init-data (Trustee's format): aproxy extends it into PCR 8
# of its measured vTPM and the KBS checks PCR 8 against it in every stage 2.
printf 'algorithm = "sha256"\nversion = "0.1.0"\n\n[data]\n"vm-aproxy.toml" = "the suite'"'"'s init-data"\n' \
    >"$work/init-data.toml"

# start_host NAME INITRD CMDLINE PORT LOG: aproxy-host for a boot, pid in hpid.
start_host() {
    "$HOST" --port "127.0.0.1:$(($4 + 2))" --kbs "$DEVKBS_URL" --psp-key psp.pem --evidence-dir "$1-evidence" \
        --kernel "$KERNEL_FILE" --initrd "$2" --cmdline "$3" --init-data "${INIT_DATA_FILE:-$work/init-data.toml}" \
        --ak-out "$work/$1-ak.pub" ${HOST_EXTRA:-} >"$5" 2>&1 &
    hpid=$!
}
KERNEL_FILE=$kernel

# boot NAME INITRD CMDLINE: boots until aproxy reports stage 1 (or gives up);
# the console is NAME.log, aproxy-host's NAME-host.log.  BOOT_HOOK, if set,
# runs with NAME INITRD CMDLINE PORT while the VM still runs.
boot() {
    local name=$1 initrd=$2 cmdline=$3 port devices
    # a random port triple; another one if something else holds one of them
    # (QEMU then stops at once, saying so)
    for _ in 1 2 3; do
        port=$(( (RANDOM % 10000) * 4 + 20000 ))
        devices=$(sed -e "s#@STATE@#$work/state.img#" -e "s#@PORT@#$port#" -e "s#@CTRL@#$((port + 1))#" \
                      -e "s#@APROXY@#$((port + 2))#" "$devfile")
        # Emptied here, not only by the redirection below: that happens in
        # the child, and until it runs the loop below would see the last
        # try's "Failed to find an available port" and wait for this QEMU.
        : >"$name.log"
        # shellcheck disable=SC2086 # the device arguments are words
        "$QEMU_BIN" -machine microvm,acpi=off -cpu max -no-reboot -nographic -monitor none -serial stdio \
            -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128 -kernel "$kernel" -initrd "$initrd" \
            -append "$cmdline" $devices </dev/null >"$name.log" 2>&1 &
        qpid=$!
        # until QEMU said something (the guest's first line, or why it
        # stopped) or exited: a fixed second was too short for a QEMU slow
        # to start on a loaded host, which then failed the boot on a taken port
        for _ in $(seq 300); do
            [ -s "$name.log" ] && break
            kill -0 "$qpid" 2>/dev/null || break
            sleep 0.1
        done
        grep -q "Failed to find an available port" "$name.log" || break
        wait "$qpid" 2>/dev/null
    done
    rm -rf "$name-evidence"
    mkdir -p "$name-evidence"
    start_host "$name" "$initrd" "$cmdline" "$port" "$name-host.log"
    for _ in $(seq $((BOOT_WAIT * 10))); do
        grep -qE "aproxy: (.*FAILED|.*: the measured vTPM|cannot)" "$name.log" && break
        # after stage 2: the workload got its secret (or said why not), the
        # sealed vtpm's counter was read through the relay and its first
        # commit anchored (the KBS's counter file appears) or, on a disk an
        # earlier boot left (make bench's boots), found to be the commit the
        # counter holds, or a refusal
        grep -q "secret-demo: " "$name.log" && grep -q "secrets-check: done" "$name.log" &&
            { grep -qE "rollback: (cannot read|.*refus)" "$name.log" ||
              { grep -qE "rollback: .*KBS counter" "$name.log" && [ -s counters.json ]; }; } && break
        kill -0 "$qpid" 2>/dev/null || break
        sleep 0.1
    done
    sleep 0.5
    # a refused attestation: the vtpm waiting for its key must say so and stop
    grep -q "aproxy: stage 1 attestation .*FAILED" "$name.log" &&
        wait_log "$name.log" "state key .*: the attestation that releases it was refused" 1 60
    [ -n "${BOOT_HOOK:-}" ] && kill -0 "$qpid" 2>/dev/null && "$BOOT_HOOK" "$name" "$initrd" "$cmdline" "$port"
    kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null
    wait "$hpid" 2>/dev/null
    qpid= hpid=
}

if [ -n "${VM_APROXY_BENCH:-}" ]; then
    ms=()
    for i in $(seq "$VM_APROXY_BENCH"); do
        boot "bench$i" "$cpio" "$CMDLINE"
        v=$(sed -n 's/.*aproxy: stage 1: vTPM state key .* \([0-9][0-9]*\) ms after aproxy started.*/\1/p' "bench$i.log")
        [ -n "$v" ] && ms+=("$v")
    done
    echo "# attest_ms: stage 1 (emulated report, development KBS on this host) in the service VM, median of ${#ms[@]} boots: ${ms[*]}"
    if [ ${#ms[@]} = 0 ]; then
        echo "bench attest_ms ms nutshell=NA linux=NA ratio=NA"
    else
        echo "bench attest_ms ms nutshell=$(printf '%s\n' "${ms[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}') linux=NA ratio=NA"
    fi
    echo "# attest_ms linux=NA: aproxy has no Linux-side run yet (it would need the same port and host half beside Debian's kernel)"
    exit 0
fi

# continuity NAME INITRD CMDLINE PORT (the reference boot's hook): the
# sealed vtpm's service across an aproxy restart and a KBS outage, driven
# with tpm2-tools on its data port.
NV=0x1500016
counter_value() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vtpm"]["value"])' counters.json 2>/dev/null || echo 0; }
wait_log() { # FILE PATTERN COUNT SECONDS: until PATTERN occurs COUNT times
    for _ in $(seq $(($4 * 10))); do [ "$(grep -cE -- "$2" "$1")" -ge "$3" ] && return 0; sleep 0.1; done; return 1
}
# started: TPM2_Startup(CLEAR) answered (or the TPM was started already); a
# command sent while no vtpm runs waits in the port for the next one.
started() {
    for _ in 1 2 3; do
        timeout 200 tpm2_startup -c >>tpm2.log 2>&1 && return 0
        grep -q "TPM_RC_INITIALIZE" tpm2.log && return 0
        sleep 1
    done
    return 1
}
continuity() {
    local name=$1 initrd=$2 cmdline=$3 port=$4 c1 c2 c3 got
    export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
    printf value-01 >v1; printf value-02 >v2; printf value-03 >v3
    if started && tpm2_nvdefine $NV -C o -s 8 -a "ownerread|ownerwrite" >>tpm2.log 2>&1 &&
       tpm2_nvwrite -C o -i v1 $NV >>tpm2.log 2>&1; then
        pass vm-aproxy/sealed-nv-write-anchored
    else
        fail vm-aproxy/sealed-nv-write-anchored "$(tail -n 2 tpm2.log | tr '\n' ' ')"
        return
    fi
    c1=$(counter_value)
    # aproxy restart: its host half goes away, aproxy exits, init restarts
    # it, and with a new host half it attests again and serves its sockets.
    kill "$hpid"; wait "$hpid" 2>/dev/null
    wait_log "$name.log" "aproxy: the host half hung up the port: exiting, to attest anew" 1 120
    start_host "$name" "$initrd" "$cmdline" "$port" "$name-host2.log"
    if wait_log "$name.log" "aproxy: relaying the vtpm's rollback counter on /run/aproxy/counter.sock" 2 300 &&
       grep -qE "aproxy \(pid [0-9]+\) exited with status 1, restarting" "$name.log" &&
       wait_log "$name.log" "aproxy: serving workload secrets on /run/aproxy/secrets.sock" 2 10 &&
       tpm2_nvwrite -C o -i v2 $NV >>tpm2.log 2>&1 && c2=$(counter_value) && [ "$c2" -gt "$c1" ] &&
       tpm2_nvread -C o -s 8 $NV -o got 2>>tpm2.log && cmp -s got v2; then
        pass vm-aproxy/aproxy-restarted-relay-resumes
        cp state.img replay.img   # the disk at the anchored v2 commit, replayed below
    else
        fail vm-aproxy/aproxy-restarted-relay-resumes "counter ${c1:-?} -> ${c2:-?}: $(grep -E "aproxy|init" "$name.log" | tail -n 3 | tr '\n' ' ') $(tail -n 1 tpm2.log)"
        return
    fi
    # The KBS goes down during a commit: the write is not acknowledged, the
    # vtpm stops (after its retries) rather than serve an unanchored commit;
    # once the KBS is back (a new process: the relay attests again), the
    # restarted vtpm anchors the commit it had written and serves it.
    # (QEMU keeps the client's connection when the vtpm in the VM stops, so
    # the client gets no answer at all: the write is run in the background
    # and must not have succeeded once the vtpm has stopped.)
    kill "$kpid"; wait "$kpid" 2>/dev/null
    timeout 300 tpm2_nvwrite -C o -i v3 $NV >>tpm2.log 2>&1 &
    local wpid=$! wrc
    if wait_log "$name.log" "rollback: KBS counter vtpm not reached \(try 6 of 6\)" 1 120 &&
       wait_log "$name.log" "stopping: a state commit that is not anchored must not be acknowledged" 1 60; then
        kill "$wpid" 2>/dev/null; wait "$wpid"; wrc=$?
        if [ "$wrc" = 0 ]; then
            fail vm-aproxy/kbs-down-write-not-acknowledged "the write was acknowledged with the KBS down"
        else
            pass vm-aproxy/kbs-down-write-not-acknowledged
        fi
    else
        kill "$wpid" 2>/dev/null; wait "$wpid"
        fail vm-aproxy/kbs-down-write-not-acknowledged "$(grep -E "rollback|stopping" "$name.log" | tail -n 3 | tr '\n' ' ')"
    fi
    PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$KBS_DEV" --config "$work/kbs.json" --listen "${DEVKBS_URL#http://}" \
        >>kbs-dev.log 2>&1 &
    kpid=$!
    : >tpm2.log
    if started && tpm2_nvread -C o -s 8 $NV -o got 2>>tpm2.log && cmp -s got v3 && c3=$(counter_value) &&
       [ "$c3" -gt "$c2" ] && grep -q "counter relay: attested again" "$name.log" &&
       grep -qE "rollback: /dev/vda seq [0-9]+ was written but not yet anchored when the vtpm stopped; anchoring it" "$name.log"; then
        pass vm-aproxy/kbs-back-state-intact
    else
        fail vm-aproxy/kbs-back-state-intact "counter ${c2:-?} -> ${c3:-?}, NV '$(cat got 2>/dev/null)': $(grep -E "rollback|relay" "$name.log" | tail -n 3 | tr '\n' ' ') $(tail -n 1 tpm2.log)"
        return
    fi
    # A replayed disk: the image as it was at the v2 commit is written back
    # under the idle vtpm, which is then shut down on its control port
    # (CMD_SHUTDOWN, 3); init restarts it, and the new vtpm must refuse the
    # older state against the KBS's counter.
    dd if=replay.img of=state.img conv=notrunc status=none
    python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),10)
s.sendall((3).to_bytes(4,"big")); s.settimeout(10); s.recv(4)' "$((port + 1))" 2>>tpm2.log
    if wait_log "$name.log" "rollback: /dev/vda is at seq [0-9]+ but the KBS counter is at $c3: an older copy of the state \(a replayed disk image\?\); refusing to start" 1 120; then
        pass vm-aproxy/replayed-state-image-refused
    else
        fail vm-aproxy/replayed-state-image-refused "$(grep -E "rollback|vtpm" "$name.log" | tail -n 3 | tr '\n' ' ')"
    fi
}

# 1. The reference boot.
BOOT_HOOK=continuity boot reference "$cpio" "$CMDLINE"
expect_in reference.log vm-aproxy/stage1-attested-at-boot \
    "aproxy: platform evidence: EMULATED" \
    "aproxy: stage 1: the KBS accepted the emulated platform report and released nutshell/vtpm/state-key" \
    "aproxy: stage 1: vTPM state key \(32 bytes\) handed over in /run/vtpm/state.key"
expect_in reference.log vm-aproxy/vtpm-unseals-with-released-key \
    "state key: read from /run/vtpm/state.key; new commits are sealed \(aes-256-gcm\)"
expect_in reference-host.log vm-aproxy/host-half-says-emulated \
    "platform evidence EMULATED" "emulated PSP signed a report \(EMULATED"
# The emulated VCEK: in the host's report reply as a certificate table, back
# in the VM's attest (schema version 2), into the KBS's evidence (kbs-dev
# verifies the report with it; without it the report would not verify).
expect_in reference.log vm-aproxy/vcek-table-carried-by-the-vm \
    "aproxy: stage 1: the emulated platform's certificate table \([0-9]+ bytes, VCEK included\) goes with the report"
expect_in reference-host.log vm-aproxy/host-takes-vcek-from-the-vms-table \
    "aproxy version 2" "with the emulated VCEK, its certificate table sent along" \
    "platform evidence: VCEK from the VM's certificate table"
secret_text="a workload secret for the attested service VM"
demo_mac=$(python3 -c 'import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), b"nutshell secret demo v1", hashlib.sha256).hexdigest())' "$secret_text")
expect_in reference.log vm-aproxy/stage2-releases-workload-secret-through-socket \
    "aproxy: stage 2: measured vTPM started" \
    "aproxy: serving workload secrets on /run/aproxy/secrets.sock" \
    "aproxy: secrets: released nutshell/workload/secret \(${#secret_text} bytes\) to a workload after stage-2 attestation"
expect_in reference.log vm-aproxy/workload-uses-its-secret \
    "secret-demo: received nutshell/workload/secret \(${#secret_text} bytes\) from aproxy; HMAC-SHA256\(secret, \"nutshell secret demo v1\"\) = $demo_mac"
# The init-data in PCR 8: aproxy extended it, and the KBS, given it with
# each stage 2, released the secrets above only because PCR 8 held it.
expect_in reference.log vm-aproxy/init-data-in-pcr8 \
    "aproxy: stage 2: init-data \($(stat -c %s "$work/init-data.toml") bytes, SHA-256 $(sha256sum "$work/init-data.toml" | cut -c1-8)\.\.\.\) extended into PCR 8"
# aproxy's answers to secrets-check (in the VM: the kernel's AF_UNIX sockets).
expect_in reference.log vm-aproxy/secrets-kbs-refuses-unknown \
    "secrets-check: unknown: ERR refused .*no resource nutshell/workload/no-such-secret"
expect_in reference.log vm-aproxy/secrets-policy-mismatch-refused \
    "secrets-check: policy-mismatch: ERR refused .*nutshell/workload/needs-sample needs affirmed \['sample'\] evidence"
expect_in reference.log vm-aproxy/secrets-malformed-requests-refused \
    "secrets-check: malformed: ERR malformed the resource path must be three segments" \
    "secrets-check: too-long: ERR malformed request line over 256 bytes"
expect_in reference.log vm-aproxy/secrets-vanishing-clients-logged \
    "aproxy: secrets: malformed request: the client went away before its request's newline" \
    "aproxy: secrets: nutshell/workload/secret: the client went away before its answer"
expect_in reference.log vm-aproxy/secrets-keeps-serving \
    "secrets-check: keeps-serving: OK ${#secret_text} \| $secret_text"
# Clients side by side: one that connected and says nothing does not hold up
# a malformed request's answer (nor does one that sent half a request and
# went); it is still unanswered then, asks, and is served.
expect_in reference.log vm-aproxy/secrets-clients-side-by-side \
    "secrets-check: beside-a-slow-client: ERR malformed the resource path" \
    "secrets-check: slow-client-still-waiting: yes" \
    "secrets-check: slow-client-served: OK ${#secret_text} \| $secret_text"
# Who may ask: this image's aproxy answers /sbin/secret-demo and
# /sbin/secrets-check only (--secrets-allow); the same program copied to
# /tmp/secrets-intruder is denied, before any attestation.
expect_in reference.log vm-aproxy/secrets-unlisted-program-denied \
    "aproxy: serving workload secrets on /run/aproxy/secrets.sock to the programs given by --secrets-allow" \
    "secrets-check: intruder: ERR denied /tmp/secrets-intruder is not a program allowed to ask for secrets" \
    "aproxy: secrets: denied: /tmp/secrets-intruder is not a program allowed"
# The sealed vtpm anchors its state in the KBS's counter through aproxy's
# relay, and the KBS's counter (persisted in counters.json) moved.
expect_in reference.log vm-aproxy/vtpm-anchors-in-kbs-counter \
    "aproxy: relaying the vtpm's rollback counter on /run/aproxy/counter.sock" \
    "rollback: KBS counter unused; anchoring /dev/vda at seq [0-9]"
if value=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vtpm"]["value"])' counters.json 2>&1) &&
   [ "$value" -ge 1 ] 2>/dev/null; then
    pass vm-aproxy/kbs-counter-advanced
else
    fail vm-aproxy/kbs-counter-advanced "counters.json: $value"
fi

# The quote aproxy produced, checked by tpm2_checkquote against the PCRs the
# host tool expects: PCR 9 from the command line the kernel measured (QEMU
# appends its virtio_mmio entries to -append) and this initrd, PCR 10 from the
# image's programs in the order the log says they ran.
checkquote() {
    local ev=reference-evidence args=() line kind what
    declare -A file=([/sbin/init]=$root/build/apps/image/init [/sbin/aproxy]=$root/build/apps/image/aproxy
                     [/sbin/vtpm]=$root/build/apps/image/vtpm [/lib/ld-musl-x86_64.so.1]=$root/sysroot/lib/libc.so
                     [/sbin/secret-demo]=$root/build/apps/image/secret-demo
                     [/sbin/secrets-check]=$root/build/tests/vm-aproxy/secrets-check
                     [/tmp/secrets-intruder]=$root/build/tests/vm-aproxy/secrets-check)
    [ -s "$ev/quote.msg" ] || { echo "no quote reached the host"; return 1; }
    while IFS= read -r line; do
        kind=${line%% *} what=${line#* }   # (the command line may start with a space)
        case $kind in
            cmdline) args+=(--cmdline "$what") ;;
            exec) [ -n "${file[$what]:-}" ] || { echo "unexpected program $what"; return 1; }
                  args+=(--exec "$what=${file[$what]}") ;;
        esac
    done < <(python3 "$root/tests/integration/vm-aproxy/log-records.py" "$ev/eventlog.bin")
    case ${args[1]:-} in "$CMDLINE"*) ;; *) echo "measured command line '${args[1]:-}'"; return 1 ;; esac
    "$MEASURE" expect "${args[@]}" --initrd "$cpio" --against "$ev/eventlog.bin" >"$ev/expect" ||
        { cat "$ev/expect"; return 1; }
    "$MEASURE" init-data "$work/init-data.toml" >>"$ev/expect" || return 1   # PCR 8
    python3 "$root/tests/integration/aproxy/expected-pcrs.py" "$ev/expect" "$ev/pcrs.tss" "$ev/pcrs.raw" || return 1
    openssl pkey -pubin -inform DER -in "$ev/ak.der" -out "$ev/ak.pem" 2>/dev/null || { echo "ak.der unreadable"; return 1; }
    local nonce
    nonce=$(python3 -c 'import sys; m=open(sys.argv[1],"rb").read(); e=8+int.from_bytes(m[6:8],"big")
print(m[e+2:e+2+int.from_bytes(m[e:e+2],"big")].hex())' "$ev/quote.msg")
    tpm2_checkquote -u "$ev/ak.pem" -m "$ev/quote.msg" -s "$ev/quote.sig" -f "$ev/pcrs.tss" -g sha256 -q "$nonce" \
        >/dev/null || return 1
    cmp -s "$ev/pcrs.raw" "$ev/pcrs.bin" || { echo "the quoted PCRs differ from the expected ones"; return 1; }
}
if out=$(checkquote 2>&1); then
    pass vm-aproxy/stage2-tpm2-checkquote-with-expected-pcrs
else
    fail vm-aproxy/stage2-tpm2-checkquote-with-expected-pcrs "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
fi

# 2. Another command line.
boot cmdline "$cpio" "quiet"
expect_in cmdline.log vm-aproxy/modified-cmdline-fails-attestation \
    "aproxy: stage 1 attestation \(emulated platform report\) FAILED: .*launch measurement [0-9a-f]{96} is not a reference value"
refused="vtpm: error: state key /run/vtpm/state.key: the attestation that releases it was refused \(.*launch measurement [0-9a-f]{96} is not a reference value\); refusing to start"
expect_in cmdline.log vm-aproxy/modified-cmdline-vtpm-refuses-to-start "$refused"

# 3. An initrd with one more byte (past the cpio trailer: it unpacks the same).
cp "$cpio" modified.cpio && printf '\0' >>modified.cpio
boot initrd modified.cpio "$CMDLINE"
expect_in initrd.log vm-aproxy/modified-initrd-fails-attestation \
    "aproxy: stage 1 attestation \(emulated platform report\) FAILED: .*launch measurement [0-9a-f]{96} is not a reference value"
expect_in initrd.log vm-aproxy/modified-initrd-vtpm-refuses-to-start "$refused"

# 1b. Stage 1 of boot 1 carried the init-data: the emulated report's
# HOST_DATA was its digest (aproxy-measure host-data), and the KBS checked it.
hd=$("$MEASURE" host-data "$work/init-data.toml" | sed -n 's/^host_data //p')
expect_in reference-host.log vm-aproxy/stage1-host-data-is-init-data-digest \
    "aproxy-host: emulated launch HOST_DATA $hd \(the init-data's digest\)"
expect_in kbs-dev.log vm-aproxy/stage1-kbs-checks-init-data-in-host-data \
    "affirmed \['emulated-snp'\] \(EMULATED platform evidence\); init-data bound in HOST_DATA"

# 5. The init-data changed between launch and attestation: the launch's
# HOST_DATA (--host-data, QEMU's host-data= form) is the suite's init-data's
# digest, the attestation sends another init-data.
sed 's/the suite/changed/' "$work/init-data.toml" >"$work/init-data-changed.toml"
launch_hd=$("$MEASURE" host-data "$work/init-data.toml" | sed -n 's/^qemu host-data=//p')
INIT_DATA_FILE=$work/init-data-changed.toml HOST_EXTRA="--host-data $launch_hd" boot initdata "$cpio" "$CMDLINE"
hd_refused="HOST_DATA [0-9a-f]{64} is not the digest of the init-data sent \([0-9a-f]{64}\): the VM was launched for other init-data"
expect_in initdata.log vm-aproxy/init-data-changed-after-launch-fails-attestation \
    "aproxy: stage 1 attestation \(emulated platform report\) FAILED: .*$hd_refused"
expect_in initdata.log vm-aproxy/init-data-changed-after-launch-vtpm-refuses-to-start \
    "vtpm: error: state key /run/vtpm/state.key: the attestation that releases it was refused \(.*$hd_refused\); refusing to start"

# 4. A stable AK: the KBS now trusts AKs only from a directory of PEM keys,
# as Trustee's tpm verifier does, and that directory holds the AK of boot 1.
ak_line='aproxy: stage 2: measured vTPM started \(/dev/vda at offset 8388608, AK of [0-9]+ bytes, SHA-256 [0-9a-f]{16}\.\.\.\)'
if [ -s reference-ak.pub ]; then
    mkdir -p trusted-aks && cp reference-ak.pub trusted-aks/service-vm.pub
    python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c.pop("trust_platform_bound_ak",None)
c["trusted_ak_keys_dir"]="trusted-aks"; json.dump(c,open(sys.argv[2],"w"))' kbs.json kbs-trustee.json
    kill "$kpid"; wait "$kpid" 2>/dev/null
    PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$KBS_DEV" --config "$work/kbs-trustee.json" \
        --listen "${DEVKBS_URL#http://}" >>kbs-dev.log 2>&1 &
    kpid=$!
    wait_log kbs-dev.log "Trustee-like AK trust: 1 trusted AK" 1 30
    boot akstable "$cpio" "$CMDLINE"
    if cmp -s reference-ak.pub akstable-ak.pub; then
        pass vm-aproxy/stable-ak-across-boots
    else
        fail vm-aproxy/stable-ak-across-boots "$(grep -E "$ak_line" reference.log akstable.log | tr '\n' ' ')"
    fi
    expect_in akstable.log vm-aproxy/trusted-ak-list-accepts-stable-ak \
        "$ak_line" \
        "secret-demo: received nutshell/workload/secret \(${#secret_text} bytes\) from aproxy"
else
    fail vm-aproxy/stable-ak-across-boots "aproxy-host --ak-out wrote no reference-ak.pub"
fi
