#!/usr/bin/python3
"""Test double of the rollback-counter path the vtpm uses in the service VM
(apps/vtpm/counter_msg.h): the relay (aproxy) and the development KBS's
counter extension in one process, on stdin/stdout, so the host suite can run
`vtpm --rollback-counter kbs:exec=<this>` without a VM or an attestation.
It implements the KBS side from the protocol text in docs/attestation.md
(Python's hmac/hashlib, not the vtpm's OpenSSL code), so it also checks that
the vtpm's MACs match the specification.

Environment:
  COUNTER_STORE  JSON file {instance: [value, tag hex]} (created if missing)
  COUNTER_KEY    the state key file (32 raw bytes or 64 hex digits)
  COUNTER_FAULT  optional: "down" (while the file $COUNTER_STORE.down holds a
                 number N > 0, a request finds the KBS down and N drops by one),
                 "forge" (answers carry a wrong MAC), "replay" (answers carry
                 the previous request's nonce)
"""
import base64
import hashlib
import hmac
import json
import os
import sys

LABEL = b"nutshell-dev-counter-v1\0"


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def hkdf_sha256(ikm, info, length=32):
    prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()  # RFC 5869: no salt = zeros
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def state_key(path):
    raw = open(path, "rb").read()
    return raw if len(raw) == 32 else bytes.fromhex(raw.decode().strip())


def main():
    store_path = os.environ["COUNTER_STORE"]
    k = hkdf_sha256(state_key(os.environ["COUNTER_KEY"]), b"nutshell rollback counter")
    fault = os.environ.get("COUNTER_FAULT", "")
    down_path = store_path + ".down"
    last_nonce = None
    for line in sys.stdin:
        req = json.loads(line)
        inst, body = req["instance"], req["body"]
        down = int(open(down_path).read()) if fault == "down" and os.path.exists(down_path) else 0
        if down > 0:
            with open(down_path, "w") as f:
                f.write(str(down - 1))
            print(json.dumps({"status": 0, "error": "connection refused (test: KBS down)"}), flush=True)
            continue
        store = json.load(open(store_path)) if os.path.exists(store_path) else {}
        value, tag = store.get(inst, [0, "00" * 32])
        status = 200
        if body["op"] == "advance":
            v, t = body["value"], unb64u(body["tag"]).hex()
            if v > value:
                value, tag = v, t
                store[inst] = [value, tag]
                with open(store_path + ".tmp", "w") as f:
                    json.dump(store, f)
                os.replace(store_path + ".tmp", store_path)
            elif v < value or t != tag:
                status = 409
        nonce = unb64u(body["nonce"])
        if fault == "replay" and last_nonce:
            nonce, last_nonce = last_nonce, nonce
        else:
            last_nonce = nonce
        mac = hmac.new(k, LABEL + inst.encode() + b"\0" + value.to_bytes(8, "big") +
                       bytes.fromhex(tag) + nonce, hashlib.sha256).digest()
        if fault == "forge":
            mac = bytes(32)
        answer = {"instance": inst, "value": value, "tag": b64u(bytes.fromhex(tag)),
                  "nonce": b64u(nonce), "mac": b64u(mac)}
        if status == 409:
            answer.update({"title": "CounterWouldDecrease", "status": 409,
                           "detail": f"counter {inst} is at {value}"})
        print(json.dumps({"status": status, "body": answer}), flush=True)


main()
