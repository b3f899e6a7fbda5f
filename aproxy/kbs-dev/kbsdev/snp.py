"""Trustee's `snp` evidence for a report from SEV-SNP hardware, checked when the
configuration gives AMD's certificates (`snp_ark`, `snp_ask`, optionally
`snp_asvk`): the same checks as Trustee's snp verifier (deps/verifier/src/snp),
on the evidence aproxy-host sends (aproxy/common/snp_evidence.c):

    {"attestation_report": <virtee/sev's AttestationReport as serde_json writes it>,
     "cert_chain": [{"cert_type": "VCEK" | "VLEK", "data": [DER bytes]}, ...]}

- the endorsement key is the chain's one VCEK or VLEK (the VM carried it from
  the hypervisor's certificate table, or the operator gave aproxy-host
  --snp-vcek); without one the evidence is refused: this server does not fetch
  it from AMD's key distribution service as Trustee does;
- VCEK: ARK self-signed, ASK issued by the ARK, VCEK issued by the ASK (VLEK:
  the ASVK in the ASK's place); a VCEK's hwID extension equals the report's
  chip id, and its TCB extensions (boot loader, TEE, SNP, microcode SPLs) equal
  the report's reported TCB;
- the report's ECDSA P-384 signature over bytes 0..0x29F verifies with the
  endorsement key; version 2 or 3, VMPL 0; report data equals the binding
  zero-filled to 64 bytes; the launch measurement is a reference value
  (`reference_values.snp_measurement`); with init-data, HOST_DATA is its
  digest (initdata.py).

Not done (Trustee does not either, or it is out of scope here): CRLs, the
report's policy bits, the Turin TCB layout (fmc)."""

import struct

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from . import initdata
from .cert_chain import endorsement, issued_by
from .codec import member
from .problem import BadRequest, Unauthorized

REPORT_SIZE = 0x4A0
SIGNED_SIZE = 0x2A0
# (name, offset, size, kind) in layout order, under virtee/sev's member names;
# the u32 at 0x48 is `_author_key_en` in older revisions, `key_info` in later.
NUM, BYTES, TCB, SIG = range(4)
FIELDS = [("version", 0x00, 4, NUM), ("guest_svn", 0x04, 4, NUM), ("policy", 0x08, 8, NUM),
          ("family_id", 0x10, 16, BYTES), ("image_id", 0x20, 16, BYTES), ("vmpl", 0x30, 4, NUM),
          ("sig_algo", 0x34, 4, NUM), ("current_tcb", 0x38, 8, TCB), ("plat_info", 0x40, 8, NUM),
          ("key_info", 0x48, 4, NUM), ("_reserved_0", 0x4C, 4, NUM), ("report_data", 0x50, 64, BYTES),
          ("measurement", 0x90, 48, BYTES), ("host_data", 0xC0, 32, BYTES), ("id_key_digest", 0xE0, 48, BYTES),
          ("author_key_digest", 0x110, 48, BYTES), ("report_id", 0x140, 32, BYTES),
          ("report_id_ma", 0x160, 32, BYTES), ("reported_tcb", 0x180, 8, TCB), ("_reserved_1", 0x188, 24, BYTES),
          ("chip_id", 0x1A0, 64, BYTES), ("committed_tcb", 0x1E0, 8, TCB), ("current_build", 0x1E8, 1, NUM),
          ("current_minor", 0x1E9, 1, NUM), ("current_major", 0x1EA, 1, NUM), ("_reserved_2", 0x1EB, 1, NUM),
          ("committed_build", 0x1EC, 1, NUM), ("committed_minor", 0x1ED, 1, NUM),
          ("committed_major", 0x1EE, 1, NUM), ("_reserved_3", 0x1EF, 1, NUM), ("launch_tcb", 0x1F0, 8, TCB),
          ("_reserved_4", 0x1F8, 168, BYTES), ("signature", 0x2A0, 512, SIG)]
KEY_INFO_NAMES = ("key_info", "_author_key_en")
HW_ID_OID = x509.ObjectIdentifier("1.3.6.1.4.1.3704.1.4")
TCB_OIDS = {"bootloader": "1.3.6.1.4.1.3704.1.3.1", "tee": "1.3.6.1.4.1.3704.1.3.2",
            "snp": "1.3.6.1.4.1.3704.1.3.3", "microcode": "1.3.6.1.4.1.3704.1.3.8"}
TCB_BYTES = {"bootloader": 0, "tee": 1, "snp": 6, "microcode": 7}   # TCB_VERSION, pre-Turin layout


def _num(obj, name, size, where):
    value = member(obj, name, int, where)
    if not 0 <= value < 1 << (8 * size):
        raise BadRequest(f"{where}.{name}: out of range")
    return value.to_bytes(size, "little")


def _bytes(obj, name, size, where):
    value = member(obj, name, list, where)
    if len(value) != size or not all(type(b) is int and 0 <= b <= 255 for b in value):
        raise BadRequest(f"{where}.{name}: {size} byte values")
    return bytes(value)


def _tcb(obj, where):
    if obj.get("fmc") is not None:
        raise BadRequest(f"{where}: a Turin TCB (fmc) is not read by this server")
    out = bytearray(8)
    for name, at in TCB_BYTES.items():
        out[at:at + 1] = _num(obj, name, 1, where)
    if "_reserved" in obj:
        out[2:6] = _bytes(obj, "_reserved", 4, where)
    return bytes(out)


def report_bytes(report):
    """The 0x4A0 bytes a serde_json AttestationReport stands for (bincode's
    serialization of the struct, which Trustee verifies the signature over)."""
    if not isinstance(report, dict):
        raise BadRequest("attestation_report: not an object")
    out = bytearray(REPORT_SIZE)
    for name, off, size, kind in FIELDS:
        where = "attestation_report"
        if name == "key_info":
            names = [n for n in KEY_INFO_NAMES if n in report]
            if not names:
                raise BadRequest("attestation_report: missing \"key_info\"")
            values = {_num(report, n, 4, where) for n in names}
            if len(values) != 1:
                raise BadRequest("attestation_report: key_info and _author_key_en differ")
            out[off:off + size] = values.pop()
        elif kind == NUM:
            out[off:off + size] = _num(report, name, size, where)
        elif kind == BYTES:
            out[off:off + size] = _bytes(report, name, size, where)
        elif kind == TCB:
            out[off:off + size] = _tcb(member(report, name, dict, where), f"{where}.{name}")
        else:
            sig = member(report, name, dict, where)
            out[off:off + 72] = _bytes(sig, "r", 72, f"{where}.signature")
            out[off + 72:off + 144] = _bytes(sig, "s", 72, f"{where}.signature")
            if "_reserved" in sig:
                out[off + 144:off + 512] = _bytes(sig, "_reserved", 368, f"{where}.signature")
    return bytes(out)


def _ext_int(cert, oid):
    """A small DER INTEGER extension's value (AMD's SPL extensions), or None."""
    try:
        raw = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid)).value.value
    except (x509.ExtensionNotFound, AttributeError):
        return None
    if len(raw) < 3 or raw[0] != 0x02 or raw[1] != len(raw) - 2 or raw[1] > 2:
        return None
    return int.from_bytes(raw[2:], "big")


def _ext_hwid(cert):
    try:
        raw = cert.extensions.get_extension_for_oid(HW_ID_OID).value.value
    except (x509.ExtensionNotFound, AttributeError):
        return None
    if len(raw) == 64:              # older VCEKs: the raw 64 bytes
        return raw
    if len(raw) == 66 and raw[0] == 0x04 and raw[1] == 64:
        return raw[2:]              # a DER OCTET STRING
    return None


def _common_name(cert):
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return names[0].value if len(names) == 1 else None


def _check_chain(kind, der, policy):
    try:
        ek = x509.load_der_x509_certificate(der)
    except ValueError:
        raise Unauthorized(f"cert_chain: the {kind} is not a DER X.509 certificate") from None
    signer = policy.snp_ask if kind == "VCEK" else policy.snp_asvk
    if signer is None:
        raise Unauthorized(f"a {kind} needs snp_asvk in this server's configuration")
    if not (issued_by(policy.snp_ark, policy.snp_ark.public_key()) and
            issued_by(signer, policy.snp_ark.public_key()) and issued_by(ek, signer.public_key())):
        raise Unauthorized(f"cert_chain: the {kind} does not chain to the configured AMD ARK")
    return ek


def verify(evidence, report_data, policy, init_data=None):
    """Checks snp evidence (and, with init-data, HOST_DATA); returns its claims."""
    if policy.snp_ark is None:
        raise Unauthorized("snp evidence is not verified by this server (no snp_ark/snp_ask configured)")
    if not isinstance(evidence, dict) or set(evidence) != {"attestation_report", "cert_chain"}:
        raise BadRequest("snp evidence: exactly attestation_report and cert_chain")
    report = report_bytes(evidence["attestation_report"])
    if not evidence["cert_chain"]:
        raise Unauthorized("snp evidence without a VCEK or VLEK: this development server does not fetch it "
                           "from AMD (give aproxy-host --snp-vcek, or a host that provides the certificate table)")
    kind, der = endorsement(evidence["cert_chain"])
    ek = _check_chain(kind, der, policy)
    if _common_name(ek) == "VCEK" and _ext_hwid(ek) != report[0x1A0:0x1E0]:
        raise Unauthorized("the VCEK's hwID is not the report's chip id")
    for name, oid in TCB_OIDS.items():
        if _ext_int(ek, oid) != report[0x180 + TCB_BYTES[name]]:
            raise Unauthorized(f"the {kind}'s {name} SPL is not the report's reported TCB")
    key = ek.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp384r1":
        raise Unauthorized(f"the {kind}'s key is not ECDSA P-384")
    sig = encode_dss_signature(int.from_bytes(report[0x2A0:0x2E8], "little"),
                               int.from_bytes(report[0x2E8:0x330], "little"))
    try:
        key.verify(sig, report[:SIGNED_SIZE], ec.ECDSA(hashes.SHA384()))
    except (InvalidSignature, ValueError):
        raise Unauthorized(f"report signature does not verify with the {kind}") from None
    version, vmpl = struct.unpack_from("<I", report, 0)[0], struct.unpack_from("<I", report, 0x30)[0]
    if not 2 <= version <= 3:
        raise Unauthorized(f"report version {version} (2 or 3 accepted)")
    if vmpl != 0:
        raise Unauthorized("VMPL check failed (not 0)")
    if report[0x50:0x90] != report_data.ljust(64, b"\0"):
        raise Unauthorized("report data is not the hash of this session's runtime data")
    measurement = report[0x90:0xC0]
    if measurement not in policy.snp_measurements:
        raise Unauthorized(f"launch measurement {measurement.hex()} is not a reference value")
    if init_data is not None and report[0xC0:0xE0] != initdata.host_data(init_data):
        raise Unauthorized("HOST_DATA is not the digest of the init-data sent (Trustee: Host Data Mismatch)")
    return {"measurement": measurement.hex(), "report_data": report[0x50:0x90].hex(),
            "host_data": report[0xC0:0xE0].hex(), "chip_id": report[0x1A0:0x1E0].hex(),
            "reported_tcb": report[0x180:0x188].hex(), "endorsement_key": kind}
