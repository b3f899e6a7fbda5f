/* The result-line harness shared by the static TPM checkers that run inside
 * VMs (vtpmcheck here, tests/integration/vm-bridge/tpmguest.c in a Linux
 * guest): one "PASS PREFIX/<check>" or "FAIL PREFIX/<check>: <why>" line per
 * check, the format tests/run-suites.sh counts. */
#ifndef VTPM_TEST_CHECKLIB_H
#define VTPM_TEST_CHECKLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Set once before the first check. */
extern const char *check_prefix;
/* How many checks failed so far. */
extern int check_failures;
/* Why the running check failed; set by failf, cleared before each check. */
extern char check_why[512];

/* Sets check_why; returns false, so a check can `return failf(...)`. */
bool failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs one check and prints its result line. */
void check(const char *name, bool (*fn)(void));

/* r is a transaction's result (tc_transact*), rsp its response: r if the TPM
 * answered TPM_RC_SUCCESS, else -1 with check_why naming `what` and the code. */
long require_success(long r, const uint8_t *rsp, const char *what);

/* SHA-256 of a followed by b (libcrypto); exits with status 2 if it fails. */
void sha256_2(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32]);

#endif
