/* action — where a process is stopped: SIGKILL or SIGSTOP to a family through pidfds. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "history.h"
#include "policy.h"

struct action_request {
        pid_t root;              /* the family root (or the single process) */
        uint64_t root_start;     /* its start time: identity check */
        bool with_descendants;   /* the whole family under root */
        enum config_action action; /* kill or suspend (log never signals) */
        bool signal;             /* false: only count who would be acted on (decide_signals) */
        bool term_root;          /* kill: the root gets SIGTERM then SIGCONT (a server's worker ended
                                  * the way its server asks), its descendants SIGKILL */
};

struct action_result {
        unsigned acted;          /* processes signalled */
        unsigned skipped;        /* refused by policy */
        unsigned failed;         /* signal failed (other than: already gone) */
        unsigned gone;           /* exited before we could act */
        char detail[256];        /* "killed 3 process(es)", "would kill 3 process(es)", "partial: …",
                                  * "failed: …", "skipped: …[pid] is allowlisted" … */
        /* The processes signalled, for the incident's record (malloc'd, the caller frees;
         * at most HISTORY_MEMBERS_MAX, the rest counted in more_members). */
        struct history_member *members;
        uint32_t n_members, more_members;
};

/* Act on the family. Never signals a bare pid: each target is pinned with pidfd_open, its
 * identity re-read from /proc after that, and checked against the policy. Kill first stops
 * every member (nothing can fork or respawn meanwhile), then kills them. */
int action_apply(const struct policy *p, const struct action_request *req, struct action_result *ret);

/* An operator's resume (SIGCONT) or kill (SIGKILL) of an incident's recorded members, one by
 * one: each pinned with a pidfd, then its start time read again, so that a pid reused since is
 * never signalled (that member counts as gone). Never pid 1, the daemon or its ancestors, a
 * kernel thread. Each member's state is updated; ret counts and says what was done. */
int action_members(const struct policy *p, struct history_member *m, uint32_t n, int sig, struct action_result *ret);
