/* fan — the fanotify event source.
 * Directories that appear while running get their marks from a walk the loop steps through.
 *
 * Two groups: the data group (file descriptors, pidfds) gets FAN_CLOSE_WRITE from a filesystem
 * or mount mark, and FAN_OPEN_PERM from inode marks on each protected directory, which is when
 * a file's content is sampled before anyone changes it; the name group (FAN_REPORT_DFID_NAME)
 * gets create, delete and rename with names. */
#pragma once
#include <systemd/sd-event.h>

#include "source.h"

enum fan_mark_kind { FAN_MARK_KIND_NONE, FAN_MARK_KIND_FILESYSTEM, FAN_MARK_KIND_MOUNT, FAN_MARK_KIND_INODE };

struct fan_opts {
        char *const *roots;   /* protected directories, absolute, NULL-terminated */
        bool perm;            /* use FAN_OPEN_PERM for before-state capture and the brake */
        src_handler_t handler;
        void *userdata;
};

struct fan;

/* Initialise both groups, mark, verify marks with a probe file, mark every directory below the
 * roots, add to the loop. -EPERM/-ENOSYS/-EINVAL when fanotify cannot be used here (the caller
 * falls back to inotify), -ENOSPC when the kernel refuses more marks. */
int fan_new(sd_event *loop, const struct fan_opts *o, struct fan **ret);
struct fan *fan_free(struct fan *f);

struct fan_stats {
        uint64_t events, overflows, perm_events, denied;
        enum fan_mark_kind mark;
        bool pidfd, perm;
        unsigned perm_dirs;
        unsigned unverified;  /* roots where no probe could be written (read-only to us) */
        unsigned walk_failed; /* walks of new directory trees given up (no more marks) */
};
void fan_get_stats(const struct fan *f, struct fan_stats *ret);
const char *fan_mark_kind_name(enum fan_mark_kind k);
