/* Helpers shared by the file system calls (see fs/syscall_util.h). */
#include <fs/path_buf.h>
#include <fs/syscall_util.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>

int path_from_user(uint64_t upath, bool may_reserve, char **out)
{
    char *p = path_buf_alloc(may_reserve);
    if (!p)
        return -ENOMEM;
    int64_t n = strncpy_from_user(p, upath, PATH_MAX);
    if (n < 0) {
        path_buf_free(p);
        return (int)n;
    }
    *out = p;
    return 0;
}

void path_free(char *p)
{
    path_buf_free(p);
}

struct file *fget(int fd)
{
    return fd_get(current_files(), fd);
}

int at_start(int dirfd, const char *path, struct place *start, struct place *root)
{
    struct fs_context *c = current_fs();
    struct place cwd;
    fs_context_paths(c, root, &cwd);
    if (path[0] == '/' || dirfd == K_AT_FDCWD) {
        if (path[0] == '/') {
            *start = *root;
            place_get(start);
            place_put(&cwd);
        } else {
            *start = cwd; /* its references move */
        }
        return 0;
    }
    place_put(&cwd);
    struct file *f = fget(dirfd);
    if (!f) {
        place_put(root);
        return -EBADF;
    }
    if (path[0] && !K_S_ISDIR(f->inode->mode)) {
        file_put(f);
        place_put(root);
        return -ENOTDIR;
    }
    /* The directory as it was reached when opened: through its mount. */
    *start = (struct place){f->mnt, f->inode};
    place_get(start);
    file_put(f);
    return 0;
}

void at_done(struct place *start, struct place *root)
{
    place_put(start);
    place_put(root);
}

int user_walk_begin(struct user_walk *uw, int dirfd, uint64_t upath)
{
    int r = path_from_user(upath, true, &uw->path);
    if (r)
        return r;
    r = uw->path[0] ? at_start(dirfd, uw->path, &uw->start, &uw->root) : -ENOENT;
    if (r) {
        path_free(uw->path);
        return r;
    }
    walk_begin_in(&uw->w, &uw->root, uw->path);
    return 0;
}

void user_walk_end(struct user_walk *uw)
{
    walk_end(&uw->w);
    at_done(&uw->start, &uw->root);
    path_free(uw->path);
}

int at_lookup(int dirfd, uint64_t upath, bool follow, bool empty_ok, struct place *out)
{
    char *path = NULL; /* set by path_from_user on success; GCC cannot tell */
    int r = path_from_user(upath, true, &path);
    if (r)
        return r;
    if (!path[0] && !empty_ok) {
        path_free(path);
        return -ENOENT;
    }
    struct place start, root;
    r = at_start(dirfd, path, &start, &root);
    if (r) {
        path_free(path);
        return r;
    }
    if (!path[0]) {
        /* AT_EMPTY_PATH: dirfd itself (or the cwd for AT_FDCWD). */
        *out = start;
        place_get(out);
    } else {
        struct walk w;
        walk_begin_in(&w, &root, path);
        mutex_lock(&vfs_ns_lock);
        r = walk_path(&w, &start, path, follow ? LOOKUP_FOLLOW : 0, out);
        if (!r)
            place_get(out);
        mutex_unlock(&vfs_ns_lock);
        walk_end(&w);
    }
    at_done(&start, &root);
    path_free(path);
    return r;
}

unsigned current_umask(void)
{
    struct fs_context *c = current_fs();
    return __atomic_load_n(&c->umask, __ATOMIC_RELAXED);
}
