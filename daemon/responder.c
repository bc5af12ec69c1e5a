/* responder — the permission group's reader and fast answerer, on its own thread. */
#include "responder.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "fanrec.h"
#include "fastpath.h"
#include "proc.h"
#include "util.h"

#define QUEUE_START 16384     /* records waiting for the loop: the queue grows (doubling) ... */
#define QUEUE_MAX (1 << 21)   /* ... up to this (about 80 MiB); then the thread waits (openers too) */
/* The loop may be this many events behind (names included) and opens of files still be
 * answered here. Beyond it they wait for the loop again: an opener never gets further ahead of
 * judging than this. An attacker whose opens all could be fast (read the original, write a new
 * file, exchange or unlink it by name) ran 12-16 files ahead of the verdict without it, where
 * the loop's own pace had given 1-2. */
#define LAG_MAX 8

#define NAME_BUF (16 * 1024)
#define KNOWN_MAX 32768       /* files whose held state the loop told us of, newest per slot */
#define READ_BUF (64 * 1024)
#ifndef FAN_PRE_ACCESS
#define FAN_PRE_ACCESS 0x00100000
#endif

struct responder {
        int perm_fd, name_fd, efd, stop_fd;
        char procdir[64];
        pthread_mutex_t known_lock;
        struct fastpath_known *known; /* KNOWN_MAX slots, by inode */
        pid_t self;
        pthread_t thread;
        bool started;
        atomic_bool fast;
        pthread_mutex_t lock;
        pthread_mutex_t marks; /* the thread's mark changes vs the loop's (responder_marks_lock) */
        pthread_cond_t room;
        struct responder_rec *q; /* ring of cap */
        size_t cap;
        size_t head, len;
        bool stopping;       /* under lock: push gives up */
        atomic_bool quit;    /* the thread leaves its loop */
        bool realtime;       /* the thread runs SCHED_FIFO */
        struct responder_stats st; /* under lock */
        atomic_uint_fast64_t events, fast_new, fast_read, fast_other; /* the thread's own counts */
        atomic_uint_fast64_t pushed, done, lagged; /* records handed on, and those the loop has handled */
        atomic_bool flush_ok;       /* ignore marks are in use: FAN_MARK_FLUSH drops them */
        atomic_bool ignore_paused;  /* dropped for a writer that ran ahead: none added until caught up */
        atomic_uint_fast64_t flushes, unignored;
        atomic_uint_fast64_t premarked;
        int premark_fd; /* under marks: a pre-content group, or -1 (responder_set_premark) */
};

static void answer(struct responder *r, int fd) {
        struct fanotify_response resp = { .fd = fd, .response = FAN_ALLOW };
        while (write(r->perm_fd, &resp, sizeof(resp)) < 0 && errno == EINTR)
                ;
}

/* Hand a record to the loop, waiting for room (the openers behind it wait with us). false:
 * stopping, the record was not taken. */
static bool push(struct responder *r, const struct responder_rec *rec) {
        pthread_mutex_lock(&r->lock);
        /* Full: grown rather than waited on, so that the thread goes on answering what it can
         * (a busy loop must not stall every opener); it waits only at QUEUE_MAX. */
        if (r->len == r->cap && r->cap < QUEUE_MAX) {
                struct responder_rec *g = malloc(2 * r->cap * sizeof(*g));
                if (g) {
                        for (size_t i = 0; i < r->len; i++)
                                g[i] = r->q[(r->head + i) % r->cap];
                        free(r->q);
                        r->q = g;
                        r->head = 0;
                        r->cap *= 2;
                        r->st.grown++;
                }
        }
        while (r->len == r->cap && !r->stopping) {
                r->st.waits_full++;
                pthread_cond_wait(&r->room, &r->lock);
        }
        bool ok = !r->stopping;
        if (ok) {
                r->q[(r->head + r->len) % r->cap] = *rec;
                bool was_empty = r->len++ == 0;
                r->st.handed++;
                atomic_fetch_add_explicit(&r->pushed, 1, memory_order_relaxed);
                if (was_empty) {
                        uint64_t one = 1;
                        (void)!write(r->efd, &one, sizeof(one));
                }
        }
        pthread_mutex_unlock(&r->lock);
        return ok;
}

static struct fastpath_known known_of(const struct statx *stx) {
        return (struct fastpath_known){
                .dev = makedev(stx->stx_dev_major, stx->stx_dev_minor), .ino = stx->stx_ino, .size = stx->stx_size,
                .mtime_ns = (int64_t)stx->stx_mtime.tv_sec * 1000000000 + stx->stx_mtime.tv_nsec,
                .btime_ns = (int64_t)stx->stx_btime.tv_sec * 1000000000 + stx->stx_btime.tv_nsec,
        };
}

/* May this open be allowed now, before the loop sees it? Anything but a regular file always
 * (the pipeline never judges it); a file only while calm and the loop keeps up. */
static enum fastpath fast_kind(struct responder *r, const struct responder_rec *rec) {
        struct statx stx;
        if (statx(rec->fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE | STATX_BTIME | STATX_MTIME, &stx) < 0)
                return FASTPATH_NO;
        if (!S_ISREG(stx.stx_mode))
                return FASTPATH_NOT_FILE;
        if (!atomic_load_explicit(&r->fast, memory_order_relaxed)) {
                atomic_fetch_add_explicit(&r->lagged, 1, memory_order_relaxed);
                return FASTPATH_NO;
        }
        /* New files only while the loop keeps up: a writer of new files never gets further
         * ahead of judging than LAG_MAX events. Reads of files whose state is held need no
         * judging, so a busy loop does not hold them up (every attacker that makes new files
         * still waits at each). */
        bool lagging = atomic_load_explicit(&r->pushed, memory_order_relaxed) -
                               atomic_load_explicit(&r->done, memory_order_relaxed) >= LAG_MAX;
        int64_t age_ms = -1;
        if (stx.stx_mask & STATX_BTIME) {
                struct timespec rt;
                clock_gettime(CLOCK_REALTIME, &rt);
                age_ms = ((int64_t)rt.tv_sec - stx.stx_btime.tv_sec) * 1000 +
                         ((int64_t)rt.tv_nsec - stx.stx_btime.tv_nsec) / 1000000;
                if (age_ms < 0)
                        age_ms = -1;
        }
        bool modified = stx.stx_mtime.tv_sec != stx.stx_btime.tv_sec || stx.stx_mtime.tv_nsec != stx.stx_btime.tv_nsec;
        enum fastpath k = fastpath_open(stx.stx_mode, stx.stx_size, age_ms, modified);
        if (k == FASTPATH_NEW && lagging)
                atomic_fetch_add_explicit(&r->lagged, 1, memory_order_relaxed);
        if (k == FASTPATH_NEW)
                return lagging ? FASTPATH_NO : k;
        if (k != FASTPATH_NO || !(stx.stx_mask & STATX_BTIME))
                return k;
        /* A file with content whose state the loop holds as it is: a read needs nothing before
         * its answer (the loop keeps its books afterwards). Its flags from /proc while the
         * opener waits; a write-open waits for the loop. */
        struct fastpath_known held, now = known_of(&stx);
        pthread_mutex_lock(&r->known_lock);
        held = r->known[now.ino % KNOWN_MAX];
        pthread_mutex_unlock(&r->known_lock);
        if (fastpath_read(&held, &now, true) != FASTPATH_READ)
                return FASTPATH_NO;
        return fastpath_read(&held, &now, proc_open_mode(r->procdir, rec->pid) == PROC_OPEN_READ);
}

/* A read answered before the loop has seen it: its file marked for pre-content events first, so
 * that a truncate(2) by path right after the read waits until the loop has kept it. Evictable,
 * like the vault's own marks (it pins nothing); the file's first change takes it away. */
static void premark(struct responder *r, int fd) {
        pthread_mutex_lock(&r->marks);
        if (r->premark_fd >= 0) {
                if (fanotify_mark(r->premark_fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_PRE_ACCESS, fd, NULL) == 0)
                        atomic_fetch_add_explicit(&r->premarked, 1, memory_order_relaxed);
                else if (errno == EINVAL) /* no pre-content events on this kernel */
                        r->premark_fd = -1;
        }
        pthread_mutex_unlock(&r->marks);
}

void responder_set_premark(struct responder *r, int fd) {
        pthread_mutex_lock(&r->marks);
        r->premark_fd = fd;
        pthread_mutex_unlock(&r->marks);
}

void responder_known(struct responder *r, int fd) {
        struct statx stx;
        if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE | STATX_BTIME | STATX_MTIME, &stx) < 0 ||
            !S_ISREG(stx.stx_mode) || !(stx.stx_mask & STATX_BTIME))
                return;
        struct fastpath_known k = known_of(&stx);
        pthread_mutex_lock(&r->known_lock);
        r->known[k.ino % KNOWN_MAX] = k;
        pthread_mutex_unlock(&r->known_lock);
}

/* The name group's events queued now, handed on as they are (the loop resolves them): read
 * before each open is looked at, so that what happened to names before it is before it in the
 * queue too. */
static void drain_names(struct responder *r) {
        char buf[NAME_BUF] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
        if (r->name_fd < 0)
                return;
        for (int round = 0; round < 4; round++) {
                ssize_t n = read(r->name_fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                /* Events with names are 4-byte aligned only: each is copied out before it is read. */
                struct fanotify_event_metadata md;
                for (size_t off = 0; off + sizeof(md) <= (size_t)n; off += md.event_len) {
                        memcpy(&md, buf + off, sizeof(md));
                        if (md.event_len < sizeof(md) || off + md.event_len > (size_t)n)
                                break;
                        /* A new file's name tells nothing its close-write will not (the loop
                         * skips them too): the most frequent name event, not handed on. */
                        if ((md.mask & FAN_CREATE) && !(md.mask & FAN_ONDIR) && md.vers == FANOTIFY_METADATA_VERSION) {
                                atomic_fetch_add_explicit(&r->events, 1, memory_order_relaxed);
                                continue;
                        }
                        struct responder_rec rec = { .mask = md.mask, .pid = md.pid, .fd = md.fd, .pidfd = -1,
                                                     .name_len = md.event_len };
                        atomic_fetch_add_explicit(&r->events, 1, memory_order_relaxed);
                        if (!(rec.name = malloc(md.event_len))) {
                                if (md.fd >= 0)
                                        close(md.fd);
                                continue; /* lost, as in an overflow; the loop learns nothing of it */
                        }
                        memcpy(rec.name, buf + off, md.event_len);
                        if (!push(r, &rec)) {
                                free(rec.name);
                                if (md.fd >= 0)
                                        close(md.fd);
                        }
                }
                if ((size_t)n < sizeof(buf) / 2)
                        return; /* all read */
        }
}

static void handle(struct responder *r, const struct fanotify_event_metadata *m, size_t len) {
        struct fanrec fr;
        fanrec_parse(m, len, &fr);
        struct responder_rec rec = { .mask = m->mask, .pid = m->pid, .fd = m->fd,
                                     .pidfd = fr.has_pidfd ? fr.pidfd : -1, .has_pidfd = fr.has_pidfd,
                                     .t_us = util_now_usec() };
        bool perm = (m->mask & FAN_OPEN_PERM) && m->fd >= 0;
        atomic_fetch_add_explicit(&r->events, 1, memory_order_relaxed);
        if (m->vers != FANOTIFY_METADATA_VERSION || (m->pid == r->self && m->fd >= 0)) {
                /* Ours (never judged, and we may be the one waiting), or unreadable: allowed. */
                if (perm)
                        answer(r, m->fd);
                goto drop;
        }
        /* A write through an open we were not asked about: that file is asked about again from
         * now on, and its later writes raise no more of these (one judgement per file, then
         * the loop watches it like any write-open). */
        if ((m->mask & FAN_MODIFY) && m->fd >= 0) {
                pthread_mutex_lock(&r->marks);
                (void)fanotify_mark(r->perm_fd, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM, m->fd, NULL);
                if (fanotify_mark(r->perm_fd, FAN_MARK_REMOVE, FAN_MODIFY, m->fd, NULL) == 0)
                        atomic_fetch_add_explicit(&r->unignored, 1, memory_order_relaxed);
                pthread_mutex_unlock(&r->marks);
        }
        /* ... and every ignore mark goes at once: opens we are not asked about hold no writer
         * back, and one that writes others' new files unasked must wait for the loop again from
         * its next open (seen: 26-150 files of a few KiB encrypted in the 3 ms before the loop
         * had judged the first). Until the loop has caught up, none is added again. */
        if ((m->mask & FAN_MODIFY) && atomic_load_explicit(&r->flush_ok, memory_order_relaxed)) {
                pthread_mutex_lock(&r->marks);
                if (!atomic_exchange(&r->ignore_paused, true) &&
                    fanotify_mark(r->perm_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, "/") == 0)
                        atomic_fetch_add_explicit(&r->flushes, 1, memory_order_relaxed);
                pthread_mutex_unlock(&r->marks);
        }
        if (perm) {
                /* Answered first where it may be; then the names queued before it go before it
                 * to the loop (a rename storm's names are many, the opener need not wait). */
                enum fastpath k = fast_kind(r, &rec);
                if (k == FASTPATH_READ)
                        premark(r, m->fd);
                if (k != FASTPATH_NO)
                        answer(r, m->fd);
                drain_names(r);
                if (k != FASTPATH_NO) {
                        rec.answered = true;
                        rec.fast = (uint8_t)k;
                        if (k == FASTPATH_NOT_FILE) {
                                atomic_fetch_add_explicit(&r->fast_other, 1, memory_order_relaxed);
                                goto drop; /* nothing of it is judged */
                        }
                        atomic_fetch_add_explicit(k == FASTPATH_READ ? &r->fast_read : &r->fast_new, 1,
                                                  memory_order_relaxed);
                }
        }
        if (push(r, &rec))
                return;
        if (perm && !rec.answered)
                answer(r, m->fd);
drop:
        if (m->fd >= 0)
                close(m->fd);
        if (rec.pidfd >= 0)
                close(rec.pidfd);
}

static void *run(void *userdata) {
        struct responder *r = userdata;
        char buf[READ_BUF] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
        while (!atomic_load_explicit(&r->quit, memory_order_relaxed)) {
                ssize_t n = read(r->perm_fd, buf, sizeof(buf));
                if (n > 0) {
                        const struct fanotify_event_metadata *m = (const void *)buf;
                        for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n))
                                handle(r, m, (size_t)n);
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno != EAGAIN)
                        break; /* the group is gone */
                /* Names after the permission group's events read so far: an unlink that follows a
                 * close-write (a new file, then its original removed) comes after it. Woken by
                 * names alone, the permission group is read first all the same. */
                drain_names(r);
                /* (Polling a while before sleeping was measured: on 2 cores it took the time
                 * the loop needed, and creates got slower, 2x -> 3x.) */
                struct pollfd pf[3] = { { .fd = r->perm_fd, .events = POLLIN }, { .fd = r->stop_fd, .events = POLLIN },
                                        { .fd = r->name_fd, .events = POLLIN } };
                if (poll(pf, r->name_fd >= 0 ? 3 : 2, -1) < 0 && errno != EINTR)
                        break;
                if (pf[1].revents)
                        break;
        }
        return NULL;
}

int responder_new(int perm_fd, int name_fd, pid_t self, const char *procdir, struct responder **ret) {
        struct responder *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->perm_fd = perm_fd;
        snprintf(r->procdir, sizeof(r->procdir), "%s", procdir);
        pthread_mutex_init(&r->known_lock, NULL);
        r->name_fd = name_fd;
        r->self = self;
        atomic_init(&r->fast, false);
        atomic_init(&r->quit, false);
        atomic_init(&r->flush_ok, false);
        atomic_init(&r->ignore_paused, false);
        r->premark_fd = -1;
        pthread_mutex_init(&r->lock, NULL);
        pthread_mutex_init(&r->marks, NULL);
        pthread_cond_init(&r->room, NULL);
        r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        r->q = calloc(r->cap = QUEUE_START, sizeof(*r->q));
        r->known = calloc(KNOWN_MAX, sizeof(*r->known));
        int e = 0;
        if (r->efd < 0 || r->stop_fd < 0 || !r->q || !r->known)
                e = r->q && r->known ? errno : ENOMEM;
        else {
                /* Woken first: an opener waits for us, and an unasked writer must not run on
                 * for a scheduler slice before we see it (seen: 1-26 files written in that time,
                 * 3-4 with this). SCHED_FIFO at the lowest priority, as chronyd -P does; the work
                 * per event is a few syscalls. Where that is not allowed, as any thread. */
                pthread_attr_t attr;
                struct sched_param sp = { .sched_priority = 1 };
                pthread_attr_init(&attr);
                pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
                pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
                pthread_attr_setschedparam(&attr, &sp);
                e = pthread_create(&r->thread, &attr, run, r);
                pthread_attr_destroy(&attr);
                r->realtime = e == 0;
                if (e == EPERM)
                        e = pthread_create(&r->thread, NULL, run, r);
                r->started = e == 0;
        }
        if (e) {
                responder_free(r);
                return -e;
        }
        *ret = r;
        return 0;
}

struct responder *responder_free(struct responder *r) {
        if (!r)
                return NULL;
        pthread_mutex_lock(&r->lock);
        r->stopping = true;
        pthread_cond_broadcast(&r->room);
        pthread_mutex_unlock(&r->lock);
        atomic_store(&r->quit, true);
        if (r->started) {
                uint64_t one = 1;
                (void)!write(r->stop_fd, &one, sizeof(one));
                pthread_join(r->thread, NULL);
        }
        for (; r->len; r->len--, r->head = (r->head + 1) % r->cap) {
                struct responder_rec *rec = &r->q[r->head];
                if ((rec->mask & FAN_OPEN_PERM) && !rec->answered && rec->fd >= 0)
                        answer(r, rec->fd);
                if (rec->fd >= 0)
                        close(rec->fd);
                if (rec->pidfd >= 0)
                        close(rec->pidfd);
                free(rec->name);
        }
        free(r->q);
        free(r->known);
        pthread_mutex_destroy(&r->known_lock);
        if (r->efd >= 0)
                close(r->efd);
        if (r->stop_fd >= 0)
                close(r->stop_fd);
        pthread_cond_destroy(&r->room);
        pthread_mutex_destroy(&r->lock);
        pthread_mutex_destroy(&r->marks);
        free(r);
        return NULL;
}

int responder_fd(const struct responder *r) {
        return r->efd;
}

size_t responder_take(struct responder *r, struct responder_rec *v, size_t n) {
        uint64_t cnt;
        (void)!read(r->efd, &cnt, sizeof(cnt));
        pthread_mutex_lock(&r->lock);
        size_t k = 0;
        for (; k < n && r->len; k++, r->len--, r->head = (r->head + 1) % r->cap)
                v[k] = r->q[r->head];
        if (k)
                pthread_cond_signal(&r->room);
        if (r->len) { /* more than asked for: readable again */
                uint64_t one = 1;
                (void)!write(r->efd, &one, sizeof(one));
        }
        pthread_mutex_unlock(&r->lock);
        return k;
}

void responder_done(struct responder *r, size_t n) {
        uint64_t done = atomic_fetch_add_explicit(&r->done, n, memory_order_relaxed) + n;
        /* Caught up after a drop of every ignore mark: they may be added again. */
        if (done == atomic_load(&r->pushed))
                atomic_store(&r->ignore_paused, false);
}

void responder_marks_lock(struct responder *r) {
        pthread_mutex_lock(&r->marks);
}

void responder_marks_unlock(struct responder *r) {
        pthread_mutex_unlock(&r->marks);
}

void responder_use_ignore_marks(struct responder *r) {
        atomic_store(&r->flush_ok, true);
}

bool responder_may_ignore(struct responder *r) {
        return !atomic_load(&r->ignore_paused);
}

void responder_set_fast(struct responder *r, bool on) {
        atomic_store_explicit(&r->fast, on, memory_order_relaxed);
}

void responder_get_stats(struct responder *r, struct responder_stats *ret) {
        pthread_mutex_lock(&r->lock);
        *ret = r->st;
        pthread_mutex_unlock(&r->lock);
        ret->events = atomic_load(&r->events);
        ret->fast_new = atomic_load(&r->fast_new);
        ret->fast_other = atomic_load(&r->fast_other);
        ret->fast_read = atomic_load(&r->fast_read);
        ret->slow = atomic_load(&r->lagged);
        ret->flushes = atomic_load(&r->flushes);
        ret->unignored = atomic_load(&r->unignored);
        ret->premarked = atomic_load(&r->premarked);
        ret->realtime = r->realtime;
}
