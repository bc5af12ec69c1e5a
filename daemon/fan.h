/* fan — the fanotify event source.
 *
 * Three groups (fds and pidfds unless said): the permission group gets FAN_OPEN_PERM (when a
 * file's content is sampled before anyone changes it, and the brake answers) and FAN_CLOSE_WRITE
 * from a filesystem mark where a root is a filesystem's root, else from inode marks on each
 * protected directory, in one unlimited queue read by its own thread (daemon/responder.c); the data group gets the
 * close-writes of the rest of the filesystem from a filesystem or mount mark (bounded, the
 * protected directories ignore-marked in it); the name group (FAN_REPORT_DFID_NAME, no fds,
 * unlimited) gets create, delete and rename with names. Directories that appear while running get their marks
 * from a walk the loop steps through. */
#pragma once
#include <systemd/sd-event.h>

#include "source.h"

enum fan_mark_kind { FAN_MARK_KIND_NONE, FAN_MARK_KIND_FILESYSTEM, FAN_MARK_KIND_MOUNT, FAN_MARK_KIND_INODE };

struct fan_opts {
        char *const *roots;   /* protected directories, absolute, NULL-terminated */
        bool perm;            /* use FAN_OPEN_PERM for before-state capture and the brake */
        const char *procdir;  /* where openers' flags are read (the responder's fast reads) */
        src_handler_t handler;
        src_calm_t calm;      /* NULL: never calm (every open goes to the pipeline) */
        void *userdata;
};

struct fan;

/* Initialise both groups, mark, verify marks with a probe file, mark every directory below the
 * roots, add to the loop. -EPERM/-ENOSYS/-EINVAL when fanotify cannot be used here (the caller
 * falls back to inotify), -ENOSPC when the kernel refuses more marks. */
int fan_new(sd_event *loop, const struct fan_opts *o, struct fan **ret);
struct fan *fan_free(struct fan *f);

struct fan_stats {
        uint64_t other_mounts;  /* events of protected files opened through another mount */
        uint64_t events, overflows, perm_events, denied;
        uint64_t held;           /* opens held for the pipeline (brake.max_unjudged) */
        uint64_t respond_failed; /* answers the kernel did not take (other than for killed openers) */
        enum fan_mark_kind mark;
        bool pidfd, perm;
        unsigned perm_dirs;
        unsigned perm_fs;     /* roots that are a filesystem's root: one filesystem mark each */
        bool ignore_marks;    /* new files are ignore-marked while calm (every root a filesystem) */
        bool realtime;        /* the responder thread runs SCHED_FIFO */
        uint64_t ignored, unignored, flushes; /* ignore marks added, dropped at a write, all dropped */
        uint64_t premarked;   /* reads answered at once whose file got a pre-content mark first */
        uint64_t fast_new, fast_read, fast_other, handed; /* the responder's answers; events handed on */
        uint64_t loop_answers;   /* permission events answered by the loop (not held) */
        uint64_t slowest_us;     /* the slowest of those, from the event's read to its answer */
        unsigned unverified;  /* roots where no probe could be written (read-only to us) */
        unsigned walk_failed; /* walks of new directory trees given up (no more marks) */
};
void fan_get_stats(const struct fan *f, struct fan_stats *ret);
/* Open a protected regular file for reading without an event of ours: our own open would wait
 * for our own answer. Through an ignore mark on its inode in the permission group for the time
 * of the open (other openers of that inode are not asked about for those microseconds; an
 * ignore mark it had before is gone after). Symlinks are not followed. */
int fan_open_protected(struct fan *f, const char *path);
/* Reads answered before the loop sees them get a FAN_PRE_ACCESS mark in group fd (-1: none). */
void fan_set_premark(struct fan *f, int fd);
const char *fan_mark_kind_name(enum fan_mark_kind k);
