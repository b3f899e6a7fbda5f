/* Logging: one line per event on stderr, prefixed with the program's name
 * ("vtpm: "; apps/vtpm-bridge shares this file and sets its own). */
#ifndef VTPM_LOG_H
#define VTPM_LOG_H

#include <stdbool.h>

/* Set once at start from --verbose; read-only afterwards. */
extern bool log_verbose;
/* The line prefix; set once at start, before the first line. */
extern const char *log_name;

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only printed with --verbose. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
