/* epoll's hook into the life of files (fs/epoll.c). */
#ifndef FS_EPOLL_H
#define FS_EPOLL_H

#include <fs/vfs.h>

/* f's last reference is gone: removes it from every epoll set watching it
 * (Linux's eventpoll_release).  Called by file_put before f's release. */
void epoll_file_closed(struct file *f);

#endif
