/* pipeline — one event, one way through: identify, before state, sample, judge, score, decide. */
#include "pipeline.h"
#include "procev.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blocks.h"
#include "canary.h"
#include "incident.h"
#include "journal.h"
#include "session.h"
#include "judge.h"
#include "util.h"
#include "incidents.h"
#include "vault.h"

#define TRUST_SEEN_MS 1000      /* a process seen this recently is taken to be the same one */
#define OVERFLOW_LOG_MS 10000   /* at most one overflow message this often */
#define BLOCK_LOG_MS 10000      /* ... and one about a blocked client coming back */
#define INFLIGHT_STALE_MS 1000  /* write-opens counted this long ago without a close-write: a
                                 * program that keeps files open, not a burst: counted afresh */
/* Holds that ran out this often with no damage by the family: it keeps files open (a database)
 * rather than rushing through them; it is not held again while it does no damage. (An attacker
 * who knows it can earn that by waiting: holds slow a naive parallel encryptor down, judging at
 * the first modification is what stops a patient one, issue 12.) */
#define HOLDS_TRUSTED 3

void pipeline_opts_from(struct pipeline *p, const struct config *c, bool can_deny) {
        p->cfg = c;
        p->sopts = (struct sample_opts){
                .block_bytes = c->sample_block_bytes,
                .blocks = c->sample_blocks,
                .random_min_block = c->random_min_block,
                .random_min_bits = c->random_min_bits,
                .random_max_chi2 = c->random_max_chi2,
                .key = p->sample_key,
        };
        p->dopts = (struct decide_opts){
                .threshold = c->threshold,
                .suspicious = c->suspicious,
                .signals = decide_signals(c->action, p->dry_run),
                .brake = c->brake,
                .can_deny = can_deny,
                .rearm_ms = DECIDE_REARM_MS,
        };
        carry_init(&p->carry, c->window_ms, c->half_life_ms);
        account_init(&p->acct, c->account_window_ms, c->account_half_life_ms);
}

/* The damage of e's account (its user's, or for root its cgroup's) now. */
double pipeline_account_damage(const struct pipeline *p, const struct score_entry *e, uint64_t now) {
        return p->cfg->account && e->acct_key ? account_damage(&p->acct, e->acct_key, now, NULL) : 0;
}

/* A family that did damage itself is judged by its account too: what its user's (or cgroup's)
 * families did to files together, under a slower decay. A new session per file or two, or one
 * file a minute, adds up there. Never a family that did no damage: the account neither brakes
 * nor convicts an innocent process of that user (the admin's cp restoring files after an
 * incident). */
double pipeline_decision_score(const struct pipeline *p, struct score_entry *e, const struct score_entry *d,
                               uint64_t now) {
        double s = pipeline_family_score(p, e, d, now), a = pipeline_account_damage(p, e, now);
        bool recent = d->t_score && now - d->t_score <= p->cfg->window_ms;
        if (a <= 0 || !recent || d->damage_w <= 0)
                return s;
        /* plus its own denials (they are the family's, not in the account): braked by what its
         * account holds, a family that keeps trying gets there */
        return a + d->brake_w > s ? a + d->brake_w : s;
}

/* What e did to files since it was last noted is its account's too. */
static void note_account(struct pipeline *p, struct score_entry *e, uint64_t now);
static uint64_t family_id(struct pipeline *p, struct score_entry *e);

double pipeline_family_score(const struct pipeline *p, struct score_entry *e, const struct score_entry *d,
                             uint64_t now) {
        double s = score_current(p->scores, d, now);
        if (!e->client.is_worker || p->carry.n == 0)
                return s;
        policy_client_conn(p->policy, &e->client); /* the client's address: its key */
        double c = carry_score(&p->carry, &e->client, now, NULL, NULL);
        return c > s ? c : s;
}

/* What a worker's family got since it was last noted is its client's too. */
static void note_carry(struct pipeline *p, struct score_entry *e, struct score_entry *d, uint64_t now) {
        if (!e->client.is_worker)
                return;
        double points = score_current(p->scores, d, now) - score_decay(p->scores, d->carry_noted, d->t_carry_noted, now);
        uint32_t files = d->files_damaged > d->files_noted ? d->files_damaged - d->files_noted : 0;
        if (points > 0 || files)
                policy_client_conn(p->policy, &e->client);
        carry_credit(&p->carry, &e->client, points, files, d->paths, SCORE_PATHS, now);
        /* damage_w restarts at 0 when the family's window passed */
        double damage = d->damage_w >= d->damage_noted ? d->damage_w - d->damage_noted : d->damage_w;
        carry_damage_credit(&p->carry, &e->client, damage, now);
        d->damage_noted = d->damage_w;
        d->carry_noted = d->score;
        d->t_carry_noted = d->t_score;
        d->files_noted = d->files_damaged;
}

/* Each point once: from the family's entry (which every member's evidence reaches), as the
 * growth of its damage since it was last noted (damage_w restarts at 0 when the family's
 * window passed, or the entry was reset for a new process under its pid). Into the account of
 * the member that did it. */
static void note_account(struct pipeline *p, struct score_entry *e, uint64_t now) {
        if (!p->cfg->account || !e->acct_key || e->client.is_worker || e->kthread)
                return; /* a server's clients add up in lib/carry */
        struct score_entry *d = score_family_entry(p->scores, e);
        double delta = d->damage_w >= d->acct_noted ? d->damage_w - d->acct_noted : d->damage_w;
        d->acct_noted = d->damage_w;
        if (delta <= 0)
                return;
        char label[80];
        (void)account_key(e->uid, e->cgroup, label, sizeof(label));
        (void)account_credit(&p->acct, e->acct_key, label, delta, family_id(p, e), now);
}

bool pipeline_pidfs_unique(void) {
        int a = pidfd_open(getpid(), 0), b = pidfd_open(getppid(), 0);
        struct stat sa, sb;
        bool unique = a >= 0 && b >= 0 && fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino != sb.st_ino;
        if (a >= 0)
                close(a);
        if (b >= 0)
                close(b);
        return unique;
}

/* The event's pidfd inode, 0 when there is none or it names no single process. */
static uint64_t pidfd_ino(const struct pipeline *p, const struct src_event *ev) {
        struct stat st;
        return p->pidfs && ev->pidfd >= 0 && fstat(ev->pidfd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static struct score_entry *identify(struct pipeline *p, const struct src_event *ev, uint64_t now);

/* A process gone before we read its event (one process per file, each reaped before its
 * close-write or unlink is read; an open the responder allowed before we saw it): the process
 * that forked it stands for it, from the kernel's fork events, where lib/policy finds that safe. */
static struct score_entry *gone_forker(struct pipeline *p, const struct src_event *ev, uint64_t now) {
        static unsigned depth;
        struct proc_info pi;
        if (depth > 4 || policy_gone_forker(p->policy, ev->pid, &pi) < 0)
                return NULL;
        log_debug("pid %d is gone: its event is its forker's, pid %d (%s)", (int)ev->pid, (int)pi.pid, pi.comm);
        struct src_event fev = { .kind = ev->kind, .pid = pi.pid, .pidfd = -1, .fd = -1 };
        depth++;
        struct score_entry *e = identify(p, &fev, now);
        depth--;
        return e;
}

/* The process behind an event, tracked with its family root. NULL when it is gone and was
 * never seen (and no forker of it is known), or when it is one we never judge (ourselves,
 * allowlisted). */
static struct score_entry *identify(struct pipeline *p, const struct src_event *ev, uint64_t now) {
        struct proc_info pi, root;
        pid_t pid = ev->pid;

        if (pid <= 0 || pid == p->policy->self)
                return NULL;
        struct score_entry *e = score_lookup(p->scores, pid);
        bool known = e && e->root_pid && e->gen == p->gen;
        uint64_t ino = pidfd_ino(p, ev);
        /* Hottest path: a process seen within the last second whose pidfd is the same inode is
         * the same process (one fstat). Without that proof a pid recycled within the second
         * could credit the wrong family: /proc is read below. */
        if (known && ino && ino == e->pidfd_ino && now - e->t_last_seen < TRUST_SEEN_MS)
                return e->allowed ? NULL : e;
        /* The writer exited before we read its event: what we learnt while it lived (its
         * permission events, read while it waited) still counts, but /proc may already show
         * another process under that pid, so nothing new is created. */
        if (ev->gone)
                return e && e->root_pid ? (e->allowed ? NULL : e) : gone_forker(p, ev, now);
        /* Hot path: one read of /proc/PID/stat tells a known process. */
        if (proc_read_stat(p->procdir, pid, &pi) < 0) /* exited meanwhile */
                return e && e->root_pid ? (e->allowed ? NULL : e) : gone_forker(p, ev, now);
        if (known && e->start_time == pi.start_time) {
                score_touch(p->scores, e, now);
                if (ino && (ev->pidfd < 0 || pidfd_send_signal(ev->pidfd, 0, NULL, 0) == 0))
                        e->pidfd_ino = ino; /* alive after the read: the pidfd is this process */
                return e->allowed ? NULL : e;
        }
        if (proc_read(p->procdir, pid, &pi) < 0)
                return NULL;
        /* With a pidfd in hand: if it is still alive after /proc was read, what we read was
         * that very process, not a successor with a recycled pid. */
        if (ev->pidfd >= 0 && pidfd_send_signal(ev->pidfd, 0, NULL, 0) < 0)
                return NULL;
        struct block_client client = { 0 };
        procev_drain(p->procev); /* its fork, and its parents', were announced before it could open */
        if (!p->cfg->family || policy_family_root(p->policy, &pi, &root, &client) < 0)
                root = pi;
        if (score_track(p->scores, &pi, &root, now, &e) < 0)
                return NULL;
        e->client = client;
        e->kthread = pi.kthread;
        /* /proc/PID is root's for a process that made itself non-dumpable: the real uid then */
        e->uid = pi.uid;
        if (pi.uid == 0 && proc_ruid(p->procdir, pid, &e->uid) < 0)
                e->uid = 0;
        char label[80];
        e->acct_key = pi.kthread ? 0 : account_key(e->uid, pi.cgroup, label, sizeof(label));
        e->allowed = policy_allowed(p->policy, &pi);
        e->gen = p->gen;
        e->pidfd_ino = ino;
        return e->allowed ? NULL : e;
}

static struct score_entry *identify_checked(struct pipeline *p, const struct src_event *ev, uint64_t now);

bool pipeline_calm(void *userdata) {
        struct pipeline *p = userdata;
        if (!p->dopts.can_deny || (p->blocks && blocks_count(p->blocks)))
                return false;
        return !p->t_alert || util_now_ms() - p->t_alert > p->cfg->window_ms;
}

/* Is an action due on e's family? Then the incident: act and report. */
static void maybe_act(struct pipeline *p, struct score_entry *e, uint64_t now) {
        struct score_entry *d = score_family_entry(p->scores, e);
        /* A kernel thread (knfsd serving NFS clients) can be neither signalled nor braked: its
         * alert is written once, not every DECIDE_REARM_MS while it goes on. */
        if (e->kthread && d->acted)
                return;
        note_carry(p, e, d, now);
        note_account(p, e, now);
        double s = pipeline_decision_score(p, e, d, now);
        if (s >= p->cfg->suspicious)
                p->t_alert = now; /* every open is asked about again (pipeline_calm) */
        if (!decide_due(&p->dopts, s, d->acted, d->t_acted, now))
                return;
        score_acted(p->scores, e, now);
        p->st.detections++;
        incident_run(p, e, d);
        /* The client's connections were summed up to this conviction: once it is stopped (and
         * blocked), its next connection starts from nothing, and is denied while blocked. */
        if (e->client.is_worker && p->dopts.signals)
                carry_forget(&p->carry, &e->client);
}

/* A new file and an unlinked original of one family: did the one replace the other? */
static void judge_pair(struct pipeline *p, struct score_entry *e, const struct score_pair *pair, uint64_t now) {
        const char *reason;
        if (judge_replacement(pair->has_orig ? &pair->orig : NULL, &pair->repl, &reason)) {
                log_debug("%s replaced by pid %d: %s", pair->orig_path, (int)e->pid, reason);
                score_replaced(p->scores, e, pair, now);
        }
}

/* A decoy was written, renamed or deleted: strong evidence at once, then repair it. */
static void decoy_touched(struct pipeline *p, const struct src_event *ev, const char *decoy, uint64_t now) {
        if (canary_is_repairer(p->canary, ev->pid))
                return;
        struct score_entry *e = identify(p, ev, now);
        if (e && ev->pid_guessed) {
                /* A guessed pid never gets the decoy's weight: it could be a bystander. */
                log_warning("Decoy %s renamed or deleted, probably by pid %d (%s); not counted", decoy, (int)ev->pid,
                            e->comm);
                e = NULL;
        }
        if (e) {
                log_warning("Decoy %s touched by pid %d (%s)", decoy, (int)ev->pid, e->comm);
                score_canary(p->scores, e, decoy, now);
                maybe_act(p, e, now);
        }
        canary_repair(p->canary);
}

/* With no before state at all (inotify, or a file that predates us and was never opened while
 * we watched), the extension tells what the file was supposed to be. */
static bool pseudo_before(const char *path, const struct sample *after, struct sample *ret) {
        enum ftype t = judge_type_from_name(path);
        if (t == FTYPE_UNKNOWN)
                return false;
        *ret = (struct sample){ .size = after->size, .type = t };
        return true;
}

/* Is s (known by the file's identity) a state of this very file? An inode number is reused by a
 * new file once the old one is gone (cp -a into a tree where gzip just removed originals): a
 * file born at another time is another file, and the state none of its. */
static int64_t born_ns(int fd) {
        struct statx stx;
        if (fd < 0 || statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &stx) < 0 || !(stx.stx_mask & STATX_BTIME))
                return -1; /* no birth time: states are trusted, as before */
        return (int64_t)stx.stx_btime.tv_sec * 1000000000 + stx.stx_btime.tv_nsec;
}

static bool state_of_this_file(int64_t born, const struct sample *s) {
        return born < 0 || s->btime_ns == 0 || born == s->btime_ns;
}

/* Keep what the file dev:ino holds now as its before state. A file emptied (O_TRUNC and close,
 * truncate(2) by path) keeps the content it had instead: its next content is judged against
 * that, not as a new file's (else truncate, then write ciphertext, is "a new file", and the
 * writer would even own it). Only for the same file under the same name: an inode number
 * reused by a new file under another name starts afresh. */
static void keep_state(struct pipeline *p, const struct stat *st, const char *path, const struct sample *s) {
        const struct sample *known = fcache_get_ino(p->files, st->st_dev, st->st_ino);
        const struct sample *named = path ? fcache_get_path(p->files, path) : NULL;
        /* (The same file by its birth time, whatever its name now: an inode number reused by a
         * new file starts afresh.) */
        if (s->size == 0 && known && known->size > 0 && state_of_this_file(s->btime_ns ? s->btime_ns : -1, known))
                return;
        /* The name was another file's, with content, in what we know: this one was renamed over
         * it a moment ago (the name read now is the newest), or that file is gone and we never
         * read of it (an unlink whose directory was gone by then). The name goes to this one; the
         * other's state is kept aside a while, for the rename that did it, if it comes. */
        if (named && named != known && named->size > 0) {
                unsigned i = p->n_displaced++ % PIPELINE_DISPLACED;
                p->displaced[i].path_h = util_fnv1a_str(path, PATH_MAX);
                p->displaced[i].t_ms = util_now_ms();
                p->displaced[i].owner = fcache_owner_path(p->files, path, NULL);
                p->displaced[i].s = *named;
        }
        (void)fcache_put(p->files, st->st_dev, st->st_ino, path, s);
}

/* The state that had this name before the file renamed there took it (keep_state), when that
 * happened within DISPLACED_MS: the newest such, or NULL. */
#define DISPLACED_MS 10000
static const struct sample *displaced_state(struct pipeline *p, const char *path, uint64_t *ret_owner) {
        uint64_t h = util_fnv1a_str(path, PATH_MAX), now = util_now_ms();
        unsigned n = p->n_displaced < PIPELINE_DISPLACED ? p->n_displaced : PIPELINE_DISPLACED;
        for (unsigned k = 1; k <= n; k++) {
                unsigned i = (p->n_displaced - k) % PIPELINE_DISPLACED;
                if (p->displaced[i].path_h == h && now - p->displaced[i].t_ms <= DISPLACED_MS) {
                        *ret_owner = p->displaced[i].owner;
                        return &p->displaced[i].s;
                }
        }
        return NULL;
}

/* The family an event's process belongs to, as an owner of files (fcache_set_owner). */
enum vault_standing pipeline_vault_standing(void *userdata, uint64_t fam) {
        struct pipeline *p = userdata;
        pid_t pid = (pid_t)(fam & ((1u << 22) - 1));
        uint64_t start = fam >> 22;
        if (!fam)
                return VAULT_QUIET;
        /* Convicted: kept for its restore. */
        struct history *h = p->incidents ? incidents_history(p->incidents) : NULL;
        for (size_t i = 0; h && i < history_count(h); i++)
                if (history_at(h, i)->d.fam == fam)
                        return VAULT_SUSPECT;
        struct score_entry *d = score_lookup(p->scores, pid);
        if (d && d->start_time == start && (d->acted || score_current(p->scores, d, util_now_ms()) > 0))
                return VAULT_SUSPECT;
        struct proc_info pi;
        bool alive = proc_read_stat(p->procdir, pid, &pi) == 0 && pi.start_time == start;
        return alive ? VAULT_QUIET : VAULT_ENDED;
}

uint64_t pipeline_family_key(const struct score_entry *d) {
        /* Exact, never a hash: pid_max is at most 2^22, start times (clock ticks since boot)
         * fit the other 42 bits for 44 years. */
        return d->start_time << 22 | ((uint64_t)d->pid & ((1u << 22) - 1));
}

static uint64_t family_id(struct pipeline *p, struct score_entry *e) {
        return pipeline_family_key(score_family_entry(p->scores, e));
}

/* Did e's family create this file itself? Then what it does to the file destroys nothing of
 * anyone else's: a backup's repository, a build's objects, an archiver's temp files. A server's
 * worker serves one client for hours: what that client copied in is the client's data a
 * window later (then it counts as anyone's). */
static bool own_file(struct pipeline *p, struct score_entry *e, uint64_t owner, uint64_t t_owned, uint64_t now) {
        if (!e || !owner || owner != family_id(p, e))
                return false;
        return !e->client.is_worker || now - t_owned <= p->cfg->window_ms;
}

/* A file we knew nothing of at its first close-write, created within the window: it was opened
 * before its new directory was marked (marks follow a new directory a moment later), and this
 * is its first content, its creator's. */
static bool born_lately(struct pipeline *p, int fd) {
        struct statx stx;
        if (fd < 0 || !p->dopts.can_deny || statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &stx) < 0 || !(stx.stx_mask & STATX_BTIME))
                return false;
        struct timespec rt;
        clock_gettime(CLOCK_REALTIME, &rt);
        int64_t age_ms = ((int64_t)rt.tv_sec - stx.stx_btime.tv_sec) * 1000 +
                         ((int64_t)rt.tv_nsec - stx.stx_btime.tv_nsec) / 1000000;
        return age_ms >= 0 && age_ms <= (int64_t)p->cfg->window_ms;
}

static int on_written(struct pipeline *p, const struct src_event *ev, uint64_t now, bool modified) {
        int fd = ev->fd, own_fd = -1;
        struct sample after, before_copy, pseudo;
        const struct sample *before = NULL;
        const char *reason;

        if (fd < 0) {
                own_fd = fd = open(ev->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
                if (fd < 0)
                        return 0; /* vanished: nothing left to judge */
        }
        struct stat st;
        int r = fstat(fd, &st) < 0 ? -errno : 0;
        /* Elsewhere: only a file we know by identity, moved or linked out to be changed there. */
        if (r == 0 && ev->elsewhere && !fcache_get_ino(p->files, st.st_dev, st.st_ino))
                r = -ENOENT;
        if (r == 0)
                r = sample_fd(fd, &p->sopts, &after);
        int64_t born = r == 0 ? born_ns(fd) : -1;
        if (own_fd >= 0)
                close(own_fd);
        if (r < 0) {
                if (r != -EBADFD && r != -ENOENT)
                        log_debug("Failed to sample %s: %s, ignoring", ev->path, strerror(-r));
                return 0;
        }
        p->st.written++;
        const char *decoy = canary_match(p->canary, ev->path, NULL, &st);
        if (decoy)
                decoy_touched(p, ev, decoy, now);

        const char *path = ev->elsewhere ? NULL : ev->path; /* a name elsewhere is not kept */
        uint64_t owner = 0, t_owned = 0;
        const struct sample *s = fcache_get_ino(p->files, st.st_dev, st.st_ino);
        if (s && !state_of_this_file(born, s))
                s = NULL; /* a reused inode number: the path may still know the file */
        if (s)
                owner = fcache_owner_ino(p->files, st.st_dev, st.st_ino, &t_owned);
        else if (path && (s = fcache_get_path(p->files, path)))
                owner = fcache_owner_path(p->files, path, &t_owned);
        if (s) {
                before_copy = *s;
                before = &before_copy;
        }
        struct score_entry *e = identify_checked(p, ev, now);
        /* Seen empty (created, or emptied) before this writer wrote it: the writer's own file
         * from now on. Its own file rewritten is judged as a new one: no original was lost. */
        bool seen_empty = (before && before->size == 0) || (!before && path && born_lately(p, ev->fd));
        bool own = own_file(p, e, owner, t_owned, now);
        if (own)
                before = NULL;
        bool created = !before || before->size == 0;
        if (!before && !own && path && pseudo_before(path, &after, &pseudo))
                before = &pseudo;
        enum judge_verdict v = judge_change(before, &after, &reason);
        /* While it is written, a state is kept only when it was found damaged: the file is judged
         * against its content at the open until then (a database's pages that turn random and
         * back count once at most, as at the close), and a damaged one not again. */
        if (!modified || v == JUDGE_TURNED_RANDOM || v == JUDGE_TYPE_DESTROYED)
                keep_state(p, &st, path, &after);
        if (seen_empty && e)
                (void)fcache_set_owner(p->files, st.st_dev, st.st_ino, family_id(p, e), now);
        if (v != JUDGE_NONE)
                log_debug("%s by pid %d: %s (%s)%s", ev->path, (int)ev->pid, judge_verdict_name(v), reason,
                          own ? ", its own file" : "");
        /* A new file judged, nothing wrong: its state is its first content, its next opens need
         * not wait for us while all is calm (the source says when it is written again). Never
         * someone's existing file written back unchanged: an attacker would open every file for
         * writing and close it, to write them all unasked later. Not with the vault on: an open
         * not asked about is one whose original is not kept (an O_TRUNC open destroys it with no
         * event before; bench just_copied rows), at a price only a storm of read-backs shows
         * (read_back_fs 0.9x to 15x; README). */
        int ret = !p->vault && !modified && v == JUDGE_NONE && path && after.size > 0 && seen_empty && pipeline_calm(p) ? SRC_IGNORE
                                                                                                          : 0;
        if (!e)
                return ret;
        /* A write-open of someone else's file judged: one less in flight (hold_open). */
        struct score_entry *d = score_family_entry(p->scores, e);
        if (d->inflight && s && before_copy.size > 0 && !own && !modified)
                d->inflight--;
        struct score_pair pair;
        if (score_written(p->scores, e, ev->path, v, &after, created, now, &pair) > 0)
                judge_pair(p, e, &pair, now);
        /* A file this family made (a copy, a note): removed when its originals are restored. */
        if (p->vault && path && created)
                vault_created(p->vault, path, &st, family_id(p, e), now);
        maybe_act(p, e, now);
        return ret && pipeline_calm(p) ? ret : 0;
}

/* A server's worker serving a client that is blocked (blocks.c): its opens are denied. Needs
 * permission events, and is set only where processes are really signalled. */
static bool client_blocked(struct pipeline *p, struct score_entry *e, uint64_t now);

/* Any event of a blocked client's worker ends that connection (renames and unlinks need no
 * open we are asked about). */
static struct score_entry *identify_checked(struct pipeline *p, const struct src_event *ev, uint64_t now) {
        struct score_entry *e = identify(p, ev, now);
        if (e && e->client.is_worker && client_blocked(p, e, now))
                return NULL; /* its evidence no longer matters: it is being ended */
        return e;
}

static bool client_blocked(struct pipeline *p, struct score_entry *e, uint64_t now) {
        if (!e->client.is_worker || !p->blocks || !p->dopts.can_deny || !p->dopts.signals || !blocks_count(p->blocks))
                return false;
        /* An address block needs the worker's address: a read of ~5 ms, once per worker. A
         * blocked client deleting by path (no open we are asked about) would go on meanwhile:
         * the new worker waits stopped for that read, and goes on if it is not blocked. */
        int held = -1;
        if (!e->client.conn_known && (p->cfg->block_by & BLOCK_ADDR) && blocks_any(p->blocks, BLOCK_ADDR)) {
                struct proc_info wi;
                held = pidfd_open(e->client.worker, 0);
                if (held >= 0 && (proc_read_stat(p->procdir, e->client.worker, &wi) < 0 ||
                                  wi.start_time != e->client.worker_start || wi.state == 'T' || wi.state == 't' ||
                                  pidfd_send_signal(held, SIGSTOP, NULL, 0) < 0)) {
                        close(held); /* already stopped (by someone else), or gone: left as it is */
                        held = -1;
                }
        }
        policy_client_conn(p->policy, &e->client);
        const struct block *b = blocks_check(p->blocks, p->cfg->block_by, &e->client);
        if (held >= 0) {
                if (!b)
                        (void)pidfd_send_signal(held, SIGCONT, NULL, 0);
                close(held);
        }
        if (!b)
                return false;
        incident_end_blocked(p, e, score_family_entry(p->scores, e));
        /* One message per connection, at most one every BLOCK_LOG_MS with the count since:
         * ransomware retrying at once must not flood the journal. */
        p->st.block_denied++;
        if (!e->block_logged && now - p->st.t_block_log >= BLOCK_LOG_MS) {
                char addr[64] = "", name[BLOCK_NAME_MAX]; /* the hint names the uid or address, never a client-chosen name */
                block_key_name(&b->key, name, sizeof(name));
                proc_tcp_addr(&e->client.conn, addr, sizeof(addr));
                journal_log(LOG_WARNING, RG_MID_BLOCKED,
                            "Blocked client (%s %s) is back: %s[%d] from %s:%u is denied its opens and its "
                            "session ended (held stopped for %d s first); %" PRIu64 " event(s) of blocked clients so far (ransomguardd --unblock %s lifts the block)",
                            b->key.kind == BLOCK_USER ? "user" : "address", b->label, e->comm, (int)e->pid, addr,
                            (unsigned)e->client.conn.rport, SESSION_TARPIT_MS / 1000, p->st.block_denied, name + 5);
                e->block_logged = true;
                p->st.t_block_log = now;
        }
        return true;
}

/* brake.max_unjudged: a family may have that many write-capable opens of existing files of
 * others in flight (allowed, close-write not yet read); the next one waits until one of them
 * has been judged (and is then refused if that made the family suspicious), at most hold_ms.
 * Without it, N workers that each open a file at once all damage one before the first is
 * judged. Only write-capable opens of files at risk (at_risk) are held. true: hold it now. */
static bool hold_open(struct pipeline *p, const struct src_event *ev, struct score_entry *e, uint64_t now) {
        if (!p->cfg->max_unjudged || !p->dopts.signals)
                return false;
        struct score_entry *d = score_family_entry(p->scores, e);
        if (d->holds_expired >= HOLDS_TRUSTED && d->damage_w == 0)
                return false;
        if (d->inflight && now - d->t_inflight > INFLIGHT_STALE_MS)
                d->inflight = 0;
        bool expired = ev->hold_expired || (ev->held_since_ms && now - ev->held_since_ms >= p->cfg->hold_ms);
        if (d->inflight >= p->cfg->max_unjudged && !expired)
                return true;
        /* Released by its timeout, not by a judgment: the family keeps files open for writing
         * rather than rushing through them. A few of those, with no damage, and it is left be. */
        if (expired && d->holds_expired < UINT8_MAX)
                d->holds_expired++;
        d->inflight++;
        d->t_inflight = now;
        return false;
}

/* Could e destroy something by writing this file? It exists with content (or was emptied), and
 * e's family did not create it. Reads, new files and own files destroy nothing of anyone's. */
static bool at_risk(struct pipeline *p, struct score_entry *e, int fd, const struct stat *st, uint64_t now) {
        if (!p->dopts.can_deny || e->kthread)
                return false;
        const struct sample *known = fcache_get_ino(p->files, st->st_dev, st->st_ino);
        if (st->st_size == 0 && (!known || known->size == 0 || !state_of_this_file(born_ns(fd), known)))
                return false; /* new, and not emptied: nothing to lose */
        uint64_t t_owned, owner = fcache_owner_ino(p->files, st->st_dev, st->st_ino, &t_owned);
        return !own_file(p, e, owner, t_owned, now);
}

/* Is the opener an allowed program (known to us as one)? A process gone before we could read
 * it is not known to be. */
static bool opener_allowed(struct pipeline *p, const struct src_event *ev) {
        struct score_entry *x = ev->pid > 0 ? score_lookup(p->scores, ev->pid) : NULL;
        return x && x->allowed;
}

static int on_open(struct pipeline *p, const struct src_event *ev, uint64_t now) {
        struct stat st;
        if (fstat(ev->fd, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;
        /* Learn the opener while it is alive and blocked in open(): short-lived processes are
         * gone by the time their close-write is read. */
        struct score_entry *e = identify(p, ev, now);
        /* A server's worker acts for whichever user its client logged in as: read at the open,
         * while the worker waits in it, so evidence and blocks go to that user. */
        if (e && e->client.is_worker)
                (void)proc_fsuid(p->procdir, e->pid, &e->client.uid);
        /* Allowed by the source already (the file is brand new and empty): the opener and the
         * file's state are noted, nothing is decided. */
        bool writes = false;
        if (ev->answered)
                goto books;
        if (e && client_blocked(p, e, now))
                return -EPERM;
        /* The brake: a family above "suspicious" may not open protected files until its verdict
         * (it is acted on at the threshold, or its evidence decays). The source has read the
         * name queue first, so the unlinks that complete its pairs are counted. */
        /* Never a kernel thread: knfsd's threads serve every NFS client, a denial would fall on
         * whichever client's request it is handling. */
        if (e && !e->kthread &&
            decide_brake(&p->dopts, pipeline_decision_score(p, e, score_family_entry(p->scores, e), now))) {
                /* A server's client is braked for the damage it did over all its connections: its
                 * new connection's denials weigh as the client's, while all its denials so far
                 * (its summed score beyond its damage) weigh no more than that damage. */
                double floor = 0;
                if (e->client.is_worker && p->carry.n) {
                        double dmg = carry_damage(&p->carry, &e->client, now);
                        double denied = carry_score(&p->carry, &e->client, now, NULL, NULL) - dmg;
                        floor = denied <= dmg ? dmg : 0;
                }
                score_braked(p->scores, e, floor, now);
                p->t_alert = now;
                maybe_act(p, e, now);
                return -EPERM;
        }
        /* Flags from /proc/PID/syscall while the opener waits (a held open was found writing). */
        writes = e && at_risk(p, e, ev->fd, &st, now) &&
                 (ev->held_since_ms || proc_open_mode(p->procdir, ev->pid) != PROC_OPEN_READ);
        if (writes && hold_open(p, ev, e, now))
                return -EAGAIN;
books:;
        const struct sample *known = fcache_get_ino(p->files, st.st_dev, st.st_ino);
        int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        struct sample s;
        if (ev->answered_new) {
                /* Empty when it was answered; what it holds now was written since, by the
                 * opener or another: that is what its close-write is judged for. */
                static const uint8_t none[1];
                sample_buf(none, 0, &p->sopts, &s);
                int64_t born = born_ns(ev->fd);
                s.btime_ns = s.mtime_ns = born > 0 ? born : 0;
                keep_state(p, &st, ev->path, &s);
        } else if (known && known->size == (uint64_t)st.st_size && known->mtime_ns == mt &&
                   state_of_this_file(born_ns(ev->fd), known)) {
                s = *known;
                keep_state(p, &st, ev->path, &s); /* the name may be new */
        } else if (sample_fd(ev->fd, &p->sopts, &s) == 0)
                keep_state(p, &st, ev->path, &s);
        if (e) /* who could have taken its content in (an encrypted archive pairs only with those) */
                (void)fcache_set_reader(p->files, st.st_dev, st.st_ino, family_id(p, e), now);
        /* The vault: what it may destroy is kept now, while it waits in open(); what it only
         * reads is held, in case it unlinks the file or renames another over it next. */
        if (p->vault && !ev->answered_new && ev->path && ev->path[0] && (e || !opener_allowed(p, ev))) {
                uint64_t t_owned, owner = fcache_owner_ino(p->files, st.st_dev, st.st_ino, &t_owned);
                if (writes)
                        vault_keep(p->vault, ev->fd, &st, ev->path, family_id(p, e), now);
                else if (!e || !own_file(p, e, owner, t_owned, now)) /* its own files: nothing of anyone's */
                        /* (a read answered at once may be read after its reader exited: held all the same) */
                        vault_hold(p->vault, ev->fd, &st, ev->path, e ? family_id(p, e) : 0, now);
        }
        /* Judged while it is written too, not only at its close: a program that opens every file
         * first and closes them at the end would otherwise be judged after the damage is done. */
        /* (A file read is not ignore-marked: a reader's next open may be for writing, and an
         * attacker would read every file first to have its write-opens pass unasked, beyond the
         * brake and the hold; seen: 234 of 234 files held open.) */
        return writes ? SRC_WATCH : 0;
}

/* A truncate(2) by path (or another change without an open) of a file held since a read: kept
 * now, as it would have been at a write-capable open. */
void pipeline_pre_change(void *userdata, int fd, pid_t tid) {
        struct pipeline *p = userdata;
        struct stat st;
        pid_t pid = tid;
        if (!p->vault || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return;
        if (proc_tgid(p->procdir, tid, &pid) < 0)
                log_debug("Pre-content event of thread %d: its process is not known (gone?)", (int)tid);
        uint64_t now = util_now_ms();
        struct src_event ev = { .kind = SRC_OPEN, .pid = pid, .pidfd = -1, .fd = fd };
        struct score_entry *e = identify(p, &ev, now);
        uint64_t t_owned, owner = fcache_owner_ino(p->files, st.st_dev, st.st_ino, &t_owned);
        if ((!e && opener_allowed(p, &ev)) || (e && own_file(p, e, owner, t_owned, now))) {
                vault_changed(p->vault, fd, &st); /* allowed, or its own file: nothing of anyone's */
                return;
        }
        char link[64], path[PATH_MAX];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof(path));
        path[n > 0 && (size_t)n < sizeof(path) ? n : 0] = '\0'; /* (too long: not kept by name) */
        vault_pre_change(p->vault, fd, &st, path, e ? family_id(p, e) : 0, now);
}

static void on_deleted(struct pipeline *p, const struct src_event *ev, uint64_t now) {
        struct sample before;
        uint64_t owner = 0, t_owned = 0, reader = 0, t_read = 0;
        const struct sample *s = fcache_get_path(p->files, ev->path);
        if (s) {
                before = *s;
                owner = fcache_owner_path(p->files, ev->path, &t_owned);
                reader = fcache_reader_path(p->files, ev->path, &t_read);
        }
        fcache_unlink(p->files, ev->path);
        struct score_entry *e = ev->is_dir ? NULL : identify_checked(p, ev, now);
        /* (Whoever it was: a deleter gone before its event was read is not known to be allowed.) */
        if (!ev->is_dir && p->vault)
                vault_gone(p->vault, ev->path, false, e ? family_id(p, e) : 0, now);
        if (!e)
                return;
        struct score_pair pair;
        bool own = own_file(p, e, owner, t_owned, now);
        bool taken_in = reader && reader == family_id(p, e) && now - t_read <= p->cfg->window_ms;
        if (score_deleted(p->scores, e, ev->path, s ? &before : NULL, own, taken_in, now, &pair) > 0)
                judge_pair(p, e, &pair, now);
        maybe_act(p, e, now);
}

/* The file a name points to now, after a rename over it or an exchange, is a change of the file
 * that had the name: judged against that file's before state (an atomic save replaces plain
 * with plain; ciphertext renamed over an original destroyed it). What the name points to now is
 * read (p->open_file: never an open that waits for our own answer), or else taken from the
 * state we have of it (its close-write, read before the rename in the usual order). A file
 * renamed in place before it was written, or whose content we do not have, takes the
 * original's state: its content is judged against that when its close-write is read. A
 * family's own file that took someone else's name is that file now, not its own. */
static void judge_name(struct pipeline *p, struct score_entry *e, const char *path, const struct sample *before,
                       uint64_t before_owner, const struct sample *now_s, uint64_t now) {
        struct stat st;
        struct sample read_s;
        int fd = p->open_file ? p->open_file(p->open_ud, path) : -ENOSYS;
        bool have = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && sample_fd(fd, &p->sopts, &read_s) == 0;
        if (fd >= 0)
                close(fd);
        if (have)
                now_s = &read_s;
        else if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                return; /* gone again, or not a file: nothing to judge */
        bool current = now_s && now_s->size == (uint64_t)st.st_size && now_s->size > 0 &&
                       now_s->mtime_ns == (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        struct sample keep = current ? *now_s : *before;
        if (!current)
                keep.btime_ns = 0; /* the original's state carried over to this file */
        (void)fcache_put(p->files, st.st_dev, st.st_ino, path, &keep);
        uint64_t fam = e ? family_id(p, e) : 0;
        if (before_owner != fam)
                fcache_clear_owner_path(p->files, path);
        if (!e || !current || before->size == 0 || before_owner == fam)
                return;
        const char *reason;
        enum judge_verdict v = judge_renamed_over(before, now_s, &reason);
        if (v != JUDGE_TURNED_RANDOM && v != JUDGE_TYPE_DESTROYED)
                return;
        log_debug("%s replaced by pid %d's rename: %s (%s)", path, (int)e->pid, judge_verdict_name(v), reason);
        struct score_pair pair;
        if (score_written(p->scores, e, path, v, now_s, false, now, &pair) > 0)
                judge_pair(p, e, &pair, now);
}

/* The before state known by path, copied (NULL when none), with its owner. */
static const struct sample *state_of(struct pipeline *p, const char *path, struct sample *copy, uint64_t *ret_owner) {
        const struct sample *s = fcache_get_path(p->files, path);
        *ret_owner = s ? fcache_owner_path(p->files, path, NULL) : 0;
        if (!s)
                return NULL;
        *copy = *s;
        return copy;
}

static void on_renamed(struct pipeline *p, const struct src_event *ev, uint64_t now) {
        struct sample over_s, from_s;
        uint64_t over_owner = 0, from_owner = 0;
        const struct sample *over = ev->is_dir ? NULL : state_of(p, ev->path2, &over_s, &over_owner);
        const struct sample *from = ev->is_dir ? NULL : state_of(p, ev->path, &from_s, &from_owner);
        struct stat st;
        /* The new name already maps to the file renamed there (its create or close-write was
         * read after the rename happened): what it replaced is the state displaced then. */
        const struct sample *d;
        if (over && fstatat(AT_FDCWD, ev->path2, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            fcache_get_ino(p->files, st.st_dev, st.st_ino) == fcache_get_path(p->files, ev->path2) &&
            (d = displaced_state(p, ev->path2, &over_owner))) {
                over_s = *d;
                over = &over_s;
        }
        /* RENAME_EXCHANGE: both names still there (reported as two renames, one each way):
         * each name is judged for what it holds now against what it had; the second report
         * finds nothing changed. */
        bool exchange = over && from && fstatat(AT_FDCWD, ev->path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                        S_ISREG(st.st_mode);
        if (!exchange)
                fcache_rename(p->files, ev->path, ev->path2, ev->is_dir);
        struct score_entry *e = ev->is_dir ? NULL : identify_checked(p, ev, now);
        if (!ev->is_dir && p->vault) {
                uint64_t fam = e ? family_id(p, e) : 0;
                /* The file that had the new name, held since a read, has no name left: kept. */
                vault_gone(p->vault, ev->path2, true, fam, now);
                /* The family's renames: at a restore the file moved away is removed once the
                 * original is back under the old name. */
                if (e)
                        vault_renamed(p->vault, ev->path, ev->path2, fam, now);
        }
        /* The rename first: a file damaged under its old name and renamed to a new extension is
         * that evidence; the name's new content judged below is not a rename to credit. */
        if (e)
                score_renamed(p->scores, e, ev->path, ev->path2, now);
        if (over)
                judge_name(p, e, ev->path2, over, over_owner, from, now);
        if (exchange)
                judge_name(p, e, ev->path, from, from_owner, over, now);
        if (e)
                maybe_act(p, e, now);
}

/* A file moved in from outside the protected paths over a protected one: what it holds is
 * judged against what the name had (read now; else it takes the original's state, and its next
 * change is judged against that). */
static void on_created(struct pipeline *p, const struct src_event *ev, uint64_t now) {
        struct sample over_s;
        uint64_t owner;
        const struct sample *over = ev->is_dir || !ev->path ? NULL : state_of(p, ev->path, &over_s, &owner);
        if (!over)
                return;
        struct score_entry *e = identify_checked(p, ev, now);
        struct stat st;
        const struct sample *known = fstatat(AT_FDCWD, ev->path, &st, AT_SYMLINK_NOFOLLOW) == 0
                                             ? fcache_get_ino(p->files, st.st_dev, st.st_ino) : NULL;
        struct sample k;
        if (known)
                k = *known; /* a protected file moved out, changed there, and back: its last state */
        judge_name(p, e, ev->path, over, owner, known ? &k : NULL, now);
        if (e)
                maybe_act(p, e, now);
}

static void on_overflow(struct pipeline *p, const char *what, uint64_t now) {
        p->st.overflows++;
        if (now - p->st.t_overflow_log >= OVERFLOW_LOG_MS) {
                journal_log(LOG_WARNING, RG_MID_OVERFLOW,
                            "Event queue overflowed: %" PRIu64 " overflow(s) so far, some file events were lost (%s)",
                            p->st.overflows, what && what[0] ? what : "file events");
                p->st.t_overflow_log = now;
        }
}

int pipeline_event(void *userdata, const struct src_event *ev) {
        struct pipeline *p = userdata;
        uint64_t now = util_now_ms();

        /* The vault's own files (its directory may lie in a protected tree, for reflinks). */
        if (p->vault && ((ev->path && vault_owns(p->vault, ev->path)) || (ev->path2 && vault_owns(p->vault, ev->path2))))
                return 0;
        /* A decoy renamed or deleted is that and nothing else (its write is judged below). */
        if (ev->kind == SRC_DELETED || ev->kind == SRC_RENAMED) {
                const char *decoy = canary_match(p->canary, ev->path, ev->path2, NULL);
                if (decoy) {
                        canary_forget_inode(p->canary, decoy);
                        decoy_touched(p, ev, decoy, now);
                        return 0;
                }
        }
        switch (ev->kind) {
        case SRC_OPEN:
                return on_open(p, ev, now);
        case SRC_WRITTEN:
                return on_written(p, ev, now, false);
        case SRC_MODIFIED: /* while it is written: judged like its close-write, only sooner */
                (void)on_written(p, ev, now, true);
                break;
        case SRC_DELETED:
                on_deleted(p, ev, now);
                break;
        case SRC_RENAMED:
                on_renamed(p, ev, now);
                break;
        case SRC_CREATED:
                on_created(p, ev, now);
                break;
        case SRC_OVERFLOW:
                on_overflow(p, ev->path, now);
                break;
        }
        return 0;
}
