/* fcache — chained hash of path → sample with an LRU list. */
#include "fcache.h"
#include "lru.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fentry {
        char *path;
        uint64_t h;
        struct sample s;
        struct fentry *next_hash;
        struct lru_node lru;
};

struct fcache {
        struct fentry **bucket;
        unsigned n_buckets, n, max;
        struct lru_list lru;
};

static uint64_t hash_path(const char *p) {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (; *p; p++)
                h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
        return h;
}

int fcache_new(unsigned max_entries, struct fcache **ret) {
        struct fcache *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->n_buckets = 1;
        while (c->n_buckets < max_entries && c->n_buckets < (1u << 22))
                c->n_buckets <<= 1;
        c->bucket = calloc(c->n_buckets, sizeof(*c->bucket));
        if (!c->bucket) {
                free(c);
                return -ENOMEM;
        }
        c->max = max_entries ? max_entries : 1;
        *ret = c;
        return 0;
}

#define FENTRY(n) lru_entry((n), struct fentry, lru)

static struct fentry **find_slot(struct fcache *c, const char *path, uint64_t h) {
        struct fentry **pp = &c->bucket[h & (c->n_buckets - 1)];
        while (*pp && ((*pp)->h != h || strcmp((*pp)->path, path) != 0))
                pp = &(*pp)->next_hash;
        return pp;
}

static void remove_entry(struct fcache *c, struct fentry *e) {
        struct fentry **pp = find_slot(c, e->path, e->h);
        if (*pp == e)
                *pp = e->next_hash;
        lru_unlink(&c->lru, &e->lru);
        free(e->path);
        free(e);
        c->n--;
}

void fcache_free(struct fcache *c) {
        if (!c)
                return;
        while (c->lru.head)
                remove_entry(c, FENTRY(c->lru.head));
        free(c->bucket);
        free(c);
}

void fcache_set_max(struct fcache *c, unsigned max_entries) {
        c->max = max_entries ? max_entries : 1;
        while (c->n > c->max)
                remove_entry(c, FENTRY(c->lru.tail));
}

int fcache_put(struct fcache *c, const char *path, const struct sample *s) {
        uint64_t h = hash_path(path);
        struct fentry **pp = find_slot(c, path, h);
        if (*pp) {
                (*pp)->s = *s;
                lru_touch(&c->lru, &(*pp)->lru);
                return 0;
        }
        while (c->n >= c->max)
                remove_entry(c, FENTRY(c->lru.tail));
        struct fentry *e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->path = strdup(path);
        if (!e->path) {
                free(e);
                return -ENOMEM;
        }
        e->h = h;
        e->s = *s;
        pp = find_slot(c, path, h); /* eviction may have changed the chain */
        e->next_hash = *pp;
        *pp = e;
        lru_push(&c->lru, &e->lru);
        c->n++;
        return 0;
}

const struct sample *fcache_get(struct fcache *c, const char *path) {
        struct fentry *e = *find_slot(c, path, hash_path(path));
        if (!e)
                return NULL;
        lru_touch(&c->lru, &e->lru);
        return &e->s;
}

void fcache_del(struct fcache *c, const char *path) {
        struct fentry *e = *find_slot(c, path, hash_path(path));
        if (e)
                remove_entry(c, e);
}

void fcache_rename(struct fcache *c, const char *from, const char *to, bool is_dir) {
        struct fentry *e = *find_slot(c, from, hash_path(from));
        if (e) {
                struct sample s = e->s;
                remove_entry(c, e);
                (void)fcache_put(c, to, &s);
        }
        if (!is_dir)
                return;
        /* Directory renames are rare: a linear pass over the cache is fine. */
        size_t fl = strlen(from), tl = strlen(to);
        struct fentry *moved = NULL;
        for (struct lru_node *xn = c->lru.head, *nx; xn; xn = nx) {
                struct fentry *x = FENTRY(xn);
                nx = xn->next;
                if (strncmp(x->path, from, fl) == 0 && x->path[fl] == '/') {
                        size_t rest = strlen(x->path + fl);
                        char *np = malloc(tl + rest + 1);
                        if (!np)
                                continue;
                        memcpy(np, to, tl);
                        memcpy(np + tl, x->path + fl, rest + 1);
                        struct fentry **pp = find_slot(c, x->path, x->h);
                        if (*pp == x)
                                *pp = x->next_hash;
                        lru_unlink(&c->lru, &x->lru);
                        free(x->path);
                        x->path = np;
                        x->h = hash_path(np);
                        x->next_hash = moved; /* re-inserted below, after the walk */
                        moved = x;
                        c->n--;
                }
        }
        while (moved) {
                struct fentry *x = moved;
                moved = x->next_hash;
                struct fentry **pp = find_slot(c, x->path, x->h);
                if (*pp) { /* a stale entry already had that name: the moved one wins */
                        remove_entry(c, *pp);
                        pp = find_slot(c, x->path, x->h);
                }
                x->next_hash = *pp;
                *pp = x;
                lru_push(&c->lru, &x->lru);
                c->n++;
        }
}

unsigned fcache_size(const struct fcache *c) {
        return c->n;
}
