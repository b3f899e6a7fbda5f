# Host unit tests of ChaCha20 (RFC 8439 vectors) and the entropy pool (issue 4).
UNIT_TESTS += chacha20 random
UNIT_SRCS_chacha20 := kernel/lib/chacha20.c
UNIT_SRCS_random   := kernel/lib/random.c kernel/lib/chacha20.c
