#!/usr/bin/env python3
"""chanhost: the host end of the channel benchmark (tests/bench/channel).

    chanhost.py PORT MBYTES ROUNDS

Connects to QEMU's chardev socket of the bench port on 127.0.0.1:PORT, waits
(up to 180 s) until chanbench in the guest answers a ping, then ROUNDS times
sends MBYTES MiB to the guest ('i', timed until the guest acknowledges having
read them all) and receives MBYTES MiB from it ('o', timed until the last
byte).  Prints one line: "in=<best MB/s> out=<best MB/s>" (MB = 10^6 bytes);
exits 1 with a reason on stderr if the guest does not answer.
"""
import socket
import struct
import sys
import time


def connect(port, deadline):
    while True:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return s
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def recv_n(s, n):
    got = 0
    while got < n:
        chunk = s.recv(min(1 << 20, n - got))
        if not chunk:
            raise EOFError("guest closed the port")
        got += len(chunk)


def main():
    port, mbytes, rounds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    deadline = time.monotonic() + 180
    s = connect(port, deadline)
    s.settimeout(1)
    while True:  # chanbench may not have opened its port yet
        try:
            s.sendall(b"p")
            if s.recv(1) == b"k":
                break
        except socket.timeout:
            pass
        if time.monotonic() > deadline:
            print("chanhost: no answer from chanbench", file=sys.stderr)
            return 1
    # pings sent while the guest was not reading may still be queued: drain
    # their answers
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        pass
    s.settimeout(120)
    n = mbytes << 20
    block = b"\xa5" * (1 << 20)
    best_in = best_out = 0.0
    for _ in range(rounds):
        t0 = time.monotonic()
        s.sendall(b"i" + struct.pack(">Q", n))
        for _ in range(mbytes):
            s.sendall(block)
        if s.recv(1) != b"k":
            print("chanhost: bad acknowledgement", file=sys.stderr)
            return 1
        best_in = max(best_in, n / (time.monotonic() - t0) / 1e6)
        t0 = time.monotonic()
        s.sendall(b"o" + struct.pack(">Q", n))
        recv_n(s, n)
        best_out = max(best_out, n / (time.monotonic() - t0) / 1e6)
    print("in=%.2f out=%.2f" % (best_in, best_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
