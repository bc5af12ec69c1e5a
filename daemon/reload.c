/* reload — a child reads the configuration; the loop collects it.
 *
 * On the pipe: an int errno, then either the file's text (errno 0) or the reader's message. */
#include "reload.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"

#define RELOAD_MAX (2u << 20)

struct reload {
        pid_t child;
        sd_event_source *src;
        char *buf;
        size_t len, cap;
        reload_done_t done;
        void *userdata;
};

static void write_all(int fd, const void *p, size_t n) {
        for (size_t off = 0; off < n;) {
                ssize_t w = write(fd, (const char *)p + off, n - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;
                off += (size_t)w;
        }
}

static _Noreturn void child(int fd, const char *path) {
        /* Keep only the pipe: see canary_repair() for why. */
        if (fd > 3)
                (void)close_range(3, (unsigned)fd - 1, 0);
        (void)close_range((unsigned)fd + 1, ~0U, 0);
        char *text = NULL, err[1024] = "";
        int e = -config_read_file(path, &text, err, sizeof(err));
        write_all(fd, &e, sizeof(e));
        if (e == 0)
                write_all(fd, text, strlen(text));
        else
                write_all(fd, err, strlen(err));
        _exit(0);
}

static void finish(struct reload *r) {
        int e = EIO;
        char msg[1200];
        const char *text = NULL;
        if (r->len >= sizeof(int)) {
                memcpy(&e, r->buf, sizeof(int));
                r->buf[r->len] = '\0';
                const char *body = r->buf + sizeof(int);
                if (e == 0 && strlen(body) != r->len - sizeof(int))
                        e = EINVAL; /* a NUL byte arrived after the check: refuse */
                if (e == 0)
                        text = body;
                else
                        snprintf(msg, sizeof(msg), "%s", body[0] ? body : strerror(e));
        } else
                snprintf(msg, sizeof(msg), "Failed to read the configuration: the reader process died");
        (void)waitpid(r->child, NULL, 0); /* it has closed the pipe: it is exiting */
        r->child = 0;
        r->src = sd_event_source_disable_unref(r->src);
        r->done(r->userdata, text, text ? NULL : msg);
}

static int on_data(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct reload *r = userdata;
        for (;;) {
                if (r->len == r->cap) {
                        size_t cap = r->cap ? r->cap * 2 : 8192;
                        char *b = cap <= RELOAD_MAX ? realloc(r->buf, cap + 1) : NULL;
                        if (!b)
                                break; /* too long: what came is judged (and refused) */
                        r->buf = b;
                        r->cap = cap;
                }
                ssize_t n = read(fd, r->buf + r->len, r->cap - r->len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n <= 0)
                        break;
                r->len += (size_t)n;
        }
        finish(r);
        return 0;
}

int reload_start(sd_event *loop, const char *path, reload_done_t done, void *userdata, struct reload **ret) {
        struct reload *r = *ret;
        int p[2];
        if (r && r->child)
                return -EBUSY;
        if (!r) {
                if (!(r = calloc(1, sizeof(*r))))
                        return -ENOMEM;
                *ret = r;
        }
        free(r->buf);
        r->buf = NULL;
        r->len = r->cap = 0;
        r->done = done;
        r->userdata = userdata;
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid == 0)
                child(p[1], path);
        close(p[1]);
        int e = pid < 0 ? -errno : 0;
        if (e == 0 && fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
                e = -errno;
        if (e == 0)
                e = sd_event_add_io(loop, &r->src, p[0], EPOLLIN, on_data, r);
        if (e < 0) {
                close(p[0]);
                if (pid > 0) {
                        (void)kill(pid, SIGKILL);
                        (void)waitpid(pid, NULL, 0);
                }
                return e;
        }
        (void)sd_event_source_set_io_fd_own(r->src, 1);
        r->child = pid;
        return 0;
}

struct reload *reload_free(struct reload *r) {
        if (!r)
                return NULL;
        r->src = sd_event_source_disable_unref(r->src);
        if (r->child > 0) {
                (void)kill(r->child, SIGKILL);
                (void)waitpid(r->child, NULL, 0);
        }
        free(r->buf);
        free(r);
        return NULL;
}
