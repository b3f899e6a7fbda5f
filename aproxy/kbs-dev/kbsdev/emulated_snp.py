"""The opt-in check of an EMULATED platform report: a report of SEV-SNP's
ATTESTATION_REPORT layout (AMD SEV-SNP ABI specification, "ATTESTATION_REPORT
Structure", 0x4A0 bytes, little-endian) signed by an emulated PSP whose ECDSA
P-384 public key the configuration names.  nutshell's host half (aproxy/host)
plays that PSP when QEMU has no SEV-SNP.  Such a report proves only what the
host says: this server accepts it only with `accept_emulated`, and every claim
and log line it leads to says `emulated`.

REPORT_DATA holds the SHA-384 binding in its first 48 bytes.  Its last 16 are
zero, or (with `trust_platform_bound_ak`) the first 16 bytes of SHA-256 of the
DER of the vTPM AK that the measured software created: the platform then vouches
for that AK, which the `tpm` verifier trusts within the same attestation.  With
`trusted_ak_keys_dir` instead, such bytes are ignored (AKs are trusted by the
list only).

HOST_DATA (0xC0, 32 bytes) is set at launch; when the attestation sends
init-data, it must be that init-data's digest (initdata.py), as Trustee's snp
verifier requires of the primary evidence.

The report is signed either by the emulated PSP key itself (a host half or VM
of aproxy schema version 1), or by an EMULATED VCEK made by the host half for
its run, whose certificate travels with the evidence as `cert_chain` in
Trustee's snp form ([{"cert_type": "VCEK", "data": [DER bytes]}], the one
VCEK or VLEK entry taken as Trustee's snp verifier takes it).  The
certificate must be issued by the emulated PSP key, name itself EMULATED, be
within its validity and hold a P-384 key; the report's signature must verify
with that key.  A report signed by the VCEK without its certificate fails
(the PSP key did not sign it), and so does any altered certificate."""

import datetime
import struct

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from . import initdata
from .cert_chain import endorsement, issued_by
from .codec import b64std_decode, member
from .problem import BadRequest, Unauthorized

REPORT_SIZE = 0x4A0
SIGNED_SIZE = 0x2A0            # the signature covers bytes 0x000..0x29F
OFF_VERSION = 0x00
OFF_GUEST_SVN = 0x04
OFF_POLICY = 0x08
OFF_VMPL = 0x30
OFF_SIG_ALGO = 0x34
OFF_REPORT_DATA = 0x50
OFF_MEASUREMENT = 0x90
OFF_HOST_DATA = 0xC0
OFF_CHIP_ID = 0x1A0
OFF_SIG_R = 0x2A0
OFF_SIG_S = 0x2E8
SIG_COMPONENT = 72             # r and s: 72 bytes each, little-endian, zero-padded
SIG_ALGO_ECDSA_P384_SHA384 = 1
EMULATED_MARKER = b"nutshell-emulated-psp"
REPORT_DATA_SIZE = 64
BOUND_DIGEST = 48              # the SHA-384 binding; the 16 bytes after it are spare
EMULATED_VCEK_MARK = "EMULATED"


def _emulated_vcek_key(der, policy):
    """The public key of an EMULATED VCEK certificate issued by the emulated PSP."""
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        raise Unauthorized("cert_chain: the VCEK is not a DER X.509 certificate") from None
    if not issued_by(cert, policy.emulated_psp_key):
        raise Unauthorized("cert_chain: the VCEK certificate is not issued by the emulated PSP key")
    names = [a.value for a in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    if len(names) != 1 or EMULATED_VCEK_MARK not in names[0]:
        raise Unauthorized("cert_chain: the VCEK certificate does not name itself EMULATED")
    utc = datetime.timezone.utc
    now = datetime.datetime.now(utc)
    before = getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=utc)
    after = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=utc)
    if not before <= now <= after:
        raise Unauthorized("cert_chain: the emulated VCEK certificate is not valid now")
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp384r1":
        raise Unauthorized("cert_chain: the emulated VCEK's key is not ECDSA P-384")
    return key


def report_signature_der(report):
    r = int.from_bytes(report[OFF_SIG_R:OFF_SIG_R + SIG_COMPONENT], "little")
    s = int.from_bytes(report[OFF_SIG_S:OFF_SIG_S + SIG_COMPONENT], "little")
    return encode_dss_signature(r, s)


def verify(evidence, report_data, policy, init_data=None):
    """Checks emulated platform evidence (and, given init-data, its HOST_DATA
    binding); returns its claims."""
    if not policy.accept_emulated:
        raise Unauthorized("emulated platform evidence is not accepted (accept_emulated is off)")
    if member(evidence, "emulated", bool, "emulated-snp evidence") is not True:
        raise BadRequest("emulated-snp evidence: \"emulated\" must be true")
    report = b64std_decode(member(evidence, "report", str, "emulated-snp evidence"), "report")
    if len(report) != REPORT_SIZE:
        raise BadRequest(f"report: {len(report)} bytes, expected {REPORT_SIZE}")
    if report[OFF_CHIP_ID:OFF_CHIP_ID + 64] != EMULATED_MARKER.ljust(64, b"\0"):
        raise Unauthorized("report's chip id is not the emulated PSP's marker")
    version, = struct.unpack_from("<I", report, OFF_VERSION)
    sig_algo, = struct.unpack_from("<I", report, OFF_SIG_ALGO)
    if version not in (2, 3) or sig_algo != SIG_ALGO_ECDSA_P384_SHA384:
        raise Unauthorized(f"report version {version} / signature algorithm {sig_algo} unsupported")
    chain = evidence.get("cert_chain")
    signer, signer_name = policy.emulated_psp_key, "the emulated PSP key"
    if chain is not None:
        signer, signer_name = _emulated_vcek_key(endorsement(chain)[1], policy), "the emulated VCEK"
    try:
        signer.verify(report_signature_der(report), report[:SIGNED_SIZE], ec.ECDSA(hashes.SHA384()))
    except (InvalidSignature, ValueError):
        raise Unauthorized(f"report signature does not verify with {signer_name}"
                           f"{'' if chain is not None else ' (no cert_chain)'}") from None
    data = report[OFF_REPORT_DATA:OFF_REPORT_DATA + REPORT_DATA_SIZE]
    spare = data[BOUND_DIGEST:]
    if data[:BOUND_DIGEST] != report_data:
        raise Unauthorized("report data is not the hash of this session's runtime data")
    # With Trustee's fixed AK list (trusted_ak_keys_dir) a binding is
    # ignored rather than refused: it grants nothing there, and the VM cannot
    # know which way the KBS trusts AKs.  Otherwise it is refused unless the
    # option that gives it meaning is on.
    bound = any(spare) and policy.trust_platform_bound_ak
    if any(spare) and not policy.trust_platform_bound_ak and not policy.trusted_ak_keys_dir:
        raise Unauthorized("report data's last 16 bytes are not zero (an AK binding, and "
                           "trust_platform_bound_ak is off)")
    measurement = report[OFF_MEASUREMENT:OFF_MEASUREMENT + 48]
    if measurement not in policy.snp_measurements:
        raise Unauthorized(f"launch measurement {measurement.hex()} is not a reference value")
    host_data = report[OFF_HOST_DATA:OFF_HOST_DATA + initdata.HOST_DATA_SIZE]
    if init_data is not None:
        want = initdata.host_data(init_data)
        if host_data != want:
            raise Unauthorized(f"HOST_DATA {host_data.hex()} is not the digest of the init-data sent "
                               f"({want.hex()}): the VM was launched for other init-data")
    return {"emulated": True,
            "signed_by": "emulated VCEK" if chain is not None else "emulated PSP key",
            "measurement": measurement.hex(),
            "report_data": data.hex(),
            # SHA-256(AK DER)[:16] of a vTPM AK this platform vouches for, if any.
            "ak_binding": spare.hex() if bound else None,
            "host_data": host_data.hex(),
            # whether HOST_DATA was checked against the init-data sent
            "init_data_bound": init_data is not None,
            "guest_svn": struct.unpack_from("<I", report, OFF_GUEST_SVN)[0],
            "policy": struct.unpack_from("<Q", report, OFF_POLICY)[0],
            "vmpl": struct.unpack_from("<I", report, OFF_VMPL)[0]}
