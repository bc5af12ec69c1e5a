/* score — evidence bookkeeping per process and per family.
 *
 * Every piece of evidence is credited to the process that caused it and, in family mode, to the
 * root of its family, so work split over many short-lived processes (one per file, N workers)
 * adds up in one place. Pairing state (a new ciphertext-like file and the unlink of an original,
 * in either order, possibly by two different processes of one family) lives on the deciding
 * entry. */
#include "score.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BUCKETS 4096
#define PEND 8
#define NOTES 8
#define NOTE_DIRS 16

struct pend {
        char *path;
        struct sample s;
        bool has_s;
        uint64_t t;
};

struct note {
        uint64_t key;             /* hash of base name and content */
        uint64_t dirs[NOTE_DIRS]; /* hashes of distinct directories */
        unsigned n;
};

struct score_priv {
        struct pend news[PEND], dels[PEND];
        char *renamed[PEND];
        struct note notes[NOTES];
        unsigned note_next;
        bool note_credited;
};

struct score_table {
        struct score_opts o;
        struct score_entry *bucket[BUCKETS];
        /* Two recency lists: entries without evidence are evicted first, so a flood of
         * throwaway processes cannot push out a family's score. */
        struct lru_list plain, evid;
        unsigned n;
        size_t bytes;                /* held by the entries' path strings */
        struct score_entry *hold[2]; /* being credited now: never evicted to make room */
};

static void make_room(struct score_table *t, size_t need);

/* Path strings count against max_bytes: a flood of long names costs evictions (entries without
 * evidence first), never unbounded memory. NULL when there is no room even so. */
static char *str_new(struct score_table *t, const char *s) {
        size_t n = strlen(s) + 1;
        if (t->bytes + n > t->o.max_bytes)
                make_room(t, n);
        if (t->bytes + n > t->o.max_bytes)
                return NULL;
        char *c = malloc(n);
        if (c) {
                memcpy(c, s, n);
                t->bytes += n;
        }
        return c;
}

static void str_free(struct score_table *t, char *s) {
        if (!s)
                return;
        t->bytes -= strlen(s) + 1;
        free(s);
}

static void pend_clear(struct score_table *t, struct pend *p) {
        str_free(t, p->path);
        *p = (struct pend){ 0 };
}

static void priv_free(struct score_table *t, struct score_priv *p) {
        if (!p)
                return;
        for (int i = 0; i < PEND; i++) {
                pend_clear(t, &p->news[i]);
                pend_clear(t, &p->dels[i]);
                str_free(t, p->renamed[i]);
        }
        free(p);
}

static void evidence_reset(struct score_table *t, struct score_entry *e) {
        e->score = 0;
        e->t_score = 0;
        e->t_first_damage = 0;
        e->files_damaged = 0;
        e->damage_w = e->brake_w = 0;
        memset(e->reasons, 0, sizeof(e->reasons));
        for (int i = 0; i < SCORE_PATHS; i++) {
                str_free(t, e->paths[i]);
                e->paths[i] = NULL;
                e->renamed[i] = false;
        }
        priv_free(t, e->priv);
        e->priv = NULL;
}

int score_table_new(const struct score_opts *o, struct score_table **ret) {
        struct score_table *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->o = *o;
        *ret = t;
        return 0;
}

#define ENTRY(n) lru_entry((n), struct score_entry, lru)

static bool has_evidence(const struct score_entry *e) {
        return e->t_score != 0 || e->acted;
}

static struct lru_list *list_of(struct score_table *t, const struct score_entry *e) {
        return e->in_evid ? &t->evid : &t->plain;
}

/* After e's evidence changed: on the list it belongs to, as the most recently used. */
static void relist(struct score_table *t, struct score_entry *e) {
        lru_unlink(list_of(t, e), &e->lru);
        e->in_evid = has_evidence(e);
        lru_push(list_of(t, e), &e->lru);
}

static void entry_remove(struct score_table *t, struct score_entry *e) {
        for (int i = 0; i < 2; i++)
                if (t->hold[i] == e)
                        t->hold[i] = NULL;
        struct score_entry **pp = &t->bucket[(unsigned)e->pid % BUCKETS];
        while (*pp && *pp != e)
                pp = &(*pp)->next_hash;
        if (*pp)
                *pp = e->next_hash;
        lru_unlink(list_of(t, e), &e->lru);
        evidence_reset(t, e);
        free(e);
        t->n--;
}

void score_table_free(struct score_table *t) {
        if (!t)
                return;
        while (t->plain.head)
                entry_remove(t, ENTRY(t->plain.head));
        while (t->evid.head)
                entry_remove(t, ENTRY(t->evid.head));
        free(t);
}

void score_table_set_opts(struct score_table *t, const struct score_opts *o) {
        t->o = *o;
}

unsigned score_table_size(const struct score_table *t) {
        return t->n;
}

/* A pid can have two entries: the live process, and the recreated entry of a dead family root
 * whose pid was reused (score_decider). The live one is the newest, the one started last. */
struct score_entry *score_lookup(struct score_table *t, pid_t pid) {
        struct score_entry *found = NULL;
        for (struct score_entry *e = t->bucket[(unsigned)pid % BUCKETS]; e; e = e->next_hash)
                if (e->pid == pid && (!found || e->start_time > found->start_time))
                        found = e;
        return found;
}

/* The entry of exactly this process: pid and start time. */
static struct score_entry *lookup_exact(struct score_table *t, pid_t pid, uint64_t start_time) {
        for (struct score_entry *e = t->bucket[(unsigned)pid % BUCKETS]; e; e = e->next_hash)
                if (e->pid == pid && e->start_time == start_time)
                        return e;
        return NULL;
}

/* Make room: drop the least recently used entry without evidence; only when every entry has
 * evidence, the least recently used of those (memory stays bounded). `keep` is an entry the
 * caller holds and is never dropped. false when there was nothing else to drop. */
static bool evict(struct score_table *t, const struct score_entry *keep) {
        struct lru_list *lists[] = { &t->plain, &t->evid };
        for (int l = 0; l < 2; l++)
                for (struct lru_node *n = lists[l]->tail; n; n = n->prev)
                        if (ENTRY(n) != keep) {
                                entry_remove(t, ENTRY(n));
                                return true;
                        }
        return false;
}

static bool held(const struct score_table *t, const struct score_entry *e) {
        return e == t->hold[0] || e == t->hold[1];
}

/* Only entries that hold strings are evicted for bytes (the others cost none). */
static void make_room(struct score_table *t, size_t need) {
        struct lru_list *lists[] = { &t->plain, &t->evid };
        for (int l = 0; l < 2 && t->bytes + need > t->o.max_bytes; l++)
                for (struct lru_node *n = lists[l]->tail, *prev; n && t->bytes + need > t->o.max_bytes; n = prev) {
                        prev = n->prev;
                        struct score_entry *e = ENTRY(n);
                        if (!held(t, e) && (e->priv || e->paths[0]))
                                entry_remove(t, e);
                }
}

/* The entries being credited by the current call: making room never removes them. */
static void hold(struct score_table *t, struct score_entry *e, struct score_entry *d) {
        t->hold[0] = e;
        t->hold[1] = d;
}

static struct score_entry *entry_new(struct score_table *t, pid_t pid, const struct score_entry *keep) {
        while (t->n >= t->o.max_processes && t->n > 0 && evict(t, keep))
                ;
        struct score_entry *e = calloc(1, sizeof(*e));
        if (!e)
                return NULL;
        e->pid = pid;
        unsigned b = (unsigned)pid % BUCKETS;
        e->next_hash = t->bucket[b];
        t->bucket[b] = e;
        lru_push(&t->plain, &e->lru);
        t->n++;
        return e;
}

static void fill(struct score_entry *e, const struct proc_info *pi) {
        e->ppid = pi->ppid;
        e->start_time = pi->start_time;
        snprintf(e->comm, sizeof(e->comm), "%s", pi->comm);
        if (pi->exe[0])
                snprintf(e->exe, sizeof(e->exe), "%s", pi->exe);
        if (pi->cgroup[0])
                snprintf(e->cgroup, sizeof(e->cgroup), "%s", pi->cgroup);
}

static struct score_entry *track_one(struct score_table *t, const struct proc_info *pi, uint64_t now,
                                     const struct score_entry *keep) {
        struct score_entry *e = lookup_exact(t, pi->pid, pi->start_time);
        /* The pid was reused by a different process, which inherits nothing. An entry with
         * evidence stays (a dead root's family still adds up there, found by pid and start
         * time): the newcomer gets an entry of its own. */
        if (!e && (e = score_lookup(t, pi->pid)) && has_evidence(e))
                e = NULL;
        if (e && e->start_time != pi->start_time) {
                evidence_reset(t, e);
                e->acted = false;
                e->exe[0] = e->cgroup[0] = '\0';
                e->root_pid = 0;
                e->pidfd_ino = 0;
                e->inflight = 0;
                e->holds_expired = 0;
                e->acct_noted = 0;
        }
        if (!e && !(e = entry_new(t, pi->pid, keep)))
                return NULL;
        fill(e, pi);
        e->t_last_seen = now;
        relist(t, e);
        return e;
}

int score_track(struct score_table *t, const struct proc_info *pi, const struct proc_info *root, uint64_t now_ms,
                struct score_entry **ret) {
        if (!root || root->pid == pi->pid)
                root = pi;
        struct score_entry *r = NULL;
        if (root != pi && !(r = track_one(t, root, now_ms, NULL)))
                return -ENOMEM;
        struct score_entry *e = track_one(t, pi, now_ms, r); /* making room must not drop r */
        if (!e)
                return -ENOMEM;
        e->root_pid = root->pid;
        e->root_start = root->start_time;
        if (r) {
                r->root_pid = r->pid;
                r->root_start = r->start_time;
        }
        *ret = e;
        return 0;
}

void score_touch(struct score_table *t, struct score_entry *e, uint64_t now_ms) {
        e->t_last_seen = now_ms;
        lru_touch(list_of(t, e), &e->lru);
}

void score_acted(struct score_table *t, struct score_entry *e, uint64_t now_ms) {
        struct score_entry *d = score_family_entry(t, e);
        e->acted = d->acted = true;
        e->t_acted = d->t_acted = now_ms;
        relist(t, e);
        if (d != e)
                relist(t, d);
}

bool score_forgive(struct score_table *t, pid_t pid, uint64_t start_time) {
        struct score_entry *e = lookup_exact(t, pid, start_time);
        if (!e)
                return false;
        evidence_reset(t, e);
        e->acted = false;
        e->t_acted = 0;
        relist(t, e);
        return true;
}

struct score_entry *score_family_entry(struct score_table *t, struct score_entry *e) {
        if (!t->o.family || e->root_pid == 0 || e->root_pid == e->pid)
                return e;
        struct score_entry *r = lookup_exact(t, e->root_pid, e->root_start);
        if (r)
                return r;
        /* The root's entry was evicted, or its pid now belongs to another process: recreate a
         * minimal one, identity is enough. The caller holds e: making room must not drop it. */
        r = entry_new(t, e->root_pid, e);
        if (!r)
                return e;
        r->start_time = e->root_start;
        r->root_pid = r->pid;
        r->root_start = r->start_time;
        snprintf(r->comm, sizeof(r->comm), "?");
        return r;
}

double score_decay(const struct score_table *t, double v, uint64_t t_v, uint64_t now) {
        if (t_v == 0 || now < t_v)
                return v;
        if (now - t_v > t->o.window_ms)
                return 0;
        return v * exp2(-(double)(now - t_v) / (double)t->o.half_life_ms);
}

static double decayed(const struct score_table *t, const struct score_entry *e, uint64_t now) {
        return score_decay(t, e->score, e->t_score, now);
}

double score_current(const struct score_table *t, const struct score_entry *e, uint64_t now_ms) {
        return decayed(t, e, now_ms);
}

static void push_path(struct score_table *t, struct score_entry *e, const char *path) {
        if (!path)
                return;
        for (int i = 0; i < SCORE_PATHS && e->paths[i]; i++)
                if (strcmp(e->paths[i], path) == 0)
                        return;
        char *s = str_new(t, path);
        if (!s)
                return;
        str_free(t, e->paths[SCORE_PATHS - 1]);
        memmove(&e->paths[1], &e->paths[0], (SCORE_PATHS - 1) * sizeof(char *));
        memmove(&e->renamed[1], &e->renamed[0], (SCORE_PATHS - 1) * sizeof(bool));
        e->paths[0] = s;
        e->renamed[0] = false;
}

static void credit_one(struct score_table *t, struct score_entry *e, enum score_reason r, double w,
                       const char *path, bool damaged, uint64_t now) {
        if (e->t_score && now > e->t_score && now - e->t_score > t->o.window_ms)
                evidence_reset(t, e);
        e->score = decayed(t, e, now) + w;
        bool had = e->in_evid;
        e->t_score = now ? now : 1;
        if (!had)
                relist(t, e);
        else
                lru_touch(&t->evid, &e->lru); /* credited now: the last to be evicted */
        e->reasons[r]++;
        if (r == SCORE_R_BRAKED)
                e->brake_w += w;
        else if (r != SCORE_R_NEW_RANDOM)
                e->damage_w += w;
        if (damaged) {
                e->files_damaged++;
                if (!e->t_first_damage)
                        e->t_first_damage = now;
                push_path(t, e, path);
        }
}

static void credit(struct score_table *t, struct score_entry *e, enum score_reason r, double w, const char *path,
                   bool damaged, uint64_t now) {
        struct score_entry *d = score_family_entry(t, e);
        hold(t, e, d);
        credit_one(t, e, r, w, path, damaged, now);
        if (d != e)
                credit_one(t, d, r, w, path, damaged, now);
}

static struct score_priv *priv_of(struct score_entry *d) {
        if (!d->priv)
                d->priv = calloc(1, sizeof(struct score_priv));
        return d->priv;
}

static const char *base_name(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

static size_t dir_len(const char *p) {
        const char *s = strrchr(p, '/');
        return s ? (size_t)(s - p) : 0;
}

static const char *ext_of(const char *p) {
        const char *b = base_name(p);
        const char *d = strrchr(b, '.');
        return d && d != b ? d : "";
}

/* How well a new file matches an unlinked original: 3 "orig.ext" → "orig.ext.enc" or
 * "orig.enc", 2 same directory, 1 anything (ransomware may pick random names). */
static int match_rank(const char *orig, const char *repl) {
        size_t dl = dir_len(orig);
        if (dl != dir_len(repl) || strncmp(orig, repl, dl) != 0)
                return 1;
        const char *bo = base_name(orig), *br = base_name(repl);
        size_t stem = strlen(bo);
        const char *dot = strrchr(bo, '.');
        if (dot && dot != bo)
                stem = (size_t)(dot - bo);
        if (strncmp(bo, br, stem) == 0)
                return 3;
        return 2;
}

static void pend_put(struct score_table *t, struct pend *ring, const char *path, const struct sample *s,
                     uint64_t now) {
        int slot = 0;
        for (int i = 0; i < PEND; i++) {
                if (!ring[i].path) {
                        slot = i;
                        break;
                }
                if (ring[i].t < ring[slot].t)
                        slot = i;
        }
        pend_clear(t, &ring[slot]);
        if (!(ring[slot].path = str_new(t, path)))
                return;
        if (s) {
                ring[slot].s = *s;
                ring[slot].has_s = true;
        }
        ring[slot].t = now;
}

/* An archive or message format that says it is encrypted: one file that can hold many. */
static bool is_container(const struct sample *s) {
        return s->encrypted || ftype_class_of(s->type) == FTYPE_CLASS_ENCRYPTED;
}

static int pend_best(struct score_table *t, struct pend *ring, const char *path, bool ring_is_new, int min_rank,
                     uint64_t now) {
        int best = -1, rank = min_rank - 1;
        for (int i = 0; i < PEND; i++) {
                if (!ring[i].path || now - ring[i].t > t->o.window_ms)
                        continue;
                int k = ring_is_new ? match_rank(path, ring[i].path) : match_rank(ring[i].path, path);
                if (k > rank) {
                        rank = k;
                        best = i;
                }
        }
        return best;
}

/* A pair for the caller to judge: the original (unlinked) and the file that may replace it. */
static void pair_fill(struct score_pair *ret, const char *orig_path, const struct sample *orig_s,
                      const struct sample *repl_s, const char *repl_path) {
        snprintf(ret->orig_path, sizeof(ret->orig_path), "%s", orig_path);
        snprintf(ret->repl_path, sizeof(ret->repl_path), "%s", repl_path);
        ret->has_orig = orig_s != NULL;
        ret->orig = orig_s ? *orig_s : (struct sample){ 0 };
        ret->repl = repl_s ? *repl_s : (struct sample){ 0 };
}

void score_replaced(struct score_table *t, struct score_entry *e, const struct score_pair *pair, uint64_t now_ms) {
        credit(t, e, SCORE_R_REPLACED, t->o.w.replaced, pair->orig_path, true, now_ms);
        /* "a.txt" replaced by "a.txt.locked" (or "a.locked"): a rename to a new extension done
         * as new file + unlink, the same evidence as the rename itself. */
        if (match_rank(pair->orig_path, pair->repl_path) == 3 &&
            strcmp(ext_of(pair->orig_path), ext_of(pair->repl_path)) != 0) {
                credit(t, e, SCORE_R_RENAME_EXT, t->o.w.rename_ext, NULL, false, now_ms);
                struct score_entry *d = score_family_entry(t, e);
                for (int i = 0; i < SCORE_PATHS && d->paths[i]; i++)
                        if (strcmp(d->paths[i], pair->orig_path) == 0)
                                d->renamed[i] = true;
        }
}

static void note_seen(struct score_table *t, struct score_entry *e, struct score_entry *d, const char *path,
                      const struct sample *after, uint64_t now) {
        struct score_priv *p = priv_of(d);
        if (!p || p->note_credited)
                return;
        const char *b = base_name(path);
        uint64_t key = util_fnv1a_str(b, strlen(b)) ^ after->hash;
        uint64_t dir = util_fnv1a_str(path, dir_len(path));
        struct note *n = NULL;
        for (int i = 0; i < NOTES; i++)
                if (p->notes[i].key == key && p->notes[i].n > 0)
                        n = &p->notes[i];
        if (!n) {
                n = &p->notes[p->note_next++ % NOTES];
                *n = (struct note){ .key = key };
        }
        for (unsigned i = 0; i < n->n; i++)
                if (n->dirs[i] == dir)
                        return;
        if (n->n < NOTE_DIRS)
                n->dirs[n->n++] = dir;
        /* The same file in many directories is a note only from a family that also damages
         * files: copying a tree with identical READMEs must not count. */
        if (n->n >= t->o.note_min_dirs && d->files_damaged > 0) {
                p->note_credited = true;
                credit(t, e, SCORE_R_NOTE, t->o.w.note, path, false, now);
        }
}

int score_written(struct score_table *t, struct score_entry *e, const char *path, enum judge_verdict v,
                  const struct sample *after, bool created, uint64_t now_ms, struct score_pair *ret_pair) {
        struct score_entry *d = score_family_entry(t, e);
        hold(t, e, d);
        struct score_priv *p;
        int paired = 0;

        switch (v) {
        case JUDGE_TURNED_RANDOM:
        case JUDGE_TYPE_DESTROYED:
                credit(t, e, v == JUDGE_TURNED_RANDOM ? SCORE_R_TURNED_RANDOM : SCORE_R_TYPE_DESTROYED,
                       v == JUDGE_TURNED_RANDOM ? t->o.w.turned_random : t->o.w.type_destroyed, path, true, now_ms);
                /* Renamed to a new extension first, damaged afterwards. */
                if ((p = d->priv))
                        for (int i = 0; i < PEND; i++)
                                if (p->renamed[i] && strcmp(p->renamed[i], path) == 0) {
                                        str_free(t, p->renamed[i]);
                                        p->renamed[i] = NULL;
                                        credit(t, e, SCORE_R_RENAME_EXT, t->o.w.rename_ext, path, false, now_ms);
                                }
                break;
        case JUDGE_NEW_CIPHERLIKE: {
                credit(t, e, SCORE_R_NEW_RANDOM, t->o.w.new_random, NULL, false, now_ms);
                if (!(p = priv_of(d)))
                        break;
                int i = pend_best(t, p->dels, path, false, 1, now_ms);
                if (i >= 0) {
                        pair_fill(ret_pair, p->dels[i].path, p->dels[i].has_s ? &p->dels[i].s : NULL, after, path);
                        pend_clear(t, &p->dels[i]);
                        paired = 1;
                } else
                        pend_put(t, p->news, path, after, now_ms);
                break;
        }
        case JUDGE_NONE:
                /* A new file of no known type too small for a randomness verdict (ciphertext
                 * of a 300-byte dotfile): no evidence alone, but it may replace an original
                 * unlinked by the family; judge_replacement() then compares the two types. */
                if (created && after && after->size > 0 && after->n_judged == 0 &&
                    ftype_class_of(after->type) == FTYPE_CLASS_UNKNOWN && (p = priv_of(d))) {
                        int i = pend_best(t, p->dels, path, false, 1, now_ms);
                        if (i >= 0) {
                                pair_fill(ret_pair, p->dels[i].path, p->dels[i].has_s ? &p->dels[i].s : NULL,
                                          after, path);
                                pend_clear(t, &p->dels[i]);
                                paired = 1;
                        } else
                                pend_put(t, p->news, path, after, now_ms);
                }
                break;
        case _JUDGE_MAX:
                break;
        }
        if (created && after && after->size > 0 && after->size <= 65536 &&
            ftype_class_of(after->type) == FTYPE_CLASS_TEXT)
                note_seen(t, e, d, path, after, now_ms);
        return paired;
}

int score_deleted(struct score_table *t, struct score_entry *e, const char *path, const struct sample *before,
                  bool own, bool taken_in, uint64_t now_ms, struct score_pair *ret_pair) {
        struct score_entry *d = score_family_entry(t, e);
        hold(t, e, d);
        struct score_priv *p = d->priv;
        /* Deleting what the family itself just wrote as ciphertext is clean-up, not damage. */
        if (p)
                for (int i = 0; i < PEND; i++)
                        if (p->news[i].path && strcmp(p->news[i].path, path) == 0) {
                                pend_clear(t, &p->news[i]);
                                return 0;
                        }
        if (own)
                return 0;
        if (p) {
                /* An original we know nothing of (never opened while we watched: a lock symlink,
                 * one read through another name) pairs only with a new file named after it
                 * ("a.txt" → "a.txt.locked"): ccache's stats.lock symlinks sit beside its random
                 * cache entries, and a symlink's unlink says nothing of what it was. */
                int i = pend_best(t, p->news, path, true, before ? 1 : 3, now_ms);
                /* An encrypted archive holds many originals: each one deleted afterwards
                 * (7z a -p -sdel, Qlocker) is one replaced, so it stays pending for them. Only
                 * files the family itself opened pair with it (their content it could have taken
                 * in): a script that makes an encrypted backup, then rotates old logs it never
                 * read, does not. */
                bool container = i >= 0 && p->news[i].has_s && is_container(&p->news[i].s);
                if (i >= 0 && !(container && (!before || !taken_in))) {
                        pair_fill(ret_pair, path, before, &p->news[i].s, p->news[i].path);
                        if (!container)
                                pend_clear(t, &p->news[i]);
                        return 1;
                }
        }
        /* Remember the unlink in case the replacement's close-write arrives later (the two come
         * from different fanotify groups and may be read in either order). Only useful when the
         * family is already writing: keep it cheap for rm -rf of a big tree. */
        if (!before || !(p = priv_of(d)))
                return 0;
        pend_put(t, p->dels, path, before, now_ms);
        return 0;
}

void score_renamed(struct score_table *t, struct score_entry *e, const char *from, const char *to, uint64_t now_ms) {
        bool new_ext = strcmp(ext_of(from), ext_of(to)) != 0;
        struct score_entry *d = score_family_entry(t, e);
        hold(t, e, d);
        for (int i = 0; i < SCORE_PATHS && d->paths[i]; i++)
                if (strcmp(d->paths[i], to) == 0 && !d->renamed[i] && new_ext) {
                        /* Judged under its new name already: its close-write was read after
                         * the rename happened, the rename event after the judgment. */
                        credit(t, e, SCORE_R_RENAME_EXT, t->o.w.rename_ext, NULL, false, now_ms);
                        d->renamed[i] = true;
                        return;
                } else if (strcmp(d->paths[i], from) == 0) {
                        /* Once per file: shred -u renames its victim a dozen times. The path
                         * follows every move. */
                        if (new_ext && !d->renamed[i])
                                credit(t, e, SCORE_R_RENAME_EXT, t->o.w.rename_ext, NULL, false, now_ms);
                        char *np = str_new(t, to);
                        if (np) {
                                str_free(t, d->paths[i]);
                                d->paths[i] = np;
                        }
                        d->renamed[i] = d->renamed[i] || new_ext;
                        return;
                }
        if (!new_ext)
                return;
        struct score_priv *p = priv_of(d);
        if (!p)
                return;
        int slot = 0;
        for (int i = 0; i < PEND; i++)
                if (!p->renamed[i]) {
                        slot = i;
                        break;
                }
        str_free(t, p->renamed[slot]);
        p->renamed[slot] = str_new(t, to);
}

bool score_pending_replacements(const struct score_entry *d) {
        for (int i = 0; d->priv && i < PEND; i++)
                if (d->priv->news[i].path)
                        return true;
        return false;
}

void score_canary(struct score_table *t, struct score_entry *e, const char *path, uint64_t now_ms) {
        credit(t, e, SCORE_R_CANARY, t->o.w.canary, path, true, now_ms);
}

void score_braked(struct score_table *t, struct score_entry *e, double damage_floor, uint64_t now_ms) {
        struct score_entry *d = score_family_entry(t, e);
        /* A denial weighs while the denials so far weigh no more than the damage (within the
         * window: the sums are reset with the evidence). So they can at most double the damage
         * (plus one denial: decay would otherwise keep a doubled 50 just under 100). */
        bool recent = d->t_score && now_ms - d->t_score <= t->o.window_ms;
        double damage = recent && d->damage_w > damage_floor ? d->damage_w : damage_floor;
        bool room = damage > 0 && (recent ? d->brake_w : 0) <= damage;
        credit(t, e, SCORE_R_BRAKED, room ? t->o.w.braked_open : 0, NULL, false, now_ms);
}

const char *score_reason_name(enum score_reason r) {
        static const char *const names[_SCORE_R_MAX] = {
                [SCORE_R_TURNED_RANDOM] = "turned-random",
                [SCORE_R_TYPE_DESTROYED] = "type-destroyed",
                [SCORE_R_REPLACED] = "replaced-and-unlinked",
                [SCORE_R_RENAME_EXT] = "renamed-to-new-extension",
                [SCORE_R_NOTE] = "same-note-in-many-directories",
                [SCORE_R_NEW_RANDOM] = "new-random-file",
                [SCORE_R_CANARY] = "canary-touched",
                [SCORE_R_BRAKED] = "kept-opening-while-braked",
        };
        return (unsigned)r < _SCORE_R_MAX ? names[r] : "invalid";
}

void score_reasons_str(const struct score_entry *e, char *buf, size_t len) {
        size_t o = 0;
        if (len == 0)
                return;
        buf[0] = '\0';
        for (int r = 0; r < _SCORE_R_MAX && o < len; r++)
                if (e->reasons[r])
                        o += (size_t)snprintf(buf + o, len - o, "%s%s×%u", o ? " " : "",
                                              score_reason_name((enum score_reason)r), e->reasons[r]);
}

void score_expire(struct score_table *t, uint64_t now_ms) {
        for (struct lru_node *n = t->evid.tail, *prev; n; n = prev) {
                struct score_entry *e = ENTRY(n);
                prev = n->prev;
                if (e->t_score && now_ms - e->t_score > t->o.window_ms && !e->acted) {
                        evidence_reset(t, e);
                        relist(t, e); /* to the head of plain: still seen recently enough */
                }
        }
        for (struct lru_node *n = t->plain.tail, *prev; n; n = prev) {
                struct score_entry *e = ENTRY(n);
                prev = n->prev;
                if (now_ms - e->t_last_seen > t->o.window_ms)
                        entry_remove(t, e);
        }
}
