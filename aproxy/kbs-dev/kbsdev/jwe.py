"""Wraps a resource as a flattened JWE (RFC 7516 section 7.2.2) to the TEE's public
key, as Trustee's kbs/src/jwe does: a fresh 256-bit content key, A256GCM over the
payload with the protected header as AAD, and the content key wrapped with
ECDH-ES+A256KW (P-256; RFC 7518 4.6, Concat KDF with empty PartyU/PartyV) or
RSA-OAEP-256 (RFC 7518 4.3).  RSA1_5 is refused: it is deprecated and Trustee
only keeps it for old clients."""

import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from .codec import b64url_decode, b64url_encode, member
from .problem import BadRequest

ECDH_ES_A256KW = "ECDH-ES+A256KW"
RSA_OAEP_256 = "RSA-OAEP-256"
A256GCM = "A256GCM"
MAX_RSA_BITS = 8192


def concat_kdf_sha256(z, alg, key_bits):
    """NIST SP 800-56A Concat KDF as RFC 7518 4.6.2 instantiates it, with
    AlgorithmID = alg, empty PartyUInfo/PartyVInfo and SuppPubInfo = keydatalen."""
    out = b""
    counter = 1
    while len(out) * 8 < key_bits:
        out += hashlib.sha256(counter.to_bytes(4, "big") + z
                              + len(alg).to_bytes(4, "big") + alg.encode("ascii")
                              + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
                              + key_bits.to_bytes(4, "big")).digest()
        counter += 1
    return out[:key_bits // 8]


def parse_tee_pubkey(jwk):
    """Checks a `tee-pubkey` JWK and returns (alg, public key object)."""
    if not isinstance(jwk, dict):
        raise BadRequest("tee-pubkey: not a JSON object")
    kty = member(jwk, "kty", str, "tee-pubkey")
    alg = member(jwk, "alg", str, "tee-pubkey")
    if kty == "EC":
        if alg != ECDH_ES_A256KW or member(jwk, "crv", str, "tee-pubkey") != "P-256":
            raise BadRequest(f"tee-pubkey: EC key with alg {alg!r}: only ECDH-ES+A256KW on P-256")
        x = b64url_decode(member(jwk, "x", str, "tee-pubkey"), "tee-pubkey.x")
        y = b64url_decode(member(jwk, "y", str, "tee-pubkey"), "tee-pubkey.y")
        if len(x) != 32 or len(y) != 32:
            raise BadRequest("tee-pubkey: P-256 coordinates must be 32 bytes")
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)
        except ValueError:
            raise BadRequest("tee-pubkey: point is not on P-256") from None
        return alg, key
    if kty == "RSA":
        if alg != RSA_OAEP_256:
            raise BadRequest(f"tee-pubkey: RSA key with alg {alg!r}: only RSA-OAEP-256")
        n = int.from_bytes(b64url_decode(member(jwk, "n", str, "tee-pubkey"), "tee-pubkey.n"), "big")
        e = int.from_bytes(b64url_decode(member(jwk, "e", str, "tee-pubkey"), "tee-pubkey.e"), "big")
        if not 2048 <= n.bit_length() <= MAX_RSA_BITS or e < 3 or e % 2 == 0:
            raise BadRequest("tee-pubkey: RSA modulus must be 2048..8192 bits, exponent odd")
        return alg, rsa.RSAPublicNumbers(e, n).public_key()
    raise BadRequest(f"tee-pubkey: unsupported kty {kty!r}")


def wrap(jwk, payload):
    """The flattened JWE of `payload` for the holder of `jwk`'s private key."""
    alg, key = parse_tee_pubkey(jwk)
    cek = os.urandom(32)
    header = {"alg": alg, "enc": A256GCM}
    if alg == ECDH_ES_A256KW:
        eph = ec.generate_private_key(ec.SECP256R1())
        z = eph.exchange(ec.ECDH(), key)
        encrypted_key = aes_key_wrap(concat_kdf_sha256(z, alg, 256), cek)
        nums = eph.public_key().public_numbers()
        header["epk"] = {"crv": "P-256", "kty": "EC",
                         "x": b64url_encode(nums.x.to_bytes(32, "big")),
                         "y": b64url_encode(nums.y.to_bytes(32, "big"))}
    else:
        encrypted_key = key.encrypt(cek, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                      algorithm=hashes.SHA256(), label=None))
    protected = b64url_encode(json.dumps(header, separators=(",", ":")).encode("ascii"))
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, payload, protected.encode("ascii"))
    return {"protected": protected, "encrypted_key": b64url_encode(encrypted_key),
            "iv": b64url_encode(iv), "ciphertext": b64url_encode(sealed[:-16]),
            "tag": b64url_encode(sealed[-16:])}
