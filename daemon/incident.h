/* incident — what happens once an action is due (lib/decide said so): the facts are read from
 * /proc once, decide_targets() says on whom, action.c signals, journal.c reports. */
#pragma once
#include "pipeline.h"

/* e: the process whose evidence tipped the score; d: its family's deciding entry. */
void incident_run(const struct pipeline *p, struct score_entry *e, struct score_entry *d);
