/* account — damage per user and per cgroup across families, with its own decay. */
#include "account.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

void account_init(struct account *a, uint32_t window_ms, uint32_t half_life_ms) {
        memset(a, 0, sizeof(*a));
        a->window_ms = window_ms;
        a->half_life_ms = half_life_ms ? half_life_ms : 1;
}

uint64_t account_key(uid_t uid, const char *cgroup, char *label, size_t label_len) {
        if (uid != 0 || !cgroup || !cgroup[0]) {
                snprintf(label, label_len, "uid %u", (unsigned)uid);
                return (uint64_t)uid | 1ull << 63;
        }
        snprintf(label, label_len, "cgroup %s", cgroup);
        return util_fnv1a_str(cgroup, strlen(cgroup)) & ~(1ull << 63);
}

static double decayed(const struct account *a, const struct account_entry *x, uint64_t now) {
        if (x->t == 0 || now < x->t)
                return x->damage;
        if (now - x->t > a->window_ms)
                return 0;
        return x->damage * exp2(-(double)(now - x->t) / (double)a->half_life_ms);
}

static struct account_entry *find(const struct account *a, uint64_t key) {
        for (size_t i = 0; i < a->n; i++)
                if (a->v[i].key == key)
                        return (struct account_entry *)&a->v[i];
        return NULL;
}

double account_credit(struct account *a, uint64_t key, const char *label, double damage, uint64_t family,
                      uint64_t now_ms) {
        struct account_entry *x = find(a, key);
        if (!x) {
                if (a->n < ACCOUNT_MAX)
                        x = &a->v[a->n++];
                else { /* full: the one with the least damage now makes room */
                        x = &a->v[0];
                        for (size_t i = 1; i < a->n; i++)
                                if (decayed(a, &a->v[i], now_ms) < decayed(a, x, now_ms))
                                        x = &a->v[i];
                }
                *x = (struct account_entry){ .key = key };
                snprintf(x->label, sizeof(x->label), "%s", label ? label : "?");
        }
        double d = decayed(a, x, now_ms);
        if (d == 0)
                x->families = 0;
        if (family != x->last_family && x->families < UINT32_MAX)
                x->families++;
        x->last_family = family;
        x->damage = d + (damage > 0 ? damage : 0);
        x->t = now_ms ? now_ms : 1;
        return x->damage;
}

double account_damage(const struct account *a, uint64_t key, uint64_t now_ms, const struct account_entry **ret) {
        const struct account_entry *x = find(a, key);
        if (ret)
                *ret = x;
        return x ? decayed(a, x, now_ms) : 0;
}
