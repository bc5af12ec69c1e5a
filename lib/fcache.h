/* fcache — the before state of files: the last sample of each file we know, the "before" of its
 * next change. One entry per file, found by its identity (device and inode: what survives a
 * rename racing with the close-write, and what another name of the same file shares) or by its
 * protected path (what unlinks and renames name).
 *
 * Paths are kept as (directory, name): a directory rename re-names the directories below it,
 * never the files (its cost grows with the renamed subtree's directories, not with the cache).
 * Hashes are keyed (SipHash) so names chosen by an attacker cannot pile into one chain. Bounded
 * in entries and in bytes (names and directory paths included): the least recently used file
 * goes first, and a directory goes with its last file. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sample.h"

struct fcache;

/* key: 16 random bytes (the daemon takes them from getrandom). */
int fcache_new(unsigned max_files, size_t max_bytes, const uint8_t key[16], struct fcache **ret);
void fcache_free(struct fcache *c);
void fcache_set_limits(struct fcache *c, unsigned max_files, size_t max_bytes);

/* Store (replace) the state of the file dev:ino. path is its protected name now, and no other
 * file is known by that name afterwards; NULL keeps the name known so far (a write seen through
 * a name outside the protected paths). -ENOMEM when it cannot be stored. */
int fcache_put(struct fcache *c, dev_t dev, ino_t ino, const char *path, const struct sample *s);

/* NULL when unknown. The pointer is valid until the next call that changes the cache. */
const struct sample *fcache_get_ino(struct fcache *c, dev_t dev, ino_t ino);
const struct sample *fcache_get_path(struct fcache *c, const char *path);

/* Who created the file dev:ino: an opaque non-zero family id (the caller's) and when. Kept by
 * later puts and renames, gone with the entry. -ENOENT when the file is not known. */
int fcache_set_owner(struct fcache *c, dev_t dev, ino_t ino, uint64_t family, uint64_t t_ms);
/* The family that opened the file last (an opaque non-zero id) and when; like the owner, kept
 * by later puts and renames. */
int fcache_set_reader(struct fcache *c, dev_t dev, ino_t ino, uint64_t family, uint64_t t_ms);
uint64_t fcache_reader_path(struct fcache *c, const char *path, uint64_t *ret_t);
/* The file known by path has no owner any more. */
void fcache_clear_owner_path(struct fcache *c, const char *path);
/* 0 when unknown (then *ret_t, when not NULL, is 0 too). */
uint64_t fcache_owner_ino(struct fcache *c, dev_t dev, ino_t ino, uint64_t *ret_t);
uint64_t fcache_owner_path(struct fcache *c, const char *path, uint64_t *ret_t);

/* The name went away (unlinked, moved out of protection): the file itself stays known by
 * identity (it may still be open, or have another link). */
void fcache_unlink(struct fcache *c, const char *path);

/* A rename: the file named from is named to (a file that had the name to loses it). When from
 * is unknown, the file known as to keeps the name: the new file's close-write, which may be
 * read after the rename, then finds the state of the file it replaced. With is_dir, every name
 * below from/ moves below to/ too (names known below to/ are dropped: a directory can only be
 * renamed over an empty one). */
void fcache_rename(struct fcache *c, const char *from, const char *to, bool is_dir);

unsigned fcache_size(const struct fcache *c);
/* Bytes held: entries, names and directory paths. */
size_t fcache_bytes(const struct fcache *c);
