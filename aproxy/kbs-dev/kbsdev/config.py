"""The development KBS's configuration file (JSON; docs/kbs-dev.md documents every
key).  Loaded once at start and checked whole: a bad file stops the server with
a message naming the key, rather than a server that refuses for unclear reasons."""

import hashlib
import json
import os
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

TEE_CLASSES = ("tpm", "sample", "emulated-snp", "snp")
RESOURCE_PATH = re.compile(r"^[A-Za-z0-9._-]{1,64}/[A-Za-z0-9._-]{1,64}/[A-Za-z0-9._-]{1,64}$")
COUNTER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
KNOWN_KEYS = {"session_timeout_s", "token_lifetime_s", "accept_sample", "accept_emulated",
              "emulated_psp_public_key", "tpm_report_data_size", "trusted_aks", "reference_values",
              "resources", "counters", "counter_file", "trust_platform_bound_ak", "trusted_ak_keys_dir",
              "max_trusted_ak_keys", "snp_ark", "snp_ask", "snp_asvk"}
# Trustee's tpm verifier reads at most this many *.pub files by default.
MAX_TRUSTED_AK_KEYS = 100


class ConfigError(Exception):
    pass


def _check(cond, what):
    if not cond:
        raise ConfigError(what)


class Policy:
    """What the verifiers and the resource handler consult."""

    def __init__(self, path):
        base = os.path.dirname(os.path.abspath(path))
        resolve = lambda p: p if os.path.isabs(p) else os.path.join(base, p)  # noqa: E731
        try:
            with open(path, "rb") as f:
                cfg = json.load(f)
        except (OSError, ValueError) as e:
            raise ConfigError(f"{path}: {e}") from None
        _check(isinstance(cfg, dict), "the file must hold a JSON object")
        unknown = set(cfg) - KNOWN_KEYS
        _check(not unknown, f"unknown keys {sorted(unknown)}")

        self.session_timeout_s = cfg.get("session_timeout_s", 300)
        self.token_lifetime_s = cfg.get("token_lifetime_s", 300)
        _check(isinstance(self.session_timeout_s, int) and self.session_timeout_s > 0, "session_timeout_s")
        _check(isinstance(self.token_lifetime_s, int) and self.token_lifetime_s > 0, "token_lifetime_s")
        self.accept_sample = cfg.get("accept_sample", False) is True
        self.accept_emulated = cfg.get("accept_emulated", False) is True
        self.trust_platform_bound_ak = cfg.get("trust_platform_bound_ak", False) is True
        # Trustee's tpm verifier pads the expected report data to 64 bytes
        self.tpm_report_data_size = cfg.get("tpm_report_data_size", 64)
        _check(self.tpm_report_data_size in (32, 64), "tpm_report_data_size must be 32 or 64")

        self.emulated_psp_key = None
        if self.accept_emulated:
            _check("emulated_psp_public_key" in cfg, "accept_emulated needs emulated_psp_public_key")
            key = _load_public_key(resolve(cfg["emulated_psp_public_key"]))
            _check(isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp384r1",
                   "emulated_psp_public_key must be an ECDSA P-384 public key")
            self.emulated_psp_key = key

        # Real SEV-SNP reports (kbsdev/snp.py): AMD's ARK and ASK (and ASVK
        # for VLEKs), as Trustee builds them in; without them snp is refused.
        self.snp_ark = self.snp_ask = self.snp_asvk = None
        if "snp_ark" in cfg or "snp_ask" in cfg:
            _check("snp_ark" in cfg and "snp_ask" in cfg, "snp_ark and snp_ask go together")
            self.snp_ark = _load_cert(resolve(cfg["snp_ark"]))
            self.snp_ask = _load_cert(resolve(cfg["snp_ask"]))
        if "snp_asvk" in cfg:
            _check(self.snp_ark is not None, "snp_asvk needs snp_ark and snp_ask")
            self.snp_asvk = _load_cert(resolve(cfg["snp_asvk"]))

        # Trustee registers AKs by the SHA-256 of their DER SubjectPublicKeyInfo.
        self.trusted_aks = set()
        for p in cfg.get("trusted_aks", []):
            der = _load_public_key(resolve(p)).public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            self.trusted_aks.add(hashlib.sha256(der).digest())
        # Trustee's way: a directory of PEM public keys named *.pub, read once
        # at start; a file that does not parse is skipped with a warning, as
        # Trustee does.  In this mode only those AKs are trusted: an AK that
        # the same attestation's platform report vouches for is not enough.
        self.trusted_ak_keys_dir = None
        self.ak_warnings = []
        if "trusted_ak_keys_dir" in cfg:
            _check(not self.trust_platform_bound_ak,
                   "trusted_ak_keys_dir (Trustee's fixed AK list) and trust_platform_bound_ak exclude each other")
            limit = cfg.get("max_trusted_ak_keys", MAX_TRUSTED_AK_KEYS)
            _check(isinstance(limit, int) and limit > 0, "max_trusted_ak_keys: a positive integer")
            self.trusted_ak_keys_dir = resolve(cfg["trusted_ak_keys_dir"])
            self.trusted_aks |= _load_ak_dir(self.trusted_ak_keys_dir, limit, self.ak_warnings)
        else:
            _check("max_trusted_ak_keys" not in cfg, "max_trusted_ak_keys needs trusted_ak_keys_dir")

        refs = cfg.get("reference_values", {})
        _check(isinstance(refs, dict) and set(refs) <= {"pcr", "snp_measurement"},
               "reference_values may hold only \"pcr\" and \"snp_measurement\"")
        self.pcr_reference = {}
        for index, values in refs.get("pcr", {}).items():
            _check(index.isdigit() and int(index) < 24 and isinstance(values, list) and values,
                   f"reference_values.pcr.{index}: a PCR 0..23 and a non-empty list")
            self.pcr_reference[int(index)] = {_hex(v, 32, f"reference_values.pcr.{index}") for v in values}
        self.snp_measurements = {_hex(v, 48, "reference_values.snp_measurement")
                                 for v in refs.get("snp_measurement", [])}

        self.resources = {}
        for name, res in cfg.get("resources", {}).items():
            _check(RESOURCE_PATH.match(name), f"resources.{name}: not <repository>/<type>/<tag>")
            _check(isinstance(res, dict), f"resources.{name}: an object")
            sources = [k for k in ("file", "hex", "text") if k in res]
            _check(len(sources) == 1, f"resources.{name}: exactly one of file, hex, text")
            if "file" in res:
                with open(resolve(res["file"]), "rb") as f:
                    value = f.read()
            elif "hex" in res:
                value = bytes.fromhex(res["hex"])
            else:
                value = res["text"].encode("utf-8")
            require = res.get("require", ["tpm"])
            _check(isinstance(require, list) and require and set(require) <= set(TEE_CLASSES),
                   f"resources.{name}.require: a non-empty list of {TEE_CLASSES}")
            self.resources[name] = (value, frozenset(require))

        self.counters = cfg.get("counters", {})
        for name, res in self.counters.items():
            _check(COUNTER_NAME.match(name), f"counters.{name}: [A-Za-z0-9._-]{{1,64}}")
            _check(res in self.resources, f"counters.{name}: names resource {res!r}, which is not configured")
        self.counter_file = resolve(cfg["counter_file"]) if "counter_file" in cfg else None
        _check(not self.counters or self.counter_file, "counters need a counter_file")


def _load_pem_or_der(path, load_pem, load_der, what):
    """The object load_pem or load_der (PEM when the file has a BEGIN line)
    makes of the file at path; a ConfigError naming what it should be."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ConfigError(f"{path}: {e}") from None
    try:
        return load_pem(data) if b"-----BEGIN" in data else load_der(data)
    except ValueError:
        raise ConfigError(f"{path}: not a PEM or DER {what}") from None


def _load_public_key(path):
    return _load_pem_or_der(path, serialization.load_pem_public_key, serialization.load_der_public_key,
                            "public key")


def _load_cert(path):
    from cryptography import x509
    return _load_pem_or_der(path, x509.load_pem_x509_certificate, x509.load_der_x509_certificate, "certificate")


def _load_ak_dir(path, limit, warnings):
    """SHA-256 of the DER SubjectPublicKeyInfo of each PEM key in path/*.pub
    (at most `limit` files, in name order)."""
    try:
        names = sorted(n for n in os.listdir(path) if n.endswith(".pub") and os.path.isfile(os.path.join(path, n)))
    except OSError as e:
        raise ConfigError(f"trusted_ak_keys_dir: {e}") from None
    hashes = set()
    for name in names[:limit]:
        try:
            with open(os.path.join(path, name), "rb") as f:
                key = serialization.load_pem_public_key(f.read())
        except (OSError, ValueError) as e:
            warnings.append(f"trusted_ak_keys_dir: skipping {name}: {e}")
            continue
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        hashes.add(hashlib.sha256(der).digest())
    return hashes


def _hex(value, size, what):
    try:
        data = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what}: {value!r} is not hex") from None
    _check(len(data) == size, f"{what}: {value!r} is not {size} bytes")
    return data
