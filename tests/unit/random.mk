# Host unit tests of ChaCha20 (RFC 8439 vectors) and the entropy pool (issue 4).
UNIT_TESTS += chacha20 random
UNIT_SRCS_chacha20 := kernel/lib/chacha20.c
UNIT_SRCS_random   := kernel/lib/random.c kernel/lib/chacha20.c

# The time and misc system calls over fakes of the kernel services they use
# (tests/unit/syscall_fakes.c): clock ids, errors, sleep deadlines, getrandom,
# identity, limits, affinity, reboot, prctl, syslog over the real log ring.
UNIT_TESTS += sys_time sys_misc
UNIT_SRCS_sys_time := tests/unit/syscall_fakes.c kernel/time/clockid.c kernel/time/sys_clock.c \
                      kernel/time/sys_sleep.c kernel/syscall/restart.c kernel/lib/random.c kernel/lib/chacha20.c \
                      kernel/misc/rlimit.c kernel/lib/log_ring.c
UNIT_SRCS_sys_misc := tests/unit/syscall_fakes.c $(sort $(wildcard kernel/misc/*.c)) kernel/lib/random.c \
                      kernel/lib/chacha20.c kernel/lib/log_ring.c
# Both include the fakes' header.
$(BUILD)/tests/unit/sys_time $(BUILD)/tests/unit/sys_misc: tests/unit/syscall_fakes.h
