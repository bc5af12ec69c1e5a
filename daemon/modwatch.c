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
        unsigned refs;      /* write-capable opens allowed, not yet closed */
        uint64_t t_report;  /* when last reported */
        int pending_fd;     /* a modification not yet reported: its content, or -1 */
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
                if (x->pending_fd < 0 || now - x->t_report < MODWATCH_REJUDGE_MS)
                        continue;
                int fd = x->pending_fd;
                x->pending_fd = -1;
                x->t_report = now;
                w->report(w->userdata, fd, x->pending_pid); /* may call back: x stays valid (no removal here) */
                close(fd);
        }
        arm(w);
        return 0;
}

static void arm(struct modwatch *w) {
        bool pending = false;
        for (unsigned i = 0; i < w->n && !pending; i++)
                pending = w->v[i].pending_fd >= 0;
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
                if (w->v[i].pending_fd >= 0)
                        close(w->v[i].pending_fd);
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

static void drop(struct modwatch *w, struct entry *x, int fd) {
        if (fd >= 0)
                (void)fanotify_mark(w->group_fd, FAN_MARK_REMOVE, FAN_MODIFY, fd, NULL);
        if (x->pending_fd >= 0)
                close(x->pending_fd);
        *x = w->v[--w->n];
}

void modwatch_add(struct modwatch *w, int fd) {
        struct stat st;
        struct entry *x = find(w, fd, &st);
        if (x) {
                x->refs++;
                return;
        }
        if (w->n >= MODWATCH_MAX) {
                w->full++;
                return;
        }
        if (fanotify_mark(w->group_fd, FAN_MARK_ADD, FAN_MODIFY, fd, NULL) < 0) {
                w->full++;
                return;
        }
        w->v[w->n++] = (struct entry){ .dev = st.st_dev, .ino = st.st_ino, .refs = 1, .pending_fd = -1 };
}

bool modwatch_modified(struct modwatch *w, int fd, pid_t pid) {
        struct stat st;
        struct entry *x = find(w, fd, &st);
        if (!x)
                return false; /* closed meanwhile: its close-write is judged */
        uint64_t now = util_now_ms();
        if (now - x->t_report >= MODWATCH_REJUDGE_MS) {
                x->t_report = now;
                return true;
        }
        /* Too soon: the newest content is reported when the time has passed. */
        if (x->pending_fd < 0 && (x->pending_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) >= 0)
                arm(w);
        x->pending_pid = pid;
        return false;
}

void modwatch_closed(struct modwatch *w, int fd) {
        struct stat st;
        struct entry *x = find(w, fd, &st);
        if (x && --x->refs == 0)
                drop(w, x, fd); /* the close-write itself is judged: a pending report is moot */
}

unsigned modwatch_count(const struct modwatch *w) {
        return w->n;
}

uint64_t modwatch_full(const struct modwatch *w) {
        return w->full;
}
