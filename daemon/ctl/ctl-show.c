/* ctl-show — the replies for a human. */
#include "ctl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *str(const cJSON *j, const char *k) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
        return cJSON_IsString(v) && v->valuestring ? v->valuestring : "";
}

static double num(const cJSON *j, const char *k) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
        return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *when(double us, char *buf, size_t len) {
        time_t t = (time_t)(us / 1e6);
        struct tm tm;
        if (!us || !localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm))
                snprintf(buf, len, "?");
        return buf;
}

static const char *or_dash(const char *s) {
        return s && s[0] ? s : "-";
}

void ctl_show_status(const cJSON *j) {
        char t[64];
        double up = (double)time(NULL) - num(j, "since_us") / 1e6;
        printf("ransomguardd %s (pid %.0f), running since %s (%.0fh %.0fm)%s\n", str(j, "version"), num(j, "pid"),
               when(num(j, "since_us"), t, sizeof(t)), up > 0 ? (double)((long)up / 3600) : 0,
               up > 0 ? (double)(((long)up % 3600) / 60) : 0,
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run")) ? ", dry run" : "");
        printf("Configuration: %s, action %s\n", str(j, "config"), str(j, "action"));
        printf("Protecting:   ");
        const cJSON *p;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(j, "protected")) printf(" %s", p->valuestring);
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "fanotify");
        if (f)
                printf("\nSource:        fanotify, %s marks (%.0f root(s) as a whole filesystem, %.0f directories), "
                       "permission events %s\n",
                       str(f, "marks"), num(f, "filesystem_marks"), num(f, "directory_marks"),
                       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "permission_events")) ? "yes" : "no");
        else
                printf("\nSource:        %s\n", str(j, "source"));
        printf("Judged:        %.0f writes, %.0f detection(s), %.0f overflow(s)\n", num(j, "writes_judged"),
               num(j, "detections"), num(j, "overflows"));
        if (f)
                printf("Opens asked:   %.0f (%.0f answered at once, %.0f by the loop, slowest %.1f ms; %.0f denied, %.0f held)\n",
                       num(f, "opens_asked"), num(f, "answered_at_once"), num(f, "answered_by_loop"),
                       num(f, "slowest_answer_us") / 1000.0, num(f, "denied"), num(f, "held"));
        printf("Memory:        %.1f MiB resident; %.0f processes and %.0f files (%.1f MiB) tracked\n",
               num(j, "rss_kib") / 1024.0, num(j, "processes_tracked"), num(j, "files_known"),
               num(j, "files_known_bytes") / 1048576.0);
        printf("Blocks:        %.0f in force\n", num(j, "blocks"));
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "vault");
        if (v)
                printf("Vault:         %s: %.1f of %.0f MiB, %.0f entries; %.0f originals kept (%.0f reflinks, %.0f rescued "
                       "after an unlink), %.0f too large, %.0f failed, %.0f evicted, slowest copy %.1f ms (what an opener "
                       "waited for)\n",
                       str(v, "dir"), num(v, "bytes") / 1048576.0, num(v, "budget") / 1048576.0, num(v, "entries"),
                       num(v, "kept"), num(v, "reflinks"), num(v, "rescued"), num(v, "skipped_large"), num(v, "failed"),
                       num(v, "evicted"), num(v, "slowest_copy_us") / 1000.0);
        const cJSON *d, *fsd = v ? cJSON_GetObjectItemCaseSensitive(v, "on_filesystems") : NULL;
        cJSON_ArrayForEach(d, fsd)
                if (cJSON_IsString(d))
                        printf("               %s (reflinks of the originals on its filesystem)\n", d->valuestring);
        if (!v)
                printf("Vault:         off (originals are not kept)\n");
        printf("Incidents:     %.0f kept%s\n", num(j, "incidents"),
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "incidents_on_disk")) ? "" : " (in memory only)");
        printf("Allowed:      ");
        int n = 0;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(j, "allow")) {
                printf(" %s", p->valuestring);
                n++;
        }
        printf("%s\n", n ? "" : " (none)");
}

void ctl_show_incidents(const cJSON *list) {
        const cJSON *e;
        int n = 0;
        cJSON_ArrayForEach(e, list) {
                char t[64];
                if (n++ == 0)
                        printf("%-8s  %-23s  %-7s  %5s  %-30s  %s\n", "ID", "TIME", "ACTION", "FILES", "PROCESS (FAMILY)",
                               "RESULT");
                char who[96];
                snprintf(who, sizeof(who), "%s[%.0f] (%s[%.0f])", str(e, "comm"), num(e, "pid"), str(e, "root_comm"),
                         num(e, "root_pid"));
                printf("%-8s  %-23s  %-7s  %5.0f  %-30s  %s", or_dash(str(e, "id")), when(num(e, "time_us"), t, sizeof(t)),
                       str(e, "action"), num(e, "files"), who, str(e, "result"));
                if (strcmp(str(e, "source"), "journal") == 0)
                        printf(" [journal]");
                else if (num(e, "stopped_now") > 0)
                        printf(" [%.0f stopped now]", num(e, "stopped_now"));
                if (str(e, "client_addr")[0])
                        printf(" client %s", str(e, "client_addr"));
                printf("\n");
        }
        if (!n)
                printf("No incidents.\n");
}

void ctl_show_incident(const cJSON *e) {
        char t[64];
        printf("Incident %s, %s%s\n", or_dash(str(e, "id")), when(num(e, "time_us"), t, sizeof(t)),
               strcmp(str(e, "source"), "journal") == 0 ? " (from the journal)" : "");
        printf("  process:   %s[%.0f] uid %.0f, %s\n", str(e, "comm"), num(e, "pid"), num(e, "uid"), or_dash(str(e, "exe")));
        printf("  cmdline:   %s\n", or_dash(str(e, "cmdline")));
        printf("  cgroup:    %s\n", or_dash(str(e, "cgroup")));
        printf("  family:    %s[%.0f]\n", str(e, "root_comm"), num(e, "root_pid"));
        printf("  score:     %.0f (%s)\n", num(e, "score"), or_dash(str(e, "reasons")));
        printf("  files:     %.0f damaged: %s\n", num(e, "files"), or_dash(str(e, "paths")));
        printf("  action:    %s: %s", str(e, "action"), str(e, "result"));
        if (num(e, "ms_to_action") >= 0)
                printf(", %.0f ms after the first damaged file", num(e, "ms_to_action"));
        printf("\n");
        if (str(e, "client_addr")[0] || str(e, "client_user")[0])
                printf("  client:    %s user %s host %s%s%s\n", or_dash(str(e, "client_addr")), or_dash(str(e, "client_user")),
                       or_dash(str(e, "client_host")), str(e, "blocked")[0] ? "; blocked: " : "", str(e, "blocked"));
        if (str(e, "by")[0])
                printf("  since:     %s by ransomguardctl\n", str(e, "by"));
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "members"), *x;
        if (cJSON_GetArraySize(m) > 0) {
                printf("  members:   %-8s %-16s %-10s %s\n", "PID", "COMM", "LEFT", "NOW");
                cJSON_ArrayForEach(x, m) printf("             %-8.0f %-16s %-10s %s\n", num(x, "pid"), str(x, "comm"),
                                                str(x, "state"), str(x, "now"));
                if (num(e, "more_members") > 0)
                        printf("             … and %.0f more, not recorded\n", num(e, "more_members"));
        }
}
