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
    static struct secrets_clients clients;
    secrets_clients_init(&clients);
    for (;;) {
        int timeout = secrets_clients_expire(&clients);
        struct pollfd p[3 + SECRETS_CLIENTS_MAX] = {{.fd = s->fd, .events = POLLIN}};
        int n = 1, i_counter = -1, i_secrets = -1, i_clients = -1;
        struct secrets_client *served[SECRETS_CLIENTS_MAX];
        if (counter_listen >= 0) {
            /* the connected client, else the socket for the next one */
            i_counter = n;
            p[n++] = (struct pollfd){.fd = c.fd >= 0 ? c.fd : counter_listen, .events = POLLIN};
        }
        if (secrets_listen >= 0 && secrets_client_slot(&clients)) {
            i_secrets = n; /* a free slot: take the next connection */
            p[n++] = (struct pollfd){.fd = secrets_listen, .events = POLLIN};
        }
        i_clients = n;
        for (int i = 0; i < SECRETS_CLIENTS_MAX; i++)
            if (clients.c[i].fd >= 0) {
                served[n - i_clients] = &clients.c[i];
                p[n++] = (struct pollfd){.fd = clients.c[i].fd, .events = secrets_client_events(&clients.c[i])};
            }
        if (poll(p, (nfds_t)n, timeout) < 0) {
            if (errno != EINTR) {
                fprintf(stderr, "aproxy: poll: %s\n", strerror(errno));
                sleep(1);
            }
            continue;
        }
        if (p[0].revents && host_hung_up(s))
            s->host_absent = true;
        if (!s->host_absent && i_counter >= 0 && p[i_counter].revents) {
            if (c.fd < 0) {
                c.fd = accept_client(counter_listen, "counter relay");
                c.len = 0;
                c.too_long = false;
            } else if (!counter_client_feed(relay, &c)) {
                close(c.fd);
                c.fd = -1;
            }
        }
        /* every ready secrets client in turn: one that is slow or gone holds
         * only its own slot */
        for (int i = i_clients; i < n && !s->host_absent; i++)
            if (p[i].revents)
                secrets_client_ready(src, served[i - i_clients]);
        if (!s->host_absent && i_secrets >= 0 && p[i_secrets].revents) {
            int fd = accept_client(secrets_listen, "secrets");
            if (fd >= 0)
                secrets_client_start(secrets_client_slot(&clients), fd);
        }
        if (s->host_absent) {
            snprintf(why, WHY_MAX, "the host half hung up the port");
            if (c.fd >= 0)
                close(c.fd);
            c.fd = -1;
            for (int i = 0; i < SECRETS_CLIENTS_MAX; i++)
                if (clients.c[i].fd >= 0)
                    close(clients.c[i].fd);
            return;
        }
    }
}
