/* modwatch — FAN_MODIFY inode marks on files open for writing, reported at a bounded rate. */
#include "modwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

struct entry {
        dev_t dev;
        ino_t ino;
        int fd;             /* the file (a copy of the open's event fd): its content, its mark */
        unsigned refs;      /* write-capable opens allowed, not yet closed */
        uint64_t t_report;  /* when last reported */
        uint64_t t_used;    /* when last added to or reported */
        bool pending;       /* a modification not yet reported */
        pid_t pending_pid;
};

struct modwatch {
        sd_event *loop;
        int group_fd;
        modwatch_report_t report;
        void *userdata;
        struct entry v[MODWATCH_MAX];
        unsigned n;
        uint64_t full;
        sd_event_source *timer;
};

static void arm(struct modwatch *w);

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct modwatch *w = userdata;
        uint64_t now = util_now_ms();
        for (unsigned i = 0; i < w->n; i++) {
                struct entry *x = &w->v[i];
                if (!x->pending || now - x->t_report < MODWATCH_REJUDGE_MS)
                        continue;
                x->pending = false;
                x->t_report = x->t_used = now;
                w->report(w->userdata, x->fd, x->pending_pid); /* never calls back: x stays valid */
        }
        arm(w);
        return 0;
}

static void arm(struct modwatch *w) {
        bool pending = false;
        for (unsigned i = 0; i < w->n && !pending; i++)
                pending = w->v[i].pending;
        if (!pending) {
                (void)sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
                return;
        }
        uint64_t now;
        (void)sd_event_now(w->loop, CLOCK_MONOTONIC, &now);
        (void)sd_event_source_set_time(w->timer, now + MODWATCH_REJUDGE_MS * 1000);
        (void)sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
}

int modwatch_new(sd_event *loop, int group_fd, modwatch_report_t report, void *userdata, struct modwatch **ret) {
        struct modwatch *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        *w = (struct modwatch){ .loop = loop, .group_fd = group_fd, .report = report, .userdata = userdata };
        int r = sd_event_add_time(loop, &w->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timer, w);
        if (r < 0) {
                free(w);
                return r;
        }
        (void)sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
        *ret = w;
        return 0;
}

void modwatch_free(struct modwatch *w) {
        if (!w)
                return;
        for (unsigned i = 0; i < w->n; i++)
                close(w->v[i].fd); /* the group goes with the daemon: its marks too */
        sd_event_source_unref(w->timer);
        free(w);
}

static struct entry *find(struct modwatch *w, int fd, struct stat *st) {
        if (fstat(fd, st) < 0)
                return NULL;
        for (unsigned i = 0; i < w->n; i++)
                if (w->v[i].ino == st->st_ino && w->v[i].dev == st->st_dev)
                        return &w->v[i];
        return NULL;
}

static void drop(struct modwatch *w, struct entry *x) {
        (void)fanotify_mark(w->group_fd, FAN_MARK_REMOVE, FAN_MODIFY, x->fd, NULL);
        close(x->fd);
        *x = w->v[--w->n];
}

void modwatch_add(struct modwatch *w, int fd) {
        struct stat st;
        struct entry *x = find(w, fd, &st);
        uint64_t now = util_now_ms();
        if (x) {
                x->refs++;
                x->t_used = now;
                return;
        }
        if (w->n >= MODWATCH_MAX) {
                /* Full: the entry used least recently goes (an open we took for a write that
                 * never closed with one: openat2, io_uring; or one idle for long). */
                struct entry *old = &w->v[0];
                for (unsigned i = 1; i < w->n; i++)
                        if (w->v[i].t_used < old->t_used)
                                old = &w->v[i];
                drop(w, old);
                w->full++;
        }
        int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (dup < 0)
                return;
        if (fanotify_mark(w->group_fd, FAN_MARK_ADD, FAN_MODIFY, dup, NULL) < 0) {
                close(dup);
                return;
        }
        w->v[w->n++] = (struct entry){ .dev = st.st_dev, .ino = st.st_ino, .fd = dup, .refs = 1, .t_used = now };
}

bool modwatch_modified(struct modwatch *w, int fd, pid_t pid) {
        struct stat st;
        struct entry *x = find(w, fd, &st);
        if (!x)
                return false; /* closed meanwhile: its close-write is judged */
        uint64_t now = util_now_ms();
        x->t_used = now;
        if (now - x->t_report >= MODWATCH_REJUDGE_MS) {
                x->t_report = now;
                return true;
        }
        /* Too soon: the newest content is reported when the time has passed. */
        if (!x->pending) {
                x->pending = true;
                arm(w);
        }
        x->pending_pid = pid;
        return false;
}

bool modwatch_watched(struct modwatch *w, int fd) {
        struct stat st;
        return find(w, fd, &st) != NULL;
}

void modwatch_closed(struct modwatch *w, int fd) {
        struct stat st;
        struct entry *x = find(w, fd, &st);
        if (x && --x->refs == 0)
                drop(w, x); /* the close-write itself is judged: a pending report is moot */
}

unsigned modwatch_count(const struct modwatch *w) {
        return w->n;
}

uint64_t modwatch_evicted(const struct modwatch *w) {
        return w->full;
}
