# aproxy/kbs-dev: nutshell's DEVELOPMENT key broker (docs/kbs-dev.md), a host
# program in Python 3 on Debian's python3-cryptography: Trustee's KBS protocol
# 0.4.0 with the tpm and sample verifiers, opt-in emulated platform evidence and
# the rollback-counter extension.  Nothing to build; `make test` runs its host
# suite (a real quote from swtpm through tpm2-tools).

KBS_DEV := aproxy/kbs-dev/kbs-dev.py

DEPS_PKGS   += python3 python3-cryptography swtpm swtpm-tools tpm2-tools libtss2-tcti-swtpm0
TEST_SUITES += tests/integration/kbs-dev/kbs-dev-host.py
