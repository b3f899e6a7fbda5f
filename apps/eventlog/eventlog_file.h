/* Reads a whole event log file into memory, bounded, for the two programs that
 * replay one (apps/vtpm/measured.c and aproxy/host/measure_main.c).  Kept apart
 * from eventlog.c, which stays free of stdio so the fuzzer and the kernel-side
 * format stay plain. */
#ifndef APPS_EVENTLOG_FILE_H
#define APPS_EVENTLOG_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Returns a malloc'd copy of the file at path and its length in *len, or NULL
 * with a one-line reason in err[0..err_size) when it cannot be opened or read,
 * or holds more than max bytes (anything that big is not a measurement log). */
uint8_t *evlog_read_file(const char *path, size_t max, size_t *len, char *err, size_t err_size);

#endif
