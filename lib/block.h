/* block — the clients a file server may not serve for a while: after a server's per-connection
 * worker was convicted, the same user (uid) or address gets every open in a protected tree
 * denied until the block ends or the admin lifts it. Pure: the daemon keeps the list on disk
 * (daemon/blocks.c) and asks block_match() on each open of a server worker. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc.h"

enum block_kind { BLOCK_USER = 1 << 0, BLOCK_ADDR = 1 << 1 };

struct block_key {
        enum block_kind kind;
        uid_t uid;          /* BLOCK_USER */
        bool v6;            /* BLOCK_ADDR: an IPv4-mapped address is kept as IPv4 */
        uint8_t addr[16];
};

/* Who a per-connection worker serves, as far as the kernel tells (the caller's). */
struct block_client {
        bool is_worker;     /* the family root serves one client of a server */
        pid_t worker;       /* that root, and its start time */
        uint64_t worker_start;
        bool server_root;   /* its server really runs as root (real uid): blocks only then, so
                             * a user's own forking server can never get others blocked */
        uint16_t ports[PROC_LISTEN_PORTS]; /* the server's listening ports: the accepted connection */
        unsigned n_ports;
        uid_t uid;          /* the uid the worker acts as (its fsuid, read at its opens) */
        bool conn_known;    /* conn was looked up (policy_client_conn; costly, so only when needed) */
        struct proc_tcp conn; /* its connection (all zero when unknown) */
};

struct block {
        struct block_key key;
        int64_t until;      /* realtime seconds */
        char label[64];     /* "alice", "192.0.2.7": for messages */
};

struct block_list {
        struct block *v;
        size_t n, cap;
};

#define BLOCK_NAME_MAX 64

/* The key of a client: kind BLOCK_USER or BLOCK_ADDR. */
void block_key_of(const struct block_client *c, enum block_kind kind, struct block_key *ret);
/* A key as a file name ("user-1001", "addr-192.0.2.7", "addr-2001:db8::1") and back. The parse
 * accepts only what block_key_name writes: -EINVAL otherwise. */
void block_key_name(const struct block_key *k, char *buf, size_t len);
int block_key_parse(const char *name, struct block_key *ret);
bool block_key_equal(const struct block_key *a, const struct block_key *b);

/* Add a block, or extend one already there (until and label are updated). */
int block_add(struct block_list *l, const struct block_key *k, const char *label, int64_t until);
/* Remove the block with key k: 1 when there was one, else 0. */
int block_remove(struct block_list *l, const struct block_key *k);
/* The first block in force at now that matches the client by one of the kinds in `by`, or
 * NULL. Expired blocks never match (the caller removes them, see block_expired). */
const struct block *block_match(const struct block_list *l, unsigned by, const struct block_client *c, int64_t now);
/* The index of some expired block, -1 when none. */
ssize_t block_expired(const struct block_list *l, int64_t now);
void block_list_free(struct block_list *l);

/* The text of a block file ("until=1764633600\nlabel=alice\n"): parse, with bounds; write. */
int block_file_parse(const char *text, int64_t *ret_until, char *label, size_t label_len);
void block_file_format(const struct block *b, char *buf, size_t len);
