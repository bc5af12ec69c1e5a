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

#define MAX_TARGETS 4096

struct target {
        int pidfd;
        struct proc_info pi;
};

/* Pin pid with a pidfd, then read /proc: the pidfd was taken first, so if the stat we read
 * still names the expected parent/start time, the pidfd refers to that very process. */
static int pin(const struct policy *p, pid_t pid, struct target *t) {
        int fd = pidfd_open(pid, 0);
        if (fd < 0)
                return -errno;
        if (proc_read(p->procdir, pid, &t->pi) < 0) {
                close(fd);
                return -ESRCH;
        }
        t->pidfd = fd;
        return 0;
}

static bool have_target(const struct target *t, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (t[i].pi.pid == pid)
                        return true;
        return false;
}

/* Pin, verify and (when acting) stop the descendants of the root not yet in t. Returns how
 * many were added. */
static size_t collect(const struct policy *p, const struct action_request *req, bool act, struct target *t, size_t *n,
                      struct action_result *ret) {
        pid_t *d = NULL;
        size_t nd = 0, added = 0;
        if (proc_descendants(p->procdir, req->root, &d, &nd) < 0)
                return 0;
        for (size_t i = 0; i < nd && *n < MAX_TARGETS; i++) {
                if (have_target(t, *n, d[i]))
                        continue;
                struct target *x = &t[*n];
                if (pin(p, d[i], x) < 0) {
                        ret->gone++;
                        continue;
                }
                /* Still a descendant after pinning (not a reused pid)? */
                if (!proc_is_ancestor(p->procdir, req->root, x->pi.ppid)) {
                        close(x->pidfd);
                        ret->gone++;
                        continue;
                }
                if (!policy_may_act(p, &x->pi, NULL)) {
                        ret->skipped++;
                        close(x->pidfd);
                        x->pidfd = -1;
                } else if (act)
                        (void)pidfd_send_signal(x->pidfd, SIGSTOP, NULL, 0);
                (*n)++;
                added++;
        }
        free(d);
        return added;
}

/* The cgroup v2 directory of the family when that cgroup holds nothing but family members
 * (a transient unit or scope started for the attacker): then cgroup.kill ends all of them in
 * one step, stragglers included. Never the root cgroup, never one shared with others. */
static int exclusive_cgroup(const struct target *t, size_t n, char *buf, size_t len) {
        const char *cg = t[0].pi.cgroup;
        if (!cg[0] || strcmp(cg, "/") == 0)
                return -ENOENT;
        for (size_t i = 0; i < n; i++)
                if (strcmp(t[i].pi.cgroup, cg) != 0 || t[i].pidfd < 0)
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
                        if (!have_target(t, n, (pid_t)pid))
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

/* The final signal to every pinned member. After cgroup.kill too: a pidfd signal to a dying
 * process is harmless, and the count says who was reached. */
static void signal_all(const struct target *t, size_t n, int sig, bool via_cgroup, struct action_result *ret) {
        for (size_t i = 0; i < n; i++) {
                if (t[i].pidfd < 0)
                        continue;
                if (pidfd_send_signal(t[i].pidfd, sig, NULL, 0) == 0 || (via_cgroup && errno == ESRCH))
                        ret->acted++;
                else if (errno == ESRCH)
                        ret->gone++;
                else
                        ret->failed++;
        }
}

int action_apply(const struct policy *p, const struct action_request *req, struct action_result *ret) {
        struct target *t = calloc(MAX_TARGETS, sizeof(*t));
        size_t n = 0;
        const char *why = NULL;
        char cgdir[PROC_PATH_MAX + 64];

        memset(ret, 0, sizeof(*ret));
        if (!t)
                return -ENOMEM;

        /* The root first: pinned, the same process we scored, allowed by policy. */
        if (pin(p, req->root, &t[0]) < 0 || t[0].pi.start_time != req->root_start) {
                if (t[0].pidfd > 0)
                        close(t[0].pidfd);
                ret->gone = 1;
                snprintf(ret->detail, sizeof(ret->detail), "skipped: process already exited");
                free(t);
                return 0;
        }
        n = 1;
        if (!policy_may_act(p, &t[0].pi, &why)) {
                snprintf(ret->detail, sizeof(ret->detail), "skipped: %s[%d] is %s", t[0].pi.comm, (int)t[0].pi.pid,
                         why);
                ret->skipped = 1;
                goto out;
        }
        bool act = req->signal; /* decided once, by decide_signals() */
        /* Stop the root before listing its children: it cannot fork new ones meanwhile. Then
         * list again until a pass finds no one new (children forking grandchildren). */
        if (act)
                (void)pidfd_send_signal(t[0].pidfd, SIGSTOP, NULL, 0);
        if (req->with_descendants)
                for (int pass = 0; pass < 8; pass++)
                        if (collect(p, req, act, t, &n, ret) == 0 || !act)
                                break;

        if (!act) {
                snprintf(ret->detail, sizeof(ret->detail), "would %s %zu process(es)",
                         req->action == CONFIG_ACTION_SUSPEND ? "suspend" : "kill", n - ret->skipped);
                goto out;
        }

        bool via_cgroup = false;
        if (req->action == CONFIG_ACTION_KILL && exclusive_cgroup(t, n, cgdir, sizeof(cgdir)) == 0 &&
            cgroup_kill(cgdir) == 0)
                via_cgroup = true;
        signal_all(t, n, req->action == CONFIG_ACTION_KILL ? SIGKILL : SIGSTOP, via_cgroup, ret);

        if (ret->failed)
                snprintf(ret->detail, sizeof(ret->detail), "%s: %u of %zu signals failed",
                         ret->acted ? "partial" : "failed", ret->failed, n);
        else
                snprintf(ret->detail, sizeof(ret->detail), "%s %u process(es)%s%s",
                         req->action == CONFIG_ACTION_KILL ? "killed" : "suspended", ret->acted,
                         via_cgroup ? " (cgroup.kill)" : "", ret->skipped ? ", some skipped by policy" : "");
out:
        for (size_t i = 0; i < n; i++)
                if (t[i].pidfd >= 0)
                        close(t[i].pidfd);
        free(t);
        return 0;
}
