/* Debian's libtpms.a + libcrypto.a linked statically through nutshell-cc
 * (musl + libnutshell-compat.a) really run: the TPM manufactures itself,
 * answers TPM2_Startup and TPM2_GetRandom, and keeps state between commands.
 * Built and run on the Linux host; the same binary is what runs in nutshell. */
#include "unit.h"

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <stdlib.h>
#include <string.h>

#define TPM_ST_NO_SESSIONS 0x8001
#define TPM_CC_STARTUP     0x0144
#define TPM_CC_GETRANDOM   0x017b
#define TPM_SU_CLEAR       0x0000
#define TPM_RC_SUCCESS     0x000
#define TPM_RC_INITIALIZE  0x100

/* libtpms's NV storage, kept in memory: only the permanent-state blob name
 * is remembered, to check that manufacturing stored one. */
static unsigned char *perm_blob;
static uint32_t perm_len;

static TPM_RESULT nv_init(void)
{
    return TPM_SUCCESS;
}

static TPM_RESULT nv_load(unsigned char **data, uint32_t *length, uint32_t tpm_number, const char *name)
{
    (void)tpm_number;
    if (strcmp(name, "permall") != 0 || !perm_blob)
        return TPM_RETRY;       /* libtpms: nothing stored under that name */
    *data = malloc(perm_len);
    if (!*data)
        return TPM_FAIL;
    memcpy(*data, perm_blob, perm_len);
    *length = perm_len;
    return TPM_SUCCESS;
}

static TPM_RESULT nv_store(const unsigned char *data, uint32_t length, uint32_t tpm_number, const char *name)
{
    (void)tpm_number;
    if (strcmp(name, "permall") != 0)
        return TPM_SUCCESS;
    unsigned char *copy = malloc(length);
    if (!copy)
        return TPM_FAIL;
    memcpy(copy, data, length);
    free(perm_blob);
    perm_blob = copy;
    perm_len = length;
    return TPM_SUCCESS;
}

static TPM_RESULT nv_delete(uint32_t tpm_number, const char *name, TPM_BOOL must_exist)
{
    (void)tpm_number;
    (void)name;
    (void)must_exist;
    return TPM_SUCCESS;
}

/* Each test runs in a fresh child process (unit.c), so each brings the TPM
 * up itself: manufacture into the in-memory NV, then power on. */
static void tpm_init(void)
{
    struct libtpms_callbacks cb = {
        .sizeOfStruct = sizeof cb,
        .tpm_nvram_init = nv_init,
        .tpm_nvram_loaddata = nv_load,
        .tpm_nvram_storedata = nv_store,
        .tpm_nvram_deletename = nv_delete,
    };
    CHECK_EQ(TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2), TPM_SUCCESS);
    CHECK_EQ(TPMLIB_RegisterCallbacks(&cb), TPM_SUCCESS);
    CHECK_EQ(TPMLIB_MainInit(), TPM_SUCCESS);
}

static void put16(unsigned char *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put32(unsigned char *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }
static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const unsigned char *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* Sends a command with the given parameter bytes; returns the response
 * (malloc'd by libtpms) and its size, or NULL. */
static unsigned char *tpm_cmd(uint32_t cc, const unsigned char *params, uint32_t plen, uint32_t *rsize)
{
    unsigned char cmd[64];
    uint32_t len = 10 + plen;
    put16(cmd, TPM_ST_NO_SESSIONS);
    put32(cmd + 2, len);
    put32(cmd + 6, cc);
    memcpy(cmd + 10, params, plen);
    unsigned char *resp = NULL;
    uint32_t bufsize = 0;
    TPM_RESULT r = TPMLIB_Process(&resp, rsize, &bufsize, cmd, len);
    if (r != TPM_SUCCESS) {
        unit_fail(__FILE__, __LINE__, "TPMLIB_Process failed: 0x%x", (unsigned)r);
        free(resp);
        return NULL;
    }
    return resp;
}

static void test_manufacture_stores_permanent_state(void)
{
    tpm_init();
    CHECK(perm_blob != NULL);
    CHECK(perm_len > 0);
}

static void test_startup(void)
{
    tpm_init();
    /* Before Startup the TPM refuses other commands. */
    unsigned char want[2];
    put16(want, 16);
    uint32_t n = 0;
    unsigned char *r = tpm_cmd(TPM_CC_GETRANDOM, want, 2, &n);
    if (!r)
        return;
    CHECK_EQ(get32(r + 6), TPM_RC_INITIALIZE);
    free(r);

    unsigned char su[2];
    put16(su, TPM_SU_CLEAR);
    r = tpm_cmd(TPM_CC_STARTUP, su, 2, &n);
    if (!r)
        return;
    CHECK_EQ(n, 10);
    CHECK_EQ(get16(r), TPM_ST_NO_SESSIONS);
    CHECK_EQ(get32(r + 2), 10);
    CHECK_EQ(get32(r + 6), TPM_RC_SUCCESS);
    free(r);

    /* The TPM remembers it started: a second Startup is refused. */
    r = tpm_cmd(TPM_CC_STARTUP, su, 2, &n);
    if (!r)
        return;
    CHECK_EQ(get32(r + 6), TPM_RC_INITIALIZE);
    free(r);
}

static void get_random(unsigned char out[16])
{
    unsigned char want[2];
    put16(want, 16);
    uint32_t n = 0;
    unsigned char *r = tpm_cmd(TPM_CC_GETRANDOM, want, 2, &n);
    if (!r)
        return;
    CHECK_EQ(n, 10 + 2 + 16);
    CHECK_EQ(get32(r + 6), TPM_RC_SUCCESS);
    CHECK_EQ(get16(r + 10), 16);
    if (n == 28)
        memcpy(out, r + 12, 16);
    free(r);
}

static void test_getrandom(void)
{
    tpm_init();
    unsigned char su[2];
    put16(su, TPM_SU_CLEAR);
    uint32_t n = 0;
    unsigned char *r = tpm_cmd(TPM_CC_STARTUP, su, 2, &n);
    if (!r)
        return;
    CHECK_EQ(get32(r + 6), TPM_RC_SUCCESS);
    free(r);

    unsigned char a[16] = {0}, b[16] = {0}, zero[16] = {0};
    get_random(a);
    get_random(b);
    /* 16 random bytes are all-zero or repeat with probability 2^-128. */
    CHECK(memcmp(a, zero, 16) != 0);
    CHECK(memcmp(a, b, 16) != 0);
}

int main(void)
{
    return unit_main("compat_tpm", (struct unit_test[]){
        UNIT(test_manufacture_stores_permanent_state),
        UNIT(test_startup),
        UNIT(test_getrandom),
        {0},
    });
}
