/* fcache — files in two keyed hash tables (by identity; by directory node and name), directory
 * nodes in a third (by path), and one LRU list of files.
 *
 * A directory node exists while some known file is named in it or below it (refs counts its
 * named files and child nodes); it holds its full path, and its child nodes, so that a rename
 * of a directory re-paths just that subtree of nodes. */
#include "fcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lru.h"
#include "util.h"

struct fdir {
        char *path;                 /* "/a/b" ("/" for the root, "" for names without a '/') */
        size_t len;
        uint64_t h;
        struct fdir *parent;
        struct fdir *next_hash;
        struct fdir *child, *prev_sib, *next_sib;
        struct fentry *files;       /* files named in it (next_file) */
        unsigned refs;              /* named files + child nodes */
};

struct fentry {
        dev_t dev;
        ino_t ino;
        struct fdir *dir;           /* NULL: known by identity only */
        char *name;
        uint64_t name_h;
        struct fentry *prev_file, *next_file;
        struct sample s;
        uint64_t owner, t_owned;    /* the family that created it, when (fcache_set_owner) */
        uint64_t reader, t_read;    /* the family that opened it last, when (fcache_set_reader) */
        struct fentry *next_id, *next_path;
        struct lru_node lru;
};

struct fcache {
        struct fentry **by_id, **by_path;
        struct fdir **dirs;
        unsigned n_buckets, n, max;
        size_t bytes, max_bytes;
        uint8_t key[16];
        struct lru_list lru;
};

#define FENTRY(n) lru_entry((n), struct fentry, lru)

/* ---- hashing ---- */

static uint64_t id_hash(const struct fcache *c, dev_t dev, ino_t ino) {
        uint64_t k[2] = { (uint64_t)dev, (uint64_t)ino };
        return util_siphash(c->key, k, sizeof(k));
}

static uint64_t name_hash(const struct fcache *c, const struct fdir *d, const char *name, size_t len) {
        uint8_t buf[512];
        uintptr_t p = (uintptr_t)d;
        if (len + sizeof(p) > sizeof(buf)) /* long names: the directory mixed in afterwards */
                return util_siphash(c->key, name, len) ^ (p * UINT64_C(0x9e3779b97f4a7c15));
        memcpy(buf, &p, sizeof(p));
        memcpy(buf + sizeof(p), name, len);
        return util_siphash(c->key, buf, sizeof(p) + len);
}

static uint64_t dir_hash(const struct fcache *c, const char *path, size_t len) {
        return util_siphash(c->key, path, len);
}

/* ---- directory nodes ---- */

/* Split path into its directory part (len) and name. */
static const char *split(const char *path, size_t *ret_dir_len) {
        const char *slash = strrchr(path, '/');
        if (!slash) {
                *ret_dir_len = 0;
                return path;
        }
        *ret_dir_len = slash == path ? 1 : (size_t)(slash - path); /* "/x" is in "/" */
        return slash + 1;
}

static struct fdir *dir_find(const struct fcache *c, const char *path, size_t len) {
        uint64_t h = dir_hash(c, path, len);
        for (struct fdir *d = c->dirs[h & (c->n_buckets - 1)]; d; d = d->next_hash)
                if (d->h == h && d->len == len && memcmp(d->path, path, len) == 0)
                        return d;
        return NULL;
}

static void dir_hash_unhook(struct fcache *c, struct fdir *d) {
        for (struct fdir **pp = &c->dirs[d->h & (c->n_buckets - 1)]; *pp; pp = &(*pp)->next_hash)
                if (*pp == d) {
                        *pp = d->next_hash;
                        return;
                }
}

static void dir_hash_hook(struct fcache *c, struct fdir *d) {
        d->h = dir_hash(c, d->path, d->len);
        struct fdir **head = &c->dirs[d->h & (c->n_buckets - 1)];
        d->next_hash = *head;
        *head = d;
}

static void child_attach(struct fdir *parent, struct fdir *d) {
        d->parent = parent;
        d->prev_sib = NULL;
        d->next_sib = parent->child;
        if (parent->child)
                parent->child->prev_sib = d;
        parent->child = d;
        parent->refs++;
}

static void child_detach(struct fdir *d) {
        if (d->prev_sib)
                d->prev_sib->next_sib = d->next_sib;
        else
                d->parent->child = d->next_sib;
        if (d->next_sib)
                d->next_sib->prev_sib = d->prev_sib;
        d->prev_sib = d->next_sib = NULL;
}

/* One reference less; a node nobody refers to goes, and may take its parents with it. */
static void dir_unref(struct fcache *c, struct fdir *d) {
        while (d && --d->refs == 0) {
                struct fdir *parent = d->parent;
                if (parent)
                        child_detach(d);
                dir_hash_unhook(c, d);
                c->bytes -= sizeof(*d) + d->len + 1;
                free(d->path);
                free(d);
                d = parent;
        }
}

/* The node of directory path (len bytes), created with its parents when missing; the caller
 * takes one reference. NULL on ENOMEM. */
static struct fdir *dir_ref(struct fcache *c, const char *path, size_t len) {
        struct fdir *d = dir_find(c, path, len);
        if (d) {
                d->refs++;
                return d;
        }
        if (!(d = calloc(1, sizeof(*d))) || !(d->path = malloc(len + 1))) {
                free(d);
                return NULL;
        }
        memcpy(d->path, path, len);
        d->path[len] = '\0';
        d->len = len;
        d->refs = 1;
        bool top = len == 0 || (len == 1 && path[0] == '/');
        if (!top) {
                size_t plen;
                (void)split(d->path, &plen);
                struct fdir *parent = dir_ref(c, path, plen);
                if (!parent) {
                        free(d->path);
                        free(d);
                        return NULL;
                }
                parent->refs--; /* child_attach counts it */
                child_attach(parent, d);
        }
        dir_hash_hook(c, d);
        c->bytes += sizeof(*d) + len + 1;
        return d;
}

/* ---- files ---- */

static struct fentry **id_slot(struct fcache *c, dev_t dev, ino_t ino) {
        struct fentry **pp = &c->by_id[id_hash(c, dev, ino) & (c->n_buckets - 1)];
        while (*pp && ((*pp)->ino != ino || (*pp)->dev != dev))
                pp = &(*pp)->next_id;
        return pp;
}

static struct fentry *path_find(struct fcache *c, const char *path) {
        size_t dl;
        const char *name = split(path, &dl);
        struct fdir *d = dir_find(c, path, dl);
        if (!d)
                return NULL;
        size_t nl = strlen(name);
        uint64_t h = name_hash(c, d, name, nl);
        for (struct fentry *e = c->by_path[h & (c->n_buckets - 1)]; e; e = e->next_path)
                if (e->name_h == h && e->dir == d && strcmp(e->name, name) == 0)
                        return e;
        return NULL;
}

/* e loses its name (it stays known by identity). */
static void path_clear(struct fcache *c, struct fentry *e) {
        if (!e->dir)
                return;
        for (struct fentry **pp = &c->by_path[e->name_h & (c->n_buckets - 1)]; *pp; pp = &(*pp)->next_path)
                if (*pp == e) {
                        *pp = e->next_path;
                        break;
                }
        if (e->prev_file)
                e->prev_file->next_file = e->next_file;
        else
                e->dir->files = e->next_file;
        if (e->next_file)
                e->next_file->prev_file = e->prev_file;
        e->prev_file = e->next_file = e->next_path = NULL;
        c->bytes -= strlen(e->name) + 1;
        free(e->name);
        e->name = NULL;
        struct fdir *d = e->dir;
        e->dir = NULL;
        dir_unref(c, d);
}

/* Give e the name path, taking it from whichever file had it. */
static int set_path(struct fcache *c, struct fentry *e, const char *path) {
        struct fentry *other = path_find(c, path);
        if (other == e)
                return 0;
        if (other)
                path_clear(c, other);
        size_t dl;
        const char *name = split(path, &dl);
        char *copy = strdup(name);
        struct fdir *d = copy ? dir_ref(c, path, dl) : NULL;
        if (!d) {
                free(copy);
                path_clear(c, e); /* better no name than a wrong one */
                return -ENOMEM;
        }
        path_clear(c, e);
        e->dir = d;
        e->name = copy;
        e->name_h = name_hash(c, d, copy, strlen(copy));
        struct fentry **head = &c->by_path[e->name_h & (c->n_buckets - 1)];
        e->next_path = *head;
        *head = e;
        e->next_file = d->files;
        if (d->files)
                d->files->prev_file = e;
        d->files = e;
        c->bytes += strlen(copy) + 1;
        return 0;
}

static void remove_entry(struct fcache *c, struct fentry *e) {
        struct fentry **pp = id_slot(c, e->dev, e->ino);
        if (*pp == e)
                *pp = e->next_id;
        path_clear(c, e);
        lru_unlink(&c->lru, &e->lru);
        c->bytes -= sizeof(*e);
        free(e);
        c->n--;
}

/* Evict the least recently used files until within both limits; keep is spared. */
static void shrink(struct fcache *c, const struct fentry *keep) {
        while ((c->n > c->max || c->bytes > c->max_bytes) && c->lru.tail) {
                struct fentry *t = FENTRY(c->lru.tail);
                if (t == keep) {
                        if (!t->lru.prev)
                                return;
                        t = FENTRY(t->lru.prev);
                }
                remove_entry(c, t);
        }
}

int fcache_new(unsigned max_files, size_t max_bytes, const uint8_t key[16], struct fcache **ret) {
        struct fcache *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->n_buckets = 1;
        while (c->n_buckets < max_files && c->n_buckets < (1u << 22))
                c->n_buckets <<= 1;
        c->by_id = calloc(c->n_buckets, sizeof(*c->by_id));
        c->by_path = calloc(c->n_buckets, sizeof(*c->by_path));
        c->dirs = calloc(c->n_buckets, sizeof(*c->dirs));
        if (!c->by_id || !c->by_path || !c->dirs) {
                fcache_free(c);
                return -ENOMEM;
        }
        memcpy(c->key, key, sizeof(c->key));
        fcache_set_limits(c, max_files, max_bytes);
        *ret = c;
        return 0;
}

void fcache_free(struct fcache *c) {
        if (!c)
                return;
        while (c->by_id && c->lru.head)
                remove_entry(c, FENTRY(c->lru.head));
        free(c->by_id);
        free(c->by_path);
        free(c->dirs);
        free(c);
}

void fcache_set_limits(struct fcache *c, unsigned max_files, size_t max_bytes) {
        c->max = max_files ? max_files : 1;
        c->max_bytes = max_bytes;
        shrink(c, NULL);
}

int fcache_put(struct fcache *c, dev_t dev, ino_t ino, const char *path, const struct sample *s) {
        struct fentry *e = *id_slot(c, dev, ino);
        if (!e) {
                if (!(e = calloc(1, sizeof(*e))))
                        return -ENOMEM;
                e->dev = dev;
                e->ino = ino;
                struct fentry **head = &c->by_id[id_hash(c, dev, ino) & (c->n_buckets - 1)];
                e->next_id = *head;
                *head = e;
                lru_push(&c->lru, &e->lru);
                c->n++;
                c->bytes += sizeof(*e);
        } else
                lru_touch(&c->lru, &e->lru);
        e->s = *s;
        int r = path ? set_path(c, e, path) : 0;
        shrink(c, e);
        return r;
}

int fcache_set_owner(struct fcache *c, dev_t dev, ino_t ino, uint64_t family, uint64_t t_ms) {
        struct fentry *e = *id_slot(c, dev, ino);
        if (!e)
                return -ENOENT;
        e->owner = family;
        e->t_owned = t_ms;
        return 0;
}

int fcache_set_reader(struct fcache *c, dev_t dev, ino_t ino, uint64_t family, uint64_t t_ms) {
        struct fentry *e = *id_slot(c, dev, ino);
        if (!e)
                return -ENOENT;
        e->reader = family;
        e->t_read = t_ms;
        return 0;
}

uint64_t fcache_reader_path(struct fcache *c, const char *path, uint64_t *ret_t) {
        struct fentry *e = path_find(c, path);
        if (ret_t)
                *ret_t = e ? e->t_read : 0;
        return e ? e->reader : 0;
}

void fcache_clear_owner_path(struct fcache *c, const char *path) {
        struct fentry *e = path_find(c, path);
        if (e)
                e->owner = e->t_owned = 0;
}

static uint64_t owner_of(const struct fentry *e, uint64_t *ret_t) {
        if (ret_t)
                *ret_t = e ? e->t_owned : 0;
        return e ? e->owner : 0;
}

uint64_t fcache_owner_ino(struct fcache *c, dev_t dev, ino_t ino, uint64_t *ret_t) {
        return owner_of(*id_slot(c, dev, ino), ret_t);
}

uint64_t fcache_owner_path(struct fcache *c, const char *path, uint64_t *ret_t) {
        return owner_of(path_find(c, path), ret_t);
}

const struct sample *fcache_get_ino(struct fcache *c, dev_t dev, ino_t ino) {
        struct fentry *e = *id_slot(c, dev, ino);
        if (!e)
                return NULL;
        lru_touch(&c->lru, &e->lru);
        return &e->s;
}

const struct sample *fcache_get_path(struct fcache *c, const char *path) {
        struct fentry *e = path_find(c, path);
        if (!e)
                return NULL;
        lru_touch(&c->lru, &e->lru);
        return &e->s;
}

void fcache_unlink(struct fcache *c, const char *path) {
        struct fentry *e = path_find(c, path);
        if (e)
                path_clear(c, e);
}

/* Every file named in d's subtree loses its name (a stale subtree being replaced). */
static void clear_subtree(struct fcache *c, struct fdir *d) {
        /* Each cleared name drops a reference; hold one so d outlives the walk. */
        d->refs++;
        while (d->child)
                clear_subtree(c, d->child);
        while (d->files)
                path_clear(c, d->files);
        dir_unref(c, d);
}

/* d (already attached where it belongs) takes the path `path`; its subtree follows. */
static int repath(struct fcache *c, struct fdir *d, const char *path, size_t len) {
        char *np = malloc(len + 1);
        if (!np)
                return -ENOMEM;
        memcpy(np, path, len);
        np[len] = '\0';
        dir_hash_unhook(c, d);
        c->bytes += len - d->len;
        free(d->path);
        d->path = np;
        d->len = len;
        dir_hash_hook(c, d);
        int r = 0;
        for (struct fdir *ch = d->child; ch; ch = ch->next_sib) {
                size_t cl;
                const char *base = split(ch->path, &cl);
                size_t bl = strlen(base);
                char *buf = malloc(len + 1 + bl + 1);
                if (!buf)
                        return -ENOMEM;
                memcpy(buf, np, len);
                buf[len] = '/';
                memcpy(buf + len + 1, base, bl + 1);
                r = repath(c, ch, buf, len + 1 + bl);
                free(buf);
                if (r < 0)
                        return r;
        }
        return 0;
}

void fcache_rename(struct fcache *c, const char *from, const char *to, bool is_dir) {
        struct fentry *e = path_find(c, from);
        if (e)
                (void)set_path(c, e, to); /* out of memory: it loses its name, never a wrong one */
        shrink(c, NULL);
        if (!is_dir || strcmp(from, to) == 0)
                return;
        struct fdir *d = dir_find(c, from, strlen(from));
        if (!d)
                return; /* nothing known below it */
        size_t tl = strlen(to), fl = strlen(from);
        if (tl > fl && strncmp(to, from, fl) == 0 && to[fl] == '/')
                return; /* into itself: the kernel refuses it (EINVAL) */
        struct fdir *stale = dir_find(c, to, tl);
        for (struct fdir *a = d; stale && a; a = a->parent)
                if (a == stale)
                        return; /* onto its own ancestor: the kernel refuses it (ENOTEMPTY) */
        if (stale)
                clear_subtree(c, stale);
        size_t pl;
        (void)split(to, &pl);
        struct fdir *np = d->parent ? dir_ref(c, to, pl) : NULL;
        if (!np) {
                clear_subtree(c, d); /* out of memory (or a top node): forget the names */
                return;
        }
        struct fdir *old = d->parent;
        child_detach(d);
        np->refs--; /* child_attach counts it */
        child_attach(np, d);
        dir_unref(c, old); /* the old parent loses this child */
        if (repath(c, d, to, tl) < 0)
                clear_subtree(c, d);
        shrink(c, NULL);
}

unsigned fcache_size(const struct fcache *c) {
        return c->n;
}

size_t fcache_bytes(const struct fcache *c) {
        return c->bytes;
}
