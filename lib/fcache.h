/* fcache — the last known state (sample) of each file, by path: the "before" of the next
 * change. Bounded: the least recently used entries go first. */
#pragma once
#include "sample.h"

struct fcache;

int fcache_new(unsigned max_entries, struct fcache **ret);
void fcache_free(struct fcache *c);
void fcache_set_max(struct fcache *c, unsigned max_entries);
/* Store (replace) the state of path. */
int fcache_put(struct fcache *c, const char *path, const struct sample *s);
/* NULL when unknown. The pointer is valid until the next call that changes the cache. */
const struct sample *fcache_get(struct fcache *c, const char *path);
void fcache_del(struct fcache *c, const char *path);
/* A rename: moves the entry of from (if any) to to, and every entry below from/ when a
 * directory was renamed (is_dir). */
void fcache_rename(struct fcache *c, const char *from, const char *to, bool is_dir);
unsigned fcache_size(const struct fcache *c);
