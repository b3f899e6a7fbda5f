#!/usr/bin/env python3
"""The host side of the stress program `ports` (tests/stress/README.md).

Usage: port-echo.py DEADLINE_S SOCKET...
Connects to each QEMU chardev Unix socket (QEMU is the server; the sockets
appear when it starts) and sends back every byte it receives on it, in
order, until QEMU closes the socket (it exited) or DEADLINE_S seconds have
passed.  One blocking thread per port: while the guest does not read, sendall
blocks and this port's echo stops reading, so the guest's writes are held
back rather than buffered here without bound.  At the end prints a `note`
line with the bytes echoed."""
import socket, sys, threading, time

deadline = time.time() + float(sys.argv[1])
paths = sys.argv[2:]
echoed = [0] * len(paths)

def echo(i, path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            s.connect(path)
            break
        except OSError:
            if time.time() > deadline:
                return
            time.sleep(0.05)
    s.settimeout(max(1.0, deadline - time.time()))
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return  # QEMU exited
            s.sendall(data)
            echoed[i] += len(data)
    except OSError:
        return  # deadline passed, or QEMU went away mid-send

threads = [threading.Thread(target=echo, args=(i, p), daemon=True) for i, p in enumerate(paths)]
for t in threads:
    t.start()
for t in threads:
    t.join(max(0.0, deadline - time.time()) + 1)
print("note stress/port-echo: %d bytes echoed on %d ports (%s)" % (
    sum(echoed), len(paths), " ".join(str(n) for n in echoed)), flush=True)
