/* responder — the thread that answers the permission group, so that no open ever waits behind
 * judging. It reads the group's queue (and the name group's, so that both come in one order),
 * answers at once the opens that cannot destroy anything and need nothing first (lib/fastpath:
 * not a file, a brand-new empty file, a read of a file whose state the loop holds as it is)
 * while the pipeline says all is calm and keeps up, and hands every other event, in the order read, to the event loop
 * through a bounded queue (an eventfd tells the loop). The loop answers those. The fds stay the
 * loop's: the thread only reads the groups and writes answers; it opens nothing, and closes
 * only what it answered and will not hand on. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One event handed to the loop. fd and pidfd are the loop's to close. */
struct responder_rec {
        uint64_t mask;
        pid_t pid;
        int fd;           /* -1 for an overflow record */
        int pidfd;        /* -1: none; with has_pidfd, -1 is FAN_NOPIDFD (the process had exited) */
        bool has_pidfd;
        bool answered;    /* an open already allowed here: the loop keeps its books only */
        uint8_t fast;     /* enum fastpath: why it was answered */
        void *name;       /* an event of the name group: its bytes (malloc'd, the loop's to free) */
        size_t name_len;
        uint64_t t_us;    /* CLOCK_MONOTONIC when the thread read it */
};

struct responder_stats {
        uint64_t events;        /* read from the group */
        uint64_t fast_new, fast_read, fast_other, handed; /* answered here by kind; handed to the loop */
        uint64_t waits_full;    /* times the queue to the loop was full and the thread waited */
        uint64_t grown;         /* times the queue to the loop was grown */
        uint64_t slow;          /* opens handed on because not calm or the loop lagged */
        uint64_t flushes;       /* ignore marks dropped for a writer that ran ahead */
        uint64_t unignored;     /* ignore marks dropped at a file's first unasked write */
        uint64_t premarked;     /* reads answered here whose file got a pre-content mark first */
        bool realtime;          /* the thread runs SCHED_FIFO */
};

struct responder;

/* Start the thread on perm_fd (non-blocking), and name_fd (-1: none), whose events it hands on
 * in order with the permission group's. self: our pid, whose events are allowed at once.
 * procdir: where openers' flags are read. */
int responder_new(int perm_fd, int name_fd, pid_t self, const char *procdir, struct responder **ret);
/* The loop holds the before state of fd's file as it is now (it just sampled or judged it): a
 * read-only open of it at this size and times may be answered here. */
void responder_known(struct responder *r, int fd);
/* Stop and join the thread; what it had not handed on is allowed and closed. NULL. */
struct responder *responder_free(struct responder *r);
/* Readable when records wait (the loop watches it; responder_take clears it). */
int responder_fd(const struct responder *r);
/* Up to n records, oldest first; 0 when none. */
size_t responder_take(struct responder *r, struct responder_rec *v, size_t n);
/* The loop has handled n more of the records it took (they count as its lag until then). */
void responder_done(struct responder *r, size_t n);
/* The loop ignore-marks files (daemon/fan.c): the thread drops them all when an unasked write
 * comes while the loop lags. */
void responder_use_ignore_marks(struct responder *r);
/* May the loop add ignore marks now? Not after such a drop until it has caught up. Call with
 * the marks lock held, and add the mark under it: a drop in between would miss it. */
bool responder_may_ignore(struct responder *r);
/* Held by the loop across its own changes of inode marks in the permission group (an ignore
 * mark added; the one around its own open of a protected file, which must not be dropped
 * before the open, or the open would wait for an answer), and by the thread around its drops. */
void responder_marks_lock(struct responder *r);
void responder_marks_unlock(struct responder *r);
/* Answer the fast cases here (true) or hand every open to the loop (false). */
void responder_set_fast(struct responder *r, bool on);
void responder_get_stats(struct responder *r, struct responder_stats *ret);
/* fd: a pre-content group (daemon/prewrite) whose FAN_PRE_ACCESS mark each read answered here
 * gets before its answer; -1: none. */
void responder_set_premark(struct responder *r, int fd);
