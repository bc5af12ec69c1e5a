/* commands — what ransomguardctl's requests do to incidents and blocks: list and show the
 * incidents (each member's state read from /proc now), resume or kill an incident's processes
 * (action.c, identities checked again), list and lift blocks. The manager dispatches
 * (manager.c: status, allow, reload) and calls these with what they need. */
#pragma once
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctlproto.h"
#include "incidents.h"
#include "policy.h"
#include "score.h"

struct blocks;

/* The reply (ok or not) to incidents, incident, resume, kill. NULL on ENOMEM. */
cJSON *commands_incidents(struct incidents *in, const char *procdir, int64_t since_us);
cJSON *commands_incident(struct incidents *in, const char *procdir, const char *id);
/* resume (sig SIGCONT) refuses unless the incident's program is allowed or force; a forced
 * resume forgets the members' evidence (scores), so they are judged afresh. */
cJSON *commands_signal(struct incidents *in, const struct policy *p, struct score_table *scores, const char *id,
                       int sig, bool force);
/* blocks: the block list of dir; unblock: lift who (a uid, an address, a label, "all"). */
cJSON *commands_blocks(const char *dir);
cJSON *commands_unblock(const char *dir, const char *who);

/* What the vault holds for incident id ("" every incident it knows): the vault's directory,
 * the incidents (id, family, time) and every entry of their families. */
struct vault;
struct ancestry;
cJSON *commands_vault(struct incidents *in, struct vault *v, const struct ancestry *anc, const char *id);

/* {"ok":false,"code":…,"error":…} */
cJSON *commands_failure(const char *code, const char *msg);
