"""A Trustee KBS 0.4.0 client and evidence makers for testing nutshell's
development KBS on the host: an RCAR session over http.client, the runtime-data
binding computed independently of the server (canonical JSON, SHA-384), a JWE
unwrapper, an emulated PSP that signs SNP-shaped reports, and `tpm` evidence
from a real TPM (swtpm) through tpm2-tools."""

import base64
import hashlib
import http.client
import json
import os
import struct
import subprocess

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64(data):
    return base64.b64encode(data).decode()


class TeeKey:
    """The ephemeral key a TEE sends as `tee-pubkey` and unwraps resources with."""

    def __init__(self, kind="EC"):
        self.kind = kind
        if kind == "EC":
            self.key = ec.generate_private_key(ec.SECP256R1())
            n = self.key.public_key().public_numbers()
            self.jwk = {"alg": "ECDH-ES+A256KW", "crv": "P-256", "kty": "EC",
                        "x": b64u(n.x.to_bytes(32, "big")), "y": b64u(n.y.to_bytes(32, "big"))}
        else:
            self.key = rsa.generate_private_key(65537, 2048)
            n = self.key.public_key().public_numbers()
            self.jwk = {"alg": "RSA-OAEP-256", "kty": "RSA",
                        "n": b64u(n.n.to_bytes(256, "big")), "e": b64u(n.e.to_bytes(3, "big"))}

    def unwrap(self, jwe):
        header = json.loads(unb64u(jwe["protected"]))
        assert header["enc"] == "A256GCM"
        if header["alg"] == "ECDH-ES+A256KW":
            epk = header["epk"]
            peer = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b"\x04" + unb64u(epk["x"]) + unb64u(epk["y"]))
            z = self.key.exchange(ec.ECDH(), peer)
            alg = b"ECDH-ES+A256KW"
            kek = hashlib.sha256(struct.pack(">I", 1) + z + struct.pack(">I", len(alg)) + alg
                                 + struct.pack(">III", 0, 0, 256)).digest()
            cek = aes_key_unwrap(kek, unb64u(jwe["encrypted_key"]))
        else:
            cek = self.key.decrypt(unb64u(jwe["encrypted_key"]),
                                   padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
        return AESGCM(cek).decrypt(unb64u(jwe["iv"]), unb64u(jwe["ciphertext"]) + unb64u(jwe["tag"]),
                                   jwe["protected"].encode())


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


class Kbs:
    """One client; it keeps the session cookie as a browser would."""

    def __init__(self, port):
        self.port = port
        self.cookie = None
        self.token = None

    def request(self, method, path, body=None, raw=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = dict(headers or {})
        if self.cookie and "Cookie" not in hdrs:
            hdrs["Cookie"] = f"kbs-session-id={self.cookie}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie" and value.startswith("kbs-session-id="):
                self.cookie = value.split(";")[0].split("=", 1)[1]
        conn.close()
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = None
        return resp.status, parsed, dict((k.lower(), v) for k, v in resp.getheaders())

    def auth(self, tee, version="0.4.0"):
        status, body, _ = self.request("POST", "/kbs/v0/auth", {"version": version, "tee": tee, "extra-params": ""})
        return status, body

    def attest(self, runtime, primary, additional="", init_data=None):
        msg = {"runtime-data": runtime,
               "tee-evidence": {"primary_evidence": primary, "additional_evidence": additional}}
        if init_data is not None:
            msg["init-data"] = {"format": "toml", "body": init_data}
        status, body, _ = self.request("POST", "/kbs/v0/attest", msg)
        if status == 200:
            self.token = body["token"]
        return status, body

    def resource(self, path, bearer=None, use_cookie=True):
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        if not use_cookie:
            headers["Cookie"] = ""
        status, body, _ = self.request("GET", f"/kbs/v0/resource/{path}", headers=headers)
        return status, body


def report_data_for(runtime, additional, primary=True):
    """SHA-384 of the canonical runtime data, the primary's including the additional evidence."""
    bound = dict(runtime)
    if primary:
        bound["additional-evidence"] = additional
    return hashlib.sha384(canonical(bound)).digest()


# --- the emulated PSP -------------------------------------------------------------------

SNP_REPORT_SIZE = 0x4A0


def emulated_report(psp_key, report_data, measurement, marker=b"nutshell-emulated-psp", host_data=bytes(32)):
    body = bytearray(SNP_REPORT_SIZE)
    struct.pack_into("<I", body, 0x00, 2)            # version
    struct.pack_into("<I", body, 0x04, 1)            # guest_svn
    struct.pack_into("<Q", body, 0x08, 0x30000)      # policy: SMT allowed, reserved bit 17
    struct.pack_into("<I", body, 0x34, 1)            # ECDSA P-384 with SHA-384
    body[0x50:0x90] = report_data.ljust(64, b"\0")
    body[0x90:0xC0] = measurement
    body[0xC0:0xE0] = host_data                      # HOST_DATA, from the launch
    body[0x1A0:0x1E0] = marker.ljust(64, b"\0")
    r, s = decode_dss_signature(psp_key.sign(bytes(body[:0x2A0]), ec.ECDSA(hashes.SHA384())))
    body[0x2A0:0x2E8] = r.to_bytes(72, "little")
    body[0x2E8:0x330] = s.to_bytes(72, "little")
    return {"emulated": True, "report": b64(bytes(body))}


def emulated_vcek(issuer_key, cn="nutshell EMULATED VCEK (not AMD)", valid_days=30, age_days=0):
    """A P-384 key and its certificate (DER) issued by issuer_key, as aproxy-host's
    emulated PSP makes its per-run VCEK."""
    from cryptography import x509
    import datetime
    key = ec.generate_private_key(ec.SECP384R1())
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=age_days)
    name = lambda text: x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, text)])  # noqa: E731
    cert = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name("nutshell EMULATED PSP (not AMD)"))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=valid_days))
            .sign(issuer_key, hashes.SHA384()))
    return key, cert.public_bytes(serialization.Encoding.DER)


class AmdLikeChain:
    """An ARK (self-signed) and an ASK it issues, RSA signing with RSASSA-PSS and
    SHA-384 as AMD's do, and VCEKs the ASK issues (P-384, CN=VCEK, AMD's hwID and
    TCB SPL extensions): the shape of AMD's chain, made with openssl's command
    line (Debian's python3-cryptography cannot sign with PSS) in workdir,
    because no real chain (nor SEV-SNP hardware) is available here."""

    PSS = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:48", "-sha384"]

    def __init__(self, workdir):
        self.dir = workdir
        self.n = 0
        self.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ark.key", "-out", "ark.pem",
                     "-subj", "/CN=ARK-Milan", "-days", "2", *self.PSS)
        self.ask_key = self.issue("ask", "SEV-Milan", "rsa", "ark", "basicConstraints=critical,CA:true\n")
        self.ark = self.read("ark.pem")
        self.ask = self.read("ask.pem")

    def openssl(self, *args):
        subprocess.run(["openssl", *args], cwd=self.dir, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    def read(self, name):
        with open(os.path.join(self.dir, name), "rb") as f:
            return f.read()

    def issue(self, name, cn, kind, issuer, ext):
        """name.key (rsa or P-384) and name.pem, its certificate by issuer (a name)."""
        with open(os.path.join(self.dir, name + ".ext"), "w") as f:
            f.write(ext)
        newkey = ["-newkey", "rsa:2048"] if kind == "rsa" else ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]
        self.openssl("req", "-new", *newkey, "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                     "-subj", f"/CN={cn}")
        self.openssl("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
                     "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext", *self.PSS)
        return name + ".key"

    def vcek(self, chip_id, tcb, issuer="ask"):
        """(key, DER) of a VCEK for chip_id and tcb {bootloader, tee, snp, microcode}."""
        self.n += 1
        name = f"vcek{self.n}"
        spl = {"bootloader": "1", "tee": "2", "snp": "3", "microcode": "8"}
        ext = f"1.3.6.1.4.1.3704.1.4=DER:04:40:{':'.join(f'{b:02x}' for b in chip_id)}\n"
        ext += "".join(f"1.3.6.1.4.1.3704.1.3.{spl[k]}=DER:02:01:{tcb[k]:02x}\n" for k in spl)
        self.issue(name, "VCEK", "ec", issuer, ext)
        key = serialization.load_pem_private_key(self.read(name + ".key"), None)
        from cryptography import x509
        der = x509.load_pem_x509_certificate(self.read(name + ".pem")).public_bytes(serialization.Encoding.DER)
        return key, der

    def other_issuer(self):
        """An ASK of the same name that the ARK did not issue (self-signed)."""
        self.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out", "rogue.pem",
                     "-subj", "/CN=SEV-Milan", "-days", "2", *self.PSS)
        return "rogue"


def snp_report(vcek_key, report_data, measurement, chip_id, tcb):
    """A version-3 ATTESTATION_REPORT (SEV-SNP ABI table) signed by vcek_key."""
    body = bytearray(SNP_REPORT_SIZE)
    struct.pack_into("<I", body, 0x00, 3)
    struct.pack_into("<Q", body, 0x08, 0x30000)
    struct.pack_into("<I", body, 0x34, 1)
    tcb_bytes = bytes([tcb["bootloader"], tcb["tee"], 0, 0, 0, 0, tcb["snp"], tcb["microcode"]])
    body[0x38:0x40] = tcb_bytes                      # current
    body[0x50:0x90] = report_data.ljust(64, b"\0")
    body[0x90:0xC0] = measurement
    body[0x180:0x188] = tcb_bytes                    # reported
    body[0x1A0:0x1E0] = chip_id
    r, s = decode_dss_signature(vcek_key.sign(bytes(body[:0x2A0]), ec.ECDSA(hashes.SHA384())))
    body[0x2A0:0x2E8] = r.to_bytes(72, "little")
    body[0x2E8:0x330] = s.to_bytes(72, "little")
    return bytes(body)


def snp_evidence_json(report, chain):
    """Trustee's snp evidence for report: virtee/sev's AttestationReport as
    serde_json writes it (written here from the ABI's layout, apart from
    aproxy's snp_evidence.c and kbs-dev's reader)."""
    le = lambda off, n: int.from_bytes(report[off:off + n], "little")  # noqa: E731
    arr = lambda off, n: list(report[off:off + n])  # noqa: E731

    def tcb(off):
        return {"bootloader": report[off], "tee": report[off + 1], "_reserved": arr(off + 2, 4),
                "snp": report[off + 6], "microcode": report[off + 7]}
    r = {"version": le(0, 4), "guest_svn": le(4, 4), "policy": le(8, 8), "family_id": arr(0x10, 16),
         "image_id": arr(0x20, 16), "vmpl": le(0x30, 4), "sig_algo": le(0x34, 4), "current_tcb": tcb(0x38),
         "plat_info": le(0x40, 8), "_author_key_en": le(0x48, 4), "_reserved_0": le(0x4C, 4),
         "report_data": arr(0x50, 64), "measurement": arr(0x90, 48), "host_data": arr(0xC0, 32),
         "id_key_digest": arr(0xE0, 48), "author_key_digest": arr(0x110, 48), "report_id": arr(0x140, 32),
         "report_id_ma": arr(0x160, 32), "reported_tcb": tcb(0x180), "_reserved_1": arr(0x188, 24),
         "chip_id": arr(0x1A0, 64), "committed_tcb": tcb(0x1E0), "current_build": report[0x1E8],
         "current_minor": report[0x1E9], "current_major": report[0x1EA], "_reserved_2": report[0x1EB],
         "committed_build": report[0x1EC], "committed_minor": report[0x1ED], "committed_major": report[0x1EE],
         "_reserved_3": report[0x1EF], "launch_tcb": tcb(0x1F0), "_reserved_4": arr(0x1F8, 168),
         "signature": {"r": arr(0x2A0, 72), "s": arr(0x2E8, 72), "_reserved": arr(0x330, 368)}}
    return {"attestation_report": r, "cert_chain": chain}


def cert_chain(der, cert_type="VCEK"):
    """Trustee's snp cert_chain form of one certificate."""
    return [{"cert_type": cert_type, "data": list(der)}]


# --- a real TPM through tpm2-tools ------------------------------------------------------

class Tpm:
    """tpm2-tools against a running swtpm (TPM2TOOLS_TCTI set by the caller)."""

    def __init__(self, workdir, env):
        self.dir, self.env = workdir, env

    def run(self, *args):
        subprocess.run(args, cwd=self.dir, env=self.env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def make_ak(self, name):
        """An RSA AK (restricted, RSASSA-SHA256) under the EK; returns its PEM path."""
        if not os.path.exists(os.path.join(self.dir, "ek.ctx")):
            self.run("tpm2_createek", "-c", "ek.ctx", "-G", "rsa", "-u", "ek.pub")
        self.run("tpm2_createak", "-C", "ek.ctx", "-c", f"{name}.ctx", "-G", "rsa", "-g", "sha256",
                 "-s", "rsassa", "-u", f"{name}.pem", "-f", "pem", "-n", f"{name}.name")
        # The saved contexts stay loadable; the TPM's few transient slots are freed.
        self.run("tpm2_flushcontext", "-t")
        return os.path.join(self.dir, f"{name}.pem")

    def extend(self, pcr, data):
        self.run("tpm2_pcrextend", f"{pcr}:sha256={hashlib.sha256(data).hexdigest()}")

    def quote(self, ak, nonce):
        """`tpm` evidence: the AK's quote over sha256:0-23 with `nonce` as qualifying data."""
        self.run("tpm2_quote", "-c", f"{ak}.ctx", "-l", "sha256:all", "-q", nonce.hex(), "-g", "sha256",
                 "-m", "quote.msg", "-s", "quote.sig", "-o", "quote.pcrs", "-F", "values")
        self.run("tpm2_flushcontext", "-t")
        read = lambda n: open(os.path.join(self.dir, n), "rb").read()  # noqa: E731
        pcrs = read("quote.pcrs")
        return {"ak_public": b64(self.ak_der(ak)),
                "tpm_quote": {"message": b64(read("quote.msg")), "signature": b64(read("quote.sig")),
                              "pcrs": [pcrs[i:i + 32].hex() for i in range(0, len(pcrs), 32)]}}

    def ak_der(self, ak):
        with open(os.path.join(self.dir, f"{ak}.pem"), "rb") as f:
            return serialization.load_pem_public_key(f.read()).public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    def pcr(self, index):
        self.run("tpm2_pcrread", f"sha256:{index}", "-o", "pcr.bin")
        with open(os.path.join(self.dir, "pcr.bin"), "rb") as f:
            return f.read().hex()
