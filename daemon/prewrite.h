/* prewrite — the last moment before a read file's content changes without an open: a
 * pre-content fanotify group (FAN_CLASS_PRE_CONTENT, kernel 6.14+) with an evictable
 * FAN_PRE_ACCESS mark on each file a family not cleared has read (the vault's holds, and the
 * reads the responder answers at once). truncate(2) by path needs no open, so FAN_OPEN_PERM
 * never asks about it; this event comes before it, while the content is still there. A mark
 * stays until the file's first change (prewrite_unwatch) or its inode's eviction.
 *
 * Only opens made after a file was marked raise these events (the opener's own read fd, made
 * before its mark, does not), and reads raise them as much as changes (the event does not say
 * which). A thread of our own reads them: it answers at once what only reads (the thread's
 * syscall, /proc/TID/syscall) and every access of the loop's own thread (which must never wait
 * for itself); the rest goes to the loop (cb), answered when cb returns. */
#pragma once
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

struct prewrite;

/* Before a change of a watched file by thread tid (fd: the file, read-only, valid during the call). */
typedef void (*prewrite_cb)(void *u, int fd, pid_t tid);

struct prewrite_stats {
        uint64_t events, reads, to_loop, watched, unsupported, failed;
};

/* -errno when the group cannot be made (the vault goes on without it). */
int prewrite_new(sd_event *loop, const char *procdir, prewrite_cb cb, void *u, struct prewrite **ret);
struct prewrite *prewrite_free(struct prewrite *w);
/* Mark the file of fd. -EINVAL: the kernel has no pre-content events (said once; no more
 * marks are tried); -EOPNOTSUPP: not on this filesystem (tmpfs). */
int prewrite_watch(struct prewrite *w, int fd);
void prewrite_unwatch(struct prewrite *w, int fd);
/* The group, for marks made elsewhere (the responder's, before a read it answers at once);
 * -1 when the kernel has none. */
int prewrite_group(const struct prewrite *w);
void prewrite_get_stats(const struct prewrite *w, struct prewrite_stats *ret);
