#!/usr/bin/python3
"""Seeds for the jwe fuzzer: JWEs from the development KBS's wrapping to the
fuzzer's fixed P-256 key (scalar 0x0102...20), their protected headers, and a
header with every optional member.  Written to the directory argv[1]."""

import base64
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../aproxy/kbs-dev"))
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from kbsdev.jwe import wrap  # noqa: E402


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
key = ec.derive_private_key(int.from_bytes(bytes(range(1, 33)), "big"), ec.SECP256R1())
nums = key.public_key().public_numbers()
jwk = {"alg": "ECDH-ES+A256KW", "crv": "P-256", "kty": "EC",
       "x": b64u(nums.x.to_bytes(32, "big")), "y": b64u(nums.y.to_bytes(32, "big"))}
for i, payload in enumerate([b"", b"k" * 32, b"{\"secret\": \"value\"}"]):
    jwe = wrap(jwk, payload)
    with open(os.path.join(out, f"kbs-{i}.json"), "w") as f:
        json.dump(jwe, f)
    header = base64.urlsafe_b64decode(jwe["protected"] + "=" * (-len(jwe["protected"]) % 4))
    with open(os.path.join(out, f"header-{i}.json"), "wb") as f:
        f.write(header)
with open(os.path.join(out, "header-full.json"), "w") as f:
    json.dump({"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "apu": "QWxpY2U", "apv": "Qm9i", "kid": "k\u00e9y",
               "epk": {"kty": "EC", "crv": "P-256", "x": jwk["x"], "y": jwk["y"]}}, f)
