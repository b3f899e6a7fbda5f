/* glibc's __strcat_chk: dest is an object of destlen bytes holding a string;
 * appending src must leave the result, terminator included, inside it.
 * glibc checks byte by byte while copying; checking the lengths first fails
 * in exactly the same cases and never writes past the object. */
#include <nutshell/compat.h>

#include <string.h>

char *__strcat_chk(char *dest, const char *src, size_t destlen)
{
    /* strnlen: dest itself may be unterminated within its object. */
    size_t dl = strnlen(dest, destlen);
    if (dl == destlen)
        __chk_fail();
    size_t sl = strlen(src);
    if (sl >= destlen - dl)
        __chk_fail();
    memcpy(dest + dl, src, sl + 1);
    return dest;
}
