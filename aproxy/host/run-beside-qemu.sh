#!/bin/bash
# run-beside-qemu.sh: `make run`'s wrapper around QEMU (aproxy/host/host.mk).
# Starts the development KBS (unless APROXY_KBS names a KBS) and aproxy-host
# beside the service VM, runs QEMU in the foreground, and stops both when
# QEMU ends.  APROXY_INIT_DATA=FILE gives aproxy-host the deployment's
# init-data (--init-data: PCR 8 of aproxy's measured vTPM, the emulated
# reports' HOST_DATA, sent with both stages).
#
#   run-beside-qemu.sh RUNDIR KERNEL INITRD CMDLINE APROXY_PORT -- QEMU ARGS...
#
# RUNDIR (build/aproxy/run) keeps what must outlive a run: the emulated PSP's
# key.  What the development KBS holds for one state disk, the vTPM state key
# the disk is sealed with and the rollback counter of its writes, is kept
# beside that disk in RUN_DISK_KBS (make run: TPM_STATE.devkbs, removed when
# make makes a new disk), so another TPM_STATE gets its own key and counter
# instead of being refused as an older copy.  The KBS's and aproxy-host's
# logs go there too, and ak.pub, the AK of the VM's quotes (aproxy-host
# --ak-out): the file a Trustee KBS's trusted_ak_keys_dir takes.
set -u
rundir=$1 kernel=$2 initrd=$3 cmdline=$4 port=$5
shift 5
[ "$1" = -- ] && shift
root=$(cd "$(dirname "$0")/../.." && pwd)
host=$root/build/aproxy/host/aproxy-host
measure=$root/build/aproxy/host/aproxy-measure
mkdir -p "$rundir"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT

kbs=${APROXY_KBS:-}
if [ -z "$kbs" ]; then
    disk=${RUN_DISK_KBS:-$rundir}
    # Runs before the key moved beside the disk kept it in RUNDIR: a disk
    # without its directory is such an old disk (make creates the directory
    # with a new disk), so it takes that key and counter along once.
    if [ ! -d "$disk" ] && [ -f "$rundir/state-key.hex" ]; then
        mkdir -p "$disk" && mv "$rundir/state-key.hex" "$disk/" &&
            { [ ! -f "$rundir/counters.json" ] || mv "$rundir/counters.json" "$disk/"; }
    fi
    mkdir -p "$disk"
    [ -f "$disk/state-key.hex" ] || openssl rand -hex 32 >"$disk/state-key.hex"
    digest=$("$measure" launch-digest --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline") || exit 1
    . "$root/aproxy/host/devkbs.sh"
    DEVKBS_COUNTER_FILE=$(realpath "$disk")/counters.json devkbs_start "$rundir" "$digest" "$(cat "$disk/state-key.hex")" || exit 1
    pids+=("$DEVKBS_PID")
    kbs=$DEVKBS_URL
    echo "run: development KBS (accepts EMULATED platform reports for launch digest ${digest:0:16}...) at $kbs"
fi
"$host" --port "127.0.0.1:$port" --kbs "$kbs" --psp-key "$rundir/psp.pem" --kernel "$kernel" --initrd "$initrd" \
    --cmdline "$cmdline" ${APROXY_INIT_DATA:+--init-data "$APROXY_INIT_DATA"} --ak-out "$rundir/ak.pub" \
    >"$rundir/aproxy-host.log" 2>&1 &
pids+=($!)
echo "run: aproxy-host forwards the VM's attestation to $kbs (log: $rundir/aproxy-host.log; the AK of its quotes: $rundir/ak.pub)"
"$@"
