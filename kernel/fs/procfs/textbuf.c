/* Text being built for a /proc file or link (procfs.h: struct textbuf). */
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/slab.h>
#include <stdarg.h>

#include "procfs.h"

/* Room for n more bytes and a NUL: false (err set) when memory ran out. */
static bool tb_reserve(struct textbuf *b, size_t n)
{
    if (b->err)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *nb = kmalloc(cap);
    if (!nb) {
        b->err = -ENOMEM;
        return false;
    }
    if (b->len)
        memcpy(nb, b->buf, b->len);
    kfree(b->buf);
    b->buf = nb;
    b->cap = cap;
    return true;
}

void tb_put(struct textbuf *b, const void *s, size_t n)
{
    if (!tb_reserve(b, n))
        return;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void tb_printf(struct textbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[128];
    int n = kvsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < (int)sizeof small) {
        tb_put(b, small, (size_t)n);
        return;
    }
    if (!tb_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    kvsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void tb_pad_to(struct textbuf *b, size_t col)
{
    size_t start = b->len;
    while (start && b->buf[start - 1] != '\n')
        start--;
    size_t at = b->len - start;
    do
        tb_put(b, " ", 1);
    while (++at < col);
}

void tb_free(struct textbuf *b)
{
    kfree(b->buf);
    *b = (struct textbuf){0};
}
