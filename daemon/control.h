/* control — the control socket (control.socket) on the loop: accepts ransomguardctl's
 * connections, checks each caller with SO_PEERCRED, reads one request line at a time (parsed by
 * lib/ctlproto), hands it to the manager and writes the reply. Everything is non-blocking and
 * bounded: at most CONTROL_CLIENTS_MAX connections, CTL_REQUEST_MAX bytes a request,
 * CONTROL_REPLY_MAX a reply, CONTROL_IDLE_MS without progress before a connection is closed.
 * A slow or hostile client never holds up the loop, nor any permission answer (those are the
 * responder thread's). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "ctlproto.h"

#define CONTROL_CLIENTS_MAX 16
#define CONTROL_IDLE_MS 10000
#define CONTROL_REPLY_MAX (8u << 20)

struct control;

/* Who asks: root may run everything, a member of control.group the read-only commands. */
struct control_peer {
        uint64_t serial;       /* the connection, for a reply given later (control_reply_to) */
        pid_t pid;
        uid_t uid;
        bool root;
};

/* One parsed request, allowed for this peer. The handler replies now or later with
 * control_reply_to(peer->serial) (a reload waits for its reader); until then nothing more is
 * read from that connection. */
typedef void (*control_handler_t)(void *userdata, const struct control_peer *peer, const struct ctl_request *q);

/* Listen on path. A socket left there by a daemon that is gone is replaced; one a live daemon
 * answers on, or anything that is not a socket, is left alone (-EADDRINUSE, -EEXIST); err says
 * what happened. */
int control_new(sd_event *loop, const char *path, control_handler_t h, void *userdata, struct control **ret, char *err,
                size_t errlen);
/* The group whose members may run the read-only commands ("" none): the socket becomes 0660
 * root:group, else 0600. -ENOENT with a message when there is no such group (then root only). */
int control_set_group(struct control *c, const char *group, char *err, size_t errlen);
/* Closes every connection, removes the socket. NULL. */
struct control *control_free(struct control *c);

/* Reply to the connection (if still there); takes reply. */
void control_reply_to(struct control *c, uint64_t serial, cJSON *reply);
/* {"ok":false,"code":code,"error":…} */
__attribute__((format(printf, 4, 5)))
void control_fail(struct control *c, uint64_t serial, const char *code, const char *fmt, ...);
/* {"ok":true} to add to. NULL on ENOMEM. */
cJSON *control_ok(void);
