/* virtio-blk disks as /dev/vda, /dev/vdb... (block devices, major 254,
 * minor 16 * n), in the order their devices appear on the command line.
 *
 *   read/write/pread/pwrite   any offset and length; partial sectors are
 *                             read-modify-written; reads at or past the end
 *                             return 0, writes there -ENOSPC (a write that
 *                             crosses the end is cut short)
 *   fsync/fdatasync           VIRTIO_BLK_T_FLUSH when the device offers
 *                             VIRTIO_BLK_F_FLUSH (else the device is
 *                             write-through and there is nothing to flush)
 *   lseek SEEK_END, fstat     st_size is the capacity in bytes
 *   ioctl                     BLKGETSIZE64 (u64 bytes), BLKGETSIZE (unsigned
 *                             long sectors), BLKSSZGET (int 512)
 *
 * Writes reach the device before write() returns (no cache in the guest).
 * A device error (status IOERR), a broken device or a request that is not
 * completed within VIRTIO_BLK_TIMEOUT_NS gives -EIO. */
#ifndef DRIVERS_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_H

#define VIRTIO_BLK_MAJOR 254
#define VIRTIO_BLK_TIMEOUT_NS (30ull * 1000000000ull)

/* ioctl numbers (Linux <linux/fs.h>) */
#define K_BLKGETSIZE 0x1260u
#define K_BLKSSZGET 0x1268u
#define K_BLKGETSIZE64 0x80081272u

#endif
