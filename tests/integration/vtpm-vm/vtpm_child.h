/* A vtpm running as a child process on four pipes: the data and control
 * channels of the swtpm protocol over the vtpm's type=fd transport. */
#ifndef VTPM_VM_CHILD_H
#define VTPM_VM_CHILD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vtpm_child {
    pid_t pid;
    int data_w, data_r; /* our ends: commands to the vtpm, responses from it */
    int ctrl_w, ctrl_r;
};

/* posix_spawns `vtpm` on pipes with state file `state` (extra arguments
 * from `extra`, NULL-terminated, may be NULL).  0, or -1 with errno. */
int vtpm_child_start(struct vtpm_child *c, const char *vtpm, const char *state,
                     const char *const *extra);

/* Sends a control request (one write, so one message) and reads exactly
 * rsp_len response bytes.  0, or -1 if the vtpm is gone. */
int vtpm_child_ctrl(struct vtpm_child *c, const uint8_t *req, size_t req_len, uint8_t *rsp,
                    size_t rsp_len);

/* Reads exactly n more bytes of a control response (for variable-length
 * ones such as GET_INFO).  0, or -1 if the vtpm is gone. */
int vtpm_child_ctrl_read(struct vtpm_child *c, uint8_t *buf, size_t n);

/* Closes our ends of the pipes: to the vtpm, its parent went away. */
void vtpm_child_close(struct vtpm_child *c);

/* Waits for the vtpm to exit; returns its wait status, or -1. */
int vtpm_child_wait(struct vtpm_child *c);

#endif
