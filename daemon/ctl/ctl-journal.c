/* ctl-journal — detections the daemon no longer holds (before a reboot, past its newest 256),
 * read back from the journal by their message id. */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "journal.h"

/* FIELD=value of the current entry into buf ("" when absent). */
static void field(sd_journal *j, const char *name, char *buf, size_t len) {
        const void *d;
        size_t n;
        buf[0] = '\0';
        if (sd_journal_get_data(j, name, &d, &n) < 0)
                return;
        size_t skip = strlen(name) + 1;
        if (n < skip)
                return;
        n -= skip;
        if (n >= len)
                n = len - 1;
        memcpy(buf, (const char *)d + skip, n);
        buf[n] = '\0';
        if (strcmp(buf, "-") == 0)
                buf[0] = '\0';
}

static cJSON *entry(sd_journal *j) {
        static const struct {
                const char *field, *key;
                bool number;
        } map[] = {
                { "RG_INCIDENT", "id", false },       { "RG_PID", "pid", true },
                { "RG_UID", "uid", true },            { "RG_ROOT_PID", "root_pid", true },
                { "RG_SCORE", "score", true },        { "RG_FILES", "files", true },
                { "RG_MEMBERS", "members_acted", true }, { "RG_MS_TO_ACTION", "ms_to_action", true },
                { "RG_COMM", "comm", false },         { "RG_EXE", "exe", false },
                { "RG_CMDLINE", "cmdline", false },   { "RG_CGROUP", "cgroup", false },
                { "RG_ROOT_COMM", "root_comm", false }, { "RG_ACTION", "action", false },
                { "RG_ACTION_RESULT", "result", false }, { "RG_SAMPLE_PATHS", "paths", false },
                { "RG_REASONS", "reasons", false },   { "RG_CLIENT_ADDR", "client_addr", false },
                { "RG_CLIENT_USER", "client_user", false }, { "RG_CLIENT_HOST", "client_host", false },
                { "RG_BLOCKED", "blocked", false },
        };
        cJSON *o = cJSON_CreateObject();
        uint64_t t = 0;
        (void)sd_journal_get_realtime_usec(j, &t);
        if (!o || !cJSON_AddNumberToObject(o, "time_us", (double)t) || !cJSON_AddStringToObject(o, "source", "journal")) {
                cJSON_Delete(o);
                return NULL;
        }
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
                char v[2048];
                field(j, map[i].field, v, sizeof(v));
                bool ok = map[i].number ? cJSON_AddNumberToObject(o, map[i].key, v[0] ? strtod(v, NULL) : 0) != NULL
                                        : cJSON_AddStringToObject(o, map[i].key, v) != NULL;
                if (!ok) {
                        cJSON_Delete(o);
                        return NULL;
                }
        }
        return o;
}

cJSON *ctl_journal_incidents(int64_t since_us, const char *only_id) {
        sd_journal *j;
        int r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                fprintf(stderr, "ransomguardctl: Failed to open the journal: %s\n", strerror(-r));
                return NULL;
        }
        char m[64];
        snprintf(m, sizeof(m), "MESSAGE_ID=%s", RG_MID_DETECTION);
        cJSON *a = cJSON_CreateArray();
        if (!a || sd_journal_add_match(j, m, 0) < 0) {
                cJSON_Delete(a);
                sd_journal_close(j);
                return NULL;
        }
        if (only_id) {
                char f[64];
                snprintf(f, sizeof(f), "RG_INCIDENT=%s", only_id);
                (void)sd_journal_add_match(j, f, 0); /* AND with the message id */
        }
        if (since_us > 0)
                (void)sd_journal_seek_realtime_usec(j, (uint64_t)since_us);
        else
                (void)sd_journal_seek_head(j);
        while (sd_journal_next(j) > 0) {
                cJSON *o = entry(j);
                if (o && !cJSON_AddItemToArray(a, o))
                        cJSON_Delete(o);
        }
        sd_journal_close(j);
        return a;
}
