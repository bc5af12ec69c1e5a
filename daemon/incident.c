/* incident — act on a convicted family and write the alert. */
#include "incident.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action.h"
#include "children.h"
#include "incidents.h"
#include "vault.h"
#include "client.h"
#include "session.h"
#include "journal.h"
#include "util.h"

#define CMDLINE_BOUND_MS 100

/* /proc/PID/cmdline is read from the target's memory: a hostile process can make that read
 * block (its argv on a FUSE mapping it serves). Read it in a child, wait at most 100 ms. */
static void cmdline_bounded(sd_event *loop, const char *procdir, pid_t pid, char *buf, size_t len) {
        int p[2];
        size_t o = 0;
        buf[0] = '\0';
        if (len < 2 || pipe2(p, O_CLOEXEC) < 0)
                return;
        pid_t c = fork();
        if (c == 0) {
                child_close_fds(p[1]);
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
        uint64_t until = util_now_ms() + CMDLINE_BOUND_MS;
        for (;;) {
                uint64_t t = util_now_ms();
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
        child_reap_later(loop, c);
}

/* The family's damaged paths, one printable line. */
static void join_paths(const struct score_entry *d, char *buf, size_t len) {
        size_t o = 0;
        buf[0] = '\0';
        for (int i = 0; i < SCORE_PATHS && d->paths[i]; i++) {
                if (i)
                        util_escape_append(buf, len, &o, " | ");
                util_escape_append(buf, len, &o, d->paths[i]);
        }
}

/* Act on one target (the root of a subtree). */
static void act_on(const struct pipeline *p, pid_t root, uint64_t start, enum config_action action,
                   struct action_result *ret) {
        struct action_request req = {
                .root = root,
                .root_start = start,
                .with_descendants = true,
                .action = action,
                .signal = p->dopts.signals,
        };
        (void)action_apply(p->policy, &req, ret);
}

/* The writer's own members after the family's (acted on apart when it left the family). */
static void merge_members(struct action_result *a, struct action_result *b) {
        uint32_t n = a->n_members + b->n_members;
        struct history_member *m = n ? realloc(a->members, n * sizeof(*m)) : NULL;
        if (m && b->n_members) {
                memcpy(m + a->n_members, b->members, b->n_members * sizeof(*m));
                a->members = m;
                a->n_members = n;
        } else if (m)
                a->members = m;
        a->more_members += b->more_members;
        free(b->members);
        b->members = NULL;
}

static void format_addr(const struct proc_tcp *t, char *buf, size_t len) {
        char a[64] = "";
        buf[0] = '\0';
        if (t->rport == 0) /* unknown */
                return;
        proc_tcp_addr(t, a, sizeof(a));
        snprintf(buf, len, t->v6 && strchr(a, ':') ? "[%s]:%u" : "%s:%u", a, (unsigned)t->rport);
}

/* A family below a server's worker (a login's programs under an sshd session): the alert names
 * that session's client. */
static void name_session_client(const struct pipeline *p, pid_t pid, struct detection *jd) {
        struct proc_info pi, worker, server;
        struct proc_conn conn;
        if (proc_read_stat(p->procdir, pid, &pi) < 0 || policy_worker_of(p->policy, &pi, &worker, &server, &conn) < 0)
                return;
        format_addr(&conn.first, jd->client_addr, sizeof(jd->client_addr));
        if (strcmp(worker.comm, "sshd") == 0) {
                char title[256];
                struct client_info ci = { 0 };
                cmdline_bounded(p->loop, p->procdir, worker.pid, title, sizeof(title));
                if (client_from_sshd_title(title, &ci) == 0)
                        snprintf(jd->client_user, sizeof(jd->client_user), "%s", ci.user);
        }
}

/* Samba's own smbd (the installed executable, root's, nobody else may write it): only then is
 * smbstatus run, as root, with the server's configuration. */
static bool is_system_smbd(const struct proc_info *server) {
        static const char *const paths[] = { "/usr/sbin/smbd", "/usr/local/samba/sbin/smbd", NULL };
        for (int i = 0; paths[i]; i++) {
                struct stat st;
                if (stat(paths[i], &st) == 0 && st.st_uid == 0 && !(st.st_mode & 022) && st.st_ino == server->exe_ino &&
                    st.st_dev == server->exe_dev)
                        return true;
        }
        return false;
}

/* The family root is a server's per-connection worker: it was stopped at the verdict; naming,
 * blocking and ending its client go on in session.c. */
static void hand_to_session(const struct pipeline *p, const struct score_entry *e, const struct score_entry *d,
                            struct detection *jd, bool quiet) {
        struct proc_info worker, server;
        bool have = proc_read(p->procdir, d->pid, &worker) == 0 && worker.start_time == d->start_time &&
                    proc_read(p->procdir, worker.ppid, &server) == 0;
        struct session_req q = {
                .worker = d->pid,
                .worker_start = d->start_time,
                .server = have ? server.pid : 0,
                .client = e->client,
                .signals = p->dopts.signals,
                .action = p->cfg->action,
                .graceful = have && policy_same_program(&worker, &server),
                .block_by = p->cfg->block_by,
                .block_seconds = p->cfg->block_seconds,
                .term_grace_ms = p->cfg->term_grace_ms,
                .quiet = quiet,
        };
        q.lookup_smb = !quiet && have && e->client.server_root && is_system_smbd(&server);
        q.jd = *jd;
        q.incidents = p->incidents;
        if (session_begin(p->sessions, &q) < 0) {
                struct action_result res;
                log_warning("Failed to follow the client of %s[%d]: out of memory; ending it at once", d->comm, (int)d->pid);
                act_on(p, d->pid, d->start_time, p->dopts.signals ? CONFIG_ACTION_KILL : p->cfg->action, &res);
                if (!quiet) {
                        incidents_record(p->incidents, jd, res.members, res.n_members, res.more_members);
                        journal_detection(jd);
                }
                free(res.members);
        }
}

void incident_run(const struct pipeline *p, struct score_entry *e, struct score_entry *d) {
        /* Re-checked just before acting: each process is still the one we scored (same start
         * time), and a writer that left the family tree is known while the tree is intact. */
        struct proc_info root, writer;
        struct decide_facts f = { .writer_is_root = e == d };
        bool root_read = proc_read_stat(p->procdir, d->pid, &root) == 0;
        f.root_alive = root_read && root.start_time == d->start_time;
        bool writer_read = !f.writer_is_root && proc_read_stat(p->procdir, e->pid, &writer) == 0;
        f.writer_alive = writer_read && writer.start_time == e->start_time;
        f.writer_in_family = f.writer_alive && f.root_alive && proc_is_ancestor(p->procdir, d->pid, e->pid);
        unsigned targets = decide_targets(&f);
        /* A worker whose client is being named or ended already. */
        if (p->sessions && session_pending(p->sessions, d->pid, d->start_time) && !(targets & DECIDE_WRITER))
                return;

        static struct detection jd; /* ~6 KiB, one at a time: the loop is single-threaded */
        memset(&jd, 0, sizeof(jd));
        incidents_new_id(p->incidents, jd.id);
        jd.pid = e->pid;
        jd.uid = f.writer_is_root ? (root_read ? root.uid : (unsigned)-1) : (writer_read ? writer.uid : (unsigned)-1);
        if (e->client.is_worker) /* a worker acts as its client's user (read at its last open) */
                jd.uid = e->client.uid;
        snprintf(jd.comm, sizeof(jd.comm), "%s", e->comm);
        snprintf(jd.exe, sizeof(jd.exe), "%s", e->exe[0] ? e->exe : "?");
        snprintf(jd.cgroup, sizeof(jd.cgroup), "%s", e->cgroup[0] ? e->cgroup : "?");
        cmdline_bounded(p->loop, p->procdir, e->pid, jd.cmdline, sizeof(jd.cmdline));
        if (!jd.cmdline[0])
                cmdline_bounded(p->loop, p->procdir, d->pid, jd.cmdline, sizeof(jd.cmdline));
        if (!jd.cmdline[0])
                snprintf(jd.cmdline, sizeof(jd.cmdline), "?");
        jd.root_pid = d->pid;
        jd.fam = pipeline_family_key(d);
        vault_convicted(p->vault, jd.fam);
        snprintf(jd.root_comm, sizeof(jd.root_comm), "%s", d->comm);
        jd.score = d->score;
        uint32_t client_files = 0;
        uint64_t client_first = 0;
        if (e->client.is_worker)
                policy_client_conn(p->policy, &e->client);
        double client_score = e->client.is_worker ? carry_score(&p->carry, &e->client, util_now_ms(), &client_files, &client_first) : 0;
        if (client_score > jd.score)
                jd.score = client_score;
        snprintf(jd.action, sizeof(jd.action), "%s", p->dry_run ? "dry-run" : config_action_name(p->cfg->action));
        jd.files = d->files_damaged > client_files ? d->files_damaged : client_files;
        join_paths(d, jd.sample_paths, sizeof(jd.sample_paths));
        if (!jd.sample_paths[0] && e->client.is_worker) /* the damage was done by earlier connections */
                snprintf(jd.sample_paths, sizeof(jd.sample_paths), "%s", carry_paths(&p->carry, &e->client));
        score_reasons_str(d, jd.reasons, sizeof(jd.reasons));
        if (client_score > d->score) { /* the client's other connections tipped it */
                size_t n = strlen(jd.reasons);
                snprintf(jd.reasons + n, sizeof(jd.reasons) - n, "%sclient-over-its-connections=%.0f", n ? " " : "",
                         client_score);
        }

        double acct = pipeline_decision_score(p, e, d, util_now_ms());
        if (acct > jd.score) { /* its user's (or cgroup's) other families tipped it */
                char label[80];
                size_t n = strlen(jd.reasons);
                (void)account_key(e->uid, e->cgroup, label, sizeof(label));
                for (char *c = label; *c; c++)
                        if (*c == ' ')
                                *c = '-';
                snprintf(jd.reasons + n, sizeof(jd.reasons) - n, "%saccount-of-%s=%.0f", n ? " " : "", label, acct);
                jd.score = acct;
        }

        /* A server's per-connection worker heads the family: its client is what is stopped. */
        bool worker = f.root_alive && e->client.is_worker && (targets & DECIDE_FAMILY);
        if (worker) {
                policy_client_conn(p->policy, &e->client);
                format_addr(&e->client.conn, jd.client_addr, sizeof(jd.client_addr));
        } else if (f.root_alive)
                name_session_client(p, d->pid, &jd);

        struct action_result res = { 0 };
        if (targets & DECIDE_FAMILY)
                act_on(p, d->pid, d->start_time, worker && p->dopts.signals ? CONFIG_ACTION_SUSPEND : p->cfg->action, &res);
        if (targets & DECIDE_WRITER) {
                struct action_result r2;
                act_on(p, e->pid, e->start_time, p->cfg->action, &r2);
                if (targets & DECIDE_FAMILY) {
                        res.acted += r2.acted;
                        merge_members(&res, &r2);
                } else {
                        free(res.members);
                        res = r2;
                }
        }
        if (!targets)
                snprintf(res.detail, sizeof(res.detail), "skipped: family root already exited");
        if (!p->dopts.signals && targets)
                snprintf(jd.result, sizeof(jd.result), "%s: %s", p->dry_run ? "dry-run" : "log-only", res.detail);
        else
                snprintf(jd.result, sizeof(jd.result), "%s", res.detail);
        jd.members = res.acted;
        uint64_t t_act = util_now_ms();
        uint64_t first = d->t_first_damage;
        if (client_first && (!first || client_first < first))
                first = client_first;
        jd.ms_first_damage_to_action = first ? (long long)(t_act - first) : -1;
        if (worker && p->sessions)
                hand_to_session(p, e, d, &jd, false);
        else {
                incidents_record(p->incidents, &jd, res.members, res.n_members, res.more_members);
                journal_detection(&jd);
        }
        free(res.members);
}

void incident_end_blocked(const struct pipeline *p, const struct score_entry *e, const struct score_entry *d) {
        if (!p->sessions || !p->dopts.signals || session_pending(p->sessions, d->pid, d->start_time))
                return;
        static struct detection jd;
        memset(&jd, 0, sizeof(jd));
        jd.root_pid = d->pid;
        snprintf(jd.root_comm, sizeof(jd.root_comm), "%s", d->comm);
        struct action_result res;
        act_on(p, d->pid, d->start_time, CONFIG_ACTION_SUSPEND, &res); /* nothing more happens from here on */
        free(res.members);
        hand_to_session(p, e, d, &jd, true);
}
