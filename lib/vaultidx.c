/* vaultidx — the index of kept originals, in the order they were made. */
#include "vaultidx.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vault_index {
        struct vault_entry *v;
        size_t n, cap;
        uint64_t bytes;
};

static const char *const kind_names[] = { "kept", "created", "renamed" };
static const char *const why_names[] = { "write", "deleted", "replaced", "" };

const char *vault_kind_name(enum vault_kind k) {
        return (unsigned)k < 3 ? kind_names[k] : "?";
}

const char *vault_why_name(enum vault_why w) {
        return (unsigned)w < 4 ? why_names[w] : "?";
}

int vault_index_new(struct vault_index **ret) {
        struct vault_index *v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        *ret = v;
        return 0;
}

void vault_entry_clear(struct vault_entry *e) {
        free(e->path);
        free(e->path2);
        memset(e, 0, sizeof(*e));
}

struct vault_index *vault_index_free(struct vault_index *v) {
        if (!v)
                return NULL;
        for (size_t i = 0; i < v->n; i++)
                vault_entry_clear(&v->v[i]);
        free(v->v);
        free(v);
        return NULL;
}

int vault_index_add(struct vault_index *v, const struct vault_entry *e) {
        if (v->n >= VAULT_MAX_ENTRIES)
                return -ENOSPC;
        if (v->n == v->cap) {
                size_t cap = v->cap ? v->cap * 2 : 64;
                struct vault_entry *nv = realloc(v->v, cap * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                v->v = nv;
                v->cap = cap;
        }
        struct vault_entry c = *e;
        c.path = e->path ? strdup(e->path) : NULL;
        c.path2 = e->path2 ? strdup(e->path2) : NULL;
        if ((e->path && !c.path) || (e->path2 && !c.path2)) {
                free(c.path);
                free(c.path2);
                return -ENOMEM;
        }
        v->v[v->n++] = c;
        if (c.kind == VAULT_KEPT)
                v->bytes += c.cost;
        return 0;
}

int vault_index_remove(struct vault_index *v, uint8_t store, uint32_t id) {
        for (size_t i = 0; i < v->n; i++) {
                if (v->v[i].id != id || v->v[i].store != store)
                        continue;
                if (v->v[i].kind == VAULT_KEPT)
                        v->bytes -= v->v[i].cost;
                vault_entry_clear(&v->v[i]);
                memmove(&v->v[i], &v->v[i + 1], (v->n - i - 1) * sizeof(v->v[0]));
                v->n--;
                return 0;
        }
        return -ENOENT;
}

size_t vault_index_forget_store(struct vault_index *v, uint8_t store) {
        size_t k = 0, n = 0;
        for (size_t i = 0; i < v->n; i++) {
                struct vault_entry *e = &v->v[i];
                if (e->store != store || store == 0) {
                        v->v[k++] = *e;
                        continue;
                }
                if (e->kind == VAULT_KEPT)
                        v->bytes -= e->cost;
                vault_entry_clear(e);
                n++;
        }
        v->n = k;
        return n;
}

static int by_time(const void *a, const void *b) {
        const struct vault_entry *x = a, *y = b;
        if (x->t_us != y->t_us)
                return x->t_us < y->t_us ? -1 : 1;
        if (x->store != y->store)
                return x->store < y->store ? -1 : 1;
        return x->id < y->id ? -1 : x->id > y->id;
}

void vault_index_sort(struct vault_index *v) {
        if (v->n > 1)
                qsort(v->v, v->n, sizeof(v->v[0]), by_time);
}

size_t vault_index_count(const struct vault_index *v) {
        return v->n;
}

struct vault_entry *vault_index_at(struct vault_index *v, size_t i) {
        return i < v->n ? &v->v[i] : NULL;
}

uint64_t vault_index_bytes(const struct vault_index *v) {
        return v->bytes;
}

const struct vault_entry *vault_index_kept(const struct vault_index *v, dev_t dev, ino_t ino) {
        for (size_t i = v->n; i-- > 0;)
                if (v->v[i].kind == VAULT_KEPT && v->v[i].dev == dev && v->v[i].ino == ino)
                        return &v->v[i];
        return NULL;
}

bool vault_index_has_current(const struct vault_index *v, uint64_t fam, dev_t dev, ino_t ino, uint64_t size,
                             int64_t mtime_ns) {
        for (size_t i = v->n; i-- > 0;) {
                const struct vault_entry *e = &v->v[i];
                if (e->kind == VAULT_KEPT && e->dev == dev && e->ino == ino)
                        return e->fam == fam && e->size == size && e->mtime_ns == mtime_ns;
        }
        return false;
}

size_t vault_index_expire(struct vault_index *v, uint64_t now_ms, uint64_t keep_ms, uint64_t quiet_ms,
                          uint64_t max_bytes, vault_standing_t standing, void (*drop)(void *u, const struct vault_entry *e),
                          void *u) {
        size_t k = 0, budget = 0;
        uint64_t over = v->bytes > max_bytes ? v->bytes - max_bytes : 0;
        /* For the budget the originals of families under suspicion go last: they are what a
         * restore needs. First pass: everyone else's, oldest first; then the suspects'. */
        uint64_t others = 0;
        for (size_t i = 0; over && standing && i + 1 < v->n; i++)
                if (v->v[i].kind == VAULT_KEPT && standing(u, v->v[i].fam) != VAULT_SUSPECT)
                        others += v->v[i].cost;
        bool spare_suspects = others >= over;
        for (size_t i = 0; i < v->n; i++) {
                struct vault_entry *e = &v->v[i];
                uint64_t age = now_ms >= e->t_ms ? now_ms - e->t_ms : 0;
                bool old = age > keep_ms;
                /* Asked only where the answer can matter (it may read /proc): an entry past the
                 * quiet time, or one the budget may take. */
                enum vault_standing f = !old && standing && (age > quiet_ms || over > 0) ? standing(u, e->fam)
                                                                                        : VAULT_SUSPECT;
                bool gone = f != VAULT_SUSPECT && age > quiet_ms;
                bool for_budget = !old && !gone && over > 0 && e->kind == VAULT_KEPT && i + 1 < v->n &&
                                  !(spare_suspects && f == VAULT_SUSPECT);
                if (old || gone || for_budget) {
                        if (e->kind == VAULT_KEPT) {
                                v->bytes -= e->cost;
                                over = over > e->cost ? over - e->cost : 0;
                        }
                        budget += for_budget;
                        if (drop)
                                drop(u, e);
                        vault_entry_clear(e);
                        continue;
                }
                v->v[k++] = *e;
        }
        v->n = k;
        return budget;
}

cJSON *vault_entry_json(const struct vault_entry *e) {
        char id[16], fam[24], dev[24], ino[24], mt[24], at[24];
        snprintf(id, sizeof(id), "%08x", e->id);
        /* 64-bit values as decimal strings: a JSON number (a double) holds 53 bits. */
        snprintf(fam, sizeof(fam), "%llu", (unsigned long long)e->fam);
        snprintf(dev, sizeof(dev), "%llu", (unsigned long long)e->dev);
        snprintf(ino, sizeof(ino), "%llu", (unsigned long long)e->ino);
        snprintf(mt, sizeof(mt), "%lld", (long long)e->mtime_ns);
        snprintf(at, sizeof(at), "%lld", (long long)e->atime_ns);
        cJSON *j = cJSON_CreateObject();
        bool ok = j && cJSON_AddStringToObject(j, "id", id) &&
                  cJSON_AddStringToObject(j, "kind", vault_kind_name(e->kind)) &&
                  cJSON_AddStringToObject(j, "why", vault_why_name(e->why)) &&
                  cJSON_AddBoolToObject(j, "reflink", e->reflink) &&
                  cJSON_AddStringToObject(j, "family", fam) &&
                  cJSON_AddStringToObject(j, "path", e->path ? e->path : "") &&
                  cJSON_AddStringToObject(j, "path2", e->path2 ? e->path2 : "") &&
                  cJSON_AddStringToObject(j, "dev", dev) && cJSON_AddStringToObject(j, "ino", ino) &&
                  cJSON_AddNumberToObject(j, "size", (double)e->size) &&
                  (e->cost == e->size || cJSON_AddNumberToObject(j, "cost", (double)e->cost)) &&
                  cJSON_AddStringToObject(j, "mtime_ns", mt) &&
                  cJSON_AddStringToObject(j, "atime_ns", at) &&
                  cJSON_AddNumberToObject(j, "uid", e->uid) && cJSON_AddNumberToObject(j, "gid", e->gid) &&
                  cJSON_AddNumberToObject(j, "mode", e->mode) && cJSON_AddNumberToObject(j, "time_us", (double)e->t_us) &&
                  (!e->store || cJSON_AddNumberToObject(j, "store", e->store));
        if (!ok) {
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

static int num(const cJSON *j, const char *k, double min, double max, double *ret, char *err, size_t len) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < min || v->valuedouble > max) {
                snprintf(err, len, "vault entry: \"%s\" is missing or out of range", k);
                return -EINVAL;
        }
        *ret = v->valuedouble;
        return 0;
}

static int str(const cJSON *j, const char *k, char **ret, char *err, size_t len) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
        if (!cJSON_IsString(v) || strlen(v->valuestring) >= 4096) {
                snprintf(err, len, "vault entry: \"%s\" is missing or not a string", k);
                return -EINVAL;
        }
        if (!(*ret = strdup(v->valuestring)))
                return -ENOMEM;
        return 0;
}

/* A decimal integer given as a string (see vault_entry_json). */
static int dec(const cJSON *j, const char *k, bool sign, uint64_t *ret, char *err, size_t len) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
        char *end = NULL;
        errno = 0;
        if (cJSON_IsString(v) && v->valuestring[0]) {
                if (sign)
                        *ret = (uint64_t)strtoll(v->valuestring, &end, 10);
                else if (v->valuestring[0] != '-')
                        *ret = strtoull(v->valuestring, &end, 10);
        }
        if (!end || *end || errno) {
                snprintf(err, len, "vault entry: \"%s\" is missing or not a decimal integer", k);
                return -EINVAL;
        }
        return 0;
}

static int name_of(const char *const *names, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return (int)i;
        return -1;
}

int vault_entry_from_json(const cJSON *j, struct vault_entry *ret, char *err, size_t errlen) {
        struct vault_entry e = { 0 };
        double d[12] = { 0 };
        uint64_t u[5];
        const double big = 9007199254740992.0;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id"), *kind = cJSON_GetObjectItemCaseSensitive(j, "kind"),
                    *why = cJSON_GetObjectItemCaseSensitive(j, "why");
        char *endp = NULL;
        unsigned long v = cJSON_IsString(id) ? strtoul(id->valuestring, &endp, 16) : 0;
        int k = cJSON_IsString(kind) ? name_of(kind_names, 3, kind->valuestring) : -1;
        int w = cJSON_IsString(why) ? name_of(why_names, 4, why->valuestring) : -1;
        if (!endp || *endp || strlen(id->valuestring) != 8 || k < 0 || w < 0) {
                snprintf(err, errlen, "vault entry: \"id\", \"kind\" or \"why\" is invalid");
                return -EINVAL;
        }
        int r;
        if ((r = dec(j, "family", false, &u[0], err, errlen)) < 0 || (r = dec(j, "dev", false, &u[1], err, errlen)) < 0 ||
            (r = dec(j, "ino", false, &u[2], err, errlen)) < 0 || (r = num(j, "size", 0, big, &d[3], err, errlen)) < 0 ||
            (r = dec(j, "mtime_ns", true, &u[3], err, errlen)) < 0 || (r = dec(j, "atime_ns", true, &u[4], err, errlen)) < 0 ||
            (r = num(j, "uid", 0, 4294967295.0, &d[6], err, errlen)) < 0 ||
            (r = num(j, "gid", 0, 4294967295.0, &d[7], err, errlen)) < 0 ||
            (r = num(j, "mode", 0, 0177777, &d[8], err, errlen)) < 0 ||
            (r = num(j, "time_us", 0, big, &d[9], err, errlen)) < 0)
                return r;
        if ((r = str(j, "path", &e.path, err, errlen)) < 0 || (r = str(j, "path2", &e.path2, err, errlen)) < 0) {
                vault_entry_clear(&e);
                return r;
        }
        if (e.path[0] != '/' || (e.path2[0] && e.path2[0] != '/')) {
                vault_entry_clear(&e);
                snprintf(err, errlen, "vault entry: a path is not absolute");
                return -EINVAL;
        }
        if (!e.path2[0]) {
                free(e.path2);
                e.path2 = NULL;
        }
        e.id = (uint32_t)v;
        e.kind = (uint8_t)k;
        e.why = (uint8_t)w;
        e.reflink = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "reflink"));
        if (cJSON_GetObjectItemCaseSensitive(j, "store") &&
            (r = num(j, "store", 0, VAULT_MAX_STORES - 1, &d[10], err, errlen)) < 0) {
                vault_entry_clear(&e);
                return r;
        }
        e.store = cJSON_GetObjectItemCaseSensitive(j, "store") ? (uint8_t)d[10] : 0;
        if (cJSON_GetObjectItemCaseSensitive(j, "cost") && (r = num(j, "cost", 0, big, &d[11], err, errlen)) < 0) {
                vault_entry_clear(&e);
                return r;
        }
        e.fam = u[0];
        e.dev = (dev_t)u[1];
        e.ino = (ino_t)u[2];
        e.size = (uint64_t)d[3];
        e.cost = cJSON_GetObjectItemCaseSensitive(j, "cost") ? (uint64_t)d[11] : e.size; /* (older records: a copy) */
        e.mtime_ns = (int64_t)u[3];
        e.atime_ns = (int64_t)u[4];
        e.uid = (uid_t)d[6];
        e.gid = (gid_t)d[7];
        e.mode = (mode_t)d[8];
        e.t_us = (uint64_t)d[9];
        *ret = e;
        return 0;
}
