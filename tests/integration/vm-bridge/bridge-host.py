#!/usr/bin/env python3
"""bridge-host: vtpm-bridge on the host, without the service VM.  One
PASS/FAIL line per check, named vtpm-bridge/<check>.

  bridge-host.py [BRIDGE-BINARY [VTPM-BINARY]]

Late answers (docs/vtpm.md, "Late answers"): the bridge's rule for answers
that come after their command timed out, against a stand-in for the vtpm's
two ports that answers when and as this script tells it; the script plays
QEMU on the bridge's socket.  The stand-in serves each port as QEMU's
chardev socket serves a virtio console port to the bridge: one connection
at a time, answers in order.  Every TPM command is a GetRandom(n) whose
answer carries n bytes of value n (n names the command), so an answer given
to the wrong command shows.  The bridge runs with --timeout 2.

Migration: the bridge does not offer the state blobs, so QEMU (Debian's
7.2) blocks migration of a guest on it.  A paused QEMU with `-tpmdev
emulator` on the bridge, whose vtpm runs on this host: `migrate` is refused
with QEMU's message, and `-only-migratable` refuses to start.
"""
import os
import select
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vtpm"))
from sockutil import recv_exact  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BRIDGE = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/apps/vtpm-bridge/vtpm-bridge")
VTPM = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "build/apps/vtpm/vtpm")
MIGRATION_BLOCKED = "Migration disabled: TPM emulator does not support migration"
TPM_RC_FAILURE = 0x101
SLOW_S = 3  # a slow command: over the bridge's --timeout 2, under twice that
failures = 0


def result(name, ok, why=""):
    global failures
    if ok:
        print(f"PASS vtpm-bridge/{name}", flush=True)
    else:
        failures += 1
        print(f"FAIL vtpm-bridge/{name}: {why}", flush=True)


def get_random(n):
    return struct.pack(">HIIH", 0x8001, 12, 0x17B, n)


def random_answer(n):
    return struct.pack(">HIIH", 0x8001, 12 + n, 0, n) + bytes([n]) * n


class FakeVtpm:
    """The two ports.  slow: command ids answered after SLOW_S; lost: ids
    never answered (a vtpm that died mid-command and was restarted).  On the
    control port INIT is slow when slow_init is set."""

    def __init__(self, d):
        self.data_path, self.ctrl_path = d + "/data.sock", d + "/ctrl.sock"
        self.slow, self.lost, self.slow_init = set(), set(), False
        self.data_conns = 0
        self.overlaps = []  # commands that arrived before an earlier one was answered
        self.received = []
        for path, serve in ((self.data_path, self.serve_data), (self.ctrl_path, self.serve_ctrl)):
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)
            s.listen(4)
            threading.Thread(target=self.accept_loop, args=(s, serve), daemon=True).start()

    def accept_loop(self, s, serve):
        while True:
            c, _ = s.accept()
            try:
                serve(c)
            except (EOFError, OSError):
                pass
            c.close()

    def answer_after(self, c, delay, data):
        time.sleep(delay)
        # Anything already waiting was sent before this answer: the bridge
        # sent a command while it still owed an answer.
        if select.select([c], [], [], 0)[0] and c.recv(1, socket.MSG_PEEK):
            self.overlaps.append(data[:16].hex())
        c.sendall(data)

    def serve_data(self, c):
        self.data_conns += 1
        while True:
            hdr = recv_exact(c, 10, "data")
            size, code = struct.unpack(">xxII", hdr)
            body = recv_exact(c, size - 10, "data")
            n = struct.unpack(">H", body[:2])[0] if code == 0x17B else 0
            self.received.append(n)
            if n in self.lost:
                continue
            self.answer_after(c, SLOW_S if n in self.slow else 0, random_answer(n))

    def serve_ctrl(self, c):
        while True:
            cmd = struct.unpack(">I", recv_exact(c, 4, "control"))[0]
            if cmd == 0x02:  # INIT, u32 flags
                recv_exact(c, 4, "control")
                self.answer_after(c, SLOW_S if self.slow_init else 0, struct.pack(">I", 0))
            elif cmd == 0x04:  # GET_TPMESTABLISHED: established
                c.sendall(struct.pack(">IB3x", 0, 1))
            elif cmd == 0x11:  # SET_BUFFERSIZE, u32 size
                recv_exact(c, 4, "control")
                c.sendall(struct.pack(">IIII", 0, 4096, 128, 4096))
            elif cmd == 0x05:  # SET_LOCALITY, u8
                recv_exact(c, 1, "control")
                c.sendall(struct.pack(">I", 0))
            else:
                c.sendall(struct.pack(">I", 10))


class Qemu:
    """The bridge's client, as QEMU's tpm-emulator backend."""

    def __init__(self, path):
        self.ctrl = socket.socket(socket.AF_UNIX)
        self.ctrl.settimeout(30)
        self.ctrl.connect(path)
        mine, theirs = socket.socketpair()
        socket.send_fds(self.ctrl, [struct.pack(">I", 0x10)], [theirs.fileno()])
        theirs.close()
        assert recv_exact(self.ctrl, 4) == bytes(4)
        self.data = mine
        self.data.settimeout(30)

    def tpm(self, frame):
        self.data.sendall(frame)
        hdr = recv_exact(self.data, 10, "data")
        size = struct.unpack(">I", hdr[2:6])[0]
        return hdr + recv_exact(self.data, size - 10, "data")

    def control(self, req, answer_len):
        self.ctrl.sendall(req)
        return recv_exact(self.ctrl, answer_len, "control")


def until_answered(q, first_id, tries=12):
    """GetRandom(first_id), (first_id + 1)... until one gets an answer.
    Returns (answered id or None, complaints: answers that were neither an
    error nor the command's own)."""
    wrong = []
    for n in range(first_id, first_id + tries):
        r = q.tpm(get_random(n))
        rc = struct.unpack(">I", r[6:10])[0]
        if rc == 0:
            if r != random_answer(n):
                wrong.append(f"GetRandom({n}) got {r[12:14].hex()}")
            return n, wrong
        if rc != TPM_RC_FAILURE or len(r) != 10:
            wrong.append(f"GetRandom({n}) got {r.hex()}")
        time.sleep(0.3)
    return None, wrong


def late_answers(work):
    fake = FakeVtpm(work)
    sock = work + "/bridge.sock"
    log = open(work + "/bridge.log", "w")
    bridge = subprocess.Popen([BRIDGE, "--listen", sock, "--vtpm-data", fake.data_path,
                               "--vtpm-ctrl", fake.ctrl_path, "--timeout", "2", "--verbose"],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        q = Qemu(sock)
        q.tpm(get_random(9))  # QEMU's start-up probe slot (800 ms), answered at once

        # A slow command times out; the next commands get an error or their
        # own answer, never the slow one's, and the link is kept.
        fake.slow.add(1)
        r = q.tpm(get_random(1))
        result("slow-command-fails", struct.unpack(">I", r[6:10])[0] == TPM_RC_FAILURE,
               f"answer {r.hex()}")
        got, wrong = until_answered(q, 2)
        result("next-command-gets-its-own-answer", got is not None and not wrong,
               f"answered {got}, wrong answers: {wrong}")
        result("late-answer-link-kept", fake.data_conns == 1,
               f"{fake.data_conns} data connections, want 1")
        result("nothing-sent-while-answer-owed", not fake.overlaps,
               f"commands sent before these answers were read: {fake.overlaps}")

        # An answer that never comes (the vtpm restarted mid-command): given
        # up on after twice the timeout, the link is reopened, and the next
        # command is served on the new link.
        fake.lost.add(50)
        r = q.tpm(get_random(50))
        got, wrong = until_answered(q, 51)
        result("lost-answer-link-reopened",
               got is not None and not wrong and fake.data_conns == 2 and r[6:10] == b"\0\0\1\1",
               f"answered {got}, wrong answers {wrong}, {fake.data_conns} data connections (want 2), "
               f"first answer {r.hex()}")

        # The control port: a slow INIT fails (TPM_FAIL, 4 bytes); later
        # commands get their own answers, whose sizes differ from INIT's.
        fake.slow_init = True
        a = q.control(struct.pack(">II", 0x02, 0), 4)
        ok_init = a == struct.pack(">I", 9)
        answers = []
        for _ in range(12):
            e = q.control(struct.pack(">I", 0x04), 8)
            answers.append(e.hex())
            if e != struct.pack(">I", 9) + bytes(4):
                break
            time.sleep(0.3)
        b = q.control(struct.pack(">II", 0x11, 0), 16)
        result("late-control-answer-discarded",
               ok_init and answers[-1] == struct.pack(">IB3x", 0, 1).hex() and
               b == struct.pack(">IIII", 0, 4096, 128, 4096),
               f"INIT {a.hex()}, GET_TPMESTABLISHED {answers}, SET_BUFFERSIZE {b.hex()}")
        result("late-answer-bridge-running", bridge.poll() is None, "the bridge exited")
    except (OSError, EOFError, AssertionError) as e:
        result("late-answer-session", False, repr(e))
    finally:
        bridge.terminate()
        bridge.wait()
        log.close()
        if failures:
            sys.stdout.write(open(work + "/bridge.log").read())




def start(argv, log_path):
    return subprocess.Popen(argv, stdout=open(log_path, "w"), stderr=subprocess.STDOUT)


def wait_for(path):
    for _ in range(100):
        if os.path.exists(path):
            return True
        time.sleep(0.1)
    return False


def qemu_with_tpm(sock, *extra, monitor_input=""):
    """A paused QEMU (no guest runs) with its TPM on the bridge at sock; its
    status and output once its monitor (stdio) has read monitor_input."""
    argv = ["qemu-system-x86_64", "-machine", "microvm", "-S", "-nographic", "-monitor", "stdio",
            "-serial", "none", *extra, "-chardev", f"socket,id=chrtpm,path={sock}",
            "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-tis,tpmdev=tpm0"]
    r = subprocess.run(argv, input=monitor_input, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def stop_all(*procs):
    for p in procs:
        if p:
            p.terminate()
            p.wait()


def vtpm_argv(work, tag):
    return [VTPM, "--server", f"type=unixio,path={work}/{tag}d.sock", "--ctrl",
            f"type=unixio,path={work}/{tag}c.sock", "--state", f"{work}/{tag}state.img"]


def start_vtpm_and_bridge(work, tag):
    """A vtpm on this host and a bridge to it listening on work/TAG.sock:
    (vtpm, bridge); bridge is None (and a failure reported) if the vtpm did
    not start."""
    vtpm = start(vtpm_argv(work, tag), f"{work}/{tag}vtpm.log")
    if not wait_for(f"{work}/{tag}c.sock"):
        result(f"{tag}-setup", False, open(f"{work}/{tag}vtpm.log").read())
        return vtpm, None
    bridge = start([BRIDGE, "--listen", f"{work}/{tag}.sock", "--vtpm-data", f"{work}/{tag}d.sock",
                    "--vtpm-ctrl", f"{work}/{tag}c.sock", "--verbose"], f"{work}/{tag}bridge.log")
    wait_for(f"{work}/{tag}.sock")
    return vtpm, bridge


def migration(work):
    vtpm, bridge = start_vtpm_and_bridge(work, "m")
    try:
        if not bridge:
            return
        # The monitor reads its commands one by one; `quit` ends QEMU.
        rc, out = qemu_with_tpm(work + "/m.sock",
                                monitor_input='migrate "exec:cat >/dev/null"\ninfo migrate\nquit\n')
        result("migration-refused",
               rc == 0 and ("Error: " + MIGRATION_BLOCKED) in out and "Outgoing migration blocked" in out,
               f"QEMU status {rc}: {out[-400:]!r}")
        rc, out = qemu_with_tpm(work + "/m.sock", "-only-migratable", monitor_input="quit\n")
        result("only-migratable-refuses-to-start", rc != 0 and MIGRATION_BLOCKED in out,
               f"QEMU status {rc}: {out[-400:]!r}")
    except (OSError, subprocess.TimeoutExpired) as e:
        result("migration-session", False, repr(e))
    finally:
        stop_all(bridge, vtpm)


STARTUP_CLEAR = bytes.fromhex("80010000000c000001440000")
TPM_RC_LOCALITY = 0x907


def pcr_reset(pcr):
    """TPM2_PCR_Reset(pcr) with an empty password session."""
    return bytes.fromhex("80020000001b0000013d") + struct.pack(">I", pcr) + \
        bytes.fromhex("00000009400000090000000000")


def set_locality(q, loc):
    return q.control(struct.pack(">IB3x", 0x05, loc), 4) == bytes(4)


def locality(work):
    """The locality QEMU sets reaches libtpms through the bridge, and
    survives the vtpm's restart: PCR 20 resets only from locality 2 (the PC
    client profile, as libtpms has it)."""
    vtpm, bridge = start_vtpm_and_bridge(work, "l")
    try:
        if not bridge:
            return
        q = Qemu(work + "/l.sock")
        q.tpm(STARTUP_CLEAR)
        rc0 = set_locality(q, 0) and rc_of(q.tpm(pcr_reset(20)))
        rc2 = set_locality(q, 2) and rc_of(q.tpm(pcr_reset(20)))
        result("locality-reaches-the-tpm", rc0 == TPM_RC_LOCALITY and rc2 == 0,
               f"PCR_Reset(20) at locality 0: 0x{rc0:x}, at locality 2: 0x{rc2:x}")
        # A new vtpm on the same state and sockets: the bridge's link breaks,
        # its next command connects again and sets locality 2 first, which
        # QEMU believes still set.
        vtpm.terminate()
        vtpm.wait()
        vtpm = start(vtpm_argv(work, "l"), work + "/lvtpm2.log")
        wait_for(work + "/lc.sock")
        wait_for(work + "/ld.sock")
        # The command that finds the old link broken fails (TPM_RC_FAILURE);
        # the next one goes over a new link.  Startup is refused from
        # locality 2 (only 0 and 3 may send it): the proof that the new
        # link carries locality 2.
        for _ in range(3):
            st2 = rc_of(q.tpm(STARTUP_CLEAR))
            if st2 != TPM_RC_FAILURE:
                break
        st0 = set_locality(q, 0) and rc_of(q.tpm(STARTUP_CLEAR))
        rc0 = rc_of(q.tpm(pcr_reset(20)))
        result("locality-restored-after-vtpm-restart",
               st2 == TPM_RC_LOCALITY and st0 == 0 and rc0 == TPM_RC_LOCALITY,
               f"Startup with locality 2 kept: 0x{st2:x}; at locality 0: Startup 0x{st0:x}, "
               f"PCR_Reset(20) 0x{rc0:x}")
        q.data.close()
        q.ctrl.close()
    except (OSError, EOFError) as e:
        result("locality-session", False, repr(e))
    finally:
        stop_all(bridge, vtpm)


def rc_of(rsp):
    return struct.unpack(">I", rsp[6:10])[0]


def main():
    work = tempfile.mkdtemp(prefix="bridge-host.")
    late_answers(work)
    migration(work)
    locality(work)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
