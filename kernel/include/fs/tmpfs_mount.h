/* A tmpfs made by mount(2): options, their /proc/mounts text, teardown. */
#ifndef FS_TMPFS_MOUNT_H
#define FS_TMPFS_MOUNT_H

#include <fs/vfs.h>

struct tmpfs_options {
    uint64_t max_pages, max_inodes; /* struct super_block's limits */
    uint32_t mode;                  /* of the root directory */
    bool size_given, inodes_given;  /* shown in /proc/mounts only if given, as Linux */
};

/* Parses mount(2)'s data ("size=1m,nr_inodes=100,mode=700"; NULL or "" for
 * the defaults: half of RAM, as many inodes as half the RAM pages, 01777).
 * size takes bytes with a k/m/g/t/p/e suffix or a % of RAM; nr_inodes a
 * number with those suffixes; mode octal.  0 is no limit but memory.
 * 0, or -EINVAL for an unknown option or a bad value. */
int tmpfs_options_parse(const char *data, struct tmpfs_options *o);
/* Its part of the options column of /proc/mounts into buf[size]:
 * "size=...k,nr_inodes=...,mode=..." ("" for all defaults). */
void tmpfs_options_show(const struct tmpfs_options *o, char *buf, size_t size);
/* Frees every file of sb, then sb.  Nothing may hold any of its inodes
 * (umount2 checked it was not busy). */
void tmpfs_destroy(struct super_block *sb);

#endif
