/* State store I/O: formatting, loading and committing slots (state_store.h
 * explains the protocol, docs/vtpm.md the format). */
#include "state_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "log.h"
#include "state_cipher.h"

static const char *blob_name[BLOB_COUNT] = {"permanent", "volatile", "savestate"};

/* pwrite all of it, honouring the simulated power cut. */
static int write_at(struct state_store *st, const uint8_t *buf, size_t len, uint64_t off)
{
    if (st->fault_budget >= 0 && (uint64_t)st->fault_budget < len) {
        size_t part = (size_t)st->fault_budget;
        if (part && pwrite(st->fd, buf, part, (off_t)(st->base + off)) < 0)
            log_error("state: %s", strerror(errno));
        log_error("state: simulated power cut after %zu of %zu bytes at offset %llu", part, len,
                  (unsigned long long)off);
        _exit(99);
    }
    if (st->fault_budget >= 0)
        st->fault_budget -= (int64_t)len;
    while (len) {
        ssize_t n = pwrite(st->fd, buf, len, (off_t)(st->base + off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            log_error("state: write %s at %llu: %s", st->path, (unsigned long long)off,
                      n < 0 ? strerror(errno) : "short write");
            return -1;
        }
        buf += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Offsets are within the state's region, which starts st->base bytes into
 * the medium (--state-offset: a second state on the same disk). */
static int read_at(const struct state_store *st, uint8_t *buf, size_t len, uint64_t off)
{
    off += st->base;
    while (len) {
        ssize_t n = pread(st->fd, buf, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int sync_fd(struct state_store *st)
{
    if (fsync(st->fd) < 0) {
        log_error("state: fsync %s: %s", st->path, strerror(errno));
        return -1;
    }
    return 0;
}

static struct seal_binding binding(const struct state_store *st, uint64_t seq)
{
    struct seal_binding b = {.version = st->sb.version, .seq = seq};
    memcpy(b.instance, st->sb.instance, STATE_INSTANCE_LEN);
    return b;
}

/* Writes `blobs` into slot `slot` with sequence `seq`, in commit order;
 * `tag` receives the new header's digest. */
static int write_slot(struct state_store *st, int slot, uint64_t seq,
                      const struct blob_ref blobs[BLOB_COUNT], uint8_t tag[STATE_SHA256_LEN])
{
    uint32_t cap = state_payload_capacity(&st->sb);
    uint32_t cipher = state_cipher_active();
    size_t plain_cap = cap - state_cipher_overhead(cipher);
    uint8_t *plain = st->plain_buf;
    size_t plain_len, sealed_len;
    if (!state_payload_encode(blobs, plain, plain_cap, &plain_len)) {
        log_error("state: blobs exceed the slot capacity of %u bytes", cap);
        return -1;
    }
    struct seal_binding b = binding(st, seq);
    bool ok = state_seal(cipher, &b, plain, plain_len, st->io_buf, cap, &sealed_len);
    memset(plain, 0, plain_len); /* the TPM's secrets, in the clear */
    if (!ok) {
        log_error("state: sealing the payload failed");
        return -1;
    }
    struct slot_header h = {.cipher = cipher, .seq = seq, .payload_len = (uint32_t)sealed_len};
    state_sha256(st->io_buf, sealed_len, h.payload_sha256);
    /* The header region sits right before the payload in slot_buf, so the
     * whole slot goes out in one write and one flush (state_store.h says
     * why that order-free commit is safe). */
    memset(st->slot_buf, 0, STATE_REGION);
    slot_header_encode(&h, st->slot_buf);
    memcpy(tag, h.digest, STATE_SHA256_LEN);
    uint64_t base = st->sb.slot_offset[slot];
    if (write_at(st, st->slot_buf, STATE_REGION + sealed_len, base) < 0 || sync_fd(st) < 0)
        return -1;
    return 0;
}

static void blob_refs(const struct state_store *st, struct blob_ref refs[BLOB_COUNT])
{
    for (int i = 0; i < BLOB_COUNT; i++)
        refs[i] = (struct blob_ref){st->blobs[i].data, st->blobs[i].len, st->blobs[i].present};
}

static int commit(struct state_store *st)
{
    struct blob_ref refs[BLOB_COUNT];
    blob_refs(st, refs);
    int target = st->cur_slot ^ 1;
    uint8_t tag[STATE_SHA256_LEN];
    if (write_slot(st, target, st->seq + 1, refs, tag) < 0)
        return -1;
    /* On the medium now, so it is the current state whatever the anchor
     * says: a failed anchor only means it must not be acknowledged. */
    st->cur_slot = target;
    st->seq++;
    memcpy(st->tag, tag, sizeof(tag));
    st->cur_cipher = state_cipher_active();
    return st->anchor ? st->anchor(st->seq, st->tag) : 0;
}

int state_store_recommit(struct state_store *st)
{
    return commit(st);
}

/* Writes a fresh layout: superblock, and an empty committed state (seq 0) in
 * slot 1 so that a power cut during the first real commit (to slot 0) leaves
 * that empty state loadable.  Slot 0's header is zeroed: a leftover header
 * from an older layout must not win. */
static int format(struct state_store *st)
{
    uint8_t sector[STATE_SECTOR];
    state_super_encode(&st->sb, sector);
    if (write_at(st, sector, sizeof(sector), 0) < 0)
        return -1;
    memset(sector, 0, sizeof(sector));
    if (write_at(st, sector, sizeof(sector), st->sb.slot_offset[0]) < 0)
        return -1;
    struct blob_ref none[BLOB_COUNT] = {0};
    if (write_slot(st, 1, 0, none, st->tag) < 0)
        return -1;
    st->cur_slot = 1;
    st->seq = 0;
    st->cur_cipher = state_cipher_active();
    return 0;
}

/* A new state's layout with a fresh random instance id. */
static int new_layout(struct state_store *st, uint64_t slot_size)
{
    state_super_default(&st->sb, slot_size);
    if (RAND_bytes(st->sb.instance, STATE_INSTANCE_LEN) != 1) {
        log_error("state: no random bytes for the instance id");
        return -1;
    }
    return 0;
}

/* The staging buffers, sized for the layout in st->sb: slot_buf holds a
 * whole slot as stored (its header region, then at io_buf the sealed
 * payload), plain_buf the records in the clear.  Allocated once, not per
 * commit: a commit is then no mmap and munmap of a megabyte. */
static int alloc_buffers(struct state_store *st)
{
    free(st->slot_buf);
    free(st->plain_buf);
    st->slot_buf = malloc(STATE_REGION + (size_t)state_payload_capacity(&st->sb));
    st->io_buf = st->slot_buf ? st->slot_buf + STATE_REGION : NULL;
    st->plain_buf = malloc(state_payload_capacity(&st->sb));
    if (st->slot_buf && st->plain_buf)
        return 0;
    log_error("state: out of memory");
    return -1;
}

/* The bytes of the medium from the region's start on. */
static uint64_t medium_size(const struct state_store *st)
{
    off_t end = lseek(st->fd, 0, SEEK_END);
    return end < 0 || (uint64_t)end < st->base ? 0 : (uint64_t)end - st->base;
}

/* Grows a regular file to hold the region's layout of `need` bytes.  It is
 * never shrunk: with --state-offset another state may live before or after
 * this one in the same file (docs/vtpm.md, "Two states on one disk"). */
static int grow_file(struct state_store *st, uint64_t need)
{
    if (medium_size(st) >= need)
        return 0;
    if (ftruncate(st->fd, (off_t)(st->base + need)) < 0) {
        log_error("state: size %s: %s", st->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Makes a rename durable.  Best effort: a failure only means a power cut
 * right now could lose the brand-new (still empty) state. */
static void sync_parent_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= sizeof(dir))
        return;
    if (slash && n == 0)
        n = 1; /* the root directory */
    if (slash)
        memcpy(dir, path, n);
    else
        dir[n++] = '.';
    dir[n] = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (fsync(fd) < 0)
        log_info("state: fsync of directory %s: %s", dir, strerror(errno));
    close(fd);
}

static int lock_region(struct state_store *st, unsigned wait_s);

/* Creates a missing regular file: formatted under a temporary name, then
 * renamed, so a crash never leaves a half-formatted file at `path`.  Its lock
 * is taken at once (no wait: nobody else can have a brand-new file) and stays
 * with the inode across the rename. */
static int create_file(struct state_store *st)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.new", st->path) >= (int)sizeof(tmp)) {
        log_error("state: path too long");
        return -1;
    }
    st->fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (st->fd < 0) {
        log_error("state: create %s: %s", tmp, strerror(errno));
        return -1;
    }
    if (lock_region(st, 0) < 0)
        return -1;
    if (grow_file(st, state_super_extent(&st->sb)) < 0)
        return -1;
    if (format(st) < 0)
        return -1;
    if (rename(tmp, st->path) < 0) {
        log_error("state: rename %s: %s", tmp, strerror(errno));
        return -1;
    }
    sync_parent_dir(st->path);
    log_info("state: created %s (%llu bytes, 2 slots of %llu)", st->path,
             (unsigned long long)state_super_extent(&st->sb), (unsigned long long)st->sb.slot_size);
    return 0;
}

/* Reads slot `i`'s header; on success *h holds it. */
static enum state_check read_header(struct state_store *st, int i, struct slot_header *h)
{
    uint8_t sector[STATE_SECTOR];
    if (read_at(st, sector, sizeof(sector), st->sb.slot_offset[i]) < 0)
        return STATE_BAD_LAYOUT;
    return slot_header_decode(sector, state_payload_capacity(&st->sb), h);
}

enum slot_load {
    SLOT_LOADED,
    SLOT_TORN,     /* the payload is not the one its header names */
    SLOT_BAD,      /* unreadable, or whole but malformed */
    SLOT_SEALED,   /* whole, but does not unseal: never formatted over */
};

/* Loads slot `i` described by `h` into st->blobs; *why says what failed. */
static enum slot_load load_slot(struct state_store *st, int i, const struct slot_header *h,
                                const char **why)
{
    uint32_t cap = state_payload_capacity(&st->sb);
    if (read_at(st, st->io_buf, h->payload_len, st->sb.slot_offset[i] + STATE_REGION) < 0) {
        *why = "payload unreadable";
        return SLOT_BAD;
    }
    uint8_t sha[STATE_SHA256_LEN];
    state_sha256(st->io_buf, h->payload_len, sha);
    if (memcmp(sha, h->payload_sha256, sizeof(sha))) {
        *why = "payload checksum mismatch";
        return SLOT_TORN;
    }
    uint8_t *plain = st->plain_buf;
    size_t plain_len;
    struct seal_binding bind = binding(st, h->seq);
    enum unseal_status us = state_unseal(h->cipher, &bind, st->io_buf, h->payload_len, plain, cap,
                                         &plain_len);
    if (us != UNSEAL_OK) {
        *why = unseal_status_str(us);
        return SLOT_SEALED;
    }
    struct blob_ref refs[BLOB_COUNT];
    if (!state_payload_decode(plain, plain_len, refs)) {
        memset(plain, 0, plain_len);
        *why = "payload records malformed";
        return SLOT_BAD;
    }
    for (int b = 0; b < BLOB_COUNT; b++) {
        st->blobs[b].present = refs[b].present;
        st->blobs[b].len = refs[b].len;
        st->blobs[b].data = NULL;
        if (refs[b].present) {
            st->blobs[b].data = malloc(refs[b].len ? refs[b].len : 1);
            if (!st->blobs[b].data) {
                memset(plain, 0, plain_len);
                *why = "out of memory";
                return SLOT_BAD;
            }
            memcpy(st->blobs[b].data, refs[b].data, refs[b].len);
        }
    }
    memset(plain, 0, plain_len);
    return SLOT_LOADED;
}

static bool holds_blobs(const struct state_store *st)
{
    for (int b = 0; b < BLOB_COUNT; b++)
        if (st->blobs[b].present)
            return true;
    return false;
}

/* Picks and loads the newest valid slot; 0, or -1 with the reason logged,
 * or -2 for a state that must not be formatted over (sealed, or unsealed
 * where a sealed one is wanted). */
static int load(struct state_store *st, bool seal_existing)
{
    struct slot_header h[2];
    enum state_check c[2];
    for (int i = 0; i < 2; i++)
        c[i] = read_header(st, i, &h[i]);
    int best = -1;
    for (int i = 0; i < 2; i++)
        if (c[i] == STATE_OK && (best < 0 || h[i].seq > h[best].seq))
            best = i;
    if (best < 0) {
        log_error("state: %s has no valid slot (slot 0: %s, slot 1: %s)", st->path,
                  state_check_str(c[0]), state_check_str(c[1]));
        return -1;
    }
    const char *why = "";
    enum slot_load r = load_slot(st, best, &h[best], &why);
    int other = best ^ 1;
    if (r == SLOT_TORN && c[other] == STATE_OK) {
        /* A commit writes header and payload together and acknowledges
         * them only after its flush, so a power cut may leave the header
         * on the medium without the whole payload.  That commit was never
         * acknowledged: the other slot holds the last one that was. */
        log_info("state: %s slot %d (seq %llu): %s (a commit cut short, or damage); using slot "
                 "%d (seq %llu)", st->path, best, (unsigned long long)h[best].seq, why, other,
                 (unsigned long long)h[other].seq);
        best = other;
        other = best ^ 1;
        r = load_slot(st, best, &h[best], &why);
    }
    if (r == SLOT_SEALED) {
        log_error("state: %s slot %d (seq %llu, cipher %s): %s; refusing to start, and not "
                  "formatting over it", st->path, best, (unsigned long long)h[best].seq,
                  state_cipher_name(h[best].cipher), why);
        return -2;
    }
    if (r != SLOT_LOADED) {
        log_error("state: %s slot %d (seq %llu) is corrupt: %s", st->path, best,
                  (unsigned long long)h[best].seq, why);
        return -1;
    }
    if (state_cipher_has_key() && h[best].cipher == STATE_CIPHER_NONE && holds_blobs(st)) {
        if (!seal_existing) {
            /* Its seeds were written in the clear: whoever made or copied it
             * knows them, and sealing it now would not change that. */
            log_error("state: %s holds an unsealed TPM but a state key was given; refusing to "
                      "start (pass --seal-existing to seal it, only if no untrusted party ever "
                      "had a copy)", st->path);
            return -2;
        }
        log_info("state: %s is unsealed; --seal-existing: sealing it now", st->path);
    }
    if (c[other] != STATE_OK && c[other] != STATE_BLANK)
        log_info("state: slot %d header %s (interrupted commit or damage); using slot %d",
                 other, state_check_str(c[other]), best);
    st->cur_slot = best;
    st->seq = h[best].seq;
    st->cur_cipher = h[best].cipher;
    memcpy(st->tag, h[best].digest, STATE_SHA256_LEN);
    log_info("state: loaded %s slot %d seq %llu, %s (permanent %s, volatile %s, savestate %s)",
             st->path, best, (unsigned long long)st->seq, h[best].cipher == STATE_CIPHER_NONE ?
             "unsealed" : state_cipher_name(h[best].cipher),
             st->blobs[BLOB_PERMANENT].present ? "yes" : "no",
             st->blobs[BLOB_VOLATILE].present ? "yes" : "no",
             st->blobs[BLOB_SAVESTATE].present ? "yes" : "no");
    return 0;
}

/* Checks the superblock and the medium size; 0 if the layout is usable. */
static int check_layout(struct state_store *st)
{
    uint8_t sector[STATE_SECTOR];
    uint64_t size = medium_size(st);
    if (size < STATE_SECTOR || read_at(st, sector, sizeof(sector), 0) < 0) {
        log_error("state: %s is %llu bytes, too short to hold a superblock", st->path,
                  (unsigned long long)size);
        return -1;
    }
    enum state_check c = state_super_decode(sector, &st->sb);
    if (c != STATE_OK) {
        log_error("state: %s superblock: %s", st->path, state_check_str(c));
        return -1;
    }
    if (size < state_super_extent(&st->sb)) {
        log_error("state: %s is %llu bytes but its layout needs %llu (truncated?)", st->path,
                  (unsigned long long)size, (unsigned long long)state_super_extent(&st->sb));
        return -1;
    }
    return 0;
}

static void free_blobs(struct state_store *st)
{
    for (int b = 0; b < BLOB_COUNT; b++) {
        free(st->blobs[b].data);
        st->blobs[b] = (struct state_blob_buf){0};
    }
}

/* Makes room for the layout new_layout() chose: a file grows to it, a
 * device must already hold it.  0, or -1 with the reason logged. */
static int make_room(struct state_store *st)
{
    uint64_t need = state_super_extent(&st->sb);
    struct stat sbuf;
    if (fstat(st->fd, &sbuf) == 0 && S_ISREG(sbuf.st_mode))
        return grow_file(st, need);
    if (medium_size(st) < need) {
        if (st->base)
            log_error("state: %s holds %llu bytes from offset %llu, the layout needs %llu", st->path,
                      (unsigned long long)medium_size(st), (unsigned long long)st->base, (unsigned long long)need);
        else
            log_error("state: %s holds %llu bytes, the layout needs %llu", st->path,
                      (unsigned long long)medium_size(st), (unsigned long long)need);
        return -1;
    }
    return 0;
}

static int reformat(struct state_store *st, uint64_t slot_size)
{
    free_blobs(st);
    if (new_layout(st, slot_size) < 0)
        return -1;
    if (make_room(st) < 0)
        return -1;
    if (alloc_buffers(st) < 0)
        return -1;
    if (format(st) < 0)
        return -1;
    log_info("state: formatted %s afresh; a new TPM will be manufactured", st->path);
    return 0;
}

/* One vtpm per state: an exclusive open-file-description lock (fcntl
 * F_OFD_SETLK, as Linux and nutshell's kernel keep them) on the region's
 * first sector, its superblock.  Only that sector, so the other state on the
 * same disk (--state-offset) is not held up; two regions overlapping
 * elsewhere are refused by their layout checks.  OFD locks belong to the open
 * file, not the process: a child started between fork and exec does not
 * keep it (the descriptor is close-on-exec) and it goes when the vtpm exits,
 * however it exits.  A vtpm whose region is held waits up to wait_s seconds
 * (a restarted aproxy's new quoting vtpm while the old one still runs), then
 * refuses: two on one state would each overwrite the other's commits. */
static int lock_region(struct state_store *st, unsigned wait_s)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = (off_t)st->base, .l_len = STATE_SECTOR};
    const struct timespec tick = {.tv_nsec = 100 * 1000 * 1000};
    for (unsigned tenths = 0;; tenths++) {
        if (fcntl(st->fd, F_OFD_SETLK, &fl) == 0) {
            if (tenths)
                log_info("state: %s at offset %llu is free again; starting", st->path, (unsigned long long)st->base);
            return 0;
        }
        if (errno != EAGAIN && errno != EACCES && errno != EINTR) {
            log_error("state: cannot lock %s at offset %llu: %s; refusing to start (nothing would keep a second "
                      "vtpm off this state)", st->path, (unsigned long long)st->base, strerror(errno));
            return -1;
        }
        if (tenths >= wait_s * 10u) {
            log_error("state: %s at offset %llu is in use by another vtpm (still after %u s); refusing to start: two "
                      "vtpms on one state would overwrite each other's commits", st->path,
                      (unsigned long long)st->base, wait_s);
            return -1;
        }
        if (tenths == 0)
            log_info("state: %s at offset %llu is in use by another vtpm; waiting up to %u s for it to exit",
                     st->path, (unsigned long long)st->base, wait_s);
        nanosleep(&tick, NULL);
    }
}

int state_store_open(struct state_store *st, const char *path, const struct state_store_opts *o)
{
    memset(st, 0, sizeof(*st));
    st->path = path;
    st->fd = -1;
    st->cur_slot = 1;
    st->fault_budget = -1;
    st->base = o->offset;

    st->fd = open(path, O_RDWR | O_CLOEXEC);
    if (st->fd < 0 && errno == ENOENT) {
        if (new_layout(st, o->slot_size) < 0)
            return -1;
        if (alloc_buffers(st) < 0)
            return -1;
        return create_file(st);
    }
    if (st->fd < 0) {
        log_error("state: open %s: %s", path, strerror(errno));
        return -1;
    }
    if (lock_region(st, o->lock_wait_s) < 0)
        return -1;
    if (check_layout(st) == 0) {
        if (alloc_buffers(st) < 0)
            return -1;
        int r = load(st, o->seal_existing);
        if (r == 0)
            return 0;
        free_blobs(st);
        if (r == -2)
            return -1;
    }
    if (!o->remanufacture) {
        log_error("state: refusing to start on %s; pass --remanufacture to discard it and "
                  "manufacture a new TPM", path);
        return -1;
    }
    return reformat(st, o->slot_size);
}

int state_store_format_region(struct state_store *st, const char *path, const struct state_store_opts *o)
{
    memset(st, 0, sizeof(*st));
    st->path = path;
    st->cur_slot = 1;
    st->fault_budget = -1;
    st->fd = open(path, O_RDWR | O_CLOEXEC);
    if (st->fd < 0) {
        log_error("state: open %s: %s", path, strerror(errno));
        return -1;
    }
    /* a state at offset 0 (the main one on this disk) must end before ours */
    uint8_t sector[STATE_SECTOR];
    struct state_super other;
    if (read_at(st, sector, sizeof(sector), 0) == 0 && state_super_decode(sector, &other) == STATE_OK &&
        state_super_extent(&other) > o->offset) {
        log_error("state: %s holds a state at offset 0 that reaches byte %llu, past --state-offset %llu", path,
                  (unsigned long long)state_super_extent(&other), (unsigned long long)o->offset);
        return -1;
    }
    st->base = o->offset;
    if (lock_region(st, o->lock_wait_s) < 0)
        return -1;
    if (read_at(st, sector, sizeof(sector), 0) == 0) {
        for (size_t i = 0; i < sizeof(sector); i++)
            if (sector[i]) {
                log_error("state: %s is not blank at offset %llu; --format-only makes new states only", path,
                          (unsigned long long)o->offset);
                return -1;
            }
    }
    if (new_layout(st, o->slot_size) < 0)
        return -1;
    if (make_room(st) < 0)
        return -1;
    if (alloc_buffers(st) < 0 || format(st) < 0 || sync_fd(st) < 0)
        return -1;
    log_info("state: formatted %s at offset %llu (%llu bytes, 2 slots of %llu)", path,
             (unsigned long long)o->offset, (unsigned long long)state_super_extent(&st->sb), (unsigned long long)st->sb.slot_size);
    return 0;
}

void state_store_close(struct state_store *st)
{
    free_blobs(st);
    free(st->slot_buf);
    free(st->plain_buf);
    st->slot_buf = st->io_buf = st->plain_buf = NULL;
    if (st->fd >= 0)
        close(st->fd);
    st->fd = -1;
}

const struct state_blob_buf *state_store_get(const struct state_store *st, enum state_blob b)
{
    return &st->blobs[b];
}

int state_store_put(struct state_store *st, enum state_blob b, const uint8_t *data, uint32_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) {
        log_error("state: out of memory storing %s", blob_name[b]);
        return -1;
    }
    if (len)
        memcpy(copy, data, len);
    struct state_blob_buf old = st->blobs[b];
    st->blobs[b] = (struct state_blob_buf){copy, len, true};
    if (commit(st) < 0) {
        /* keep memory equal to what is on the medium */
        free(copy);
        st->blobs[b] = old;
        log_error("state: storing %s failed", blob_name[b]);
        return -1;
    }
    free(old.data);
    log_debug("state: stored %s (%u bytes) as seq %llu in slot %d", blob_name[b], len,
              (unsigned long long)st->seq, st->cur_slot);
    return 0;
}

int state_store_delete(struct state_store *st, enum state_blob b)
{
    if (!st->blobs[b].present)
        return 0;
    struct state_blob_buf old = st->blobs[b];
    st->blobs[b] = (struct state_blob_buf){0};
    if (commit(st) < 0) {
        st->blobs[b] = old;
        log_error("state: deleting %s failed", blob_name[b]);
        return -1;
    }
    free(old.data);
    log_debug("state: deleted %s, seq %llu", blob_name[b], (unsigned long long)st->seq);
    return 0;
}

void state_store_set_fault(struct state_store *st, int64_t bytes)
{
    st->fault_budget = bytes;
}
