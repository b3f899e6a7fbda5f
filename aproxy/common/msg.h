/* aproxy's messages between the VM half and the host half: one CBOR map per
 * message, text keys, schema versions 1 and 2 (2 adds `cert_table`).  docs/aproxy.md is the schema; this
 * is its one implementation, shared by both halves, the unit test and the
 * fuzzer.
 *
 * A decoded message points into the buffer it was decoded from (no copies),
 * so the buffer must outlive it.  The decoder is bounded: at most MSG_MAX
 * bytes, a map of at most F_COUNT + 2 known keys, each key once, one array of
 * at most MSG_MAX_ITEMS elements, nothing nested deeper, every string within
 * its field's limit.  Anything else is refused with a reason. */
#ifndef APROXY_MSG_H
#define APROXY_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APROXY_VERSION 2      /* the highest schema version spoken (hello lists 1..this) */
#define APROXY_VERSION_MIN 1  /* the lowest; a message is encoded with the lowest version
                               * that has all its fields, so a v1 peer reads what it can */
#define MSG_MAX        65536  /* one encoded message, without the length prefix */
#define MSG_MAX_ITEMS  24     /* elements of the one array a message may carry */
#define MSG_WHY_MAX    160    /* room for a decoder's reason */

enum msg_type {
    MSG_HELLO,      /* negotiation: the versions each side speaks */
    MSG_CHALLENGE,  /* VM: which TEE it attests as; host: the KBS's nonce */
    MSG_REPORT,     /* emulated PSP: VM sends report data, host the signed report */
    MSG_ATTEST,     /* VM: the evidence; host: the KBS accepted it */
    MSG_RESOURCE,   /* VM: a KBS resource path; host: the KBS's JWE */
    MSG_ERROR,      /* either side: a request failed or could not be read */
    MSG_COUNTER,    /* VM: a vtpm's rollback-counter request line; host: the answer line */
    MSG_INIT_DATA,  /* VM: asks for the deployment's init-data; host: it (empty: none) */
    MSG_TYPE_COUNT
};

enum msg_field {
    F_VERSIONS,     /* array of uint */
    F_PLATFORM,     /* text: "emulated" or "snp" */
    F_TEE,          /* text: a Trustee TEE name ("sample", "tpm") */
    F_NONCE,        /* text: the KBS's challenge, verbatim */
    F_REPORT_DATA,  /* bytes: 64, the binding */
    F_REPORT,       /* bytes: an SNP-shaped ATTESTATION_REPORT */
    F_RUNTIME_DATA, /* text: canonical JSON of Trustee's runtime-data */
    F_AK_PUBLIC,    /* bytes: the AK's TPM2B_PUBLIC */
    F_QUOTE,        /* bytes: TPMS_ATTEST */
    F_SIGNATURE,    /* bytes: TPMT_SIGNATURE */
    F_PCRS,         /* array of bytes: PCR 0..23 of the quoted bank */
    F_EVENT_LOG,    /* bytes: the TCG event log the PCRs replay */
    F_ADDITIONAL,   /* text: Trustee's additional_evidence string, verbatim (the quote binds it) */
    F_PATH,         /* text: <repository>/<type>/<tag> */
    F_JWE,          /* text: the KBS's flattened JWE, verbatim JSON */
    F_CODE,         /* uint: an error code (enum msg_error) */
    F_MESSAGE,      /* text: an error's explanation for a human */
    F_LINE,         /* text: one counter relay line, verbatim, without its newline */
    F_BODY,         /* text: init-data (Trustee's "init-data" body, TOML), verbatim; empty: none */
    F_CERT_TABLE,   /* bytes (version 2): an SEV-SNP certificate table, GHCB layout (cert_table.h) */
    F_COUNT
};

enum msg_error {
    MSGERR_MALFORMED = 1,   /* the request could not be decoded */
    MSGERR_VERSION = 2,     /* no common version */
    MSGERR_UNEXPECTED = 3,  /* a valid message out of place */
    MSGERR_KBS_DOWN = 4,    /* the KBS could not be reached (after retries) */
    MSGERR_REFUSED = 5,     /* the KBS refused (attestation failed, no such resource) */
    MSGERR_INTERNAL = 6,    /* the host could not do its part */
};

struct msg_val {
    const uint8_t *p;   /* text or bytes (text has no NUL, is not terminated) */
    size_t len;
    uint64_t u;         /* uint fields */
};

struct msg {
    unsigned version;
    enum msg_type type;
    uint32_t present;                   /* bit (1 << field) per field present */
    struct msg_val f[F_COUNT];
    struct msg_val items[MSG_MAX_ITEMS]; /* the elements of the array field */
    unsigned n_items;
};

/* Building: start with msg_init, then set fields; the pointers are kept, not
 * copied, until msg_encode. */
void msg_init(struct msg *m, enum msg_type type);
void msg_set_text(struct msg *m, enum msg_field f, const char *s);
void msg_set_textn(struct msg *m, enum msg_field f, const void *s, size_t len);
void msg_set_bytes(struct msg *m, enum msg_field f, const void *p, size_t len);
void msg_set_uint(struct msg *m, enum msg_field f, uint64_t u);
/* The array field f (F_VERSIONS: uints, F_PCRS: bytes) from m->items[0..n). */
void msg_set_array(struct msg *m, enum msg_field f, unsigned n);

/* Encodes m as a frame: a 4-byte big-endian length, then the CBOR map.
 * Returns the frame's length, or 0 if it does not fit in cap or breaks a
 * limit the decoder enforces (a peer would refuse it). */
size_t msg_encode(const struct msg *m, uint8_t *buf, size_t cap);

/* Decodes one CBOR message of len bytes (no length prefix).  from_vm says
 * which half sent it, which decides the fields each type requires.  0, or -1
 * with why set. */
int msg_decode(const uint8_t *buf, size_t len, bool from_vm, struct msg *m, char why[MSG_WHY_MAX]);

bool msg_has(const struct msg *m, enum msg_field f);
/* True if text field f equals s. */
bool msg_text_is(const struct msg *m, enum msg_field f, const char *s);
/* Copies text field f into out (cap bytes, terminated); false if absent or too long. */
bool msg_text_copy(const struct msg *m, enum msg_field f, char *out, size_t cap);

const char *msg_type_name(enum msg_type t);
const char *msg_field_name(enum msg_field f);

#endif
