/* Control-channel commands.  Result codes and response layouts follow swtpm
 * (docs/vtpm.md lists them and the deviations). */
#include "ctrl.h"

#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_library.h>
#include <libtpms/tpm_tis.h>

#include "bytes.h"
#include "log.h"
#include "state_cipher.h"
#include "tpm.h"

uint64_t ctrl_capabilities(bool datafd)
{
    uint64_t caps = PTM_CAP_INIT | PTM_CAP_SHUTDOWN | PTM_CAP_GET_TPMESTABLISHED |
                    PTM_CAP_SET_LOCALITY | PTM_CAP_HASHING | PTM_CAP_CANCEL_TPM_CMD |
                    PTM_CAP_STORE_VOLATILE | PTM_CAP_RESET_TPMESTABLISHED | PTM_CAP_STOP |
                    PTM_CAP_GET_CONFIG | PTM_CAP_SET_BUFFERSIZE | PTM_CAP_GET_INFO;
    if (datafd)
        caps |= PTM_CAP_SET_DATAFD;
    return caps;
}

static size_t result_only(uint8_t *out, uint32_t res)
{
    put_be32(out, res);
    return 4;
}

static size_t do_get_info(const struct ctrl_req *req, uint8_t *out)
{
    char *info = TPMLIB_GetInfo((enum TPMLIB_InfoFlags)req->u.info.flags);
    if (!info)
        return result_only(out, PTM_SIZE);
    size_t total = strlen(info) + 1; /* the terminating NUL is part of the text */
    if (req->u.info.offset >= total - 1) {
        free(info);
        return result_only(out, PTM_BAD_PARAMETER);
    }
    size_t len = total - req->u.info.offset;
    if (len > CTRL_INFO_CHUNK_MAX)
        len = CTRL_INFO_CHUNK_MAX;
    put_be32(out, PTM_SUCCESS);
    put_be32(out + 4, (uint32_t)total);
    put_be32(out + 8, (uint32_t)len);
    memcpy(out + 12, info + req->u.info.offset, len);
    free(info);
    return 12 + len;
}

static size_t do_set_buffersize(const struct ctrl_req *req, uint8_t *out)
{
    /* Changing the size of a running TPM would invalidate what clients
     * learned from TPM2_GetCapability; swtpm refuses it the same way. */
    if (req->u.buffersize && tpm_running())
        return result_only(out, PTM_BAD_ORDINAL);
    uint32_t min, max;
    uint32_t size = TPMLIB_SetBufferSize(req->u.buffersize, &min, &max);
    put_be32(out, PTM_SUCCESS);
    put_be32(out + 4, size);
    put_be32(out + 8, min);
    put_be32(out + 12, max);
    return 16;
}

static size_t do_reset_established(const struct ctrl_req *req, uint8_t *out)
{
    if (req->u.locality > 4)
        return result_only(out, PTM_BAD_LOCALITY);
    /* libtpms checks the locality of the caller: present the requested one
     * for this call only. */
    uint8_t saved = tpm_locality();
    tpm_set_locality(req->u.locality);
    uint32_t res = TPM_IO_TpmEstablished_Reset();
    tpm_set_locality(saved);
    return result_only(out, res);
}

size_t ctrl_execute(const struct ctrl_req *req, bool fds_supported, bool fd_received,
                    uint8_t *out, struct ctrl_effect *eff)
{
    memset(eff, 0, sizeof(*eff));
    if (req->malformed)
        return result_only(out, PTM_BAD_PARAMETER);

    /* Commands that need a running TPM. */
    switch (req->cmd) {
    case CTRL_GET_TPMESTABLISHED:
    case CTRL_RESET_TPMESTABLISHED:
    case CTRL_HASH_START:
    case CTRL_HASH_DATA:
    case CTRL_HASH_END:
    case CTRL_CANCEL_TPM_CMD:
    case CTRL_STORE_VOLATILE:
        if (!tpm_running())
            return result_only(out, PTM_BAD_ORDINAL);
        break;
    default:
        break;
    }

    switch (req->cmd) {
    case CTRL_GET_CAPABILITY:
        put_be64(out, ctrl_capabilities(fds_supported));
        return 8;
    case CTRL_INIT:
        return result_only(out, tpm_start(req->u.init_flags & PTM_INIT_FLAG_DELETE_VOLATILE));
    case CTRL_STOP:
        tpm_stop();
        return result_only(out, PTM_SUCCESS);
    case CTRL_SHUTDOWN:
        tpm_stop();
        eff->shutdown = true;
        return result_only(out, PTM_SUCCESS);
    case CTRL_GET_TPMESTABLISHED: {
        /* Like every response here: a failure is the result alone, so a
         * relay (apps/vtpm-bridge) frames answers by their result. */
        TPM_BOOL bit = 0;
        uint32_t res = TPM_IO_TpmEstablished_Get(&bit);
        if (res != PTM_SUCCESS)
            return result_only(out, res);
        memset(out, 0, 8);
        out[4] = bit ? 1 : 0;
        return 8;
    }
    case CTRL_RESET_TPMESTABLISHED:
        return do_reset_established(req, out);
    case CTRL_SET_LOCALITY:
        if (req->u.locality > 4)
            return result_only(out, PTM_BAD_LOCALITY);
        tpm_set_locality(req->u.locality);
        return result_only(out, PTM_SUCCESS);
    case CTRL_HASH_START:
        return result_only(out, TPM_IO_Hash_Start());
    case CTRL_HASH_DATA:
        return result_only(out, TPM_IO_Hash_Data(req->u.hash.data, req->u.hash.len));
    case CTRL_HASH_END:
        return result_only(out, TPM_IO_Hash_End());
    case CTRL_CANCEL_TPM_CMD:
        /* Commands run to completion on the main loop before the control
         * channel is read again, so no command is ever in flight here.
         * Calling TPMLIB_CancelCommand now would only cancel the next one. */
        return result_only(out, PTM_SUCCESS);
    case CTRL_STORE_VOLATILE:
        return result_only(out, tpm_store_volatile());
    case CTRL_GET_CONFIG:
        /* The state key is swtpm's "file key"; no migration key exists. */
        put_be32(out, PTM_SUCCESS);
        put_be32(out + 4, state_cipher_has_key() ? PTM_CONFIG_FLAG_FILE_KEY : 0);
        return 8;
    case CTRL_SET_DATAFD:
        if (!fd_received)
            return result_only(out, PTM_BAD_PARAMETER);
        eff->adopt_datafd = true;
        return result_only(out, PTM_SUCCESS);
    case CTRL_SET_BUFFERSIZE:
        return do_set_buffersize(req, out);
    case CTRL_GET_INFO:
        return do_get_info(req, out);
    default:
        log_error("ctrl: unknown command 0x%08x", req->cmd);
        return result_only(out, PTM_BAD_ORDINAL);
    }
}
