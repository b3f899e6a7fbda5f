#!/usr/bin/python3
"""Speaks aproxy's secrets socket protocol (docs/aproxy.md, "Secrets for
workloads") and checks the answers: a resource released after stage 2, one
the KBS does not have, one whose policy this VM's evidence does not satisfy,
malformed requests, clients that vanish mid-request, and that aproxy still
serves after all of them.  One PASS/FAIL line per case.

  secrets-client.py SOCKET EXPECTED-SECRET"""

import socket
import sys

PREFIX = "aproxy-host/secrets-"


def ask(path, data, close_early=False):
    """Sends data on a new connection; the whole answer (to EOF), or b"" if close_early."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(120)
    s.connect(path)
    s.sendall(data)
    if close_early:
        s.close()
        return b""
    answer = b""
    while chunk := s.recv(4096):
        answer += chunk
    s.close()
    return answer


def main(path, expected):
    failures = 0

    def check(name, ok, got):
        nonlocal failures
        print(f"PASS {PREFIX}{name}" if ok else f"FAIL {PREFIX}{name}: got {got[:300]!r}")
        failures += not ok

    want = expected.encode()
    ok_answer = b"OK %d\n" % len(want) + want
    a = ask(path, b"GET nutshell/workload/secret\n")
    check("released-after-stage2", a == ok_answer, a)
    a = ask(path, b"GET nutshell/workload/no-such-secret\n")
    check("kbs-refuses-unknown", a.startswith(b"ERR refused ") and b"no resource nutshell/workload/no-such-secret" in a
          and a.endswith(b"\n") and a.count(b"\n") == 1, a)
    a = ask(path, b"GET nutshell/workload/needs-sample\n")
    check("policy-mismatch-refused", a.startswith(b"ERR refused ") and b"needs affirmed ['sample'] evidence" in a, a)
    for name, req in [("not-get", b"PUT nutshell/workload/secret\n"),
                      ("two-segments", b"GET nutshell/secret\n"),
                      ("dot-dot", b"GET nutshell/../secret\n"),
                      ("bad-byte", b"GET nutshell/workload/se cret\n"),
                      ("too-long", b"GET " + b"a" * 400 + b"\n")]:
        a = ask(path, req)
        check(f"malformed-{name}", a.startswith(b"ERR malformed ") and a.endswith(b"\n"), a)
    # A client that sends half a request and goes away, and one that goes
    # away before its (attested) answer: aproxy logs them and goes on.
    ask(path, b"GET nutshell/wor", close_early=True)
    ask(path, b"GET nutshell/workload/secret\n", close_early=True)
    a = ask(path, b"GET nutshell/workload/secret\n")
    check("keeps-serving", a == ok_answer, a)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
