/* The local sockets' loop (local_serve.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "local_serve.h"
#include "wire.h"

static int accept_client(int listen_fd, const char *what)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0 && errno != EINTR && errno != ECONNABORTED && errno != EAGAIN) {
        fprintf(stderr, "aproxy: %s: accept: %s\n", what, strerror(errno));
        sleep(1); /* e.g. out of descriptors: do not spin */
    }
    return fd;
}

/* The port is readable while no request is outstanding: the host half hung
 * up (end of stream), or sent what nobody asked for (dropped: the host only
 * answers).  true if it is gone. */
static bool host_hung_up(struct session *s)
{
    size_t len;
    enum wire_status st = wire_read(s->fd, s->in, sizeof(s->in), &len);
    if (st == WIRE_EOF || st == WIRE_ERROR)
        return true;
    fprintf(stderr, "aproxy: an unrequested message of %zu bytes from the host half, dropped\n", len);
    return false;
}

void local_serve(struct counter_relay *relay, int counter_listen, struct secrets_source *src, int secrets_listen,
                 char why[WHY_MAX])
{
    struct session *s = relay->s;
    static struct counter_client c = {.fd = -1};
    for (;;) {
        struct pollfd p[3] = {{.fd = s->fd, .events = POLLIN}};
        int n = 1, i_counter = -1, i_secrets = -1;
        if (counter_listen >= 0) {
            /* the connected client, else the socket for the next one */
            i_counter = n;
            p[n++] = (struct pollfd){.fd = c.fd >= 0 ? c.fd : counter_listen, .events = POLLIN};
        }
        if (secrets_listen >= 0) {
            i_secrets = n;
            p[n++] = (struct pollfd){.fd = secrets_listen, .events = POLLIN};
        }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno != EINTR) {
                fprintf(stderr, "aproxy: poll: %s\n", strerror(errno));
                sleep(1);
            }
            continue;
        }
        if (p[0].revents && host_hung_up(s))
            s->host_absent = true;
        else if (i_counter >= 0 && p[i_counter].revents) {
            if (c.fd < 0) {
                c.fd = accept_client(counter_listen, "counter relay");
                c.len = 0;
                c.too_long = false;
            } else if (!counter_client_feed(relay, &c)) {
                close(c.fd);
                c.fd = -1;
            }
        } else if (i_secrets >= 0 && p[i_secrets].revents) {
            int fd = accept_client(secrets_listen, "secrets");
            if (fd >= 0)
                secrets_serve_client(src, fd);
        }
        if (s->host_absent) {
            snprintf(why, WHY_MAX, "the host half hung up the port");
            if (c.fd >= 0)
                close(c.fd);
            c.fd = -1;
            return;
        }
    }
}
