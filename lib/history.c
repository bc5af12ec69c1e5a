/* history — a ring of the newest incidents, and their JSON form. */
#include "history.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct history {
        struct history_entry v[HISTORY_MAX];
        size_t first, n;
};

static const char *const state_names[] = { "stopped", "killed", "resumed", "left" };

const char *history_state_name(enum history_state s) {
        return (unsigned)s < sizeof(state_names) / sizeof(state_names[0]) ? state_names[s] : "?";
}

int history_new(struct history **ret) {
        struct history *h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        *ret = h;
        return 0;
}

void history_entry_clear(struct history_entry *e) {
        free(e->members);
        memset(e, 0, sizeof(*e));
}

struct history *history_free(struct history *h) {
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->n; i++)
                history_entry_clear(history_at(h, i));
        free(h);
        return NULL;
}

size_t history_count(const struct history *h) {
        return h->n;
}

struct history_entry *history_at(struct history *h, size_t i) {
        return i < h->n ? &h->v[(h->first + i) % HISTORY_MAX] : NULL;
}

struct history_entry *history_find(struct history *h, const char *id) {
        for (size_t i = 0; i < h->n; i++) {
                struct history_entry *e = history_at(h, i);
                if (strcmp(e->d.id, id) == 0)
                        return e;
        }
        return NULL;
}

static int copy_entry(struct history_entry *dst, const struct history_entry *src) {
        struct history_member *m = NULL;
        uint32_t n = src->n_members > HISTORY_MEMBERS_MAX ? HISTORY_MEMBERS_MAX : src->n_members;
        if (n) {
                if (!(m = malloc(n * sizeof(*m))))
                        return -ENOMEM;
                memcpy(m, src->members, n * sizeof(*m));
        }
        *dst = *src;
        dst->members = m;
        dst->more_members = src->more_members + (src->n_members - n);
        dst->n_members = n;
        return 0;
}

int history_add(struct history *h, const struct history_entry *e, char ret_dropped[HISTORY_ID_LEN + 1]) {
        struct history_entry c;
        int r = copy_entry(&c, e);
        if (r < 0)
                return r;
        if (ret_dropped)
                ret_dropped[0] = '\0';
        struct history_entry *old = history_find(h, e->d.id);
        if (old) {
                history_entry_clear(old);
                *old = c;
                return 0;
        }
        if (h->n == HISTORY_MAX) {
                struct history_entry *o = history_at(h, 0);
                if (ret_dropped)
                        memcpy(ret_dropped, o->d.id, HISTORY_ID_LEN + 1);
                history_entry_clear(o);
                h->first = (h->first + 1) % HISTORY_MAX;
                h->n--;
        }
        h->v[(h->first + h->n) % HISTORY_MAX] = c;
        h->n++;
        return 0;
}

bool history_id_valid(const char *s) {
        if (!s || strlen(s) != HISTORY_ID_LEN)
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
                        return false;
        return true;
}

void history_make_id(uint32_t rnd, char ret[HISTORY_ID_LEN + 1]) {
        snprintf(ret, HISTORY_ID_LEN + 1, "%08x", rnd);
}

/* The string fields, each with its JSON key: one table for both directions. */
#define FIELD(k, f) { k, offsetof(struct detection, f), sizeof(((struct detection *)0)->f) }
static const struct {
        const char *key;
        size_t off, size;
} strings[] = {
        FIELD("comm", comm), FIELD("exe", exe), FIELD("cmdline", cmdline), FIELD("cgroup", cgroup),
        FIELD("root_comm", root_comm), FIELD("action", action), FIELD("result", result),
        FIELD("paths", sample_paths), FIELD("reasons", reasons), FIELD("client_addr", client_addr),
        FIELD("client_user", client_user), FIELD("client_host", client_host), FIELD("blocked", blocked),
};

cJSON *history_to_json(const struct history_entry *e, bool with_members) {
        const struct detection *d = &e->d;
        char fam[24];
        snprintf(fam, sizeof(fam), "%llu", (unsigned long long)d->fam); /* 64 bits: not a JSON number */
        cJSON *j = cJSON_CreateObject();
        bool ok = j && cJSON_AddStringToObject(j, "id", d->id) && cJSON_AddStringToObject(j, "family", fam) && cJSON_AddNumberToObject(j, "time_us", (double)e->t_us) &&
                  cJSON_AddNumberToObject(j, "pid", d->pid) && cJSON_AddNumberToObject(j, "uid", d->uid) &&
                  cJSON_AddNumberToObject(j, "root_pid", d->root_pid) && cJSON_AddNumberToObject(j, "score", d->score) &&
                  cJSON_AddNumberToObject(j, "files", d->files) &&
                  cJSON_AddNumberToObject(j, "members_acted", d->members) &&
                  cJSON_AddNumberToObject(j, "ms_to_action", (double)d->ms_first_damage_to_action) &&
                  cJSON_AddStringToObject(j, "by", e->by) &&
                  cJSON_AddNumberToObject(j, "more_members", e->more_members);
        for (size_t i = 0; ok && i < sizeof(strings) / sizeof(strings[0]); i++)
                ok = cJSON_AddStringToObject(j, strings[i].key, (const char *)d + strings[i].off) != NULL;
        if (ok && with_members) {
                cJSON *a = cJSON_AddArrayToObject(j, "members");
                ok = a != NULL;
                for (uint32_t i = 0; ok && i < e->n_members; i++) {
                        const struct history_member *m = &e->members[i];
                        cJSON *o = cJSON_CreateObject();
                        ok = o && cJSON_AddItemToArray(a, o) && cJSON_AddNumberToObject(o, "pid", m->pid) &&
                             cJSON_AddNumberToObject(o, "start", (double)m->start) &&
                             cJSON_AddStringToObject(o, "comm", m->comm) &&
                             cJSON_AddStringToObject(o, "state", history_state_name(m->state));
                }
        }
        if (!ok) {
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

static int bad(char *err, size_t len, const char *key, const char *what) {
        snprintf(err, len, "incident record: \"%s\" %s", key, what);
        return -EINVAL;
}

/* A whole number in [min, max] (doubles hold integers exactly below 2^53). */
static int number(const cJSON *j, const char *key, double min, double max, double *ret, char *err, size_t len) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
        if (!cJSON_IsNumber(v))
                return bad(err, len, key, "is missing or not a number");
        if (!isfinite(v->valuedouble) || v->valuedouble < min || v->valuedouble > max)
                return bad(err, len, key, "is out of range");
        *ret = v->valuedouble;
        return 0;
}

static int string(const cJSON *j, const char *key, char *buf, size_t size, char *err, size_t len) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
        if (!cJSON_IsString(v) || !v->valuestring)
                return bad(err, len, key, "is missing or not a string");
        if (strlen(v->valuestring) >= size)
                return bad(err, len, key, "is too long");
        memcpy(buf, v->valuestring, strlen(v->valuestring) + 1);
        return 0;
}

static int state_of(const char *s) {
        for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
                if (strcmp(s, state_names[i]) == 0)
                        return (int)i;
        return -1;
}

int history_from_json(const cJSON *j, struct history_entry *ret, char *err, size_t errlen) {
        struct history_entry e = { 0 };
        struct detection *d = &e.d;
        double v[9];
        int r;
        if (!cJSON_IsObject(j)) {
                snprintf(err, errlen, "incident record: not a JSON object");
                return -EINVAL;
        }
        if ((r = string(j, "id", d->id, sizeof(d->id), err, errlen)) < 0)
                return r;
        if (!history_id_valid(d->id))
                return bad(err, errlen, "id", "is not an incident id");
        if ((r = number(j, "time_us", 0, 9007199254740992.0, &v[0], err, errlen)) < 0 ||
            (r = number(j, "pid", -1, 4194304, &v[1], err, errlen)) < 0 ||
            (r = number(j, "uid", 0, 4294967295.0, &v[2], err, errlen)) < 0 ||
            (r = number(j, "root_pid", -1, 4194304, &v[3], err, errlen)) < 0 ||
            (r = number(j, "score", -1e9, 1e9, &d->score, err, errlen)) < 0 ||
            (r = number(j, "files", 0, 4294967295.0, &v[4], err, errlen)) < 0 ||
            (r = number(j, "members_acted", 0, 4294967295.0, &v[5], err, errlen)) < 0 ||
            (r = number(j, "ms_to_action", -1, 9007199254740992.0, &v[6], err, errlen)) < 0 ||
            (r = number(j, "more_members", 0, 4294967295.0, &v[7], err, errlen)) < 0 ||
            (r = string(j, "by", e.by, sizeof(e.by), err, errlen)) < 0)
                return r;
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "family"); /* absent in older records */
        if (f) {
                char *end = NULL;
                if (cJSON_IsString(f) && f->valuestring[0] != '-')
                        d->fam = strtoull(f->valuestring, &end, 10);
                if (!end || *end)
                        return bad(err, errlen, "family", "is not a decimal integer");
        }
        e.t_us = (uint64_t)v[0];
        d->pid = (int)v[1];
        d->uid = (unsigned)v[2];
        d->root_pid = (int)v[3];
        d->files = (unsigned)v[4];
        d->members = (unsigned)v[5];
        d->ms_first_damage_to_action = (long long)v[6];
        e.more_members = (uint32_t)v[7];
        for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
                if ((r = string(j, strings[i].key, (char *)d + strings[i].off, strings[i].size, err, errlen)) < 0)
                        return r;
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "members");
        if (a && !cJSON_IsArray(a))
                return bad(err, errlen, "members", "is not an array");
        int n = a ? cJSON_GetArraySize(a) : 0;
        if (n > HISTORY_MEMBERS_MAX)
                return bad(err, errlen, "members", "has too many elements");
        if (n > 0 && !(e.members = calloc((size_t)n, sizeof(*e.members))))
                return -ENOMEM;
        const cJSON *o;
        cJSON_ArrayForEach(o, a) {
                struct history_member *m = &e.members[e.n_members];
                char st[16];
                if (!cJSON_IsObject(o) || (r = number(o, "pid", 1, 4194304, &v[0], err, errlen)) < 0 ||
                    (r = number(o, "start", 0, 9007199254740992.0, &v[1], err, errlen)) < 0 ||
                    (r = string(o, "comm", m->comm, sizeof(m->comm), err, errlen)) < 0 ||
                    (r = string(o, "state", st, sizeof(st), err, errlen)) < 0 || state_of(st) < 0) {
                        if (r == 0)
                                r = bad(err, errlen, "members", "holds an invalid element");
                        free(e.members);
                        return r;
                }
                m->pid = (int)v[0];
                m->start = (uint64_t)v[1];
                m->state = (uint8_t)state_of(st);
                e.n_members++;
        }
        *ret = e;
        return 0;
}
