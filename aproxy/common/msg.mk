# aproxy/common: code both halves of aproxy share (and its unit test and
# fuzzer): the CBOR message codec (msg.c, on libcbor), the length-prefixed
# framing (wire.c), standard base64 (b64.c), Trustee's snp evidence JSON
# (snp_evidence.c: the host sends it in stage 1, the VM binds it in stage 2).
# (common.mk has the JWE code.)
# Read before aproxy/host and aproxy/vm.
APROXY_COMMON := aproxy/common/msg.c aproxy/common/wire.c aproxy/common/b64.c aproxy/common/snp_evidence.c aproxy/common/cert_table.c
