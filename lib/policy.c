/* policy — the safety rules around acting on processes. */
#include "policy.h"

#include <errno.h>
#include <string.h>

#include "util.h"

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
/* Does the server listen on TCP, on which ports, as root? From the cache, else read: a "yes"
 * holds for the server's life, a "no" for POLICY_SERVER_NO_MS, a failed read not at all. */
struct server_facts {
        bool listening, root;
        struct proc_conn conn;
};

static void server_facts(const struct policy *p, const struct proc_info *server, struct server_facts *ret) {
        struct policy_servers *c = p->servers;
        uint64_t now = util_now_ms();
        for (size_t i = 0; c && i < POLICY_SERVERS_MAX; i++)
                if (c->v[i].pid == server->pid && c->v[i].start == server->start_time &&
                    (c->v[i].listening || now - c->v[i].t_ms < POLICY_SERVER_NO_MS)) {
                        *ret = (struct server_facts){ c->v[i].listening, c->v[i].root, c->v[i].conn };
                        return;
                }
        *ret = (struct server_facts){ 0 };
        uid_t ruid = 1;
        if (proc_tcp_of(p->procdir, server->pid, true, &ret->conn) < 0)
                return;
        ret->listening = ret->conn.listening > 0;
        ret->root = proc_ruid(p->procdir, server->pid, &ruid) == 0 && ruid == 0;
        if (c) {
                c->v[c->next].pid = server->pid;
                c->v[c->next].start = server->start_time;
                c->v[c->next].listening = ret->listening;
                c->v[c->next].root = ret->root;
                c->v[c->next].t_ms = now;
                c->v[c->next].conn = ret->conn;
                c->next = (c->next + 1) % POLICY_SERVERS_MAX;
        }
}

#define OWN_SOCKETS_MAX 64

static bool serves(const struct policy *p, const struct proc_info *cur, const struct proc_info *parent,
                   struct server_facts *sf) {
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
        if (other == 0)
                return false;
        server_facts(p, parent, sf);
        return sf->listening;
}

bool policy_serves_a_client(const struct policy *p, const struct proc_info *cur, const struct proc_info *parent,
                            struct proc_conn *ret_conn) {
        struct server_facts sf;
        if (!serves(p, cur, parent, &sf))
                return false;
        if (ret_conn && (proc_tcp_accepted(p->procdir, cur->pid, sf.conn.ports, sf.conn.n_ports, ret_conn) < 0 ||
                         ret_conn->established == 0))
                return false;
        return true;
}

bool policy_worker_client(const struct policy *p, const struct proc_info *cur, const struct proc_info *parent,
                          struct block_client *ret) {
        struct server_facts sf;
        if (!serves(p, cur, parent, &sf))
                return false;
        *ret = (struct block_client){ .is_worker = true, .worker = cur->pid, .worker_start = cur->start_time,
                                      .uid = cur->uid, .server_root = sf.root, .n_ports = sf.conn.n_ports };
        memcpy(ret->ports, sf.conn.ports, sizeof(ret->ports));
        (void)proc_fsuid(p->procdir, cur->pid, &ret->uid); /* whom it acts as now */
        return true;
}

void policy_client_conn(const struct policy *p, struct block_client *c) {
        if (!c->is_worker || c->conn_known)
                return;
        struct proc_conn conn;
        c->conn_known = true; /* once, even when it fails: never 5 ms on every event */
        if (proc_tcp_accepted(p->procdir, c->worker, c->n_ports ? c->ports : NULL, c->n_ports, &conn) == 0 &&
            conn.established)
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

static bool is_worker_parent(const struct policy *p, const struct proc_info *pi) {
        for (size_t i = 0; i < p->n_worker_parents; i++)
                if (pi->exe_ino && p->worker_parents[i].ino == pi->exe_ino && p->worker_parents[i].dev == pi->exe_dev)
                        return true;
        return false;
}

/* A child of the master of a program the admin named in server.worker_parents (the topmost of
 * that program: its workers run it too, and their children are not workers). */
static bool configured_worker(const struct policy *p, const struct proc_info *cur, const struct proc_info *parent,
                              struct block_client *ret) {
        struct proc_info grand;
        if (!p->n_worker_parents || !is_worker_parent(p, parent))
                return false;
        if (parent->ppid > 1 && proc_read(p->procdir, parent->ppid, &grand) == 0 && is_worker_parent(p, &grand))
                return false; /* parent is itself a worker */
        uid_t ruid = 1;
        *ret = (struct block_client){ .is_worker = true, .worker = cur->pid, .worker_start = cur->start_time,
                                      .uid = cur->uid,
                                      .server_root = proc_ruid(p->procdir, parent->pid, &ruid) == 0 && ruid == 0 };
        (void)proc_fsuid(p->procdir, cur->pid, &ret->uid);
        return true;
}

struct alive_ctx {
        const struct policy *p;
        const struct proc_info *child; /* the re-parented process */
        struct proc_info *ret;
};

static uint64_t ns_to_ticks(const struct policy *p, uint64_t ns) {
        long hz = p->ticks_per_s > 0 ? p->ticks_per_s : 100;
        return ns / (1000000000ull / (uint64_t)hz);
}

/* Is pid the live process that forked at t_ns (it started no later), and the same program as
 * the re-parented child? 1 yes; 0 it is gone (or another process has its pid now): look at its
 * own forker; -1 stop: a child of init (a service's daemon keeps its jobs as families of their
 * own), or another program (a desktop's launcher, a browser opening a viewer, a shell script
 * starting a daemon: none answers for what it started). Ransomware that spreads by double
 * forks forks itself. */
static int ancestor_alive(pid_t pid, uint64_t t_ns, void *ud) {
        struct alive_ctx *c = ud;
        if (proc_read(c->p->procdir, pid, c->ret) < 0 || c->ret->start_time > ns_to_ticks(c->p, t_ns) + 1)
                return 0;
        if (c->ret->ppid <= 1 || !c->child->exe_ino || c->ret->exe_ino != c->child->exe_ino ||
            c->ret->exe_dev != c->child->exe_dev)
                return -1;
        return 1;
}


int policy_gone_forker(const struct policy *p, pid_t pid, struct proc_info *ret) {
        if (!p->ancestry || pid <= 1)
                return -ENOENT;
        /* Another process has the pid now: the newest fork of it may be that one's. */
        if (proc_alive(p->procdir, pid))
                return -ESRCH;
        uint64_t t_fork;
        pid_t f = ancestry_parent(p->ancestry, pid, &t_fork);
        /* Its forker, the very one (started no later than the fork), and only one where a
         * child is in the forker's family whatever the child: not init, a kernel thread, an
         * allowed or protected program (our own ancestors), nor a session leader on a terminal
         * (a shell's jobs are families of their own). A forker that is gone too is no guess
         * to make: a family boundary may lie between (a file made by the one and unlinked by
         * the other would look like someone else's destroyed). */
        if (f <= 1 || proc_read(p->procdir, f, ret) < 0 || ret->start_time > ns_to_ticks(p, t_fork) + 1)
                return -ENOENT;
        /* Nor where a child may well be a family of its own: a child of init's (a service's
         * main process: its workers, a server's per-client ones, are families of their own), a
         * session leader (a shell, tmux, a login: its jobs), anything on a terminal, or a
         * configured worker parent. The dead worker's events are then nobody's, as before. */
        if (ret->kthread || is_protected(p, ret) || policy_allowed(p, ret) || ret->ppid <= 1 || ret->pid == ret->sid ||
            ret->tty != 0 || is_worker_parent(p, ret))
                return -EPERM;
        return 0;
}

int policy_family_root(const struct policy *p, const struct proc_info *pi, struct proc_info *ret,
                       struct block_client *ret_client) {
        struct proc_info cur = *pi, parent;
        if (ret_client)
                *ret_client = (struct block_client){ 0 };
        for (int depth = 0; depth < 64; depth++) {
                bool crossed = false;
                uint64_t t_fork = 0;
                pid_t real = p->ancestry ? ancestry_parent(p->ancestry, cur.pid, &t_fork) : 0;
                /* The fork event is this process's own (not a former holder of its pid's, when
                 * its own event was lost): it started when it was forked, give or take a tick. */
                uint64_t tf = ns_to_ticks(p, t_fork);
                bool own_event = real > 1 && cur.start_time + 2 >= tf && tf + 2 >= cur.start_time;
                if (own_event && real != cur.ppid && cur.tty == 0) {
                        /* Handed to init (or a subreaper) by a parent that exited: a double fork.
                         * The family goes on from the first of its forkers still there, when that
                         * is the same program. */
                        struct alive_ctx c = { p, &cur, &parent };
                        if (ancestry_live_ancestor(p->ancestry, cur.pid, ancestor_alive, &c) <= 1)
                                break;
                        crossed = true; /* its own process group, deliberately: not a shell's job */
                } else if (cur.pid == cur.sid || cur.ppid <= 1)
                        break;
                else if (proc_read(p->procdir, cur.ppid, &parent) < 0)
                        break;
                if (parent.kthread || is_protected(p, &parent) || 
                    (parent.tty != 0 && (parent.pid == parent.sid || (!crossed && parent.pgrp != cur.pgrp))))
                        break;
                if (strcmp(parent.cgroup, cur.cgroup) != 0)
                        break;
                if (policy_allowed(p, &parent))
                        break;
                struct block_client bc;
                if (configured_worker(p, &cur, &parent, &bc) || policy_worker_client(p, &cur, &parent, &bc)) {
                        if (ret_client)
                                *ret_client = bc;
                        break;
                }
                cur = parent;
        }
        *ret = cur;
        return 0;
}
