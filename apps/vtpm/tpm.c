/* libtpms glue: state callbacks into the state store, locality, lifecycle. */
#include "tpm.h"

#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_memory.h>
#include <libtpms/tpm_nvfilename.h>

#include "log.h"

/* The store libtpms's callbacks use; set by tpm_setup, main loop only. */
static struct state_store *store;
static bool running;
static uint8_t locality;
/* libtpms's response buffer, reused across calls (it grows it as needed). */
static unsigned char *rsp_buf;
static uint32_t rsp_buf_size;

static bool blob_by_name(const char *name, enum state_blob *b)
{
    if (!strcmp(name, TPM_PERMANENT_ALL_NAME))
        *b = BLOB_PERMANENT;
    else if (!strcmp(name, TPM_VOLATILESTATE_NAME))
        *b = BLOB_VOLATILE;
    else if (!strcmp(name, TPM_SAVESTATE_NAME))
        *b = BLOB_SAVESTATE;
    else
        return false;
    return true;
}

static TPM_RESULT cb_nvram_init(void)
{
    return TPM_SUCCESS;
}

/* libtpms takes ownership of *data and frees it with free(). */
static TPM_RESULT cb_nvram_loaddata(unsigned char **data, uint32_t *length, uint32_t tpm_number,
                                    const char *name)
{
    (void)tpm_number;
    enum state_blob b;
    if (!blob_by_name(name, &b)) {
        log_error("tpm: libtpms asked for unknown blob '%s'", name);
        return TPM_FAIL;
    }
    const struct state_blob_buf *sb = state_store_get(store, b);
    if (!sb->present)
        return TPM_RETRY; /* libtpms: "does not exist" (manufacture on permall) */
    if (TPM_Malloc(data, sb->len ? sb->len : 1) != TPM_SUCCESS)
        return TPM_SIZE;
    memcpy(*data, sb->data, sb->len);
    *length = sb->len;
    return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_storedata(const unsigned char *data, uint32_t length,
                                     uint32_t tpm_number, const char *name)
{
    (void)tpm_number;
    enum state_blob b;
    if (!blob_by_name(name, &b)) {
        log_error("tpm: libtpms stores unknown blob '%s'", name);
        return TPM_FAIL;
    }
    return state_store_put(store, b, data, length) == 0 ? TPM_SUCCESS : TPM_FAIL;
}

static TPM_RESULT cb_nvram_deletename(uint32_t tpm_number, const char *name, TPM_BOOL must_exist)
{
    (void)tpm_number;
    enum state_blob b;
    if (!blob_by_name(name, &b))
        return must_exist ? TPM_FAIL : TPM_SUCCESS;
    if (must_exist && !state_store_get(store, b)->present)
        return TPM_FAIL;
    return state_store_delete(store, b) == 0 ? TPM_SUCCESS : TPM_FAIL;
}

static TPM_RESULT cb_io_init(void)
{
    return TPM_SUCCESS;
}

static TPM_RESULT cb_io_getlocality(TPM_MODIFIER_INDICATOR *loc, uint32_t tpm_number)
{
    (void)tpm_number;
    *loc = locality;
    return TPM_SUCCESS;
}

/* No physical presence on a virtual TPM. */
static TPM_RESULT cb_io_getphysicalpresence(TPM_BOOL *pp, uint32_t tpm_number)
{
    (void)tpm_number;
    *pp = 0;
    return TPM_SUCCESS;
}

int tpm_setup(struct state_store *st)
{
    store = st;
    TPM_RESULT rc = TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_2);
    if (rc != TPM_SUCCESS) {
        log_error("tpm: libtpms refuses TPM 2.0 (rc 0x%x)", rc);
        return -1;
    }
    static struct libtpms_callbacks cbs = {
        .sizeOfStruct = sizeof(struct libtpms_callbacks),
        .tpm_nvram_init = cb_nvram_init,
        .tpm_nvram_loaddata = cb_nvram_loaddata,
        .tpm_nvram_storedata = cb_nvram_storedata,
        .tpm_nvram_deletename = cb_nvram_deletename,
        .tpm_io_init = cb_io_init,
        .tpm_io_getlocality = cb_io_getlocality,
        .tpm_io_getphysicalpresence = cb_io_getphysicalpresence,
    };
    rc = TPMLIB_RegisterCallbacks(&cbs);
    if (rc != TPM_SUCCESS) {
        log_error("tpm: registering callbacks failed (rc 0x%x)", rc);
        return -1;
    }
    return 0;
}

uint32_t tpm_start(bool delete_volatile)
{
    if (running)
        tpm_stop();
    if (delete_volatile && state_store_delete(store, BLOB_VOLATILE) < 0)
        return TPM_FAIL;
    bool fresh = !state_store_get(store, BLOB_PERMANENT)->present;
    TPM_RESULT rc = TPMLIB_MainInit();
    if (rc != TPM_SUCCESS) {
        log_error("tpm: libtpms rejected the state and did not start (rc 0x%x)", rc);
        return rc;
    }
    running = true;
    log_info("tpm: started%s", fresh ? " (newly manufactured)" : "");
    return TPM_SUCCESS;
}

void tpm_stop(void)
{
    if (!running)
        return;
    TPMLIB_Terminate();
    running = false;
}

bool tpm_running(void)
{
    return running;
}

uint32_t tpm_process(const uint8_t *cmd, uint32_t len, const uint8_t **rsp, uint32_t *rsp_len)
{
    uint32_t out_len = 0;
    /* TPMLIB_Process does not write through `command`; the cast only drops
     * the const its prototype lacks. */
    TPM_RESULT rc = TPMLIB_Process(&rsp_buf, &out_len, &rsp_buf_size, (unsigned char *)cmd, len);
    *rsp = rsp_buf;
    *rsp_len = out_len;
    return rc;
}

uint32_t tpm_buffer_size(void)
{
    uint32_t min, max;
    return TPMLIB_SetBufferSize(0, &min, &max);
}

void tpm_set_locality(uint8_t loc)
{
    locality = loc;
}

uint8_t tpm_locality(void)
{
    return locality;
}

uint32_t tpm_store_volatile(void)
{
    unsigned char *buf = NULL;
    uint32_t len = 0;
    TPM_RESULT rc = TPMLIB_VolatileAll_Store(&buf, &len);
    if (rc != TPM_SUCCESS)
        return rc;
    int r = state_store_put(store, BLOB_VOLATILE, buf, len);
    free(buf);
    return r == 0 ? TPM_SUCCESS : TPM_FAIL;
}
