/* Unit tests for lib/score.c: credit and decay, the window, family crediting, the pairing of new
 * ciphertext with unlinked originals, renames, notes, eviction and pid reuse, expiry, and the
 * reason strings. Samples are written by hand: these tests are about bookkeeping, not content. */
#include "score.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define EPS 1e-9
#define T0 1000 /* the first instant of every test, in ms */
#define WINDOW 120000
#define HALF 60000

static struct score_opts opts(void) {
        return (struct score_opts){
                .w = {
                        .turned_random = 35,
                        .type_destroyed = 30,
                        .replaced = 35,
                        .rename_ext = 15,
                        .note = 30,
                        .new_random = 0,
                        .canary = 100,
                        .braked_open = 10,
                },
                .window_ms = WINDOW,
                .half_life_ms = HALF,
                .note_min_dirs = 3,
                .max_processes = 4096,
                .max_bytes = (size_t)1 << 30,
                .family = true,
        };
}

static struct score_table *table(const struct score_opts *o) {
        struct score_table *t = NULL;
        ck_assert_int_eq(score_table_new(o, &t), 0);
        ck_assert_ptr_nonnull(t);
        ck_assert_uint_eq(score_table_size(t), 0);
        return t;
}

static struct proc_info mkpi(pid_t pid, pid_t ppid, uint64_t start, const char *comm) {
        struct proc_info pi = { .pid = pid, .ppid = ppid, .pgrp = pid, .sid = ppid, .start_time = start };
        snprintf(pi.comm, sizeof(pi.comm), "%s", comm);
        snprintf(pi.exe, sizeof(pi.exe), "/usr/bin/%s", comm);
        snprintf(pi.cgroup, sizeof(pi.cgroup), "/user.slice");
        return pi;
}

/* Track pid (start time = pid * 10 unless given) under root (0: its own root). */
static struct score_entry *track_at(struct score_table *t, pid_t pid, uint64_t start, pid_t root, uint64_t rstart,
                                    uint64_t now) {
        struct proc_info pi = mkpi(pid, root ? root : 1, start, root ? "child" : "root");
        struct proc_info ri = mkpi(root, 1, rstart, "root");
        struct score_entry *e = NULL;
        ck_assert_int_eq(score_track(t, &pi, root ? &ri : NULL, now, &e), 0);
        ck_assert_ptr_nonnull(e);
        ck_assert_int_eq(e->pid, pid);
        ck_assert_uint_eq(e->start_time, start);
        return e;
}

static struct score_entry *track(struct score_table *t, pid_t pid, pid_t root) {
        return track_at(t, pid, (uint64_t)pid * 10, root, (uint64_t)root * 10, T0);
}

/* What daemon/pipeline.c does with an event: score it, and judge a pair it completes. */
static void judge_pair(struct score_table *t, struct score_entry *e, const struct score_pair *pair, uint64_t now) {
        const char *reason;
        if (judge_replacement(pair->has_orig ? &pair->orig : NULL, &pair->repl, &reason))
                score_replaced(t, e, pair, now);
}

static void written(struct score_table *t, struct score_entry *e, const char *path, enum judge_verdict v,
                    const struct sample *after, bool created, uint64_t now) {
        struct score_pair pair;
        if (score_written(t, e, path, v, after, created, now, &pair) > 0)
                judge_pair(t, e, &pair, now);
}

static void deleted(struct score_table *t, struct score_entry *e, const char *path, const struct sample *before,
                    uint64_t now) {
        struct score_pair pair;
        if (score_deleted(t, e, path, before, false, true, now, &pair) > 0)
                judge_pair(t, e, &pair, now);
}

/* Samples as sample.c would make them. */
static const struct sample TEXT = { .size = 20000, .type = FTYPE_TEXT, .n_blocks = 3, .n_judged = 3, .hash = 0x1111 };
static const struct sample RANDOM = { .size = 20000, .type = FTYPE_UNKNOWN, .n_blocks = 3, .n_judged = 3,
                                      .n_random = 3, .head_random = true, .entropy = 7.99f, .hash = 0x2222 };
static const struct sample GZIP = { .size = 8000, .type = FTYPE_GZIP, .n_blocks = 2, .n_judged = 2, .n_random = 2,
                                    .head_random = true, .hash = 0x3333 };
static const struct sample NOTE = { .size = 700, .type = FTYPE_TEXT, .n_blocks = 1, .hash = 0x4444 };

static void damage(struct score_table *t, struct score_entry *e, const char *path, uint64_t now) {
        written(t, e, path, JUDGE_TURNED_RANDOM, &RANDOM, false, now);
}

static void new_cipher(struct score_table *t, struct score_entry *e, const char *path, uint64_t now) {
        written(t, e, path, JUDGE_NEW_CIPHERLIKE, &RANDOM, true, now);
}

static void note(struct score_table *t, struct score_entry *e, const char *path, uint64_t now) {
        written(t, e, path, JUDGE_NONE, &NOTE, true, now);
}

static bool has_path(const struct score_entry *e, const char *p) {
        for (int i = 0; i < SCORE_PATHS && e->paths[i]; i++)
                if (strcmp(e->paths[i], p) == 0)
                        return true;
        return false;
}

static unsigned total_reasons(const struct score_entry *e) {
        unsigned n = 0;
        for (int r = 0; r < _SCORE_R_MAX; r++)
                n += e->reasons[r];
        return n;
}

/* ---- credit ---- */

START_TEST(test_credit_accumulates) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        ck_assert_int_eq(e->root_pid, 100);
        ck_assert_str_eq(e->comm, "root");
        ck_assert_str_eq(e->exe, "/usr/bin/root");
        ck_assert_double_eq(score_current(t, e, T0), 0);
        ck_assert_uint_eq(e->t_score, 0);

        damage(t, e, "/d/a.txt", T0);
        ck_assert_double_eq_tol(e->score, 35, EPS);
        ck_assert_uint_eq(e->reasons[SCORE_R_TURNED_RANDOM], 1);
        ck_assert_uint_eq(e->files_damaged, 1);
        ck_assert_uint_eq(e->t_first_damage, T0);
        ck_assert_uint_eq(e->t_score, T0);
        ck_assert_str_eq(e->paths[0], "/d/a.txt");

        written(t, e, "/d/b.pdf", JUDGE_TYPE_DESTROYED, &TEXT, false, T0);
        ck_assert_double_eq_tol(e->score, 65, EPS);
        ck_assert_uint_eq(e->reasons[SCORE_R_TYPE_DESTROYED], 1);
        ck_assert_uint_eq(e->files_damaged, 2);
        ck_assert_str_eq(e->paths[0], "/d/b.pdf");
        ck_assert_str_eq(e->paths[1], "/d/a.txt");

        /* Nothing notable changes nothing. */
        written(t, e, "/d/c.txt", JUDGE_NONE, &TEXT, false, T0);
        written(t, e, "/d/c.txt", JUDGE_NONE, NULL, false, T0);
        ck_assert_double_eq_tol(e->score, 65, EPS);
        ck_assert_uint_eq(total_reasons(e), 2);

        /* A new random file weighs new_random (0 by default) but is counted. */
        new_cipher(t, e, "/d/new.bin", T0);
        ck_assert_double_eq_tol(e->score, 65, EPS);
        ck_assert_uint_eq(e->reasons[SCORE_R_NEW_RANDOM], 1);
        ck_assert_uint_eq(e->files_damaged, 2);

        /* The canary and the brake. */
        score_canary(t, e, "/d/.!rg-canary.docx", T0);
        ck_assert_double_eq_tol(e->score, 165, EPS);
        ck_assert_uint_eq(e->reasons[SCORE_R_CANARY], 1);
        ck_assert_uint_eq(e->files_damaged, 3);
        ck_assert(has_path(e, "/d/.!rg-canary.docx"));
        score_braked(t, e, 0, T0);
        ck_assert_double_eq_tol(e->score, 175, EPS);
        ck_assert_uint_eq(e->reasons[SCORE_R_BRAKED], 1);
        ck_assert_uint_eq(e->files_damaged, 3);

        /* The same file damaged again counts again, but is listed once. */
        damage(t, e, "/d/a.txt", T0);
        ck_assert_uint_eq(e->files_damaged, 4);
        int seen = 0;
        for (int i = 0; i < SCORE_PATHS && e->paths[i]; i++)
                seen += strcmp(e->paths[i], "/d/a.txt") == 0;
        ck_assert_int_eq(seen, 1);
        ck_assert_uint_eq(e->t_first_damage, T0);
        score_table_free(t);
        score_table_free(NULL);
}
END_TEST

START_TEST(test_threshold_reached_exactly) {
        /* "Act at or above": two credits of 50 in the same millisecond are exactly 100, with no
         * rounding from the decay; one millisecond apart they are just below. */
        struct score_opts o = opts();
        o.w.turned_random = 50;
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        damage(t, e, "/d/a", T0);
        damage(t, e, "/d/b", T0);
        ck_assert(score_current(t, e, T0) >= 100.0);
        ck_assert_double_eq(score_current(t, e, T0), 100.0);

        struct score_entry *f = track(t, 200, 0);
        damage(t, f, "/d/a", T0);
        damage(t, f, "/d/b", T0 + 1);
        ck_assert(f->score < 100.0);
        ck_assert_double_gt(f->score, 99.99);
        score_table_free(t);
}
END_TEST

START_TEST(test_paths_ring) {
        struct score_opts o = opts();
        o.w.turned_random = 1;
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        char p[32];
        for (int i = 0; i < 20; i++) {
                snprintf(p, sizeof(p), "/d/f%02d", i);
                damage(t, e, p, T0);
        }
        ck_assert_uint_eq(e->files_damaged, 20);
        for (int i = 0; i < SCORE_PATHS; i++) {
                snprintf(p, sizeof(p), "/d/f%02d", 19 - i);
                ck_assert_ptr_nonnull(e->paths[i]);
                ck_assert_str_eq(e->paths[i], p);
        }
        score_table_free(t);
}
END_TEST

/* ---- the brake's denials weigh only as much as the damage ---- */

START_TEST(test_braked_capped_by_damage) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        /* No damage at all (a new random file weighs nothing): denials add nothing. */
        struct score_entry *e = track(t, 100, 0);
        new_cipher(t, e, "/d/new.bin", T0);
        for (int i = 0; i < 50; i++)
                score_braked(t, e, 0, T0 + (uint64_t)i);
        ck_assert_double_eq(e->score, 0);
        ck_assert_uint_eq(e->reasons[SCORE_R_BRAKED], 50);

        /* One ambiguous file (30): fifty denials bring it to 70 (30 + 4 denials), never to the
         * threshold. */
        struct score_entry *f = track(t, 200, 0);
        written(t, f, "/d/a.pdf", JUDGE_TYPE_DESTROYED, &RANDOM, false, T0);
        for (int i = 0; i < 50; i++)
                score_braked(t, f, 0, T0);
        ck_assert_double_eq_tol(f->score, 70, EPS);

        /* A known type turned random and renamed (50): the denials that follow reach 110, even
         * with the first evidence decayed a little meanwhile. */
        struct score_entry *g = track(t, 300, 0);
        damage(t, g, "/d/b.txt", T0);
        score_renamed(t, g, "/d/b.txt", "/d/b.txt.locked", T0);
        for (int i = 0; i < 5; i++)
                score_braked(t, g, 0, T0 + 50);
        ck_assert_double_lt(g->score, 100);
        score_braked(t, g, 0, T0 + 50);
        ck_assert_double_ge(g->score, 100);
        score_braked(t, g, 0, T0 + 50);
        ck_assert_double_lt(g->score, 110);

        /* Per family: the members' denials share the family's room. */
        struct score_entry *c1 = track(t, 401, 400), *c2 = track(t, 402, 400);
        struct score_entry *r = score_lookup(t, 400);
        written(t, c1, "/d/c.pdf", JUDGE_TYPE_DESTROYED, &RANDOM, false, T0);
        for (int i = 0; i < 10; i++)
                score_braked(t, i % 2 ? c1 : c2, 0, T0);
        ck_assert_double_eq_tol(r->score, 70, EPS);

        /* A server client's new connection has no damage of its own: the client's (the floor
         * the caller passes) lets its denials weigh. */
        struct score_entry *w = track(t, 500, 0);
        for (int i = 0; i < 3; i++)
                score_braked(t, w, 70, T0);
        ck_assert_double_eq_tol(w->score, 30, EPS);
        score_table_free(t);
}
END_TEST

/* ---- the family's own files ---- */

START_TEST(test_own_file_deleted_is_no_original) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        /* A backup's new random chunk, then it deletes a text file it created itself. */
        new_cipher(t, e, "/d/repo/data/1", T0);
        struct score_pair pair;
        ck_assert_int_eq(score_deleted(t, e, "/d/repo/lock.roster", &TEXT, true, true, T0, &pair), 0);
        ck_assert_double_eq(e->score, 0);
        /* The chunk still pairs with an original of someone else's. */
        deleted(t, e, "/d/a.txt", &TEXT, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 1);
        score_table_free(t);
}
END_TEST

START_TEST(test_unknown_original_pairs_only_beside) {
        /* An unlinked file we know nothing of (a lock symlink) pairs with a new random file only
         * when that is named after it: ccache's stats.lock and its cache entries, elsewhere or
         * beside it, do not; "a.txt.locked" written for an original read through another name
         * does. */
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        new_cipher(t, e, "/d/cache/f/c/59e1.tmp", T0);
        deleted(t, e, "/d/cache/f/stats.lock", NULL, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        new_cipher(t, e, "/d/cache/9/3/27e0qisl14um6vdfqcvfrui885kgtvqR", T0);
        deleted(t, e, "/d/cache/9/3/stats.lock", NULL, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        new_cipher(t, e, "/d/docs/a.txt.locked", T0);
        deleted(t, e, "/d/docs/a.txt", NULL, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 1);
        score_table_free(t);
}
END_TEST

/* ---- an encrypted archive holds many originals ---- */

START_TEST(test_container_absorbs_originals) {
        static const struct sample ZIP_ENC = { .size = 90000, .type = FTYPE_ZIP, .n_blocks = 3, .n_judged = 3,
                                               .n_random = 3, .encrypted = true, .hash = 0x5555 };
        static const struct sample ZIP = { .size = 90000, .type = FTYPE_ZIP, .n_blocks = 3, .n_judged = 3,
                                           .n_random = 3, .hash = 0x6666 };
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        /* 7z a -p -sdel all.zip dir: one archive, every original deleted afterwards. */
        struct score_entry *e = track(t, 100, 0);
        written(t, e, "/d/all.zip", JUDGE_NEW_CIPHERLIKE, &ZIP_ENC, true, T0);
        char p[32];
        for (int i = 0; i < 3; i++) {
                snprintf(p, sizeof(p), "/d/dir/f%d.txt", i);
                deleted(t, e, p, &TEXT, T0);
        }
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 3);
        ck_assert_double_ge(e->score, 100);
        /* Files of unknown content (never opened while we watched) do not pair with it, nor
         * files the family never opened (an old log rotated after an encrypted backup). */
        deleted(t, e, "/d/dir/unknown", NULL, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 3);
        struct score_pair pr;
        ck_assert_int_eq(score_deleted(t, e, "/d/logs/old.log", &TEXT, false, false, T0, &pr), 0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 3);

        /* A plain archive, then the originals deleted: a compressor's move, nothing. */
        struct score_entry *f = track(t, 200, 0);
        written(t, f, "/d/all2.zip", JUDGE_NONE, &ZIP, true, T0);
        for (int i = 0; i < 3; i++) {
                snprintf(p, sizeof(p), "/d/dir2/f%d.txt", i);
                deleted(t, f, p, &TEXT, T0);
        }
        ck_assert_double_eq(f->score, 0);
        /* Raw random output (one ciphertext per original) pairs once. */
        struct score_entry *g = track(t, 300, 0);
        new_cipher(t, g, "/d/x/8f3a", T0);
        deleted(t, g, "/d/x/a.txt", &TEXT, T0);
        deleted(t, g, "/d/x/b.txt", &TEXT, T0);
        ck_assert_uint_eq(g->reasons[SCORE_R_REPLACED], 1);
        score_table_free(t);
}
END_TEST

/* ---- decay and window ---- */

START_TEST(test_decay_half_life) {
        struct score_opts o = opts();
        o.w.turned_random = 40;
        o.w.braked_open = 0; /* a credit of nothing shows the decayed value */
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        damage(t, e, "/d/a", T0);
        ck_assert_double_eq_tol(e->score, 40, EPS);
        score_braked(t, e, 0, T0 + HALF);
        ck_assert_double_eq_tol(e->score, 20, EPS);
        score_braked(t, e, 0, T0 + 2 * HALF);
        ck_assert_double_eq_tol(e->score, 10, EPS);

        /* Two half-lives at once give the same as two steps. */
        struct score_entry *f = track(t, 200, 0);
        damage(t, f, "/d/a", T0);
        score_braked(t, f, 0, T0 + 2 * HALF);
        ck_assert_double_eq_tol(f->score, 10, EPS);

        /* A quarter of a half-life. */
        struct score_entry *g = track(t, 300, 0);
        damage(t, g, "/d/a", T0);
        score_braked(t, g, 0, T0 + HALF / 4);
        ck_assert_double_eq_tol(g->score, 40 * pow(2, -0.25), 1e-9);

        /* Credits add to the decayed value. */
        struct score_entry *h = track(t, 400, 0);
        damage(t, h, "/d/a", T0);
        damage(t, h, "/d/b", T0 + HALF);
        ck_assert_double_eq_tol(h->score, 60, EPS);
        score_table_free(t);
}
END_TEST

START_TEST(test_window_reset) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        damage(t, e, "/d/a", T0);
        /* Exactly a window later: still decayed, not forgotten (two half-lives: a quarter). */
        damage(t, e, "/d/b", T0 + WINDOW);
        ck_assert_double_eq_tol(e->score, 35.0 / 4 + 35, EPS);
        ck_assert_uint_eq(e->reasons[SCORE_R_TURNED_RANDOM], 2);
        ck_assert_uint_eq(e->files_damaged, 2);

        /* More than a window after the last credit: everything before is forgotten. */
        const uint64_t later = T0 + 2 * WINDOW + 1;
        damage(t, e, "/d/c", later);
        ck_assert_double_eq_tol(e->score, 35, EPS);
        ck_assert_uint_eq(e->reasons[SCORE_R_TURNED_RANDOM], 1);
        ck_assert_uint_eq(total_reasons(e), 1);
        ck_assert_uint_eq(e->files_damaged, 1);
        ck_assert_uint_eq(e->t_first_damage, later);
        ck_assert_str_eq(e->paths[0], "/d/c");
        ck_assert_ptr_null(e->paths[1]);
        score_table_free(t);
}
END_TEST

/* ---- family ---- */

START_TEST(test_family_crediting) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *c1 = track(t, 101, 100);
        struct score_entry *c2 = track(t, 102, 100);
        struct score_entry *r = score_lookup(t, 100);
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(r->root_pid, 100);
        ck_assert_int_eq(c1->root_pid, 100);
        ck_assert_uint_eq(c1->root_start, 1000);
        ck_assert_uint_eq(score_table_size(t), 3);

        ck_assert_ptr_eq(score_family_entry(t, c1), r);
        ck_assert_ptr_eq(score_family_entry(t, c2), r);
        ck_assert_ptr_eq(score_family_entry(t, r), r);

        damage(t, c1, "/d/a", T0);
        damage(t, c2, "/d/b", T0);
        ck_assert_double_eq_tol(c1->score, 35, EPS);
        ck_assert_double_eq_tol(c2->score, 35, EPS);
        ck_assert_double_eq_tol(r->score, 70, EPS);
        ck_assert_uint_eq(r->files_damaged, 2);
        ck_assert_uint_eq(r->reasons[SCORE_R_TURNED_RANDOM], 2);
        ck_assert(has_path(r, "/d/a"));
        ck_assert(has_path(r, "/d/b"));

        /* The root's own evidence counts once. */
        damage(t, r, "/d/c", T0);
        ck_assert_double_eq_tol(r->score, 105, EPS);

        /* Re-tracking a child does not reset the root. */
        c1 = track(t, 101, 100);
        ck_assert_double_eq_tol(r->score, 105, EPS);

        /* Many short-lived workers, one per file, add up at the root. */
        for (pid_t pid = 200; pid < 210; pid++) {
                struct score_entry *w = track(t, pid, 100);
                damage(t, w, "/d/w", T0);
        }
        ck_assert_double_eq_tol(r->score, 105 + 350, EPS);

        /* Family mode off: every process decides for itself. */
        o.family = false;
        score_table_set_opts(t, &o);
        ck_assert_ptr_eq(score_family_entry(t, c1), c1);
        double before = r->score;
        damage(t, c1, "/d/x", T0);
        ck_assert_double_eq_tol(r->score, before, EPS);
        ck_assert_double_eq_tol(c1->score, 70, EPS);
        score_table_free(t);
}
END_TEST

START_TEST(test_family_off_from_start) {
        struct score_opts o = opts();
        o.family = false;
        struct score_table *t = table(&o);
        struct score_entry *c = track(t, 101, 100);
        struct score_entry *r = score_lookup(t, 100);
        ck_assert_ptr_eq(score_family_entry(t, c), c);
        damage(t, c, "/d/a", T0);
        ck_assert_double_eq_tol(c->score, 35, EPS);
        ck_assert_double_eq(r ? r->score : 0, 0);
        score_table_free(t);
}
END_TEST

/* ---- pairing: new ciphertext + unlinked original ---- */

START_TEST(test_pair_left_to_the_judge) {
        /* score keeps the books; whether the new file replaced the original is the judge's to say
         * (the pipeline calls judge_replacement on the pair, then score_replaced). */
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        struct score_pair pair;
        ck_assert_int_eq(score_deleted(t, e, "/d/a.txt", &TEXT, false, true, T0, &pair), 0);
        ck_assert_int_eq(score_written(t, e, "/d/a.txt.enc", JUDGE_NEW_CIPHERLIKE, &RANDOM, true, T0, &pair), 1);
        ck_assert_str_eq(pair.orig_path, "/d/a.txt");
        ck_assert(pair.has_orig);
        ck_assert_int_eq(pair.orig.type, FTYPE_TEXT);
        ck_assert_uint_eq(pair.repl.n_random, 3);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        ck_assert_uint_eq(e->files_damaged, 0);
        score_replaced(t, e, &pair, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 1);
        ck_assert_uint_eq(e->files_damaged, 1);
        ck_assert(has_path(e, "/d/a.txt"));
        /* The pair is used up: the same names again pair no more. */
        ck_assert_int_eq(score_written(t, e, "/d/a.txt.enc", JUDGE_NEW_CIPHERLIKE, &RANDOM, true, T0, &pair), 0);

        /* The other order: the new file first, the unlink completes it; an unsampled original. */
        ck_assert_int_eq(score_written(t, e, "/d/b.enc", JUDGE_NEW_CIPHERLIKE, &RANDOM, true, T0, &pair), 0);
        ck_assert_int_eq(score_deleted(t, e, "/d/b", NULL, false, true, T0, &pair), 1);
        ck_assert_str_eq(pair.orig_path, "/d/b");
        ck_assert(!pair.has_orig);
        score_table_free(t);
}
END_TEST

START_TEST(test_root_pid_reuse_keeps_family) {
        /* The family's root exits and its pid goes to an unrelated process: the family's
         * evidence stays where its members find it (pid + start time); the newcomer starts clean. */
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *c = track_at(t, 200, 2000, 100, 1000, T0);
        damage(t, c, "/d/a.txt", T0);
        damage(t, c, "/d/b.txt", T0);
        struct score_entry *root = score_family_entry(t, c);
        ck_assert_double_eq_tol(score_current(t, root, T0), 70, EPS);
        struct score_entry *newcomer = track_at(t, 100, 5000, 0, 0, T0 + 1);
        ck_assert_ptr_ne(newcomer, root);
        ck_assert_double_eq(score_current(t, newcomer, T0 + 1), 0);
        ck_assert_ptr_eq(score_lookup(t, 100), newcomer);
        root = score_family_entry(t, c);
        ck_assert_uint_eq(root->start_time, 1000);
        ck_assert_double_eq_tol(score_current(t, root, T0), 70, EPS);
        score_table_free(t);
}
END_TEST

START_TEST(test_acted_and_touch) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *c = track(t, 200, 100);
        struct score_entry *r = score_family_entry(t, c);
        ck_assert_int_eq(r->pid, 100);
        ck_assert(!c->acted && !r->acted);
        score_acted(t, c, T0 + 5);
        ck_assert(c->acted && r->acted);
        ck_assert_uint_eq(c->t_acted, T0 + 5);
        ck_assert_uint_eq(r->t_acted, T0 + 5);
        score_touch(t, c, T0 + 7);
        ck_assert_uint_eq(c->t_last_seen, T0 + 7);
        score_table_free(t);
}
END_TEST

/* ransomguardctl resume --force: the family is judged afresh; only that very process (pid and
 * start time) is forgiven. */
START_TEST(test_forgive) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *c = track(t, 200, 100);
        damage(t, c, "/d/a.txt", T0);
        damage(t, c, "/d/b.txt", T0);
        struct score_entry *r = score_family_entry(t, c);
        ck_assert(r->score > 0 && c->score > 0);
        score_acted(t, c, T0 + 5);
        ck_assert(!score_forgive(t, 200, 2001)); /* another start time: another process */
        ck_assert(c->acted && c->score > 0);
        ck_assert(score_forgive(t, 200, 2000) && score_forgive(t, 100, 1000));
        ck_assert(!c->acted && !r->acted);
        ck_assert_double_eq(c->score, 0);
        ck_assert_double_eq(r->score, 0);
        ck_assert_uint_eq(r->files_damaged, 0);
        ck_assert_ptr_null(r->paths[0]);
        ck_assert(!score_forgive(t, 999, 9990));
        /* Judged afresh: new evidence counts from zero. */
        damage(t, c, "/d/c.txt", T0 + 10);
        ck_assert_double_eq_tol(score_current(t, score_family_entry(t, c), T0 + 10), 35, EPS);
        score_table_free(t);
}
END_TEST

START_TEST(test_pair_new_then_delete) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        new_cipher(t, e, "/d/a.txt.enc", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        deleted(t, e, "/d/a.txt", &TEXT, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 1);
        ck_assert_double_eq_tol(e->score, 50, EPS); /* replaced, and a.txt → a.txt.enc */
        ck_assert_uint_eq(e->files_damaged, 1);
        ck_assert(has_path(e, "/d/a.txt"));
        /* The pair is used up: another unlink does not pair again. */
        deleted(t, e, "/d/b.txt", &TEXT, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 1);
        score_table_free(t);
}
END_TEST

START_TEST(test_pair_delete_then_new) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        deleted(t, e, "/d/a.txt", &TEXT, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        ck_assert_double_eq(e->score, 0);
        new_cipher(t, e, "/d/a.txt.locked", T0 + 10);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 1);
        ck_assert_uint_eq(e->reasons[SCORE_R_RENAME_EXT], 1); /* a.txt → a.txt.locked */
        ck_assert_double_eq_tol(e->score, 50, EPS);
        ck_assert(has_path(e, "/d/a.txt"));
        score_table_free(t);
}
END_TEST

/* Ciphertext of a small file is too short for a randomness verdict: it still pairs with the
 * unlinked original by type loss (text → unknown binary), in both orders; a small unknown file
 * with an unknown original does not. */
START_TEST(test_pair_small_unknown) {
        static const struct sample SMALL_BIN = { .size = 300, .type = FTYPE_UNKNOWN, .n_blocks = 1, .hash = 0x7777 };
        static const struct sample SMALL_TEXT = { .size = 300, .type = FTYPE_TEXT, .n_blocks = 1, .hash = 0x8888 };
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        written(t, e, "/d/.bashrc.enc", JUDGE_NONE, &SMALL_BIN, true, T0);
        ck_assert_double_eq(e->score, 0);
        deleted(t, e, "/d/.bashrc", &SMALL_TEXT, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 1);
        deleted(t, e, "/d/.profile", &SMALL_TEXT, T0 + 1);
        written(t, e, "/d/.profile.enc", JUDGE_NONE, &SMALL_BIN, true, T0 + 2);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 2);
        /* Unknown original: nothing to lose. */
        written(t, e, "/d/blob.enc", JUDGE_NONE, &SMALL_BIN, true, T0 + 3);
        deleted(t, e, "/d/blob", NULL, T0 + 3);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 2);
        score_table_free(t);
}
END_TEST

START_TEST(test_pair_random_names_and_best_match) {
        /* Ransomware that picks random names still pairs; with several originals pending the
         * one with the matching name is taken. */
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        deleted(t, e, "/other/x.doc", &TEXT, T0);
        deleted(t, e, "/d/report.doc", &TEXT, T0);
        deleted(t, e, "/d/zzz.doc", &TEXT, T0);
        new_cipher(t, e, "/d/report.doc.crypt", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 1);
        ck_assert_str_eq(e->paths[0], "/d/report.doc");
        new_cipher(t, e, "/elsewhere/8f3a1c", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 2);
        score_table_free(t);
}
END_TEST

START_TEST(test_pair_across_family) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *c1 = track(t, 101, 100), *c2 = track(t, 102, 100);
        struct score_entry *r = score_lookup(t, 100);

        /* One process unlinks, its sibling writes the ciphertext (under the original's name
         * with a new extension: the rename too). */
        deleted(t, c1, "/d/a.txt", &TEXT, T0);
        new_cipher(t, c2, "/d/a.txt.enc", T0);
        ck_assert_uint_eq(r->reasons[SCORE_R_REPLACED], 1);
        ck_assert_uint_eq(r->reasons[SCORE_R_RENAME_EXT], 1);
        ck_assert_double_eq_tol(r->score, 50, EPS);

        /* And the other order, under a name of its own: no rename. */
        new_cipher(t, c1, "/d/8f3a1c", T0);
        deleted(t, c2, "/d/b.txt", &TEXT, T0);
        ck_assert_uint_eq(r->reasons[SCORE_R_REPLACED], 2);
        ck_assert_uint_eq(r->reasons[SCORE_R_RENAME_EXT], 1);
        ck_assert_double_eq_tol(r->score, 85, EPS);
        score_table_free(t);
}
END_TEST

START_TEST(test_pair_own_file_deleted) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        /* gpg writes x.gpg.tmp, then removes it: clean-up of its own output. */
        new_cipher(t, e, "/d/x.gpg.tmp", T0);
        deleted(t, e, "/d/x.gpg.tmp", &RANDOM, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        ck_assert_double_eq(e->score, 0);
        ck_assert_uint_eq(e->files_damaged, 0);
        /* Even when the state was unknown at the unlink. */
        new_cipher(t, e, "/d/y.tmp", T0);
        deleted(t, e, "/d/y.tmp", NULL, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);

        /* Across the family too. */
        struct score_entry *c1 = track(t, 201, 200), *c2 = track(t, 202, 200);
        struct score_entry *r = score_lookup(t, 200);
        new_cipher(t, c1, "/d/z.tmp", T0);
        deleted(t, c2, "/d/z.tmp", &RANDOM, T0);
        ck_assert_uint_eq(r->reasons[SCORE_R_REPLACED], 0);
        ck_assert_double_eq(r->score, 0);
        score_table_free(t);
}
END_TEST

START_TEST(test_pair_gzip_never) {
        /* gzip file; rm file: the new file is a known compressed container, judged NONE. */
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        char orig[64], gz[64];
        for (int i = 0; i < 20; i++) {
                snprintf(orig, sizeof(orig), "/d/f%d.txt", i);
                snprintf(gz, sizeof(gz), "/d/f%d.txt.gz", i);
                if (i % 2) {
                        written(t, e, gz, JUDGE_NONE, &GZIP, true, T0);
                        deleted(t, e, orig, &TEXT, T0);
                } else {
                        deleted(t, e, orig, &TEXT, T0);
                        written(t, e, gz, JUDGE_NONE, &GZIP, true, T0);
                }
        }
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        ck_assert_double_eq(e->score, 0);
        ck_assert_uint_eq(e->files_damaged, 0);
        ck_assert_uint_eq(total_reasons(e), 0);
        score_table_free(t);
}
END_TEST

START_TEST(test_pair_not_for_ciphertext_originals) {
        /* Re-encrypting a vault: the original was already random. */
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        deleted(t, e, "/d/vault.kdbx", &RANDOM, T0);
        new_cipher(t, e, "/d/vault.kdbx.new", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        new_cipher(t, e, "/d/vault2.kdbx.new", T0);
        deleted(t, e, "/d/vault2.kdbx", &RANDOM, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        ck_assert_double_eq(e->score, 0);
        score_table_free(t);
}
END_TEST

START_TEST(test_pair_expires) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        deleted(t, e, "/d/a.txt", &TEXT, T0);
        new_cipher(t, e, "/d/a.txt.enc", T0 + WINDOW + 1);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        /* And the other way round. */
        new_cipher(t, e, "/d/b.txt.enc", T0 + WINDOW + 2);
        deleted(t, e, "/d/b.txt", &TEXT, T0 + 3 * WINDOW);
        ck_assert_uint_eq(e->reasons[SCORE_R_REPLACED], 0);
        score_table_free(t);
}
END_TEST

START_TEST(test_pair_many_pending) {
        /* More pending originals than the ring holds: no crash, no leak, bounded. */
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        char p[64];
        for (int i = 0; i < 1000; i++) {
                snprintf(p, sizeof(p), "/d/orig%d.txt", i);
                deleted(t, e, p, &TEXT, T0 + (uint64_t)i);
        }
        for (int i = 0; i < 1000; i++) {
                snprintf(p, sizeof(p), "/d/new%d.enc", i);
                new_cipher(t, e, p, T0 + 1000 + (uint64_t)i);
        }
        ck_assert_uint_ge(e->reasons[SCORE_R_REPLACED], 1);
        ck_assert_uint_le(e->reasons[SCORE_R_REPLACED], 1000);
        score_table_free(t);
}
END_TEST

/* ---- renames ---- */

START_TEST(test_rename_after_damage) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        damage(t, e, "/d/a.txt", T0);
        score_renamed(t, e, "/d/a.txt", "/d/a.txt.locked", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_RENAME_EXT], 1);
        ck_assert_double_eq_tol(e->score, 50, EPS);
        ck_assert(has_path(e, "/d/a.txt.locked"));
        ck_assert(!has_path(e, "/d/a.txt"));
        ck_assert_uint_eq(e->files_damaged, 1);

        /* Moved again without changing the extension: nothing. */
        score_renamed(t, e, "/d/a.txt.locked", "/e/a.txt.locked", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_RENAME_EXT], 1);

        /* Renamed again and again to new extensions (shred -u does that): counted once. */
        score_renamed(t, e, "/e/a.txt.locked", "/e/0000000000", T0);
        score_renamed(t, e, "/e/0000000000", "/e/000000000.x", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_RENAME_EXT], 1);
        ck_assert(has_path(e, "/e/000000000.x"));

        /* By another member of the family. */
        struct score_entry *c1 = track(t, 201, 200), *c2 = track(t, 202, 200);
        struct score_entry *r = score_lookup(t, 200);
        damage(t, c1, "/d/b.docx", T0);
        score_renamed(t, c2, "/d/b.docx", "/d/b.docx.crypt", T0);
        ck_assert_uint_eq(r->reasons[SCORE_R_RENAME_EXT], 1);
        ck_assert_double_eq_tol(r->score, 50, EPS);
        score_table_free(t);
}
END_TEST

START_TEST(test_rename_before_damage) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        score_renamed(t, e, "/d/b.txt", "/d/b.txt.locked", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_RENAME_EXT], 0);
        ck_assert_double_eq(e->score, 0);
        damage(t, e, "/d/b.txt.locked", T0 + 5);
        ck_assert_uint_eq(e->reasons[SCORE_R_RENAME_EXT], 1);
        ck_assert_uint_eq(e->reasons[SCORE_R_TURNED_RANDOM], 1);
        ck_assert_double_eq_tol(e->score, 50, EPS);
        /* Once only. */
        damage(t, e, "/d/b.txt.locked", T0 + 5);
        ck_assert_uint_eq(e->reasons[SCORE_R_RENAME_EXT], 1);
        score_table_free(t);
}
END_TEST

START_TEST(test_rename_event_after_judged_under_new_name) {
        /* The close-write was read after the rename had happened (judged as b.txt.locked), the
         * rename event only afterwards: the rename still counts, once. */
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        damage(t, e, "/d/b.txt.locked", T0);
        score_renamed(t, e, "/d/b.txt", "/d/b.txt.locked", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_RENAME_EXT], 1);
        ck_assert_double_eq_tol(e->score, 50, EPS);
        score_renamed(t, e, "/d/b.txt", "/d/b.txt.locked", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_RENAME_EXT], 1);
        score_table_free(t);
}
END_TEST

START_TEST(test_rename_without_damage) {
        /* Editors and package managers rename all the time: alone it is nothing. */
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        char from[64], to[64];
        for (int i = 0; i < 50; i++) {
                snprintf(from, sizeof(from), "/d/f%d.txt", i);
                snprintf(to, sizeof(to), "/d/f%d.txt~", i);
                score_renamed(t, e, from, to, T0);
                score_renamed(t, e, "/d/.f.swp", "/d/f.txt", T0);
        }
        ck_assert_double_eq(e->score, 0);
        ck_assert_uint_eq(total_reasons(e), 0);
        /* Damage elsewhere does not turn those renames into evidence. */
        damage(t, e, "/d/unrelated.txt", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_RENAME_EXT], 0);
        ck_assert_double_eq_tol(e->score, 35, EPS);
        score_table_free(t);
}
END_TEST

/* ---- notes ---- */

START_TEST(test_note_needs_damage) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        /* The same README in four directories, no damage: copying a tree. */
        note(t, e, "/a/README.txt", T0);
        note(t, e, "/b/README.txt", T0);
        note(t, e, "/c/README.txt", T0);
        note(t, e, "/d/README.txt", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_NOTE], 0);
        ck_assert_double_eq(e->score, 0);

        /* Damage, then one more copy: now it counts. */
        damage(t, e, "/a/data.db", T0);
        note(t, e, "/e/README.txt", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_NOTE], 1);
        ck_assert_double_eq_tol(e->score, 65, EPS);
        /* Once per family. */
        note(t, e, "/f/README.txt", T0);
        note(t, e, "/g/README.txt", T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_NOTE], 1);
        score_table_free(t);
}
END_TEST

START_TEST(test_note_after_damage) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *c1 = track(t, 101, 100), *c2 = track(t, 102, 100);
        struct score_entry *r = score_lookup(t, 100);
        damage(t, c1, "/a/data.db", T0);
        note(t, c2, "/a/HOW_TO_DECRYPT.txt", T0);
        note(t, c2, "/b/HOW_TO_DECRYPT.txt", T0);
        ck_assert_uint_eq(r->reasons[SCORE_R_NOTE], 0);
        note(t, c1, "/c/HOW_TO_DECRYPT.txt", T0); /* another member, same family */
        ck_assert_uint_eq(r->reasons[SCORE_R_NOTE], 1);
        ck_assert_double_eq_tol(r->score, 65, EPS);
        score_table_free(t);
}
END_TEST

START_TEST(test_note_not_matching) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        damage(t, e, "/x/data.db", T0);

        /* Same directory again and again. */
        for (int i = 0; i < 5; i++)
                note(t, e, "/a/README.txt", T0);
        /* Different content in each directory. */
        struct sample s = NOTE;
        char p[64];
        for (int i = 0; i < 5; i++) {
                s.hash = 0x5000 + (uint64_t)i;
                snprintf(p, sizeof(p), "/n%d/notes.txt", i);
                written(t, e, p, JUDGE_NONE, &s, true, T0);
        }
        /* Same content, different names. */
        for (int i = 0; i < 5; i++) {
                snprintf(p, sizeof(p), "/m%d/name%d.txt", i, i);
                note(t, e, p, T0);
        }
        /* Not created (an existing file rewritten), too large, not text. */
        written(t, e, "/o1/R.txt", JUDGE_NONE, &NOTE, false, T0);
        written(t, e, "/o2/R.txt", JUDGE_NONE, &NOTE, false, T0);
        written(t, e, "/o3/R.txt", JUDGE_NONE, &NOTE, false, T0);
        s = NOTE;
        s.size = 65537;
        written(t, e, "/p1/R.txt", JUDGE_NONE, &s, true, T0);
        written(t, e, "/p2/R.txt", JUDGE_NONE, &s, true, T0);
        written(t, e, "/p3/R.txt", JUDGE_NONE, &s, true, T0);
        s = NOTE;
        s.type = FTYPE_PDF;
        written(t, e, "/q1/R.pdf", JUDGE_NONE, &s, true, T0);
        written(t, e, "/q2/R.pdf", JUDGE_NONE, &s, true, T0);
        written(t, e, "/q3/R.pdf", JUDGE_NONE, &s, true, T0);
        ck_assert_uint_eq(e->reasons[SCORE_R_NOTE], 0);
        ck_assert_double_eq_tol(e->score, 35, EPS);
        score_table_free(t);
}
END_TEST

/* ---- table bounds ---- */

START_TEST(test_eviction_bounded) {
        struct score_opts o = opts();
        o.max_processes = 64;
        struct score_table *t = table(&o);
        for (pid_t pid = 1; pid <= 100000; pid++) {
                struct score_entry *e = track_at(t, pid, (uint64_t)pid, 0, 0, T0 + (uint64_t)pid);
                if (pid % 3 == 0)
                        damage(t, e, "/d/x", T0 + (uint64_t)pid);
                ck_assert_uint_le(score_table_size(t), 64);
        }
        ck_assert_uint_eq(score_table_size(t), 64);
        ck_assert_ptr_null(score_lookup(t, 1));
        ck_assert_ptr_nonnull(score_lookup(t, 100000));

        /* Families too: each child with its own root. */
        for (pid_t pid = 200000; pid < 300000; pid += 2) {
                struct score_entry *e = track_at(t, pid + 1, 1, pid, 1, T0);
                damage(t, e, "/d/y", T0);
                ck_assert_uint_le(score_table_size(t), 64);
        }
        score_table_free(t);
}
END_TEST

START_TEST(test_eviction_evidence_last) {
        /* A long-running family with evidence outlives any number of throwaway processes: entries
         * without evidence are evicted first, however recently they were seen. */
        struct score_opts o = opts();
        o.max_processes = 64;
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        damage(t, e, "/d/a.txt", T0);
        for (pid_t pid = 1000; pid < 1000 + 4096 * 4; pid++)
                (void)track_at(t, pid, (uint64_t)pid, 0, 0, T0 + 1);
        ck_assert_uint_eq(score_table_size(t), 64);
        struct score_entry *again = score_lookup(t, 100);
        ck_assert_ptr_nonnull(again);
        ck_assert_double_eq_tol(score_current(t, again, T0 + 1), 35 * exp2(-1.0 / HALF), 1e-6);
        /* Its evidence expired (the process still seen): then it is plain again, and goes like
         * any other. */
        score_touch(t, again, T0 + WINDOW);
        score_expire(t, T0 + WINDOW + 10);
        ck_assert_ptr_eq(score_lookup(t, 100), again);
        ck_assert(!again->in_evid);
        score_table_free(t);
}
END_TEST

START_TEST(test_eviction_keeps_new_root) {
        /* A full table of entries with evidence: tracking a new child and its new root must not
         * evict the root it has just made. */
        struct score_opts o = opts();
        o.max_processes = 16;
        struct score_table *t = table(&o);
        for (pid_t pid = 1; pid <= 16; pid++)
                damage(t, track(t, pid, 0), "/d/x", T0);
        ck_assert_uint_eq(score_table_size(t), 16);

        struct score_entry *c = track(t, 1001, 1000);
        ck_assert_int_eq(c->root_pid, 1000);
        struct score_entry *r = score_lookup(t, 1000);
        ck_assert_ptr_nonnull(r);
        ck_assert_str_eq(r->comm, "root");
        ck_assert_ptr_eq(score_family_entry(t, c), r);
        ck_assert_ptr_eq(score_lookup(t, 1001), c);
        ck_assert_uint_le(score_table_size(t), 17);
        damage(t, c, "/d/y", T0);
        ck_assert_double_eq_tol(r->score, 35, EPS);
        score_table_free(t);
}
END_TEST

START_TEST(test_decider_never_evicts_its_entry) {
        /* The root of e was evicted; recreating it in a full table must not evict e itself,
         * which the caller is holding. */
        struct score_opts o = opts();
        o.max_processes = 16;
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 500, 499); /* 499 (oldest), then 500 */
        for (pid_t pid = 1; pid <= 15; pid++)
                damage(t, track(t, pid, 0), "/d/x", T0);
        ck_assert_ptr_null(score_lookup(t, 499)); /* the root went first */
        ck_assert_ptr_eq(score_lookup(t, 500), e);

        struct score_entry *d = score_family_entry(t, e);
        ck_assert_ptr_nonnull(d);
        ck_assert_ptr_eq(score_lookup(t, 500), e);
        ck_assert_int_eq(d->pid, 499);
        ck_assert_uint_eq(d->start_time, 4990);
        ck_assert_uint_le(score_table_size(t), 17);

        /* Crediting through it works and reaches the recreated root. */
        damage(t, e, "/d/y", T0);
        ck_assert_double_eq_tol(e->score, 35, EPS);
        ck_assert_double_eq_tol(score_family_entry(t, e)->score, 35, EPS);
        score_table_free(t);
}
END_TEST

START_TEST(test_tiny_tables) {
        /* Limits below what the configuration allows still keep the table bounded and usable. */
        for (uint32_t max = 0; max <= 3; max++) {
                struct score_opts o = opts();
                o.max_processes = max;
                struct score_table *t = table(&o);
                for (pid_t pid = 10; pid < 200; pid += 2) {
                        struct score_entry *e = track(t, pid + 1, pid);
                        ck_assert_int_eq(e->root_pid, pid);
                        damage(t, e, "/d/x", T0);
                        ck_assert_int_eq(e->pid, pid + 1);
                        ck_assert_int_eq(score_family_entry(t, e)->pid, pid);
                        ck_assert_double_eq_tol(score_family_entry(t, e)->score, 35, EPS);
                        ck_assert_uint_le(score_table_size(t), max + 2);
                }
                score_table_free(t);
        }
}
END_TEST

/* ---- pid reuse ---- */

START_TEST(test_pid_reuse_resets) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track_at(t, 100, 5000, 0, 0, T0);
        damage(t, e, "/d/a", T0);
        deleted(t, e, "/d/b.txt", &TEXT, T0); /* pending pairing state */
        score_renamed(t, e, "/d/c.txt", "/d/c.txt.x", T0);
        e->acted = true;
        ck_assert_double_eq_tol(e->score, 35, EPS);

        struct proc_info pi = mkpi(100, 1, 6000, "newcomer");
        pi.exe[0] = '\0';
        pi.cgroup[0] = '\0';
        struct score_entry *n = NULL;
        ck_assert_int_eq(score_track(t, &pi, NULL, T0 + 1, &n), 0);
        ck_assert_ptr_eq(score_lookup(t, 100), n);
        ck_assert_uint_eq(n->start_time, 6000);
        ck_assert_str_eq(n->comm, "newcomer");
        ck_assert_str_eq(n->exe, "");    /* nothing inherited from the old process */
        ck_assert_str_eq(n->cgroup, "");
        ck_assert_double_eq(n->score, 0);
        ck_assert_uint_eq(n->t_score, 0);
        ck_assert_uint_eq(total_reasons(n), 0);
        ck_assert_uint_eq(n->files_damaged, 0);
        ck_assert_uint_eq(n->t_first_damage, 0);
        ck_assert_ptr_null(n->paths[0]);
        ck_assert(!n->acted);
        /* The old process had evidence: its entry stays (its family may still add up there). */
        ck_assert_uint_eq(score_table_size(t), 2);

        /* The old process's pending unlink does not pair with the newcomer's output, nor its
         * rename with the newcomer's damage. */
        new_cipher(t, n, "/d/b.txt.enc", T0 + 2);
        ck_assert_uint_eq(n->reasons[SCORE_R_REPLACED], 0);
        damage(t, n, "/d/c.txt.x", T0 + 2);
        ck_assert_uint_eq(n->reasons[SCORE_R_RENAME_EXT], 0);

        /* The same start time is the same process: nothing reset. */
        struct score_entry *same = track_at(t, 100, 6000, 0, 0, T0 + 3);
        ck_assert_ptr_eq(same, n);
        ck_assert_double_gt(same->score, 0);
        score_table_free(t);
}
END_TEST

START_TEST(test_root_pid_reuse) {
        /* The family root exits and its pid is reused by an unrelated process while a child still
         * reports to the old root. The newcomer and the family must not wipe each other. */
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *c = track_at(t, 101, 2000, 100, 1000, T0);
        damage(t, c, "/d/a", T0);
        ck_assert_double_eq_tol(score_family_entry(t, c)->score, 35, EPS);

        /* pid 100 again, a different process. */
        struct score_entry *n = track_at(t, 100, 9000, 0, 0, T0 + 1);
        written(t, n, "/d/n.pdf", JUDGE_TYPE_DESTROYED, &TEXT, false, T0 + 1);
        ck_assert_double_eq_tol(n->score, 30, EPS);

        for (int round = 0; round < 50; round++) {
                /* The child keeps working: its family root is the old process. */
                damage(t, c, "/d/b", T0 + 2);
                struct score_entry *d = score_family_entry(t, c);
                ck_assert_int_eq(d->pid, 100);
                ck_assert_uint_eq(d->start_time, 1000);
                /* The newcomer is still found by its pid, its own evidence intact. */
                struct score_entry *l = score_lookup(t, 100);
                ck_assert_ptr_nonnull(l);
                ck_assert_uint_eq(l->start_time, 9000);
                n = track_at(t, 100, 9000, 0, 0, T0 + 3);
                ck_assert_double_eq_tol(n->score, 30, EPS);
                ck_assert_uint_le(score_table_size(t), 3);
        }
        /* Every damage of the child reached the old root, the one before the reuse too. */
        struct score_entry *d = score_family_entry(t, c);
        ck_assert_uint_eq(d->reasons[SCORE_R_TURNED_RANDOM], 51);
        score_table_free(t);
}
END_TEST

/* ---- expiry ---- */

START_TEST(test_expire) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        track(t, 1, 0);                                     /* no evidence */
        damage(t, track(t, 2, 0), "/d/b", T0);              /* evidence, not acted */
        struct score_entry *acted = track(t, 3, 0);
        damage(t, acted, "/d/c", T0);
        acted->acted = true;                                /* as the daemon marks it */
        struct score_entry *seen = track(t, 4, 0);
        damage(t, seen, "/d/d", T0);
        seen = track_at(t, 4, 40, 0, 0, 100000);            /* seen again later */
        ck_assert_uint_eq(score_table_size(t), 4);

        score_expire(t, T0);
        ck_assert_uint_eq(score_table_size(t), 4);
        score_expire(t, T0 + WINDOW);                       /* not yet: "older than" the window */
        ck_assert_uint_eq(score_table_size(t), 4);

        score_expire(t, T0 + WINDOW + 1);
        ck_assert_ptr_null(score_lookup(t, 1));
        ck_assert_ptr_null(score_lookup(t, 2));
        ck_assert_ptr_eq(score_lookup(t, 3), acted);        /* acted on: kept with its evidence */
        ck_assert_double_eq_tol(acted->score, 35, EPS);
        ck_assert_uint_eq(acted->reasons[SCORE_R_TURNED_RANDOM], 1);
        ck_assert_ptr_eq(score_lookup(t, 4), seen);         /* seen recently: kept, evidence gone */
        ck_assert_double_eq(seen->score, 0);
        ck_assert_uint_eq(total_reasons(seen), 0);
        ck_assert_ptr_null(seen->paths[0]);
        ck_assert_uint_eq(score_table_size(t), 2);

        score_expire(t, 100000 + WINDOW + 1);
        ck_assert_ptr_null(score_lookup(t, 4));
        ck_assert_ptr_eq(score_lookup(t, 3), acted);
        ck_assert_uint_eq(score_table_size(t), 1);

        /* An empty table. */
        score_table_free(t);
        t = table(&o);
        score_expire(t, T0);
        score_expire(t, UINT64_MAX);
        ck_assert_uint_eq(score_table_size(t), 0);
        score_table_free(t);
}
END_TEST

START_TEST(test_expire_many) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        for (pid_t pid = 1; pid <= 4000; pid++) {
                struct score_entry *e = track_at(t, pid, (uint64_t)pid, pid > 2000 ? pid - 2000 : 0, (uint64_t)pid - 2000, T0);
                if (pid % 2)
                        damage(t, e, "/d/x", T0);
                if (pid % 4 == 1)
                        new_cipher(t, e, "/d/y.enc", T0);
                if (pid % 8 == 3)
                        deleted(t, e, "/d/z.txt", &TEXT, T0);
        }
        score_expire(t, T0 + WINDOW + 1);
        ck_assert_uint_eq(score_table_size(t), 0);
        score_table_free(t);
}
END_TEST

/* ---- reason strings ---- */

START_TEST(test_reasons_str) {
        struct score_opts o = opts();
        struct score_table *t = table(&o);
        struct score_entry *e = track(t, 100, 0);
        char buf[256];

        memset(buf, 'Z', sizeof(buf));
        score_reasons_str(e, buf, sizeof(buf));
        ck_assert_str_eq(buf, "");

        for (int i = 0; i < 3; i++)
                damage(t, e, "/d/a", T0);
        deleted(t, e, "/d/b.txt", &TEXT, T0);
        new_cipher(t, e, "/d/b.txt.enc", T0);
        deleted(t, e, "/d/c.txt", &TEXT, T0);
        new_cipher(t, e, "/d/c.txt.enc", T0);
        score_reasons_str(e, buf, sizeof(buf));
        ck_assert_str_eq(buf, "turned-random×3 replaced-and-unlinked×2 renamed-to-new-extension×2 new-random-file×2");

        /* Every reason at once. */
        for (int r = 0; r < _SCORE_R_MAX; r++)
                e->reasons[r] = 4000000000u;
        score_reasons_str(e, buf, sizeof(buf));
        for (int r = 0; r < _SCORE_R_MAX; r++)
                ck_assert_ptr_nonnull(strstr(buf, score_reason_name((enum score_reason)r)));

        /* Small buffers: cut, terminated, never written past len. */
        for (size_t len = 0; len < 200; len++) {
                char *b = malloc(len + 16);
                ck_assert_ptr_nonnull(b);
                memset(b, 'Z', len + 16);
                score_reasons_str(e, b, len);
                if (len > 0)
                        ck_assert_uint_lt(strlen(b), len);
                for (size_t i = len; i < len + 16; i++)
                        ck_assert_msg(b[i] == 'Z', "len %zu: byte %zu written", len, i);
                free(b);
        }
        score_table_free(t);
}
END_TEST

START_TEST(test_reason_names) {
        static const char *const want[] = {
                [SCORE_R_TURNED_RANDOM] = "turned-random",
                [SCORE_R_TYPE_DESTROYED] = "type-destroyed",
                [SCORE_R_REPLACED] = "replaced-and-unlinked",
                [SCORE_R_RENAME_EXT] = "renamed-to-new-extension",
                [SCORE_R_NOTE] = "same-note-in-many-directories",
                [SCORE_R_NEW_RANDOM] = "new-random-file",
                [SCORE_R_CANARY] = "canary-touched",
                [SCORE_R_BRAKED] = "kept-opening-while-braked",
        };
        ck_assert_uint_eq(ELEMENTSOF(want), _SCORE_R_MAX);
        for (int r = 0; r < _SCORE_R_MAX; r++)
                ck_assert_str_eq(score_reason_name((enum score_reason)r), want[r]);
        ck_assert_str_eq(score_reason_name(_SCORE_R_MAX), "invalid");
        ck_assert_str_eq(score_reason_name((enum score_reason) - 1), "invalid");
}
END_TEST

static Suite *score_suite(void) {
        Suite *s = suite_create("score");
        TCase *tc;

        tc = tcase_create("credit");
        tcase_add_test(tc, test_credit_accumulates);
        tcase_add_test(tc, test_threshold_reached_exactly);
        tcase_add_test(tc, test_paths_ring);
        tcase_add_test(tc, test_decay_half_life);
        tcase_add_test(tc, test_window_reset);
        tcase_add_test(tc, test_family_crediting);
        tcase_add_test(tc, test_family_off_from_start);
        suite_add_tcase(s, tc);

        tc = tcase_create("pairing");
        tcase_add_test(tc, test_pair_left_to_the_judge);
        tcase_add_test(tc, test_acted_and_touch);
        tcase_add_test(tc, test_forgive);
        tcase_add_test(tc, test_root_pid_reuse_keeps_family);
        tcase_add_test(tc, test_pair_new_then_delete);
        tcase_add_test(tc, test_pair_delete_then_new);
        tcase_add_test(tc, test_pair_random_names_and_best_match);
        tcase_add_test(tc, test_pair_across_family);
        tcase_add_test(tc, test_pair_own_file_deleted);
        tcase_add_test(tc, test_pair_gzip_never);
        tcase_add_test(tc, test_pair_small_unknown);
        tcase_add_test(tc, test_pair_not_for_ciphertext_originals);
        tcase_add_test(tc, test_pair_expires);
        tcase_add_test(tc, test_pair_many_pending);
        tcase_add_test(tc, test_braked_capped_by_damage);
        tcase_add_test(tc, test_own_file_deleted_is_no_original);
        tcase_add_test(tc, test_container_absorbs_originals);
        tcase_add_test(tc, test_unknown_original_pairs_only_beside);
        suite_add_tcase(s, tc);

        tc = tcase_create("rename_note");
        tcase_add_test(tc, test_rename_after_damage);
        tcase_add_test(tc, test_rename_before_damage);
        tcase_add_test(tc, test_rename_event_after_judged_under_new_name);
        tcase_add_test(tc, test_rename_without_damage);
        tcase_add_test(tc, test_note_needs_damage);
        tcase_add_test(tc, test_note_after_damage);
        tcase_add_test(tc, test_note_not_matching);
        suite_add_tcase(s, tc);

        tc = tcase_create("table");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_eviction_bounded);
        tcase_add_test(tc, test_eviction_evidence_last);
        tcase_add_test(tc, test_eviction_keeps_new_root);
        tcase_add_test(tc, test_decider_never_evicts_its_entry);
        tcase_add_test(tc, test_tiny_tables);
        tcase_add_test(tc, test_pid_reuse_resets);
        tcase_add_test(tc, test_root_pid_reuse);
        tcase_add_test(tc, test_expire);
        tcase_add_test(tc, test_expire_many);
        suite_add_tcase(s, tc);

        tc = tcase_create("strings");
        tcase_add_test(tc, test_reasons_str);
        tcase_add_test(tc, test_reason_names);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(score_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
