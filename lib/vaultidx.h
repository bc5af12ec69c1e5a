/* vaultidx — which originals are kept, for whom, and what goes first when the budget is reached:
 * an index of entries in the order they were made. Pure; daemon/vault.c makes the copies.
 *
 * An entry is one of:
 *   KEPT      the content a file had before a family could destroy it (a write-capable open of
 *             someone else's file; or, read earlier through a held fd, the file unlinked or
 *             replaced by a rename): its bytes are the vault file named by the id;
 *   CREATED   a file the family made (its ciphertext copies, its notes): removed at a restore;
 *   RENAMED   a name the family moved a file from: the original is put back there.
 * Entries are dropped when their family is cleared (ended, or without evidence for a while),
 * when older than keep_seconds, or, oldest first, when the kept bytes pass the budget. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#define VAULT_MAX_STORES 16     /* vault.dir and the directories on protected filesystems */

enum vault_kind { VAULT_KEPT, VAULT_CREATED, VAULT_RENAMED };
enum vault_why { VAULT_WHY_WRITE, VAULT_WHY_DELETED, VAULT_WHY_REPLACED, VAULT_WHY_NONE };

struct vault_entry {
        uint32_t id;            /* the vault file's name (%08x) for KEPT */
        uint8_t kind, why;
        bool reflink;           /* KEPT as a reflink (shares the original's blocks) */
        uint8_t store;          /* KEPT: which of the vault's directories holds it (0: vault.dir;
                                 * else one on the original's own filesystem, for its reflinks) */
        uint64_t fam;           /* the family that put it at risk (root start << 22 | root pid) */
        char *path;             /* KEPT: the original's name; CREATED: the file's; RENAMED: from */
        char *path2;            /* RENAMED: to */
        dev_t dev;
        ino_t ino;
        uint64_t size;          /* KEPT: the bytes kept */
        uint64_t cost;          /* KEPT: what it counts against the budget: its size for a copy,
                                 * the original's allocated bytes for a reflink (what it takes once
                                 * the original is overwritten: a sparse file costs what it holds) */
        int64_t mtime_ns, atime_ns;
        uid_t uid;
        gid_t gid;
        mode_t mode;
        uint64_t t_ms;          /* when made (the daemon's monotonic clock) */
        uint64_t t_us;          /* CLOCK_REALTIME then */
};

struct vault_index;

int vault_index_new(struct vault_index **ret);
struct vault_index *vault_index_free(struct vault_index *v);

/* A copy of e (its strings too) as the newest entry. -ENOMEM, -ENOSPC past VAULT_MAX_ENTRIES. */
#define VAULT_MAX_ENTRIES 65536
int vault_index_add(struct vault_index *v, const struct vault_entry *e);
size_t vault_index_count(const struct vault_index *v);
/* The entry of that id out of the index (nothing else is told): 0, or -ENOENT. */
/* The entry of that store and id out of the index (nothing else is told): 0, or -ENOENT. (An
 * id is unique within its store; a store skipped in one run may share ids with vault.dir.) */
int vault_index_remove(struct vault_index *v, uint8_t store, uint32_t id);
/* Every entry of that store out of the index (its directory is closed; its files stay): how many. */
size_t vault_index_forget_store(struct vault_index *v, uint8_t store);
/* Oldest first by the wall clock (entries read back from several directories after a restart
 * come in directory order): what "oldest" means for the budget and for a restore. */
void vault_index_sort(struct vault_index *v);
struct vault_entry *vault_index_at(struct vault_index *v, size_t i); /* oldest first */
/* The newest KEPT entry of that inode, or NULL. */
const struct vault_entry *vault_index_kept(const struct vault_index *v, dev_t dev, ino_t ino);
/* What KEPT entries count against the budget (their cost). */
uint64_t vault_index_bytes(const struct vault_index *v);

/* Is the content of (dev, ino, size, mtime) kept already for this family? Then a new write-open
 * needs no copy (nothing was written since). */
bool vault_index_has_current(const struct vault_index *v, uint64_t fam, dev_t dev, ino_t ino, uint64_t size,
                             int64_t mtime_ns);

/* Where a family stands, for what it has in the vault. */
enum vault_standing {
        VAULT_SUSPECT,  /* evidence now, or an incident: kept for keep_seconds */
        VAULT_QUIET,    /* alive, no evidence: its entries go once older than quiet_ms */
        VAULT_ENDED,    /* gone without evidence: the same (a helper it ran may have been the
                         * attacker's: the verdict may still come within the window), and its
                         * held files are let go at once */
};
typedef enum vault_standing (*vault_standing_t)(void *u, uint64_t fam);

/* What goes now: entries older than keep_ms; those of families that standing() says ended or
 * are quiet, once older than quiet_ms; then the oldest KEPT ones while the kept bytes exceed
 * max_bytes — other families' first, those of suspect ones last (the newest entry is never
 * dropped for the budget: a copy just made is what an attack is about to destroy). Calls drop() for each before it leaves the index; returns how
 * many went for the budget. standing may be NULL (everyone suspect). */
size_t vault_index_expire(struct vault_index *v, uint64_t now_ms, uint64_t keep_ms, uint64_t quiet_ms,
                          uint64_t max_bytes, vault_standing_t standing, void (*drop)(void *u, const struct vault_entry *e),
                          void *u);

/* JSON of an entry (for the control socket and the on-disk index), and back. */
cJSON *vault_entry_json(const struct vault_entry *e);
int vault_entry_from_json(const cJSON *j, struct vault_entry *ret, char *err, size_t errlen);
void vault_entry_clear(struct vault_entry *e);
const char *vault_kind_name(enum vault_kind k);
const char *vault_why_name(enum vault_why w);
