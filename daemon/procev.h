/* procev — the kernel's fork events (proc connector, NETLINK_CONNECTOR / CN_IDX_PROC) into a
 * lib/ancestry table, on the event loop; read also on demand before a new process's family is
 * worked out (its fork was announced before it could open anything). Needs CAP_NET_ADMIN in the
 * initial network namespace; without it families end at setsid and hand-overs to init. */
#pragma once
#include <systemd/sd-event.h>

#include "ancestry.h"

struct procev;

/* -errno when the connector cannot be used (the caller goes on without it). */
int procev_new(sd_event *loop, struct ancestry *a, struct procev **ret);
void procev_free(struct procev *p);
/* Read what is queued now (non-blocking). */
void procev_drain(struct procev *p);
