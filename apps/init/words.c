/* Word splitting for inittab commands: the small, predictable part of the
 * shell's quoting, so that an argument can contain blanks or quotes. */
#include "words.h"

#include <stdlib.h>
#include <string.h>

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* One allocation holds the pointer vector and then the characters: the
 * characters of all words plus one NUL each never exceed strlen(s) + 1,
 * because each word is separated from the next by at least one consumed
 * character, and at most strlen(s) / 2 + 1 words fit in s for the same
 * reason. */
int words_split(const char *s, struct words *out, const char **err)
{
    size_t len = strlen(s);
    size_t max_words = len / 2 + 1;
    char **v = malloc((max_words + 1) * sizeof(char *) + len + 1);
    if (!v) {
        *err = "out of memory";
        return -1;
    }
    char *chars = (char *)(v + max_words + 1);
    char *o = chars;
    size_t n = 0;
    const char *p = s;

    for (;;) {
        while (is_blank(*p))
            p++;
        if (*p == '\0' || *p == '#')
            break;
        v[n++] = o;
        while (*p != '\0' && !is_blank(*p)) {
            if (*p == '\'') {
                const char *end = strchr(p + 1, '\'');
                if (!end)
                    goto unterminated;
                memcpy(o, p + 1, (size_t)(end - p - 1));
                o += end - p - 1;
                p = end + 1;
            } else if (*p == '"') {
                p++;
                while (*p != '"') {
                    if (*p == '\0')
                        goto unterminated;
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    *o++ = *p++;
                }
                p++;
            } else if (*p == '\\') {
                if (p[1] == '\0') {
                    free(v);
                    *err = "trailing backslash";
                    return -1;
                }
                *o++ = p[1];
                p += 2;
            } else {
                *o++ = *p++;
            }
        }
        *o++ = '\0';
    }
    v[n] = NULL;
    out->v = v;
    out->n = n;
    return 0;

unterminated:
    free(v);
    *err = "unterminated quote";
    return -1;
}

void words_free(struct words *w)
{
    free(w->v);
    w->v = NULL;
    w->n = 0;
}
