/* init's log: one line per event on stderr (the console), "init: " first. */
#ifndef INIT_LOG_H
#define INIT_LOG_H

/* Writes "init: <message>\n" with a single write(2), so lines from init and
 * from services sharing the console never interleave within a line. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Describes a wait status: "exited with status 1" or "killed by signal 9
 * (SIGKILL)".  Returns buf. */
const char *describe_status(int status, char *buf, unsigned long len);

/* The shell-style status of a wait status: the exit status, or 128 + the
 * signal number for a process killed by a signal. */
int status_code(int status);

/* "SIGTERM" for 15 and so on; "SIG?" when the number has no name here. */
const char *signal_name(int sig);

#endif
