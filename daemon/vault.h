/* vault — where an original is kept: before a family that is not allowed may destroy someone
 * else's file (a write-capable open it waits in), its content is copied (a reflink where the
 * vault shares the file's filesystem and the filesystem can) into vault.dir; a file the family
 * only read is held by an fd, and copied from it if the family then unlinks it or renames
 * another file over it. lib/vaultidx keeps the index (persisted beside the copies as ID.json) and
 * decides what goes (lib/vaultidx); `ransomguardctl restore` puts the originals back (daemon/ctl/ctl-restore.c).
 * Every path in the vault is opened relative to its directory fd, without following symlinks.
 * A vault that cannot be used (a symlink, not root's, read-only, full) is said once and
 * protection goes on without it. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "config.h"
#include "vaultidx.h"

#define VAULT_HOLD_MAX 1024    /* files held open after a read, for a copy if they are unlinked */
#define VAULT_HOLD_MS 120000   /* how long such an fd is held */

struct vault;

struct vault_stats {
        uint64_t kept, kept_bytes, reflinks, rescued; /* rescued: copied from a held fd after an unlink */
        uint64_t skipped_large, failed, evicted_budget, dropped;
        uint64_t slowest_copy_us;   /* what an opener waited for: a reflink, a read, or a copy */
        uint64_t deferred;          /* copies read here and written by the writer thread */
        uint64_t pending_bytes;     /* of those, not written yet */
        uint64_t fragmented;        /* not reflinked: too many extents (copied, or too large) */
};

/* Every copy queued for the writer thread written (waiting at most 5 s), its failures out of
 * the index: what is listed after it is on disk. false: still writing. */
bool vault_settle(struct vault *v);
/* NULL in *ret (and a message in err) when the vault is off or cannot be used. */
int vault_new(const struct config *c, struct vault **ret, char *err, size_t errlen);
struct vault *vault_free(struct vault *v);
/* Each protected path on an xfs or btrfs that vault.dir is not on gets a store of its own,
 * .ransomguard-vault at its mount's root, for reflinks (add: vault.on_filesystems); refused or
 * impossible: said, and its files are copied into vault.dir. A store whose filesystem protect no
 * longer names is let go (closed, its entries forgotten, its files left). vault_new calls it; a
 * reload with new paths calls it again. */
void vault_use_filesystems(struct vault *v, char *const *protect, bool add);
/* The vault's directories, vault.dir first (the index of each is an entry's store), and the
 * identity of each (a restore reads only from these). */
size_t vault_dirs(const struct vault *v, const char **ret, dev_t *devs, ino_t *inos, size_t max);

/* fd (read-only, the file as the opener will find it): about to be opened for writing by family
 * fam, which did not create it. Kept unless kept already as it is: 0, or -errno when it could
 * not be (-EFBIG: too large for a copy). */
int vault_keep(struct vault *v, int fd, const struct stat *st, const char *path, uint64_t fam, uint64_t now_ms);
/* fd was opened for reading by fam: held (dup) for a while. */
void vault_hold(struct vault *v, int fd, const struct stat *st, const char *path, uint64_t fam, uint64_t now_ms);
/* fd (st) is about to change without an open (a truncate(2) by path, seen by daemon/prewrite)
 * by fam (0: unknown): kept as at a write-capable open, under the name it was held by (or, not
 * held, under path: its name now, NULL if none). */
void vault_pre_change(struct vault *v, int fd, const struct stat *st, const char *path, uint64_t fam,
                      uint64_t now_ms);
/* fd's file (pre-content marked) is about to change, by someone whose changes the vault need
 * not keep, or kept already: its mark goes (see vault_pre_change, which calls it too). */
void vault_changed(struct vault *v, int fd, const struct stat *st);
struct prewrite;
/* Held files are marked in pw (NULL: not). */
void vault_set_prewrite(struct vault *v, struct prewrite *pw);
/* path was unlinked (or another file renamed over it) by fam (0: unknown): a held file of that
 * name, or any held by fam, that has no name left is copied now, under the name it was read by. */
void vault_gone(struct vault *v, const char *path, bool replaced, uint64_t fam, uint64_t now_ms);
/* fam renamed from → to; fam made path (st): a possible ciphertext copy or note. Noted only for
 * families that read or put at risk a file lately, a bounded number each. */
void vault_renamed(struct vault *v, const char *from, const char *to, uint64_t fam, uint64_t now_ms);
void vault_created(struct vault *v, const char *path, const struct stat *st, uint64_t fam, uint64_t now_ms);

/* fam was convicted: its notes (kept in memory till now) are written beside the copies, for a
 * restore after a restart. */
void vault_convicted(struct vault *v, uint64_t fam);

/* Expiry and the budget (every few seconds): standing(u, fam) says where a family stands; a
 * quiet family's entries go after quiet_ms. */
void vault_sweep(struct vault *v, uint64_t now_ms, uint64_t quiet_ms, vault_standing_t standing, void *u);

/* Where families stand, for the budget's choice at each copy (the pipeline's standing). */
void vault_set_standing(struct vault *v, vault_standing_t f, void *u);
/* Is path inside the vault (never judged nor kept)? */
bool vault_owns(const struct vault *v, const char *path);
const char *vault_dir(const struct vault *v);
uint64_t vault_budget(const struct vault *v);
struct vault_index *vault_entries(struct vault *v);
void vault_get_stats(const struct vault *v, struct vault_stats *ret);
