/* prewrite — pre-content events on held files: a thread answers reads, the loop the rest. */
#include "prewrite.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "journal.h"
#include "proc.h"

#ifndef FAN_CLASS_PRE_CONTENT
#define FAN_CLASS_PRE_CONTENT 0x00000008
#endif
#ifndef FAN_PRE_ACCESS
#define FAN_PRE_ACCESS 0x00100000
#endif

struct rec {
        int fd;
        pid_t tid;
};

/* Changes waiting for the loop: grown, never waited on (the loop's own reads of watched files
 * wait for this thread). Bounded by the fds the kernel can give us (out of fds, it denies the
 * event it could not give). */
struct queue {
        pthread_mutex_t lock;
        struct rec *q;
        size_t head, len, cap;
};

struct prewrite {
        int group, stop_fd, efd;
        pid_t self;
        char procdir[64];
        prewrite_cb cb;
        void *u;
        sd_event_source *src;
        pthread_t thread;
        bool started, read_said, locked;
        struct queue queue;
        atomic_bool disabled;
        atomic_uint_fast64_t events, reads, to_loop, watched, unsupported, failed;
};

static void answer(struct prewrite *w, int fd) {
        struct fanotify_response resp = { .fd = fd, .response = FAN_ALLOW };
        while (write(w->group, &resp, sizeof(resp)) < 0 && errno == EINTR)
                ;
        close(fd);
}

static bool push(struct prewrite *w, const struct rec *r) {
        struct queue *q = &w->queue;
        pthread_mutex_lock(&q->lock);
        if (q->len == q->cap) {
                size_t cap = q->cap ? 2 * q->cap : 64;
                struct rec *g = malloc(cap * sizeof(*g));
                if (!g) {
                        pthread_mutex_unlock(&q->lock);
                        return false;
                }
                for (size_t i = 0; i < q->len; i++)
                        g[i] = q->q[(q->head + i) % q->cap];
                free(q->q);
                q->q = g;
                q->head = 0;
                q->cap = cap;
        }
        q->q[(q->head + q->len) % q->cap] = *r;
        if (q->len++ == 0) {
                uint64_t one = 1;
                (void)!write(w->efd, &one, sizeof(one));
        }
        pthread_mutex_unlock(&q->lock);
        return true;
}

/* The oldest waiting change, or false. */
static bool pop(struct prewrite *w, struct rec *ret) {
        struct queue *q = &w->queue;
        pthread_mutex_lock(&q->lock);
        bool ok = q->len > 0;
        if (ok) {
                *ret = q->q[q->head];
                q->head = (q->head + 1) % q->cap;
                q->len--;
        }
        pthread_mutex_unlock(&q->lock);
        return ok;
}

static void handle(struct prewrite *w, const struct fanotify_event_metadata *m) {
        w->events++;
        /* The loop's own thread (the daemon reading a file it judges) must never wait for
         * itself; a read is no change. */
        char link[64];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
        if (m->pid == w->self || proc_access_mode(w->procdir, m->pid, link) == PROC_OPEN_READ) {
                w->reads += m->pid != w->self;
                answer(w, m->fd);
                return;
        }
        if (!push(w, &(struct rec){ .fd = m->fd, .tid = m->pid })) { /* out of memory */
                w->failed++;
                answer(w, m->fd);
                return;
        }
        w->to_loop++;
}

static void *run(void *arg) {
        struct prewrite *w = arg;
        static _Alignas(struct fanotify_event_metadata) char buf[16384];
        for (;;) {
                struct pollfd pf[2] = { { .fd = w->group, .events = POLLIN }, { .fd = w->stop_fd, .events = POLLIN } };
                if (poll(pf, 2, -1) < 0) { /* never gone while marks stand: retried */
                        if (errno != EINTR)
                                usleep(1000);
                        continue;
                }
                if (pf[1].revents)
                        break;
                ssize_t n = read(w->group, buf, sizeof(buf));
                if (n < 0) {
                        /* Never gone while marks stand: the loop's own reads would wait for it.
                         * (Out of fds, EMFILE: the kernel denies the event it could not give.) */
                        if (errno != EINTR && errno != EAGAIN) {
                                if (!w->read_said)
                                        log_warning("Failed to read pre-content events: %s, retrying (said once)",
                                                    strerror(errno));
                                w->read_said = true;
                                usleep(1000);
                        }
                        continue;
                }
                const struct fanotify_event_metadata *m = (const void *)buf;
                for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
                        if (m->vers != FANOTIFY_METADATA_VERSION || m->fd < 0)
                                continue; /* (FAN_NOFD: a queue overflow; nothing waits on it) */
                        if (m->mask & FAN_PRE_ACCESS)
                                handle(w, m);
                        else
                                answer(w, m->fd);
                }
        }
        return NULL;
}

static int on_queue(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct prewrite *w = userdata;
        uint64_t n;
        (void)!read(w->efd, &n, sizeof(n));
        struct rec r;
        while (pop(w, &r)) {
                w->cb(w->u, r.fd, r.tid);
                answer(w, r.fd);
        }
        return 0;
}

int prewrite_new(sd_event *loop, const char *procdir, prewrite_cb cb, void *u, struct prewrite **ret) {
        struct prewrite *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->group = w->stop_fd = w->efd = -1;
        w->self = getpid();
        w->cb = cb;
        w->u = u;
        snprintf(w->procdir, sizeof(w->procdir), "%s", procdir);
        int r = 0;
        /* The accessing thread's id: its syscall tells a read from a change. */
        w->group = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
        if (w->group < 0 || (w->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
            (w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
                r = -errno;
        if (r == 0 && (r = -pthread_mutex_init(&w->queue.lock, NULL)) == 0)
                w->locked = true;
        if (r == 0)
                r = sd_event_add_io(loop, &w->src, w->efd, EPOLLIN, on_queue, w);
        if (r == 0 && (r = -pthread_create(&w->thread, NULL, run, w)) == 0)
                w->started = true;
        if (r < 0) {
                prewrite_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

struct prewrite *prewrite_free(struct prewrite *w) {
        if (!w)
                return NULL;
        if (w->started) {
                uint64_t one = 1;
                (void)!write(w->stop_fd, &one, sizeof(one));
                pthread_join(w->thread, NULL);
        }
        sd_event_source_disable_unref(w->src);
        if (w->locked) { /* what the loop had not taken yet: allowed */
                struct rec r;
                while (pop(w, &r))
                        answer(w, r.fd);
                pthread_mutex_destroy(&w->queue.lock);
        }
        free(w->queue.q);
        if (w->efd >= 0)
                close(w->efd);
        if (w->stop_fd >= 0)
                close(w->stop_fd);
        if (w->group >= 0) /* (closing the group allows whatever still waits) */
                close(w->group);
        free(w);
        return NULL;
}

int prewrite_watch(struct prewrite *w, int fd) {
        if (!w || w->disabled)
                return -EINVAL;
        /* Evictable: it pins nothing (a hold's own fd does while it lasts), and the responder's
         * marks are the same kind, so either joins the other's. */
        if (fanotify_mark(w->group, FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_PRE_ACCESS, fd, NULL) == 0) {
                w->watched++;
                return 0;
        }
        int r = -errno;
        if (r == -EOPNOTSUPP)
                w->unsupported++;
        else if (r == -EINVAL) {
                w->disabled = true;
                log_info("This kernel has no pre-content events (FAN_PRE_ACCESS, Linux 6.14+): a file truncated by "
                         "path after it was read is not kept in the vault");
        } else
                w->failed++;
        return r;
}

void prewrite_unwatch(struct prewrite *w, int fd) {
        if (w && !w->disabled)
                (void)fanotify_mark(w->group, FAN_MARK_REMOVE, FAN_PRE_ACCESS, fd, NULL);
}

void prewrite_get_stats(const struct prewrite *w, struct prewrite_stats *ret) {
        *ret = (struct prewrite_stats){ .events = w->events, .reads = w->reads, .to_loop = w->to_loop,
                                        .watched = w->watched, .unsupported = w->unsupported, .failed = w->failed };
}

int prewrite_group(const struct prewrite *w) {
        return w && !w->disabled ? w->group : -1;
}
