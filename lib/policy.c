/* policy — the safety rules around acting on processes. */
#include "policy.h"

#include <errno.h>
#include <string.h>

static bool is_protected(const struct policy *p, const struct proc_info *pi) {
        if (pi->pid == p->self)
                return true;
        for (size_t i = 0; i < p->n_protected; i++)
                if (p->protected_pids[i] == pi->pid &&
                    (!p->protected_starts || p->protected_starts[i] == pi->start_time))
                        return true;
        return false;
}

bool policy_allowed(const struct policy *p, const struct proc_info *pi) {
        if (p->allow_exes) {
                for (size_t i = 0; i < p->n_allow_exes; i++)
                        if (pi->exe_ino && p->allow_exes[i].ino == pi->exe_ino && p->allow_exes[i].dev == pi->exe_dev)
                                return true;
                return false;
        }
        return p->config && config_is_allowed(p->config, pi->exe);
}

bool policy_may_act(const struct policy *p, const struct proc_info *pi, const char **ret_why) {
        const char *why = NULL;
        if (pi->pid <= 1)
                why = "pid 1";
        else if (pi->pid == p->self)
                why = "the daemon itself";
        else if (is_protected(p, pi))
                why = "an ancestor of the daemon";
        else if (pi->kthread)
                why = "a kernel thread";
        else if (policy_allowed(p, pi))
                why = "allowlisted";
        if (ret_why)
                *ret_why = why;
        return why == NULL;
}

/* Does cur serve one client of the server parent? Facts from the kernel, not names: the parent
 * is a daemon (started by pid 1, or the leader of a session without a terminal) holding a
 * listening TCP socket, and cur holds a connected one. Then cur heads its own family: the
 * server and its other workers are never part of one client's misdeeds (smbd, sshd, vsftpd,
 * proftpd, Apache prefork all fork so). */
/* Does the server listen on TCP? From the cache, else read once. */
static bool server_listens(const struct policy *p, const struct proc_info *server) {
        struct policy_servers *c = p->servers;
        for (size_t i = 0; c && i < POLICY_SERVERS_MAX; i++)
                if (c->v[i].pid == server->pid && c->v[i].start == server->start_time)
                        return c->v[i].listening;
        struct proc_conn s;
        bool listening = proc_tcp_of(p->procdir, server->pid, true, &s) == 0 && s.listening > 0;
        if (c) {
                c->v[c->next].pid = server->pid;
                c->v[c->next].start = server->start_time;
                c->v[c->next].listening = listening;
                c->next = (c->next + 1) % POLICY_SERVERS_MAX;
        }
        return listening;
}

#define OWN_SOCKETS_MAX 64

bool policy_serves_a_client(const struct policy *p, const struct proc_info *cur, const struct proc_info *parent,
                            struct proc_conn *ret_conn) {
        if (!(parent->ppid <= 1 || (parent->pid == parent->sid && parent->tty == 0)) || parent->kthread)
                return false;
        /* Sockets of its own: not inherited from the parent (a forked worker shares the listening
         * socket until it closes it), and not Unix sockets (logging, messaging). */
        uint64_t mine[OWN_SOCKETS_MAX], theirs[256];
        size_t n_mine, n_theirs, own = 0;
        if (proc_socket_inodes(p->procdir, cur->pid, mine, OWN_SOCKETS_MAX, &n_mine) < 0 || n_mine == 0 ||
            proc_socket_inodes(p->procdir, parent->pid, theirs, 256, &n_theirs) < 0 || n_theirs == 0)
                return false;
        for (size_t i = 0; i < n_mine; i++) {
                bool shared = false;
                for (size_t j = 0; j < n_theirs && !shared; j++)
                        shared = mine[i] == theirs[j];
                if (!shared)
                        mine[own++] = mine[i];
        }
        if (own == 0)
                return false;
        bool is_unix[OWN_SOCKETS_MAX];
        if (proc_unix_sockets(p->procdir, cur->pid, mine, own, is_unix) < 0)
                return false;
        size_t other = 0;
        for (size_t i = 0; i < own; i++)
                other += !is_unix[i];
        if (other == 0 || !server_listens(p, parent))
                return false;
        if (ret_conn && (proc_tcp_of(p->procdir, cur->pid, false, ret_conn) < 0 || ret_conn->established == 0))
                return false;
        return true;
}

void policy_client_conn(const struct policy *p, struct block_client *c) {
        if (!c->is_worker || c->conn_known)
                return;
        struct proc_conn conn;
        c->conn_known = true; /* once, even when it fails: never 5 ms on every event */
        if (proc_tcp_of(p->procdir, c->worker, false, &conn) == 0 && conn.established)
                c->conn = conn.first;
}

int policy_worker_of(const struct policy *p, const struct proc_info *pi, struct proc_info *ret_worker,
                     struct proc_info *ret_server, struct proc_conn *ret_conn) {
        struct proc_info cur = *pi, parent;
        for (int depth = 0; depth < 32 && cur.ppid > 1; depth++) {
                if (proc_read_stat(p->procdir, cur.ppid, &parent) < 0 || parent.kthread)
                        break;
                if (policy_serves_a_client(p, &cur, &parent, ret_conn)) {
                        *ret_worker = cur;
                        *ret_server = parent;
                        return 0;
                }
                cur = parent;
        }
        return -ENOENT;
}

bool policy_same_program(const struct proc_info *a, const struct proc_info *b) {
        return a->exe_ino && a->exe_ino == b->exe_ino && a->exe_dev == b->exe_dev;
}

int policy_family_root(const struct policy *p, const struct proc_info *pi, struct proc_info *ret,
                       struct block_client *ret_client) {
        struct proc_info cur = *pi, parent;
        if (ret_client)
                *ret_client = (struct block_client){ 0 };
        for (int depth = 0; depth < 64; depth++) {
                if (cur.pid == cur.sid || cur.ppid <= 1)
                        break;
                if (proc_read(p->procdir, cur.ppid, &parent) < 0)
                        break;
                if (parent.kthread || is_protected(p, &parent) || 
                    (parent.tty != 0 && (parent.pid == parent.sid || parent.pgrp != cur.pgrp)))
                        break;
                if (strcmp(parent.cgroup, cur.cgroup) != 0)
                        break;
                if (policy_allowed(p, &parent))
                        break;
                if (policy_serves_a_client(p, &cur, &parent, NULL)) {
                        if (ret_client) {
                                *ret_client = (struct block_client){ .is_worker = true, .worker = cur.pid, .uid = cur.uid };
                                (void)proc_fsuid(p->procdir, cur.pid, &ret_client->uid); /* whom it acts as now */
                        }
                        break;
                }
                cur = parent;
        }
        *ret = cur;
        return 0;
}
