/* Directory entries of in-memory directories.  All of these run under
 * vfs_ns_lock (fs/vfs.h).
 *
 * Each entry is in two structures of its directory:
 *   - a hash table of names (chained, keyed per boot), for O(1) lookup and
 *     insert; it doubles when entries outnumber buckets twice over, and a
 *     table that cannot grow (no memory) only makes chains longer;
 *   - a range tree (kernel/range_tree.h) by sequence number, for getdents64.
 *     Each entry gets the next number of its directory when added and never
 *     changes it, so a reader resumes at "the first entry from seq N" in
 *     O(log n), and entries added or removed between two calls neither
 *     repeat nor hide the others. */
#ifndef FS_DIR_H
#define FS_DIR_H

#include <fs/vfs.h>

struct dentry {
    struct range_node order;   /* [seq, seq + 1) in dir.order */
    struct dentry *hash_next;  /* the next entry of its hash bucket */
    struct inode *inode;       /* counted in inode->nlink, not refs */
    uint32_t hash;
    uint16_t len;
    char name[];               /* NUL-terminated */
};

/* getdents64 positions: 0 is ".", 1 is "..", entries from DIR_FIRST_SEQ. */
#define DIR_FIRST_SEQ 2

static inline uint64_t dentry_seq(const struct dentry *d)
{
    return d->order.start;
}

/* What a name of len bytes costs its file system (inode.c charges it). */
static inline size_t dentry_size(size_t len)
{
    return sizeof(struct dentry) + len + 1;
}

struct dentry *dir_find(struct inode *dir, const char *name, size_t len);
/* Adds name -> child (bumping child's nlink, and dir's for a subdirectory,
 * whose parent becomes dir).  0, -ENOMEM, or -ENOSPC when the file system
 * is out of inodes (an extra hard link costs one, as on Linux) or space. */
int dir_add(struct inode *dir, const char *name, size_t len, struct inode *child);
/* Removes the entry (the inode's nlink is dropped by the caller, so a
 * rename can move an inode without it ever reaching nlink 0).  Never
 * allocates: it must work when memory is exhausted. */
void dir_remove(struct inode *dir, struct dentry *d);
/* Renames entry d of odir to name in ndir (a new entry, last in ndir's
 * order); the inode's links do not change.  0, -ENOMEM or -ENOSPC, with
 * nothing changed then.  An entry of ndir with the same name is the
 * caller's to remove. */
int dir_move(struct inode *odir, struct dentry *d, struct inode *ndir, const char *name, size_t len);
/* Points entry d at child instead (rename's exchange): the names stay. */
void dir_set_inode(struct dentry *d, struct inode *child);
/* The first entry with seq >= pos, NULL at the end. */
struct dentry *dir_next(struct inode *dir, uint64_t pos);
bool dir_is_empty(struct inode *dir);
/* Frees the name table of an empty directory (no-op otherwise): an empty
 * directory owns none, whatever failed on the way to its first entry. */
void dir_release_table(struct inode *dir);

#endif
