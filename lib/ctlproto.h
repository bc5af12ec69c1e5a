/* ctlproto — the control socket's requests (ransomguardctl → daemon), parsed by one pure
 * function. A request is one JSON object on one line, at most CTL_REQUEST_MAX bytes with its
 * newline; the reply is one JSON object on one line: {"ok":true,…} or
 * {"ok":false,"code":"…","error":"…"} (codes below). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"

#define CTL_REQUEST_MAX 4096
#define CTL_ARG_MAX 1024      /* an executable path, a client to unblock */

enum ctl_cmd {
        CTL_STATUS,
        CTL_INCIDENTS,
        CTL_INCIDENT,
        CTL_RESUME,
        CTL_KILL,
        CTL_ALLOW,
        CTL_DISALLOW,
        CTL_RELOAD,
        CTL_BLOCKS,
        CTL_UNBLOCK,
        CTL_VAULT,     /* what the vault keeps for an incident (or all): for ransomguardctl restore */
        _CTL_MAX,
};

/* Reply codes ("code" of a failed reply); ransomguardctl maps each to its exit status. */
#define CTL_E_INVALID  "invalid"    /* the request was malformed */
#define CTL_E_NOTFOUND "not-found"  /* no such incident (or block) */
#define CTL_E_REFUSED  "refused"    /* not permitted to this caller, or refused by policy */
#define CTL_E_FAILED   "failed"     /* tried and failed */

struct ctl_request {
        enum ctl_cmd cmd;
        char id[HISTORY_ID_LEN + 1]; /* incident, resume, kill, vault ("": every incident) */
        int64_t since_us;            /* incidents: CLOCK_REALTIME µs, 0: all */
        bool force;                  /* resume: even when the program is not allowed */
        char arg[CTL_ARG_MAX];       /* allow/disallow: an absolute path; unblock: who */
};

/* Parse one request of len bytes (no NUL needed; a trailing newline is allowed). -EINVAL with a
 * message in err naming the key and the problem; -E2BIG when longer than CTL_REQUEST_MAX. */
int ctlproto_parse(const char *buf, size_t len, struct ctl_request *ret, char *err, size_t errlen);
/* Replies: {"ok":true} to add to, and {"ok":false,"code":code,"error":msg}. NULL on ENOMEM. */
cJSON *ctlproto_ok(void);
cJSON *ctlproto_failure(const char *code, const char *msg);
/* May a caller who is not root (the configured read-only group) run it? */
bool ctlproto_read_only(enum ctl_cmd c);
const char *ctlproto_cmd_name(enum ctl_cmd c);
