#!/bin/bash
# aproxy-host suite: the host half of aproxy against the development KBS
# (aproxy/kbs-dev), with the VM half run on this host (musl's loader, the
# sysroot's libcbor), joined through fakeport.py, which plays QEMU's chardev
# socket.  One line per test: PASS <name> / FAIL <name>: <why>.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
root=$(cd "$(dirname "$0")/../../.." && pwd)
HOST=$root/build/aproxy/host/aproxy-host
MEASURE=$root/build/aproxy/host/aproxy-measure
VM=$root/build/aproxy/vm/aproxy
VTPM=$root/build/apps/vtpm/vtpm
KBS_DEV=${KBS_DEV:-$root/aproxy/kbs-dev/kbs-dev.py}
FAKEPORT=$root/tests/integration/aproxy/fakeport.py
KERNEL=$root/build/nutshell.elf
INITRD=$root/build/initrd.cpio
CMDLINE="quiet"
work=$(mktemp -d /tmp/aproxy-host.XXXXXX)
kpid=
trap '[ -n "$kpid" ] && kill "$kpid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
pass() { echo "PASS aproxy-host/$1"; }
fail() { echo "FAIL aproxy-host/$1: $2"; }

for f in "$HOST" "$MEASURE" "$VM" "$KBS_DEV" "$KERNEL" "$INITRD" /lib/ld-musl-x86_64.so.1; do
    [ -e "$f" ] || { fail setup "$f is missing"; exit 1; }
done

# wait_file F: until F is non-empty (30 s at most: a hang guard, roomy for a
# loaded host).
wait_file() { for _ in $(seq 300); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

# The development KBS: accepts the emulated PSP's reports for make run's
# launch digest and holds the vTPM state key.
digest=$("$MEASURE" launch-digest --kernel "$KERNEL" --initrd "$INITRD" --cmdline "$CMDLINE")
state_key=$(openssl rand -hex 32)
. "$root/aproxy/host/devkbs.sh"
devkbs_start "$work" "$digest" "$state_key" >setup.out || { fail setup "$(cat setup.out)"; exit 1; }
kpid=$DEVKBS_PID
KBS=$DEVKBS_URL

# run_pair NAME KBS-URL CMDLINE [host options]: the VM half (with VM_ARGS
# added) and the host half joined by fakeport; their logs in NAME.vm and
# NAME.host, the VM half's status in vm_rc.
run_pair() {
    local name=$1 url=$2 cmdline=$3
    shift 3
    rm -f pf
    python3 "$FAKEPORT" bridge pf -- env LD_LIBRARY_PATH="$root/sysroot/lib" "$VM" --port fd:3 \
        --sev-guest "$work/no-sev-guest" --key-file "$work/$name/run/vtpm/state.key" ${VM_ARGS:-} >"$name.vm" 2>&1 &
    local bpid=$!
    wait_file pf || { echo "fakeport did not listen" >"$name.vm"; kill $bpid; vm_rc=99; return; }
    timeout 120 "$HOST" --port "127.0.0.1:$(cat pf)" --kbs "$url" --psp-key psp.pem --kernel "$KERNEL" \
        --initrd "$INITRD" --cmdline "$cmdline" "$@" >"$name.host" 2>&1
    wait $bpid
    vm_rc=$?
}

# 1. Malformed messages: each answered with an error, then a valid hello.
rm -f pf
python3 "$FAKEPORT" malformed pf "$work/psp.pem.pub" >malformed.out 2>&1 &
mpid=$!
if wait_file pf; then
    timeout 60 "$HOST" --port "127.0.0.1:$(cat pf)" --kbs "$KBS" --psp-key psp.pem --kernel "$KERNEL" \
        --initrd "$INITRD" --cmdline "$CMDLINE" >malformed.host 2>&1
fi
wait $mpid
cat malformed.out
grep -q '^PASS aproxy-host/keeps-serving' malformed.out || fail malformed "$(tail -n 3 malformed.out malformed.host | tr '\n' ' ')"
grep -q '^PASS aproxy-host/version-2-report-signed-by-the-tables-vcek' malformed.out ||
    fail versions "$(tail -n 3 malformed.out malformed.host | tr '\n' ' ')"

# 2. Stage 1: the emulated report for the reference launch digest is accepted,
#    the state key released, unwrapped and written for the vtpm, mode 0400.
run_pair stage1 "$KBS" "$CMDLINE"
keyfile=$work/stage1/run/vtpm/state.key
if [ $vm_rc = 0 ] && grep -q "stage 1: the KBS accepted the emulated platform report" stage1.vm &&
   grep -q "emulated PSP signed a report (EMULATED" stage1.host; then
    pass stage1-emulated-report-accepted
else
    fail stage1-emulated-report-accepted "status $vm_rc: $(tail -n 2 stage1.vm stage1.host | tr '\n' ' ')"
fi
got=$(od -An -tx1 -v "$keyfile" 2>/dev/null | tr -d ' \n')
if [ "$got" = "$state_key" ] && [ "$(stat -c %a "$keyfile")" = 400 ] && [ ! -e "$keyfile.tmp" ]; then
    pass stage1-state-key-handed-over
else
    fail stage1-state-key-handed-over "key file '${got:0:16}...' mode $(stat -c %a "$keyfile" 2>&1), want the resource, 400"
fi

# 2b. The emulated VCEK went the way a real one goes: in the host's report
#     reply as a certificate table, back in the VM's attest, into the evidence
#     as Trustee's cert_chain (the KBS verified the report with it).  A host
#     that drops it or alters one byte of it is refused.
if grep -q "stage 1: the emulated platform's certificate table ([0-9]* bytes, VCEK included) goes with the report" stage1.vm &&
   grep -q "platform evidence: VCEK from the VM's certificate table" stage1.host; then
    pass stage1-vcek-carried-from-the-table
else
    fail stage1-vcek-carried-from-the-table "$(grep -h 'certificate table\|platform evidence' stage1.vm stage1.host | tr '\n' ' ')"
fi
FAKEPORT_CERT=drop run_pair certdrop "$KBS" "$CMDLINE"
if [ $vm_rc = 1 ] && grep -q "FAILED: .*report signature does not verify with the emulated PSP key (no cert_chain)" certdrop.vm &&
   grep -q "platform evidence: no endorsement key" certdrop.host; then
    pass stage1-dropped-vcek-refused
else
    fail stage1-dropped-vcek-refused "status $vm_rc: $(tail -n 2 certdrop.vm certdrop.host | tr '\n' ' ')"
fi
FAKEPORT_CERT=alter run_pair certalter "$KBS" "$CMDLINE"
if [ $vm_rc = 1 ] && grep -q "FAILED: .*cert_chain: the VCEK" certalter.vm; then
    pass stage1-altered-vcek-refused
else
    fail stage1-altered-vcek-refused "status $vm_rc: $(tail -n 2 certalter.vm certalter.host | tr '\n' ' ')"
fi

# 3. Another command line: another launch digest, refused with the KBS's reason.
run_pair cmdline "$KBS" "$CMDLINE init=/bin/sh"
if [ $vm_rc = 1 ] && grep -q "stage 1 attestation (emulated platform report) FAILED: .*launch measurement .* is not a reference value" cmdline.vm; then
    pass stage1-modified-cmdline-refused
else
    fail stage1-modified-cmdline-refused "status $vm_rc: $(tail -n 2 cmdline.vm | tr '\n' ' ')"
fi

# 3a. Init-data in HOST_DATA: the emulated launch's HOST_DATA is the
#     init-data's digest (what aproxy-measure host-data prints), stage 1 sends
#     the init-data and the KBS checks the report's HOST_DATA against it; a VM
#     launched for one init-data (--host-data, as QEMU's host-data=) whose
#     attestation sends another is refused, with the KBS's reason.
printf 'algorithm = "sha256"\nversion = "0.1.0"\n\n[data]\n"t" = "launch"\n' >init-a.toml
sed 's/launch/changed/' init-a.toml >init-b.toml
want=$("$MEASURE" host-data init-a.toml)
run_pair hostdata "$KBS" "$CMDLINE" --init-data init-a.toml
if [ $vm_rc = 0 ] && grep -q "stage 1: the KBS accepted the emulated platform report" hostdata.vm &&
   grep -q "emulated launch HOST_DATA $(echo "$want" | sed -n 's/^host_data //p') (the init-data's digest)" hostdata.host &&
   grep -q "affirmed \['emulated-snp'\] (EMULATED platform evidence); init-data bound in HOST_DATA" kbs-dev.log; then
    pass stage1-init-data-bound-in-host-data
else
    fail stage1-init-data-bound-in-host-data "status $vm_rc: $(tail -n 2 hostdata.vm hostdata.host | tr '\n' ' ')"
fi
run_pair hostdata2 "$KBS" "$CMDLINE" --init-data init-b.toml --host-data "$(echo "$want" | sed -n 's/^qemu host-data=//p')"
if [ $vm_rc = 1 ] && grep -q "stage 1 attestation (emulated platform report) FAILED: .*HOST_DATA [0-9a-f]\{64\} is not the digest of the init-data sent .*launched for other init-data" hostdata2.vm; then
    pass stage1-init-data-changed-after-launch-refused
else
    fail stage1-init-data-changed-after-launch-refused "status $vm_rc: $(tail -n 2 hostdata2.vm hostdata2.host | tr '\n' ' ')"
fi

# 3b. A reply that a killed VM half left unread in the port is dropped before
#     the hello's, so the new VM half's requests and replies stay in step.
FAKEPORT_STALE=1 run_pair stale "$KBS" "$CMDLINE"
if [ $vm_rc = 0 ] && grep -q "dropped a 'counter' reply that an earlier aproxy left unread" stale.vm &&
   grep -q "stage 1: vTPM state key (32 bytes) handed over" stale.vm; then
    pass stale-reply-dropped-before-hello
else
    fail stale-reply-dropped-before-hello "status $vm_rc: $(tail -n 2 stale.vm | tr '\n' ' ')"
fi

# 4. A KBS that is down: retried with back-off, each retry reported, then the
#    VM is told it is unreachable.
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run_pair down "http://127.0.0.1:$dead" "$CMDLINE" --kbs-retries 2
if [ $vm_rc = 1 ] && grep -q "retry 1 of 2 in 0.5 s" down.host && grep -q "retry 2 of 2 in 1.0 s" down.host &&
   grep -q "FAILED: KBS http://127.0.0.1:$dead unreachable after 3 tries" down.vm; then
    pass kbs-down-retried-with-backoff
else
    fail kbs-down-retried-with-backoff "status $vm_rc: $(tail -n 2 down.vm down.host | tr '\n' ' ')"
fi

# 5. Stage 2: the VM half starts its measured vtpm (the host build, replaying
#    a real boot's event log), attests with its quote and the emulated report
#    vouching for the AK, and gets the workload secret; tpm2_checkquote
#    verifies the quote it produced with the PCR values aproxy-measure replays
#    from that log.
log=$root/tests/fuzz/eventlog/regressions/nutshell-boot.bin
mkdir -p stage2/run/aproxy evidence
VM_ARGS="--vtpm $VTPM --vtpm-state $work/stage2/run/aproxy/tpm.state --eventlog $log
         --secret nutshell/workload/secret=$work/stage2/secret" run_pair stage2 "$KBS" "$CMDLINE" --evidence-dir evidence
if [ $vm_rc = 0 ] && grep -q "stage 2: the KBS accepted the vTPM quote and released nutshell/workload/secret" stage2.vm &&
   [ "$(cat stage2/secret 2>/dev/null)" = "a workload secret for the attested service VM" ]; then
    pass stage2-quote-releases-workload-secret
else
    fail stage2-quote-releases-workload-secret "status $vm_rc: $(tail -n 2 stage2.vm stage2.host | tr '\n' ' ')"
fi
# quote_nonce MSG: the qualifying data in a TPMS_ATTEST (after its magic,
# type and the signer's name).
quote_nonce() {
    python3 -c 'import sys; m=open(sys.argv[1],"rb").read(); e=8+int.from_bytes(m[6:8],"big")
print(m[e+2:e+2+int.from_bytes(m[e:e+2],"big")].hex())' "$1"
}
checkquote() {
    local nonce
    openssl pkey -pubin -inform DER -in evidence/ak.der -out evidence/ak.pem 2>/dev/null || { echo "ak.der unreadable"; return 1; }
    "$MEASURE" replay "$log" >evidence/replay || { echo "replay failed"; return 1; }
    python3 "$root/tests/integration/aproxy/expected-pcrs.py" evidence/replay evidence/pcrs.tss evidence/pcrs.raw || return 1
    nonce=$(quote_nonce evidence/quote.msg)
    tpm2_checkquote -u evidence/ak.pem -m evidence/quote.msg -s evidence/quote.sig -f evidence/pcrs.tss \
        -g sha256 -q "$nonce" >/dev/null || return 1
    cmp -s evidence/pcrs.raw evidence/pcrs.bin || { echo "the PCRs the VM sent differ from the expected ones"; return 1; }
    # another PCR 9 (another command line) must not verify
    sed -i "s/^sha256:9 .*/sha256:9 $(printf '5a%.0s' $(seq 32))/" evidence/replay
    python3 "$root/tests/integration/aproxy/expected-pcrs.py" evidence/replay evidence/pcrs.bad || return 1
    if tpm2_checkquote -u evidence/ak.pem -m evidence/quote.msg -s evidence/quote.sig -f evidence/pcrs.bad \
        -g sha256 -q "$nonce" >/dev/null 2>&1; then
        echo "tpm2_checkquote accepted another PCR 9"
        return 1
    fi
}
if out=$(checkquote 2>&1); then
    pass stage2-tpm2-checkquote-with-expected-pcrs
else
    fail stage2-tpm2-checkquote-with-expected-pcrs "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
fi

# 6. The local sockets: the VM half with --counter-socket relays each line on
#    it to the KBS's counter in its attested session (counter-client.py says
#    what it checks), and with --secrets-socket answers workloads' requests
#    for resources after a stage-2 attestation each (secrets-client.py); it
#    serves until stopped, so it is run by hand here.
mkdir -p relay/evidence
cp "$log" relay/eventlog.bin
rm -f pf
python3 "$FAKEPORT" bridge pf -- sh -c 'echo $$ >relay/vm.pid; exec env LD_LIBRARY_PATH="$0/sysroot/lib" "$@"' \
    "$root" "$VM" --port fd:3 --sev-guest "$work/no-sev-guest" --key-file "$work/relay/run/vtpm/state.key" \
    --counter-socket "$work/relay/counter.sock" --secrets-socket "$work/relay/secrets.sock" \
    --vtpm "$VTPM" --vtpm-state "$work/relay/tpm.state" --eventlog "$work/relay/eventlog.bin" >relay.vm 2>&1 &
bpid=$!
relayed="" secrets=""
if wait_file pf; then
    timeout 300 "$HOST" --port "127.0.0.1:$(cat pf)" --kbs "$KBS" --psp-key psp.pem --kernel "$KERNEL" \
        --initrd "$INITRD" --cmdline "$CMDLINE" --evidence-dir relay/evidence >relay.host 2>&1 &
    hpid=$!
    for _ in $(seq 600); do grep -q "serving workload secrets" relay.vm && break; sleep 0.1; done
    secrets=$(python3 "$root/tests/integration/aproxy/secrets-client.py" "$work/relay/secrets.sock" \
                  "a workload secret for the attested service VM" 2>&1)
    # A program measured after the vtpm's Startup: its record is in the log
    # but not in the quoted PCRs, so aproxy sends the log without it.
    python3 -c 'import struct,sys,hashlib
d=b"exec: /late/program"; h=hashlib.sha256(d).digest(); h3=hashlib.sha384(d).digest()
open(sys.argv[1],"ab").write(struct.pack("<III",10,0x0d,2)+struct.pack("<H",0xb)+h+struct.pack("<H",0xc)+h3+struct.pack("<I",len(d))+d)' \
        relay/eventlog.bin
    late=$(python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(120); s.connect(sys.argv[1])
s.sendall(b"GET nutshell/workload/secret\n"); print(s.makefile("rb").readline().decode().strip())' "$work/relay/secrets.sock" 2>&1)
    relayed=$(python3 "$root/tests/integration/aproxy/counter-client.py" "$work/relay/counter.sock" 2>&1)
    # The KBS restarts (same port and files, no sessions): the relay's token
    # is refused (401), so aproxy attests again and the read goes through.
    kill "$kpid"; wait "$kpid" 2>/dev/null
    PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$KBS_DEV" --config "$work/kbs.json" --listen "${KBS#http://}" \
        >>kbs-dev.log 2>&1 &
    kpid=$!
    for _ in $(seq 100); do [ "$(grep -c listening kbs-dev.log)" -ge 2 ] && break; sleep 0.1; done
    relayed+=$'\n'$(python3 "$root/tests/integration/aproxy/counter-client.py" "$work/relay/counter.sock" \
                    after-kbs-restart 2>&1)
    kill "$(cat relay/vm.pid)" 2>/dev/null
    wait $hpid
fi
wait $bpid
echo "$secrets" | grep -E '^(PASS|FAIL) '
echo "$secrets" | grep -qE '^PASS aproxy-host/secrets-keeps-serving' ||
    fail secrets-socket "$(echo "$secrets" | tail -n 2 | tr '\n' ' ') $(tail -n 2 relay.vm relay.host | tr '\n' ' ')"
if [ "$late" = "OK 45" ] && cmp -s relay/evidence/eventlog.bin "$log" &&
   [ "$(stat -c %s relay/eventlog.bin)" -gt "$(stat -c %s "$log")" ]; then
    pass secrets-log-cut-to-quoted-pcrs
else
    fail secrets-log-cut-to-quoted-pcrs "answer '$late'; sent log $(stat -c %s relay/evidence/eventlog.bin 2>&1) bytes, boot log $(stat -c %s "$log")"
fi
# what aproxy said about the clients that misbehaved
if grep -q "aproxy: secrets: malformed request: the client went away before its request's newline" relay.vm &&
   grep -q "aproxy: secrets: nutshell/workload/secret: the client went away before its answer" relay.vm; then
    pass secrets-vanished-clients-logged
else
    fail secrets-vanished-clients-logged "$(grep "aproxy: secrets" relay.vm | tail -n 3 | tr '\n' ' ')"
fi
echo "$relayed" | grep -E '^(PASS|FAIL) '
echo "$relayed" | grep -qE '^PASS aproxy-host/counter-keeps-serving' ||
    fail counter-relay "$(echo "$relayed" | tail -n 2 | tr '\n' ' ') $(tail -n 2 relay.vm relay.host | tr '\n' ' ')"
if echo "$relayed" | grep -q '^PASS aproxy-host/counter-read-after-kbs-restart' &&
   grep -q "counter relay: the KBS refused this session's token (401); attesting again" relay.vm &&
   grep -q "counter relay: attested again" relay.vm; then
    pass counter-relay-attests-again-after-kbs-restart
else
    fail counter-relay-attests-again-after-kbs-restart "$(grep "counter relay" relay.vm | tail -n 3 | tr '\n' ' ')"
fi
