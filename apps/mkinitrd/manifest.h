/* The initrd manifest (format: docs/initrd.md): what goes into the archive. */
#ifndef MKINITRD_MANIFEST_H
#define MKINITRD_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

enum entry_type { ENTRY_DIR, ENTRY_FILE, ENTRY_SYMLINK };

struct entry {
    char *name;       /* archive name: the path without its leading '/' */
    enum entry_type type;
    unsigned perm;    /* permission bits (07777) */
    char *source;     /* ENTRY_FILE: host file; ENTRY_SYMLINK: link target */
    int line;         /* manifest line that declared it, 0 for an implied parent */
};

struct manifest {
    const char *path; /* for messages */
    struct entry *entries;
    size_t count, cap;
};

/* Reads and checks the manifest at path into *m.  On a bad line or a
 * missing source file, prints one "mkinitrd: <path>:<line>: <why>" line to
 * stderr and exits with status 1. */
void manifest_load(const char *path, struct manifest *m);

/* Sorts the entries by name, which puts every directory before its contents. */
void manifest_sort(struct manifest *m);

#endif
