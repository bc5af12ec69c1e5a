/* journal — sd_journal_send with our fields, mirrored to stderr. */
#include "journal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "util.h"

static bool use_stderr = true;
static int level = LOG_INFO;

void journal_setup(bool stderr_on, int max_level) {
        use_stderr = stderr_on;
        level = max_level;
}

static const char *prio_name(int p) {
        static const char *const n[] = { "emerg", "alert", "crit", "error", "warning", "notice", "info", "debug" };
        return p >= 0 && p <= 7 ? n[p] : "?";
}

static void to_stderr(int priority, const char *msg) {
        if (!use_stderr)
                return;
        /* Under systemd stderr goes to the journal already: the unit turns this off. */
        fprintf(stderr, "ransomguard[%s]: %s\n", prio_name(priority), msg);
}

void journal_log(int priority, const char *mid, const char *fmt, ...) {
        if (priority > level)
                return;
        char raw[2048], msg[2048];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        /* Names and comms hold any byte: every message stays one printable line. */
        util_escape(msg, sizeof(msg), raw);
        to_stderr(priority, msg);
        if (mid)
                sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", priority, "MESSAGE_ID=%s", mid,
                                "SYSLOG_IDENTIFIER=ransomguard", NULL);
        else
                sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", priority, "SYSLOG_IDENTIFIER=ransomguard", NULL);
}

static const char *or_dash(const char *s) {
        return s[0] ? s : "-";
}

void journal_detection(const struct detection *d) {
        char msg[1400], comm[128], rcomm[128], exe[1024], cg[1024], who[700] = "";
        if (d->client_addr[0] || d->client_user[0]) {
                char u[260], h[260];
                snprintf(who, sizeof(who), " for client %s%s%s%s%s", util_escape(u, sizeof(u), or_dash(d->client_user)),
                         d->client_host[0] ? " on " : "", util_escape(h, sizeof(h), d->client_host),
                         d->client_addr[0] ? " at " : "", d->client_addr);
        }
        snprintf(msg, sizeof(msg),
                 "Ransomware behaviour by %s[%d] (family %s[%d])%s: score %.0f, %u files damaged, action %s: %s%s%s%s%s",
                 util_escape(comm, sizeof(comm), d->comm), d->pid, util_escape(rcomm, sizeof(rcomm), d->root_comm),
                 d->root_pid, who, d->score, d->files, d->action, d->result, d->blocked[0] ? "; " : "", d->blocked,
                 d->id[0] ? "; incident " : "", d->id);
        to_stderr(LOG_ALERT, msg);
        if (use_stderr) {
                char u[260], h[260];
                fprintf(stderr, "ransomguard[alert]:   exe=%s cmdline=%s uid=%u cgroup=%s members=%u client=%s user=%s host=%s ms_to_action=%lld reasons=%s\n"
                                "ransomguard[alert]:   files: %s\n",
                        util_escape(exe, sizeof(exe), d->exe), d->cmdline, d->uid,
                        util_escape(cg, sizeof(cg), d->cgroup), d->members, or_dash(d->client_addr),
                        util_escape(u, sizeof(u), or_dash(d->client_user)), util_escape(h, sizeof(h), or_dash(d->client_host)),
                        d->ms_first_damage_to_action, d->reasons, d->sample_paths);
        }
        sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", LOG_ALERT, "MESSAGE_ID=%s", RG_MID_DETECTION,
                        "SYSLOG_IDENTIFIER=ransomguard", "RG_INCIDENT=%s", or_dash(d->id), "RG_PID=%d", d->pid, "RG_COMM=%s", d->comm,
                        "RG_EXE=%s", d->exe, "RG_CMDLINE=%s", d->cmdline, "RG_UID=%u", d->uid,
                        "RG_CGROUP=%s", d->cgroup, "RG_ROOT_PID=%d", d->root_pid, "RG_ROOT_COMM=%s", d->root_comm,
                        "RG_SCORE=%.1f", d->score, "RG_ACTION=%s", d->action, "RG_ACTION_RESULT=%s", d->result,
                        "RG_FILES=%u", d->files, "RG_SAMPLE_PATHS=%s", d->sample_paths, "RG_REASONS=%s", d->reasons,
                        "RG_MEMBERS=%u", d->members, "RG_MS_TO_ACTION=%lld", d->ms_first_damage_to_action,
                        "RG_CLIENT_ADDR=%s", or_dash(d->client_addr), "RG_CLIENT_USER=%s", or_dash(d->client_user),
                        "RG_CLIENT_HOST=%s", or_dash(d->client_host), "RG_BLOCKED=%s", or_dash(d->blocked), NULL);
}
