#!/bin/bash
# make bench: attest_ms, the time from aproxy's start to the vTPM state key in
# /run/vtpm (stage 1 with the emulated report, the development KBS on this
# host), median of 3 boots of the service image (with the vm-aproxy suite's
# one extra client program, tests/integration/aproxy.mk).
root=$(cd "$(dirname "$0")/../../.." && pwd)
VM_APROXY_BENCH=3 exec "$root/build/tests/vm-aproxy/vm-aproxy"
