"""Attestation results as EAR tokens (draft-ietf-rats-ear): a JWT signed ES256 by a
key this server makes at start, as Trustee's AS signs its EAR tokens.  The token
is what a client shows (cookie session or `Authorization: Bearer`) to get
resources, so it carries what the resource policy needs: which evidence passed
(one submodule per TEE class) and the `tee-pubkey` to wrap resources to."""

import json
import time
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from .codec import b64url_decode, b64url_encode
from .problem import Unauthorized

EAR_PROFILE = "tag:github.com,2023:veraison/ear"
VERIFIER_ID = {"developer": "nutshell kbs-dev (DEVELOPMENT server, not for production)", "build": "kbs-dev 1"}
# The EAR trustworthiness claims an affirming submodule gets: the evidence was
# fresh, signed by a trusted key, and the measured software matched the reference.
AFFIRMING_VECTOR = {"instance-identity": 2, "executables": 2, "configuration": 2}


class TokenSigner:
    def __init__(self, lifetime_s):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.lifetime_s = lifetime_s
        nums = self.key.public_key().public_numbers()
        self.jwk = {"kty": "EC", "crv": "P-256", "alg": "ES256",
                    "x": b64url_encode(nums.x.to_bytes(32, "big")),
                    "y": b64url_encode(nums.y.to_bytes(32, "big"))}

    def issue(self, submods, tee_pubkey):
        """submods: {tee class: annotated evidence claims} of evidence that passed."""
        now = int(time.time())
        claims = {
            "eat_profile": EAR_PROFILE,
            "iat": now,
            "exp": now + self.lifetime_s,
            "jti": str(uuid.uuid4()),
            "ear.verifier-id": VERIFIER_ID,
            "submods": {tee: {"ear.status": "affirming",
                              "ear.trustworthiness-vector": AFFIRMING_VECTOR,
                              "ear.veraison.annotated-evidence": claims_of_tee}
                        for tee, claims_of_tee in submods.items()},
            "runtime_data_claims": {"tee-pubkey": tee_pubkey},
        }
        header = {"alg": "ES256", "typ": "JWT", "jwk": self.jwk}
        signing_input = (b64url_encode(json.dumps(header, separators=(",", ":")).encode())
                         + "." + b64url_encode(json.dumps(claims, separators=(",", ":")).encode()))
        r, s = decode_dss_signature(self.key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
        return signing_input + "." + b64url_encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def verify(self, token):
        """The claims of a token this server issued and that has not expired."""
        if not isinstance(token, str) or token.count(".") != 2 or len(token) > 65536:
            raise Unauthorized("token is not a JWT", name="TokenParseFailed")
        head_b64, claims_b64, sig_b64 = token.split(".")
        try:
            header = json.loads(b64url_decode(head_b64, "token header"))
            claims = json.loads(b64url_decode(claims_b64, "token claims"))
            sig = b64url_decode(sig_b64, "token signature")
        except Exception:
            raise Unauthorized("token is not a JWT", name="TokenParseFailed") from None
        if not isinstance(header, dict) or header.get("alg") != "ES256" or len(sig) != 64:
            raise Unauthorized("token is not ES256", name="TokenVerificationFailed")
        try:
            der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
            self.key.public_key().verify(der, (head_b64 + "." + claims_b64).encode("ascii"),
                                         ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise Unauthorized("token was not issued by this server", name="TokenVerificationFailed") from None
        if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int) \
                or claims["exp"] < time.time():
            raise Unauthorized("token expired", name="TokenExpired")
        return claims


def affirmed_tees(claims):
    """The TEE classes whose evidence the token affirms."""
    submods = claims.get("submods") if isinstance(claims, dict) else None
    if not isinstance(submods, dict):
        return set()
    return {tee for tee, sub in submods.items()
            if isinstance(sub, dict) and sub.get("ear.status") == "affirming"}
