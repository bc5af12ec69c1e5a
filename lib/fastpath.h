/* fastpath — may an open be allowed before the pipeline has seen it? Only what cannot destroy
 * anything and needs no before state: something that is not a regular file, or a brand-new
 * empty file never written since it was made (no content to lose: a file emptied by truncate(2)
 * or O_TRUNC was modified after its birth, even one born a moment ago).
 * A read of a file with content only where its before state is already held at this very size
 * and times (fastpath_read): else it must be read before anyone can change it (an attacker that
 * reads, truncates by path and writes would find it sampled empty). (New files judged clean are
 * not asked about at all for a while: ignore marks, daemon/fan.c.)
 * Pure: the caller reads the file's statx. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum fastpath {
        FASTPATH_NO,       /* the pipeline answers */
        FASTPATH_NOT_FILE, /* a directory, FIFO, device: nothing is judged (not even handed on) */
        FASTPATH_NEW,      /* empty and born within FASTPATH_NEW_MS: nothing to lose */
        FASTPATH_READ,     /* cannot write, and its before state is held at this size and times */
};

/* An inode born this recently with no content is the open's own creation (or its creator's a
 * moment ago). */
#define FASTPATH_NEW_MS 1000

/* mode: st_mode; size; age_ms: now minus the birth time (-1 when unknown); modified: its
 * modification time differs from its birth time. */
enum fastpath fastpath_open(mode_t mode, uint64_t size, int64_t age_ms, bool modified);

/* What the loop said it holds of a file (daemon/responder.c keeps the newest per inode). */
struct fastpath_known {
        uint64_t dev, ino, size;
        int64_t mtime_ns, btime_ns;
};
/* After fastpath_open said FASTPATH_NO for a file with content: FASTPATH_READ when k (may be NULL)
 * is this file at this size, modification and birth time, and the opener cannot write. */
enum fastpath fastpath_read(const struct fastpath_known *k, const struct fastpath_known *now, bool reads_only);
