"""Strict decoders for the encodings the protocol carries (base64, base64url, hex,
JSON objects): anything malformed is a BadRequest naming the field, never an
exception that escapes into the server."""

import base64
import binascii
import json
import re

from .problem import BadRequest

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
_B64STD = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_HEX = re.compile(r"^[0-9a-fA-F]*$")


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text, field):
    """RFC 7515 base64url without padding, as JOSE uses it."""
    if not isinstance(text, str) or not _B64URL.match(text) or len(text) % 4 == 1:
        raise BadRequest(f"{field}: not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64std_decode(text, field):
    """Standard base64 with its padding, as Trustee's STANDARD engine wants it."""
    if not isinstance(text, str) or not _B64STD.match(text) or len(text) % 4 != 0:
        raise BadRequest(f"{field}: not standard base64")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as e:
        raise BadRequest(f"{field}: not standard base64 ({e})") from None


def b64std_encode(data):
    return base64.b64encode(data).decode("ascii")


def hex_decode(text, field, size=None):
    if not isinstance(text, str) or not _HEX.match(text) or len(text) % 2:
        raise BadRequest(f"{field}: not hex")
    data = bytes.fromhex(text)
    if size is not None and len(data) != size:
        raise BadRequest(f"{field}: {len(data)} bytes, expected {size}")
    return data


def json_object(raw, field):
    """Parses bytes as a JSON object (a dict); rejects other JSON values."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise BadRequest(f"{field}: not JSON ({e})") from None
    if not isinstance(value, dict):
        raise BadRequest(f"{field}: not a JSON object")
    return value


def member(obj, key, kind, field):
    """obj[key], which must exist and be of Python type `kind`."""
    if not isinstance(obj, dict) or key not in obj:
        raise BadRequest(f"{field}: missing \"{key}\"")
    value = obj[key]
    # bool is an int in Python; a JSON true is never a number here.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequest(f"{field}.{key}: wrong type")
    return value


def canonical_json(value):
    """RFC 8785 (JCS) for the values the protocol binds: objects, strings, small
    integers.  Keys sorted, no whitespace, non-ASCII kept as UTF-8: what Trustee's
    serialize_canon_json produces for the same value, hashed byte for byte."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
