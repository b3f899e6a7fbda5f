#!/usr/bin/env python3
"""svsmclient: checks the vtpm's SVSM-layout data channel (framing=svsm,
apps/vtpm/svsm_frame.h) on a Unix socket.  Every field little-endian:
QUERY is the u32 call 0; COMMAND is call 1, then {u32 platform command,
u8 locality, u32 size, TPM command}, answered {u32 size, TPM response}.
Prints what is wrong and exits 1, or exits 0."""
import socket
import struct
import sys

from sockutil import recv_exact

STARTUP = bytes.fromhex("80010000000c000001440000")
GET_RANDOM_8 = bytes.fromhex("80010000000c0000017b0008")


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    return s


def command(s, frame, platform=8, locality=0):
    s.sendall(struct.pack("<IIBI", 1, platform, locality, len(frame)) + frame)
    size = struct.unpack("<I", recv_exact(s, 4))[0]
    rsp = recv_exact(s, size)
    if size < 10 or struct.unpack(">I", rsp[2:6])[0] != size:
        raise ValueError(f"response size {size} does not match its frame {rsp.hex()}")
    return struct.unpack(">I", rsp[6:10])[0], rsp


def main():
    path = sys.argv[1]
    s = connect(path)
    s.sendall(struct.pack("<I", 0))
    q = recv_exact(s, 16)
    assert q == struct.pack("<QQ", 1 << 8, 0), f"QUERY answered {q.hex()}"
    rc, _ = command(s, STARTUP)
    assert rc in (0, 0x100), f"Startup rc 0x{rc:x}"
    rc, rsp = command(s, GET_RANDOM_8, locality=3)
    assert rc == 0 and len(rsp) == 20, f"GetRandom at locality 3: {rsp.hex()}"
    rc, _ = command(s, GET_RANDOM_8, platform=1)
    assert rc == 0x143, f"platform command 1 answered rc 0x{rc:x}, want TPM_RC_COMMAND_CODE"
    rc, _ = command(s, GET_RANDOM_8, locality=5)
    assert rc == 0x907, f"locality 5 answered rc 0x{rc:x}, want TPM_RC_LOCALITY"
    # swtpm's byte order: refused (the connection closes), never misread
    s.sendall(struct.pack(">IIBI", 1, 8, 0, len(GET_RANDOM_8)) + GET_RANDOM_8)
    try:
        extra = s.recv(64)
    except OSError:
        extra = b""
    assert extra == b"", f"a big-endian message was answered: {extra.hex()}"
    s.close()
    s = connect(path)
    rc, _ = command(s, GET_RANDOM_8)
    assert rc == 0, f"GetRandom on a new connection: rc 0x{rc:x}"


try:
    main()
except (AssertionError, OSError, EOFError, ValueError) as e:
    print(f"svsmclient: {e}")
    sys.exit(1)
