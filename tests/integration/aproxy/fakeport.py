#!/usr/bin/python3
"""Plays QEMU's side of the VM's org.nutshell.aproxy port for host tests: a TCP
listener (a chardev socket with server=on) that aproxy-host connects to.

  fakeport.py bridge PORTFILE -- CMD...
      Runs CMD (the VM half, on the host) with the other end of the port as
      descriptor 3, and relays bytes both ways until either side ends; exits
      with CMD's status.  With FAKEPORT_STALE=1 in the environment, a
      `counter` reply is waiting in the port first, as one a killed VM half
      left unread.  With FAKEPORT_CERT=drop or FAKEPORT_CERT=alter, the
      certificate table in the VM's `attest` is taken out, or one byte of its
      last certificate flipped, on its way to the host (a host that loses or
      spoils the VCEK: the KBS must refuse).
  fakeport.py malformed PORTFILE PSPPUB
      Sends aproxy-host malformed frames; each must be answered by an error
      message, and a valid hello after them by a hello.  Then the versions: a
      version-1 VM gets version 1 and a report without a certificate table;
      one offering 1 and 2 gets 2 and the emulated VCEK's table, whose
      certificate PSPPUB (the emulated PSP's public key) issued and whose key
      signed the report.  Prints PASS/FAIL lines.

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
    cert = os.environ.get("FAKEPORT_CERT")
    pending = b""  # the VM's bytes not yet a whole frame (only when editing them)
    while child.poll() is None:
        ready, _, _ = select.select(list(ends), [], [], 0.2)
        for r in ready:
            data = r.recv(65536)
            if not data:
                ends = {}
                break
            if r is vm and cert:
                pending += data
                data = b""
                while len(pending) >= 4 and len(pending) >= 4 + struct.unpack(">I", pending[:4])[0]:
                    n = 4 + struct.unpack(">I", pending[:4])[0]
                    data += frame(edit_cert_table(pending[4:n], cert))
                    pending = pending[n:]
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


def byte_string_at(body, key):
    """(start of the key, start and end of its byte-string value) or None."""
    k = body.find(text(key))
    while k >= 0 and (k + len(text(key)) >= len(body) or body[k + len(text(key))] >> 5 != 2):
        k = body.find(text(key), k + 1)  # a text value ("t": "report") is not the key
    if k < 0:
        return None
    at = k + len(text(key))
    info = body[at] & 0x1f
    size = {24: 1, 25: 2, 26: 4}.get(info, 0)
    n = int.from_bytes(body[at + 1:at + 1 + size], "big") if size else info
    return k, at + 1 + size, at + 1 + size + n


def edit_cert_table(body, how):
    """An attest message without its cert_table (drop), or with the last byte
    of its table (the end of its last certificate) flipped (alter)."""
    where = byte_string_at(body, "cert_table") if text("attest") in body else None
    if not where:
        return body
    k, start, end = where
    if how == "drop":
        assert 0xa1 <= body[0] <= 0xb7, "a map of fewer than 24 pairs"
        return bytes([body[0] - 1]) + body[1:k] + body[end:]
    return body[:end - 1] + bytes([body[end - 1] ^ 0x01]) + body[end:]


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


def malformed(portfile, pspub):
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
    versions(conn, pspub)
    conn.close()
    return 0


def check(name, ok, why):
    print(f"PASS aproxy-host/{name}" if ok else f"FAIL aproxy-host/{name}: {why}")


def versions(conn, pspub):
    """Version negotiation and what it changes: the certificate table."""
    v1 = text("v") + head(0, 1)
    report_req = frame(cbor_map([("v", head(0, 1)), ("t", text("report")),
                                 ("report_data", head(2, 64) + b"\x11" * 64)]))
    # HELLO (versions [1]) was answered above; its reply chose 1
    conn.sendall(frame(HELLO))
    reply = read_reply(conn)
    check("version-1-vm-gets-version-1", reply.startswith(bytes([0xa3]) + v1) and
          text("versions") + head(4, 1) + head(0, 1) in reply, reply.hex())
    conn.sendall(report_req)
    reply = read_reply(conn)
    check("version-1-report-has-no-cert-table", reply.startswith(bytes([0xa4]) + v1) and
          text("report") in reply and text("cert_table") not in reply, reply[:40].hex())
    conn.sendall(frame(cbor_map([("v", head(0, 1)), ("t", text("hello")),
                                 ("versions", head(4, 2) + head(0, 1) + head(0, 2)),
                                 ("platform", text("emulated"))])))
    reply = read_reply(conn)
    check("version-2-chosen-when-offered", text("versions") + head(4, 1) + head(0, 2) in reply, reply.hex())
    conn.sendall(report_req)
    reply = read_reply(conn)
    table, report = byte_string_at(reply, "cert_table"), byte_string_at(reply, "report")
    check("version-2-report-carries-cert-table", reply.startswith(bytes([0xa5]) + text("v") + head(0, 2)) and
          table and report, reply[:40].hex())
    if table and report:
        check("version-2-report-signed-by-the-tables-vcek",
              *vcek_signed(reply[table[1]:table[2]], reply[report[1]:report[2]], pspub))


def vcek_signed(table, report, pspub):
    """The table's one entry is a VCEK issued by the PSP key whose key signed report."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    vcek_guid = bytes.fromhex("8d75da6364e66445adc5f4b93be8accd")
    guid, off, size = table[:16], *struct.unpack("<II", table[16:24])
    if guid != vcek_guid or table[24:48] != bytes(24) or off + size != len(table):
        return False, f"not a one-VCEK table: {table[:48].hex()}"
    cert = x509.load_der_x509_certificate(table[off:off + size])
    with open(pspub, "rb") as f:
        psp = serialization.load_pem_public_key(f.read())
    try:
        psp.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA384()))
        sig = encode_dss_signature(int.from_bytes(report[0x2A0:0x2E8], "little"),
                                   int.from_bytes(report[0x2E8:0x330], "little"))
        cert.public_key().verify(sig, report[:0x2A0], ec.ECDSA(hashes.SHA384()))
    except Exception as e:  # noqa: BLE001 - any failure is the test's
        return False, f"{type(e).__name__} {e}"
    cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    return "EMULATED" in cn, cn


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "bridge" and sys.argv[3] == "--":
        return bridge(sys.argv[2], sys.argv[4:])
    if len(sys.argv) == 4 and sys.argv[1] == "malformed":
        return malformed(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
