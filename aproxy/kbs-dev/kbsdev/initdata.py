"""Init-data's digest as Trustee computes it for HOST_DATA (checked in
Trustee's sources: the InitData TOML's `algorithm` names the hash, sha256,
sha384 or sha512, taken over the whole text; the snp verifier cuts or
zero-pads it to HOST_DATA's 32 bytes, `regularize_data`, and refuses a report
whose HOST_DATA differs: "Host Data Mismatch")."""

import hashlib
import tomllib

from .problem import BadRequest, Unauthorized

HOST_DATA_SIZE = 32
ALGORITHMS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def host_data(body):
    """The 32 bytes a launch for this init-data puts in HOST_DATA."""
    try:
        algorithm = tomllib.loads(body).get("algorithm")
    except tomllib.TOMLDecodeError as e:
        raise BadRequest(f"init-data: not TOML ({e})") from None
    if algorithm not in ALGORITHMS:
        raise Unauthorized(f"init-data algorithm {algorithm!r}: want one of {sorted(ALGORITHMS)}")
    return ALGORITHMS[algorithm](body.encode("utf-8")).digest()[:HOST_DATA_SIZE].ljust(HOST_DATA_SIZE, b"\0")
