/* session — where a server's client is stopped. A per-connection worker convicted of damage was
 * stopped (SIGSTOP) by incident.c at the verdict; here, on the loop, its client is named
 * (smbstatus for a root smbd: the worker's records stay while it is stopped), blocked
 * (blocks.c), the alert written, and the session ended the way the server asks: SIGTERM to the
 * worker, SIGKILL only if it is still there after server.term_grace_ms. A slow or stuck
 * smbstatus is killed after SESSION_LOOKUP_MS and never holds up an open. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "block.h"
#include "config.h"
#include "journal.h"
#include "policy.h"

#define SESSION_LOOKUP_MS 1000
/* A blocked client's new connection: stopped this long, then ended. Ransomware that reconnects
 * at once after an ended session waits out its client's timeout on a stopped one instead. */
#define SESSION_TARPIT_MS 60000
#define SESSION_HOLDS_MAX 32   /* connections held at once; more are ended at once */

struct blocks;
struct incidents;

struct session_req {
        struct detection jd; /* the alert, completed and written once the client is known */
        struct incidents *incidents; /* where it is kept then */
        pid_t worker;                /* the family root: the per-connection worker */
        uint64_t worker_start;
        pid_t server;                /* its parent, the server's main process */
        bool lookup_smb;             /* ask smbstatus (the server is root's smbd) */
        struct block_client client;
        bool signals;                /* processes are really signalled (decide_signals) */
        enum config_action action;
        bool graceful;               /* the worker runs the server's own program: SIGTERM first */
        bool quiet;                  /* a blocked client's new connection: held stopped SESSION_TARPIT_MS,
                                      * then ended; no alert, no new block */
        unsigned block_by;
        uint32_t block_seconds, term_grace_ms;
};

struct sessions;

int sessions_new(sd_event *loop, const struct policy *p, struct blocks *b, struct sessions **ret);
/* Pending lookups are finished at once (the alert written, the session ended), workers still
 * there after their SIGTERM are killed: no worker is left stopped. */
struct sessions *sessions_free(struct sessions *s);
/* The block list moved (a reload changed server.block_dir). b may be NULL: no blocks. */
void sessions_set_blocks(struct sessions *s, struct blocks *b);
/* Workers a daemon before us held stopped and could not end (it crashed): ended now, if each is
 * still that process (pid and start time) and still stopped. */
void sessions_settle(struct sessions *s);
/* Take over a convicted worker: look up, block, report, end. */
int session_begin(struct sessions *s, const struct session_req *req);
/* Is that worker (pid, start time) being looked up or ended? Then it is not acted on again. */
bool session_pending(const struct sessions *s, pid_t worker, uint64_t start);
