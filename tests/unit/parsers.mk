# Host unit tests of the initramfs and executable parsers (issue 4).
UNIT_TESTS += cpio
UNIT_SRCS_cpio := kernel/fs/cpio.c
