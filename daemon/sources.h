/* sources — which event source watches the protected roots, and its set-up and teardown:
 * fanotify where the kernel and our privileges allow it, else inotify (when the config allows
 * the fallback). Every source reports through one handler (source.h). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "source.h"

struct sources {
        struct fan *fan;
        struct inot *inot;
        const char *name;     /* "fanotify", "inotify" */
        bool can_deny;        /* opens wait for our answer: the brake works, before states are exact */
};

/* Start watching roots (NULL-terminated; the sources keep pointers into it until stopped) with
 * the source `which`, falling back to inotify for CONFIG_SOURCE_AUTO. Logs what it uses. */
int sources_start(struct sources *s, sd_event *loop, enum config_source which, char *const *roots,
                  const char *procdir, src_handler_t handler, src_calm_t calm, void *userdata);
/* Open a regular file under a protected path for reading, ourselves, without following a
 * symlink: an fd, or -errno. With fanotify permission events a plain open would wait for our
 * own answer (fan_open_protected); never blocks. For the pipeline (struct pipeline.open_file). */
int sources_open_protected(void *s, const char *path);
/* Stop watching: pending permission events are answered (allowed) by the kernel. */
/* What the source saw and did, into the log (at the stop). */
void sources_log_stats(struct sources *s);
/* See fan_set_premark (fanotify only). */
void sources_set_premark(struct sources *s, int fd);
void sources_stop(struct sources *s);

