#!/usr/bin/python3
"""expected-pcrs.py REPLAY OUT [RAW]: the SHA-256 PCRs 0-23 a quote of the
service VM's measured vTPM must cover, written as tpm2_checkquote's -f file.

REPLAY is `aproxy-measure replay` (or `expect`) output ("sha256:9 <hex>"
lines): those PCRs take its values; PCRs 17-22 are all ones (a TPM without
an H-CRTM event starts them so), every other PCR zero.  OUT gets the file in
tpm2-tools' serialized layout (the host-endian TPML_PCR_SELECTION struct,
a count, then TPML_DIGEST structs of 8 digests each, as tpm2_quote -o writes
it); RAW, if given, the 24 values back to back."""

import struct
import sys

PCRS, BANK_SHA256 = 24, 0x000B


def main():
    pcrs = [bytes(32)] * PCRS
    for i in range(17, 23):
        pcrs[i] = b"\xff" * 32
    with open(sys.argv[1]) as f:
        for line in f:
            if not line.startswith("sha"):
                continue   # expect's "match: ..." verdict
            bank, value = line.split()
            alg, index = bank.split(":")
            if alg == "sha256":
                pcrs[int(index)] = bytes.fromhex(value)
    # TPML_PCR_SELECTION: count, then 16 TPMS_PCR_SELECTION {u16 hash, u8 size, u8 select[4]} padded to 8 bytes
    out = struct.pack("<I", 1) + struct.pack("<HB4sx", BANK_SHA256, 3, b"\xff\xff\xff\x00")
    out += bytes(4 + 16 * 8 - len(out))
    out += struct.pack("<I", PCRS // 8)
    for group in range(PCRS // 8):
        # TPML_DIGEST: count, then 8 TPM2B_DIGEST {u16 size, u8 buffer[64]}
        out += struct.pack("<I", 8)
        for value in pcrs[group * 8:group * 8 + 8]:
            out += struct.pack("<H", 32) + value + bytes(32)
    with open(sys.argv[2], "wb") as f:
        f.write(out)
    if len(sys.argv) > 3:
        with open(sys.argv[3], "wb") as f:
            f.write(b"".join(pcrs))


if __name__ == "__main__":
    main()
