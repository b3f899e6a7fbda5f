#!/usr/bin/python3
"""Host suite for the development KBS (aproxy/kbs-dev): the RCAR flow with
`sample`, `tpm` (a real quote from swtpm through tpm2-tools) and emulated
platform evidence, every refusal the verifiers owe, the problem bodies of
malformed requests, and the rollback counter.  One line per test:
PASS <name> / FAIL <name>: <why>."""

import hashlib
import hmac
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kbs_client import (AmdLikeChain, Kbs, TeeKey, Tpm, b64, b64u, cert_chain, emulated_report,  # noqa: E402
                        emulated_vcek, report_data_for, snp_evidence_json, snp_report, unb64u)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
KBS = os.path.join(ROOT, "aproxy/kbs-dev/kbs-dev.py")
failures = 0


def check(name, cond, why=""):
    global failures
    if cond:
        print(f"PASS kbs-dev/{name}", flush=True)
    else:
        failures += 1
        print(f"FAIL kbs-dev/{name}: {why}", flush=True)


def start_swtpm(work):
    for _ in range(10):
        port = random.randrange(20000, 60000, 2)
        state = os.path.join(work, "swtpm")
        os.makedirs(state, exist_ok=True)
        proc = subprocess.Popen(["swtpm", "socket", "--tpm2", "--server", f"type=tcp,port={port}",
                                 "--ctrl", f"type=tcp,port={port + 1}", "--tpmstate", f"dir={state}",
                                 "--flags", "not-need-init,startup-clear"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        env = dict(os.environ, TPM2TOOLS_TCTI=f"swtpm:host=127.0.0.1,port={port}")
        for _ in range(100):
            if proc.poll() is not None:
                break
            if subprocess.run(["tpm2_getrandom", "4"], env=env, capture_output=True).returncode == 0:
                return proc, env
            time.sleep(0.05)
        proc.kill()
        proc.wait()
    raise RuntimeError("swtpm did not start")


class KbsProcess:
    def __init__(self, work, config):
        self.work, self.config = work, config
        self.start()

    def start(self):
        port_file = os.path.join(self.work, "kbs.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log = open(os.path.join(self.work, "kbs.log"), "ab")
        self.proc = subprocess.Popen(["/usr/bin/python3", KBS, "--config", self.config,
                                      "--listen", "127.0.0.1:0", "--port-file", port_file],
                                     stdout=subprocess.PIPE, stderr=self.log)
        self.banner = self.proc.stdout.readline().decode()
        self.port = int(open(port_file).read())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()
        self.log.close()


def main():
    work = tempfile.mkdtemp(prefix="kbs-dev-test.")
    swtpm = kbs = None
    try:
        swtpm, env = start_swtpm(work)
        tpm = Tpm(work, env)
        ak_pem = tpm.make_ak("ak")
        tpm.make_ak("rogue")                       # a genuine TPM key nobody registered
        tpm.extend(9, b"kernel_cmdline: quiet")
        init_data = 'algorithm = "sha256"\nversion = "0.1.0"\n[data]\n"policy.rego" = "allow"\n'
        tpm.run("tpm2_pcrextend", f"8:sha256={hashlib.sha256(init_data.encode()).hexdigest()}")
        pcr9 = tpm.pcr(9)

        psp = ec.generate_private_key(ec.SECP384R1())
        with open(os.path.join(work, "psp.pem"), "wb") as f:
            f.write(psp.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
        launch = hashlib.sha384(b"nutshell launch digest").digest()
        os.mkdir(os.path.join(work, "amd"))
        amd = AmdLikeChain(os.path.join(work, "amd"))
        state_key = os.urandom(32)
        with open(os.path.join(work, "state-key"), "wb") as f:
            f.write(state_key)
        config = {
            "accept_sample": True, "accept_emulated": True, "emulated_psp_public_key": "psp.pem",
            "trust_platform_bound_ak": True, "snp_ark": "amd/ark.pem", "snp_ask": "amd/ask.pem",
            "trusted_aks": ["ak.pem"],
            "reference_values": {"pcr": {"9": [pcr9]}, "snp_measurement": [launch.hex()]},
            "resources": {
                "nutshell/test/sample-secret": {"text": "sample secret", "require": ["sample"]},
                "nutshell/test/tpm-secret": {"text": "tpm secret", "require": ["tpm"]},
                "nutshell/test/snp-secret": {"text": "snp secret", "require": ["snp"]},
                "nutshell/vtpm/state-key": {"file": "state-key", "require": ["emulated-snp"]},
            },
            "counters": {"vtpm0": "nutshell/vtpm/state-key"},
            "counter_file": "counters.json",
        }
        cfg_path = os.path.join(work, "kbs.json")
        with open(cfg_path, "w") as f:
            json.dump(config, f)
        bad_cfg = os.path.join(work, "bad.json")
        with open(bad_cfg, "w") as f:
            json.dump(dict(config, resources={"a/b/c": {"text": 5}}), f)
        proc = subprocess.run(["/usr/bin/python3", KBS, "--config", bad_cfg, "--listen", "127.0.0.1:0"],
                              capture_output=True, timeout=60)
        check("bad-config-refused-with-reason", proc.returncode == 2 and b"bad configuration" in proc.stderr,
              proc.stderr.decode()[-300:])
        kbs = KbsProcess(work, cfg_path)
        check("banner-says-development", "DEVELOPMENT KBS" in kbs.banner, repr(kbs.banner))

        run_protocol_tests(kbs.port)
        run_sample_tests(kbs.port)
        run_emulated_tests(kbs.port, psp, launch)
        run_snp_tests(kbs.port, amd, launch)
        run_tpm_tests(kbs.port, tpm, psp, launch, init_data)
        run_malformed_tests(kbs.port)
        run_counter_tests(kbs, psp, launch, state_key)
        run_expiry_tests(work, config)
        run_ak_dir_tests(work, config, tpm, ak_pem, psp, launch)
        # Last, as it changes the TPM for good: a PCR 9 that is not the reference value.
        tpm.extend(9, b"kernel_cmdline: init=/bin/sh")
        c = Kbs(kbs.port)
        _, ch = c.auth("tpm")
        key = TeeKey()
        rt = {"nonce": ch["nonce"], "tee-pubkey": key.jwk}
        st, body = c.attest(rt, tpm.quote("ak", report_data_for(rt, "").ljust(64, b"\0")))
        check("tpm-wrong-pcr9-refused", st == 401 and "PCR 9" in body.get("detail", ""), f"{st} {body}")
    finally:
        if kbs:
            kbs.stop()
        if swtpm:
            swtpm.kill()
            swtpm.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


def run_ak_dir_tests(work, config, tpm, ak_pem, psp, launch):
    """Trustee's way of trusting AKs: a directory of *.pub PEM keys.  The
    registered AK passes; a genuine TPM AK not in it is refused even when the
    platform report vouches for it (that option is off in this mode); a file
    that is not a key is skipped with a warning; other names are ignored."""
    d = os.path.join(work, "trusted-aks")
    os.makedirs(d, exist_ok=True)
    shutil.copy(ak_pem, os.path.join(d, "service-vm.pub"))
    shutil.copy(os.path.join(work, "rogue.pem"), os.path.join(d, "rogue.pem"))   # not *.pub: ignored
    with open(os.path.join(d, "broken.pub"), "w") as f:
        f.write("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    cfg = {k: v for k, v in config.items() if k not in ("trusted_aks", "trust_platform_bound_ak")}
    cfg.update(trusted_ak_keys_dir="trusted-aks", counter_file="ak-dir-counters.json")
    both = os.path.join(work, "ak-dir-both.json")
    with open(both, "w") as f:
        json.dump(dict(cfg, trust_platform_bound_ak=True), f)
    proc = subprocess.run(["/usr/bin/python3", KBS, "--config", both, "--listen", "127.0.0.1:0"],
                          capture_output=True, timeout=60)
    check("ak-dir-excludes-platform-bound-trust", proc.returncode == 2 and b"exclude each other" in proc.stderr,
          proc.stderr.decode()[-300:])
    path = os.path.join(work, "ak-dir.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    kbs = KbsProcess(work, path)
    try:
        def attempt(ak, bind_ak=None):
            c = Kbs(kbs.port)
            _, ch = c.auth("tpm")
            rt = {"nonce": ch["nonce"], "tee-pubkey": TeeKey().jwk}
            additional = ""
            if bind_ak:   # an emulated report whose spare bytes bind bind_ak, as aproxy sends
                bound = report_data_for(rt, "", primary=False) + hashlib.sha256(tpm.ak_der(bind_ak)).digest()[:16]
                additional = json.dumps({"emulated-snp": emulated_report(psp, bound, launch)})
            return c.attest(rt, tpm.quote(ak, report_data_for(rt, additional).ljust(64, b"\0")), additional)
        st, body = attempt("ak")
        check("ak-dir-registered-ak-accepted", st == 200, f"{st} {body}")
        st, body = attempt("ak", bind_ak="ak")
        check("ak-dir-report-binding-ignored", st == 200, f"{st} {body}")
        st, body = attempt("rogue")
        check("ak-dir-unknown-ak-refused", st == 401 and "not in the list of trusted keys" in body["detail"],
              f"{st} {body}")
        st, body = attempt("rogue", bind_ak="rogue")
        check("ak-dir-unknown-ak-refused-though-report-binds-it",
              st == 401 and "not in the list of trusted keys" in body["detail"], f"{st} {body}")
        with open(os.path.join(work, "kbs.log")) as f:
            log = f.read()
        check("ak-dir-broken-file-skipped-with-warning", "skipping broken.pub" in log and "1 trusted AK(s)" in log,
              log[-300:])
    finally:
        kbs.stop()


def run_expiry_tests(work, config):
    """A second server whose sessions and tokens live one second: after two
    seconds both must be refused (expiry is only ever later than the lifetime)."""
    short = os.path.join(work, "short.json")
    with open(short, "w") as f:
        json.dump(dict(config, session_timeout_s=1, token_lifetime_s=1, counter_file="short-counters.json"), f)
    kbs = KbsProcess(work, short)
    try:
        c, _, st, _ = sample_attest(kbs.port)
        late = Kbs(kbs.port)
        _, ch = late.auth("sample")
        time.sleep(2.1)
        st, body = Kbs(kbs.port).resource("nutshell/test/sample-secret", bearer=c.token)
        check("expired-token-refused", st == 401 and body["type"].endswith("TokenExpired"), f"{st} {body}")
        st, body = c.resource("nutshell/test/sample-secret")
        check("expired-session-refused", st == 401, f"{st} {body}")
        rt = {"nonce": ch["nonce"], "tee-pubkey": TeeKey().jwk}
        st, body = late.attest(rt, {"svn": "1", "report_data": b64(report_data_for(rt, ""))})
        check("attest-on-expired-session-refused", st == 401 and "expired" in body["detail"], f"{st} {body}")
    finally:
        kbs.stop()


def sample_attest(port, tee_key=None, corrupt=False):
    c = Kbs(port)
    _, ch = c.auth("sample")
    key = tee_key or TeeKey()
    rt = {"nonce": ch["nonce"], "tee-pubkey": key.jwk}
    rd = report_data_for(rt, "")
    if corrupt:
        rd = bytes([rd[0] ^ 1]) + rd[1:]
    st, body = c.attest(rt, {"svn": "1", "report_data": b64(rd)})
    return c, key, st, body


def run_protocol_tests(port):
    c = Kbs(port)
    st, body, headers = c.request("POST", "/kbs/v0/auth", {"version": "0.4.0", "tee": "sample", "extra-params": ""})
    check("auth-cookie-and-nonce", st == 200 and c.cookie and len(unb64u(body["nonce"].rstrip("="))) == 32,
          f"{st} {body}")
    check("dev-header", "development" in headers.get("x-nutshell-dev-kbs", ""), str(headers))
    st, body = Kbs(port).auth("sample", version="0.1.1")
    check("auth-old-version-refused", st == 401 and "Version" in body["detail"], f"{st} {body}")
    st, body = Kbs(port).auth("sample", version="0.4.1")
    check("auth-exact-version", st == 401, f"{st} {body}")
    st, body = Kbs(port).auth("tdx")
    check("auth-unverifiable-tee-refused", st == 401, f"{st} {body}")
    nc = Kbs(port)
    st, body = nc.attest({"nonce": "x", "tee-pubkey": TeeKey().jwk}, {"svn": "1", "report_data": ""})
    check("attest-without-cookie-refused", st == 401 and body["type"].endswith("RcarAttestFailed"), f"{st} {body}")
    nc.cookie = "0" * 32
    st, body = nc.attest({"nonce": "x", "tee-pubkey": TeeKey().jwk}, {"svn": "1", "report_data": ""})
    check("attest-unknown-session-refused", st == 401, f"{st} {body}")
    st, body = Kbs(port).resource("nutshell/test/sample-secret")
    check("resource-without-token-refused", st == 401, f"{st} {body}")
    st, body = Kbs(port).resource("nutshell/test/sample-secret", bearer="a.b.c")
    check("resource-forged-token-refused", st == 401, f"{st} {body}")


def run_sample_tests(port):
    c, key, st, body = sample_attest(port)
    check("sample-attest", st == 200 and body["token"].count(".") == 2, f"{st} {body}")
    st, jwe = c.resource("nutshell/test/sample-secret")
    ok = st == 200 and set(jwe) == {"protected", "encrypted_key", "iv", "ciphertext", "tag"}
    check("sample-resource-by-cookie-ecdh", ok and key.unwrap(jwe) == b"sample secret", f"{st} {jwe}")
    hdr = json.loads(unb64u(jwe["protected"])) if ok else {}
    check("jwe-header", hdr.get("alg") == "ECDH-ES+A256KW" and hdr.get("enc") == "A256GCM"
          and hdr.get("epk", {}).get("crv") == "P-256", str(hdr))
    st, again = c.attest({"nonce": "whatever", "tee-pubkey": TeeKey().jwk}, {})
    check("attested-session-repeats-its-token", st == 200 and again["token"] == c.token, f"{st} {again}")

    rc, rkey, st, _ = sample_attest(port, TeeKey("RSA"))
    st, jwe = Kbs(port).resource("nutshell/test/sample-secret", bearer=rc.token)
    check("sample-resource-by-bearer-rsa-oaep", st == 200 and rkey.unwrap(jwe) == b"sample secret"
          and json.loads(unb64u(jwe["protected"]))["alg"] == "RSA-OAEP-256", f"{st} {jwe}")
    st, body = c.resource("nutshell/test/tpm-secret")
    check("policy-sample-cannot-get-tpm-resource", st == 403, f"{st} {body}")
    st, body = c.resource("nutshell/test/nothing-here")
    check("unknown-resource-404", st == 404 and body["type"].endswith("ResourceNotFound"), f"{st} {body}")

    _, _, st, body = sample_attest(port, corrupt=True)
    check("sample-wrong-report-data-refused", st == 401, f"{st} {body}")
    c = Kbs(port)
    _, ch = c.auth("sample")
    other = Kbs(port)
    _, ch2 = other.auth("sample")
    rt = {"nonce": ch2["nonce"], "tee-pubkey": TeeKey().jwk}
    st, body = c.attest(rt, {"svn": "1", "report_data": b64(report_data_for(rt, ""))})
    check("sample-other-sessions-nonce-refused", st == 401 and "nonce" in body["detail"], f"{st} {body}")
    # Replay: evidence that passed in one session, sent again in a new one.
    c1, k1, st, _ = sample_attest(port)
    replay = Kbs(port)
    _, ch = replay.auth("sample")
    rt = {"nonce": ch["nonce"], "tee-pubkey": k1.jwk}
    old = {"nonce": "AAAA", "tee-pubkey": k1.jwk}
    st, body = replay.attest(old, {"svn": "1", "report_data": b64(report_data_for(old, ""))})
    check("sample-replayed-evidence-refused", st == 401, f"{st} {body}")


def run_emulated_tests(port, psp, launch):
    def attempt(signer=psp, measurement=launch, marker=b"nutshell-emulated-psp", tamper=False,
                host_data=bytes(32), init_data=None):
        c = Kbs(port)
        _, ch = c.auth("emulated-snp")
        key = TeeKey()
        rt = {"nonce": ch["nonce"], "tee-pubkey": key.jwk}
        ev = emulated_report(signer, report_data_for(rt, ""), measurement, marker, host_data)
        if tamper:
            raw = bytearray(unb64u(ev["report"].replace("+", "-").replace("/", "_").rstrip("=")))
            raw[0x04] ^= 1
            ev["report"] = b64(bytes(raw))
        return c, key, *c.attest(rt, ev, init_data=init_data)

    c, key, st, body = attempt()
    check("emulated-attest", st == 200, f"{st} {body}")
    st, jwe = c.resource("nutshell/vtpm/state-key")
    check("emulated-state-key-released", st == 200 and len(key.unwrap(jwe)) == 32, f"{st} {jwe}")
    _, _, st, body = attempt(signer=ec.generate_private_key(ec.SECP384R1()))
    check("emulated-wrong-psp-refused", st == 401 and "signature" in body["detail"], f"{st} {body}")
    _, _, st, body = attempt(tamper=True)
    check("emulated-tampered-report-refused", st == 401, f"{st} {body}")
    _, _, st, body = attempt(measurement=hashlib.sha384(b"other initrd").digest())
    check("emulated-wrong-launch-digest-refused", st == 401 and "measurement" in body["detail"], f"{st} {body}")
    _, _, st, body = attempt(marker=b"AMD chip")
    check("emulated-without-marker-refused", st == 401, f"{st} {body}")

    # Init-data in HOST_DATA, as Trustee's snp verifier checks it: the TOML's
    # algorithm over the whole text, cut to 32 bytes.
    init256 = 'algorithm = "sha256"\nversion = "0.1.0"\n\n[data]\n"x" = "one"\n'
    init384 = init256.replace("sha256", "sha384")
    c, key, st, body = attempt(host_data=hashlib.sha256(init256.encode()).digest(), init_data=init256)
    check("emulated-init-data-in-host-data-accepted", st == 200, f"{st} {body}")
    _, _, st, body = attempt(host_data=hashlib.sha384(init384.encode()).digest()[:32], init_data=init384)
    check("emulated-init-data-sha384-cut-to-32-accepted", st == 200, f"{st} {body}")
    _, _, st, body = attempt(host_data=hashlib.sha256(init256.encode()).digest(),
                             init_data=init256.replace("one", "two"))
    check("emulated-init-data-not-host-data-refused",
          st == 401 and "HOST_DATA" in body["detail"] and "launched for other init-data" in body["detail"],
          f"{st} {body}")
    _, _, st, body = attempt(init_data=init256)
    check("emulated-init-data-without-host-data-refused", st == 401 and "HOST_DATA" in body["detail"],
          f"{st} {body}")
    run_emulated_vcek_tests(port, psp, launch)


def run_snp_tests(port, amd, launch):
    """Trustee's snp evidence of a report signed by a VCEK of an AMD-shaped
    chain (the configured ARK and ASK), as aproxy-host sends it when the VM
    carried the VCEK: verified whole, refused for each way it can be wrong."""
    chip = os.urandom(64)
    tcb = {"bootloader": 3, "tee": 0, "snp": 14, "microcode": 209}
    vcek, der = amd.vcek(chip, tcb)

    def attempt(signer=vcek, chain=None, measurement=launch, report_chip=chip, edit=None, init_data=None):
        c = Kbs(port)
        _, ch = c.auth("snp")
        key = TeeKey()
        rt = {"nonce": ch["nonce"], "tee-pubkey": key.jwk}
        report = bytearray(snp_report(signer, report_data_for(rt, ""), measurement, report_chip, tcb))
        if edit:
            edit(report)
        return c, key, *c.attest(rt, snp_evidence_json(bytes(report), cert_chain(der) if chain is None else chain),
                                 init_data=init_data)

    c, key, st, body = attempt()
    check("snp-vcek-report-accepted", st == 200, f"{st} {body}")
    st, jwe = c.resource("nutshell/test/snp-secret") if st == 200 else (st, body)
    check("snp-secret-released", st == 200 and key.unwrap(jwe) == b"snp secret", f"{st} {jwe}")
    _, _, st, body = attempt(chain=[])
    check("snp-without-vcek-refused", st == 401 and "does not fetch" in body["detail"], f"{st} {body}")
    _, other_der = amd.vcek(chip, tcb, issuer=amd.other_issuer())
    _, _, st, body = attempt(chain=cert_chain(other_der))
    check("snp-vcek-not-from-the-ark-refused", st == 401 and "chain" in body["detail"], f"{st} {body}")
    _, _, st, body = attempt(report_chip=os.urandom(64))
    check("snp-chip-id-not-the-vceks-refused", st == 401 and "chip id" in body["detail"], f"{st} {body}")
    _, _, st, body = attempt(edit=lambda r: r.__setitem__(0x90, r[0x90] ^ 1))
    check("snp-altered-report-refused", st == 401 and "signature" in body["detail"], f"{st} {body}")
    _, _, st, body = attempt(edit=lambda r: r.__setitem__(0x186, r[0x186] ^ 1))
    check("snp-tcb-not-the-vceks-refused", st == 401 and "SPL" in body["detail"], f"{st} {body}")
    _, _, st, body = attempt(measurement=hashlib.sha384(b"other").digest())
    check("snp-wrong-measurement-refused", st == 401 and "measurement" in body["detail"], f"{st} {body}")
    _, other_key_der = amd.vcek(chip, tcb)
    _, _, st, body = attempt(chain=cert_chain(other_key_der))
    check("snp-another-vcek-refused", st == 401 and "signature" in body["detail"], f"{st} {body}")
    init = 'algorithm = "sha256"\nversion = "0.1.0"\n'
    _, _, st, body = attempt(init_data=init)  # HOST_DATA left zero
    check("snp-init-data-not-in-host-data-refused", st == 401 and "HOST_DATA" in body["detail"], f"{st} {body}")


def run_emulated_vcek_tests(port, psp, launch):
    """An emulated VCEK (aproxy-host's per-run key, issued by the PSP key) signs
    the report and its certificate travels as cert_chain: accepted only whole."""
    vcek, der = emulated_vcek(psp)

    def attempt(signer=vcek, chain=None, edit=None):
        c = Kbs(port)
        _, ch = c.auth("emulated-snp")
        key = TeeKey()
        rt = {"nonce": ch["nonce"], "tee-pubkey": key.jwk}
        ev = emulated_report(signer, report_data_for(rt, ""), launch)
        if chain is not None:
            ev["cert_chain"] = chain
        if edit:
            edit(ev)
        return c.attest(rt, ev)

    st, body = attempt(chain=cert_chain(der))
    check("emulated-vcek-chain-accepted", st == 200, f"{st} {body}")
    st, body = attempt(chain=cert_chain(der, "VLEK"))
    check("emulated-vlek-entry-accepted", st == 200, f"{st} {body}")
    st, body = attempt(chain=[{"cert_type": "ASK", "data": [48, 1]}] + cert_chain(der))
    check("emulated-vcek-beside-other-entries-accepted", st == 200, f"{st} {body}")
    st, body = attempt()
    check("emulated-vcek-chain-dropped-refused", st == 401 and "signature" in body["detail"], f"{st} {body}")
    altered = bytearray(der)
    altered[len(altered) // 2] ^= 0x01
    st, body = attempt(chain=cert_chain(bytes(altered)))
    check("emulated-vcek-cert-altered-refused", st == 401, f"{st} {body}")
    _, other = emulated_vcek(psp)
    st, body = attempt(chain=cert_chain(other))
    check("emulated-vcek-another-vcek-refused", st == 401 and "signature" in body["detail"], f"{st} {body}")
    rogue, rogue_der = emulated_vcek(ec.generate_private_key(ec.SECP384R1()))
    st, body = attempt(signer=rogue, chain=cert_chain(rogue_der))
    check("emulated-vcek-not-issued-by-psp-refused", st == 401 and "issued" in body["detail"], f"{st} {body}")
    plain, plain_der = emulated_vcek(psp, cn="VCEK")
    st, body = attempt(signer=plain, chain=cert_chain(plain_der))
    check("emulated-vcek-without-emulated-name-refused", st == 401 and "EMULATED" in body["detail"], f"{st} {body}")
    old, old_der = emulated_vcek(psp, valid_days=1, age_days=10)
    st, body = attempt(signer=old, chain=cert_chain(old_der))
    check("emulated-vcek-expired-refused", st == 401 and "valid" in body["detail"], f"{st} {body}")
    st, body = attempt(chain=cert_chain(der) + cert_chain(der))
    check("emulated-vcek-two-endorsement-entries-refused", st == 401, f"{st} {body}")
    st, body = attempt(chain=[{"cert_type": "VCEK", "data": [256]}])
    check("emulated-vcek-malformed-chain-400", st == 400, f"{st} {body}")
    st, body = attempt(chain=[])
    check("emulated-vcek-empty-chain-400", st == 400, f"{st} {body}")


def run_tpm_tests(port, tpm, psp, launch, init_data):
    def attempt(ak="ak", nonce_of=None, edit_pcrs=None, with_platform=True, init=None, bind_ak=None, nonce_len=64):
        c = Kbs(port)
        _, ch = c.auth("tpm")
        key = TeeKey()
        rt = {"nonce": ch["nonce"], "tee-pubkey": key.jwk}
        additional = ""
        if with_platform:
            bound = report_data_for(rt, "", primary=False)
            if bind_ak:
                bound += hashlib.sha256(tpm.ak_der(bind_ak)).digest()[:16]
            additional = json.dumps({"emulated-snp": emulated_report(psp, bound, launch)})
        rd = report_data_for(nonce_of or rt, additional)
        # Trustee's tpm verifier: the report data zero-filled to 64 bytes
        ev = tpm.quote(ak, rd.ljust(64, b"\0")[:nonce_len])
        if edit_pcrs:
            edit_pcrs(ev["tpm_quote"]["pcrs"])
        return c, key, *c.attest(rt, ev, additional, init)

    c, key, st, body = attempt()
    check("tpm-attest-with-platform-evidence", st == 200, f"{st} {body}")
    st, jwe = c.resource("nutshell/test/tpm-secret")
    check("tpm-resource-released", st == 200 and key.unwrap(jwe) == b"tpm secret", f"{st} {jwe}")
    st, jwe = c.resource("nutshell/vtpm/state-key")
    check("tpm-token-affirms-platform-too", st == 200, f"{st} {jwe}")
    _, _, st, body = attempt(with_platform=False)
    check("tpm-attest-alone", st == 200, f"{st} {body}")
    _, _, st, body = attempt(ak="rogue")
    check("tpm-untrusted-ak-refused", st == 401 and "trusted" in body["detail"], f"{st} {body}")
    _, _, st, body = attempt(ak="rogue", bind_ak="rogue")
    check("tpm-ak-bound-by-platform-report", st == 200, f"{st} {body}")
    _, _, st, body = attempt(ak="rogue", bind_ak="ak")
    check("tpm-ak-bound-to-another-ak-refused", st == 401 and "trusted" in body["detail"], f"{st} {body}")
    _, _, st, body = attempt(ak="rogue", bind_ak="rogue", with_platform=False)
    check("tpm-ak-binding-needs-the-platform-report", st == 401, f"{st} {body}")
    _, _, st, body = attempt(nonce_of={"nonce": "b2xk", "tee-pubkey": TeeKey().jwk})
    check("tpm-wrong-nonce-refused", st == 401 and "nonce" in body["detail"], f"{st} {body}")
    _, _, st, body = attempt(nonce_len=32)
    check("tpm-32-byte-nonce-refused-by-default", st == 401 and "nonce" in body["detail"], f"{st} {body}")

    def flip(pcrs):
        pcrs[10] = "11" * 32
    _, _, st, body = attempt(edit_pcrs=flip)
    check("tpm-pcr-values-not-quoted-refused", st == 401 and "digest" in body["detail"], f"{st} {body}")
    _, _, st, body = attempt(init=init_data)
    check("tpm-init-data-in-pcr8", st == 200, f"{st} {body}")
    _, _, st, body = attempt(init=init_data.replace("allow", "deny"))
    check("tpm-other-init-data-refused", st == 401 and "PCR 8" in body["detail"], f"{st} {body}")


def run_malformed_tests(port):
    c = Kbs(port)
    cases = [("not-json", b"{\"version\":"), ("array", b"[1,2]"), ("deep", b"[" * 100000),
             ("wrong-type", json.dumps({"version": 4, "tee": "tpm"}).encode()),
             ("missing-field", json.dumps({"tee": "tpm"}).encode())]
    for name, raw in cases:
        st, body, hdr = c.request("POST", "/kbs/v0/auth", raw=raw)
        check(f"malformed-auth-{name}-400", st == 400 and hdr.get("content-type") == "application/problem+json"
              and body and "detail" in body and "type" in body, f"{st} {body}")
    _, ch = c.auth("tpm")
    rt = {"nonce": ch["nonce"], "tee-pubkey": TeeKey().jwk}
    bad = [("bad-base64", {"ak_public": "***", "tpm_quote": {"message": "", "signature": "", "pcrs": []}}),
           ("short-pcrs", {"ak_public": "AAAA", "tpm_quote": {"message": "AAAA", "signature": "AAAA", "pcrs": ["00"]}})]
    for name, ev in bad:
        st, body = c.attest(rt, ev)
        check(f"malformed-tpm-{name}-400", st == 400, f"{st} {body}")
    bad_jwk = dict(rt, **{"tee-pubkey": {"kty": "EC", "alg": "ECDH-ES+A256KW", "crv": "P-256",
                                         "x": b64u(b"\1" * 32), "y": b64u(b"\2" * 32)}})
    st, body = c.attest(bad_jwk, {"svn": "1", "report_data": ""})
    check("malformed-tee-pubkey-off-curve-400", st == 400 and "P-256" in body["detail"], f"{st} {body}")
    # Announce a body over the limit and send only its start: the server must
    # answer from the header alone (sending it all would race with its close).
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("POST", "/kbs/v0/attest")
    conn.putheader("Content-Length", str(2 << 20))
    conn.endheaders(b"{" * 1024)
    resp = conn.getresponse()
    st, body = resp.status, json.loads(resp.read())
    conn.close()
    check("oversized-body-413", st == 413 and body["status"] == 413, f"{st} {body}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GARBAGE / HTTP/1.1 extra\r\n\r\n")
        answer = sock.recv(65536).decode(errors="replace")
    check("malformed-request-line-problem-body", " 400 " in answer.split("\r\n")[0]
          and "application/problem+json" in answer, answer[:200])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /kbs/v0/auth HTTP/1.1\r\nContent-Length: 100\r\n\r\n{}")
        sock.shutdown(socket.SHUT_WR)
        answer = sock.recv(65536).decode(errors="replace")
    check("short-body-problem-body", " 400 " in answer.split("\r\n")[0] and "Content-Length" in answer, answer[:300])
    st, body, _ = c.request("DELETE", "/kbs/v0/auth")
    check("unsupported-method-problem-body", st == 501 and body and body["status"] == 501, f"{st} {body}")
    run_mutation_tests(port)
    st, body = Kbs(port).auth("sample")
    check("still-serving-after-malformed", st == 200, f"{st} {body}")


def run_mutation_tests(port):
    """Valid attest requests with one value replaced by a value of another type
    or shape, at every position: each must get an answer that is not a 500."""
    rng = random.Random(15)
    odd = [None, 0, -1, 2 ** 70, 1.5, True, "", "%%%", "A" * 5000, [], [1], {}, {"kty": "EC"}]
    template_key = TeeKey()
    statuses = {}

    def paths(value, prefix=()):
        yield prefix
        if isinstance(value, dict):
            for k, v in value.items():
                yield from paths(v, prefix + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value[:3]):
                yield from paths(v, prefix + (i,))

    def replaced(value, path, new):
        if not path:
            return new
        copy = dict(value) if isinstance(value, dict) else list(value)
        copy[path[0]] = replaced(value[path[0]], path[1:], new)
        return copy

    bad = []
    for tee in ("tpm", "sample", "emulated-snp"):
        c = Kbs(port)
        _, ch = c.auth(tee)
        rt = {"nonce": ch["nonce"], "tee-pubkey": template_key.jwk}
        evidence = {"tpm": {"ak_public": "AAAA", "tpm_quote": {"message": "AAAA", "signature": "AAAA",
                                                               "pcrs": ["00" * 32] * 24}},
                    "sample": {"svn": "1", "report_data": b64(bytes(48))},
                    "emulated-snp": {"emulated": True, "report": b64(bytes(0x4A0))}}[tee]
        request = {"runtime-data": rt, "tee-evidence": {"primary_evidence": evidence,
                                                        "additional_evidence": json.dumps({"sample": {}})},
                   "init-data": {"format": "toml", "body": "algorithm = \"sha256\""}}
        for path in list(paths(request)):
            for new in rng.sample(odd, 4):
                st, body, _ = c.request("POST", "/kbs/v0/attest", replaced(request, path, new))
                statuses[st] = statuses.get(st, 0) + 1
                if st >= 500 or not isinstance(body, dict) or "detail" not in body and st != 200:
                    bad.append((tee, path, new if not isinstance(new, str) else new[:10], st))
    check("mutated-attest-requests-never-500", not bad and sum(statuses.values()) > 100,
          f"{bad[:3]} statuses {statuses}")


def run_counter_tests(kbs, psp, launch, state_key):
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"nutshell rollback counter").derive(state_key)

    def platform_session():
        c = Kbs(kbs.port)
        _, ch = c.auth("emulated-snp")
        rt = {"nonce": ch["nonce"], "tee-pubkey": TeeKey().jwk}
        c.attest(rt, emulated_report(psp, report_data_for(rt, ""), launch))
        return c

    tag_a, tag_b = hashlib.sha256(b"slot a").digest(), hashlib.sha256(b"slot b").digest()

    def call(c, op, value=None, instance="vtpm0", bearer=None, tag=tag_a):
        nonce = os.urandom(32)
        body = {"op": op, "nonce": b64u(nonce)}
        if value is not None:
            body["value"] = value
            body["tag"] = b64u(tag)
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        st, ans, _ = c.request("POST", f"/nutshell-dev/v0/counter/{instance}", body, headers=headers)
        good = (isinstance(ans, dict) and isinstance(ans.get("value"), int) and ans.get("nonce") == b64u(nonce)
                and hmac.compare_digest(unb64u(ans.get("mac", "")), hmac.new(
                    mac_key, b"nutshell-dev-counter-v1\0" + instance.encode() + b"\0"
                    + ans["value"].to_bytes(8, "big") + unb64u(ans.get("tag", "")) + nonce,
                    hashlib.sha256).digest()))
        return st, ans, good

    c = platform_session()
    st, ans, good = call(c, "read")
    check("counter-starts-at-zero", st == 200 and ans["value"] == 0 and good
          and unb64u(ans["tag"]) == bytes(32), f"{st} {ans}")
    st, ans, good = call(c, "advance", 5)
    check("counter-advances", st == 200 and ans["value"] == 5 and good, f"{st} {ans}")
    st, ans, good = call(c, "advance", 3)
    check("counter-never-decreases", st == 409 and ans["value"] == 5 and good, f"{st} {ans}")
    st, ans, good = call(c, "advance", 5)
    check("counter-same-value-and-tag-is-idempotent", st == 200 and ans["value"] == 5 and good, f"{st} {ans}")
    st, ans, good = call(c, "advance", 5, tag=tag_b)
    check("counter-same-value-other-tag-refused", st == 409 and good and unb64u(ans["tag"]) == tag_a, f"{st} {ans}")
    st, ans, good = call(c, "advance", 6, tag=tag_b)
    check("counter-advance-records-tag", st == 200 and ans["value"] == 6 and unb64u(ans["tag"]) == tag_b and good,
          f"{st} {ans}")
    st, ans, good = call(Kbs(kbs.port), "read", bearer=c.token)
    check("counter-by-bearer", st == 200 and ans["value"] == 6 and good, f"{st} {ans}")
    st, ans, _ = call(Kbs(kbs.port), "read")
    check("counter-needs-attestation", st == 401, f"{st} {ans}")
    sc, _, _, _ = sample_attest(kbs.port)
    st, ans, _ = call(sc, "advance", 99)
    check("counter-needs-the-key-policy", st == 403, f"{st} {ans}")
    st, ans, _ = call(c, "read", instance="vtpm9")
    check("counter-unknown-instance-404", st == 404, f"{st} {ans}")
    st, ans, _ = call(c, "advance", 2 ** 60)
    check("counter-value-bounded", st == 400, f"{st} {ans}")
    kbs.stop()
    kbs.start()
    c = platform_session()
    st, ans, good = call(c, "read")
    check("counter-survives-restart", st == 200 and ans["value"] == 6 and unb64u(ans["tag"]) == tag_b and good,
          f"{st} {ans}")
    st, ans, good = call(c, "advance", 4)
    check("counter-never-decreases-after-restart", st == 409 and ans["value"] == 6, f"{st} {ans}")


if __name__ == "__main__":
    sys.exit(main())
