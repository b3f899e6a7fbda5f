/* PATH_MAX buffers for path names copied from user space.
 *
 * They come from kmalloc, or, when the heap is exhausted, from a reserve
 * of PATH_BUF_RESERVE buffers set aside at boot: the calls that undo what
 * exhausted it (chdir(".."), unlink, rmdir, and getdents64 to find the
 * names; close needs no buffer) must not fail with ENOMEM, and every path
 * walk works inside the buffer that holds the path, so one buffer is all
 * such a call needs.  A caller that
 * finds the reserve empty sleeps (killably) until a buffer comes back: a holder keeps
 * it for one system call only and never waits for another one, so buffers
 * always come back.  (A call that needs two buffers, as rename, takes the
 * reserve for neither.) */
#ifndef FS_PATH_BUF_H
#define FS_PATH_BUF_H

#include <kernel/types.h>

#define PATH_BUF_RESERVE 4

/* Sets the reserve aside (at boot): 0 or -ENOMEM. */
int path_buf_reserve_init(void);
/* A PATH_MAX buffer; NULL (ENOMEM) without may_reserve, or when the
 * caller is killed while it waits for the reserve. */
char *path_buf_alloc(bool may_reserve);
/* Gives p (from path_buf_alloc, or NULL) back. */
void path_buf_free(char *p);

#endif
