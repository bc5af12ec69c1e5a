/* incidents — where an incident is kept: lib/history in memory, and one file per incident in
 * control.incident_dir (ID.json, mode 0600), so that the processes a detection stopped can be
 * resumed or killed by id after a daemon restart. The directory is read back at start. */
#pragma once
#include <stdint.h>

#include "history.h"

struct incidents;

/* dir: control.incident_dir; when it cannot be used (err says why) the incidents are kept in
 * memory only and the call still succeeds with *ret set (-ENOMEM is the only failure). */
int incidents_new(const char *dir, struct incidents **ret, char *err, size_t errlen);
struct incidents *incidents_free(struct incidents *in);

/* A fresh id, unlike any kept. */
void incidents_new_id(struct incidents *in, char ret[HISTORY_ID_LEN + 1]);
/* The detection d (its id set) and the processes acted on, kept and written to disk. */
void incidents_record(struct incidents *in, const struct detection *d, const struct history_member *m, uint32_t n,
                      uint32_t more);
/* e (in the history) changed: its file is written again. */
void incidents_save(struct incidents *in, const struct history_entry *e);
struct history *incidents_history(struct incidents *in);
/* Kept on disk (false: memory only). */
bool incidents_on_disk(const struct incidents *in);
