/* incident — what happens once an action is due (lib/decide said so): the facts are read from
 * /proc once, decide_targets() says on whom, action.c signals, journal.c reports. */
#pragma once
#include "pipeline.h"

/* e: the process whose evidence tipped the score; d: its family's deciding entry. */
void incident_run(const struct pipeline *p, struct score_entry *e, struct score_entry *d);

/* A blocked client is back (any event of a worker serving it: an open is denied, but renames
 * and unlinks over SMB need no open the kernel asks us about): its worker d is stopped at once,
 * held so for SESSION_TARPIT_MS and then ended, without a new alert. */
void incident_end_blocked(const struct pipeline *p, const struct score_entry *e, const struct score_entry *d);
