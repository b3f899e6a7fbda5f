#!/usr/bin/python3
"""Reads and forges vtpm state files (docs/vtpm.md, "State format", version 2)
the way a host that owns the disk could: it knows the layout and the
checksums, but not the state key.  Used by vtpm-sealed.sh.

  statetool.py info FILE
      one line per slot: "slot I seq N cipher C len L" (or "slot I blank/invalid")
  statetool.py newest FILE
      the newest valid slot: "SLOT SEQ"
  statetool.py forge DST SRC SRC_SLOT DST_SLOT SEQ [FLIP]
      copies SRC's slot SRC_SLOT (header and payload) into DST's slot DST_SLOT
      with sequence number SEQ, optionally flipping payload byte FLIP, and
      recomputes every checksum, so only the seal can tell."""
import hashlib
import struct
import sys

SECTOR, REGION = 512, 4096


def superblock(data):
    magic, version, region, slot_size, s0, s1 = struct.unpack(">8sIIQQQ", data[:40])
    if magic != b"NSVTPMSB" or version != 2:
        sys.exit("statetool: not a version 2 state")
    return slot_size, (s0, s1)


def header(data, off):
    h = data[off:off + 96]
    if h[:8] != b"NSVTPMSL" or hashlib.sha256(h[:64]).digest() != h[64:96]:
        return None
    _, _, cipher, seq, length = struct.unpack(">8sIIQI", h[:28])
    return {"cipher": cipher, "seq": seq, "len": length}


def slots(data):
    _, offs = superblock(data)
    return [(i, off, header(data, off)) for i, off in enumerate(offs)]


def newest(data):
    valid = [s for s in slots(data) if s[2]]
    return max(valid, key=lambda s: s[2]["seq"])


def main():
    cmd = sys.argv[1]
    if cmd == "info":
        data = open(sys.argv[2], "rb").read()
        for i, _, h in slots(data):
            print(f"slot {i} " + (f"seq {h['seq']} cipher {h['cipher']} len {h['len']}" if h else "blank/invalid"))
    elif cmd == "newest":
        i, _, h = newest(open(sys.argv[2], "rb").read())
        print(i, h["seq"])
    elif cmd == "forge":
        dst, src = sys.argv[2], sys.argv[3]
        sslot, slot, seq = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        flip = int(sys.argv[7]) if len(sys.argv) > 7 else None
        sdata = open(src, "rb").read()
        _, soff, h = slots(sdata)[sslot]
        if not h:
            sys.exit(f"statetool: {src} slot {sslot} has no valid header")
        payload = bytearray(sdata[soff + REGION:soff + REGION + h["len"]])
        if flip is not None:
            payload[flip % len(payload)] ^= 0x01
        hdr = bytearray(sdata[soff:soff + SECTOR])
        struct.pack_into(">Q", hdr, 16, seq)
        hdr[32:64] = hashlib.sha256(payload).digest()
        hdr[64:96] = hashlib.sha256(hdr[:64]).digest()
        ddata = bytearray(open(dst, "rb").read())
        _, doffs = superblock(ddata)
        off = doffs[slot]
        ddata[off:off + SECTOR] = hdr
        ddata[off + REGION:off + REGION + len(payload)] = payload
        open(dst, "wb").write(ddata)
    else:
        sys.exit(__doc__)


main()
