/* statfs and fstatfs: a file system's type, size and free space, as
 * Linux's tmpfs reports them (shmem_statfs) so df and statvfs work: 4 KiB
 * blocks, the size limit as f_blocks, what is not charged against it (data
 * pages, plus the metadata memory in pages) as free, the inode limit as
 * f_files.  pipefs has no limits and reports zeros, as Linux's simple_statfs. */
#include <fs/syscall_util.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <syscall/syscall.h>

static int64_t statfs_to_user(struct super_block *sb, const struct mount *m, uint64_t ubuf)
{
    struct k_statfs st;
    memset(&st, 0, sizeof st);
    st.f_type = (int64_t)sb->magic;
    st.f_bsize = st.f_frsize = 4096;
    st.f_namelen = K_NAME_MAX;
    /* Read-only is the file system's or the mount's; nosuid and nodev are
     * the mount's and not shown (docs/filesystems.md). */
    st.f_flags = K_ST_VALID | (mount_writable(m, sb) ? K_ST_RDONLY : 0);
    /* Linux encodes the device number as the file system id (huge_encode_dev). */
    uint64_t dev = dev_encode(0, sb->dev_minor);
    st.f_fsid[0] = (int32_t)(uint32_t)dev;
    st.f_fsid[1] = (int32_t)(uint32_t)(dev >> 32);
    if (sb->max_inodes) {
        uint64_t pages, inodes;
        super_usage(sb, &pages, &inodes);
        st.f_blocks = sb->max_pages;
        st.f_bfree = st.f_bavail = pages < sb->max_pages ? sb->max_pages - pages : 0;
        st.f_files = sb->max_inodes;
        st.f_ffree = inodes < sb->max_inodes ? sb->max_inodes - inodes : 0;
    }
    return copy_to_user(ubuf, &st, sizeof st);
}

int64_t sys_statfs(const struct syscall_args *a)
{
    struct place p;
    int r = at_lookup(K_AT_FDCWD, a->arg[0], true, false, &p);
    if (r)
        return r;
    int64_t n = statfs_to_user(p.inode->sb, p.mnt, a->arg[1]);
    place_put(&p);
    return n;
}

int64_t sys_fstatfs(const struct syscall_args *a)
{
    struct file *f = fget((int)a->arg[0]);
    if (!f)
        return -EBADF;
    int64_t r = statfs_to_user(f->inode->sb, f->mnt, a->arg[1]);
    file_put(f);
    return r;
}
