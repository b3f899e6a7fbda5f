/* AF_UNIX names: a path names a socket inode in the file tree (bind makes
 * it, connect looks it up), an abstract name (a leading NUL byte) lives in
 * a table here until its socket is closed.  As on Linux, abstract names are
 * per socket type (its hash includes the type) and paths are checked for
 * the type at connect (EPROTOTYPE). */
#include <fs/namei.h>
#include <fs/syscall_util.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <net/unix.h>

#define SOCKADDR_STORAGE_SIZE 128 /* the most bytes a call copies in (Linux) */

static struct list_head abstract_names = LIST_HEAD_INIT(abstract_names); /* unix_lock */
static uint32_t autobind_next;                                          /* unix_lock */

int unix_name_from_user(uint64_t uaddr, int64_t len, struct unix_name *out)
{
    uint8_t raw[SOCKADDR_STORAGE_SIZE];
    if (len < 0 || len > SOCKADDR_STORAGE_SIZE)
        return -EINVAL;
    if (len && copy_from_user(raw, uaddr, (size_t)len))
        return -EFAULT;
    memset(out, 0, sizeof *out);
    out->kind = UNIX_NAME_INVALID;
    if (len < K_SUN_PATH_OFFSET)
        return 0;
    memcpy(&out->sa, raw, MIN((size_t)len, sizeof out->sa));
    if (out->sa.sun_family == K_AF_UNSPEC) {
        out->kind = UNIX_NAME_UNSPEC;
        return 0;
    }
    if (out->sa.sun_family != K_AF_UNIX || (size_t)len > sizeof(struct k_sockaddr_un))
        return 0;
    if (len == K_SUN_PATH_OFFSET) {
        out->kind = UNIX_NAME_NONE;
        out->len = K_SUN_PATH_OFFSET;
    } else if (out->sa.sun_path[0]) {
        /* The path ends at its first NUL or at len (Linux's unix_mkname_bsd). */
        size_t n = strnlen(out->sa.sun_path, (size_t)len - K_SUN_PATH_OFFSET);
        memcpy(out->path, out->sa.sun_path, n);
        out->path[n] = 0;
        memset(out->sa.sun_path + n, 0, sizeof out->sa.sun_path - n);
        out->kind = UNIX_NAME_PATH;
        out->len = (uint32_t)(K_SUN_PATH_OFFSET + n + 1 > sizeof out->sa ? sizeof out->sa : K_SUN_PATH_OFFSET + n + 1);
    } else {
        out->kind = UNIX_NAME_ABSTRACT;
        out->len = (uint32_t)len;
    }
    return 0;
}

static struct unix_addr *addr_make(const struct k_sockaddr_un *sa, uint32_t len)
{
    struct unix_addr *a = kzalloc(sizeof *a);
    if (!a)
        return NULL;
    a->refs = 1;
    a->len = len;
    memcpy(&a->name, sa, len);
    return a;
}

void unix_addr_put(struct unix_addr *a)
{
    if (!__atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL))
        kfree(a);
}

/* The abstract-bound socket of this type and name (unix_lock held). */
static struct unix_sock *abstract_find_locked(const struct k_sockaddr_un *sa, uint32_t len, int type)
{
    list_for_each(pos, &abstract_names) {
        struct unix_sock *s = list_entry(pos, struct unix_sock, name_link);
        if (s->type == type && s->addr->len == len && !memcmp(&s->addr->name, sa, len))
            return s;
    }
    return NULL;
}

/* Binds s to the abstract name a (bindlock held): 0 or -EINVAL/-EADDRINUSE. */
static int bind_abstract(struct unix_sock *s, struct unix_addr *a)
{
    int r = 0;
    uint64_t fl = unix_lock_irqsave();
    if (s->addr)
        r = -EINVAL;
    else if (abstract_find_locked(&a->name, a->len, s->type))
        r = -EADDRINUSE;
    else {
        s->addr = a;
        list_add_tail(&s->name_link, &abstract_names);
    }
    unix_unlock_irqrestore(fl);
    return r;
}

/* Runs op on path (from the cwd) under vfs_ns_lock, on a walk of its own. */
static int with_path(const char *path, int (*op)(struct walk *w, const struct place *start, const char *path, void *ctx),
                     void *ctx)
{
    struct place start, root;
    int r = at_start(K_AT_FDCWD, path, &start, &root);
    if (r)
        return r;
    struct walk w;
    r = walk_begin(&w, &root);
    if (!r) {
        mutex_lock(&vfs_ns_lock);
        r = op(&w, &start, path, ctx);
        mutex_unlock(&vfs_ns_lock);
        walk_end(&w);
    }
    at_done(&start, &root);
    return r;
}

struct bind_ctx {
    struct unix_sock *s;
    struct unix_addr *a;
};

/* Makes the socket inode at path and binds the socket to it (its bindlock
 * held).  As Linux, the name is made first: a name in use is EADDRINUSE
 * even for a socket bound already, whose new name is then taken back
 * (EINVAL). */
static int bind_path_locked(struct walk *w, const struct place *start, const char *path, void *ctx)
{
    struct bind_ctx *b = ctx;
    struct inode *i;
    int r = vfs_mknod_locked(w, start, path, K_S_IFSOCK | (0777 & ~current_umask()), &i);
    if (r)
        return r == -EEXIST ? -EADDRINUSE : r;
    struct inode *ref = inode_get(i); /* before unix_lock: inode_life_lock is never taken under it */
    uint64_t fl = unix_lock_irqsave();
    if (b->s->addr) {
        r = -EINVAL;
    } else {
        i->sock.bound = b->s;
        b->s->path_inode = ref;
        b->s->addr = b->a;
        ref = NULL;
    }
    unix_unlock_irqrestore(fl);
    if (ref) {
        inode_put(ref);
        vfs_unlink_locked(w, start, path, false);
    }
    return r;
}

static bool is_bound(struct unix_sock *s)
{
    uint64_t fl = unix_lock_irqsave();
    bool bound = s->addr != NULL;
    unix_unlock_irqrestore(fl);
    return bound;
}

int unix_bind(struct unix_sock *s, const struct unix_name *n)
{
    if (n->kind == UNIX_NAME_NONE)
        return unix_autobind(s);
    if (n->kind != UNIX_NAME_PATH && n->kind != UNIX_NAME_ABSTRACT)
        return -EINVAL;
    mutex_lock(&s->bindlock);
    struct unix_addr *a = addr_make(&n->sa, n->len);
    int r = !a ? -ENOMEM : n->kind == UNIX_NAME_PATH ? with_path(n->path, bind_path_locked, &(struct bind_ctx){s, a})
                                          : bind_abstract(s, a);
    if (r && a)
        unix_addr_put(a);
    mutex_unlock(&s->bindlock);
    return r;
}

static char hex_digit(unsigned v)
{
    return (char)(v < 10 ? '0' + v : 'a' + v - 10);
}

int unix_autobind(struct unix_sock *s)
{
    mutex_lock(&s->bindlock);
    int r = 0;
    if (is_bound(s))
        goto out;
    struct k_sockaddr_un sa = {.sun_family = K_AF_UNIX};
    struct unix_addr *a = addr_make(&sa, K_SUN_PATH_OFFSET + 6);
    if (!a) {
        r = -ENOMEM;
        goto out;
    }
    r = -ENOSPC; /* all 2^20 names are taken, as Linux */
    uint64_t fl = unix_lock_irqsave();
    for (uint32_t tries = 0; tries < 0x100000; tries++) {
        uint32_t v = autobind_next++ & 0xfffff;
        for (int d = 0; d < 5; d++)
            a->name.sun_path[1 + d] = hex_digit((v >> (4 * (4 - d))) & 0xf);
        if (!abstract_find_locked(&a->name, a->len, s->type)) {
            s->addr = a;
            list_add_tail(&s->name_link, &abstract_names);
            r = 0;
            break;
        }
    }
    unix_unlock_irqrestore(fl);
    if (r)
        unix_addr_put(a);
out:
    mutex_unlock(&s->bindlock);
    return r;
}

/* The live socket bound to a socket inode (unix_lock held). */
static int inode_sock_locked(struct inode *i, int type, struct unix_sock **out)
{
    struct unix_sock *s = i->sock.bound;
    if (!s || s->dead)
        return -ECONNREFUSED;
    if (s->type != type)
        return -EPROTOTYPE;
    unix_sock_get(s);
    *out = s;
    return 0;
}

struct find_ctx {
    int type;
    struct unix_sock **out;
};

static int find_path_locked(struct walk *w, const struct place *start, const char *path, void *ctx)
{
    struct find_ctx *f = ctx;
    struct place p;
    int r = walk_path(w, start, path, LOOKUP_FOLLOW, &p);
    if (r)
        return r;
    struct inode *i = p.inode;
    if (!K_S_ISSOCK(i->mode))
        return -ECONNREFUSED;
    uint64_t fl = unix_lock_irqsave();
    r = inode_sock_locked(i, f->type, f->out);
    unix_unlock_irqrestore(fl);
    return r;
}

int unix_find(const struct unix_name *n, int type, struct unix_sock **out)
{
    if (n->kind == UNIX_NAME_PATH)
        return with_path(n->path, find_path_locked, &(struct find_ctx){type, out});
    if (n->kind != UNIX_NAME_ABSTRACT)
        return -EINVAL;
    uint64_t fl = unix_lock_irqsave();
    struct unix_sock *s = abstract_find_locked(&n->sa, n->len, type);
    if (s)
        unix_sock_get(s);
    unix_unlock_irqrestore(fl);
    *out = s;
    return s ? 0 : -ECONNREFUSED;
}

uint32_t unix_getname_locked(struct unix_sock *s, struct k_sockaddr_un *out)
{
    memset(out, 0, sizeof *out);
    out->sun_family = K_AF_UNIX;
    if (!s->addr)
        return K_SUN_PATH_OFFSET;
    memcpy(out, &s->addr->name, s->addr->len);
    return s->addr->len;
}

struct inode *unix_unbind_locked(struct unix_sock *s)
{
    list_del(&s->name_link);
    struct inode *i = s->path_inode;
    if (i && i->sock.bound == s)
        i->sock.bound = NULL;
    s->path_inode = NULL;
    return i;
}
