/* fastpath — may an open be allowed before the pipeline has seen it? Only what cannot destroy
 * anything and needs no before state: something that is not a regular file, or a brand-new
 * empty file never written since it was made (no content to lose: a file emptied by truncate(2)
 * or O_TRUNC was modified after its birth, even one born a moment ago).
 * Not a read of a file with content: its before state must be read before anyone can change it
 * (an attacker that reads, truncates by path and writes would find it sampled empty), and a
 * file whose state is held is ignore-marked instead (daemon/fan.c), so it is not asked about.
 * Pure: the caller reads the file's statx. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum fastpath {
        FASTPATH_NO,       /* the pipeline answers */
        FASTPATH_NOT_FILE, /* a directory, FIFO, device: nothing is judged (not even handed on) */
        FASTPATH_NEW,      /* empty and born within FASTPATH_NEW_MS: nothing to lose */
};

/* An inode born this recently with no content is the open's own creation (or its creator's a
 * moment ago). */
#define FASTPATH_NEW_MS 1000

/* mode: st_mode; size; age_ms: now minus the birth time (-1 when unknown); modified: its
 * modification time differs from its birth time. */
enum fastpath fastpath_open(mode_t mode, uint64_t size, int64_t age_ms, bool modified);
