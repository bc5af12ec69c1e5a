/* manager — the event loop (sd-event) and the pipeline every file event goes through:
 *
 *   source (fan.c / inot.c) → on_event() → sample (lib/sample.c) → judge (lib/judge.c)
 *   → score (lib/score.c) → maybe_act() → action (action.c) → journal (journal.c)
 */
#include "manager.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "canary.h"
#include "fan.h"
#include "fcache.h"
#include "inot.h"
#include "journal.h"
#include "judge.h"
#include "policy.h"
#include "proc.h"
#include "sample.h"
#include "score.h"

#define STATUS_INTERVAL_US (5ULL * 1000000ULL)
#define MAX_ANCESTORS 64

struct manager {
        struct manager_opts o;
        struct config *cfg;
        char **roots;          /* the watched roots: a copy the sources point into */
        sd_event *loop;
        sd_event_source *timer;
        struct fan *fan;
        struct inot *inot;
        const char *source_name;
        struct fcache *files;
        struct score_table *scores;
        struct sample_opts sopts;
        struct policy policy;
        pid_t ancestors[MAX_ANCESTORS];
        uint64_t ancestor_starts[MAX_ANCESTORS];
        size_t n_ancestors;
        struct policy_exe *allow_exes; /* the allowlist by file identity */
        struct canary *canary;
        pid_t canary_child;    /* repairing the decoys: its events are ours */
        bool can_deny;         /* the source answers opens (fanotify permission events) */
        unsigned gen;          /* bumped at each reload: cached per-process decisions are redone */
        pid_t reload_child;
        sd_event_source *reload_src;
        char *reload_buf;
        size_t reload_len, reload_cap;
        uint64_t n_written, n_detections, n_overflows, n_overflows_logged, t_overflow_log;
};

static int load_allow(struct manager *m, const struct config *c);

static const char *const default_roots[] = { "/home", "/root", "/srv", "/var/www", "/opt", NULL };

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int manager_prepare_config(const struct manager_opts *o, struct config *cfg, char *err, size_t errlen) {
        int r;
        for (char **p = o->extra_protect; p && *p; p++)
                if ((r = config_add_protect(cfg, *p, err, errlen)) < 0)
                        return r;
        if (o->source_set)
                cfg->source = o->source;
        if (cfg->protect_is_default) {
                for (char **p = cfg->protect; p && *p; p++)
                        free(*p);
                free(cfg->protect);
                cfg->protect = calloc(1, sizeof(char *));
                if (!cfg->protect)
                        return -ENOMEM;
                for (const char *const *d = default_roots; *d; d++)
                        if (access(*d, F_OK) == 0) {
                                size_t n = 0;
                                while (cfg->protect[n])
                                        n++;
                                char **nv = realloc(cfg->protect, (n + 2) * sizeof(char *));
                                if (!nv)
                                        return -ENOMEM;
                                cfg->protect = nv;
                                nv[n] = strdup(*d);
                                nv[n + 1] = NULL;
                                if (!nv[n])
                                        return -ENOMEM;
                        }
        }
        /* Canonical, existing, de-duplicated roots. */
        size_t k = 0;
        for (size_t i = 0; cfg->protect[i]; i++) {
                char *real = realpath(cfg->protect[i], NULL);
                struct stat st;
                if (!real || stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        log_warning("Protected path %s is not an existing directory, ignoring", cfg->protect[i]);
                        free(real);
                        free(cfg->protect[i]);
                        continue;
                }
                free(cfg->protect[i]);
                bool dup = false;
                for (size_t j = 0; j < k; j++)
                        dup = dup || strcmp(cfg->protect[j], real) == 0;
                if (dup) {
                        free(real);
                        continue;
                }
                cfg->protect[k++] = real;
        }
        cfg->protect[k] = NULL;
        if (k == 0) {
                snprintf(err, errlen, "no protected directory exists (config \"protect\" or --protect)");
                return -ENOENT;
        }
        return 0;
}

static void sample_opts_from(const struct config *c, struct sample_opts *o) {
        *o = (struct sample_opts){
                .block_bytes = c->sample_block_bytes,
                .blocks = c->sample_blocks,
                .random_min_block = c->random_min_block,
                .random_min_bits = c->random_min_bits,
                .random_max_chi2 = c->random_max_chi2,
        };
}

static void score_opts_from(const struct config *c, struct score_opts *o) {
        *o = (struct score_opts){
                .w = c->w,
                .window_ms = c->window_ms,
                .half_life_ms = c->half_life_ms,
                .note_min_dirs = c->note_min_dirs,
                .max_processes = c->max_processes,
                .family = c->family,
        };
}

/* The process behind an event, tracked with its family root. NULL when it is gone and was
 * never seen, or when it is one we never judge (ourselves, allowlisted). */
static struct score_entry *entry_for(struct manager *m, const struct src_event *ev, uint64_t now) {
        struct proc_info pi, root;
        struct score_entry *e = NULL;
        pid_t pid = ev->pid;

        if (pid <= 0 || pid == m->policy.self)
                return NULL;
        /* Hottest path: a process seen within the last second is trusted to be the same one
         * (a pid is not recycled that fast; and an action re-checks the identity anyway). */
        e = score_lookup(m->scores, pid);
        if (e && e->root_pid && e->gen == m->gen && now - e->t_last_seen < 1000)
                return e->allowed ? NULL : e;
        /* The writer exited before we read its event: what we learnt while it lived (its
         * permission events, read while it waited) still counts, but /proc may already show
         * another process under that pid, so nothing new is created. */
        if (ev->gone)
                return e && e->root_pid && !e->allowed ? e : NULL;
        /* Hot path: one read of /proc/PID/stat tells a known process. */
        if (proc_read_stat(m->o.procdir, pid, &pi) < 0)
                return e && e->root_pid && !e->allowed ? e : NULL; /* exited meanwhile */
        if (e && e->start_time == pi.start_time && e->root_pid && e->gen == m->gen) {
                e->t_last_seen = now;
                return e->allowed ? NULL : e;
        }
        if (proc_read(m->o.procdir, pid, &pi) < 0)
                return NULL;
        /* With a pidfd in hand: if it is still alive after /proc was read, what we read was
         * that very process, not a successor with a recycled pid. */
        if (ev->pidfd >= 0 && pidfd_send_signal(ev->pidfd, 0, NULL, 0) < 0)
                return NULL;
        if (!m->cfg->family || policy_family_root(&m->policy, &pi, &root) < 0)
                root = pi;
        if (score_track(m->scores, &pi, &root, now, &e) < 0)
                return NULL;
        e->allowed = policy_allowed(&m->policy, &pi);
        e->gen = m->gen;
        return e->allowed ? NULL : e;
}

static void join_paths(const struct score_entry *d, char *buf, size_t len) {
        size_t o = 0;
        buf[0] = '\0';
        for (int i = 0; i < SCORE_PATHS && d->paths[i] && o < len; i++) {
                o += (size_t)snprintf(buf + o, len - o, "%s", i ? " | " : "");
                /* Paths may hold any byte: keep the journal field one printable line. */
                for (const char *p = d->paths[i]; *p && o + 5 < len; p++) {
                        unsigned char c = (unsigned char)*p;
                        if (c < 0x20 || c == 0x7f)
                                o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
                        else
                                buf[o++] = (char)c;
                }
                buf[o < len ? o : len - 1] = '\0';
        }
}

/* /proc/PID/cmdline is read from the target's memory: a hostile process can make that read
 * block (its argv on a FUSE mapping it serves). Read it in a child, wait at most 100 ms. */
static void cmdline_bounded(const char *procdir, pid_t pid, char *buf, size_t len) {
        int p[2];
        size_t o = 0;
        buf[0] = '\0';
        if (len < 2 || pipe2(p, O_CLOEXEC) < 0)
                return;
        pid_t c = fork();
        if (c == 0) {
                if (p[1] > 3)
                        (void)close_range(3, (unsigned)p[1] - 1, 0);
                (void)close_range((unsigned)p[1] + 1, ~0U, 0);
                char tmp[2048];
                if (proc_cmdline(procdir, pid, tmp, sizeof(tmp)) == 0)
                        (void)!write(p[1], tmp, strlen(tmp));
                _exit(0);
        }
        close(p[1]);
        if (c < 0) {
                close(p[0]);
                return;
        }
        uint64_t until = now_ms() + 100;
        for (;;) {
                uint64_t t = now_ms();
                struct pollfd pf = { .fd = p[0], .events = POLLIN };
                if (t >= until || poll(&pf, 1, (int)(until - t)) <= 0)
                        break;
                ssize_t n = read(p[0], buf + o, len - 1 - o);
                if (n <= 0 || (o += (size_t)n) >= len - 1)
                        break;
        }
        buf[o] = '\0';
        close(p[0]);
        (void)kill(c, SIGKILL); /* done or stuck: either way it goes */
        (void)waitpid(c, NULL, 0);
}

static void maybe_act(struct manager *m, struct score_entry *e, uint64_t now) {
        struct score_entry *d = score_decider(m->scores, e);
        bool acting = !m->o.dry_run && m->cfg->action != CONFIG_ACTION_LOG;
        if (score_current(m->scores, d, now) < m->cfg->threshold)
                return;
        /* Convicted already: with real actions, new evidence (a member that escaped, a
         * suspended family resumed without being allowlisted) is acted on again, at most once a
         * second; a log-only or dry-run alert is not repeated. */
        if (d->acted && (!acting || now - d->t_acted < 1000))
                return;

        /* Re-check just before acting: the root is still the process we scored (same start
         * time), and the verdict still holds at this instant. */
        struct proc_info root;
        bool alive = proc_read(m->o.procdir, d->pid, &root) == 0 && root.start_time == d->start_time;
        d->acted = true;
        d->t_acted = now;
        if (e != d) {
                e->acted = true;
                e->t_acted = now;
        }

        struct action_request req = {
                .root = d->pid,
                .root_start = d->start_time,
                .with_descendants = true,
                .action = m->cfg->action,
                .dry_run = m->o.dry_run,
        };
        char cmdline[1024] = "", paths[2048], reasons[512];
        struct stat st;
        char procpath[64];
        unsigned uid = (unsigned)-1;
        cmdline_bounded(m->o.procdir, e->pid, cmdline, sizeof(cmdline));
        if (!cmdline[0])
                cmdline_bounded(m->o.procdir, d->pid, cmdline, sizeof(cmdline));
        snprintf(procpath, sizeof(procpath), "%s/%d", m->o.procdir, (int)e->pid);
        if (stat(procpath, &st) == 0)
                uid = st.st_uid;

        /* A writer that left the family tree (re-parented) is acted on by itself too: decided
         * before acting, while the tree is intact. */
        struct proc_info epi;
        bool e_outside = alive && e != d && proc_read_stat(m->o.procdir, e->pid, &epi) == 0 &&
                         epi.start_time == e->start_time && !proc_is_ancestor(m->o.procdir, d->pid, e->pid);
        struct action_result res = { 0 };
        if (alive)
                (void)action_apply(&m->policy, &req, &res);
        else if (e != d && proc_read_stat(m->o.procdir, e->pid, &epi) == 0 && epi.start_time == e->start_time) {
                /* The root is gone but this member still writes: it and its children. */
                req.root = e->pid;
                req.root_start = e->start_time;
                (void)action_apply(&m->policy, &req, &res);
        } else
                snprintf(res.detail, sizeof(res.detail), "skipped: family root already exited");
        if (e_outside) {
                struct action_result r2;
                struct action_request q2 = req;
                q2.root = e->pid;
                q2.root_start = e->start_time;
                if (action_apply(&m->policy, &q2, &r2) == 0)
                        res.acted += r2.acted;
        }
        uint64_t t_act = now_ms();
        m->n_detections++;

        join_paths(d, paths, sizeof(paths));
        score_reasons_str(d, reasons, sizeof(reasons));
        const char *act = m->o.dry_run ? "dry-run" : config_action_name(m->cfg->action);
        struct journal_detection jd = {
                .pid = e->pid,
                .comm = e->comm,
                .exe = e->exe[0] ? e->exe : "?",
                .cmdline = cmdline[0] ? cmdline : "?",
                .cgroup = e->cgroup[0] ? e->cgroup : "?",
                .uid = uid,
                .root_pid = d->pid,
                .root_comm = d->comm,
                .score = d->score,
                .action = act,
                .result = res.detail,
                .files = d->files_damaged,
                .sample_paths = paths,
                .reasons = reasons,
                .members = res.acted,
                .ms_first_damage_to_action = d->t_first_damage ? (long long)(t_act - d->t_first_damage) : -1,
        };
        journal_detection(&jd);
}

/* The before state is kept twice: by inode (survives renames that race with the close-write
 * event, whose path is read when we get to it) and by path (what unlinks and renames name). */
static void ino_key(const struct stat *st, char *buf, size_t len) {
        snprintf(buf, len, "\x01%llx:%llx", (unsigned long long)st->st_dev, (unsigned long long)st->st_ino);
}

static void state_put(struct manager *m, const struct stat *st, const char *path, const struct sample *s) {
        char key[64];
        ino_key(st, key, sizeof(key));
        (void)fcache_put(m->files, key, s);
        if (path && path[0])
                (void)fcache_put(m->files, path, s);
}

static bool state_get(struct manager *m, const struct stat *st, const char *path, struct sample *ret) {
        char key[64];
        const struct sample *s = NULL;
        if (st) {
                ino_key(st, key, sizeof(key));
                s = fcache_get(m->files, key);
        }
        if (!s && path && path[0])
                s = fcache_get(m->files, path);
        if (s)
                *ret = *s;
        return s != NULL;
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

/* A decoy was written, renamed or deleted: strong evidence at once, then repair it. */
static void on_canary(struct manager *m, const struct src_event *ev, const char *path, uint64_t now) {
        pid_t child = m->canary_child > 0 ? m->canary_child : -m->canary_child;
        if (child && ev->pid == child)
                return;
        struct score_entry *e = entry_for(m, ev, now);
        if (e && ev->pid_guessed) {
                /* A guessed pid never gets the decoy's weight: it could be a bystander. */
                log_warning("Decoy %s renamed or deleted, probably by pid %d (%s); not counted", path,
                            (int)ev->pid, e->comm);
                e = NULL;
        }
        if (e) {
                log_warning("Decoy %s touched by pid %d (%s)", path, (int)ev->pid, e->comm);
                score_canary(m->scores, e, path, now);
                maybe_act(m, e, now);
        }
        if (m->canary_child > 0 && waitpid(m->canary_child, NULL, WNOHANG) == 0)
                return; /* a repair is running; it rewrites every decoy */
        pid_t c = canary_repair_async(m->canary);
        if (c > 0)
                m->canary_child = c;
}

static void on_written(struct manager *m, const struct src_event *ev, uint64_t now) {
        int fd = ev->fd, own = -1;
        struct sample after, before_copy, pseudo;
        const struct sample *before;
        const char *reason;

        if (fd < 0) {
                own = fd = open(ev->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
                if (fd < 0)
                        return; /* vanished: nothing left to judge */
        }
        struct stat st;
        int r = fstat(fd, &st) < 0 ? -errno : 0;
        if (r == 0 && ev->outside) {
                /* Outside the protected paths (every close-write of the filesystem passes
                 * here): only a file we know by inode, moved out to be changed elsewhere. */
                char key[64];
                ino_key(&st, key, sizeof(key));
                if (!fcache_get(m->files, key))
                        r = -ENOENT;
        }
        if (r == 0)
                r = sample_fd(fd, &m->sopts, &after);
        if (own >= 0)
                close(own);
        if (r == -ENOENT && ev->outside)
                return;
        if (r < 0) {
                if (r != -EBADFD)
                        log_debug("Failed to sample %s: %s, ignoring", ev->path, strerror(-r));
                return;
        }
        m->n_written++;
        if (m->canary && canary_is_inode(m->canary, st.st_dev, st.st_ino) && !canary_is(m->canary, ev->path))
                on_canary(m, ev, ev->path, now); /* renamed before we read the event */
        const char *path = ev->outside ? NULL : ev->path; /* an outside name is not kept */
        before = state_get(m, &st, path, &before_copy) ? &before_copy : NULL;
        bool created = !before || before->size == 0;
        if (!before && path && pseudo_before(path, &after, &pseudo))
                before = &pseudo;
        enum judge_verdict v = judge_change(before, &after, &reason);
        state_put(m, &st, path, &after);
        if (v != JUDGE_NONE)
                log_debug("%s by pid %d: %s (%s)", ev->path, (int)ev->pid, judge_verdict_name(v), reason);

        struct score_entry *e = entry_for(m, ev, now);
        if (!e)
                return;
        score_written(m->scores, e, ev->path, v, reason, &after, created, now);
        maybe_act(m, e, now);
}

static int on_open(struct manager *m, const struct src_event *ev, uint64_t now) {
        struct stat st;
        if (fstat(ev->fd, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;
        /* Learn the opener while it is alive and blocked in open(): short-lived processes are
         * gone by the time their close-write is read. */
        struct score_entry *e = entry_for(m, ev, now);
        if (e && m->cfg->brake && !m->o.dry_run && m->can_deny) {
                struct score_entry *d = score_decider(m->scores, e);
                /* A family with ciphertext-like files waiting for their originals' unlinks:
                 * read those unlinks before answering, so the brake sees the pairs they make
                 * (a fast attacker is several files ahead of the name queue otherwise). */
                if (m->fan && score_pending_replacements(d))
                        fan_sync_names(m->fan);
                /* The brake: a family above "suspicious" may not open protected files until
                 * its verdict (it is killed at the threshold, or its evidence decays). */
                if (score_current(m->scores, d, now) >= m->cfg->suspicious &&
                    m->cfg->action != CONFIG_ACTION_LOG) {
                        score_braked(m->scores, e, now);
                        maybe_act(m, e, now);
                        return -EPERM;
                }
        }
        struct sample s;
        int64_t mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        if (state_get(m, &st, NULL, &s) && s.size == (uint64_t)st.st_size && s.mtime_ns == mt) {
                (void)fcache_put(m->files, ev->path, &s); /* the name may be new (renamed) */
                return 0;
        }
        if (sample_fd(ev->fd, &m->sopts, &s) == 0)
                state_put(m, &st, ev->path, &s);
        return 0;
}

static int on_event(void *userdata, const struct src_event *ev) {
        struct manager *m = userdata;
        uint64_t now = now_ms();
        struct score_entry *e;

        if (m->canary && ev->kind != SRC_OPEN && ev->kind != SRC_CREATED && ev->kind != SRC_OVERFLOW &&
            (canary_is(m->canary, ev->path) || canary_is(m->canary, ev->path2))) {
                if (ev->kind == SRC_DELETED || ev->kind == SRC_RENAMED)
                        canary_forget_inode(m->canary, canary_is(m->canary, ev->path) ? ev->path : ev->path2);
                on_canary(m, ev, canary_is(m->canary, ev->path) ? ev->path : ev->path2, now);
                if (ev->kind != SRC_WRITTEN)
                        return 0;
        }

        switch (ev->kind) {
        case SRC_OPEN:
                return on_open(m, ev, now);
        case SRC_WRITTEN:
                on_written(m, ev, now);
                break;
        case SRC_DELETED: {
                struct sample before;
                bool have = state_get(m, NULL, ev->path, &before);
                fcache_del(m->files, ev->path);
                if (!ev->is_dir && (e = entry_for(m, ev, now))) {
                        score_deleted(m->scores, e, ev->path, have ? &before : NULL, now);
                        maybe_act(m, e, now);
                }
                break;
        }
        case SRC_RENAMED:
                fcache_rename(m->files, ev->path, ev->path2, ev->is_dir);
                if (!ev->is_dir && (e = entry_for(m, ev, now))) {
                        score_renamed(m->scores, e, ev->path, ev->path2, now);
                        maybe_act(m, e, now);
                }
                break;
        case SRC_CREATED:
                break;
        case SRC_OVERFLOW:
                m->n_overflows++;
                /* At most one message per 10 s, with the count. */
                if (now - m->t_overflow_log >= 10000) {
                        journal_log(LOG_WARNING, RG_MID_OVERFLOW,
                                    "Event queue overflowed: %" PRIu64 " overflow(s) so far, some file events were lost",
                                    m->n_overflows);
                        m->t_overflow_log = now;
                }
                break;
        }
        return 0;
}

static void status(struct manager *m) {
        size_t n = 0;
        while (m->cfg->protect[n])
                n++;
        sd_notifyf(0, "STATUS=Protecting %zu path(s) via %s; %" PRIu64 " writes judged, %" PRIu64
                      " detection(s), %" PRIu64 " overflow(s)",
                   n, m->source_name, m->n_written, m->n_detections, m->n_overflows);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;
        if (m->canary_child > 0 && waitpid(m->canary_child, NULL, WNOHANG) == m->canary_child) {
                m->canary_child = -m->canary_child; /* reaped; keep ignoring its late events */
                canary_refresh(m->canary);
        }
        score_expire(m->scores, now_ms());
        status(m);
        (void)sd_event_source_set_time(s, usec + STATUS_INTERVAL_US);
        return 0;
}

static void strv_free(char **v) {
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}

static char **strv_copy(char *const *v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        char **c = calloc(n + 1, sizeof(char *));
        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = strdup(v[i]))) {
                        strv_free(c);
                        return NULL;
                }
        return c;
}

static void stop_sources(struct manager *m) {
        m->fan = fan_free(m->fan);
        m->inot = inot_free(m->inot);
        m->canary = canary_free(m->canary);
        if (m->canary_child > 0) {
                (void)kill(m->canary_child, SIGKILL); /* never wait on a child blocked in open() */
                (void)waitpid(m->canary_child, NULL, 0);
        }
        m->canary_child = 0;
}

static int start_sources(struct manager *m) {
        int r = -ENOSYS;
        strv_free(m->roots);
        m->roots = strv_copy(m->cfg->protect);
        if (!m->roots)
                return -ENOMEM;
        /* Decoys first: no permission mark is in place yet, our own writes cannot block. */
        if (m->cfg->canary) {
                r = canary_new(m->roots, m->cfg->canary_name, &m->canary);
                if (r < 0)
                        log_warning("Failed to place decoy files: %s, continuing without", strerror(-r));
                else
                        log_info("Placed %u decoy file(s) named %s", canary_count(m->canary), m->cfg->canary_name);
        }
        if (m->cfg->source != CONFIG_SOURCE_INOTIFY) {
                struct fan_opts fo = {
                        .roots = m->roots,
                        .perm = true,
                        .handler = on_event,
                        .userdata = m,
                };
                r = fan_new(m->loop, &fo, &m->fan);
                if (r >= 0) {
                        struct fan_stats st;
                        fan_get_stats(m->fan, &st);
                        m->source_name = "fanotify";
                        m->can_deny = st.perm;
                        log_info("Watching with fanotify: %s marks, %u directories with permission marks, pidfds %s, "
                                 "before-state capture %s",
                                 fan_mark_kind_name(st.mark), st.perm_dirs, st.pidfd ? "yes" : "no",
                                 st.perm ? "yes" : "no (no permission events on this kernel)");
                        if (st.unverified)
                                log_notice("%u protected path(s) are read-only to the daemon: the marks were not "
                                           "verified with a probe file (under systemd, add them to ReadWritePaths=)",
                                           st.unverified);
                        if (!st.perm)
                                journal_log(LOG_WARNING, RG_MID_DEGRADED,
                                            "fanotify permission events unavailable: files are judged without their "
                                            "before state, and the brake is off");
                        return 0;
                }
                if (m->cfg->source == CONFIG_SOURCE_FANOTIFY) {
                        m->canary = canary_free(m->canary);
                        return r;
                }
                journal_log(LOG_WARNING, RG_MID_DEGRADED, "Failed to set up fanotify: %s, falling back to inotify",
                            strerror(-r));
        }
        r = inot_new(m->loop, m->roots, m->o.procdir, on_event, m, &m->inot);
        if (r < 0) {
                m->canary = canary_free(m->canary);
                return r;
        }
        m->source_name = "inotify";
        m->can_deny = false;
        log_info("Watching with inotify: writers are attributed through /proc, best effort");
        return 0;
}

static void apply_reload(struct manager *m, const char *text, int read_error) {
        struct config *nc = NULL;
        char err[1024];
        int r;

        if (read_error) {
                snprintf(err, sizeof(err), "Failed to read %s: %s", m->o.config_path, strerror(read_error));
                r = -read_error;
        } else
                r = config_parse(text, m->o.config_path, &nc, err, sizeof(err));
        if (r >= 0)
                r = manager_prepare_config(&m->o, nc, err, sizeof(err));
        if (r < 0) {
                journal_log(LOG_ERR, RG_MID_RELOAD_FAILED, "Refusing the new configuration, keeping the running one: %s",
                            err);
                config_free(nc);
                (void)sd_notify(0, "READY=1");
                return;
        }
        bool roots_changed = nc->source != m->cfg->source;
        size_t i;
        for (i = 0; nc->protect[i] && m->cfg->protect[i]; i++)
                roots_changed = roots_changed || strcmp(nc->protect[i], m->cfg->protect[i]) != 0;
        roots_changed = roots_changed || nc->protect[i] || m->cfg->protect[i];

        struct config *old = m->cfg;
        m->gen++;
        m->cfg = nc;
        m->policy.config = nc;
        (void)load_allow(m, nc);
        sample_opts_from(nc, &m->sopts);
        struct score_opts so;
        score_opts_from(nc, &so);
        score_table_set_opts(m->scores, &so);
        fcache_set_max(m->files, nc->max_files);
        if (roots_changed) {
                stop_sources(m);
                r = start_sources(m);
                if (r < 0) {
                        /* Back to what worked. */
                        m->cfg = old;
                        m->policy.config = old;
                        (void)load_allow(m, old);
                        sample_opts_from(old, &m->sopts);
                        score_opts_from(old, &so);
                        score_table_set_opts(m->scores, &so);
                        journal_log(LOG_ERR, RG_MID_RELOAD_FAILED,
                                    "Failed to watch the new protected paths: %s, keeping the running configuration",
                                    strerror(-r));
                        config_free(nc);
                        if (start_sources(m) < 0)
                                (void)sd_event_exit(m->loop, RG_EXIT_NOSOURCE);
                        (void)sd_notify(0, "READY=1");
                        return;
                }
        }
        config_free(old);
        journal_log(LOG_NOTICE, RG_MID_RELOAD, "Configuration reloaded from %s (action %s, threshold %.0f%s)",
                    m->o.config_path, config_action_name(nc->action), nc->threshold,
                    roots_changed ? ", protected paths changed" : "");
        (void)sd_notify(0, "READY=1");
        status(m);
}

/* The configuration is read by a child process: if it lies in a directory we guard with
 * permission events, our own open() would wait for an answer only we can give. The child's
 * open is answered by the loop like anyone else's. Layout on the pipe: int errno, then text. */
static int on_reload_data(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        for (;;) {
                if (m->reload_len == m->reload_cap) {
                        size_t cap = m->reload_cap ? m->reload_cap * 2 : 8192;
                        char *b = cap <= (2u << 20) ? realloc(m->reload_buf, cap + 1) : NULL;
                        if (!b)
                                goto done;
                        m->reload_buf = b;
                        m->reload_cap = cap;
                }
                ssize_t n = read(fd, m->reload_buf + m->reload_len, m->reload_cap - m->reload_len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n <= 0)
                        break;
                m->reload_len += (size_t)n;
        }
done:;
        int read_error = EIO;
        if (m->reload_len >= sizeof(int)) {
                memcpy(&read_error, m->reload_buf, sizeof(int));
                m->reload_buf[m->reload_len] = '\0';
                if (!read_error && strlen(m->reload_buf + sizeof(int)) != m->reload_len - sizeof(int))
                        read_error = EINVAL; /* NUL byte inside */
        }
        (void)waitpid(m->reload_child, NULL, 0);
        m->reload_child = 0;
        m->reload_src = sd_event_source_disable_unref(m->reload_src);
        close(fd);
        apply_reload(m, read_error ? NULL : m->reload_buf + sizeof(int), read_error);
        free(m->reload_buf);
        m->reload_buf = NULL;
        m->reload_len = m->reload_cap = 0;
        return 0;
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct manager *m = userdata;
        int p[2];

        if (m->reload_child) {
                log_notice("Reload already in progress, ignoring SIGHUP");
                return 0;
        }
        (void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, now_ms() * 1000);
        if (pipe2(p, O_CLOEXEC) < 0) {
                journal_log(LOG_ERR, RG_MID_RELOAD_FAILED, "Failed to reload: pipe: %m, keeping the running configuration");
                (void)sd_notify(0, "READY=1");
                return 0;
        }
        pid_t pid = fork();
        if (pid == 0) {
                /* Keep only the pipe: see canary_repair_async() for why. */
                if (p[1] > 3)
                        (void)close_range(3, (unsigned)p[1] - 1, 0);
                (void)close_range((unsigned)p[1] + 1, ~0U, 0);
                int fd = open(m->o.config_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                int e = fd < 0 ? errno : 0;
                struct stat cst;
                if (fd >= 0 && (fstat(fd, &cst) < 0 || !S_ISREG(cst.st_mode))) {
                        e = EINVAL; /* a FIFO or device would block or never end */
                        close(fd);
                        fd = -1;
                }
                static char buf[1 << 20];
                ssize_t n = 0;
                if (fd >= 0) {
                        size_t got = 0;
                        while (got < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - got)) > 0)
                                got += (size_t)n;
                        if (n < 0)
                                e = errno;
                        else if (got == sizeof(buf))
                                e = EFBIG;
                        n = (ssize_t)got;
                }
                (void)!write(p[1], &e, sizeof(e));
                for (ssize_t off = 0; !e && off < n;) {
                        ssize_t w = write(p[1], buf + off, (size_t)(n - off));
                        if (w <= 0)
                                break;
                        off += w;
                }
                _exit(0);
        }
        close(p[1]);
        if (pid < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) < 0 ||
            sd_event_add_io(m->loop, &m->reload_src, p[0], EPOLLIN, on_reload_data, m) < 0) {
                close(p[0]);
                if (pid > 0)
                        (void)waitpid(pid, NULL, 0);
                journal_log(LOG_ERR, RG_MID_RELOAD_FAILED, "Failed to reload: cannot start the reader, keeping the running configuration");
                (void)sd_notify(0, "READY=1");
                return 0;
        }
        m->reload_child = pid;
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct manager *m = userdata;
        log_info("Received %s, stopping", strsignal((int)si->ssi_signo));
        return sd_event_exit(m->loop, RG_EXIT_OK);
}

static void find_ancestors(struct manager *m) {
        pid_t p = getppid();
        m->n_ancestors = 0;
        while (p > 1 && m->n_ancestors < MAX_ANCESTORS) {
                struct proc_info pi;
                if (proc_read_stat(m->o.procdir, p, &pi) < 0)
                        break;
                /* With its start time: once it exits, a new process under that pid is not
                 * protected by mistake. */
                m->ancestors[m->n_ancestors] = p;
                m->ancestor_starts[m->n_ancestors++] = pi.start_time;
                p = pi.ppid;
        }
}

/* The allowlist by identity: a path string in /proc/PID/exe can be faked from another mount
 * namespace, the file's device and inode cannot. A listed path that does not exist allows
 * nothing (and is reported). */
static int load_allow(struct manager *m, const struct config *c) {
        size_t n = 0, k = 0;
        while (c->allow && c->allow[n])
                n++;
        struct policy_exe *a = calloc(n + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct stat st;
                if (stat(c->allow[i], &st) < 0 || !S_ISREG(st.st_mode)) {
                        log_warning("allow: %s is not an existing executable file, ignoring", c->allow[i]);
                        continue;
                }
                a[k++] = (struct policy_exe){ .dev = st.st_dev, .ino = st.st_ino };
        }
        free(m->allow_exes);
        m->allow_exes = a;
        m->policy.allow_exes = a;
        m->policy.n_allow_exes = k;
        return 0;
}

int manager_new(const struct manager_opts *o, struct config *cfg, struct manager **ret) {
        struct manager *m = calloc(1, sizeof(*m));
        int r;
        if (!m) {
                config_free(cfg);
                return -ENOMEM;
        }
        m->o = *o;
        m->cfg = cfg;
        sample_opts_from(cfg, &m->sopts);
        struct score_opts so;
        score_opts_from(cfg, &so);
        if ((r = score_table_new(&so, &m->scores)) < 0 || (r = fcache_new(cfg->max_files, &m->files)) < 0)
                goto fail;
        find_ancestors(m);
        m->policy = (struct policy){
                .procdir = o->procdir,
                .self = getpid(),
                .protected_pids = m->ancestors,
                .protected_starts = m->ancestor_starts,
                .n_protected = m->n_ancestors,
                .config = cfg,
        };
        if ((r = load_allow(m, cfg)) < 0)
                goto fail;

        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        sigprocmask(SIG_BLOCK, &ss, NULL);

        if ((r = sd_event_default(&m->loop)) < 0 ||
            (r = sd_event_add_signal(m->loop, NULL, SIGTERM, on_exit_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->loop, NULL, SIGINT, on_exit_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->loop, NULL, SIGHUP, on_reload, m)) < 0 ||
            (r = sd_event_set_watchdog(m->loop, true)) < 0)
                goto fail;
        uint64_t t0;
        (void)sd_event_now(m->loop, CLOCK_MONOTONIC, &t0);
        if ((r = sd_event_add_time(m->loop, &m->timer, CLOCK_MONOTONIC, t0 + STATUS_INTERVAL_US, 0, on_timer, m)) < 0)
                goto fail;
        (void)sd_event_source_set_enabled(m->timer, SD_EVENT_ON);
        *ret = m;
        return 0;
fail:
        manager_free(m);
        return r;
}

int manager_run(struct manager *m) {
        int r = start_sources(m);
        if (r < 0) {
                log_error("Failed to watch the protected paths: %s", strerror(-r));
                return RG_EXIT_NOSOURCE;
        }
        size_t n = 0;
        char list[1024] = "";
        for (; m->cfg->protect[n]; n++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", n ? " " : "", m->cfg->protect[n]);
        journal_log(LOG_NOTICE, RG_MID_START, "ransomguard %s started: protecting %s via %s, action %s%s",
                    RG_VERSION, list, m->source_name, config_action_name(m->cfg->action),
                    m->o.dry_run ? " (dry run: deciding and logging only)" : "");
        (void)sd_notify(0, "READY=1");
        status(m);
        r = sd_event_loop(m->loop);
        (void)sd_notify(0, "STOPPING=1");
        stop_sources(m);
        journal_log(LOG_NOTICE, RG_MID_STOP, "ransomguard stopped: %" PRIu64 " writes judged, %" PRIu64 " detection(s)",
                    m->n_written, m->n_detections);
        return r < 0 ? RG_EXIT_FAILURE : r;
}

struct manager *manager_free(struct manager *m) {
        if (!m)
                return NULL;
        stop_sources(m);
        sd_event_source_disable_unref(m->timer);
        sd_event_source_disable_unref(m->reload_src);
        if (m->reload_child > 0) {
                (void)kill(m->reload_child, SIGKILL);
                (void)waitpid(m->reload_child, NULL, 0);
        }
        free(m->reload_buf);
        sd_event_unref(m->loop);
        score_table_free(m->scores);
        fcache_free(m->files);
        config_free(m->cfg);
        strv_free(m->roots);
        free(m->allow_exes);
        free(m);
        return NULL;
}
