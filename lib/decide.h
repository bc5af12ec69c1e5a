/* decide — whether an action is due, on whom, and whether an open is braked. Pure: every fact
 * it decides from is a field of its arguments, so a table of cases tests it (tests/unit). Acting
 * and reporting are daemon/incident.c's; this is the one place that decides. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* A convicted family that goes on (a member escaped, it was resumed without being allowed) is
 * acted on again, at most this often. */
#define DECIDE_REARM_MS 1000

struct decide_opts {
        double threshold;   /* detect.threshold: act at or above */
        double suspicious;  /* detect.suspicious: brake at or above */
        bool signals;       /* processes are really signalled (decide_signals) */
        bool brake;         /* brake.enabled */
        bool can_deny;      /* the event source answers opens (fanotify permission events) */
        uint32_t rearm_ms;  /* DECIDE_REARM_MS */
};

/* Are processes signalled at all: not a dry run, and an action other than "log". */
bool decide_signals(enum config_action action, bool dry_run);

/* Is an action due on a family whose current score is `score`? acted/t_acted: an earlier action
 * on it. A log-only or dry-run alert is never repeated; a real one is, after rearm_ms. */
bool decide_due(const struct decide_opts *o, double score, bool acted, uint64_t t_acted, uint64_t now_ms);

/* Is an open by a member of a family with this score denied? */
bool decide_brake(const struct decide_opts *o, double score);

/* What /proc says just before acting, each checked against the identity we scored (pid and
 * start time). */
struct decide_facts {
        bool root_alive;       /* the family root */
        bool writer_is_root;   /* the process whose event tipped the score is the root itself */
        bool writer_alive;     /* that process */
        bool writer_in_family; /* ... and it still descends from the root (not re-parented away) */
};

enum {
        DECIDE_FAMILY = 1 << 0, /* the root and all its descendants */
        DECIDE_WRITER = 1 << 1, /* the writer and its descendants, on their own */
};

/* Whom to act on: a mask of DECIDE_*; 0 when everyone concerned has exited. */
unsigned decide_targets(const struct decide_facts *f);
