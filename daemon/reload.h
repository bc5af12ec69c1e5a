/* reload — the configuration file read again for SIGHUP, by a child process: if the file lies in
 * a directory we guard with permission events, our own open() would wait for an answer only we
 * can give; the child's open is answered by the loop like anyone else's. The child reads with
 * config_read_file(); the text comes back over a pipe that the loop owns. */
#pragma once
#include <systemd/sd-event.h>

struct reload;

/* Called from the loop once: text is the file's content, or NULL and err says why it could not be
 * read. Both are valid during the call only. */
typedef void (*reload_done_t)(void *userdata, const char *text, const char *err);

/* Start reading path. -EBUSY while a read is in progress. */
int reload_start(sd_event *loop, const char *path, reload_done_t done, void *userdata, struct reload **ret);
/* Kills a child still running (without waiting on it for long) and frees r. */
struct reload *reload_free(struct reload *r);
