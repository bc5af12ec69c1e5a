/* action — pidfd-based stop/kill of a process family. */
#include "action.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

/* Pidfds held open at once. A family may have many thousand members (a fork bomb is one): past
 * this many, a member is stopped and its pidfd closed, and it is pinned again for the kill, its
 * identity re-checked (a stopped process cannot exit by itself, and a pid reused meanwhile has
 * another start time). So the daemon's fd limit never caps how many members are reached. */
#define FD_BUDGET 256

struct target {
        int pidfd;          /* -1: released (see FD_BUDGET) or skipped */
        bool skipped;       /* policy forbids acting on it */
        struct proc_info pi;
};

/* The members found so far, with a set of their pids for O(1) "already have it?" and "is its
 * parent a member?" (open addressing; pids are the kernel's, not chosen by the attacker). */
struct family {
        struct target *t;
        size_t n, cap;
        pid_t *set;
        size_t set_cap;     /* a power of two, at least twice n */
        unsigned open_fds;
};

static size_t slot_of(const struct family *f, pid_t pid) {
        size_t m = f->set_cap - 1, i = ((size_t)pid * 0x9e3779b1u) & m;
        while (f->set[i] && f->set[i] != pid)
                i = (i + 1) & m;
        return i;
}

static bool family_has(const struct family *f, pid_t pid) {
        return pid > 0 && f->set[slot_of(f, pid)] == pid;
}

static int set_insert(struct family *f, pid_t pid) {
        if ((f->n + 1) * 2 > f->set_cap) {
                size_t cap = f->set_cap ? f->set_cap * 2 : 1024;
                pid_t *old = f->set;
                size_t old_cap = f->set_cap;
                if (!(f->set = calloc(cap, sizeof(pid_t)))) {
                        f->set = old;
                        return -ENOMEM;
                }
                f->set_cap = cap;
                for (size_t i = 0; i < old_cap; i++)
                        if (old[i])
                                f->set[slot_of(f, old[i])] = old[i];
                free(old);
        }
        f->set[slot_of(f, pid)] = pid;
        return 0;
}

/* Room for one more member at f->t[f->n]. */
static struct target *family_next(struct family *f) {
        if (f->n == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 64;
                struct target *t = realloc(f->t, cap * sizeof(*t));
                if (!t)
                        return NULL;
                f->t = t;
                f->cap = cap;
        }
        return &f->t[f->n];
}

static int family_commit(struct family *f) {
        int r = set_insert(f, f->t[f->n].pi.pid);
        if (r == 0)
                f->n++;
        return r;
}

static void family_free(struct family *f) {
        for (size_t i = 0; i < f->n; i++)
                if (f->t[i].pidfd >= 0)
                        close(f->t[i].pidfd);
        free(f->t);
        free(f->set);
}

/* Pin pid with a pidfd, then read /proc: the pidfd was taken first, so if the stat we read
 * still names the expected parent/start time, the pidfd refers to that very process. */
static int pin(const struct policy *p, pid_t pid, struct target *t) {
        int fd = pidfd_open(pid, 0);
        if (fd < 0)
                return -errno;
        int r = proc_read(p->procdir, pid, &t->pi);
        if (r < 0) {
                close(fd);
                return r == -ENOENT ? -ESRCH : r; /* EMFILE and the like are not "gone" */
        }
        t->pidfd = fd;
        t->skipped = false;
        return 0;
}

/* Keep a member's pidfd only within FD_BUDGET (see there); it stays stopped meanwhile. */
static void maybe_release(struct family *f, struct target *x, bool act) {
        if (x->pidfd >= 0 && (f->open_fds >= FD_BUDGET || !act)) {
                close(x->pidfd);
                x->pidfd = -1;
        } else if (x->pidfd >= 0)
                f->open_fds++;
}

/* Pin, verify and (when acting) stop the descendants of the root not yet in f. A member is
 * still a descendant after pinning when its parent is the root or a member pinned before it
 * (descendants are listed parents first). Returns how many were added. */
static size_t collect(const struct policy *p, const struct action_request *req, bool act, struct family *f,
                      struct action_result *ret) {
        pid_t *d = NULL;
        size_t nd = 0, added = 0;
        if (proc_descendants(p->procdir, req->root, &d, &nd) < 0)
                return 0;
        for (size_t i = 0; i < nd; i++) {
                if (family_has(f, d[i]))
                        continue;
                struct target *x = family_next(f);
                if (!x) {
                        ret->failed++;
                        break;
                }
                int r = pin(p, d[i], x);
                if (r < 0 && r != -ESRCH) {
                        ret->failed++; /* could not be reached safely: said, never silently "gone" */
                        continue;
                }
                if (r < 0 || !family_has(f, x->pi.ppid)) {
                        if (r == 0)
                                close(x->pidfd);
                        ret->gone++; /* exited, or re-parented away (no longer below the root) */
                        continue;
                }
                x->skipped = !policy_may_act(p, &x->pi, NULL);
                /* A member first, then stopped: one that cannot be recorded is never left stopped. */
                if (family_commit(f) < 0) {
                        close(x->pidfd);
                        ret->failed++;
                        break;
                }
                if (x->skipped) {
                        ret->skipped++;
                        close(x->pidfd);
                        x->pidfd = -1;
                } else {
                        if (act)
                                (void)pidfd_send_signal(x->pidfd, SIGSTOP, NULL, 0);
                        maybe_release(f, x, act);
                }
                added++;
        }
        free(d);
        return added;
}

/* The cgroup v2 directory of the family when that cgroup holds nothing but family members
 * (a transient unit or scope started for the attacker): then cgroup.kill ends all of them in
 * one step, stragglers included. Never the root cgroup, never one shared with others. */
static int exclusive_cgroup(const struct family *fam, char *buf, size_t len) {
        const struct target *t = fam->t;
        const char *cg = t[0].pi.cgroup;
        if (!cg[0] || strcmp(cg, "/") == 0)
                return -ENOENT;
        for (size_t i = 0; i < fam->n; i++)
                if (strcmp(t[i].pi.cgroup, cg) != 0 || t[i].skipped)
                        return -EBUSY;
        static const char *const mounts[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified", NULL };
        for (int m = 0; mounts[m]; m++) {
                char path[PROC_PATH_MAX + 64];
                snprintf(path, sizeof(path), "%s%s/cgroup.kill", mounts[m], cg);
                if (access(path, W_OK) != 0)
                        continue;
                /* cgroup.kill also kills every cgroup below: only a leaf qualifies. */
                snprintf(path, sizeof(path), "%s%s/cgroup.stat", mounts[m], cg);
                FILE *f = fopen(path, "re");
                if (!f)
                        continue;
                char line[128];
                bool leaf = false;
                while (fgets(line, sizeof(line), f))
                        if (strcmp(line, "nr_descendants 0\n") == 0)
                                leaf = true;
                fclose(f);
                if (!leaf)
                        return -EBUSY;
                snprintf(path, sizeof(path), "%s%s/cgroup.procs", mounts[m], cg);
                f = fopen(path, "re");
                if (!f)
                        continue;
                int pid, members = 0;
                bool foreign = false;
                while (fscanf(f, "%d", &pid) == 1) {
                        members++;
                        if (!family_has(fam, (pid_t)pid))
                                foreign = true;
                }
                fclose(f);
                if (foreign || members == 0)
                        return -EBUSY;
                snprintf(buf, len, "%s%s", mounts[m], cg);
                return 0;
        }
        return -ENOENT;
}

static int cgroup_kill(const char *dir) {
        char path[PROC_PATH_MAX + 128];
        snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = write(fd, "1", 1) == 1 ? 0 : -errno;
        close(fd);
        return r;
}

/* The final signal to every member. After cgroup.kill too: a pidfd signal to a dying process is
 * harmless, and the count says who was reached. A released member is pinned again first and
 * must still be the process we stopped (same start time). */
static void signal_all(const struct policy *p, struct family *f, size_t from, int sig, bool via_cgroup,
                       struct action_result *ret) {
        for (size_t i = from; i < f->n; i++) {
                struct target *x = &f->t[i];
                if (x->skipped)
                        continue;
                int fd = x->pidfd;
                if (fd < 0) {
                        struct proc_info pi;
                        fd = pidfd_open(x->pi.pid, 0);
                        int r = fd >= 0 ? proc_read_stat(p->procdir, x->pi.pid, &pi) : 0;
                        if (fd >= 0 && (r < 0 || pi.start_time != x->pi.start_time)) {
                                close(fd);
                                fd = -1;
                                errno = r < 0 && r != -ESRCH ? -r : ESRCH;
                        }
                        if (fd < 0) {
                                if (errno == ESRCH && via_cgroup)
                                        ret->acted++;
                                else if (errno == ESRCH)
                                        ret->gone++;
                                else
                                        ret->failed++;
                                continue;
                        }
                }
                if (pidfd_send_signal(fd, sig, NULL, 0) == 0 || (via_cgroup && errno == ESRCH))
                        ret->acted++;
                else if (errno == ESRCH)
                        ret->gone++;
                else
                        ret->failed++;
                if (fd != x->pidfd)
                        close(fd);
        }
}

/* Every member acted on, into ret->members (nothing when out of memory: the record only). */
static void record(const struct family *f, enum history_state st, bool term, struct action_result *ret) {
        uint32_t n = 0;
        for (size_t i = 0; i < f->n; i++)
                n += !f->t[i].skipped;
        uint32_t keep = n > HISTORY_MEMBERS_MAX ? HISTORY_MEMBERS_MAX : n;
        if (!keep || !(ret->members = calloc(keep, sizeof(*ret->members))))
                return;
        for (size_t i = 0; i < f->n && ret->n_members < keep; i++) {
                const struct target *x = &f->t[i];
                if (x->skipped)
                        continue;
                struct history_member *m = &ret->members[ret->n_members++];
                m->pid = x->pi.pid;
                m->start = x->pi.start_time;
                snprintf(m->comm, sizeof(m->comm), "%.15s", x->pi.comm);
                m->state = (uint8_t)(term && i == 0 ? HISTORY_KILLED : st);
        }
        ret->more_members = n - ret->n_members;
}

int action_apply(const struct policy *p, const struct action_request *req, struct action_result *ret) {
        struct family f = { 0 };
        const char *why = NULL;
        char cgdir[PROC_PATH_MAX + 64];
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        struct target *root = family_next(&f);
        if (!root)
                return -ENOMEM;
        /* The root first: pinned, the same process we scored, allowed by policy. */
        int pr = pin(p, req->root, root);
        if (pr < 0 || root->pi.start_time != req->root_start) {
                if (pr == 0)
                        close(root->pidfd);
                ret->gone = 1;
                snprintf(ret->detail, sizeof(ret->detail), "skipped: process already exited");
                free(f.t);
                return 0;
        }
        if ((r = family_commit(&f)) < 0) {
                close(root->pidfd);
                free(f.t);
                return r;
        }
        f.open_fds = 1;
        if (!policy_may_act(p, &f.t[0].pi, &why)) {
                snprintf(ret->detail, sizeof(ret->detail), "skipped: %s[%d] is %s", f.t[0].pi.comm, (int)f.t[0].pi.pid,
                         why);
                ret->skipped = 1;
                goto out;
        }
        bool act = req->signal; /* decided once, by decide_signals() */
        /* Stop the root before listing its children: it cannot fork new ones meanwhile. Then
         * list again until a pass finds no one new (children forking grandchildren). */
        if (act)
                (void)pidfd_send_signal(f.t[0].pidfd, SIGSTOP, NULL, 0);
        if (req->with_descendants)
                for (int pass = 0; pass < 8; pass++)
                        if (collect(p, req, act, &f, ret) == 0 || !act)
                                break;

        if (!act) {
                snprintf(ret->detail, sizeof(ret->detail), "would %s %zu process(es)",
                         req->action == CONFIG_ACTION_SUSPEND ? "suspend" : "kill", f.n - ret->skipped);
                goto out;
        }

        bool via_cgroup = false, term = req->term_root && req->action == CONFIG_ACTION_KILL;
        if (req->action == CONFIG_ACTION_KILL && !term && exclusive_cgroup(&f, cgdir, sizeof(cgdir)) == 0 &&
            cgroup_kill(cgdir) == 0)
                via_cgroup = true;
        signal_all(p, &f, term ? 1 : 0, req->action == CONFIG_ACTION_KILL ? SIGKILL : SIGSTOP, via_cgroup, ret);
        if (term) {
                /* Pending first, then continued: the stopped worker handles SIGTERM at once. */
                if (pidfd_send_signal(f.t[0].pidfd, SIGTERM, NULL, 0) == 0) {
                        (void)pidfd_send_signal(f.t[0].pidfd, SIGCONT, NULL, 0);
                        ret->acted++;
                } else if (errno == ESRCH)
                        ret->gone++;
                else
                        ret->failed++;
        }

        if (ret->failed)
                snprintf(ret->detail, sizeof(ret->detail), "%s: %u of %zu processes not reached",
                         ret->acted ? "partial" : "failed", ret->failed, f.n + ret->failed);
        else if (term)
                snprintf(ret->detail, sizeof(ret->detail), "session ended: SIGTERM to %s[%d]%s%s", f.t[0].pi.comm,
                         (int)f.t[0].pi.pid, ret->acted > 1 ? ", its children killed" : "",
                         ret->skipped ? ", some skipped by policy" : "");
        else
                snprintf(ret->detail, sizeof(ret->detail), "%s %u process(es)%s%s",
                         req->action == CONFIG_ACTION_KILL ? "killed" : "suspended", ret->acted,
                         via_cgroup ? " (cgroup.kill)" : "", ret->skipped ? ", some skipped by policy" : "");
        record(&f, req->action == CONFIG_ACTION_KILL ? HISTORY_KILLED : HISTORY_STOPPED, term, ret);
out:
        family_free(&f);
        return 0;
}

int action_members(const struct policy *p, struct history_member *m, uint32_t n, int sig, struct action_result *ret) {
        memset(ret, 0, sizeof(*ret));
        for (uint32_t i = 0; i < n; i++) {
                struct target t;
                int r = pin(p, m[i].pid, &t);
                if (r < 0 || t.pi.start_time != m[i].start) {
                        if (r == 0)
                                close(t.pidfd);
                        if (r < 0 && r != -ESRCH)
                                ret->failed++;
                        else {
                                ret->gone++;
                                m[i].state = HISTORY_LEFT;
                        }
                        continue;
                }
                const char *why = NULL;
                if (!policy_may_act(p, &t.pi, &why) && strcmp(why, "allowlisted") != 0) {
                        ret->skipped++;
                        close(t.pidfd);
                        continue;
                }
                if (pidfd_send_signal(t.pidfd, sig, NULL, 0) == 0) {
                        ret->acted++;
                        m[i].state = sig == SIGKILL ? HISTORY_KILLED : HISTORY_RESUMED;
                } else if (errno == ESRCH) {
                        ret->gone++;
                        m[i].state = HISTORY_LEFT;
                } else
                        ret->failed++;
                close(t.pidfd);
        }
        snprintf(ret->detail, sizeof(ret->detail), "%s %u process(es)", sig == SIGKILL ? "killed" : "resumed", ret->acted);
        size_t o = strlen(ret->detail);
        if (ret->gone)
                o += (size_t)snprintf(ret->detail + o, sizeof(ret->detail) - o, ", %u already gone", ret->gone);
        if (ret->skipped && o < sizeof(ret->detail))
                o += (size_t)snprintf(ret->detail + o, sizeof(ret->detail) - o, ", %u refused by policy", ret->skipped);
        if (ret->failed && o < sizeof(ret->detail))
                snprintf(ret->detail + o, sizeof(ret->detail) - o, ", %u could not be reached", ret->failed);
        return 0;
}
