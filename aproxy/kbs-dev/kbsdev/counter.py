"""The rollback counter: a DEVELOPMENT-KBS EXTENSION, not part of Trustee.

A monotonic counter per instance (e.g. one vtpm's sealed state), so the instance
can tell a current disk image from a replayed older one: it advances the counter
before acknowledging a state write and, at start, refuses state older than the
counter.  Values never decrease; an advance is on disk (fsync'd) before it is
acknowledged.  Answers carry an HMAC under a key derived from the instance's key
resource, over the caller's nonce: the host relays this traffic and could forge a
JWE to the VM's key, but cannot forge that MAC nor replay an older answer.
docs/kbs-dev.md gives the protocol."""

import hashlib
import hmac
import json
import os
import threading

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .codec import b64url_decode, b64url_encode, member
from .problem import BadRequest, Conflict, NotFound

MAC_LABEL = b"nutshell-dev-counter-v1\0"
HKDF_INFO = b"nutshell rollback counter"
MAX_VALUE = 2 ** 53 - 1        # the largest integer every JSON reader keeps exact


def mac_key(key_resource):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(key_resource)


def answer_mac(key, instance, value, nonce):
    msg = MAC_LABEL + instance.encode("ascii") + b"\0" + value.to_bytes(8, "big") + nonce
    return hmac.new(key, msg, hashlib.sha256).digest()


class Counters:
    """The lock protects `values` and the file that mirrors it."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.values = {}
        if path and os.path.exists(path):
            with open(path, "rb") as f:
                loaded = json.load(f)
            if not isinstance(loaded, dict) or not all(
                    isinstance(v, int) and 0 <= v <= MAX_VALUE for v in loaded.values()):
                raise ValueError(f"{path}: not a counter file")
            self.values = loaded

    def _persist(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.values, f, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        dirfd = os.open(os.path.dirname(os.path.abspath(self.path)), os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)

    def handle(self, instance, body, key_resource):
        """POST /nutshell-dev/v0/counter/<instance> -> the answer (raises Conflict if asked to go back)."""
        op = member(body, "op", str, "counter request")
        nonce = b64url_decode(member(body, "nonce", str, "counter request"), "nonce")
        if not 16 <= len(nonce) <= 64:
            raise BadRequest("nonce: 16 to 64 bytes")
        if op not in ("read", "advance"):
            raise BadRequest("op: \"read\" or \"advance\"")
        with self.lock:
            current = self.values.get(instance, 0)
            refused = False
            if op == "advance":
                value = member(body, "value", int, "counter request")
                if not 0 <= value <= MAX_VALUE:
                    raise BadRequest(f"value: 0..{MAX_VALUE}")
                if value > current:
                    self.values[instance] = value
                    try:
                        self._persist()
                    except OSError:
                        self.values[instance] = current
                        raise
                    current = value
                refused = value < current
        answer = {"instance": instance, "value": current, "nonce": b64url_encode(nonce),
                  "mac": b64url_encode(answer_mac(mac_key(key_resource), instance, current, nonce))}
        if refused:
            raise Conflict(f"counter {instance} is at {current}; it never decreases", extra=answer)
        return answer


def resource_for(policy, instance):
    if instance not in policy.counters:
        raise NotFound(f"no counter {instance}", name="CounterNotFound")
    return policy.counters[instance]
