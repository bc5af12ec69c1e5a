/* action — pidfd-based stop/kill of a process family. */
#include "action.h"

#include <errno.h>
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

int action_apply(const struct policy *p, const struct action_request *req, struct action_result *ret) {
        struct target *t = calloc(MAX_TARGETS, sizeof(*t));
        size_t n = 0;
        const char *why = NULL;
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        if (!t)
                return -ENOMEM;

        /* The root first. */
        r = pin(p, req->root, &t[0]);
        if (r < 0 || t[0].pi.start_time != req->root_start) {
                if (r == 0)
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
        bool act = !req->dry_run && req->action != CONFIG_ACTION_LOG;
        /* Freeze the root before listing its children: it cannot fork new ones meanwhile. */
        if (act)
                (void)pidfd_send_signal(t[0].pidfd, SIGSTOP, NULL, 0);
        if (req->with_descendants) {
                pid_t *d = NULL;
                size_t nd = 0;
                if (proc_descendants(p->procdir, req->root, &d, &nd) == 0) {
                        for (size_t i = 0; i < nd && n < MAX_TARGETS; i++) {
                                if (pin(p, d[i], &t[n]) < 0) {
                                        ret->gone++;
                                        continue;
                                }
                                /* Still a descendant after pinning (not a reused pid)? */
                                if (!proc_is_ancestor(p->procdir, req->root, t[n].pi.ppid)) {
                                        close(t[n].pidfd);
                                        ret->gone++;
                                        continue;
                                }
                                if (act && policy_may_act(p, &t[n].pi, NULL))
                                        (void)pidfd_send_signal(t[n].pidfd, SIGSTOP, NULL, 0);
                                n++;
                        }
                        free(d);
                }
        }

        /* Policy on every member (the root passed above). */
        for (size_t i = 1; i < n; i++) {
                if (!policy_may_act(p, &t[i].pi, &why)) {
                        ret->skipped++;
                        close(t[i].pidfd);
                        t[i].pidfd = -1;
                }
        }

        if (!act) {
                snprintf(ret->detail, sizeof(ret->detail), "%s: would %s %zu process(es)",
                         req->dry_run ? "dry-run" : "log-only",
                         req->action == CONFIG_ACTION_SUSPEND ? "suspend" : "kill", n - ret->skipped);
                goto out;
        }

        /* Everyone stopped (again: a child forked before the root stopped is stopped now). */
        for (size_t i = 0; i < n; i++)
                if (t[i].pidfd >= 0 && pidfd_send_signal(t[i].pidfd, SIGSTOP, NULL, 0) < 0 && errno != ESRCH)
                        ret->failed++;
        if (req->action == CONFIG_ACTION_KILL)
                for (size_t i = 0; i < n; i++) {
                        if (t[i].pidfd < 0)
                                continue;
                        if (pidfd_send_signal(t[i].pidfd, SIGKILL, NULL, 0) == 0)
                                ret->acted++;
                        else if (errno == ESRCH)
                                ret->gone++;
                        else
                                ret->failed++;
                }
        else
                for (size_t i = 0; i < n; i++)
                        if (t[i].pidfd >= 0)
                                ret->acted++;

        if (ret->failed)
                snprintf(ret->detail, sizeof(ret->detail), "%s: %u of %zu signals failed",
                         ret->acted ? "partial" : "failed", ret->failed, n);
        else
                snprintf(ret->detail, sizeof(ret->detail), "%s %u process(es)%s",
                         req->action == CONFIG_ACTION_KILL ? "killed" : "suspended", ret->acted,
                         ret->skipped ? ", some skipped by policy" : "");
out:
        for (size_t i = 0; i < n; i++)
                if (t[i].pidfd >= 0)
                        close(t[i].pidfd);
        free(t);
        return r;
}
