/* cfgedit — find the value's bytes with a small scanner (strings and nesting only: the text
 * was validated as JSON by cJSON first), splice in the new array. */
#include "cfgedit.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Past the string starting at s (at its opening quote). */
static const char *skip_string(const char *s) {
        for (s++; *s && *s != '"'; s++)
                if (*s == '\\' && s[1])
                        s++;
        return *s ? s + 1 : s;
}

static const char *skip_ws(const char *s) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        return s;
}

/* Past the value starting at s (any JSON value, text known valid). */
static const char *skip_value(const char *s) {
        if (*s == '"')
                return skip_string(s);
        if (*s == '[' || *s == '{') {
                int depth = 0;
                for (; *s; s++) {
                        if (*s == '"') {
                                s = skip_string(s) - 1;
                                continue;
                        }
                        if (*s == '[' || *s == '{')
                                depth++;
                        else if ((*s == ']' || *s == '}') && --depth == 0)
                                return s + 1;
                }
                return s;
        }
        while (*s && *s != ',' && *s != '}' && *s != ']' && *s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
                s++;
        return s;
}

/* The JSON form of s ("…" with escapes); malloc'd. */
static char *quoted(const char *s) {
        cJSON *j = cJSON_CreateString(s);
        char *q = j ? cJSON_PrintUnformatted(j) : NULL;
        cJSON_Delete(j);
        return q;
}

/* The new array: one line, or one element per line indented by indent + 2. */
static char *array_text(char *const *values, bool multiline, size_t indent) {
        size_t cap = 64, n = 0;
        char *buf = malloc(cap);
        if (!buf)
                return NULL;
        buf[n++] = '[';
        for (size_t i = 0; values && values[i]; i++) {
                char *q = quoted(values[i]);
                if (!q) {
                        free(buf);
                        return NULL;
                }
                size_t need = strlen(q) + indent + 8;
                if (n + need + 8 > cap) {
                        char *nb = realloc(buf, cap = (n + need) * 2 + 8);
                        if (!nb) {
                                free(q);
                                free(buf);
                                return NULL;
                        }
                        buf = nb;
                }
                if (i)
                        buf[n++] = ',';
                if (multiline) {
                        buf[n++] = '\n';
                        memset(buf + n, ' ', indent + 2);
                        n += indent + 2;
                } else if (i)
                        buf[n++] = ' ';
                memcpy(buf + n, q, strlen(q));
                n += strlen(q);
                free(q);
        }
        if (n + indent + 4 > cap) {
                char *nb = realloc(buf, cap = n + indent + 4);
                if (!nb) {
                        free(buf);
                        return NULL;
                }
                buf = nb;
        }
        if (multiline && values && values[0]) {
                buf[n++] = '\n';
                memset(buf + n, ' ', indent);
                n += indent;
        }
        buf[n++] = ']';
        buf[n] = '\0';
        return buf;
}

static char *splice(const char *text, size_t from, size_t to, const char *mid) {
        size_t a = from, m = strlen(mid), b = strlen(text) - to;
        char *r = malloc(a + m + b + 1);
        if (!r)
                return NULL;
        memcpy(r, text, a);
        memcpy(r + a, mid, m);
        memcpy(r + a + m, text + to, b);
        r[a + m + b] = '\0';
        return r;
}

int cfgedit_set_array(const char *text, const char *key, char *const *values, char **ret_text, char *err, size_t errlen) {
        cJSON *j = cJSON_Parse(text);
        if (!cJSON_IsObject(j)) {
                cJSON_Delete(j);
                snprintf(err, errlen, "the configuration is not a JSON object");
                return -EINVAL;
        }
        const cJSON *old = cJSON_GetObjectItemCaseSensitive(j, key);
        bool present = old != NULL, is_array = cJSON_IsArray(old);
        cJSON_Delete(j);
        if (present && !is_array) {
                snprintf(err, errlen, "\"%s\" in the configuration is not an array", key);
                return -EINVAL;
        }
        const char *s = skip_ws(text);
        const char *open = s; /* the object's '{' */
        s = skip_ws(s + 1);
        const char *vstart = NULL, *vend = NULL, *kstart = NULL;
        int seen = 0;
        /* Members of the top-level object: "key" : value , … */
        while (*s == '"') {
                const char *k = s, *kend = skip_string(s);
                s = skip_ws(kend);
                if (*s != ':')
                        break;
                s = skip_ws(s + 1);
                const char *v = s;
                s = skip_value(s);
                if ((size_t)(kend - k) == strlen(key) + 2 && strncmp(k + 1, key, strlen(key)) == 0) {
                        seen++;
                        kstart = k;
                        vstart = v;
                        vend = s;
                }
                s = skip_ws(s);
                if (*s != ',')
                        break;
                s = skip_ws(s + 1);
        }
        char *out = NULL;
        if (seen > 1) {
                snprintf(err, errlen, "\"%s\" appears more than once in the configuration", key);
                return -EINVAL;
        }
        if (vstart) {
                bool multiline = memchr(vstart, '\n', (size_t)(vend - vstart)) != NULL;
                const char *line = kstart;
                while (line > text && line[-1] != '\n')
                        line--;
                size_t indent = 0;
                while (line + indent < kstart && (line[indent] == ' ' || line[indent] == '\t'))
                        indent++;
                char *arr = array_text(values, multiline, indent);
                out = arr ? splice(text, (size_t)(vstart - text), (size_t)(vend - text), arr) : NULL;
                free(arr);
        } else {
                char *arr = array_text(values, false, 0), *q = quoted(key);
                size_t at = (size_t)(open - text) + 1;
                bool empty = *skip_ws(open + 1) == '}';
                char *mid = NULL;
                if (arr && q && asprintf(&mid, empty ? " %s: %s " : "\n  %s: %s,", q, arr) < 0)
                        mid = NULL;
                out = mid ? splice(text, at, at, mid) : NULL;
                free(mid);
                free(arr);
                free(q);
        }
        if (!out)
                return -ENOMEM;
        /* What was written must say exactly that, and be JSON. */
        cJSON *back = cJSON_Parse(out);
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(back, key);
        bool same = cJSON_IsArray(a);
        size_t i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, a) {
                same = same && values && values[i] && cJSON_IsString(e) && strcmp(e->valuestring, values[i]) == 0;
                i++;
        }
        same = same && (!values || !values[i]);
        cJSON_Delete(back);
        if (!same) {
                free(out);
                snprintf(err, errlen, "could not rewrite \"%s\" in the configuration's text", key);
                return -EINVAL;
        }
        *ret_text = out;
        return 0;
}
