/* The Linux x86-64 user ABI of the file system calls: open flags, *at
 * flags, file types, struct stat, struct statx, dirent64, termios, poll
 * bits.  Values are Linux's (asm-generic/fcntl.h, x86 stat.h...), prefixed
 * where a host build could clash with libc's names. */
#ifndef FS_UAPI_H
#define FS_UAPI_H

#include <kernel/types.h>

#define PATH_MAX 4096
#define NAME_MAX 255
#define PIPE_BUF 4096
#define IOV_MAX 1024
#define MAX_RW_COUNT 0x7ffff000ull /* Linux's largest single read/write */
#define SYMLINK_MAX_FOLLOW 40

/* open(2) flags (octal, as in asm-generic/fcntl.h). */
#define K_O_ACCMODE 03
#define K_O_RDONLY 00
#define K_O_WRONLY 01
#define K_O_RDWR 02
#define K_O_CREAT 0100
#define K_O_EXCL 0200
#define K_O_NOCTTY 0400
#define K_O_TRUNC 01000
#define K_O_APPEND 02000
#define K_O_NONBLOCK 04000
#define K_O_DSYNC 010000
#define K_O_ASYNC 020000
#define K_O_DIRECT 040000
#define K_O_LARGEFILE 0100000
#define K_O_DIRECTORY 0200000
#define K_O_NOFOLLOW 0400000
#define K_O_NOATIME 01000000
#define K_O_CLOEXEC 02000000
#define K_O_SYNC 04010000
#define K_O_PATH 010000000
#define K_O_TMPFILE 020000000 /* with O_DIRECTORY */
/* The status flags F_SETFL may change. */
#define K_O_SETFL_MASK (K_O_APPEND | K_O_NONBLOCK | K_O_ASYNC | K_O_DIRECT | K_O_NOATIME)

/* *at(2) */
#define K_AT_FDCWD (-100)
#define K_AT_SYMLINK_NOFOLLOW 0x100
#define K_AT_REMOVEDIR 0x200
#define K_AT_EACCESS 0x200
#define K_AT_SYMLINK_FOLLOW 0x400
#define K_AT_NO_AUTOMOUNT 0x800
#define K_AT_EMPTY_PATH 0x1000
#define K_AT_STATX_SYNC_TYPE 0x6000
#define K_AT_STATX_FORCE_SYNC 0x2000
#define K_AT_STATX_DONT_SYNC 0x4000

#define K_RENAME_NOREPLACE 1
#define K_RENAME_EXCHANGE 2
#define K_RENAME_WHITEOUT 4

/* access(2) */
#define K_F_OK 0
#define K_X_OK 1
#define K_W_OK 2
#define K_R_OK 4

/* fcntl(2) */
#define K_F_DUPFD 0
#define K_F_GETFD 1
#define K_F_SETFD 2
#define K_F_GETFL 3
#define K_F_SETFL 4
#define K_F_SETPIPE_SZ 1031 /* F_LINUX_SPECIFIC_BASE + 7 */
#define K_F_GETPIPE_SZ 1032
#define K_F_DUPFD_CLOEXEC 1030
#define K_FD_CLOEXEC 1
/* Record locks (fcntl) and flock(2) */
#define K_F_GETLK 5
#define K_F_SETLK 6
#define K_F_SETLKW 7
#define K_F_OFD_GETLK 36
#define K_F_OFD_SETLK 37
#define K_F_OFD_SETLKW 38
#define K_F_RDLCK 0
#define K_F_WRLCK 1
#define K_F_UNLCK 2
#define K_LOCK_SH 1
#define K_LOCK_EX 2
#define K_LOCK_NB 4
#define K_LOCK_UN 8

/* lseek(2) */
#define K_SEEK_SET 0
#define K_SEEK_CUR 1
#define K_SEEK_END 2

/* st_mode */
#define K_S_IFMT 0170000
#define K_S_IFSOCK 0140000
#define K_S_ISSOCK(m) (((m) & K_S_IFMT) == K_S_IFSOCK)
#define K_S_IFLNK 0120000
#define K_S_IFREG 0100000
#define K_S_IFBLK 0060000
#define K_S_IFDIR 0040000
#define K_S_IFCHR 0020000
#define K_S_IFIFO 0010000
#define K_S_ISREG(m) (((m) & K_S_IFMT) == K_S_IFREG)
#define K_S_ISDIR(m) (((m) & K_S_IFMT) == K_S_IFDIR)
#define K_S_ISLNK(m) (((m) & K_S_IFMT) == K_S_IFLNK)
#define K_S_ISCHR(m) (((m) & K_S_IFMT) == K_S_IFCHR)
#define K_S_ISBLK(m) (((m) & K_S_IFMT) == K_S_IFBLK)
#define K_S_ISFIFO(m) (((m) & K_S_IFMT) == K_S_IFIFO)
#define K_S_PERM 07777
#define K_S_ISUID 04000
#define K_S_ISGID 02000
#define K_S_IXGRP 00010

/* d_type of getdents64 */
#define K_DT_FIFO 1
#define K_DT_CHR 2
#define K_DT_DIR 4
#define K_DT_REG 8
#define K_DT_LNK 10

/* The device number as struct stat carries it (Linux's new_encode_dev). */
static inline uint64_t dev_encode(uint32_t major, uint32_t minor)
{
    return (minor & 0xffu) | ((uint64_t)major << 8) | ((uint64_t)(minor & ~0xffu) << 12);
}

/* statfs f_type values (Linux's include/uapi/linux/magic.h).  devfs is a
 * tmpfs, as Linux's devtmpfs, and reports TMPFS_MAGIC as it does. */
#define K_TMPFS_MAGIC 0x01021994u
#define K_PIPEFS_MAGIC 0x50495045u
#define K_SOCKFS_MAGIC 0x534F434Bu
#define K_ANON_INODE_FS_MAGIC 0x09041934u
#define K_ST_VALID 0x20u  /* f_flags: the flags are meaningful (Linux's ST_VALID) */
#define K_ST_RDONLY 0x1u /* f_flags: mounted read-only (ST_RDONLY) */
#define K_NAME_MAX 255

/* struct statfs of x86-64 (120 bytes). */
struct k_statfs {
    int64_t f_type;
    int64_t f_bsize;
    uint64_t f_blocks, f_bfree, f_bavail; /* in f_frsize units */
    uint64_t f_files, f_ffree;
    int32_t f_fsid[2];
    int64_t f_namelen;
    int64_t f_frsize;
    int64_t f_flags;
    int64_t f_spare[4];
};

/* struct stat of x86-64 (144 bytes). */
struct k_stat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    uint32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks; /* 512-byte units */
    uint64_t st_atime_sec, st_atime_nsec;
    uint64_t st_mtime_sec, st_mtime_nsec;
    uint64_t st_ctime_sec, st_ctime_nsec;
    int64_t unused[3];
};

struct k_statx_timestamp {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};

struct k_statx {
    uint32_t stx_mask;
    uint32_t stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink;
    uint32_t stx_uid;
    uint32_t stx_gid;
    uint16_t stx_mode;
    uint16_t pad1;
    uint64_t stx_ino;
    uint64_t stx_size;
    uint64_t stx_blocks;
    uint64_t stx_attributes_mask;
    struct k_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor;
    uint32_t stx_dev_major, stx_dev_minor;
    uint64_t spare[14];
};
#define K_STATX_BASIC_STATS 0x7ffu
#define K_STATX_RESERVED 0x80000000u

/* One getdents64 record: header then the NUL-terminated name, padded to 8. */
struct k_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
    char d_name[];
};

struct k_iovec {
    uint64_t base;
    uint64_t len;
};

struct k_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

struct k_timeval { /* select, utimes, futimesat */
    int64_t tv_sec;
    int64_t tv_usec;
};

/* utimensat special nanosecond values */
#define K_UTIME_NOW ((1l << 30) - 1l)
#define K_UTIME_OMIT ((1l << 30) - 2l)

/* poll(2) */
#define K_POLLIN 0x001
#define K_POLLPRI 0x002
#define K_POLLOUT 0x004
#define K_POLLERR 0x008
#define K_POLLHUP 0x010
#define K_POLLNVAL 0x020
#define K_POLLRDNORM 0x040
#define K_POLLWRNORM 0x100

/* ioctl(2) */
#define K_TCGETS 0x5401
#define K_TCSETS 0x5402
#define K_TCSETSW 0x5403
#define K_TCSETSF 0x5404
#define K_TIOCGPGRP 0x540f
#define K_TIOCSPGRP 0x5410
#define K_TIOCGWINSZ 0x5413
#define K_TIOCSWINSZ 0x5414
#define K_FIONREAD 0x541b
#define K_FIONBIO 0x5421
#define K_FIOCLEX 0x5451
#define K_FIONCLEX 0x5450

/* The kernel's struct termios (asm-generic/termbits.h): 36 bytes, no speeds fields. */
#define K_NCCS 19
struct k_termios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[K_NCCS];
};

struct k_winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

#endif
