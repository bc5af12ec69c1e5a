/* score — the process table and the evidence each process and its family have built up.
 * Evidence decays (half-life) and is forgotten after a quiet window; memory is bounded by
 * max_processes entries of fixed size (~1.5 KiB) plus max_bytes of path strings in all. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "block.h"
#include "judge.h"
#include "lru.h"
#include "proc.h"

enum score_reason {
        SCORE_R_TURNED_RANDOM,
        SCORE_R_TYPE_DESTROYED,
        SCORE_R_REPLACED,
        SCORE_R_RENAME_EXT,
        SCORE_R_NOTE,
        SCORE_R_NEW_RANDOM,
        SCORE_R_CANARY,
        SCORE_R_BRAKED,
        _SCORE_R_MAX,
};

struct score_opts {
        struct config_weights w;
        uint32_t window_ms, half_life_ms;
        uint32_t note_min_dirs;
        uint32_t max_processes;
        size_t max_bytes;         /* path strings held by all entries (long names evict, never grow) */
        bool family;
};

#define SCORE_PATHS 8

/* Read-only for callers: the table writes every field, through the functions below, except the
 * fields marked "caller's" (a cache the caller keeps on the entry; the table only clears them). */
struct score_entry {
        pid_t pid, ppid;
        uint64_t start_time;
        pid_t root_pid;             /* family root (== pid for a root) */
        uint64_t root_start;
        char comm[PROC_COMM_MAX];
        char exe[PROC_PATH_MAX];
        char cgroup[PROC_PATH_MAX];
        double score;               /* as of t_score */
        uint64_t t_score, t_last_seen, t_first_damage;
        uint32_t files_damaged;     /* files damaged within the window */
        double damage_w, brake_w;   /* weight credited for damage, and for denied opens, within
                                     * the window: denials never weigh more than the damage */
        uint32_t reasons[_SCORE_R_MAX];
        char *paths[SCORE_PATHS];   /* most recent damaged paths, newest first */
        bool renamed[SCORE_PATHS];  /* that path's rename to a new extension was counted */
        bool acted;                 /* an action was taken on this family (score_acted) */
        uint64_t t_acted;           /* when */
        bool allowed;               /* caller's: allowlisted executable, never credited */
        unsigned gen;               /* caller's: its configuration generation when `allowed` was set */
        uint64_t pidfd_ino;         /* caller's: the process's pidfd inode (pidfs: unique per process), 0 unknown */
        struct block_client client; /* caller's: whom the family root serves, when it is a server's worker */
        bool block_logged;          /* caller's: its denial by a client block was logged */
        bool kthread;               /* caller's: a kernel thread (knfsd): never braked, reported once */
        double carry_noted;         /* caller's: score and files when last credited to its client */
        uint64_t t_carry_noted;     /*   (lib/carry), as of this time */
        uint32_t files_noted;
        double damage_noted;        /*   and its damage_w then */
        uint32_t inflight;          /* caller's: the family's write-opens of others' files not yet */
        uint64_t t_inflight;        /*   judged (brake.max_unjudged), as of this time */
        uint8_t holds_expired;      /* caller's: its held opens released by their timeout */
        uint64_t acct_key;          /* caller's: its account (lib/account), 0 none */
        uid_t uid;                  /* caller's: its real uid */
        double acct_noted;          /* caller's: its damage_w when last credited to the account */
        struct score_priv *priv;    /* pairing state; only for entries with evidence */
        struct score_entry *next_hash;
        struct lru_node lru;        /* on the table's list of entries with or without evidence */
        bool in_evid;               /* ... which one */
};

struct score_table;

int score_table_new(const struct score_opts *o, struct score_table **ret);
void score_table_free(struct score_table *t);
void score_table_set_opts(struct score_table *t, const struct score_opts *o);
unsigned score_table_size(const struct score_table *t);

/* Find or create the entry of process pi; root is its family root (NULL or == pi for itself).
 * A pid whose start time changed is a new process: its old entry is reset. */
int score_track(struct score_table *t, const struct proc_info *pi, const struct proc_info *root, uint64_t now_ms,
                struct score_entry **ret);
struct score_entry *score_lookup(struct score_table *t, pid_t pid);
/* The process was seen again now (it stays in the table longest). */
void score_touch(struct score_table *t, struct score_entry *e, uint64_t now_ms);
/* The entry whose score decides: the family root's in family mode, else e itself. When the root's
 * own entry was evicted (or its pid reused) a minimal one is created again from e's root_pid and
 * root_start: identity is all a decision needs. Never NULL (e itself when memory is short). */
struct score_entry *score_family_entry(struct score_table *t, struct score_entry *e);
/* An action was taken on e's family now: both e and its family entry remember it. */
void score_acted(struct score_table *t, struct score_entry *e, uint64_t now_ms);
/* An operator cleared this process (pid and start time): its evidence and its action are
 * forgotten, it is judged afresh from its next event. false when it is not in the table. */
bool score_forgive(struct score_table *t, pid_t pid, uint64_t start_time);
/* The score decayed to now_ms (0 once the window has passed without evidence). */
double score_current(const struct score_table *t, const struct score_entry *e, uint64_t now_ms);
/* A score of `v` at t_v, decayed to now_ms as every score is. */
double score_decay(const struct score_table *t, double v, uint64_t t_v, uint64_t now_ms);

/* A new file and an unlinked original of one family, in either order: whether the one replaced the
 * other is for the judge to say (judge_replacement), then score_replaced() credits it. */
struct score_pair {
        char orig_path[PATH_MAX];
        char repl_path[PATH_MAX];
        bool has_orig;            /* orig is known (else the original was never sampled) */
        struct sample orig, repl;
};

/* Evidence. before/after may be NULL where unknown. Each credits e and its family root.
 * score_written and score_deleted return 1 when the event completes a pair (filled into
 * *ret_pair), else 0. */
int score_written(struct score_table *t, struct score_entry *e, const char *path, enum judge_verdict v,
                  const struct sample *after, bool created, uint64_t now_ms, struct score_pair *ret_pair);
/* own: the family created the file itself (fcache_set_owner): deleting it is clean-up, never
 * an original gone. taken_in: the family itself opened the file (it could have put its content
 * into an encrypted archive it wrote: only such files pair with one). */
int score_deleted(struct score_table *t, struct score_entry *e, const char *path, const struct sample *before,
                  bool own, bool taken_in, uint64_t now_ms, struct score_pair *ret_pair);
/* The judge found that a pair's new file replaced its original with ciphertext. A new name
 * that is the original's with a new extension counts as that rename too. */
void score_replaced(struct score_table *t, struct score_entry *e, const struct score_pair *pair, uint64_t now_ms);
void score_renamed(struct score_table *t, struct score_entry *e, const char *from, const char *to, uint64_t now_ms);
void score_canary(struct score_table *t, struct score_entry *e, const char *path, uint64_t now_ms);
/* An open denied by the brake: a suspicious family that keeps opening protected files. Its
 * weight counts only while the denials so far weigh no more than the family's damage
 * (damage_w): denials at most double the damage (plus one), so a program that opens many files
 * is never braked into an action by one ambiguous signal. */
/* damage_floor: damage the caller knows of beyond the family's own (a server client's score
 * summed over its connections: its new connection has done nothing yet, but it is braked for
 * what the client did). */
void score_braked(struct score_table *t, struct score_entry *e, double damage_floor, uint64_t now_ms);

/* Has the family new ciphertext-like files not yet paired with an unlinked original? */
bool score_pending_replacements(const struct score_entry *d);

/* "turned-random×3 replaced×2" into buf. */
void score_reasons_str(const struct score_entry *e, char *buf, size_t len);
const char *score_reason_name(enum score_reason r);
/* Drop entries not seen for a window and without evidence (called from a timer). */
void score_expire(struct score_table *t, uint64_t now_ms);
