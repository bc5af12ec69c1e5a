/* control — the socket, its connections, the framing. */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal.h"
#include "util.h"

struct client {
        struct control *owner;
        int fd;
        sd_event_source *io, *idle;
        struct control_peer peer;
        char in[CTL_REQUEST_MAX + 1];
        size_t n_in;
        char *out;
        size_t n_out, sent;
        bool busy;      /* a request is being answered: read nothing more */
        bool closing;   /* close once the reply is out */
        struct client *next;
};

struct control {
        sd_event *loop;
        sd_event_source *listen;
        int fd;
        char path[108];
        control_handler_t handler;
        void *userdata;
        bool has_group;
        gid_t gid;
        char group[65];
        struct client *clients;
        unsigned n_clients;
        uint64_t next_serial;
};

static void client_free(struct client *cl) {
        struct control *c = cl->owner;
        for (struct client **p = &c->clients; *p; p = &(*p)->next)
                if (*p == cl) {
                        *p = cl->next;
                        break;
                }
        c->n_clients--;
        sd_event_source_disable_unref(cl->io);
        sd_event_source_disable_unref(cl->idle);
        close(cl->fd);
        free(cl->out);
        free(cl);
}

static void touch(struct client *cl) {
        uint64_t now;
        (void)sd_event_now(cl->owner->loop, CLOCK_MONOTONIC, &now);
        (void)sd_event_source_set_time(cl->idle, now + CONTROL_IDLE_MS * 1000ULL);
        (void)sd_event_source_set_enabled(cl->idle, SD_EVENT_ONESHOT);
}

/* Which events to wait for: the reply going out, else the next request (unless busy). */
static void arm(struct client *cl) {
        uint32_t ev = cl->out ? EPOLLOUT : cl->busy ? 0 : EPOLLIN;
        (void)sd_event_source_set_io_events(cl->io, ev);
        (void)sd_event_source_set_enabled(cl->io, ev ? SD_EVENT_ON : SD_EVENT_OFF);
}

static void queue(struct client *cl, cJSON *reply) {
        char *text = reply ? cJSON_PrintUnformatted(reply) : NULL;
        cJSON_Delete(reply);
        if (text && strlen(text) + 1 > CONTROL_REPLY_MAX) {
                free(text);
                text = strdup("{\"ok\":false,\"code\":\"failed\",\"error\":\"the reply is too large\"}");
        }
        if (!text)
                text = strdup("{\"ok\":false,\"code\":\"failed\",\"error\":\"out of memory\"}");
        if (!text) {
                client_free(cl);
                return;
        }
        size_t n = strlen(text);
        char *buf = realloc(text, n + 2);
        if (!buf) {
                free(text);
                client_free(cl);
                return;
        }
        buf[n] = '\n';
        buf[n + 1] = '\0';
        cl->out = buf;
        cl->n_out = n + 1;
        cl->sent = 0;
        touch(cl);
        arm(cl);
}

static struct client *find(struct control *c, uint64_t serial) {
        for (struct client *cl = c->clients; cl; cl = cl->next)
                if (cl->peer.serial == serial)
                        return cl;
        return NULL;
}

cJSON *control_ok(void) {
        return ctlproto_ok();
}

void control_reply_to(struct control *c, uint64_t serial, cJSON *reply) {
        struct client *cl = find(c, serial);
        if (!cl || !cl->busy) {
                cJSON_Delete(reply);
                return;
        }
        queue(cl, reply);
}

static cJSON *failure(const char *code, const char *msg) {
        return ctlproto_failure(code, msg);
}

void control_fail(struct control *c, uint64_t serial, const char *code, const char *fmt, ...) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        control_reply_to(c, serial, failure(code, msg));
}

/* One complete line: parse, check the caller, hand on. */
static void request(struct client *cl, const char *line, size_t len) {
        struct control *c = cl->owner;
        struct ctl_request q;
        char err[256];
        cl->busy = true;
        int r = ctlproto_parse(line, len, &q, err, sizeof(err));
        if (r < 0) {
                queue(cl, failure(CTL_E_INVALID, err));
                return;
        }
        if (!cl->peer.root && !ctlproto_read_only(q.cmd)) {
                queue(cl, failure(CTL_E_REFUSED, "this command needs root"));
                return;
        }
        log_debug("Control: %s from pid %d (uid %u)", ctlproto_cmd_name(q.cmd), (int)cl->peer.pid, (unsigned)cl->peer.uid);
        uint64_t serial = cl->peer.serial;
        c->handler(c->userdata, &cl->peer, &q); /* replies now, or later (a reload) */
        if ((cl = find(c, serial)))
                arm(cl); /* still waiting for its reply: nothing is read meanwhile */
}

/* The next request in the buffer (pipelined), if any; else wait for more. */
static void next_request(struct client *cl) {
        char *nl = memchr(cl->in, '\n', cl->n_in);
        if (!nl) {
                arm(cl);
                return;
        }
        size_t len = (size_t)(nl - cl->in) + 1;
        char line[CTL_REQUEST_MAX + 1];
        memcpy(line, cl->in, len);
        memmove(cl->in, cl->in + len, cl->n_in - len);
        cl->n_in -= len;
        request(cl, line, len);
}

static int on_client(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct client *cl = userdata;
        if (revents & EPOLLOUT && cl->out) {
                ssize_t n = send(fd, cl->out + cl->sent, cl->n_out - cl->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        client_free(cl);
                        return 0;
                }
                if (n > 0) {
                        cl->sent += (size_t)n;
                        touch(cl);
                }
                if (cl->sent == cl->n_out) {
                        free(cl->out);
                        cl->out = NULL;
                        cl->busy = false;
                        if (cl->closing) {
                                client_free(cl);
                                return 0;
                        }
                        next_request(cl);
                }
                return 0;
        }
        if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                if (cl->busy)
                        return 0;
                ssize_t n = recv(fd, cl->in + cl->n_in, CTL_REQUEST_MAX - cl->n_in, MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                if (n <= 0) { /* gone (a request without its newline is not answered) */
                        client_free(cl);
                        return 0;
                }
                cl->n_in += (size_t)n;
                touch(cl);
                if (memchr(cl->in, '\n', cl->n_in)) {
                        next_request(cl);
                        return 0;
                }
                if (cl->n_in == CTL_REQUEST_MAX) {
                        cl->busy = cl->closing = true;
                        queue(cl, failure(CTL_E_INVALID, "request: longer than 4096 bytes"));
                }
        }
        return 0;
}

static int on_idle(sd_event_source *s, uint64_t usec, void *userdata) {
        struct client *cl = userdata;
        log_debug("Control: closing a connection of pid %d idle for %d ms", (int)cl->peer.pid, CONTROL_IDLE_MS);
        client_free(cl);
        return 0;
}

/* Is gid among the peer's groups (primary or supplementary, as the kernel knows them)? */
static bool peer_in_group(int fd, gid_t primary, gid_t gid) {
        if (primary == gid)
                return true;
        gid_t g[256];
        socklen_t len = sizeof(g);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) < 0)
                return false;
        for (size_t i = 0; i < len / sizeof(gid_t); i++)
                if (g[i] == gid)
                        return true;
        return false;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct control *c = userdata;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
                return 0;
        struct ucred cred;
        socklen_t len = sizeof(cred);
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
                close(cfd);
                return 0;
        }
        bool root = cred.uid == 0, reader = root || (c->has_group && peer_in_group(cfd, cred.gid, c->gid));
        if (!reader || c->n_clients >= CONTROL_CLIENTS_MAX) {
                /* One line saying why, then closed (a full socket buffer just loses it). */
                char msg[256];
                snprintf(msg, sizeof(msg), "{\"ok\":false,\"code\":\"refused\",\"error\":\"%s\"}\n",
                         !reader ? "ransomguardctl needs root here (or the group in control.group for read-only commands)"
                                 : "too many control connections at once, try again");
                (void)!send(cfd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
                if (!reader)
                        log_notice("Control: refused a connection of pid %d (uid %u): not root%s", (int)cred.pid,
                                   (unsigned)cred.uid, c->has_group ? " nor in control.group" : "");
                close(cfd);
                return 0;
        }
        struct client *cl = calloc(1, sizeof(*cl));
        if (!cl) {
                close(cfd);
                return 0;
        }
        cl->owner = c;
        cl->fd = cfd;
        cl->peer = (struct control_peer){ .serial = ++c->next_serial, .pid = cred.pid, .uid = cred.uid, .root = root };
        if (sd_event_add_io(c->loop, &cl->io, cfd, EPOLLIN, on_client, cl) < 0 ||
            sd_event_add_time(c->loop, &cl->idle, CLOCK_MONOTONIC, 0, 0, on_idle, cl) < 0) {
                sd_event_source_disable_unref(cl->io);
                close(cfd);
                free(cl);
                return 0;
        }
        cl->next = c->clients;
        c->clients = cl;
        c->n_clients++;
        touch(cl);
        return 0;
}

/* Is a daemon answering on path? Then it is not ours to replace. */
static bool live(const struct sockaddr_un *sa) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return false;
        int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
        bool yes = r == 0 || errno == EAGAIN || errno == EINPROGRESS;
        close(fd);
        return yes;
}

int control_new(sd_event *loop, const char *path, control_handler_t h, void *userdata, struct control **ret, char *err,
                size_t errlen) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path)) {
                snprintf(err, errlen, "control.socket %s: longer than %zu bytes", path, sizeof(sa.sun_path) - 1);
                return -ENAMETOOLONG;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        /* The directory (RuntimeDirectory= makes it under systemd). */
        char dir[sizeof(sa.sun_path)];
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                        int r = -errno;
                        snprintf(err, errlen, "Failed to create the directory of control.socket %s: %s", path, strerror(-r));
                        return r;
                }
        }
        struct stat st;
        if (lstat(path, &st) == 0) {
                if (!S_ISSOCK(st.st_mode)) {
                        snprintf(err, errlen, "control.socket %s exists and is not a socket, leaving it alone", path);
                        return -EEXIST;
                }
                if (live(&sa)) {
                        snprintf(err, errlen, "control.socket %s: another ransomguardd answers there", path);
                        return -EADDRINUSE;
                }
                if (unlink(path) < 0 && errno != ENOENT) {
                        int r = -errno;
                        snprintf(err, errlen, "Failed to remove the stale control.socket %s: %s", path, strerror(-r));
                        return r;
                }
                log_info("Replaced a stale control socket %s (a daemon before us did not remove it)", path);
        }
        struct control *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->loop = loop;
        c->handler = h;
        c->userdata = userdata;
        snprintf(c->path, sizeof(c->path), "%s", path);
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int r = c->fd < 0 ? -errno : 0;
        mode_t old = umask(0177); /* born 0600: no window in which others may connect */
        if (r == 0 && bind(c->fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0)
                r = -errno;
        umask(old);
        if (r == 0 && listen(c->fd, 16) < 0)
                r = -errno;
        if (r == 0)
                r = sd_event_add_io(loop, &c->listen, c->fd, EPOLLIN, on_accept, c);
        if (r < 0) {
                snprintf(err, errlen, "Failed to listen on control.socket %s: %s", path, strerror(-r));
                if (c->fd >= 0)
                        close(c->fd);
                free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int control_set_group(struct control *c, const char *group, char *err, size_t errlen) {
        c->has_group = false;
        snprintf(c->group, sizeof(c->group), "%s", group);
        if (!group[0]) {
                (void)chown(c->path, 0, 0);
                return chmod(c->path, 0600) < 0 ? -errno : 0;
        }
        struct group *g = getgrnam(group);
        if (!g) {
                snprintf(err, errlen, "control.group \"%s\": no such group; the control socket is root's only", group);
                (void)chmod(c->path, 0600);
                return -ENOENT;
        }
        c->gid = g->gr_gid;
        c->has_group = true;
        if (chown(c->path, 0, g->gr_gid) == 0)
                return chmod(c->path, 0660) < 0 ? -errno : 0;
        /* Without CAP_CHOWN (the unit does not grant it): open to connect, and SO_PEERCRED
         * alone decides, as it does anyway. */
        int r = -errno;
        if (chmod(c->path, 0666) < 0) {
                r = -errno;
                snprintf(err, errlen, "Failed to open control.socket %s to group %s: %s", c->path, group, strerror(-r));
                return r;
        }
        log_info("control.socket %s: mode 0666 (%s when giving it to group %s); every caller is checked with "
                 "SO_PEERCRED", c->path, strerror(-r), group);
        return 0;
}

struct control *control_free(struct control *c) {
        if (!c)
                return NULL;
        while (c->clients)
                client_free(c->clients);
        sd_event_source_disable_unref(c->listen);
        if (c->fd >= 0) {
                close(c->fd);
                (void)unlink(c->path);
        }
        free(c);
        return NULL;
}
