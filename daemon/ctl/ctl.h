/* ransomguardctl's pieces: the socket client (ctl.c), older incidents from the journal
 * (ctl-journal.c), the allowlist written to the configuration file (ctl-persist.c), and the
 * human output (ctl-show.c). */
#pragma once
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* Exit statuses (ransomguardctl(8)). */
enum {
        CTL_EXIT_OK = 0,
        CTL_EXIT_FAILURE = 1,     /* tried and failed, or partly */
        CTL_EXIT_USAGE = 2,
        CTL_EXIT_NOT_RUNNING = 3, /* no daemon answers on the socket */
        CTL_EXIT_NOT_FOUND = 4,   /* no such incident (or block) */
        CTL_EXIT_REFUSED = 5,     /* not permitted, or refused (a resume of a program not allowed, a config) */
};

/* Send one request (a JSON object) and read the reply. 0 with *ret set, or an exit status with
 * a message printed. */
int ctl_call(const char *socket_path, cJSON *request, cJSON **ret);
/* The exit status a failed reply's "code" means. */
int ctl_exit_of(const cJSON *reply);

/* The detections in the journal since since_us (0: all), newest last, as incident objects like
 * the daemon's (without members, "source":"journal"); only_id: that one. NULL when the journal
 * cannot be opened (a message printed). */
cJSON *ctl_journal_incidents(int64_t since_us, const char *only_id);

/* allow/disallow EXE in the file's "allow" (other content kept), checked with the daemon's
 * parser and written. 0 with *ret_old the text before (NULL: nothing to change), or an exit
 * status with a message printed. */
int ctl_persist_allow(const char *config_path, const char *exe, bool allow, char **ret_old);
/* Write text over the file at path (its real location), keeping its owner and mode. */
int ctl_persist_write(const char *path, const char *text);

struct restore_opts {
        const char *id;      /* one incident, or NULL: every incident the daemon knows */
        const char *under;   /* only originals below this path */
        const char *to;      /* put them under this directory instead of in place */
        bool dry_run;
};
/* ransomguardctl restore: 0, or an exit status (1: something could not be restored). */
int ctl_restore(const char *socket_path, const struct restore_opts *o);

void ctl_show_status(const cJSON *j);
void ctl_show_incidents(const cJSON *list);
void ctl_show_incident(const cJSON *inc);
