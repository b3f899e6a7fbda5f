#!/usr/bin/python3
"""log-records.py LOG: the measured command line and programs of a nutshell
event log (TCG crypto-agile, docs/attestation.md), one per line, in log
order: "cmdline <text>" and "exec <path>", for aproxy-measure expect."""

import struct
import sys

DIGEST_SIZES = {0x000B: 32, 0x000C: 48}


def main():
    data = open(sys.argv[1], "rb").read()
    # the SHA-1-format header event: pcr, type, 20-byte digest, size, data
    off = 8 + 20
    size, = struct.unpack_from("<I", data, off)
    off += 4 + size
    while off < len(data):
        pcr, etype, count = struct.unpack_from("<III", data, off)
        off += 12
        for _ in range(count):
            alg, = struct.unpack_from("<H", data, off)
            off += 2 + DIGEST_SIZES[alg]
        size, = struct.unpack_from("<I", data, off)
        text = data[off + 4:off + 4 + size].decode("utf-8", "replace")
        off += 4 + size
        if text.startswith("kernel_cmdline: "):
            print("cmdline " + text[len("kernel_cmdline: "):])
        elif text.startswith("exec: "):
            print("exec " + text[len("exec: "):])


if __name__ == "__main__":
    main()
