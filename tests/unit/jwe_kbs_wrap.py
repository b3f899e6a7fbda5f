#!/usr/bin/python3
"""Wraps a payload the way the development KBS releases a resource, for
tests/unit/test_jwe.c's round trips: prints the flattened JWE of the payload
(hex, argv[2]) for the tee-pubkey JWK (JSON, argv[1])."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../aproxy/kbs-dev"))
from kbsdev.jwe import wrap  # noqa: E402

print(json.dumps(wrap(json.loads(sys.argv[1]), bytes.fromhex(sys.argv[2]))))
