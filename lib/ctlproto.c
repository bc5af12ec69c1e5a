/* ctlproto — request parsing: every field checked for type, length and range. */
#include "ctlproto.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[_CTL_MAX] = {
        [CTL_STATUS] = "status", [CTL_INCIDENTS] = "incidents", [CTL_INCIDENT] = "incident",
        [CTL_RESUME] = "resume", [CTL_KILL] = "kill",           [CTL_ALLOW] = "allow",
        [CTL_DISALLOW] = "disallow", [CTL_RELOAD] = "reload",   [CTL_BLOCKS] = "blocks",
        [CTL_UNBLOCK] = "unblock", [CTL_VAULT] = "vault",
};

/* The keys each command takes besides "cmd". */
enum { K_ID = 1, K_SINCE = 2, K_FORCE = 4, K_EXE = 8, K_WHO = 16 };
static const unsigned takes[_CTL_MAX] = {
        [CTL_INCIDENTS] = K_SINCE, [CTL_INCIDENT] = K_ID, [CTL_RESUME] = K_ID | K_FORCE, [CTL_KILL] = K_ID,
        [CTL_ALLOW] = K_EXE,       [CTL_DISALLOW] = K_EXE, [CTL_UNBLOCK] = K_WHO, [CTL_VAULT] = K_ID,
};
static const unsigned needs[_CTL_MAX] = {
        [CTL_INCIDENT] = K_ID, [CTL_RESUME] = K_ID, [CTL_KILL] = K_ID,
        [CTL_ALLOW] = K_EXE,   [CTL_DISALLOW] = K_EXE, [CTL_UNBLOCK] = K_WHO,
};

const char *ctlproto_cmd_name(enum ctl_cmd c) {
        return (unsigned)c < _CTL_MAX ? names[c] : "?";
}

cJSON *ctlproto_ok(void) {
        cJSON *j = cJSON_CreateObject();
        if (j && !cJSON_AddTrueToObject(j, "ok")) {
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

cJSON *ctlproto_failure(const char *code, const char *msg) {
        cJSON *j = cJSON_CreateObject();
        if (j && (!cJSON_AddFalseToObject(j, "ok") || !cJSON_AddStringToObject(j, "code", code) ||
                  !cJSON_AddStringToObject(j, "error", msg))) {
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

bool ctlproto_read_only(enum ctl_cmd c) {
        return c == CTL_STATUS || c == CTL_INCIDENTS || c == CTL_INCIDENT || c == CTL_BLOCKS;
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t len, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* A string without control bytes, shorter than size. */
static int text(const cJSON *v, const char *key, char *buf, size_t size, char *err, size_t len) {
        if (!cJSON_IsString(v) || !v->valuestring)
                return fail(err, len, "request: \"%s\" must be a string", key);
        size_t n = strlen(v->valuestring);
        if (n == 0 || n >= size)
                return fail(err, len, "request: \"%s\" must be 1 to %zu bytes long", key, size - 1);
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)v->valuestring[i] < 0x20 || v->valuestring[i] == 0x7f)
                        return fail(err, len, "request: \"%s\" holds a control character", key);
        memcpy(buf, v->valuestring, n + 1);
        return 0;
}

static int parse_object(const cJSON *j, struct ctl_request *q, char *err, size_t len) {
        if (!cJSON_IsObject(j))
                return fail(err, len, "request: not a JSON object");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "cmd");
        if (!cJSON_IsString(c) || !c->valuestring)
                return fail(err, len, "request: \"cmd\" is missing or not a string");
        int cmd = -1;
        for (int i = 0; i < _CTL_MAX; i++)
                if (strcmp(c->valuestring, names[i]) == 0)
                        cmd = i;
        if (cmd < 0) {
                char e[40];
                size_t n = 0;
                for (const char *s = c->valuestring; *s && n + 1 < sizeof(e); s++)
                        e[n++] = (unsigned char)*s < 0x20 || *s == '"' || *s == '\\' ? '?' : *s;
                e[n] = '\0';
                return fail(err, len, "request: unknown command \"%s\"", e);
        }
        q->cmd = (enum ctl_cmd)cmd;
        unsigned seen = 0;
        const cJSON *v;
        cJSON_ArrayForEach(v, j) {
                const char *k = v->string ? v->string : "";
                unsigned bit = strcmp(k, "id") == 0 ? K_ID : strcmp(k, "since_us") == 0 ? K_SINCE :
                               strcmp(k, "force") == 0 ? K_FORCE : strcmp(k, "exe") == 0 ? K_EXE :
                               strcmp(k, "who") == 0 ? K_WHO : 0;
                if (strcmp(k, "cmd") == 0)
                        continue;
                if (!bit || !(takes[cmd] & bit))
                        return fail(err, len, "request: %s takes no key \"%.40s\"", names[cmd], k);
                if (seen & bit)
                        return fail(err, len, "request: key \"%s\" given twice", k);
                seen |= bit;
                int r = 0;
                switch (bit) {
                case K_ID:
                {
                        char id[HISTORY_ID_LEN + 2];
                        if ((r = text(v, k, id, sizeof(id), err, len)) == 0 && !history_id_valid(id))
                                r = fail(err, len, "request: \"id\" must be %d hex digits", HISTORY_ID_LEN);
                        if (r == 0)
                                memcpy(q->id, id, sizeof(q->id));
                        break;
                }
                case K_SINCE:
                        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 ||
                            v->valuedouble > 9007199254740992.0 || v->valuedouble != floor(v->valuedouble))
                                r = fail(err, len, "request: \"since_us\" must be a whole number of microseconds ≥ 0");
                        else
                                q->since_us = (int64_t)v->valuedouble;
                        break;
                case K_FORCE:
                        if (!cJSON_IsBool(v))
                                r = fail(err, len, "request: \"force\" must be true or false");
                        q->force = cJSON_IsTrue(v);
                        break;
                case K_EXE:
                        if ((r = text(v, k, q->arg, sizeof(q->arg), err, len)) == 0 && q->arg[0] != '/')
                                r = fail(err, len, "request: \"exe\" must be an absolute path");
                        break;
                case K_WHO:
                        r = text(v, k, q->arg, sizeof(q->arg), err, len);
                        break;
                }
                if (r < 0)
                        return r;
        }
        if ((needs[cmd] & ~seen) != 0)
                return fail(err, len, "request: %s needs \"%s\"", names[cmd],
                            needs[cmd] & K_ID ? "id" : needs[cmd] & K_EXE ? "exe" : "who");
        return 0;
}

int ctlproto_parse(const char *buf, size_t len, struct ctl_request *ret, char *err, size_t errlen) {
        if (len > CTL_REQUEST_MAX) {
                snprintf(err, errlen, "request: longer than %d bytes", CTL_REQUEST_MAX);
                return -E2BIG;
        }
        if (len && buf[len - 1] == '\n')
                len--;
        if (memchr(buf, '\0', len) || memchr(buf, '\n', len))
                return fail(err, errlen, "request: NUL byte or more than one line");
        memset(ret, 0, sizeof(*ret));
        const char *end = NULL;
        cJSON *j = cJSON_ParseWithLengthOpts(buf, len, &end, false);
        while (j && end && end < buf + len && (*end == ' ' || *end == '\t' || *end == '\r'))
                end++;
        if (!j || end != buf + len) {
                cJSON_Delete(j);
                return fail(err, errlen, "request: not one valid JSON value");
        }
        int r = parse_object(j, ret, err, errlen);
        cJSON_Delete(j);
        return r;
}
