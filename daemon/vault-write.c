/* vault-write — a thread that writes the vault's files. */
#include "vault-write.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct job {
        uint32_t id;
        void *data; /* NULL: a record only */
        size_t len;
        char *meta;
        struct job *next;
};

#define FAILED_MAX 1024

struct vaultw {
        int dfd;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond, idle;
        struct job *head, *tail;  /* under lock */
        size_t pending;           /* bytes queued or being written, under lock */
        bool stop;
        bool busy, busy_cancel;   /* the job being written (busy_id), and whether it was dropped */
        uint32_t busy_id;
        uint32_t failed_id[FAILED_MAX];
        int failed_err[FAILED_MAX];
        size_t n_failed;
        bool failed_lost;         /* more failed than the list holds */
        uint64_t written;         /* jobs written whole */
};

/* name, written as ".name.tmp" first and renamed over; -errno (nothing left behind). */
static int write_file(int dfd, const char *name, const void *buf, size_t len) {
        char tmp[48];
        snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
        int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        int r = 0;
        for (size_t off = 0; off < len && r == 0;) {
                ssize_t n = write(fd, (const char *)buf + off, len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        r = n < 0 ? -errno : -ENOSPC;
                else
                        off += (size_t)n;
        }
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(dfd, tmp, 0);
        return r;
}

static void unlink_entry(int dfd, uint32_t id) {
        char name[32];
        snprintf(name, sizeof(name), "%08x.json", id);
        (void)unlinkat(dfd, name, 0);
        snprintf(name, sizeof(name), "%08x", id);
        (void)unlinkat(dfd, name, 0);
}

/* (A record-only job that fails leaves what was written before it: the data and an older record.) */
static int write_job(int dfd, const struct job *j) {
        char name[32];
        int r = 0;
        if (j->data) {
                snprintf(name, sizeof(name), "%08x", j->id);
                r = write_file(dfd, name, j->data, j->len);
        }
        if (r == 0) {
                snprintf(name, sizeof(name), "%08x.json", j->id);
                r = write_file(dfd, name, j->meta, strlen(j->meta));
        }
        if (r < 0 && j->data)
                unlink_entry(dfd, j->id); /* (the data without its record is no entry) */
        return r;
}

static void free_job(struct job *j) {
        free(j->data);
        free(j->meta);
        free(j);
}

static void *run(void *arg) {
        struct vaultw *w = arg;
        pthread_mutex_lock(&w->lock);
        for (;;) {
                while (!w->head && !w->stop)
                        pthread_cond_wait(&w->cond, &w->lock);
                struct job *j = w->head;
                if (!j)
                        break; /* stopping, and all written */
                w->head = j->next;
                if (!w->head)
                        w->tail = NULL;
                w->busy = true;
                w->busy_cancel = false;
                w->busy_id = j->id;
                pthread_mutex_unlock(&w->lock);
                int r = write_job(w->dfd, j);
                pthread_mutex_lock(&w->lock);
                bool cancelled = w->busy_cancel;
                if (cancelled) { /* dropped meanwhile: removed, outside the lock */
                        pthread_mutex_unlock(&w->lock);
                        unlink_entry(w->dfd, j->id);
                        pthread_mutex_lock(&w->lock);
                } else if (r < 0 && w->n_failed < FAILED_MAX) {
                        w->failed_id[w->n_failed] = j->id;
                        w->failed_err[w->n_failed++] = r;
                } else if (r < 0)
                        w->failed_lost = true;
                else
                        w->written++;
                w->busy = false;
                w->pending -= j->len;
                free_job(j);
                if (!w->head)
                        pthread_cond_broadcast(&w->idle);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

int vaultw_new(int dfd, struct vaultw **ret) {
        struct vaultw *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->dfd = dfd;
        pthread_condattr_t ca;
        int r = -pthread_condattr_init(&ca);
        if (r < 0) {
                free(w);
                return r;
        }
        (void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* a wall-clock jump changes no wait */
        int steps = 0; /* what is made, to unmake on failure */
        if ((r = -pthread_mutex_init(&w->lock, NULL)) == 0 && ++steps && (r = -pthread_cond_init(&w->cond, NULL)) == 0 &&
            ++steps && (r = -pthread_cond_init(&w->idle, &ca)) == 0)
                ++steps;
        pthread_condattr_destroy(&ca);
        /* Created with every signal blocked (it may start before the loop blocks them for its
         * signalfd): a SIGHUP must reach the loop, never end the process through this thread. */
        if (r == 0) {
                sigset_t all, old;
                sigfillset(&all);
                pthread_sigmask(SIG_SETMASK, &all, &old);
                r = -pthread_create(&w->thread, NULL, run, w);
                pthread_sigmask(SIG_SETMASK, &old, NULL);
        }
        if (r < 0) {
                if (steps >= 3)
                        pthread_cond_destroy(&w->idle);
                if (steps >= 2)
                        pthread_cond_destroy(&w->cond);
                if (steps >= 1)
                        pthread_mutex_destroy(&w->lock);
                free(w);
                return r;
        }
        *ret = w;
        return 0;
}

struct vaultw *vaultw_free(struct vaultw *w) {
        if (!w)
                return NULL;
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        pthread_cond_destroy(&w->idle);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
}

bool vaultw_room(const struct vaultw *w, size_t len) {
        if (!w)
                return false;
        pthread_mutex_lock((pthread_mutex_t *)&w->lock);
        bool ok = w->pending + len <= VAULTW_MAX_PENDING;
        pthread_mutex_unlock((pthread_mutex_t *)&w->lock);
        return ok;
}

int vaultw_push(struct vaultw *w, uint32_t id, void *data, size_t len, char *meta) {
        struct job *j = malloc(sizeof(*j));
        if (!j)
                return -ENOMEM;
        *j = (struct job){ .id = id, .data = data, .len = data ? len : 0, .meta = meta };
        pthread_mutex_lock(&w->lock);
        if (w->tail)
                w->tail->next = j;
        else
                w->head = j;
        w->tail = j;
        w->pending += j->len;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        return 0;
}

void vaultw_cancel(struct vaultw *w, uint32_t id) {
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        if (w->busy && w->busy_id == id)
                w->busy_cancel = true;
        /* Every job of it (a record may be queued more than once). */
        struct job **p = &w->head, *prev = NULL;
        while (*p) {
                struct job *j = *p;
                if (j->id != id) {
                        prev = j;
                        p = &j->next;
                        continue;
                }
                *p = j->next;
                if (w->tail == j)
                        w->tail = prev;
                w->pending -= j->len;
                free_job(j);
        }
        pthread_mutex_unlock(&w->lock);
}

size_t vaultw_failed(struct vaultw *w, uint32_t *ids, int *errs, size_t n, bool *ret_lost, uint64_t *ret_written) {
        if (!w)
                return 0;
        pthread_mutex_lock(&w->lock);
        if (ret_lost) {
                *ret_lost = w->failed_lost;
                w->failed_lost = false;
        }
        if (ret_written)
                *ret_written = w->written;
        size_t k = w->n_failed < n ? w->n_failed : n;
        memcpy(ids, w->failed_id, k * sizeof(*ids));
        memcpy(errs, w->failed_err, k * sizeof(*errs));
        memmove(w->failed_id, w->failed_id + k, (w->n_failed - k) * sizeof(*ids));
        memmove(w->failed_err, w->failed_err + k, (w->n_failed - k) * sizeof(*errs));
        w->n_failed -= k;
        pthread_mutex_unlock(&w->lock);
        return k;
}

size_t vaultw_pending(const struct vaultw *w) {
        if (!w)
                return 0;
        pthread_mutex_lock((pthread_mutex_t *)&w->lock);
        size_t n = w->pending;
        pthread_mutex_unlock((pthread_mutex_t *)&w->lock);
        return n;
}

bool vaultw_wait(struct vaultw *w, unsigned timeout_ms) {
        if (!w)
                return true;
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock(&w->lock);
        int r = 0;
        while ((w->head || w->busy) && r == 0)
                r = pthread_cond_timedwait(&w->idle, &w->lock, &until);
        bool done = !w->head && !w->busy;
        pthread_mutex_unlock(&w->lock);
        return done;
}
