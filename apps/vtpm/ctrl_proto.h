/* The swtpm control channel: command numbers, capability bits, result codes
 * and request parsing.  Every number is big-endian on the wire.  A request is
 * a u32 command followed by a command-specific body; every response starts
 * with a u32 result (TPM 1.2 style codes below), except GET_CAPABILITY, whose
 * whole response is a u64 capability mask. */
#ifndef VTPM_CTRL_PROTO_H
#define VTPM_CTRL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ctrl_cmd {
    CTRL_GET_CAPABILITY = 0x01,
    CTRL_INIT = 0x02,
    CTRL_SHUTDOWN = 0x03,
    CTRL_GET_TPMESTABLISHED = 0x04,
    CTRL_SET_LOCALITY = 0x05,
    CTRL_HASH_START = 0x06,
    CTRL_HASH_DATA = 0x07,
    CTRL_HASH_END = 0x08,
    CTRL_CANCEL_TPM_CMD = 0x09,
    CTRL_STORE_VOLATILE = 0x0a,
    CTRL_RESET_TPMESTABLISHED = 0x0b,
    CTRL_GET_STATEBLOB = 0x0c, /* not supported: answered TPM_BAD_ORDINAL */
    CTRL_SET_STATEBLOB = 0x0d, /* not supported: answered TPM_BAD_ORDINAL */
    CTRL_STOP = 0x0e,
    CTRL_GET_CONFIG = 0x0f,
    CTRL_SET_DATAFD = 0x10,
    CTRL_SET_BUFFERSIZE = 0x11,
    CTRL_GET_INFO = 0x12,
};

/* GET_CAPABILITY bits. */
#define PTM_CAP_INIT                 (1u << 0)
#define PTM_CAP_SHUTDOWN             (1u << 1)
#define PTM_CAP_GET_TPMESTABLISHED   (1u << 2)
#define PTM_CAP_SET_LOCALITY         (1u << 3)
#define PTM_CAP_HASHING              (1u << 4)
#define PTM_CAP_CANCEL_TPM_CMD       (1u << 5)
#define PTM_CAP_STORE_VOLATILE       (1u << 6)
#define PTM_CAP_RESET_TPMESTABLISHED (1u << 7)
#define PTM_CAP_STOP                 (1u << 10)
#define PTM_CAP_GET_CONFIG           (1u << 11)
#define PTM_CAP_SET_DATAFD           (1u << 12)
#define PTM_CAP_SET_BUFFERSIZE       (1u << 13)
#define PTM_CAP_GET_INFO             (1u << 14)

/* GET_CONFIG flags: the state is encrypted with a key given to the TPM
 * process (swtpm: --key); a migration key exists (never, here). */
#define PTM_CONFIG_FLAG_FILE_KEY      1u

/* INIT flag: forget the stored volatile state before starting. */
#define PTM_INIT_FLAG_DELETE_VOLATILE 1u

/* Result codes (TPM 1.2 main spec numbering, as swtpm uses them). */
#define PTM_SUCCESS       0u
#define PTM_BAD_PARAMETER 3u
#define PTM_FAIL          9u
#define PTM_BAD_ORDINAL   10u
#define PTM_SIZE          23u
#define PTM_IOERROR       31u
#define PTM_BAD_LOCALITY  61u

/* HASH_DATA carries at most this many bytes per message, as in swtpm's
 * ptm_hdata structure. */
#define CTRL_HASH_CHUNK_MAX 4096u
/* The largest request: command, length, one hash chunk. */
#define CTRL_REQ_MAX (4u + 4u + CTRL_HASH_CHUNK_MAX)
/* GET_INFO returns at most this many bytes of text per call. */
#define CTRL_INFO_CHUNK_MAX 3072u
/* The largest response: GET_INFO's result, total, length and text. */
#define CTRL_RSP_MAX (12u + CTRL_INFO_CHUNK_MAX)

/* A parsed request.  Pointers point into the caller's buffer. */
struct ctrl_req {
    uint32_t cmd;
    size_t len;     /* bytes of the buffer this message occupies */
    bool malformed; /* body present but invalid: answer TPM_BAD_PARAMETER */
    union {
        uint32_t init_flags;                       /* INIT */
        uint8_t locality;                          /* SET_LOCALITY, RESET_TPMESTABLISHED */
        uint32_t buffersize;                       /* SET_BUFFERSIZE */
        struct { uint64_t flags; uint32_t offset; } info; /* GET_INFO */
        struct { const uint8_t *data; uint32_t len; } hash; /* HASH_DATA */
    } u;
};

enum ctrl_status {
    CTRL_NEED_MORE, /* not a whole message yet */
    CTRL_COMPLETE,  /* *req describes the first message */
    CTRL_TOO_BIG,   /* HASH_DATA longer than CTRL_HASH_CHUNK_MAX: framing is lost */
};

/* Parses the first message of the `have` bytes buffered.  The protocol has no
 * length field, so, as in swtpm, a message is what the client sent in one
 * go: the bytes buffered, at least the command's minimum body and at most its
 * maximum (SET_LOCALITY and RESET_TPMESTABLISHED accept 1 to 4 body bytes,
 * the u8 and its structure padding).  An unknown command takes everything
 * buffered with it. */
enum ctrl_status ctrl_parse(const uint8_t *buf, size_t have, struct ctrl_req *req);

/* The control command's name for logs ("unknown" for codes not listed). */
const char *ctrl_cmd_name(uint32_t cmd);

#endif
