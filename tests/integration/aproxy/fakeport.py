#!/usr/bin/python3
"""Plays QEMU's side of the VM's org.nutshell.aproxy port for host tests: a TCP
listener (a chardev socket with server=on) that aproxy-host connects to.

  fakeport.py bridge PORTFILE -- CMD...
      Runs CMD (the VM half, on the host) with the other end of the port as
      descriptor 3, and relays bytes both ways until either side ends; exits
      with CMD's status.  With FAKEPORT_STALE=1 in the environment, a
      `counter` reply is waiting in the port first, as one a killed VM half
      left unread.
  fakeport.py malformed PORTFILE
      Sends aproxy-host malformed frames; each must be answered by an error
      message, and a valid hello after them by a hello.  Prints PASS/FAIL lines.

PORTFILE receives the port listened on (127.0.0.1)."""

import os
import select
import socket
import struct
import subprocess
import sys


def listen(portfile):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write(f"{s.getsockname()[1]}\n")
    os.replace(portfile + ".tmp", portfile)
    s.settimeout(60)
    conn, _ = s.accept()
    s.close()
    return conn


def bridge(portfile, cmd):
    host = listen(portfile)
    vm, theirs = socket.socketpair()
    child = subprocess.Popen(cmd, pass_fds=(3,), preexec_fn=lambda: os.dup2(theirs.fileno(), 3))
    theirs.close()
    if os.environ.get("FAKEPORT_STALE") == "1":
        vm.sendall(frame(cbor_map([("v", head(0, 1)), ("t", text("counter")),
                                   ("line", text('{"status":0,"error":"stale"}'))])))
    ends = {host: vm, vm: host}
    while child.poll() is None:
        ready, _, _ = select.select(list(ends), [], [], 0.2)
        for r in ready:
            data = r.recv(65536)
            if not data:
                ends = {}
                break
            ends[r].sendall(data)
        if not ends:
            break
    host.close()
    vm.close()
    return child.wait()


# A few CBOR encoders: enough for the messages the tests send.
def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 256:
        return bytes([major << 5 | 24, n])
    if n < 65536:
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    return bytes([major << 5 | 26]) + struct.pack(">I", n)


def text(s):
    b = s.encode()
    return head(3, len(b)) + b


def cbor_map(pairs):
    out = head(5, len(pairs))
    for k, v in pairs:
        out += text(k) + v
    return out


def frame(body):
    return struct.pack(">I", len(body)) + body


def read_reply(conn):
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                raise EOFError("the host half closed the port")
            buf += chunk
        return buf
    n, = struct.unpack(">I", exactly(4))
    return exactly(n)


HELLO = cbor_map([("v", head(0, 1)), ("t", text("hello")), ("versions", head(4, 1) + head(0, 1)),
                  ("platform", text("emulated"))])

CASES = [
    ("garbage", frame(b"\xff\xfe\xfd")),
    ("not-a-map", frame(head(4, 1) + head(0, 1))),
    ("cut-short", frame(HELLO[:-3])),
    ("unknown-key", frame(cbor_map([("v", head(0, 1)), ("t", text("hello")), ("bogus", head(0, 1))]))),
    ("wrong-version", frame(cbor_map([("v", head(0, 9)), ("t", text("hello"))]))),
    ("missing-field", frame(cbor_map([("v", head(0, 1)), ("t", text("challenge"))]))),
    ("empty-frame", frame(b"")),
    ("oversized-frame", struct.pack(">I", 70000) + b"\0" * 70000),
    ("request-before-hello", frame(cbor_map([("v", head(0, 1)), ("t", text("resource")),
                                             ("path", text("a/b/c"))]))),
    ("no-common-version", frame(cbor_map([("v", head(0, 1)), ("t", text("hello")),
                                          ("versions", head(4, 1) + head(0, 7)),
                                          ("platform", text("emulated"))]))),
]


def malformed(portfile):
    conn = listen(portfile)
    conn.settimeout(30)
    for name, data in CASES:
        try:
            conn.sendall(data)
            reply = read_reply(conn)
            ok = text("t") + text("error") in reply and text("message") in reply
            print(f"PASS aproxy-host/malformed/{name}" if ok else
                  f"FAIL aproxy-host/malformed/{name}: reply {reply[:60].hex()} is not an error")
        except (OSError, EOFError) as e:
            print(f"FAIL aproxy-host/malformed/{name}: {e}")
            return 1
    conn.sendall(frame(HELLO))
    reply = read_reply(conn)
    ok = text("t") + text("hello") in reply
    print("PASS aproxy-host/keeps-serving-after-malformed" if ok else
          f"FAIL aproxy-host/keeps-serving-after-malformed: reply {reply[:60].hex()}")
    conn.close()
    return 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "bridge" and sys.argv[3] == "--":
        return bridge(sys.argv[2], sys.argv[4:])
    if len(sys.argv) == 3 and sys.argv[1] == "malformed":
        return malformed(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
