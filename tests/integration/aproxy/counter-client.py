#!/usr/bin/python3
"""Speaks the vtpm's counter relay protocol (docs/aproxy.md, "Counter relay")
to aproxy's socket and checks what comes back: reads and advances reach the
development KBS's counter, a malformed or too long line gets an error line,
and the relay keeps serving after it.  One PASS/FAIL line per case.
With "after-kbs-restart": one read, which must find the value the first run
left (1), although the KBS was restarted and knows no session of before.

  counter-client.py SOCKET [after-kbs-restart]"""

import base64
import json
import os
import socket
import sys


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main(path, after_restart):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    s.connect(path)
    f = s.makefile("rwb")
    failures = 0

    def ask(line):
        f.write(line + b"\n")
        f.flush()
        return json.loads(f.readline())

    def check(name, ok, got):
        nonlocal failures
        print(f"PASS aproxy-host/counter-{name}" if ok else f"FAIL aproxy-host/counter-{name}: got {got}")
        failures += not ok

    def request(body):
        body["nonce"] = b64url(os.urandom(16))
        return json.dumps({"instance": "vtpm", "body": body}, separators=(",", ":")).encode()

    tag = b64url(bytes([0x11]) * 32)
    if after_restart:
        a = ask(request({"op": "read"}))
        check("read-after-kbs-restart", a.get("status") == 200 and a["body"].get("value") == 1
              and a["body"].get("tag") == tag, a)
        return 1 if failures else 0
    a = ask(request({"op": "read"}))
    check("read-fresh", a.get("status") == 200 and a["body"].get("value") == 0 and "mac" in a["body"], a)
    a = ask(request({"op": "advance", "value": 1, "tag": tag}))
    check("advance", a.get("status") == 200 and a["body"].get("value") == 1 and a["body"].get("tag") == tag, a)
    a = ask(b"not json")
    check("malformed-line-answered", a.get("status") == 0 and "malformed" in a.get("error", ""), a)
    a = ask(b"x" * 3000)
    check("long-line-answered", a.get("status") == 0 and "over 2048" in a.get("error", ""), a)
    a = ask(request({"op": "advance", "value": 0, "tag": tag}))
    check("keeps-serving-decrease-refused", a.get("status") == 409 and a["body"].get("value") == 1, a)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:] == ["after-kbs-restart"]))
