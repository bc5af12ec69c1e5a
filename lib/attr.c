/* attr — writer attribution helpers for the inotify source. No I/O here: daemon/inot.c reads /proc. */
#include "attr.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "util.h"

#define USEC_PER_SEC UINT64_C(1000000)

int attr_parse_fdinfo_flags(const char *text, unsigned *ret_flags) {
        if (!text)
                return -ENOENT;
        for (const char *line = text; *line; ) {
                if (strncmp(line, "flags:", 6) == 0) {
                        const char *p = line + 6;
                        while (*p == ' ' || *p == '\t')
                                p++;
                        unsigned long v = 0;
                        size_t digits = 0;
                        for (; *p >= '0' && *p <= '7'; p++, digits++) {
                                if (v > (UINT_MAX >> 3))
                                        return -EINVAL;
                                v = (v << 3) | (unsigned long)(*p - '0');
                        }
                        while (*p == ' ' || *p == '\t')
                                p++;
                        if (digits == 0 || (*p != '\n' && *p != '\0'))
                                return -EINVAL;
                        *ret_flags = (unsigned)v;
                        return 0;
                }
                const char *nl = strchr(line, '\n');
                if (!nl)
                        break;
                line = nl + 1;
        }
        return -ENOENT;
}

bool attr_flags_writable(unsigned flags) {
        unsigned mode = flags & O_ACCMODE;
        return mode == O_WRONLY || mode == O_RDWR;
}

int attr_parse_pid(const char *name, pid_t *ret_pid) {
        if (!name || !*name)
                return -EINVAL;
        long long v = 0;
        for (const char *p = name; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (*p - '0');
                if (v > INT_MAX)
                        return -EINVAL;
        }
        if (v <= 0)
                return -EINVAL;
        *ret_pid = (pid_t)v;
        return 0;
}

uint64_t attr_dir_hash(const char *path) {
        const char *slash = path ? strrchr(path, '/') : NULL;
        return util_fnv1a_str(path ? path : "", slash ? (size_t)(slash - path) : 0);
}

void attr_mru_touch(struct attr_mru *m, pid_t pid, uint64_t now_usec) {
        if (pid <= 0)
                return;
        size_t i;
        for (i = 0; i < m->n && m->pid[i] != pid; i++)
                ;
        if (i == m->n) { /* not present: the last one falls off when full */
                if (m->n < ATTR_MRU_SIZE)
                        m->n++;
                i = m->n - 1;
        }
        memmove(&m->pid[1], &m->pid[0], i * sizeof(m->pid[0]));
        memmove(&m->usec[1], &m->usec[0], i * sizeof(m->usec[0]));
        m->pid[0] = pid;
        m->usec[0] = now_usec;
}

void attr_mru_forget(struct attr_mru *m, pid_t pid) {
        for (size_t i = 0; i < m->n; i++)
                if (m->pid[i] == pid) {
                        memmove(&m->pid[i], &m->pid[i + 1], (m->n - i - 1) * sizeof(m->pid[0]));
                        memmove(&m->usec[i], &m->usec[i + 1], (m->n - i - 1) * sizeof(m->usec[0]));
                        m->n--;
                        return;
                }
}

void attr_log_add(struct attr_log *l, pid_t pid, uint64_t dir, uint64_t now_usec) {
        if (pid <= 0)
                return;
        size_t oldest = 0;
        for (size_t i = 0; i < l->n; i++) {
                if (l->e[i].pid == pid && l->e[i].dir == dir) {
                        l->e[i].usec = now_usec;
                        return;
                }
                if (l->e[i].usec < l->e[oldest].usec)
                        oldest = i;
        }
        size_t i = l->n < ATTR_LOG_SIZE ? l->n++ : oldest;
        l->e[i] = (struct attr_log_entry){ .pid = pid, .dir = dir, .usec = now_usec };
}

void attr_log_forget(struct attr_log *l, pid_t pid) {
        for (size_t i = 0; i < l->n;)
                if (l->e[i].pid == pid)
                        l->e[i] = l->e[--l->n];
                else
                        i++;
}

/* The single pid among recent entries (optionally only those in dir); 0 if none or several. */
static pid_t only_pid(const struct attr_log *l, bool same_dir, uint64_t dir, uint64_t now_usec,
                      uint64_t window_usec) {
        pid_t found = 0;
        for (size_t i = 0; i < l->n; i++) {
                const struct attr_log_entry *e = &l->e[i];
                if (e->usec < now_usec && now_usec - e->usec > window_usec)
                        continue;
                if (same_dir && e->dir != dir)
                        continue;
                if (found && found != e->pid)
                        return -1;
                found = e->pid;
        }
        return found;
}

pid_t attr_log_pick(const struct attr_log *l, uint64_t dir, uint64_t now_usec, uint64_t window_usec) {
        pid_t p = only_pid(l, true, dir, now_usec, window_usec);
        if (p > 0)
                return p;
        if (p < 0) /* several writers in this directory: the tree has several too */
                return 0;
        p = only_pid(l, false, dir, now_usec, window_usec);
        return p > 0 ? p : 0;
}

static void budget_roll(struct attr_budget *b, uint64_t now_usec) {
        if (now_usec < b->window_start || now_usec - b->window_start >= USEC_PER_SEC) {
                b->window_start = now_usec;
                b->used = 0;
                b->spent_usec = 0;
        }
}

bool attr_budget_time_left(struct attr_budget *b, uint64_t now_usec) {
        budget_roll(b, now_usec);
        return !b->limit_usec || b->spent_usec < b->limit_usec;
}

bool attr_budget_take(struct attr_budget *b, uint64_t now_usec) {
        if (!attr_budget_time_left(b, now_usec) || b->used >= b->limit)
                return false;
        b->used++;
        return true;
}

void attr_budget_spend(struct attr_budget *b, uint64_t now_usec, uint64_t usec) {
        budget_roll(b, now_usec);
        b->spent_usec += usec;
}
