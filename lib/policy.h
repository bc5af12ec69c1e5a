/* policy — who may be acted on, and which process is the root of a family. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "ancestry.h"
#include "block.h"
#include "config.h"
#include "proc.h"

/* An allowlisted executable, by identity (from stat() of its configured path). */
struct policy_exe {
        dev_t dev;
        ino_t ino;
};

/* Which server processes listen on TCP: asked once per server (pid and start time), since
 * reading /proc/PID/net/tcp walks the kernel's connection hash (~5 ms a read). */
#define POLICY_SERVERS_MAX 64
#define POLICY_SERVER_NO_MS 10000
struct policy_servers {
        struct {
                pid_t pid;
                uint64_t start;
                bool listening, root;
                uint64_t t_ms;      /* when read: a "no" is read again after POLICY_SERVER_NO_MS */
                struct proc_conn conn; /* its listening ports */
        } v[POLICY_SERVERS_MAX];
        size_t next;
};

struct policy {
        const char *procdir;
        struct policy_servers *servers; /* the cache above (NULL: none, always read) */
        pid_t self;
        const pid_t *protected_pids; /* the daemon's ancestors: never acted on, never a family */
        const uint64_t *protected_starts; /* their start times (NULL: pids alone) */
        size_t n_protected;
        const struct config *config;
        /* Allowlist by file identity. When set (even empty), it replaces the comparison of
         * config->allow path strings, which a process in another mount namespace can fake. */
        const struct policy_exe *allow_exes;
        size_t n_allow_exes;
        /* server.worker_parents by identity: each child of one of these serves one client, even
         * where the kernel's facts do not show it (a pool fed over Unix sockets). */
        const struct policy_exe *worker_parents;
        size_t n_worker_parents;
        /* Fork events (NULL: none): a family goes on past a session of its own or a hand-over
         * to init, to the process that really started it. */
        const struct ancestry *ancestry;
        long ticks_per_s;   /* of start_time (sysconf(_SC_CLK_TCK)) */
};

/* Is the process an allowlisted executable? */
bool policy_allowed(const struct policy *p, const struct proc_info *pi);

/* May we signal this process? false with *ret_why set for pid 1, ourselves, our ancestors,
 * kernel threads and allowlisted executables. */
bool policy_may_act(const struct policy *p, const struct proc_info *pi, const char **ret_why);

/* The family root of pi: climb parents while they are in the same cgroup, not pid 1, not a
 * kernel thread, not one of our protected pids, not allowlisted, and not an interactive session
 * leader or job-control shell (one with a controlling terminal that is a session leader or put
 * the child in another process group: a login shell is never part of a family). A session
 * leader without a terminal (setsid, a cron job's shell), or a process handed to init, is the
 * top of its family; but a process whose parent exited and left it to init (a double fork)
 * goes on from the first of its forkers that is still there, when p->ancestry knows them (and
 * that one is not a child of init: a service's daemon keeps its jobs as families of their own),
 * with the same limits from there.
 * A server's per-connection worker (policy_serves_a_client) is the top of its family too, and
 * then *ret_client (may be NULL) says whom it serves; else ret_client->is_worker is false.
 * *ret is pi itself when nothing qualifies. */
/* A process that exited before we could read it (an event read after it was reaped): the
 * process that forked it, still alive, from p->ancestry, in *ret. -ENOENT when that is not
 * known or gone too, -ESRCH when another process holds its pid now (its newest fork event may be
 * that one's), -EPERM when a child of it need not be of its family (kernel threads, allowed or
 * protected programs, children of init, session leaders, anything on a terminal, configured
 * worker parents). */
int policy_gone_forker(const struct policy *p, pid_t pid, struct proc_info *ret);
int policy_family_root(const struct policy *p, const struct proc_info *pi, struct proc_info *ret,
                       struct block_client *ret_client);

/* Does cur serve one client of its server parent: parent a daemon (ppid 1, or a session leader
 * without a terminal) holding a listening TCP socket, cur holding a socket of its own that is
 * not a Unix socket (its accepted connection)? Then *ret_conn, when not NULL, is cur's TCP
 * connection (a costly read: pass NULL on hot paths, see policy_client_conn). */
bool policy_serves_a_client(const struct policy *p, const struct proc_info *cur, const struct proc_info *parent,
                            struct proc_conn *ret_conn);
/* The same, filling whom it serves (worker identity, its server's ports and real uid). */
bool policy_worker_client(const struct policy *p, const struct proc_info *cur, const struct proc_info *parent,
                          struct block_client *ret);

/* The nearest of pi and its ancestors that serves a client (an sshd session above a login's
 * programs), with its server and connection: for naming the client in an alert. -ENOENT when
 * there is none within 32 generations. */
int policy_worker_of(const struct policy *p, const struct proc_info *pi, struct proc_info *ret_worker,
                     struct proc_info *ret_server, struct proc_conn *ret_conn);

/* Fill c->conn (the worker's TCP connection) unless known: the costly read, done once per
 * worker and only when an address is needed (a block, a client's evidence, an alert). */
void policy_client_conn(const struct policy *p, struct block_client *c);

/* Do two processes run the same executable (by identity: a forked worker that never exec'd)? */
bool policy_same_program(const struct proc_info *a, const struct proc_info *b);
