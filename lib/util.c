/* util — string vectors and escaping (the hash and clock are inline in util.h). */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t strv_length(char *const *v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

void strv_free(char **v) {
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}

char **strv_copy(char *const *v) {
        size_t n = strv_length(v);
        char **c = calloc(n + 1, sizeof(char *));
        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = strdup(v[i]))) {
                        strv_free(c);
                        return NULL;
                }
        return c;
}

int strv_push(char ***v, const char *s) {
        size_t n = strv_length(*v);
        char *copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        char **nv = realloc(*v, (n + 2) * sizeof(char *));
        if (!nv) {
                free(copy);
                return -ENOMEM;
        }
        nv[n] = copy;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

bool strv_contains(char *const *v, const char *s) {
        for (char *const *p = v; p && *p; p++)
                if (strcmp(*p, s) == 0)
                        return true;
        return false;
}

char *util_escape_append(char *buf, size_t len, size_t *off, const char *s) {
        size_t o = *off;
        if (len == 0)
                return buf;
        if (o >= len)
                o = len - 1;
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c < 0x20 || c == 0x7f || c == '\\') {
                        if (o + 4 >= len)
                                break;
                        snprintf(buf + o, len - o, "\\x%02x", c);
                        o += 4;
                } else {
                        if (o + 1 >= len)
                                break;
                        buf[o++] = (char)c;
                }
        }
        buf[o] = '\0';
        *off = o;
        return buf;
}

char *util_escape(char *buf, size_t len, const char *s) {
        size_t o = 0;
        if (len)
                buf[0] = '\0';
        return util_escape_append(buf, len, &o, s);
}
