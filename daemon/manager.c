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
#include <sys/stat.h>
#include <unistd.h>

#include "blocks.h"
#include "canary.h"
#include "commands.h"
#include "control.h"
#include "fan.h"
#include "incidents.h"
#include "journal.h"
#include "pipeline.h"
#include "procev.h"
#include "prepare.h"
#include "reload.h"
#include "session.h"
#include "sources.h"
#include "util.h"
#include "prewrite.h"
#include "vault.h"

#define STATUS_INTERVAL_US (5ULL * 1000000ULL)
#define MAX_ANCESTORS 64
#define RELOAD_WAITERS 16

struct manager {
        struct manager_opts o;
        struct config *cfg;
        char **roots;          /* the watched roots: a copy the sources point into */
        sd_event *loop;
        struct prewrite *prewrite; /* held files' truncates by path, seen before they land */
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
        struct incidents *incidents;
        struct control *control;       /* NULL: no control socket (the log says why) */
        uint64_t t_start_us;           /* CLOCK_REALTIME at start */
        /* ransomguardctl allow/disallow: on top of the file's "allow" until the next start. */
        char **rt_allow, **rt_disallow;
        uint64_t reload_waiters[RELOAD_WAITERS]; /* connections waiting for the reload's outcome */
        unsigned n_reload_waiters;
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

/* Drop every entry of *v naming the file exe (by path or identity); how many went. */
static unsigned strv_remove_file(char **v, const char *exe) {
        unsigned k = 0, gone = 0;
        for (unsigned i = 0; v && v[i]; i++) {
                if (util_same_file(v[i], exe)) {
                        free(v[i]);
                        gone++;
                } else
                        v[k++] = v[i];
        }
        if (v)
                v[k] = NULL;
        return gone;
}

/* ransomguardctl's allow/disallow on top of the file's list. */
static void runtime_allow(struct manager *m, struct config *c) {
        for (char **a = m->rt_allow; a && *a; a++)
                if (!strv_contains(c->allow, *a))
                        (void)strv_push(&c->allow, *a);
        for (char **d = m->rt_disallow; d && *d; d++)
                (void)strv_remove_file(c->allow, *d);
}

/* Make c the running configuration of every piece (not of the sources: see apply_reload). */
static void use_config(struct manager *m, struct config *c) {
        struct score_opts so;
        runtime_allow(m, c);
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
        /* A quiet family's originals go after the detection window: no evidence came. */
        vault_sweep(m->pipe.vault, util_now_ms(), m->cfg->window_ms, pipeline_vault_standing, &m->pipe);
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
        sources_set_premark(&m->src, prewrite_group(m->prewrite));
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

/* Tell every connection waiting on the reload how it went. */
static void reload_outcome(struct manager *m, bool applied, const char *msg) {
        for (unsigned i = 0; i < m->n_reload_waiters; i++) {
                if (!m->control)
                        break;
                if (applied) {
                        cJSON *j = control_ok();
                        if (j && (!cJSON_AddTrueToObject(j, "applied") || !cJSON_AddStringToObject(j, "message", msg))) {
                                cJSON_Delete(j);
                                j = NULL;
                        }
                        control_reply_to(m->control, m->reload_waiters[i], j);
                } else
                        control_fail(m->control, m->reload_waiters[i], CTL_E_REFUSED, "%s", msg);
        }
        m->n_reload_waiters = 0;
}

static void refuse_reload(struct manager *m, const char *err) {
        journal_log(LOG_ERR, RG_MID_RELOAD_FAILED, "Refusing the new configuration, keeping the running one: %s", err);
        reload_outcome(m, false, err);
        (void)sd_notify(0, "READY=1");
}

/* control.group again (the socket itself stays where it was bound). */
static void control_config(struct manager *m, const struct config *old) {
        char err[512];
        if (!m->control)
                return;
        if (old && strcmp(old->control_socket, m->cfg->control_socket) != 0)
                log_notice("control.socket changed to %s: it takes effect at the next start", m->cfg->control_socket);
        if (control_set_group(m->control, m->cfg->control_group, err, sizeof(err)) < 0)
                log_warning("%s", err);
}

/* The reader child is done: validate, then switch every piece over, or keep what runs. */
static void apply_reload(void *userdata, const char *text, const char *read_err) {
        struct manager *m = userdata;
        struct config *nc = NULL;
        char err[1024];
        struct prepare_opts po = { .extra_protect = m->o.extra_protect, .source_set = m->o.source_set,
                                   .source = m->o.source };

        if (!text) {
                refuse_reload(m, read_err);
                return;
        }
        int r = config_parse(text, m->o.config_path, &nc, err, sizeof(err));
        if (r >= 0)
                r = prepare_config(&po, nc, err, sizeof(err));
        if (r < 0) {
                config_free(nc);
                refuse_reload(m, err);
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
                        snprintf(err, sizeof(err), "Failed to watch the new protected paths: %s, keeping the running configuration",
                                 strerror(-r));
                        reload_outcome(m, false, err);
                        (void)sd_notify(0, "READY=1");
                        return;
                }
        }
        if (roots_changed)
                vault_use_filesystems(m->pipe.vault, nc->protect, nc->vault_on_filesystems);
        control_config(m, old);
        config_free(old);
        snprintf(err, sizeof(err), "Configuration reloaded from %s (action %s, threshold %.0f%s)", m->o.config_path,
                 config_action_name(nc->action), nc->threshold, roots_changed ? ", protected paths changed" : "");
        journal_log(LOG_NOTICE, RG_MID_RELOAD, "%s", err);
        reload_outcome(m, true, err);
        (void)sd_notify(0, "READY=1");
        status(m);
}

/* SIGHUP or ransomguardctl reload: the reader child starts; apply_reload finishes. */
static void start_reload(struct manager *m, const char *why) {
        (void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, util_now_usec());
        int r = reload_start(m->loop, m->o.config_path, apply_reload, m, &m->reload);
        if (r == -EBUSY) {
                log_notice("Reload already in progress, ignoring %s", why);
                return;
        }
        if (r < 0) {
                char err[256];
                snprintf(err, sizeof(err), "Failed to reload: cannot start the reader: %s, keeping the running configuration",
                         strerror(-r));
                journal_log(LOG_ERR, RG_MID_RELOAD_FAILED, "%s", err);
                reload_outcome(m, false, err);
                (void)sd_notify(0, "READY=1");
        }
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        start_reload(userdata, "SIGHUP");
        return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct manager *m = userdata;
        log_info("Received %s, stopping", strsignal((int)si->ssi_signo));
        return sd_event_exit(m->loop, RG_EXIT_OK);
}

/* --- ransomguardctl ------------------------------------------------------------------- */

static long rss_kib(void) {
        FILE *f = fopen("/proc/self/status", "re");
        char line[128];
        long v = -1;
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
                        break;
        if (f)
                fclose(f);
        return v;
}

static bool add_num(cJSON *j, const char *k, double v) {
        return cJSON_AddNumberToObject(j, k, v) != NULL;
}

static cJSON *status_json(struct manager *m) {
        cJSON *j = control_ok(), *prot = j ? cJSON_AddArrayToObject(j, "protected") : NULL;
        bool ok = prot && cJSON_AddStringToObject(j, "version", RG_VERSION) && add_num(j, "pid", getpid()) &&
                  add_num(j, "since_us", (double)m->t_start_us) &&
                  cJSON_AddStringToObject(j, "config", m->o.config_path) &&
                  cJSON_AddStringToObject(j, "action", config_action_name(m->cfg->action)) &&
                  cJSON_AddBoolToObject(j, "dry_run", m->o.dry_run) &&
                  cJSON_AddStringToObject(j, "source", m->src.name ? m->src.name : "none") &&
                  add_num(j, "writes_judged", (double)m->pipe.st.written) &&
                  add_num(j, "detections", (double)m->pipe.st.detections) &&
                  add_num(j, "overflows", (double)m->pipe.st.overflows) &&
                  add_num(j, "opens_denied_to_blocked", (double)m->pipe.st.block_denied) &&
                  add_num(j, "rss_kib", (double)rss_kib()) &&
                  add_num(j, "processes_tracked", score_table_size(m->pipe.scores)) &&
                  add_num(j, "files_known", fcache_size(m->pipe.files)) &&
                  add_num(j, "files_known_bytes", (double)fcache_bytes(m->pipe.files)) &&
                  add_num(j, "blocks", m->pipe.blocks ? blocks_count(m->pipe.blocks) : 0) &&
                  add_num(j, "incidents", (double)history_count(incidents_history(m->incidents))) &&
                  cJSON_AddBoolToObject(j, "incidents_on_disk", incidents_on_disk(m->incidents)) &&
                  cJSON_AddStringToObject(j, "control_group", m->cfg->control_group);
        for (char **p = m->cfg->protect; ok && *p; p++)
                ok = cJSON_AddItemToArray(prot, cJSON_CreateString(*p));
        cJSON *allow = ok ? cJSON_AddArrayToObject(j, "allow") : NULL;
        ok = allow != NULL;
        for (char **p = m->cfg->allow; ok && p && *p; p++)
                ok = cJSON_AddItemToArray(allow, cJSON_CreateString(*p));
        if (ok && m->pipe.vault) {
                struct vault_stats vs;
                vault_get_stats(m->pipe.vault, &vs);
                cJSON *v = cJSON_AddObjectToObject(j, "vault");
                ok = v && cJSON_AddStringToObject(v, "dir", vault_dir(m->pipe.vault)) &&
                     add_num(v, "bytes", (double)vault_index_bytes(vault_entries(m->pipe.vault))) &&
                     add_num(v, "budget", (double)vault_budget(m->pipe.vault)) &&
                     add_num(v, "entries", (double)vault_index_count(vault_entries(m->pipe.vault))) &&
                     add_num(v, "kept", (double)vs.kept) && add_num(v, "reflinks", (double)vs.reflinks) &&
                     add_num(v, "rescued", (double)vs.rescued) && add_num(v, "skipped_large", (double)vs.skipped_large) &&
                     add_num(v, "failed", (double)vs.failed) && add_num(v, "evicted", (double)vs.evicted_budget) &&
                     add_num(v, "slowest_copy_us", (double)vs.slowest_copy_us) &&
                     add_num(v, "written_later", (double)vs.deferred) &&
                     add_num(v, "pending_bytes", (double)vs.pending_bytes) &&
                     add_num(v, "fragmented", (double)vs.fragmented);
                const char *dirs[VAULT_MAX_STORES];
                dev_t devs[VAULT_MAX_STORES];
                ino_t inos[VAULT_MAX_STORES];
                size_t nd = vault_dirs(m->pipe.vault, dirs, devs, inos, VAULT_MAX_STORES);
                cJSON *fsd = ok ? cJSON_AddArrayToObject(v, "on_filesystems") : NULL;
                ok = fsd != NULL;
                for (size_t i = 1; ok && i < nd; i++) /* (dirs[0] is vault.dir; "": let go) */
                        ok = !dirs[i][0] || cJSON_AddItemToArray(fsd, cJSON_CreateString(dirs[i]));
                if (ok && m->prewrite) { /* pre-content events on held files */
                        struct prewrite_stats ps;
                        prewrite_get_stats(m->prewrite, &ps);
                        cJSON *w = cJSON_AddObjectToObject(v, "pre_content");
                        ok = w && add_num(w, "watched", (double)ps.watched) && add_num(w, "events", (double)ps.events) &&
                             add_num(w, "reads", (double)ps.reads) && add_num(w, "changes", (double)ps.to_loop) &&
                             add_num(w, "unsupported", (double)ps.unsupported) && add_num(w, "failed", (double)ps.failed);
                }
        }
        if (ok && m->src.fan) {
                struct fan_stats st;
                fan_get_stats(m->src.fan, &st);
                cJSON *f = cJSON_AddObjectToObject(j, "fanotify");
                ok = f && cJSON_AddStringToObject(f, "marks", fan_mark_kind_name(st.mark)) &&
                     add_num(f, "filesystem_marks", st.perm_fs) && add_num(f, "directory_marks", st.perm_dirs) &&
                     cJSON_AddBoolToObject(f, "permission_events", st.perm) &&
                     add_num(f, "events", (double)st.events) && add_num(f, "opens_asked", (double)st.perm_events) &&
                     add_num(f, "answered_at_once", (double)(st.fast_new + st.fast_read + st.fast_other)) &&
                     add_num(f, "answered_by_loop", (double)st.loop_answers) &&
                     add_num(f, "slowest_answer_us", (double)st.slowest_us) &&
                     add_num(f, "denied", (double)st.denied) && add_num(f, "held", (double)st.held) &&
                     cJSON_AddBoolToObject(f, "realtime", st.realtime);
        }
        if (!ok) {
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

/* allow / disallow EXE at run time (until the next start; ransomguardctl --persist writes the
 * file and reloads). Validated as the file's "allow" is: an existing regular file. */
static cJSON *allow_cmd(struct manager *m, const char *exe, bool allow) {
        char msg[1400];
        struct stat st;
        if (allow && (stat(exe, &st) < 0 || !S_ISREG(st.st_mode))) {
                snprintf(msg, sizeof(msg), "allow: %s is not an existing executable file", exe);
                return commands_failure(CTL_E_INVALID, msg);
        }
        if (allow) {
                (void)strv_remove_file(m->rt_disallow, exe);
                if (!strv_contains(m->rt_allow, exe) && strv_push(&m->rt_allow, exe) < 0)
                        return NULL;
        } else {
                bool listed = false;
                for (char **p = m->cfg->allow; p && *p; p++)
                        listed = listed || util_same_file(*p, exe);
                if (!listed) {
                        snprintf(msg, sizeof(msg), "disallow: %s is not in the allowlist", exe);
                        return commands_failure(CTL_E_NOTFOUND, msg);
                }
                (void)strv_remove_file(m->rt_allow, exe);
                if (!strv_contains(m->rt_disallow, exe) && strv_push(&m->rt_disallow, exe) < 0)
                        return NULL;
        }
        m->pipe.gen++; /* cached per-process decisions are made again */
        use_config(m, m->cfg);
        journal_log(LOG_NOTICE, NULL, "%s %s by ransomguardctl (until the next start unless persisted)",
                    allow ? "Allowed" : "No longer allowed:", exe);
        cJSON *j = control_ok();
        if (j && !cJSON_AddStringToObject(j, "config", m->o.config_path)) {
                cJSON_Delete(j);
                j = NULL;
        }
        return j;
}

static void on_control(void *userdata, const struct control_peer *peer, const struct ctl_request *q) {
        struct manager *m = userdata;
        cJSON *j = NULL;
        switch (q->cmd) {
        case CTL_STATUS: j = status_json(m); break;
        case CTL_INCIDENTS: j = commands_incidents(m->incidents, m->o.procdir, q->since_us); break;
        case CTL_INCIDENT: j = commands_incident(m->incidents, m->o.procdir, q->id); break;
        case CTL_RESUME:
        case CTL_KILL:
                j = commands_signal(m->incidents, &m->policy, m->pipe.scores, q->id, q->cmd == CTL_KILL ? SIGKILL : SIGCONT,
                                    q->force);
                break;
        case CTL_ALLOW:
        case CTL_DISALLOW: j = allow_cmd(m, q->arg, q->cmd == CTL_ALLOW); break;
        case CTL_BLOCKS: j = commands_blocks(m->cfg->block_dir); break;
        case CTL_UNBLOCK: j = commands_unblock(m->cfg->block_dir, q->arg); break;
        case CTL_VAULT: j = commands_vault(m->incidents, m->pipe.vault, m->ancestry, q->id); break;
        case CTL_RELOAD:
                if (m->n_reload_waiters == RELOAD_WAITERS) {
                        control_fail(m->control, peer->serial, CTL_E_FAILED, "too many reloads waiting, try again");
                        return;
                }
                m->reload_waiters[m->n_reload_waiters++] = peer->serial;
                if (m->n_reload_waiters == 1 || !m->reload)
                        start_reload(m, "ransomguardctl reload");
                return; /* answered by apply_reload */
        default: break;
        }
        if (!j)
                j = commands_failure(CTL_E_FAILED, "out of memory");
        control_reply_to(m->control, peer->serial, j);
}

static void start_control(struct manager *m) {
        char err[512];
        int r = control_new(m->loop, m->cfg->control_socket, on_control, m, &m->control, err, sizeof(err));
        if (r < 0) {
                log_warning("%s; running without the control socket (ransomguardctl cannot reach this daemon)", err);
                return;
        }
        control_config(m, NULL);
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
        {
                char err[1024];
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                m->t_start_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
                if ((r = incidents_new(cfg->incident_dir, &m->incidents, err, sizeof(err))) < 0)
                        goto fail;
                if (err[0])
                        log_warning("%s; incidents are kept in memory only (resume and kill by id end with the daemon)", err);
                m->pipe.incidents = m->incidents;
                if ((r = vault_new(cfg, &m->pipe.vault, err, sizeof(err))) < 0)
                        goto fail;
                if (err[0])
                        log_warning("%s; running without the vault: originals are not kept", err);
                vault_set_standing(m->pipe.vault, pipeline_vault_standing, &m->pipe);
                if (m->pipe.vault)
                        log_info("Vault %s: originals kept up to %llu MiB, %u s", vault_dir(m->pipe.vault),
                                 (unsigned long long)(vault_budget(m->pipe.vault) >> 20), cfg->vault_keep_seconds);
        }
        m->pipe.gen = 1; /* entries made indirectly (a family's root) have gen 0: identified at their first event */
        m->pipe.procdir = o->procdir;
        m->pipe.dry_run = o->dry_run;
        if ((r = load_allow(m, cfg)) < 0 || (r = setup_loop(m)) < 0)
                goto fail;
        pipeline_opts_from(&m->pipe, cfg, false);
        m->pipe.loop = m->loop;
        m->pipe.pidfs = pipeline_pidfs_unique();
        if (m->pipe.vault) {
                r = prewrite_new(m->loop, o->procdir, pipeline_pre_change, &m->pipe, &m->prewrite);
                if (r < 0)
                        log_info("No pre-content group (%s): a file truncated by path after it was read is not kept "
                                 "in the vault", strerror(-r));
                vault_set_prewrite(m->pipe.vault, m->prewrite);
                sources_set_premark(&m->src, prewrite_group(m->prewrite));
                r = 0;
        }
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
        start_control(m);
        journal_log(LOG_NOTICE, RG_MID_START, "ransomguard %s started: protecting %s via %s, action %s%s",
                    RG_VERSION, list, m->src.name, config_action_name(m->cfg->action),
                    m->o.dry_run ? " (dry run: deciding and logging only)" : "");
        (void)sd_notify(0, "READY=1");
        status(m);
        r = sd_event_loop(m->loop);
        (void)sd_notify(0, "STOPPING=1");
        m->control = control_free(m->control);
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
        m->control = control_free(m->control);
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
        m->incidents = incidents_free(m->incidents);
        vault_set_prewrite(m->pipe.vault, NULL);
        m->prewrite = prewrite_free(m->prewrite); /* (its marks go with its group) */
        m->pipe.vault = vault_free(m->pipe.vault);
        strv_free(m->rt_allow);
        strv_free(m->rt_disallow);
        free(m);
        return NULL;
}
