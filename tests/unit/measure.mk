# Host unit tests of measured launch (issue 15): SHA-256 and SHA-384 against
# the FIPS 180-4 examples and OpenSSL, and the TCG event-log encoder.
UNIT_TESTS += sha2 tcg_log
UNIT_SRCS_sha2    := kernel/lib/sha256.c kernel/lib/sha384.c
UNIT_LIBS_sha2    := -lcrypto
UNIT_SRCS_tcg_log := kernel/lib/tcg_log.c kernel/lib/sha256.c kernel/lib/sha384.c
# The kernel's measurement policy over fakes of the file and devfs calls.
UNIT_TESTS += measure
UNIT_SRCS_measure := kernel/security/measure.c kernel/lib/tcg_log.c kernel/lib/sha256.c kernel/lib/sha384.c
# AES-256-GCM for the SEV-SNP guest messages, against the specifications'
# examples and OpenSSL.
UNIT_TESTS += aes_gcm
UNIT_SRCS_aes_gcm := kernel/lib/aes256.c kernel/lib/aes_gcm.c
UNIT_LIBS_aes_gcm := -lcrypto
# SEV-SNP guest messages and sequence numbers against a fake PSP on OpenSSL.
UNIT_TESTS += snp_msg
UNIT_SRCS_snp_msg := kernel/lib/snp_msg.c kernel/lib/aes256.c kernel/lib/aes_gcm.c
UNIT_LIBS_snp_msg := -lcrypto
# SNP_GET_EXT_REPORT's certificate table and the extended request's exchange
# (a fake PSP and hypervisor on OpenSSL).
UNIT_TESTS += snp_certs
UNIT_SRCS_snp_certs := kernel/lib/snp_certs.c kernel/lib/snp_msg.c kernel/lib/aes256.c kernel/lib/aes_gcm.c
UNIT_LIBS_snp_certs := -lcrypto
# aproxy's reader of the same table (aproxy/common/cert_table.c) against the
# kernel's checker.
UNIT_TESTS += cert_table
UNIT_SRCS_cert_table := aproxy/common/cert_table.c kernel/lib/snp_certs.c
$(BUILD)/tests/unit/cert_table: aproxy/common/cert_table.h
