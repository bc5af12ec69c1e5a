/* carry — per-client evidence of server workers. */
#include "carry.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

void carry_init(struct carry *c, uint32_t window_ms, uint32_t half_life_ms) {
        c->window_ms = window_ms;
        c->half_life_ms = half_life_ms ? half_life_ms : 1;
}

static double decayed(const struct carry *c, const struct carry_entry *x, uint64_t now) {
        if (now <= x->t)
                return x->score;
        if (now - x->t > c->window_ms)
                return 0;
        return x->score * exp2(-(double)(now - x->t) / (double)c->half_life_ms);
}

static bool same(const struct carry_entry *x, const struct block_key *a, uid_t uid) {
        return x->uid == uid && x->v6 == a->v6 && memcmp(x->addr, a->addr, 16) == 0;
}

static struct carry_entry *find(const struct carry *c, const struct block_client *cl) {
        struct block_key a;
        block_key_of(cl, BLOCK_ADDR, &a);
        for (size_t i = 0; i < c->n; i++)
                if (same(&c->v[i], &a, cl->uid))
                        return (struct carry_entry *)&c->v[i];
        return NULL;
}

/* Put the newest paths in front of the ones kept. */
static void prepend_paths(struct carry_entry *x, char *const *paths, uint32_t files) {
        char buf[sizeof(x->paths)];
        size_t o = 0;
        buf[0] = '\0';
        for (uint32_t i = 0; paths && i < files && paths[i]; i++) {
                if (o)
                        util_escape_append(buf, sizeof(buf), &o, " | ");
                util_escape_append(buf, sizeof(buf), &o, paths[i]);
        }
        if (o && x->paths[0])
                util_escape_append(buf, sizeof(buf), &o, " | ");
        snprintf(buf + o, sizeof(buf) - o, "%s", x->paths);
        memcpy(x->paths, buf, sizeof(buf));
}

void carry_forget(struct carry *c, const struct block_client *cl) {
        struct carry_entry *x = cl->is_worker ? find(c, cl) : NULL;
        if (x)
                *x = c->v[--c->n];
}

const char *carry_paths(const struct carry *c, const struct block_client *cl) {
        const struct carry_entry *x = cl->is_worker ? find(c, cl) : NULL;
        return x ? x->paths : "";
}

void carry_credit(struct carry *c, const struct block_client *cl, double points, uint32_t files, char *const *paths,
                  uint32_t n_paths, uint64_t now) {
        if (!cl->is_worker || !(points > 0 || files > 0))
                return;
        struct carry_entry *x = find(c, cl);
        if (!x) {
                if (c->n < CARRY_MAX)
                        x = &c->v[c->n++];
                else {
                        x = &c->v[0]; /* the least suspicious now makes room */
                        for (size_t i = 1; i < c->n; i++)
                                if (decayed(c, &c->v[i], now) < decayed(c, x, now))
                                        x = &c->v[i];
                }
                struct block_key a;
                block_key_of(cl, BLOCK_ADDR, &a);
                *x = (struct carry_entry){ .uid = cl->uid, .v6 = a.v6 };
                memcpy(x->addr, a.addr, 16);
        }
        if (now > x->t && now - x->t > c->window_ms) { /* the window passed: a new story */
                x->files = 0;
                x->damage = 0;
                x->t_first_damage = 0;
                x->paths[0] = '\0';
        }
        if (files && n_paths)
                prepend_paths(x, paths, n_paths < files ? n_paths : files);
        x->score = decayed(c, x, now) + (points > 0 ? points : 0);
        x->t = now;
        x->files += files;
        if (files && !x->t_first_damage)
                x->t_first_damage = now;
}

void carry_damage_credit(struct carry *c, const struct block_client *cl, double damage, uint64_t now) {
        struct carry_entry *x = cl->is_worker && damage > 0 ? find(c, cl) : NULL;
        if (x && now >= x->t && now - x->t <= c->window_ms)
                x->damage += damage;
}

double carry_damage(const struct carry *c, const struct block_client *cl, uint64_t now) {
        const struct carry_entry *x = cl->is_worker ? find(c, cl) : NULL;
        return x && now >= x->t && now - x->t <= c->window_ms ? x->damage : 0;
}

double carry_score(const struct carry *c, const struct block_client *cl, uint64_t now, uint32_t *ret_files,
                   uint64_t *ret_first_damage) {
        const struct carry_entry *x = cl->is_worker ? find(c, cl) : NULL;
        double s = x ? decayed(c, x, now) : 0;
        if (ret_files)
                *ret_files = s > 0 ? x->files : 0;
        if (ret_first_damage)
                *ret_first_damage = s > 0 ? x->t_first_damage : 0;
        return s;
}
