#!/usr/bin/python3
"""nutshell's DEVELOPMENT KBS: Trustee's key broker protocol 0.4.0 (RCAR, the
`tpm` and `sample` verifiers, an opt-in emulated platform report) plus a
rollback-counter extension, for local runs and tests.  Not a production key
broker: its token key lives in memory, its policy is a JSON file, and it
accepts emulated evidence when told to.  docs/kbs-dev.md.

    kbs-dev.py --config FILE [--listen HOST:PORT] [--port-file FILE]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kbsdev.config import ConfigError, Policy  # noqa: E402
from kbsdev.counter import Counters  # noqa: E402
from kbsdev.ear import TokenSigner  # noqa: E402
from kbsdev.rcar import Rcar  # noqa: E402
from kbsdev.server import KbsServer  # noqa: E402


def log(line):
    print(f"kbs-dev: {line}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description="nutshell development KBS (not for production)")
    ap.add_argument("--config", required=True)
    ap.add_argument("--listen", default="127.0.0.1:8080", help="HOST:PORT; port 0 picks a free one")
    ap.add_argument("--port-file", help="write the port listened on here (for --listen HOST:0)")
    args = ap.parse_args()
    host, _, port = args.listen.rpartition(":")
    try:
        policy = Policy(args.config)
        counters = Counters(policy.counter_file)
    except (ConfigError, ValueError, OSError, TypeError, AttributeError, KeyError) as e:
        log(f"bad configuration {args.config}: {e}")
        return 2
    for w in policy.ak_warnings:
        log(w)
    if policy.trusted_ak_keys_dir:
        log(f"Trustee-like AK trust: {len(policy.trusted_aks)} trusted AK(s), "
            f"from {policy.trusted_ak_keys_dir} and trusted_aks; no other AK is accepted")
    server = KbsServer((host, int(port)), Rcar(policy, TokenSigner(policy.token_lifetime_s), log), counters, log)
    bound = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(f"{bound}\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"kbs-dev: DEVELOPMENT KBS, not for production: listening on http://{host}:{bound}"
          f"{' (accepts EMULATED platform evidence)' if policy.accept_emulated else ''}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
