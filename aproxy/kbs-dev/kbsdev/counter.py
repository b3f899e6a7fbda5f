"""The rollback counter: a DEVELOPMENT-KBS EXTENSION, not part of Trustee.

A monotonic counter per instance (e.g. one vtpm's sealed state), so the instance
can tell a current disk image from a replayed older one: it advances the counter
before acknowledging a state write and, at start, refuses state older than the
counter.  Values never decrease; an advance is on disk (fsync'd) before it is
acknowledged.  Each value carries the caller's 32-byte tag (the digest naming
the write it commits), so two copies of one VM that both advance C to C+1 do not
both succeed: the second, with another tag, is refused (fork safety).  Answers
carry an HMAC under a key derived from the instance's key
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


TAG_BYTES = 32
ZERO_TAG = bytes(TAG_BYTES)


def answer_mac(key, instance, value, tag, nonce):
    msg = MAC_LABEL + instance.encode("ascii") + b"\0" + value.to_bytes(8, "big") + tag + nonce
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
            if not isinstance(loaded, dict):
                raise ValueError(f"{path}: not a counter file")
            for name, rec in loaded.items():
                if not (isinstance(rec, dict) and isinstance(rec.get("value"), int)
                        and 0 <= rec["value"] <= MAX_VALUE and isinstance(rec.get("tag"), str)
                        and len(rec["tag"]) == 2 * TAG_BYTES):
                    raise ValueError(f"{path}: counter {name!r} is not {{value, tag}}")
                self.values[name] = (rec["value"], bytes.fromhex(rec["tag"]))

    def _persist(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({k: {"value": v, "tag": t.hex()} for k, (v, t) in self.values.items()}, f, sort_keys=True)
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
            current, stored_tag = self.values.get(instance, (0, ZERO_TAG))
            refused = False
            if op == "advance":
                value = member(body, "value", int, "counter request")
                if not 0 <= value <= MAX_VALUE:
                    raise BadRequest(f"value: 0..{MAX_VALUE}")
                tag = b64url_decode(member(body, "tag", str, "counter request"), "tag")
                if len(tag) != TAG_BYTES:
                    raise BadRequest(f"tag: {TAG_BYTES} bytes")
                if value > current:
                    previous = self.values.get(instance)
                    self.values[instance] = (value, tag)
                    try:
                        self._persist()
                    except OSError:
                        if previous is None:
                            del self.values[instance]
                        else:
                            self.values[instance] = previous
                        raise
                    current, stored_tag = value, tag
                else:
                    # The same (value, tag) again is a retry after a lost answer;
                    # anything else at or below the counter is another history.
                    refused = value < current or tag != stored_tag
        answer = {"instance": instance, "value": current, "tag": b64url_encode(stored_tag),
                  "nonce": b64url_encode(nonce),
                  "mac": b64url_encode(answer_mac(mac_key(key_resource), instance, current, stored_tag, nonce))}
        if refused:
            raise Conflict(f"counter {instance} is at {current} with another tag; it never decreases",
                           extra=answer)
        return answer


def resource_for(policy, instance):
    if instance not in policy.counters:
        raise NotFound(f"no counter {instance}", name="CounterNotFound")
    return policy.counters[instance]
