/* util — string vectors and escaping (the hash and clock are inline in util.h). */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                     \
        do {                                                                         \
                v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);            \
                v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                               \
                v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                               \
                v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);            \
        } while (0)

static uint64_t le64(const uint8_t *p) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
                v = (v << 8) | p[i];
        return v;
}

uint64_t util_siphash(const uint8_t key[16], const void *data, size_t len) {
        const uint8_t *in = data;
        uint64_t k0 = le64(key), k1 = le64(key + 8);
        uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575), v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
        uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261), v3 = k1 ^ UINT64_C(0x7465646279746573);
        size_t full = len & ~(size_t)7;
        for (size_t i = 0; i < full; i += 8) {
                uint64_t m = le64(in + i);
                v3 ^= m;
                SIPROUND;
                SIPROUND;
                v0 ^= m;
        }
        uint64_t b = (uint64_t)len << 56;
        for (size_t i = 0; i < (len & 7); i++)
                b |= (uint64_t)in[full + i] << (8 * i);
        v3 ^= b;
        SIPROUND;
        SIPROUND;
        v0 ^= b;
        v2 ^= 0xff;
        SIPROUND;
        SIPROUND;
        SIPROUND;
        SIPROUND;
        return v0 ^ v1 ^ v2 ^ v3;
}

bool util_same_file(const char *a, const char *b) {
        struct stat x, y;
        return strcmp(a, b) == 0 ||
               (stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino);
}

int util_copy_fd(int in, int out, uint64_t len) {
        loff_t off = 0;
        bool plain = false;
        static char buf[1 << 16];
        while ((uint64_t)off < len) {
                size_t want = len - (uint64_t)off > (1u << 30) ? (1u << 30) : (size_t)(len - (uint64_t)off);
                ssize_t n;
                if (!plain) {
                        n = copy_file_range(in, &off, out, NULL, want, 0);
                        if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS ||
                                      errno == EPERM)) { /* EPERM: a seccomp filter */
                                plain = true;
                                continue;
                        }
                } else {
                        n = pread(in, buf, want < sizeof(buf) ? want : sizeof(buf), off);
                        if (n > 0) {
                                for (ssize_t w = 0; w < n;) {
                                        ssize_t k = write(out, buf + w, (size_t)(n - w));
                                        if (k < 0 && errno == EINTR)
                                                continue;
                                        if (k < 0)
                                                return -errno;
                                        w += k;
                                }
                                off += n;
                        }
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
        }
        return 0;
}
