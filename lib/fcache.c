/* fcache — one entry per file in two chained hash tables (by identity, by path) and an LRU list. */
#include "fcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lru.h"
#include "util.h"

struct fentry {
        dev_t dev;
        ino_t ino;
        char *path;             /* NULL: known by identity only */
        uint64_t path_h;
        struct sample s;
        struct fentry *next_id, *next_path;
        struct lru_node lru;
};

struct fcache {
        struct fentry **by_id, **by_path;
        unsigned n_buckets, n, max;
        struct lru_list lru;
};

#define FENTRY(n) lru_entry((n), struct fentry, lru)

static uint64_t id_hash(dev_t dev, ino_t ino) {
        uint64_t k[2] = { (uint64_t)dev, (uint64_t)ino };
        return util_fnv1a(UTIL_FNV_OFFSET, k, sizeof(k));
}

static uint64_t path_hash(const char *p) {
        return util_fnv1a_str(p, SIZE_MAX);
}

int fcache_new(unsigned max_files, struct fcache **ret) {
        struct fcache *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->n_buckets = 1;
        while (c->n_buckets < max_files && c->n_buckets < (1u << 22))
                c->n_buckets <<= 1;
        c->by_id = calloc(c->n_buckets, sizeof(*c->by_id));
        c->by_path = calloc(c->n_buckets, sizeof(*c->by_path));
        if (!c->by_id || !c->by_path) {
                fcache_free(c);
                return -ENOMEM;
        }
        c->max = max_files ? max_files : 1;
        *ret = c;
        return 0;
}

static struct fentry **id_slot(struct fcache *c, dev_t dev, ino_t ino) {
        struct fentry **pp = &c->by_id[id_hash(dev, ino) & (c->n_buckets - 1)];
        while (*pp && ((*pp)->ino != ino || (*pp)->dev != dev))
                pp = &(*pp)->next_id;
        return pp;
}

static struct fentry **path_slot(struct fcache *c, const char *path, uint64_t h) {
        struct fentry **pp = &c->by_path[h & (c->n_buckets - 1)];
        while (*pp && ((*pp)->path_h != h || strcmp((*pp)->path, path) != 0))
                pp = &(*pp)->next_path;
        return pp;
}

/* Take e's name out of the path table (e keeps it: the caller frees or reinserts). */
static void path_unhook(struct fcache *c, struct fentry *e) {
        if (!e->path)
                return;
        for (struct fentry **pp = &c->by_path[e->path_h & (c->n_buckets - 1)]; *pp; pp = &(*pp)->next_path)
                if (*pp == e) {
                        *pp = e->next_path;
                        break;
                }
        e->next_path = NULL;
}

static void path_hook(struct fcache *c, struct fentry *e) {
        struct fentry **head = &c->by_path[e->path_h & (c->n_buckets - 1)];
        e->next_path = *head;
        *head = e;
}

static void path_clear(struct fcache *c, struct fentry *e) {
        path_unhook(c, e);
        free(e->path);
        e->path = NULL;
}

static void remove_entry(struct fcache *c, struct fentry *e) {
        struct fentry **pp = id_slot(c, e->dev, e->ino);
        if (*pp == e)
                *pp = e->next_id;
        path_clear(c, e);
        lru_unlink(&c->lru, &e->lru);
        free(e);
        c->n--;
}

void fcache_free(struct fcache *c) {
        if (!c)
                return;
        while (c->by_id && c->lru.head)
                remove_entry(c, FENTRY(c->lru.head));
        free(c->by_id);
        free(c->by_path);
        free(c);
}

void fcache_set_max(struct fcache *c, unsigned max_files) {
        c->max = max_files ? max_files : 1;
        while (c->n > c->max)
                remove_entry(c, FENTRY(c->lru.tail));
}

/* Give e the name path (owned copy), taking it from whichever file had it. */
static int set_path(struct fcache *c, struct fentry *e, const char *path) {
        uint64_t h = path_hash(path);
        if (e->path && e->path_h == h && strcmp(e->path, path) == 0)
                return 0;
        char *copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        struct fentry *other = *path_slot(c, path, h);
        if (other)
                path_clear(c, other);
        path_clear(c, e);
        e->path = copy;
        e->path_h = h;
        path_hook(c, e);
        return 0;
}

int fcache_put(struct fcache *c, dev_t dev, ino_t ino, const char *path, const struct sample *s) {
        struct fentry *e = *id_slot(c, dev, ino);
        if (!e) {
                while (c->n >= c->max)
                        remove_entry(c, FENTRY(c->lru.tail));
                if (!(e = calloc(1, sizeof(*e))))
                        return -ENOMEM;
                e->dev = dev;
                e->ino = ino;
                struct fentry **head = &c->by_id[id_hash(dev, ino) & (c->n_buckets - 1)];
                e->next_id = *head;
                *head = e;
                lru_push(&c->lru, &e->lru);
                c->n++;
        } else
                lru_touch(&c->lru, &e->lru);
        e->s = *s;
        return path ? set_path(c, e, path) : 0;
}

const struct sample *fcache_get_ino(struct fcache *c, dev_t dev, ino_t ino) {
        struct fentry *e = *id_slot(c, dev, ino);
        if (!e)
                return NULL;
        lru_touch(&c->lru, &e->lru);
        return &e->s;
}

const struct sample *fcache_get_path(struct fcache *c, const char *path) {
        struct fentry *e = *path_slot(c, path, path_hash(path));
        if (!e)
                return NULL;
        lru_touch(&c->lru, &e->lru);
        return &e->s;
}

void fcache_unlink(struct fcache *c, const char *path) {
        struct fentry *e = *path_slot(c, path, path_hash(path));
        if (e)
                path_clear(c, e);
}

void fcache_rename(struct fcache *c, const char *from, const char *to, bool is_dir) {
        struct fentry *e = *path_slot(c, from, path_hash(from));
        if (e && set_path(c, e, to) < 0)
                path_clear(c, e); /* out of memory: better no name than a wrong one */
        if (!is_dir)
                return;
        /* Directory renames are rare: a linear pass over the cache. Renamed entries are collected
         * first and given their new names after the walk, so none is moved twice. */
        size_t fl = strlen(from), tl = strlen(to);
        struct fentry *moved = NULL;
        for (struct lru_node *xn = c->lru.head; xn; xn = xn->next) {
                struct fentry *x = FENTRY(xn);
                if (!x->path || strncmp(x->path, from, fl) != 0 || x->path[fl] != '/')
                        continue;
                size_t rest = strlen(x->path + fl);
                char *np = malloc(tl + rest + 1);
                path_unhook(c, x);
                if (np) {
                        memcpy(np, to, tl);
                        memcpy(np + tl, x->path + fl, rest + 1);
                }
                free(x->path);
                x->path = np; /* NULL (out of memory): known by identity only */
                if (np) {
                        x->next_path = moved;
                        moved = x;
                }
        }
        while (moved) {
                struct fentry *x = moved;
                moved = x->next_path;
                x->path_h = path_hash(x->path);
                struct fentry *other = *path_slot(c, x->path, x->path_h);
                if (other) /* a stale entry already had that name: the moved one wins */
                        path_clear(c, other);
                path_hook(c, x);
        }
}

unsigned fcache_size(const struct fcache *c) {
        return c->n;
}
