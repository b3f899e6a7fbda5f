"""Trustee's `cert_chain` of SEV-SNP evidence: virtee/sev's Vec<CertTableEntry>
as serde_json writes it, [{"cert_type": "VCEK" | "VLEK" | "ASK" | "ARK" | ...,
"data": [DER bytes as numbers]}].  Like Trustee's snp verifier
(deps/verifier/src/snp, verify_cert_chain), the one VCEK or VLEK entry is the
endorsement key; other entries are ignored.  Bounded as aproxy's certificate
table is (8 entries, 16 KiB a certificate)."""

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .problem import BadRequest, Unauthorized

CHAIN_MAX_ENTRIES = 8          # aproxy's CERT_TABLE_ENTRIES_MAX
CERT_MAX = 16384               # Linux's SEV_FW_BLOB_MAX_SIZE
ENDORSEMENT_TYPES = ("VCEK", "VLEK")


def endorsement(chain):
    """(type, DER) of the one VCEK or VLEK entry of a cert_chain."""
    if not isinstance(chain, list) or not 1 <= len(chain) <= CHAIN_MAX_ENTRIES:
        raise BadRequest(f"cert_chain: a list of 1 to {CHAIN_MAX_ENTRIES} entries")
    found = []
    for i, entry in enumerate(chain):
        if not isinstance(entry, dict) or set(entry) != {"cert_type", "data"}:
            raise BadRequest(f"cert_chain[{i}]: an object of cert_type and data")
        data = entry["data"]
        if (not isinstance(data, list) or not 1 <= len(data) <= CERT_MAX
                or not all(type(b) is int and 0 <= b <= 255 for b in data)):
            raise BadRequest(f"cert_chain[{i}].data: 1 to {CERT_MAX} byte values")
        if entry["cert_type"] in ENDORSEMENT_TYPES:
            found.append((entry["cert_type"], bytes(data)))
    if len(found) != 1:
        raise Unauthorized("cert_chain: not exactly one VCEK or VLEK entry")
    return found[0]


def _rsa_padding(cert):
    """(padding, hash) of an RSA certificate signature.  RSASSA-PSS: the hash its
    parameters name, or, where this cryptography cannot read them (before
    41), SHA-384, which AMD's ARK and ASK use; the salt length as signed."""
    if cert.signature_algorithm_oid != x509.SignatureAlgorithmOID.RSASSA_PSS:
        return padding.PKCS1v15(), cert.signature_hash_algorithm
    try:
        digest = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        digest = hashes.SHA384()
    return padding.PSS(mgf=padding.MGF1(digest), salt_length=padding.PSS.AUTO), digest


def issued_by(cert, issuer_key):
    """True if issuer_key's signature over cert verifies (ECDSA, or RSA with the
    certificate's own padding: AMD's ARK and ASK sign with RSASSA-PSS)."""
    try:
        if isinstance(issuer_key, ec.EllipticCurvePublicKey):
            issuer_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(issuer_key, rsa.RSAPublicKey):
            pad, digest = _rsa_padding(cert)
            issuer_key.verify(cert.signature, cert.tbs_certificate_bytes, pad, digest)
        else:
            return False
    except Exception:  # noqa: BLE001 - any failure to verify is "not issued by"
        return False
    return True
