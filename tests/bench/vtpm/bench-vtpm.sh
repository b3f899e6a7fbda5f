#!/bin/bash
# vtpm benchmarks against Debian's swtpm (same libtpms) on this host, in the
# same run, with the same client (tpmbench: one connection, no process start
# per command).  On the host the columns mean: nutshell = the vtpm binary,
# linux = swtpm.  ratio = vtpm/swtpm (for latencies lower is better, for
# tpm_getrandom higher is better).  sealed_state_write is the exception: it
# compares the vtpm with itself, nutshell = with a state key (AES-256-GCM),
# linux = without; the issue's target is ratio <= 1.2.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
VTPM=$root/build/apps/vtpm/vtpm
BENCH=$root/build/tests/vtpm/tpmbench
work=$(mktemp -d /tmp/vtpm-bench.XXXXXX)
shm=$(mktemp -d /dev/shm/vtpm-bench.XXXXXX 2>/dev/null) || shm=$work
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work" "$shm"' EXIT

# Starts a server with "$@" on data port $1 (ctrl $1+1); waits until the data
# port answers.
wait_port() {
    local i
    for i in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

base=$(( (RANDOM % 6000) * 8 + 12000 ))
vport=$base
sport=$((base + 2))
kport=$((base + 4))   # the vtpm with a state key
uport=$((base + 6))   # the same without, its state on the same file system
"$VTPM" --server type=tcp,port=$vport --ctrl type=tcp,port=$((vport + 1)) --state "$work/vtpm.state" \
    >"$work/vtpm.log" 2>&1 &
pids+=($!)
head -c 32 /dev/urandom >"$work/key"
# The sealed vtpm's state on tmpfs, like the unsealed one it is compared with
# below: on a disk shared with other work, fsync's jitter is many times the
# cost of sealing and would decide the ratio.
"$VTPM" --server type=tcp,port=$kport --ctrl type=tcp,port=$((kport + 1)) --state "$shm/sealed.state" \
    --state-key "$work/key" --rollback-counter none >"$work/sealed.log" 2>&1 &
pids+=($!)
mkdir -p "$work/swtpm"
swtpm socket --tpm2 --tpmstate dir="$work/swtpm" --server type=tcp,port=$sport \
    --ctrl type=tcp,port=$((sport + 1)) --flags not-need-init >"$work/swtpm.log" 2>&1 &
pids+=($!)
wait_port $vport || { echo "bench-vtpm: vtpm did not start: $(tail -n 2 "$work/vtpm.log")"; exit 1; }
wait_port $sport || { echo "bench-vtpm: swtpm did not start: $(tail -n 2 "$work/swtpm.log")"; exit 1; }
"$VTPM" --server type=tcp,port=$uport --ctrl type=tcp,port=$((uport + 1)) --state "$shm/unsealed.state" \
    >"$work/unsealed.log" 2>&1 &
pids+=($!)
wait_port $kport || { echo "bench-vtpm: sealed vtpm did not start: $(tail -n 2 "$work/sealed.log")"; exit 1; }
wait_port $uport || { echo "bench-vtpm: unsealed vtpm did not start: $(tail -n 2 "$work/unsealed.log")"; exit 1; }

# Alternate the two servers, best of 3 rounds each, so a busy neighbour on the
# shared cores disturbs both alike.
run() { # name unit test iterations better(high|low) [port of the first column, of the second, rounds]
    local name=$1 unit=$2 test=$3 n=$4 better=$5 a=${6:-$vport} b=${7:-$sport} v s best_v= best_s= r
    for r in $(seq "${8:-3}"); do
        v=$("$BENCH" $a "$test" "$n") || { echo "bench-vtpm: $name on port $a failed"; return 1; }
        s=$("$BENCH" $b "$test" "$n") || { echo "bench-vtpm: $name on port $b failed"; return 1; }
        best_v=$(awk -v a="$v" -v b="${best_v:-$v}" -v h="$better" 'BEGIN{print (h=="high" ? (a>b?a:b) : (a<b?a:b))}')
        best_s=$(awk -v a="$s" -v b="${best_s:-$s}" -v h="$better" 'BEGIN{print (h=="high" ? (a>b?a:b) : (a<b?a:b))}')
    done
    echo "bench $name $unit nutshell=$best_v linux=$best_s ratio=$(awk -v a="$best_v" -v b="$best_s" 'BEGIN{printf "%.3f", a/b}')"
}

run tpm_getrandom ops/s getrandom 5000 high
run tpm_createprimary_rsa ms createprimary_rsa 25 low
run tpm_sign_ecc ms sign_ecc 200 low
echo "# sealed_state_write: median ms per TPM2_NV_Write (one state commit each), the vtpm with a state key" \
     "(nutshell=) against the same vtpm without one (linux=), both states on tmpfs, rollback counter off; best of 7"
run sealed_state_write ms nvwrite 300 low $kport $uport 7
