/* config — table-driven JSON configuration. Every accepted key is a row of `keys` below; any
 * other key is an error, so a typo never silently falls back to a default. */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block.h"
#include "util.h"

#define CONFIG_MAX_BYTES (1024 * 1024)

enum key_type { KEY_OBJECT, KEY_BOOL, KEY_U32, KEY_DOUBLE, KEY_STRING, KEY_ENUM, KEY_PATHS, KEY_FLAGS };

struct key {
        const char *path;
        enum key_type type;
        size_t offset;
        double min, max;
        const char *const *names; /* KEY_ENUM: index = value; KEY_FLAGS: bit index = name */
};

static const char *const action_names[] = { "log", "suspend", "kill", NULL };
static const char *const source_names[] = { "auto", "fanotify", "inotify", NULL };
static const char *const block_by_names[] = { "user", "address", NULL }; /* BLOCK_USER, BLOCK_ADDR */

#define OFF(f) offsetof(struct config, f)
static const struct key keys[] = {
        { "protect",                   KEY_PATHS,  OFF(protect),            0, 0, NULL },
        { "allow",                     KEY_PATHS,  OFF(allow),              0, 0, NULL },
        { "action",                    KEY_ENUM,   OFF(action),             0, 0, action_names },
        { "source",                    KEY_ENUM,   OFF(source),             0, 0, source_names },
        { "sample",                    KEY_OBJECT, 0,                       0, 0, NULL },
        { "sample.block_bytes",        KEY_U32,    OFF(sample_block_bytes), 512, 1 << 20, NULL },
        { "sample.blocks",             KEY_U32,    OFF(sample_blocks),      1, 8, NULL },
        { "detect",                    KEY_OBJECT, 0,                       0, 0, NULL },
        { "detect.window_ms",          KEY_U32,    OFF(window_ms),          1000, 86400000, NULL },
        { "detect.half_life_ms",       KEY_U32,    OFF(half_life_ms),       100, 86400000, NULL },
        { "detect.threshold",          KEY_DOUBLE, OFF(threshold),          1, 1e6, NULL },
        { "detect.suspicious",         KEY_DOUBLE, OFF(suspicious),         1, 1e6, NULL },
        { "detect.random_max_chi2",    KEY_DOUBLE, OFF(random_max_chi2),    255, 100000, NULL },
        { "detect.random_min_bits",    KEY_DOUBLE, OFF(random_min_bits),    1, 8, NULL },
        { "detect.random_min_block",   KEY_U32,    OFF(random_min_block),   256, 1 << 20, NULL },
        { "detect.note_min_dirs",      KEY_U32,    OFF(note_min_dirs),      2, 10000, NULL },
        { "detect.weights",            KEY_OBJECT, 0,                       0, 0, NULL },
        { "detect.weights.turned_random",  KEY_DOUBLE, OFF(w.turned_random),  0, 1e6, NULL },
        { "detect.weights.type_destroyed", KEY_DOUBLE, OFF(w.type_destroyed), 0, 1e6, NULL },
        { "detect.weights.replaced",       KEY_DOUBLE, OFF(w.replaced),       0, 1e6, NULL },
        { "detect.weights.rename_ext",     KEY_DOUBLE, OFF(w.rename_ext),     0, 1e6, NULL },
        { "detect.weights.note",           KEY_DOUBLE, OFF(w.note),           0, 1e6, NULL },
        { "detect.weights.new_random",     KEY_DOUBLE, OFF(w.new_random),     0, 1e6, NULL },
        { "detect.weights.canary",         KEY_DOUBLE, OFF(w.canary),         0, 1e6, NULL },
        { "detect.weights.braked_open",    KEY_DOUBLE, OFF(w.braked_open),    0, 1e6, NULL },
        { "family",                    KEY_OBJECT, 0,                       0, 0, NULL },
        { "family.enabled",            KEY_BOOL,   OFF(family),             0, 0, NULL },
        { "account",                   KEY_OBJECT, 0,                       0, 0, NULL },
        { "account.enabled",           KEY_BOOL,   OFF(account),            0, 0, NULL },
        { "account.window_ms",         KEY_U32,    OFF(account_window_ms),  1000, 86400000, NULL },
        { "account.half_life_ms",      KEY_U32,    OFF(account_half_life_ms), 100, 86400000, NULL },
        { "brake",                     KEY_OBJECT, 0,                       0, 0, NULL },
        { "brake.enabled",             KEY_BOOL,   OFF(brake),              0, 0, NULL },
        { "brake.max_unjudged",        KEY_U32,    OFF(max_unjudged),       0, 1000, NULL },
        { "brake.hold_ms",             KEY_U32,    OFF(hold_ms),            1, 1000, NULL },
        { "canary",                    KEY_OBJECT, 0,                       0, 0, NULL },
        { "canary.enabled",            KEY_BOOL,   OFF(canary),             0, 0, NULL },
        { "canary.name",               KEY_STRING, OFF(canary_name),        1, 200, NULL },
        { "server",                    KEY_OBJECT, 0,                       0, 0, NULL },
        { "server.block_seconds",      KEY_U32,    OFF(block_seconds),      0, 30 * 86400, NULL },
        { "server.block_by",           KEY_FLAGS,  OFF(block_by),           0, 0, block_by_names },
        { "server.term_grace_ms",      KEY_U32,    OFF(term_grace_ms),      100, 60000, NULL },
        { "server.block_dir",          KEY_STRING, OFF(block_dir),          2, 1024, NULL },
        { "server.worker_parents",     KEY_PATHS,  OFF(worker_parents),     0, 0, NULL },
        { "control",                   KEY_OBJECT, 0,                       0, 0, NULL },
        { "control.socket",            KEY_STRING, OFF(control_socket),     2, 107, NULL },
        { "control.group",             KEY_STRING, OFF(control_group),      0, 64, NULL },
        { "control.incident_dir",      KEY_STRING, OFF(incident_dir),       2, 1024, NULL },
        { "vault",                     KEY_OBJECT, 0,                       0, 0, NULL },
        { "vault.enabled",             KEY_BOOL,   OFF(vault),              0, 0, NULL },
        { "vault.dir",                 KEY_STRING, OFF(vault_dir),          2, 1024, NULL },
        { "vault.max_mib",             KEY_U32,    OFF(vault_max_mib),      1, 1 << 24, NULL },
        { "vault.keep_seconds",        KEY_U32,    OFF(vault_keep_seconds), 60, 30 * 86400, NULL },
        { "vault.max_file_mib",        KEY_U32,    OFF(vault_max_file_mib), 1, 1 << 20, NULL },
        { "vault.on_filesystems",      KEY_BOOL,   OFF(vault_on_filesystems), 0, 0, NULL },
        { "limits",                    KEY_OBJECT, 0,                       0, 0, NULL },
        { "limits.max_processes",      KEY_U32,    OFF(max_processes),      16, 1 << 20, NULL },
        { "limits.max_processes_bytes", KEY_U32,   OFF(max_processes_bytes), 1 << 20, 4294967295.0, NULL },
        { "limits.max_files",          KEY_U32,    OFF(max_files),          64, 1 << 24, NULL },
        { "limits.max_files_bytes",    KEY_U32,    OFF(max_files_bytes),    1 << 20, 4294967295.0, NULL },
};

static const struct key *key_find(const char *path) {
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (strcmp(keys[i].path, path) == 0)
                        return &keys[i];
        return NULL;
}

void config_free(struct config *c) {
        if (!c)
                return;
        strv_free(c->protect);
        strv_free(c->allow);
        free(c->canary_name);
        free(c->block_dir);
        free(c->control_socket);
        free(c->control_group);
        free(c->incident_dir);
        free(c->vault_dir);
        strv_free(c->worker_parents);
        free(c);
}

int config_default(struct config **ret) {
        struct config *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = (struct config){
                .protect_is_default = true,
                .action = CONFIG_ACTION_KILL,
                .source = CONFIG_SOURCE_AUTO,
                .sample_block_bytes = 4096,
                .sample_blocks = 3,
                .window_ms = 120000,
                .half_life_ms = 60000,
                .threshold = 100,
                .suspicious = 40,
                .random_max_chi2 = 400,
                .random_min_bits = 7.0,
                .random_min_block = 1024,
                .note_min_dirs = 3,
                .w = {
                        .turned_random = 35,
                        .type_destroyed = 30,
                        .replaced = 35,
                        .rename_ext = 20,
                        .note = 30,
                        .new_random = 0,
                        .canary = 100,
                        .braked_open = 10,
                },
                .family = true,
                .account = true,
                .account_window_ms = 3600000,
                .account_half_life_ms = 600000,
                .brake = true,
                .max_unjudged = 2,
                .hold_ms = 20,
                .canary = false,
                .block_seconds = 1800,
                .block_by = BLOCK_USER | BLOCK_ADDR,
                .term_grace_ms = 3000,
                .vault = true,
                .vault_max_mib = 512,
                .vault_keep_seconds = 3600,
                .vault_max_file_mib = 4,
                .vault_on_filesystems = true,
                .max_processes = 4096,
                .max_processes_bytes = 16u << 20,
                .max_files = 65536,
                .max_files_bytes = 32u << 20,
        };
        c->canary_name = strdup(".!rg-canary.docx");
        c->block_dir = strdup("/run/ransomguard/blocks");
        c->control_socket = strdup("/run/ransomguard/control");
        c->control_group = strdup("");
        c->incident_dir = strdup("/run/ransomguard/incidents");
        c->vault_dir = strdup("/var/lib/ransomguard/vault");
        if (!c->canary_name || !c->block_dir || !c->control_socket || !c->control_group || !c->incident_dir ||
            !c->vault_dir) {
                config_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

/* The line of the key at `path` (the last one when duplicated), found by walking the JSON text
 * with the path of the enclosing objects; 0 when it cannot be found (escaped key names, keys
 * inside arrays). The text is valid JSON: cJSON parsed it. */
static int line_of_key(const char *text, const char *path) {
        struct {
                size_t len;      /* length of cur outside this container */
                bool array, dead; /* dead: inside an array, where no configuration key lives */
        } st[64];
        char cur[512];
        size_t len = 0, key_len = sizeof(cur), plen = strlen(path);
        int depth = 0, line = 1, found = 0;
        bool want_key = false;

        for (const char *p = text; *p; p++) {
                if (*p == '\n')
                        line++;
                else if (*p == '{' || *p == '[') {
                        if (depth == (int)(sizeof(st) / sizeof(st[0])))
                                break;
                        bool in_object = depth > 0 && !st[depth - 1].array;
                        st[depth].len = len;
                        st[depth].array = *p == '[';
                        st[depth].dead = depth > 0 && (st[depth - 1].dead || st[depth - 1].array);
                        depth++;
                        if (in_object)
                                len = key_len;
                        want_key = *p == '{';
                } else if (*p == '}' || *p == ']') {
                        if (depth == 0)
                                break;
                        len = st[--depth].len;
                        want_key = false;
                } else if (*p == ',')
                        want_key = depth > 0 && !st[depth - 1].array;
                else if (*p == '"') {
                        const char *s = ++p;
                        while (*p && *p != '"') {
                                line += *p == '\n';
                                p += p[0] == '\\' && p[1] ? 2 : 1;
                        }
                        if (want_key && !st[depth - 1].dead) {
                                size_t n = (size_t)(p - s), dot = len ? 1 : 0;
                                key_len = len + dot + n;
                                if (key_len < sizeof(cur)) {
                                        cur[len] = '.';
                                        memcpy(cur + len + dot, s, n);
                                        if (key_len == plen && memcmp(cur, path, plen) == 0)
                                                found = line;
                                } else
                                        key_len = sizeof(cur); /* too long to be a key: never matches */
                        }
                        want_key = false;
                        if (!*p)
                                break;
                }
        }
        return found;
}

/* Messages are one line: no byte of a key name or file name may break it. */
static void one_line(char *s) {
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        *s = '?';
}

struct ctx {
        const char *text, *name;
        char *err;
        size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int fail(const struct ctx *x, const char *path, const char *fmt, ...) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        int line = path ? line_of_key(x->text, path) : 0;
        if (line > 0)
                snprintf(x->err, x->errlen, "%s:%d: %s%s%s", x->name, line, path, path ? ": " : "", msg);
        else
                snprintf(x->err, x->errlen, "%s: %s%s%s", x->name, path ? path : "", path ? ": " : "", msg);
        one_line(x->err);
        return -EINVAL;
}

static const char *json_type_name(const cJSON *j) {
        if (cJSON_IsBool(j)) return "a boolean";
        if (cJSON_IsNumber(j)) return "a number";
        if (cJSON_IsString(j)) return "a string";
        if (cJSON_IsArray(j)) return "an array";
        if (cJSON_IsObject(j)) return "an object";
        if (cJSON_IsNull(j)) return "null";
        return "invalid";
}

/* A short printable rendering of a value for messages. */
static void value_str(const cJSON *j, char *buf, size_t len) {
        if (cJSON_IsNumber(j) && !isfinite(j->valuedouble)) {
                /* cJSON prints infinity (1e999 in the text) as null. */
                snprintf(buf, len, "%g", j->valuedouble);
                return;
        }
        char *s = cJSON_PrintUnformatted(j);
        if (!s) {
                snprintf(buf, len, "(%s)", json_type_name(j));
                return;
        }
        snprintf(buf, len, "%.60s%s", s, strlen(s) > 60 ? "…" : "");
        for (char *p = buf; *p; p++)
                if ((unsigned char)*p < 0x20)
                        *p = '?';
        free(s);
}

static int parse_paths(const struct ctx *x, const char *path, const cJSON *j, char ***ret) {
        char val[80];
        if (!cJSON_IsArray(j)) {
                value_str(j, val, sizeof(val));
                return fail(x, path, "expected an array of absolute paths, got %s %s", json_type_name(j), val);
        }
        char **v = calloc(1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, j) {
                if (!cJSON_IsString(e) || e->valuestring[0] != '/' || strlen(e->valuestring) >= 4096) {
                        value_str(e, val, sizeof(val));
                        strv_free(v);
                        return fail(x, path, "element %d: expected an absolute path, got %s", i, val);
                }
                int r = strv_push(&v, e->valuestring);
                if (r < 0) {
                        strv_free(v);
                        return r;
                }
                i++;
        }
        strv_free(*ret);
        *ret = v;
        return 0;
}

static int parse_value(const struct ctx *x, struct config *c, const struct key *k, const char *path, const cJSON *j);

static int parse_object(const struct ctx *x, struct config *c, const char *prefix, const cJSON *obj) {
        const cJSON *e;
        cJSON_ArrayForEach(e, obj) {
                char path[256];
                if (prefix[0])
                        snprintf(path, sizeof(path), "%s.%s", prefix, e->string);
                else
                        snprintf(path, sizeof(path), "%s", e->string);
                /* cJSON keeps the last of duplicated keys silently: refuse them instead. */
                for (const cJSON *d = obj->child; d != e; d = d->next)
                        if (strcmp(d->string, e->string) == 0)
                                return fail(x, path, "duplicated key");
                /* A dotted name is not a shortcut for nesting: "detect.threshold" at the top
                 * level is a typo of the structure, not the key detect.threshold. */
                const struct key *k = strchr(e->string, '.') ? NULL : key_find(path);
                if (!k)
                        return fail(x, path, "unknown key");
                int r = parse_value(x, c, k, path, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_value(const struct ctx *x, struct config *c, const struct key *k, const char *path, const cJSON *j) {
        char val[80];
        void *field = (char *)c + k->offset;
        value_str(j, val, sizeof(val));

        switch (k->type) {
        case KEY_OBJECT:
                if (!cJSON_IsObject(j))
                        return fail(x, path, "expected an object, got %s %s", json_type_name(j), val);
                return parse_object(x, c, path, j);
        case KEY_BOOL:
                if (!cJSON_IsBool(j))
                        return fail(x, path, "expected true or false, got %s", val);
                *(bool *)field = cJSON_IsTrue(j);
                return 0;
        case KEY_U32:
        case KEY_DOUBLE: {
                if (!cJSON_IsNumber(j))
                        return fail(x, path, "expected a number, got %s %s", json_type_name(j), val);
                double d = j->valuedouble;
                if (!isfinite(d) || d < k->min || d > k->max)
                        return fail(x, path, "value %s out of range [%g, %g]", val, k->min, k->max);
                if (k->type == KEY_U32) {
                        if (d != floor(d))
                                return fail(x, path, "expected an integer, got %s", val);
                        *(uint32_t *)field = (uint32_t)d;
                } else
                        *(double *)field = d;
                return 0;
        }
        case KEY_STRING: {
                if (!cJSON_IsString(j))
                        return fail(x, path, "expected a string, got %s %s", json_type_name(j), val);
                size_t n = strlen(j->valuestring);
                if (n < k->min || n > k->max)
                        return fail(x, path, "string length %zu out of range [%g, %g]", n, k->min, k->max);
                char *s = strdup(j->valuestring);
                if (!s)
                        return -ENOMEM;
                free(*(char **)field);
                *(char **)field = s;
                return 0;
        }
        case KEY_ENUM:
                if (cJSON_IsString(j))
                        for (int i = 0; k->names[i]; i++)
                                if (strcmp(k->names[i], j->valuestring) == 0) {
                                        *(int *)field = i;
                                        return 0;
                                }
                {
                        char allowed[128] = "";
                        for (int i = 0; k->names[i]; i++)
                                snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s\"%s\"",
                                         i ? ", " : "", k->names[i]);
                        return fail(x, path, "invalid value %s, expected one of %s", val, allowed);
                }
        case KEY_FLAGS: {
                if (!cJSON_IsArray(j))
                        return fail(x, path, "expected an array of names, got %s %s", json_type_name(j), val);
                unsigned flags = 0;
                int i = 0;
                const cJSON *e;
                cJSON_ArrayForEach(e, j) {
                        int bit = -1;
                        for (int n = 0; cJSON_IsString(e) && k->names[n]; n++)
                                if (strcmp(k->names[n], e->valuestring) == 0)
                                        bit = n;
                        if (bit < 0) {
                                char allowed[128] = "";
                                for (int n = 0; k->names[n]; n++)
                                        snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s\"%s\"",
                                                 n ? ", " : "", k->names[n]);
                                value_str(e, val, sizeof(val));
                                return fail(x, path, "element %d: invalid value %s, expected one of %s", i, val, allowed);
                        }
                        flags |= 1u << bit;
                        i++;
                }
                *(unsigned *)field = flags;
                return 0;
        }
        case KEY_PATHS:
                if (strcmp(path, "protect") == 0)
                        c->protect_is_default = false;
                return parse_paths(x, path, j, (char ***)field);
        }
        return -EINVAL;
}

/* Relations between keys that single-key ranges cannot express. */
static int validate(const struct ctx *x, const struct config *c) {
        if (c->suspicious > c->threshold)
                return fail(x, "detect.suspicious", "value %g is above detect.threshold %g", c->suspicious, c->threshold);
        if (c->half_life_ms > c->window_ms)
                return fail(x, "detect.half_life_ms", "value %u is above detect.window_ms %u", c->half_life_ms, c->window_ms);
        if (c->account_half_life_ms > c->account_window_ms)
                return fail(x, "account.half_life_ms", "value %u is above account.window_ms %u", c->account_half_life_ms,
                            c->account_window_ms);
        if ((uint64_t)c->sample_blocks * c->sample_block_bytes > (16u << 20))
                return fail(x, "sample.blocks", "sample.blocks × sample.block_bytes exceeds 16 MiB");
        if (c->random_min_block > c->sample_block_bytes)
                return fail(x, "detect.random_min_block", "value %u is above sample.block_bytes %u",
                            c->random_min_block, c->sample_block_bytes);
        if (c->block_dir[0] != '/' || strstr(c->block_dir, "/../") || strstr(c->block_dir, "/./"))
                return fail(x, "server.block_dir", "\"%s\" is not an absolute path", c->block_dir);
        if (c->control_socket[0] != '/' || strstr(c->control_socket, "/../") || strstr(c->control_socket, "/./"))
                return fail(x, "control.socket", "\"%s\" is not an absolute path", c->control_socket);
        if (c->incident_dir[0] != '/' || strstr(c->incident_dir, "/../") || strstr(c->incident_dir, "/./"))
                return fail(x, "control.incident_dir", "\"%s\" is not an absolute path", c->incident_dir);
        if (c->vault_dir[0] != '/' || strstr(c->vault_dir, "/../") || strstr(c->vault_dir, "/./"))
                return fail(x, "vault.dir", "\"%s\" is not an absolute path", c->vault_dir);
        for (const char *g = c->control_group; *g; g++)
                if (!((*g >= 'a' && *g <= 'z') || (*g >= 'A' && *g <= 'Z') || (*g >= '0' && *g <= '9') || *g == '_' ||
                      *g == '-' || *g == '.'))
                        return fail(x, "control.group", "\"%s\" is not a group name", c->control_group);
        if (strchr(c->canary_name, '/') || strcmp(c->canary_name, ".") == 0 || strcmp(c->canary_name, "..") == 0)
                return fail(x, "canary.name", "\"%s\" is not a plain file name", c->canary_name);
        return 0;
}

int config_parse(const char *text, const char *name, struct config **ret, char *err, size_t errlen) {
        struct ctx x = { .text = text, .name = name, .err = err, .errlen = errlen };
        struct config *c = NULL;
        int r;

        if (!text)
                return fail(&x, NULL, "no configuration text");
        const char *end = NULL;
        cJSON *root = cJSON_ParseWithOpts(text, &end, true);
        if (!root) {
                int line = 1, col = 1;
                for (const char *q = text; end && q < end && *q; q++) {
                        if (*q == '\n') {
                                line++;
                                col = 1;
                        } else
                                col++;
                }
                snprintf(err, errlen, "%s:%d:%d: invalid JSON", name, line, col);
                one_line(err);
                return -EINVAL;
        }
        if (!cJSON_IsObject(root)) {
                r = fail(&x, NULL, "top level must be a JSON object");
                goto out;
        }
        r = config_default(&c);
        if (r < 0)
                goto out;
        r = parse_object(&x, c, "", root);
        if (r < 0)
                goto out;
        r = validate(&x, c);
        if (r < 0)
                goto out;
        *ret = c;
        c = NULL;
out:
        config_free(c);
        cJSON_Delete(root);
        return r;
}

int config_read_file(const char *path, char **ret_text, char *err, size_t errlen) {
        /* O_NONBLOCK: a FIFO without a writer must not hang the start; it is refused below. */
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                int e = errno;
                snprintf(err, errlen, "Failed to open %s: %s", path, strerror(e));
                return -e;
        }
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_BYTES) {
                close(fd);
                snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path, CONFIG_MAX_BYTES);
                return -EINVAL;
        }
        char *buf = malloc((size_t)st.st_size + 1);
        if (!buf) {
                close(fd);
                snprintf(err, errlen, "Failed to read %s: %s", path, strerror(ENOMEM));
                return -ENOMEM;
        }
        size_t n = 0;
        while (n < (size_t)st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int e = errno;
                        close(fd);
                        free(buf);
                        snprintf(err, errlen, "Failed to read %s: %s", path, strerror(e));
                        return -e;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        close(fd);
        buf[n] = '\0';
        if (strlen(buf) != n) {
                free(buf);
                snprintf(err, errlen, "%s: contains a NUL byte", path);
                return -EINVAL;
        }
        *ret_text = buf;
        return 0;
}

int config_load(const char *path, struct config **ret, char *err, size_t errlen) {
        char *text = NULL;
        int r = config_read_file(path, &text, err, errlen);
        if (r < 0)
                return r;
        r = config_parse(text, path, ret, err, errlen);
        free(text);
        return r;
}

int config_add_protect(struct config *c, const char *path, char *err, size_t errlen) {
        if (!path || path[0] != '/') {
                snprintf(err, errlen, "--protect %s: not an absolute path", path ? path : "(null)");
                return -EINVAL;
        }
        if (c->protect_is_default) {
                strv_free(c->protect);
                c->protect = NULL;
                c->protect_is_default = false;
        }
        return strv_push(&c->protect, path);
}

bool config_is_allowed(const struct config *c, const char *exe) {
        if (!exe)
                return false;
        for (char **p = c->allow; p && *p; p++)
                if (strcmp(*p, exe) == 0)
                        return true;
        return false;
}

const char *config_action_name(enum config_action a) {
        return a < sizeof(action_names) / sizeof(action_names[0]) - 1 ? action_names[a] : "invalid";
}
