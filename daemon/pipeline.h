/* pipeline — where one file event goes, in this order:
 *
 *   source event → the writer's identity (lib/proc, lib/policy) → its before state (lib/fcache)
 *   → the sample of its content (lib/sample) → the judge's verdict (lib/judge) → evidence on the
 *   process and its family (lib/score) → is an action due (lib/decide) → incident.c acts and
 *   reports.
 *
 * pipeline_event() is the handler every source calls. The manager owns the pieces and fills in
 * the struct; at a reload it replaces cfg, sopts, dopts and bumps gen. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "account.h"
#include "carry.h"
#include "config.h"
#include "decide.h"
#include "fcache.h"
#include "policy.h"
#include "sample.h"
#include "score.h"
#include "source.h"
#include "vaultidx.h"

struct blocks;
struct canary;
struct incidents;
struct vault;
struct sessions;

struct pipeline_stats {
        uint64_t written;     /* close-writes judged */
        uint64_t detections;  /* incidents */
        uint64_t overflows;   /* kernel queue overflows */
        uint64_t t_overflow_log;
        uint64_t block_denied;  /* opens denied to blocked clients */
        uint64_t t_block_log;
};

#define PIPELINE_DISPLACED 64

struct pipeline {
        sd_event *loop;          /* for children that must be reaped later */
        const struct config *cfg;
        struct sample_opts sopts;
        struct decide_opts dopts;
        const struct policy *policy;
        const char *procdir;
        bool dry_run;
        bool pidfs;              /* a pidfd's inode names one process (kernel 6.9+) */
        unsigned gen;            /* configuration generation: cached per-process decisions are redone */
        struct fcache *files;    /* before states */
        struct score_table *scores;
        struct canary *canary;   /* NULL when decoys are off */
        struct sessions *sessions; /* server clients being named and ended */
        struct blocks *blocks;   /* clients blocked after a conviction; NULL when unavailable */
        struct incidents *incidents; /* every detection, by id, with the processes acted on */
        struct vault *vault;     /* originals kept; NULL when off or unusable */
        struct carry carry;      /* server clients' evidence over all their connections */
        /* Opens a protected file for reading without waiting for ourselves (sources.h). */
        int (*open_file)(void *userdata, const char *path);
        void *open_ud;
        struct procev *procev;   /* fork events, read before a new process's family is found */
        uint64_t sample_key;     /* where files are sampled (lib/sample), random per start */
        struct account acct;     /* damage per user (root: per cgroup) over all families */
        uint64_t t_alert;        /* when a family was last found at or above "suspicious" */
        /* Names whose state was taken over by another file before the rename that did it was
         * read (the newest few): that rename is judged against the state displaced. */
        struct {
                uint64_t path_h, t_ms, owner;
                struct sample s;
        } displaced[PIPELINE_DISPLACED];
        unsigned n_displaced;
        struct pipeline_stats st;
};

/* The src_handler_t of every source; userdata is the struct pipeline. */
int pipeline_event(void *userdata, const struct src_event *ev);

/* The src_calm_t of every source: no family was at or above "suspicious" within the window and
 * no client is blocked. */
bool pipeline_calm(void *userdata);

/* A family's key (its root's start time and pid): what the file cache, the vault and the
 * incident records call it by. */
uint64_t pipeline_family_key(const struct score_entry *d);

/* Where family fam stands for the vault (vault_standing_t): an incident or evidence now keeps
 * its originals; alive without evidence, quiet; gone without evidence, ended. */
enum vault_standing pipeline_vault_standing(void *userdata, uint64_t fam);
/* daemon/prewrite's callback: thread tid is about to change held file fd without an open. */
void pipeline_pre_change(void *userdata, int fd, pid_t tid);

/* Does this kernel give every process's pidfd its own inode? */
bool pipeline_pidfs_unique(void);

/* The sampling and decision options a configuration gives. */
void pipeline_opts_from(struct pipeline *p, const struct config *c, bool can_deny);

/* The score that decides for e's family d: its own, or for a server's worker the larger of that
 * and its client's over all its connections (lib/carry). */
/* The damage summed over the families of e's user (root: cgroup), lib/account; 0 when off. */
double pipeline_account_damage(const struct pipeline *p, const struct score_entry *e, uint64_t now);
/* The score an action is decided on: the family's, or its account's (see pipeline.c). */
double pipeline_decision_score(const struct pipeline *p, struct score_entry *e, const struct score_entry *d,
                               uint64_t now);
double pipeline_family_score(const struct pipeline *p, struct score_entry *e, const struct score_entry *d,
                             uint64_t now);
