/* incident — act on a convicted family and write the alert. */
#include "incident.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action.h"
#include "journal.h"
#include "util.h"

#define CMDLINE_BOUND_MS 100

static int on_reaped(sd_event_source *s, const siginfo_t *si, void *userdata) {
        sd_event_source_unref(s);
        return 0;
}

/* A child that was sent SIGKILL: reaped now if it is gone, else by the loop once it is (one
 * stuck in an uninterruptible read must never block the loop in waitpid). */
static void reap_later(sd_event *loop, pid_t c) {
        if (waitpid(c, NULL, WNOHANG) != 0)
                return;
        if (!loop || sd_event_add_child(loop, NULL, c, WEXITED, on_reaped, NULL) < 0)
                log_warning("Failed to watch child %d for reaping: it stays a zombie until it exits", (int)c);
}

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
        reap_later(loop, c);
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
static void act_on(const struct pipeline *p, pid_t root, uint64_t start, struct action_result *ret) {
        struct action_request req = {
                .root = root,
                .root_start = start,
                .with_descendants = true,
                .action = p->cfg->action,
                .signal = p->dopts.signals,
        };
        (void)action_apply(p->policy, &req, ret);
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
        unsigned uid = f.writer_is_root ? (root_read ? root.uid : (unsigned)-1)
                                        : (writer_read ? writer.uid : (unsigned)-1);
        /* A server's per-connection worker heads the family: the alert names its client. */
        char client[80] = "";
        struct proc_info server;
        struct proc_conn conn;
        if (f.root_alive && proc_read_stat(p->procdir, root.ppid, &server) == 0 &&
            policy_serves_a_client(p->policy, &root, &server) && proc_tcp_of(p->procdir, d->pid, false, &conn) == 0 &&
            conn.established > 0) {
                char a[64] = "";
                proc_tcp_addr(&conn.first, a, sizeof(a));
                snprintf(client, sizeof(client), conn.first.v6 && strchr(a, ':') ? "[%s]:%u" : "%s:%u", a,
                         (unsigned)conn.first.rport);
        }

        char cmdline[1024] = "", paths[2048], reasons[512];
        cmdline_bounded(p->loop, p->procdir, e->pid, cmdline, sizeof(cmdline));
        if (!cmdline[0])
                cmdline_bounded(p->loop, p->procdir, d->pid, cmdline, sizeof(cmdline));

        unsigned targets = decide_targets(&f);
        struct action_result res = { 0 };
        if (targets & DECIDE_FAMILY)
                act_on(p, d->pid, d->start_time, &res);
        if (targets & DECIDE_WRITER) {
                struct action_result r2;
                act_on(p, e->pid, e->start_time, &r2);
                if (targets & DECIDE_FAMILY)
                        res.acted += r2.acted;
                else
                        res = r2;
        }
        if (!targets)
                snprintf(res.detail, sizeof(res.detail), "skipped: family root already exited");
        char result[300];
        if (!p->dopts.signals && targets)
                snprintf(result, sizeof(result), "%s: %s", p->dry_run ? "dry-run" : "log-only", res.detail);
        else
                snprintf(result, sizeof(result), "%s", res.detail);
        uint64_t t_act = util_now_ms();

        join_paths(d, paths, sizeof(paths));
        score_reasons_str(d, reasons, sizeof(reasons));
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
                .action = p->dry_run ? "dry-run" : config_action_name(p->cfg->action),
                .result = result,
                .files = d->files_damaged,
                .sample_paths = paths,
                .reasons = reasons,
                .members = res.acted,
                .client_addr = client,
                .ms_first_damage_to_action = d->t_first_damage ? (long long)(t_act - d->t_first_damage) : -1,
        };
        journal_detection(&jd);
}
