#!/bin/bash
# vtpm benchmarks against Debian's swtpm (same libtpms) on this host, in the
# same run, with the same client (tpmbench: one connection, no process start
# per command).  On the host the columns mean: nutshell = the vtpm binary,
# linux = swtpm.  ratio = vtpm/swtpm (for latencies lower is better, for
# tpm_getrandom higher is better).
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
VTPM=$root/build/apps/vtpm/vtpm
BENCH=$root/build/tests/vtpm/tpmbench
work=$(mktemp -d /tmp/vtpm-bench.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

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

base=$(( (RANDOM % 10000) * 2 + 30000 ))
vport=$base
sport=$((base + 2))
"$VTPM" --server type=tcp,port=$vport --ctrl type=tcp,port=$((vport + 1)) --state "$work/vtpm.state" \
    >"$work/vtpm.log" 2>&1 &
pids+=($!)
mkdir -p "$work/swtpm"
swtpm socket --tpm2 --tpmstate dir="$work/swtpm" --server type=tcp,port=$sport \
    --ctrl type=tcp,port=$((sport + 1)) --flags not-need-init >"$work/swtpm.log" 2>&1 &
pids+=($!)
wait_port $vport || { echo "bench-vtpm: vtpm did not start: $(tail -n 2 "$work/vtpm.log")"; exit 1; }
wait_port $sport || { echo "bench-vtpm: swtpm did not start: $(tail -n 2 "$work/swtpm.log")"; exit 1; }

# Alternate the two servers, best of 3 rounds each, so a busy neighbour on the
# shared cores disturbs both alike.
run() { # name unit test iterations better(high|low)
    local name=$1 unit=$2 test=$3 n=$4 better=$5 v s best_v= best_s= r
    for r in 1 2 3; do
        v=$("$BENCH" $vport "$test" "$n") || { echo "bench-vtpm: $name on vtpm failed"; return 1; }
        s=$("$BENCH" $sport "$test" "$n") || { echo "bench-vtpm: $name on swtpm failed"; return 1; }
        best_v=$(awk -v a="$v" -v b="${best_v:-$v}" -v h="$better" 'BEGIN{print (h=="high" ? (a>b?a:b) : (a<b?a:b))}')
        best_s=$(awk -v a="$s" -v b="${best_s:-$s}" -v h="$better" 'BEGIN{print (h=="high" ? (a>b?a:b) : (a<b?a:b))}')
    done
    echo "bench $name $unit nutshell=$best_v linux=$best_s ratio=$(awk -v a="$best_v" -v b="$best_s" 'BEGIN{printf "%.3f", a/b}')"
}

run tpm_getrandom ops/s getrandom 5000 high
run tpm_createprimary_rsa ms createprimary_rsa 25 low
run tpm_sign_ecc ms sign_ecc 200 low
