/* The block-device VFS (blockvfs.h).
 *
 * nutshell has no disk file system: its disks are raw virtio block devices
 * (docs/devices.md).  SQLite's own unix VFS needs files it can create,
 * delete and truncate, so a database on /dev/vdb would have no journal and a
 * size SQLite cannot change.  This VFS gives SQLite exactly two files on the
 * device, the database and its rollback journal, each a region with a size
 * kept in its own sector:
 *
 *   sector 0        header: magic, region size
 *   sector 1        the database's size     (struct size_record)
 *   sector 2        the journal's size
 *   4096 ...        the database's region
 *   4096 + region   the journal's region
 *
 * SQLite's durability model is that a write is durable once xSync returns.
 * Writes and truncations change a size in memory; xSync writes the changed
 * size records and then fdatasync()s the device (one flush covers both the
 * data and the sizes).  Deleting the journal (its size set to 0) is SQLite's
 * commit point in journal_mode=DELETE, so it is written and flushed at once:
 * after a crash a non-empty journal is "hot" and SQLite rolls the database
 * back from it, exactly as with files.  A 512-byte record is written in one
 * sector write, which a virtio disk does not tear.
 *
 * Every other file SQLite asks for (temporary databases, statement journals
 * that spill) goes to the default unix VFS, i.e. to tmpfs under /tmp.  The
 * device itself is not locked: one process, one connection owns it. */
#include "blockvfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define HEADER_MAGIC "nutshell sqlite blockvfs 1"
#define SIZE_MAGIC 0x657a6973u /* "size" */
#define SECTOR 512
#define DATA_START 4096

enum region { REGION_DB, REGION_JOURNAL, REGIONS };

struct header {
    char magic[32];
    uint64_t region_size;
};

struct size_record {
    uint32_t magic;
    uint32_t region;
    uint64_t size;
};

/* The device and the two files' sizes.  One connection uses it at a time
 * (blockvfs.h), so nothing here is locked. */
static struct {
    char path[256];
    int fd;
    uint64_t region_size;
    uint64_t size[REGIONS];
    int size_dirty[REGIONS];
    sqlite3_vfs *fallback; /* the default VFS, for every other file */
} dev = {.fd = -1};

struct block_file {
    sqlite3_file base;
    enum region region;
};

static int pwrite_all(const void *buf, size_t len, uint64_t off)
{
    const char *p = buf;
    while (len) {
        ssize_t n = pwrite(dev.fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n, len -= (size_t)n, off += (uint64_t)n;
    }
    return 0;
}

static int write_size(enum region r)
{
    char sector[SECTOR] = {0};
    struct size_record rec = {SIZE_MAGIC, (uint32_t)r, dev.size[r]};
    memcpy(sector, &rec, sizeof rec);
    if (pwrite_all(sector, SECTOR, SECTOR * (1 + (uint64_t)r)))
        return SQLITE_IOERR_WRITE;
    dev.size_dirty[r] = 0;
    return SQLITE_OK;
}

static int flush_sizes(void)
{
    for (int r = 0; r < REGIONS; r++)
        if (dev.size_dirty[r] && write_size((enum region)r) != SQLITE_OK)
            return SQLITE_IOERR_WRITE;
    return fdatasync(dev.fd) ? SQLITE_IOERR_FSYNC : SQLITE_OK;
}

static uint64_t region_start(enum region r)
{
    return DATA_START + (uint64_t)r * dev.region_size;
}

/* --- the file methods ---------------------------------------------------- */

static int bf_close(sqlite3_file *f)
{
    (void)f;
    return SQLITE_OK;
}

static int bf_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    enum region r = ((struct block_file *)f)->region;
    uint64_t size = dev.size[r], want = (uint64_t)amt, have = 0;
    if ((uint64_t)off < size)
        have = size - (uint64_t)off < want ? size - (uint64_t)off : want;
    char *p = buf;
    for (uint64_t done = 0; done < have;) {
        ssize_t n = pread(dev.fd, p + done, have - done, (off_t)(region_start(r) + (uint64_t)off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return SQLITE_IOERR_READ;
        done += (uint64_t)n;
    }
    if (have < want) {
        /* SQLite requires the missing part zeroed on a short read. */
        memset(p + have, 0, want - have);
        return SQLITE_IOERR_SHORT_READ;
    }
    return SQLITE_OK;
}

static int bf_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    enum region r = ((struct block_file *)f)->region;
    uint64_t end = (uint64_t)off + (uint64_t)amt;
    if (off < 0 || end > dev.region_size)
        return SQLITE_FULL;
    if (pwrite_all(buf, (size_t)amt, region_start(r) + (uint64_t)off))
        return SQLITE_IOERR_WRITE;
    if (end > dev.size[r]) {
        dev.size[r] = end;
        dev.size_dirty[r] = 1;
    }
    return SQLITE_OK;
}

static int bf_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    enum region r = ((struct block_file *)f)->region;
    if (size < 0 || (uint64_t)size > dev.region_size)
        return SQLITE_IOERR_TRUNCATE;
    dev.size[r] = (uint64_t)size;
    dev.size_dirty[r] = 1;
    return SQLITE_OK;
}

static int bf_sync(sqlite3_file *f, int flags)
{
    (void)f, (void)flags;
    return flush_sizes();
}

static int bf_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    *size = (sqlite3_int64)dev.size[((struct block_file *)f)->region];
    return SQLITE_OK;
}

static int bf_lock(sqlite3_file *f, int level)
{
    (void)f, (void)level;
    return SQLITE_OK;
}

static int bf_check_reserved_lock(sqlite3_file *f, int *out)
{
    (void)f;
    *out = 0;
    return SQLITE_OK;
}

static int bf_file_control(sqlite3_file *f, int op, void *arg)
{
    (void)f, (void)op, (void)arg;
    return SQLITE_NOTFOUND;
}

static int bf_sector_size(sqlite3_file *f)
{
    (void)f;
    return SECTOR;
}

static int bf_device_characteristics(sqlite3_file *f)
{
    (void)f;
    return 0; /* claim nothing: SQLite then assumes the worst of a crash */
}

static const sqlite3_io_methods block_methods = {
    .iVersion = 1,
    .xClose = bf_close,
    .xRead = bf_read,
    .xWrite = bf_write,
    .xTruncate = bf_truncate,
    .xSync = bf_sync,
    .xFileSize = bf_file_size,
    .xLock = bf_lock,
    .xUnlock = bf_lock,
    .xCheckReservedLock = bf_check_reserved_lock,
    .xFileControl = bf_file_control,
    .xSectorSize = bf_sector_size,
    .xDeviceCharacteristics = bf_device_characteristics,
};

/* --- the VFS ------------------------------------------------------------- */

/* Which region a name is: the device itself, or its "-journal". */
static int region_of(const char *name, enum region *r)
{
    size_t n = strlen(dev.path);
    if (!name || strncmp(name, dev.path, n))
        return 0;
    if (!name[n])
        *r = REGION_DB;
    else if (!strcmp(name + n, "-journal"))
        *r = REGION_JOURNAL;
    else
        return 0;
    return 1;
}

static int vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    enum region r;
    if (!(flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL)) || !region_of(name, &r))
        return dev.fallback->xOpen(dev.fallback, name, f, flags, out_flags);
    ((struct block_file *)f)->region = r;
    f->pMethods = &block_methods;
    if (out_flags)
        *out_flags = flags;
    return SQLITE_OK;
}

static int vfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    enum region r;
    if (!region_of(name, &r))
        return dev.fallback->xDelete(dev.fallback, name, sync_dir);
    if (r == REGION_DB)
        return SQLITE_IOERR_DELETE; /* the database is the device: never deleted */
    /* The commit point: durable before SQLite reports the commit. */
    dev.size[r] = 0;
    dev.size_dirty[r] = 1;
    return flush_sizes() == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_DELETE;
}

static int vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    enum region r;
    if (!region_of(name, &r))
        return dev.fallback->xAccess(dev.fallback, name, flags, out);
    /* A file exists while it has bytes, as SQLite's journal test expects. */
    *out = r == REGION_DB || dev.size[r] > 0;
    return SQLITE_OK;
}

static int vfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    enum region r;
    if (!region_of(name, &r))
        return dev.fallback->xFullPathname(dev.fallback, name, n, out);
    (void)vfs;
    if ((int)strlen(name) >= n)
        return SQLITE_CANTOPEN;
    strcpy(out, name);
    return SQLITE_OK;
}

/* The rest (randomness, sleep, time, errors, no loadable extensions) is
 * the fallback's. */
static int vfs_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return dev.fallback->xRandomness(dev.fallback, n, out);
}

static int vfs_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return dev.fallback->xSleep(dev.fallback, us);
}

static int vfs_current_time(sqlite3_vfs *vfs, double *t)
{
    (void)vfs;
    return dev.fallback->xCurrentTime(dev.fallback, t);
}

static int vfs_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return dev.fallback->xGetLastError(dev.fallback, n, out);
}

static sqlite3_vfs block_vfs = {
    .iVersion = 1,
    .mxPathname = 256,
    .zName = BLOCKVFS_NAME,
    .xOpen = vfs_open,
    .xDelete = vfs_delete,
    .xAccess = vfs_access,
    .xFullPathname = vfs_full_pathname,
    .xRandomness = vfs_randomness,
    .xSleep = vfs_sleep,
    .xCurrentTime = vfs_current_time,
    .xGetLastError = vfs_get_last_error,
};

/* The device's size: st_size of a virtio disk (docs/devices.md) or of an
 * image file on the host. */
static int device_size(int fd, uint64_t *size)
{
    struct stat st;
    if (fstat(fd, &st))
        return -1;
    *size = (uint64_t)st.st_size;
    return 0;
}

int blockvfs_format(const char *device)
{
    int fd = open(device, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    uint64_t size = 0;
    int err = 0;
    if (device_size(fd, &size))
        err = errno;
    else if (size < DATA_START + 2 * 64 * 1024)
        err = EINVAL;
    char sectors[3 * SECTOR] = {0};
    struct header h = {.region_size = (size - DATA_START) / 2 / 4096 * 4096};
    memcpy(h.magic, HEADER_MAGIC, sizeof HEADER_MAGIC);
    memcpy(sectors, &h, sizeof h);
    for (uint32_t r = 0; r < REGIONS; r++) {
        struct size_record rec = {SIZE_MAGIC, r, 0};
        memcpy(sectors + SECTOR * (1 + r), &rec, sizeof rec);
    }
    if (!err && (pwrite(fd, sectors, sizeof sectors, 0) != (ssize_t)sizeof sectors || fdatasync(fd)))
        err = errno ? errno : EIO;
    close(fd);
    errno = err;
    return err ? -1 : 0;
}

int blockvfs_register(const char *device)
{
    if (strlen(device) >= sizeof dev.path)
        return SQLITE_CANTOPEN;
    dev.fallback = sqlite3_vfs_find(NULL); /* the default: unix */
    if (!dev.fallback)
        return SQLITE_ERROR;
    int fd = open(device, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return SQLITE_CANTOPEN;
    char sectors[3 * SECTOR];
    struct header h;
    if (pread(fd, sectors, sizeof sectors, 0) != (ssize_t)sizeof sectors) {
        close(fd);
        return SQLITE_NOTADB;
    }
    memcpy(&h, sectors, sizeof h);
    if (memcmp(h.magic, HEADER_MAGIC, sizeof HEADER_MAGIC) || h.region_size == 0) {
        close(fd);
        return SQLITE_NOTADB;
    }
    for (int r = 0; r < REGIONS; r++) {
        struct size_record rec;
        memcpy(&rec, sectors + SECTOR * (1 + r), sizeof rec);
        if (rec.magic != SIZE_MAGIC || rec.region != (uint32_t)r || rec.size > h.region_size) {
            close(fd);
            return SQLITE_NOTADB;
        }
        dev.size[r] = rec.size;
        dev.size_dirty[r] = 0;
    }
    if (dev.fd >= 0)
        close(dev.fd);
    dev.fd = fd;
    dev.region_size = h.region_size;
    strcpy(dev.path, device);
    int os_file = dev.fallback->szOsFile;
    block_vfs.szOsFile = os_file > (int)sizeof(struct block_file) ? os_file : (int)sizeof(struct block_file);
    return sqlite3_vfs_register(&block_vfs, 0);
}
