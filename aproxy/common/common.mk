# aproxy/common: code both halves of aproxy share (and its unit test and
# fuzzer): the CBOR message codec (msg.c, on libcbor), the length-prefixed
# framing (wire.c), base64 (b64.c).  Read before aproxy/host and aproxy/vm.
APROXY_COMMON := aproxy/common/msg.c aproxy/common/wire.c aproxy/common/b64.c
