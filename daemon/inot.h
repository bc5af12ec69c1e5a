/* inot — the inotify event source (libinotifytools), used where fanotify is not available.
 * Events carry no pid: writers are attributed through /proc (open fds, write byte counts). */
#pragma once
#include <systemd/sd-event.h>

#include "source.h"

struct inot;

/* Watch every root recursively and deliver events to handler from the loop. Returns 0 when the
 * library's inotify fd was found and is read from an io source, 1 when it was not and the queue
 * is polled by a 20 ms timer instead (both success), or -errno. */
int inot_new(sd_event *loop, char *const *roots, const char *procdir, src_handler_t handler, void *userdata,
             struct inot **ret);
struct inot *inot_free(struct inot *s);
/* Counters for status lines. */
uint64_t inot_events(const struct inot *s);
uint64_t inot_overflows(const struct inot *s);
