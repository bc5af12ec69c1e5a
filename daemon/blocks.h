/* blocks — where a convicted client's block is kept: lib/block's list, one file per block in
 * server.block_dir (so a block outlives a daemon restart and an admin sees it with ls), the
 * check made on a server worker's open, and the --blocks / --unblock commands. Removing a
 * block's file lifts it: the daemon notices when the block would next apply. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "block.h"

struct blocks;

/* Load the blocks in force from the directory (created mode 0700 at the first block; missing is
 * fine). A directory that is a symlink, not ours or writable by others is refused (-EPERM, or
 * -ELOOP/-ENOTDIR) with a message in err. */
int blocks_open(const char *dir, struct blocks **ret, char *err, size_t errlen);
struct blocks *blocks_free(struct blocks *b);

/* Block the client for `seconds` by each kind in `by` (never user 0: a root worker is blocked by
 * address only): written to disk and in force at once.
 * user_label names the user ("alice", "uid 1001"). *ret_what describes what was blocked,
 * "" when nothing (by is 0). */
int blocks_add(struct blocks *b, const struct block_client *c, unsigned by, const char *user_label, uint32_t seconds,
               char *ret_what, size_t len);

/* The block in force on this client, or NULL. Expired blocks, and those whose file was removed
 * (lifted by the admin), are dropped here and logged. */
const struct block *blocks_check(struct blocks *b, unsigned by, const struct block_client *c);
unsigned blocks_count(const struct blocks *b);
/* Is any block of these kinds (BLOCK_USER, BLOCK_ADDR) in the list? */
bool blocks_any(const struct blocks *b, unsigned kinds);

/* Workers the daemon holds stopped (a verdict's lookup, a blocked client's connection) are
 * noted as files "held-PID-START" beside the blocks, so that a daemon started after one that did
 * not stop cleanly can end them (session.c). */
void blocks_hold_note(struct blocks *b, pid_t pid, uint64_t start);
void blocks_hold_done(struct blocks *b, pid_t pid, uint64_t start);
/* Every held worker noted, to `each`; its note is removed after. */
void blocks_holds_each(struct blocks *b, void (*each)(void *u, pid_t pid, uint64_t start), void *u);

/* The commands: print the blocks in dir; lift the block(s) on `who` (a user name, a uid, an
 * address, "all"). 0, or -ENOENT when nothing matched, other -errno with a message printed to
 * errf. */
int blocks_list_cmd(const char *dir, FILE *out, FILE *errf);
/* resolve: a user name is looked up (getpwnam: NSS, only ever in a command, never in the
 * daemon, whose caller resolves it first). */
int blocks_unblock_cmd(const char *dir, const char *who, bool resolve, FILE *out, FILE *errf);
