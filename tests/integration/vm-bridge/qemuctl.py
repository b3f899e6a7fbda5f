#!/usr/bin/env python3
"""qemuctl: drives a vtpm-bridge exactly as QEMU's tpm-emulator backend does
(swtpm control protocol on the bridge's Unix socket, the data socket passed
with SET_DATAFD), plus malformed requests QEMU never sends.  One PASS/FAIL
line per check, named vm-bridge/<scenario>/<check>.

  qemuctl.py SOCKET session NAME     QEMU's start-up and a TPM command
  qemuctl.py SOCKET malformed NAME   bad control and data input, then a session
  qemuctl.py SOCKET vanish NAME      a client that leaves mid-command, then a session
  qemuctl.py SOCKET vm-gone NAME     the service VM is gone: errors, never a hang
  qemuctl.py SOCKET nv-present NAME INDEX   a session in which NV index INDEX exists
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vtpm"))
from sockutil import recv_exact  # noqa: E402

TIMEOUT = 60  # seconds any answer may take; the bridge must answer sooner
GET_RANDOM_8 = bytes.fromhex("80010000000c0000017b0008")
READ_CLOCK = bytes.fromhex("80010000000a00000181")
STARTUP_CLEAR = bytes.fromhex("80010000000c000001440000")
CAPS = 0x348F
failures = 0


def result(name, ok, why=""):
    global failures
    if ok:
        print(f"PASS vm-bridge/{name}")
    else:
        failures += 1
        print(f"FAIL vm-bridge/{name}: {why}")


class Session:
    def __init__(self, path):
        self.ctrl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ctrl.settimeout(TIMEOUT)
        self.ctrl.connect(path)
        self.data = None

    def ctrl_cmd(self, req, answer_len, fds=()):
        if fds:
            socket.send_fds(self.ctrl, [req], list(fds))
        else:
            self.ctrl.sendall(req)
        return recv_exact(self.ctrl, answer_len, "control")

    def set_datafd(self):
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        r = self.ctrl_cmd(struct.pack(">I", 0x10), 4, [theirs.fileno()])
        theirs.close()
        mine.settimeout(TIMEOUT)
        self.data = mine
        return struct.unpack(">I", r)[0]

    def tpm(self, frame):
        """One TPM command; the response read as QEMU does: header, then rest."""
        self.data.sendall(frame)
        hdr = recv_exact(self.data, 10, "data")
        size = struct.unpack(">I", hdr[2:6])[0]
        return hdr + recv_exact(self.data, size - 10, "data")

    def close(self):
        if self.data:
            self.data.close()
        self.ctrl.close()


def rc(rsp):
    return struct.unpack(">I", rsp[6:10])[0]


def qemu_startup(s, name):
    """SET_DATAFD, the probe, GET_CAPABILITY, then a device reset (STOP,
    SET_BUFFERSIZE, INIT) and locality 0: QEMU's order."""
    r = s.set_datafd()
    result(f"{name}/set-datafd", r == 0, f"result {r}")
    probe = s.tpm(READ_CLOCK)
    result(f"{name}/probe-tpm2", probe[:2] == b"\x80\x01" and len(probe) >= 10,
           f"probe answered {probe.hex()}")
    caps = struct.unpack(">Q", s.ctrl_cmd(struct.pack(">I", 1), 8))[0]
    result(f"{name}/get-capability", caps == CAPS, f"mask 0x{caps:x}, want 0x{CAPS:x}")
    stop = s.ctrl_cmd(struct.pack(">I", 0x0E), 4)
    bufsz = s.ctrl_cmd(struct.pack(">II", 0x11, 4096), 16)
    init = s.ctrl_cmd(struct.pack(">II", 0x02, 0), 4)
    loc = s.ctrl_cmd(struct.pack(">IB3x", 0x05, 0), 4)
    return stop, bufsz, init, loc


def session(path, name):
    s = Session(path)
    stop, bufsz, init, loc = qemu_startup(s, name)
    res, size = struct.unpack(">II", bufsz[:8])
    result(f"{name}/reset-sequence",
           stop == bytes(4) and res == 0 and size == 4096 and init == bytes(4) and loc == bytes(4),
           f"STOP {stop.hex()} SET_BUFFERSIZE {bufsz.hex()} INIT {init.hex()} SET_LOCALITY {loc.hex()}")
    st = rc(s.tpm(STARTUP_CLEAR))
    r = s.tpm(GET_RANDOM_8)
    result(f"{name}/tpm-command", st == 0 and rc(r) == 0 and len(r) == 20,
           f"Startup rc 0x{st:x}, GetRandom {r.hex()}")
    est = s.ctrl_cmd(struct.pack(">I", 0x04), 8)
    result(f"{name}/get-tpmestablished", est[:4] == bytes(4), f"answer {est.hex()}")
    s.close()


def malformed(path, name):
    s = Session(path)
    checks = [
        ("unknown-command", struct.pack(">I", 0x99), 4, "0000000a"),
        ("set-locality-5", bytes.fromhex("0000000505000000"), 4, "0000003d"),
        ("set-datafd-without-fd", struct.pack(">I", 0x10), 4, "00000003"),
        ("unserved-hash-start", struct.pack(">I", 0x06), 4, "0000000a"),
        ("unserved-get-stateblob", struct.pack(">IIII", 0x0C, 0, 1, 0), 4, "0000000a"),
        ("hash-data-too-long", struct.pack(">II", 0x07, 0x2000), 4, "00000003"),
        # QEMU leaves this padding uninitialised: the bridge ignores it, and
        # the vtpm (powered on by the INIT) resets the bit from locality 3
        ("init", struct.pack(">II", 0x02, 0), 4, "00000000"),
        ("reset-established-padding-ignored", bytes.fromhex("0000000b03a5a5a5"), 4, "00000000"),
    ]
    for check, req, n, want in checks:
        got = s.ctrl_cmd(req, n).hex()
        result(f"{name}/{check}", got == want, f"answer {got}, want {want}")
    caps = struct.unpack(">Q", s.ctrl_cmd(struct.pack(">I", 1), 8))[0]
    result(f"{name}/still-serving-control", caps == CAPS, f"mask 0x{caps:x}")
    s.set_datafd()
    s.tpm(READ_CLOCK)
    bad = s.tpm(bytes.fromhex("8001000000050000017b"))
    result(f"{name}/bad-frame-size", rc(bad) == 0x142 and len(bad) == 10, f"answer {bad.hex()}")
    s.tpm(STARTUP_CLEAR)  # the INIT above powered the TPM on afresh
    r = s.tpm(GET_RANDOM_8)
    result(f"{name}/still-serving-data", rc(r) == 0 and len(r) == 20, f"GetRandom {r.hex()}")
    s.close()
    session(path, f"{name}/after")


def vanish(path, name):
    for _ in range(3):
        s = Session(path)
        s.set_datafd()
        s.data.sendall(GET_RANDOM_8)  # and leave before the answer
        s.close()
    session(path, name)


def vm_gone(path, name):
    s = Session(path)
    s.set_datafd()
    probe = s.tpm(READ_CLOCK)
    result(f"{name}/probe-error", probe == bytes.fromhex("80010000000a00000101"),
           f"probe answered {probe.hex()}")
    caps = struct.unpack(">Q", s.ctrl_cmd(struct.pack(">I", 1), 8))[0]
    result(f"{name}/get-capability", caps == CAPS, f"mask 0x{caps:x}")
    init = s.ctrl_cmd(struct.pack(">II", 0x02, 0), 4)
    result(f"{name}/init-fails", init == bytes.fromhex("00000009"), f"INIT answered {init.hex()}")
    bufsz = s.ctrl_cmd(struct.pack(">II", 0x11, 4096), 16)
    result(f"{name}/set-buffersize-fails-full-size", bufsz[:4] == bytes.fromhex("00000009"),
           f"answer {bufsz.hex()}")
    r = s.tpm(GET_RANDOM_8)
    result(f"{name}/tpm-command-fails", r == bytes.fromhex("80010000000a00000101"),
           f"answer {r.hex()}")
    s.close()


def nv_present(path, name, index):
    """After QEMU's start-up and TPM2_Startup: NV_ReadPublic(index) succeeds."""
    s = Session(path)
    qemu_startup(s, f"{name}/nv")
    s.tpm(STARTUP_CLEAR)
    r = s.tpm(bytes.fromhex("80010000000e00000169") + struct.pack(">I", index))
    result(f"{name}/nv-index-{index:08x}-kept", rc(r) == 0, f"NV_ReadPublic answered {r[:10].hex()}")
    s.close()


def main():
    path, scenario, name = sys.argv[1:4]
    try:
        if scenario == "nv-present":
            nv_present(path, name, int(sys.argv[4], 16))
            sys.exit(1 if failures else 0)
        {"session": session, "malformed": malformed, "vanish": vanish, "vm-gone": vm_gone}[scenario](
            path, name)
    except (OSError, EOFError) as e:
        result(f"{name}/bridge-answers", False, f"{type(e).__name__}: {e}")
    sys.exit(1 if failures else 0)


main()
