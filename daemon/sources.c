/* sources — starting and stopping fanotify or inotify. */
#include "sources.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <string.h>

#include "fan.h"
#include "inot.h"
#include "journal.h"

static int start_fanotify(struct sources *s, sd_event *loop, char *const *roots, const char *procdir,
                          src_handler_t handler, src_calm_t calm, void *userdata) {
        struct fan_opts fo = { .roots = roots, .perm = true, .procdir = procdir, .handler = handler, .calm = calm,
                               .userdata = userdata };
        int r = fan_new(loop, &fo, &s->fan);
        if (r < 0)
                return r;
        struct fan_stats st;
        fan_get_stats(s->fan, &st);
        s->name = "fanotify";
        s->can_deny = st.perm;
        log_info("Watching with fanotify: %s marks, %u root(s) marked as a whole filesystem, %u directories "
                 "with permission marks, pidfds %s, before-state capture %s, new files ignore-marked %s, "
                 "answering thread %s",
                 fan_mark_kind_name(st.mark), st.perm_fs, st.perm_dirs, st.pidfd ? "yes" : "no",
                 st.perm ? "yes" : "no (no permission events on this kernel)",
                 st.ignore_marks ? "yes" : "no", !st.perm ? "none" : st.realtime ? "realtime" : "not realtime");
        if (st.unverified)
                log_notice("%u protected path(s) are read-only to the daemon: the marks were not "
                           "verified with a probe file (under systemd, add them to ReadWritePaths=)",
                           st.unverified);
        if (!st.perm)
                journal_log(LOG_WARNING, RG_MID_DEGRADED,
                            "fanotify permission events unavailable: files are judged without their "
                            "before state, and the brake is off");
        return 0;
}

int sources_start(struct sources *s, sd_event *loop, enum config_source which, char *const *roots,
                  const char *procdir, src_handler_t handler, src_calm_t calm, void *userdata) {
        int r;
        *s = (struct sources){ 0 };
        if (which != CONFIG_SOURCE_INOTIFY) {
                r = start_fanotify(s, loop, roots, procdir, handler, calm, userdata);
                if (r >= 0 || which == CONFIG_SOURCE_FANOTIFY)
                        return r;
                journal_log(LOG_WARNING, RG_MID_DEGRADED, "Failed to set up fanotify: %s, falling back to inotify",
                            strerror(-r));
        }
        r = inot_new(loop, roots, procdir, handler, userdata, &s->inot);
        if (r < 0)
                return r;
        s->name = "inotify";
        s->can_deny = false;
        log_info("Watching with inotify%s: writers are attributed through /proc, best effort",
                 r == 1 ? " (polling: the library's fd was not found)" : "");
        return 0;
}

int sources_open_protected(void *userdata, const char *path) {
        struct sources *s = userdata;
        if (s->fan)
                return fan_open_protected(s->fan, path);
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        return fd < 0 ? -errno : fd;
}

void sources_log_stats(struct sources *s) {
        if (!s->fan)
                return;
        struct fan_stats st;
        fan_get_stats(s->fan, &st);
        log_info("fanotify: %" PRIu64 " events, %" PRIu64 " opens asked about (%" PRIu64 " denied, %" PRIu64
                 " held); answered at once: %" PRIu64 " new files, %" PRIu64 " reads of known files (%" PRIu64 " marked for pre-content first), %" PRIu64 " others; %" PRIu64
                 " ignore marks (%" PRIu64 " dropped at a write, all dropped %" PRIu64 " time(s)), %" PRIu64
                 " overflow(s)",
                 st.events, st.perm_events, st.denied, st.held, st.fast_new, st.fast_read, st.premarked, st.fast_other, st.ignored, st.unignored,
                 st.flushes, st.overflows);
}

void sources_set_premark(struct sources *s, int fd) {
        fan_set_premark(s->fan, fd);
}

void sources_stop(struct sources *s) {
        s->fan = fan_free(s->fan);
        s->inot = inot_free(s->inot);
        s->name = NULL;
        s->can_deny = false;
}

