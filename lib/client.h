/* client — who a server's per-connection worker serves, from what the server itself says:
 * Samba's `smbstatus --json` (user, machine, address of each smbd pid) and sshd's process
 * titles ("sshd: alice@pts/0"). Pure parsers; daemon/session.c runs the tools. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

struct client_info {
        char user[128];     /* "alice", "DOMAIN\\alice"; "" unknown */
        char host[128];     /* the client's machine name as the server knows it; "" unknown */
        char addr[80];      /* "192.0.2.7:50123", "[2001:db8::1]:50123"; "" unknown */
        long long uid;      /* the session's unix uid (smbstatus); -1 unknown */
};

/* The session of smbd worker `pid` in the output of `smbstatus --json` (Samba 4.17+): fills
 * what it finds (fields left as they were when absent). -ENOENT when no session has that pid,
 * -EINVAL when the text is not smbstatus JSON. */
int client_from_smbstatus(const char *json, pid_t pid, struct client_info *ret);

/* The user of an sshd session from its process title: "sshd: alice [priv]", "sshd: alice@pts/0",
 * "sshd: alice@notty", "sshd: alice [net]". -ENOENT when the title is not one of those. */
int client_from_sshd_title(const char *title, struct client_info *ret);

/* The configuration file smbd was started with, from its argv (-s FILE, -sFILE,
 * --configfile=FILE, --configfile FILE). -ENOENT when none was given (smbd's built-in default). */
int client_smbd_conf(char *const *argv, int argc, char *buf, size_t len);
