# Host unit tests of the file system core (kernel/fs/): path lookup, tmpfs,
# namespace operations, fd tables, the pipe ring, the initramfs unpacker and
# record locks (against a byte-by-byte model).
UNIT_TESTS += fs
UNIT_SRCS_fs := kernel/fs/inode.c kernel/fs/dir.c kernel/fs/tmpfs.c kernel/fs/namei.c kernel/fs/vfs_ops.c \
                kernel/fs/file.c kernel/fs/mount.c kernel/fs/mount_path.c kernel/fs/tmpfs_mount.c kernel/fs/initramfs.c kernel/fs/cpio.c kernel/fs/pipe_ring.c \
                kernel/fs/fdtable.c kernel/fs/fs_context.c kernel/fs/file_lock.c kernel/lib/range_tree.c
