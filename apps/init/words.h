/* Splitting an inittab command into words, with shell-like quoting. */
#ifndef INIT_WORDS_H
#define INIT_WORDS_H

#include <stddef.h>

/* The words of one command: a NULL-terminated vector of strings that all
 * live in one allocation (free with words_free). */
struct words {
    char **v;
    size_t n;
};

/* Splits s into words.  Blanks (space, tab) separate words; '...' quotes
 * literally; "..." quotes with \" and \\ as the only escapes; a backslash
 * outside quotes takes the next character literally; an unquoted word that
 * starts with '#' begins a comment running to the end.  Nothing is expanded
 * (no variables, no globbing).
 *
 * Returns 0, or -1 with *err set to a static message ("unterminated quote",
 * "trailing backslash", "out of memory"). */
int words_split(const char *s, struct words *out, const char **err);

void words_free(struct words *w);

#endif
