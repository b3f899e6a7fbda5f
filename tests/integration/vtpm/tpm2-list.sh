# The tpm2-tools test list, shared by the suites that run Debian's tpm2-tools
# against a swtpm-protocol endpoint: tests/integration/vtpm/vtpm-host.sh (the
# vtpm on the host) and tests/integration/vm-tpm/vm-tpm.sh (the vtpm inside
# the service VM, through its virtio-console ports).  Source it; every
# function talks to $TPM2TOOLS_TCTI, works in the current directory and
# returns non-zero (with a reason on stdout) when the TPM misbehaves.
#
# Order: tpm2_list_setup, then test_getrandom, test_pcr, createprimary rsa2048
# prim.ctx, createprimary ecc256 eprim.ctx, test_sign, test_quote, test_nv,
# test_evict (the later ones use prim.ctx and nvdata).  Afterwards NV index
# 0x1500016 holds nvdata and 0x81000016 is the RSA primary, whose name is in
# prim.name: check_nv_and_key tells whether a TPM still has both.

hex2bin() { printf "$(echo "$1" | sed 's/../\\x&/g')"; }

test_getrandom() {
    tpm2_getrandom -o rnd 32 && [ "$(stat -c %s rnd)" = 32 ] && tpm2_getrandom -o rnd2 32 && ! cmp -s rnd rnd2
}

test_pcr() {
    local before after expect ext=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    before=$(tpm2_pcrread sha256:16 | awk '$1 ~ /^16/{print tolower($NF)}' | sed 's/^0x//') || return 1
    [ ${#before} = 64 ] || { echo "pcrread: '$before'"; return 1; }
    tpm2_pcrextend 16:sha256=$ext || return 1
    after=$(tpm2_pcrread sha256:16 | awk '$1 ~ /^16/{print tolower($NF)}' | sed 's/^0x//') || return 1
    expect=$( (hex2bin "$before"; hex2bin "$ext") | sha256sum | cut -d' ' -f1)
    [ "$after" = "$expect" ] || { echo "pcr16 $after, expected $expect"; return 1; }
}

# Without a resource manager every tool leaves its objects loaded: flush them
# so the TPM's three object slots do not run out.
createprimary() { tpm2_createprimary -C o -G "$1" -c "$2" >/dev/null && tpm2_flushcontext -t; }

test_sign() {
    tpm2_create -C prim.ctx -G ecc256:ecdsa-sha256 -u key.pub -r key.priv >/dev/null || return 1
    tpm2_flushcontext -t
    tpm2_load -C prim.ctx -u key.pub -r key.priv -c key.ctx >/dev/null || return 1
    tpm2_flushcontext -t
    echo "message to sign" >msg
    tpm2_sign -c key.ctx -g sha256 -o sig msg || return 1
    tpm2_verifysignature -c key.ctx -g sha256 -m msg -s sig || return 1
    echo "another message" >msg2
    if tpm2_verifysignature -c key.ctx -g sha256 -m msg2 -s sig 2>/dev/null; then
        echo "a signature over another message verified"
        return 1
    fi
    tpm2_flushcontext -t
}

test_quote() {
    tpm2_create -C prim.ctx -G ecc256:ecdsa-sha256:null -u ak.pub -r ak.priv \
        -a 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign' >/dev/null || return 1
    tpm2_flushcontext -t
    tpm2_load -C prim.ctx -u ak.pub -r ak.priv -c ak.ctx >/dev/null || return 1
    tpm2_flushcontext -t
    tpm2_readpublic -c ak.ctx -f pem -o ak.pem >/dev/null || return 1
    tpm2_quote -c ak.ctx -l sha256:0,16 -q 1234abcd -m q.msg -s q.sig -o q.pcrs -g sha256 >/dev/null || return 1
    tpm2_checkquote -u ak.pem -m q.msg -s q.sig -f q.pcrs -g sha256 -q 1234abcd >/dev/null || return 1
    if tpm2_checkquote -u ak.pem -m q.msg -s q.sig -f q.pcrs -g sha256 -q 1234abce >/dev/null 2>&1; then
        echo "checkquote accepted a wrong nonce"
        return 1
    fi
    tpm2_flushcontext -t
}

# 32 random bytes the NV test writes (and check_nv_and_key expects).
tpm2_list_setup() { head -c 32 /dev/urandom >nvdata; }

test_nv() {
    tpm2_nvdefine 0x1500016 -C o -s 32 -a "ownerread|ownerwrite" >/dev/null || return 1
    tpm2_nvwrite 0x1500016 -C o -i nvdata || return 1
    tpm2_nvread 0x1500016 -C o -s 32 -o nvback || return 1
    cmp nvdata nvback
}

test_evict() {
    tpm2_evictcontrol -C o -c prim.ctx 0x81000016 >/dev/null || return 1
    tpm2_flushcontext -t
    tpm2_getcap handles-persistent | grep -qi 0x81000016 || return 1
    tpm2_readpublic -c 0x81000016 -n prim.name >/dev/null
}

# check_nv_and_key: the NV index and the persistent key test_nv and
# test_evict left are there, with the same contents and the same key name.
check_nv_and_key() {
    tpm2_nvread 0x1500016 -C o -s 32 -o nvafter || return 1
    cmp nvdata nvafter || return 1
    tpm2_readpublic -c 0x81000016 -n prim.name2 >/dev/null || return 1
    cmp prim.name prim.name2 || { echo "persistent key changed"; return 1; }
}
