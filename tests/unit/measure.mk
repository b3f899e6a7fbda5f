# Host unit tests of measured launch (issue 15): SHA-256 and SHA-384 against
# the FIPS 180-4 examples and OpenSSL, and the TCG event-log encoder.
UNIT_TESTS += sha2 tcg_log
UNIT_SRCS_sha2    := kernel/lib/sha256.c kernel/lib/sha384.c
UNIT_LIBS_sha2    := -lcrypto
UNIT_SRCS_tcg_log := kernel/lib/tcg_log.c kernel/lib/sha256.c kernel/lib/sha384.c
# The kernel's measurement policy over fakes of the file and devfs calls.
UNIT_TESTS += measure
UNIT_SRCS_measure := kernel/security/measure.c kernel/lib/tcg_log.c kernel/lib/sha256.c kernel/lib/sha384.c
