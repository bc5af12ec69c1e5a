/* vault-write — the vault's writes, off the path of the opener that waits for them: a thread
 * of its own writes each kept original (read into memory while its opener waited: a read of
 * at most vault.max_file_mib) and each entry's ID.json, through the vault's directory fd.
 * A write stalls when the kernel throttles writers with many dirty pages (balance_dirty_pages:
 * 84 ms seen for a 4 MiB copy during a 372 MiB copy-in), and the opener must not wait for that.
 *
 * Each file is written beside its name (".ID.tmp") and renamed over it, the data before the
 * record, so that a reader of the vault (ransomguardctl restore) sees whole entries only. What
 * was queued is written before vaultw_free returns: nothing kept is lost at a stop. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VAULTW_MAX_PENDING (64u << 20) /* bytes queued at most; past it the caller writes itself */

struct vaultw;

/* dfd: the vault's directory (borrowed: outlives the writer). -errno if no thread. */
int vaultw_new(int dfd, struct vaultw **ret);
/* Write everything queued, then stop. */
struct vaultw *vaultw_free(struct vaultw *w);
/* May len more bytes be queued now? */
bool vaultw_room(const struct vaultw *w, size_t len);
/* Queue entry id: data (len bytes, malloc'd, taken; NULL: a record only) as "%08x", then meta
 * (malloc'd, taken) as "%08x.json". -ENOMEM (nothing taken: the caller frees both). */
int vaultw_push(struct vaultw *w, uint32_t id, void *data, size_t len, char *meta);
/* Entry id is dropped: not written if still queued, removed after if being written. */
void vaultw_cancel(struct vaultw *w, uint32_t id);
/* The entries whose write failed since the last call (up to n), with their -errno; how many.
 * *ret_lost: more failed than could be listed since the last call (NULL: not asked);
 * *ret_written: jobs written whole so far. */
size_t vaultw_failed(struct vaultw *w, uint32_t *ids, int *errs, size_t n, bool *ret_lost, uint64_t *ret_written);
/* Wait until everything queued is written (at most timeout_ms): true if so. */
bool vaultw_wait(struct vaultw *w, unsigned timeout_ms);
/* Bytes queued now. */
size_t vaultw_pending(const struct vaultw *w);
