/* Directory entries of in-memory directories.  All of these run under
 * vfs_ns_lock (fs/vfs.h).  Entries keep the order they were added in and
 * each gets a sequence number that never changes, so getdents64 can resume
 * at "the first entry after seq N" even when entries were removed between
 * two calls. */
#ifndef FS_DIR_H
#define FS_DIR_H

#include <fs/vfs.h>

struct dentry {
    struct list_head link;  /* dir.entries */
    struct inode *inode;    /* counted in inode->nlink, not refs */
    uint64_t seq;           /* >= DIR_FIRST_SEQ */
    uint16_t len;
    char name[];            /* NUL-terminated */
};

/* getdents64 positions: 0 is ".", 1 is "..", entries from DIR_FIRST_SEQ. */
#define DIR_FIRST_SEQ 2

struct dentry *dir_find(struct inode *dir, const char *name, size_t len);
/* The entry naming child in dir, NULL if none. */
struct dentry *dir_find_inode(struct inode *dir, struct inode *child);
/* Adds name -> child (bumping child's nlink, and dir's for a subdirectory,
 * whose parent becomes dir).  0 or -ENOMEM. */
int dir_add(struct inode *dir, const char *name, size_t len, struct inode *child);
/* Removes the entry (the inode's nlink is dropped by the caller, so a
 * rename can move an inode without it ever reaching nlink 0). */
void dir_remove(struct inode *dir, struct dentry *d);
/* The first entry with seq >= pos, NULL at the end. */
struct dentry *dir_next(struct inode *dir, uint64_t pos);
bool dir_is_empty(struct inode *dir);

#endif
