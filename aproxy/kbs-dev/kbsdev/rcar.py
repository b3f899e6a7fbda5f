"""Trustee's RCAR handshake (Request, Challenge, Attestation, Response), protocol
0.4.0 exactly as kbs/src/attestation/backend.rs serves it: sessions keyed by the
`kbs-session-id` cookie, a fresh 32-byte nonce per session, the runtime-data
binding by SHA-384 of its canonical JSON, and the token that opens resources."""

import base64
import hashlib
import json
import os
import secrets
import threading
import time

from . import emulated_snp, sample, snp, tpm
from .codec import canonical_json, member
from .problem import BadRequest, Forbidden, NotFound, Unauthorized
from .jwe import parse_tee_pubkey, wrap
from .ear import affirmed_tees

PROTOCOL_VERSION = "0.4.0"
NONCE_BYTES = 32
MAX_SESSIONS = 4096
# Each verifier: (evidence, report data, init-data, policy, claims verified so far) -> claims.
VERIFIERS = {"tpm": lambda ev, rd, init, pol, done: tpm.verify(
                 ev, rd, init, pol, platform_bound_aks(done) if pol.trust_platform_bound_ak else frozenset()),
             "sample": lambda ev, rd, init, pol, done: sample.verify(ev, rd, pol),
             "emulated-snp": lambda ev, rd, init, pol, done: emulated_snp.verify(ev, rd, pol, init),
             "snp": lambda ev, rd, init, pol, done: snp.verify(ev, rd, pol, init)}
# Platform evidence is verified before the tpm quote that may rely on its AK binding.
VERIFY_ORDER = {"emulated-snp": 0, "snp": 0, "sample": 1, "tpm": 2}


def platform_bound_aks(done):
    binding = done.get("emulated-snp", {}).get("ak_binding")
    return frozenset([bytes.fromhex(binding)]) if binding else frozenset()


def report_data(runtime_data):
    """What a TEE's report data must hold for this runtime data (Trustee: SHA-384
    of the canonical JSON for every TEE but IBM SE)."""
    return hashlib.sha384(canonical_json(runtime_data)).digest()


class Sessions:
    """The RCAR sessions.  The lock protects `by_id` (the handler threads share it)."""

    def __init__(self, timeout_s):
        self.timeout_s = timeout_s
        self.lock = threading.Lock()
        self.by_id = {}

    def new(self, tee):
        sid = secrets.token_hex(16)
        now = time.monotonic()
        session = {"id": sid, "tee": tee, "nonce": base64.b64encode(os.urandom(NONCE_BYTES)).decode(),
                   "expires": now + self.timeout_s, "token": None}
        with self.lock:
            for old in [k for k, s in self.by_id.items() if s["expires"] < now]:
                del self.by_id[old]
            if len(self.by_id) >= MAX_SESSIONS:
                raise Unauthorized("too many open sessions; retry later", name="SessionLimit")
            self.by_id[sid] = session
        return session

    def get(self, sid):
        with self.lock:
            session = self.by_id.get(sid)
            if session is None or session["expires"] < time.monotonic():
                self.by_id.pop(sid, None)
                raise Unauthorized("no such session (unknown, expired or never opened)", name="SessionNotFound")
            return session


class Rcar:
    def __init__(self, policy, signer, log):
        self.policy, self.signer, self.log = policy, signer, log
        self.sessions = Sessions(policy.session_timeout_s)

    def auth(self, body):
        """POST /kbs/v0/auth -> (session, challenge JSON)."""
        version = member(body, "version", str, "auth request")
        tee = member(body, "tee", str, "auth request")
        if version != PROTOCOL_VERSION:
            raise Unauthorized(f"KBS Client Protocol Version Mismatch: expect ={PROTOCOL_VERSION} "
                               f"while the request is {version}", name="RcarAuthFailed")
        if tee not in VERIFIERS:
            raise Unauthorized(f"tee {tee!r} is not verified by this server", name="RcarAuthFailed")
        session = self.sessions.new(tee)
        return session, {"nonce": session["nonce"], "extra-params": ""}

    def attest(self, sid, body):
        """POST /kbs/v0/attest -> (session, {"token": ...})."""
        session = self.sessions.get(sid)
        if session["token"] is not None:
            # Trustee answers an attested session's repeat with the token it already
            # issued (bound to the first request's tee-pubkey), verifying nothing new.
            return session, {"token": session["token"]}
        runtime = member(body, "runtime-data", dict, "attestation")
        nonce = member(runtime, "nonce", str, "runtime-data")
        tee_pubkey = member(runtime, "tee-pubkey", dict, "runtime-data")
        parse_tee_pubkey(tee_pubkey)
        evidence = member(body, "tee-evidence", dict, "attestation")
        primary = member(evidence, "primary_evidence", dict, "tee-evidence")
        additional_text = evidence.get("additional_evidence", "")
        if not isinstance(additional_text, str):
            raise BadRequest("tee-evidence.additional_evidence: must be a JSON string")
        init_data = None
        if body.get("init-data") is not None:
            init = member(body, "init-data", dict, "attestation")
            if member(init, "format", str, "init-data") != "toml":
                raise BadRequest("init-data: only format \"toml\"")
            init_data = member(init, "body", str, "init-data")
        if nonce != session["nonce"]:
            raise Unauthorized("the nonce is not this session's challenge", name="RcarAttestFailed")

        # The primary evidence binds the additional evidence too; each additional
        # evidence binds only the nonce and the key (backend.rs).
        bound = {"nonce": nonce, "tee-pubkey": tee_pubkey}
        to_verify = [(session["tee"], primary, dict(bound, **{"additional-evidence": additional_text}), init_data)]
        if additional_text:
            try:
                additional = json.loads(additional_text)
            except ValueError as e:
                raise BadRequest(f"additional_evidence: not JSON ({e})") from None
            if not isinstance(additional, dict):
                raise BadRequest("additional_evidence: not a JSON object of {tee: evidence}")
            for tee, ev in additional.items():
                if tee not in VERIFIERS or not isinstance(ev, dict):
                    raise Unauthorized(f"additional evidence of tee {tee!r} cannot be verified",
                                       name="RcarAttestFailed")
                to_verify.append((tee, ev, bound, None))

        if len({tee for tee, _, _, _ in to_verify}) != len(to_verify):
            raise BadRequest("evidence of one tee given twice")
        submods = {}
        for tee, ev, runtime_data, init in sorted(to_verify, key=lambda v: VERIFY_ORDER[v[0]]):
            try:
                submods[tee] = VERIFIERS[tee](ev, report_data(runtime_data), init, self.policy, submods)
            except Unauthorized as e:
                self.log(f"attest: session {sid[:8]}: {tee}{' (EMULATED)' if tee == 'emulated-snp' else ''}"
                         f" evidence refused: {e.detail}")
                raise Unauthorized(f"{tee} evidence: {e.detail}", name="RcarAttestFailed") from None
        token = self.signer.issue(submods, tee_pubkey)
        with self.sessions.lock:
            session["token"] = token
        self.log(f"attest: session {sid[:8]}: affirmed {sorted(submods)}"
                 f"{' (EMULATED platform evidence)' if 'emulated-snp' in submods else ''}"
                 f"{'; init-data bound in HOST_DATA' if submods.get('emulated-snp', {}).get('init_data_bound') else ''}")
        return session, {"token": token}

    def token_claims(self, sid, bearer):
        """The claims of the caller's token: a Bearer token, else the session's."""
        if bearer is not None:
            return self.signer.verify(bearer)
        if sid is None:
            raise Unauthorized("no kbs-session-id cookie and no Bearer token", name="TokenNotFound")
        session = self.sessions.get(sid)
        if session["token"] is None:
            raise Unauthorized("the session has not attested", name="TokenNotFound")
        return self.signer.verify(session["token"])

    def authorize(self, claims, resource_path):
        """The resource's value if the token's affirmed evidence satisfies its policy."""
        if resource_path not in self.policy.resources:
            raise NotFound(f"no resource {resource_path}")
        value, require = self.policy.resources[resource_path]
        missing = require - affirmed_tees(claims)
        if missing:
            raise Forbidden(f"{resource_path} needs affirmed {sorted(missing)} evidence")
        return value

    def resource(self, claims, resource_path):
        """GET /kbs/v0/resource/... -> the flattened JWE."""
        value = self.authorize(claims, resource_path)
        jwk = claims.get("runtime_data_claims", {}).get("tee-pubkey")
        self.log(f"resource: {resource_path} released, wrapped to the attested tee-pubkey")
        return wrap(jwk, value)
