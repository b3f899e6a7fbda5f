/* glibc's __memcpy_chk and __memset_chk: the compiler passes the size of the
 * destination object it could see (destlen); writing more than that is an
 * overflow. */
#include <nutshell/compat.h>

#include <string.h>

void *__memcpy_chk(void *dest, const void *src, size_t len, size_t destlen)
{
    if (destlen < len)
        __chk_fail();
    return memcpy(dest, src, len);
}

void *__memset_chk(void *dest, int c, size_t len, size_t destlen)
{
    if (destlen < len)
        __chk_fail();
    return memset(dest, c, len);
}
