/* session — naming, blocking and ending a server's client. */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "blocks.h"
#include "children.h"
#include "client.h"
#include "incidents.h"

#define LOOKUP_MAX_BYTES (4u << 20) /* smbstatus of a server with thousands of sessions */

struct pending {
        struct sessions *owner;
        struct pending *next;
        struct session_req req;
        pid_t child;                 /* smbstatus, > 0 while it runs */
        int fd;                      /* its stdout */
        char *out;
        size_t n, cap;
        sd_event_source *io, *timer;
        bool ending;                 /* SIGTERM sent: the timer is the grace period */
        bool noted;                  /* held stopped: noted on disk (blocks_hold_note) */
};

struct sessions {
        sd_event *loop;
        const struct policy *policy;
        struct blocks *blocks;
        struct pending *list;
};

int sessions_new(sd_event *loop, const struct policy *p, struct blocks *b, struct sessions **ret) {
        struct sessions *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *s = (struct sessions){ .loop = loop, .policy = p, .blocks = b };
        *ret = s;
        return 0;
}

void sessions_set_blocks(struct sessions *s, struct blocks *b) {
        s->blocks = b;
}

static void pending_free(struct pending *x) {
        struct pending **pp = &x->owner->list;
        while (*pp && *pp != x)
                pp = &(*pp)->next;
        if (*pp)
                *pp = x->next;
        if (x->noted)
                blocks_hold_done(x->owner->blocks, x->req.worker, x->req.worker_start);
        sd_event_source_disable_unref(x->io);
        sd_event_source_disable_unref(x->timer);
        if (x->fd >= 0)
                close(x->fd);
        if (x->child > 0) {
                (void)kill(x->child, SIGKILL); /* our own child: its pid cannot be reused before we reap it */
                child_reap_later(x->owner->loop, x->child);
        }
        free(x->out);
        free(x);
}

/* The worker is still the process we convicted and has not exited. */
static bool worker_there(const struct pending *x) {
        struct proc_info pi;
        return proc_read_stat(x->owner->policy->procdir, x->req.worker, &pi) == 0 &&
               pi.start_time == x->req.worker_start && pi.state != 'Z' && pi.state != 'X';
}

static void act(struct pending *x, bool term, struct action_result *res) {
        struct action_request r = {
                .root = x->req.worker,
                .root_start = x->req.worker_start,
                .with_descendants = true,
                .action = CONFIG_ACTION_KILL,
                .signal = true,
                .term_root = term,
        };
        (void)action_apply(x->owner->policy, &r, res);
}

static int on_grace(sd_event_source *s, uint64_t usec, void *userdata) {
        struct pending *x = userdata;
        if (worker_there(x)) {
                struct action_result res;
                act(x, false, &res);
                free(res.members);
                log_warning("%s[%d] did not end within %u ms of SIGTERM: %s", x->req.jd.root_comm, (int)x->req.worker,
                            x->req.term_grace_ms, res.detail);
        }
        pending_free(x);
        return 0;
}

/* The client is known (or will not be): block, report, end. */
static void finish(struct pending *x) {
        struct session_req *q = &x->req;
        struct detection *jd = &q->jd;
        struct client_info ci = { .uid = -1 };
        snprintf(ci.addr, sizeof(ci.addr), "%s", jd->client_addr);
        if (x->out && x->n) {
                x->out[x->n] = '\0';
                if (client_from_smbstatus(x->out, q->worker, &ci) < 0)
                        log_debug("smbstatus knows no session of smbd[%d]", (int)q->worker);
        }
        if (ci.uid >= 0)
                q->client.uid = (uid_t)ci.uid; /* the session's user, as Samba knows it */
        if (ci.user[0])
                snprintf(jd->client_user, sizeof(jd->client_user), "%s", ci.user);
        if (ci.host[0])
                snprintf(jd->client_host, sizeof(jd->client_host), "%s", ci.host);
        if (!jd->client_addr[0])
                snprintf(jd->client_addr, sizeof(jd->client_addr), "%s", ci.addr);

        if (q->signals && q->block_seconds && q->block_by && !q->quiet) {
                char user[160];
                if (jd->client_user[0])
                        snprintf(user, sizeof(user), "%s", jd->client_user);
                else
                        snprintf(user, sizeof(user), "%u", (unsigned)q->client.uid); /* --unblock takes a uid */
                int r = blocks_add(x->owner->blocks, &q->client, q->block_by, user, q->block_seconds, jd->blocked,
                                   sizeof(jd->blocked));
                if (r < 0)
                        log_warning("Failed to block the client of %s[%d]: %s", jd->root_comm, (int)q->worker, strerror(-r));
        }
        bool end = q->signals && (q->action == CONFIG_ACTION_KILL || q->quiet); /* a hold always ends */
        struct action_result res = { 0 };
        if (end) {
                act(x, q->graceful, &res);
                snprintf(jd->result, sizeof(jd->result), "%s", res.detail);
                if (res.acted > jd->members)
                        jd->members = res.acted;
        }
        if (!q->quiet) {
                /* The worker at least: it was stopped at the verdict and is left so, or ended. */
                struct history_member w = { .pid = q->worker, .start = q->worker_start,
                                            .state = end ? HISTORY_KILLED : HISTORY_STOPPED };
                snprintf(w.comm, sizeof(w.comm), "%.15s", jd->root_comm);
                if (q->incidents)
                        incidents_record(q->incidents, jd, res.n_members ? res.members : &w,
                                         res.n_members ? res.n_members : 1, res.more_members);
                journal_detection(jd);
        }
        free(res.members);
        if (jd->blocked[0])
                journal_log(LOG_WARNING, RG_MID_BLOCKED,
                            "Client of %s[%d] blocked: %s; its opens of protected files are denied meanwhile. "
                            "Lift with: ransomguardctl unblock %s",
                            jd->root_comm, (int)q->worker, jd->blocked,
                            q->block_by & BLOCK_USER ? (jd->client_user[0] ? jd->client_user : "UID") : "ADDRESS");
        sd_event_source_disable_unref(x->io);
        x->io = NULL;
        if (end && q->graceful && worker_there(x)) {
                uint64_t t;
                x->ending = true;
                (void)sd_event_now(x->owner->loop, CLOCK_MONOTONIC, &t);
                if (sd_event_source_set_time(x->timer, t + (uint64_t)q->term_grace_ms * 1000) >= 0 &&
                    sd_event_source_set_enabled(x->timer, SD_EVENT_ONESHOT) >= 0)
                        return;
        }
        pending_free(x);
}

static int on_lookup_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        struct pending *x = userdata;
        if (x->ending)
                return on_grace(s, usec, userdata);
        if (x->req.quiet) { /* the tarpit's time is up */
                finish(x);
                return 0;
        }
        log_warning("smbstatus did not answer within %d ms: the alert names no SMB user", SESSION_LOOKUP_MS);
        x->n = 0; /* half a JSON text is none */
        finish(x);
        return 0;
}

static int on_lookup_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct pending *x = userdata;
        if (x->n + 65536 + 1 > x->cap && x->cap < LOOKUP_MAX_BYTES + 1) {
                size_t cap = x->cap ? x->cap * 2 : 65536 * 2;
                if (cap > LOOKUP_MAX_BYTES + 1)
                        cap = LOOKUP_MAX_BYTES + 1;
                char *o = realloc(x->out, cap);
                if (o) {
                        x->out = o;
                        x->cap = cap;
                }
        }
        if (x->cap <= x->n + 1) { /* too big, or out of memory: no answer */
                x->n = 0;
                finish(x);
                return 0;
        }
        ssize_t k = read(fd, x->out + x->n, x->cap - x->n - 1);
        if (k > 0) {
                x->n += (size_t)k;
                return 0;
        }
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (k < 0)
                x->n = 0;
        finish(x);
        return 0;
}

/* smbstatus --json -p for the server's own configuration (its -s / --configfile), as a child
 * whose stdout is the returned fd. */
static int spawn_smbstatus(const struct sessions *s, pid_t server, pid_t *ret_pid) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid_t c = fork();
        if (c < 0) {
                int r = -errno;
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (c == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(null, 2) < 0)
                        _exit(126);
                child_close_fds(-1);
                sigset_t all;
                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                /* The server's argv, raw (NUL-separated): its config file is smbstatus' too. */
                char path[PROC_PATH_MAX + 32], buf[8192], conf[4096], *argv[64];
                snprintf(path, sizeof(path), "%s/%d/cmdline", s->policy->procdir, (int)server);
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
                int argc = 0;
                if (n > 0) {
                        buf[n] = '\0';
                        for (char *q = buf; q < buf + n && argc < 63; q += strlen(q) + 1)
                                argv[argc++] = q;
                }
                argv[argc] = NULL;
                char *args[] = { "smbstatus", "--json", "-p", NULL, NULL, NULL };
                struct stat cst;
                /* Root's own configuration only: a file anyone else could have written may
                 * say what smbstatus runs ("panic action"). */
                if (client_smbd_conf(argv, argc, conf, sizeof(conf)) == 0) {
                        if (stat(conf, &cst) < 0 || cst.st_uid != 0 || (cst.st_mode & 022) || !S_ISREG(cst.st_mode))
                                _exit(125);
                        args[3] = "-s";
                        args[4] = conf;
                }
                execv("/usr/bin/smbstatus", args);
                execvp("smbstatus", args);
                _exit(127);
        }
        close(p[1]);
        (void)fcntl(p[0], F_SETFL, O_NONBLOCK);
        *ret_pid = c;
        return p[0];
}

static void settle_one(void *u, pid_t pid, uint64_t start) {
        struct sessions *s = u;
        struct proc_info pi;
        if (proc_read_stat(s->policy->procdir, pid, &pi) < 0 || pi.start_time != start || (pi.state != 'T' && pi.state != 't'))
                return; /* gone, another process, or running again */
        int fd = pidfd_open(pid, 0);
        if (fd < 0)
                return;
        /* Pinned, then checked again: the pidfd is that very process. */
        if (proc_read_stat(s->policy->procdir, pid, &pi) == 0 && pi.start_time == start &&
            pidfd_send_signal(fd, SIGTERM, NULL, 0) == 0) {
                (void)pidfd_send_signal(fd, SIGCONT, NULL, 0);
                log_warning("Ended %s[%d]: a daemon before this one held it stopped and did not stop cleanly",
                            pi.comm, (int)pid);
        }
        close(fd);
}

void sessions_settle(struct sessions *s) {
        blocks_holds_each(s->blocks, settle_one, s);
}

bool session_pending(const struct sessions *s, pid_t worker, uint64_t start) {
        for (const struct pending *x = s ? s->list : NULL; x; x = x->next)
                if (x->req.worker == worker && x->req.worker_start == start)
                        return true;
        return false;
}

int session_begin(struct sessions *s, const struct session_req *req) {
        struct pending *x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        x->owner = s;
        x->req = *req;
        x->fd = -1;
        x->next = s->list;
        s->list = x;
        if (req->signals) { /* stopped by incident.c: a crash must not leave it so */
                blocks_hold_note(s->blocks, req->worker, req->worker_start);
                x->noted = true;
        }
        uint64_t t;
        (void)sd_event_now(s->loop, CLOCK_MONOTONIC, &t);
        /* A blocked client's new connection stays stopped (its client hangs instead of
         * reconnecting at once to delete by path, which needs no open we could deny). */
        unsigned holds = 0;
        for (const struct pending *o = s->list; o; o = o->next)
                holds += o->req.quiet;
        bool hold = req->quiet && holds <= SESSION_HOLDS_MAX; /* beyond: ended at once */
        uint64_t wait_ms = req->quiet ? SESSION_TARPIT_MS : SESSION_LOOKUP_MS;
        int r = sd_event_add_time(s->loop, &x->timer, CLOCK_MONOTONIC, t + wait_ms * 1000ULL, 0, on_lookup_timeout, x);
        if (r >= 0 && hold)
                return 0;
        if (r >= 0 && req->lookup_smb) {
                r = x->fd = spawn_smbstatus(s, req->server, &x->child);
                if (r >= 0)
                        r = sd_event_add_io(s->loop, &x->io, x->fd, EPOLLIN, on_lookup_output, x);
                if (r < 0)
                        log_warning("Failed to run smbstatus: %s; the alert names no SMB user", strerror(-r));
        }
        if (r < 0 || !req->lookup_smb || !x->io) {
                sd_event_source_set_enabled(x->timer, SD_EVENT_OFF);
                finish(x); /* nothing to wait for */
        }
        return 0;
}

struct sessions *sessions_free(struct sessions *s) {
        if (!s)
                return NULL;
        while (s->list) {
                struct pending *x = s->list;
                if (!x->ending) {
                        x->n = 0;
                        finish(x); /* blocks, reports, sends SIGTERM: the worker runs again */
                }
                if (s->list == x)
                        pending_free(x); /* its grace period is not waited for */
        }
        free(s);
        return NULL;
}
