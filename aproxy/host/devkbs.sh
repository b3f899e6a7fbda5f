# devkbs.sh: starts the development KBS (aproxy/kbs-dev) for aproxy's emulated
# platform evidence; sourced by make run's wrapper and aproxy's test suites.
#
#   devkbs_start DIR DIGEST KEYHEX [PCR9]
#
# In DIR: makes the emulated PSP's P-384 key psp.pem (and psp.pem.pub) unless
# it exists, writes kbs.json and starts the KBS.  The policy: emulated reports
# are accepted when their launch digest is DIGEST; the resource
# nutshell/vtpm/state-key (the bytes KEYHEX) is released to them (stage 1);
# the resource nutshell/workload/secret (a text) to a vTPM quote whose AK the
# same attestation's emulated report vouches for, with SHA-256 PCR 9 equal to
# PCR9 when given (stage 2); nutshell/workload/needs-sample to no evidence this
# VM has (its policy also wants sample evidence: a policy mismatch, for tests).  The vtpm's rollback counter "vtpm" is keyed by
# the state key and persists in DIR/counters.json (or $DEVKBS_COUNTER_FILE).  It starts the KBS on a free
# loopback port (log DIR/kbs-dev.log) and sets DEVKBS_URL and DEVKBS_PID.
# Returns 1 with a message if the KBS does not come up.
devkbs_start() {
    local dir=$1 digest=$2 keyhex=$3
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    if [ ! -f "$dir/psp.pem" ]; then
        openssl ecparam -name secp384r1 -genkey -noout -out "$dir/psp.pem" 2>/dev/null || return 1
    fi
    openssl ec -in "$dir/psp.pem" -pubout -out "$dir/psp.pem.pub" 2>/dev/null || return 1
    local pcrs=""
    [ -n "${4:-}" ] && pcrs=", \"pcr\": {\"9\": [\"$4\"]}"
    cat >"$dir/kbs.json" <<EOF
{"accept_emulated": true, "emulated_psp_public_key": "psp.pem.pub", "trust_platform_bound_ak": true,
 "reference_values": {"snp_measurement": ["$digest"]$pcrs},
 "counters": {"vtpm": "nutshell/vtpm/state-key"}, "counter_file": "${DEVKBS_COUNTER_FILE:-counters.json}",
 "resources": {"nutshell/vtpm/state-key": {"hex": "$keyhex", "require": ["emulated-snp"]},
               "nutshell/workload/secret": {"text": "a workload secret for the attested service VM",
                                            "require": ["tpm", "emulated-snp"]},
               "nutshell/workload/needs-sample": {"text": "never released to this VM",
                                                  "require": ["tpm", "emulated-snp", "sample"]}}}
EOF
    rm -f "$dir/kbs.port"
    PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "${KBS_DEV:-$root/aproxy/kbs-dev/kbs-dev.py}" --config "$dir/kbs.json" \
        --listen 127.0.0.1:0 --port-file "$dir/kbs.port" >"$dir/kbs-dev.log" 2>&1 &
    DEVKBS_PID=$!
    for _ in $(seq 100); do [ -s "$dir/kbs.port" ] && break; sleep 0.1; done
    if [ ! -s "$dir/kbs.port" ]; then
        echo "the development KBS did not start: $(tail -n 2 "$dir/kbs-dev.log" | tr '\n' ' ')"
        return 1
    fi
    DEVKBS_URL=http://127.0.0.1:$(cat "$dir/kbs.port")
}
