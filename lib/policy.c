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
bool policy_serves_a_client(const struct policy *p, const struct proc_info *cur, const struct proc_info *parent,
                            struct proc_conn *ret_conn) {
        if (!(parent->ppid <= 1 || (parent->pid == parent->sid && parent->tty == 0)) || parent->kthread)
                return false;
        struct proc_conn c, s;
        if (proc_tcp_of(p->procdir, cur->pid, false, &c) < 0 || c.established == 0)
                return false;
        if (proc_tcp_of(p->procdir, parent->pid, true, &s) < 0 || s.listening == 0)
                return false;
        if (ret_conn)
                *ret_conn = c;
        return true;
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
        struct proc_conn conn;
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
                if (policy_serves_a_client(p, &cur, &parent, &conn)) {
                        if (ret_client) {
                                *ret_client = (struct block_client){ .is_worker = true, .uid = cur.uid, .conn = conn.first };
                                (void)proc_fsuid(p->procdir, cur.pid, &ret_client->uid); /* whom it acts as now */
                        }
                        break;
                }
                cur = parent;
        }
        *ret = cur;
        return 0;
}
