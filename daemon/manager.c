/* manager — the loop and the lifetime of every piece. One event's way through is in
 * pipeline.c; this file starts, reconfigures and stops what the pipeline uses. */
#include "manager.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <sys/random.h>
#include <unistd.h>

#include "blocks.h"
#include "canary.h"
#include "journal.h"
#include "pipeline.h"
#include "procev.h"
#include "prepare.h"
#include "reload.h"
#include "session.h"
#include "sources.h"
#include "util.h"

#define STATUS_INTERVAL_US (5ULL * 1000000ULL)
#define MAX_ANCESTORS 64

struct manager {
        struct manager_opts o;
        struct config *cfg;
        char **roots;          /* the watched roots: a copy the sources point into */
        sd_event *loop;
        sd_event_source *timer;
        struct sources src;
        struct pipeline pipe;
        struct policy policy;
        pid_t ancestors[MAX_ANCESTORS];
        uint64_t ancestor_starts[MAX_ANCESTORS];
        struct policy_exe *allow_exes; /* the allowlist by file identity */
        struct policy_exe *worker_parents; /* server.worker_parents, by identity */
        struct policy_servers servers; /* which servers listen on TCP */
        struct reload *reload;
        struct ancestry *ancestry;     /* fork events (NULL: the proc connector is not available) */
};

static void score_opts_from(const struct config *c, struct score_opts *o) {
        *o = (struct score_opts){
                .w = c->w,
                .window_ms = c->window_ms,
                .half_life_ms = c->half_life_ms,
                .note_min_dirs = c->note_min_dirs,
                .max_processes = c->max_processes,
                .max_bytes = c->max_processes_bytes,
                .family = c->family,
        };
}

static int load_allow(struct manager *m, const struct config *c) {
        struct policy_exe *a;
        size_t n;
        int r = prepare_allowlist(c, &a, &n);
        if (r < 0)
                return r;
        free(m->allow_exes);
        m->allow_exes = a;
        m->policy.allow_exes = a;
        m->policy.n_allow_exes = n;
        if ((r = prepare_worker_parents(c, &a, &n)) < 0)
                return r;
        free(m->worker_parents);
        m->worker_parents = a;
        m->policy.worker_parents = a;
        m->policy.n_worker_parents = n;
        return 0;
}

/* Make c the running configuration of every piece (not of the sources: see apply_reload). */
static void use_config(struct manager *m, struct config *c) {
        struct score_opts so;
        m->cfg = c;
        m->policy.config = c;
        (void)load_allow(m, c);
        pipeline_opts_from(&m->pipe, c, m->src.can_deny);
        score_opts_from(c, &so);
        score_table_set_opts(m->pipe.scores, &so);
        fcache_set_limits(m->pipe.files, c->max_files, c->max_files_bytes);
}

static void status(struct manager *m) {
        sd_notifyf(0, "STATUS=Protecting %zu path(s) via %s; %" PRIu64 " writes judged, %" PRIu64
                      " detection(s), %" PRIu64 " overflow(s)",
                   strv_length(m->cfg->protect), m->src.name ? m->src.name : "nothing", m->pipe.st.written,
                   m->pipe.st.detections, m->pipe.st.overflows);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;
        canary_reap(m->pipe.canary);
        score_expire(m->pipe.scores, util_now_ms());
        status(m);
        (void)sd_event_source_set_time(s, usec + STATUS_INTERVAL_US);
        return 0;
}

static void stop_watching(struct manager *m) {
        sources_stop(&m->src);
        m->pipe.open_file = NULL;
        m->pipe.canary = canary_free(m->pipe.canary);
        m->pipe.dopts.can_deny = false;
}

static int start_watching(struct manager *m) {
        strv_free(m->roots);
        if (!(m->roots = strv_copy(m->cfg->protect)))
                return -ENOMEM;
        /* Decoys first: no permission mark is in place yet, our own writes cannot block. */
        if (m->cfg->canary) {
                int r = canary_new(m->roots, m->cfg->canary_name, &m->pipe.canary);
                if (r < 0)
                        log_warning("Failed to place decoy files: %s, continuing without", strerror(-r));
                else
                        log_info("Placed %u decoy file(s) named %s", canary_count(m->pipe.canary), m->cfg->canary_name);
        }
        int r = sources_start(&m->src, m->loop, m->cfg->source, m->roots, m->o.procdir, pipeline_event, pipeline_calm,
                          &m->pipe);
        if (r < 0) {
                m->pipe.canary = canary_free(m->pipe.canary);
                return r;
        }
        m->pipe.dopts.can_deny = m->src.can_deny;
        m->pipe.open_file = sources_open_protected;
        m->pipe.open_ud = &m->src;
        return 0;
}

/* The block list of server.block_dir: without it clients are still stopped, never blocked. */
static void open_blocks(struct manager *m) {
        char err[1024];
        m->pipe.blocks = blocks_free(m->pipe.blocks);
        int r = blocks_open(m->cfg->block_dir, &m->pipe.blocks, err, sizeof(err));
        if (r < 0)
                log_warning("%s; a convicted server client is stopped but not blocked", err);
        else if (blocks_count(m->pipe.blocks))
                log_notice("%u client block(s) in force from %s", blocks_count(m->pipe.blocks), m->cfg->block_dir);
        if (m->pipe.sessions)
                sessions_set_blocks(m->pipe.sessions, m->pipe.blocks);
}

static bool roots_differ(const struct config *a, const struct config *b) {
        if (a->source != b->source || strv_length(a->protect) != strv_length(b->protect))
                return true;
        for (size_t i = 0; a->protect[i]; i++)
                if (strcmp(a->protect[i], b->protect[i]) != 0)
                        return true;
        return false;
}

static void refuse_reload(const char *err) {
        journal_log(LOG_ERR, RG_MID_RELOAD_FAILED, "Refusing the new configuration, keeping the running one: %s", err);
        (void)sd_notify(0, "READY=1");
}

/* The reader child is done: validate, then switch every piece over, or keep what runs. */
static void apply_reload(void *userdata, const char *text, const char *read_err) {
        struct manager *m = userdata;
        struct config *nc = NULL;
        char err[1024];
        struct prepare_opts po = { .extra_protect = m->o.extra_protect, .source_set = m->o.source_set,
                                   .source = m->o.source };

        if (!text) {
                refuse_reload(read_err);
                return;
        }
        int r = config_parse(text, m->o.config_path, &nc, err, sizeof(err));
        if (r >= 0)
                r = prepare_config(&po, nc, err, sizeof(err));
        if (r < 0) {
                config_free(nc);
                refuse_reload(err);
                return;
        }
        bool roots_changed = roots_differ(nc, m->cfg);
        bool blocks_moved = strcmp(nc->block_dir, m->cfg->block_dir) != 0;
        struct config *old = m->cfg;
        m->pipe.gen++;
        use_config(m, nc);
        if (blocks_moved)
                open_blocks(m);
        if (roots_changed) {
                stop_watching(m);
                r = start_watching(m);
                if (r < 0) {
                        use_config(m, old); /* back to what worked */
                        journal_log(LOG_ERR, RG_MID_RELOAD_FAILED,
                                    "Failed to watch the new protected paths: %s, keeping the running configuration",
                                    strerror(-r));
                        config_free(nc);
                        if (start_watching(m) < 0)
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

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct manager *m = userdata;
        (void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, util_now_usec());
        int r = reload_start(m->loop, m->o.config_path, apply_reload, m, &m->reload);
        if (r == -EBUSY) {
                log_notice("Reload already in progress, ignoring SIGHUP");
                return 0;
        }
        if (r < 0) {
                journal_log(LOG_ERR, RG_MID_RELOAD_FAILED,
                            "Failed to reload: cannot start the reader: %s, keeping the running configuration",
                            strerror(-r));
                (void)sd_notify(0, "READY=1");
        }
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct manager *m = userdata;
        log_info("Received %s, stopping", strsignal((int)si->ssi_signo));
        return sd_event_exit(m->loop, RG_EXIT_OK);
}

/* The daemon's ancestors are never acted on, nor taken for a family: with their start times, so
 * that once one exits a new process under that pid is not protected by mistake. */
static size_t find_ancestors(struct manager *m) {
        size_t n = 0;
        pid_t p = getppid();
        while (p > 1 && n < MAX_ANCESTORS) {
                struct proc_info pi;
                if (proc_read_stat(m->o.procdir, p, &pi) < 0)
                        break;
                m->ancestors[n] = p;
                m->ancestor_starts[n++] = pi.start_time;
                p = pi.ppid;
        }
        return n;
}

static int setup_loop(struct manager *m) {
        sigset_t ss;
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        sigaddset(&ss, SIGCHLD); /* children that cannot be reaped at once are reaped by the loop */
        sigprocmask(SIG_BLOCK, &ss, NULL);

        int r;
        uint64_t t0;
        if ((r = sd_event_default(&m->loop)) < 0 ||
            (r = sd_event_add_signal(m->loop, NULL, SIGTERM, on_exit_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->loop, NULL, SIGINT, on_exit_signal, m)) < 0 ||
            (r = sd_event_add_signal(m->loop, NULL, SIGHUP, on_reload, m)) < 0 ||
            (r = sd_event_set_watchdog(m->loop, true)) < 0)
                return r;
        (void)sd_event_now(m->loop, CLOCK_MONOTONIC, &t0);
        if ((r = sd_event_add_time(m->loop, &m->timer, CLOCK_MONOTONIC, t0 + STATUS_INTERVAL_US, 0, on_timer, m)) < 0)
                return r;
        return sd_event_source_set_enabled(m->timer, SD_EVENT_ON);
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
        struct score_opts so;
        score_opts_from(cfg, &so);
        /* Keyed hashes: names are chosen by whoever writes into the protected paths. */
        uint8_t key[16];
        if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key) ||
            getrandom(&m->pipe.sample_key, sizeof(m->pipe.sample_key), 0) != (ssize_t)sizeof(m->pipe.sample_key)) {
                r = -errno;
                goto fail;
        }
        if ((r = score_table_new(&so, &m->pipe.scores)) < 0 ||
            (r = fcache_new(cfg->max_files, cfg->max_files_bytes, key, &m->pipe.files)) < 0)
                goto fail;
        m->policy = (struct policy){
                .procdir = o->procdir,
                .servers = &m->servers,
                .self = getpid(),
                .protected_pids = m->ancestors,
                .protected_starts = m->ancestor_starts,
                .n_protected = find_ancestors(m),
                .config = cfg,
        };
        m->pipe.policy = &m->policy;
        m->pipe.gen = 1; /* entries made indirectly (a family's root) have gen 0: identified at their first event */
        m->pipe.procdir = o->procdir;
        m->pipe.dry_run = o->dry_run;
        if ((r = load_allow(m, cfg)) < 0 || (r = setup_loop(m)) < 0)
                goto fail;
        pipeline_opts_from(&m->pipe, cfg, false);
        m->pipe.loop = m->loop;
        m->pipe.pidfs = pipeline_pidfs_unique();
        if ((r = sessions_new(m->loop, &m->policy, NULL, &m->pipe.sessions)) < 0)
                goto fail;
        open_blocks(m);
        sessions_settle(m->pipe.sessions);
        m->policy.ticks_per_s = sysconf(_SC_CLK_TCK);
        /* Who really forked whom (only with the real /proc: the events name its pids). */
        if (strcmp(o->procdir, "/proc") == 0 && (m->ancestry = calloc(1, sizeof(*m->ancestry)))) {
                r = procev_new(m->loop, m->ancestry, &m->pipe.procev);
                if (r < 0) {
                        log_info("Fork events (proc connector) unavailable: %s; a family ends where a process starts "
                                 "a session of its own or is handed to init (its user's account still adds up)", strerror(-r));
                        free(m->ancestry);
                        m->ancestry = NULL;
                } else
                        m->policy.ancestry = m->ancestry;
        }
        *ret = m;
        return 0;
fail:
        manager_free(m);
        return r;
}

int manager_run(struct manager *m) {
        int r = start_watching(m);
        if (r < 0) {
                log_error("Failed to watch the protected paths: %s", strerror(-r));
                return RG_EXIT_NOSOURCE;
        }
        char list[1024] = "";
        for (size_t n = 0; m->cfg->protect[n]; n++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", n ? " " : "", m->cfg->protect[n]);
        journal_log(LOG_NOTICE, RG_MID_START, "ransomguard %s started: protecting %s via %s, action %s%s",
                    RG_VERSION, list, m->src.name, config_action_name(m->cfg->action),
                    m->o.dry_run ? " (dry run: deciding and logging only)" : "");
        (void)sd_notify(0, "READY=1");
        status(m);
        r = sd_event_loop(m->loop);
        (void)sd_notify(0, "STOPPING=1");
        m->pipe.sessions = sessions_free(m->pipe.sessions); /* no worker left stopped */
        sources_log_stats(&m->src);
        stop_watching(m);
        journal_log(LOG_NOTICE, RG_MID_STOP, "ransomguard stopped: %" PRIu64 " writes judged, %" PRIu64 " detection(s)",
                    m->pipe.st.written, m->pipe.st.detections);
        return r < 0 ? RG_EXIT_FAILURE : r;
}

struct manager *manager_free(struct manager *m) {
        if (!m)
                return NULL;
        stop_watching(m);
        m->reload = reload_free(m->reload);
        m->pipe.sessions = sessions_free(m->pipe.sessions);
        m->pipe.blocks = blocks_free(m->pipe.blocks);
        procev_free(m->pipe.procev);
        free(m->ancestry);
        sd_event_source_disable_unref(m->timer);
        sd_event_unref(m->loop);
        score_table_free(m->pipe.scores);
        fcache_free(m->pipe.files);
        config_free(m->cfg);
        strv_free(m->roots);
        free(m->allow_exes);
        free(m->worker_parents);
        free(m);
        return NULL;
}
