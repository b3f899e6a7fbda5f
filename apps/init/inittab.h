/* Reading /etc/inittab (the format is in docs/init.md). */
#ifndef INIT_INITTAB_H
#define INIT_INITTAB_H

#include <stddef.h>

#include "service.h"

/* The largest inittab init reads: a bigger file is refused as a whole,
 * since it is surely not a hand-written service list. */
#define INITTAB_MAX_BYTES (1024 * 1024)

struct inittab {
    struct service *v; /* in file order */
    size_t n;
    int errors;        /* malformed lines reported and skipped */
};

/* Parses path into tab, each service's environment being base_env plus its
 * own assignments.  Each malformed line is logged as "<path>:<line>: <why>"
 * and skipped.  Returns 0, or a negative errno if the file cannot be read
 * at all: the caller decides what a missing file means (a file holding a
 * NUL byte is refused as a whole with -EINVAL, after a log line saying so). */
int inittab_load(const char *path, char *const base_env[], struct inittab *tab);

/* The same for an inittab already in memory (text is modified); path names
 * it in messages. */
void inittab_parse(const char *path, char *text, char *const base_env[], struct inittab *tab);

void inittab_free(struct inittab *tab);

#endif
