/* Unit tests for lib/policy.c: who may never be acted on, and where the climb to a family root
 * stops, against a fake proc tree (stat, exe and cgroup files written here). */
#include "policy.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define PF_KTHREAD 0x00200000UL
#define CG_USER "/user.slice/user-1000.slice/session-3.scope"
#define CG_OTHER "/user.slice/user-1000.slice/user@1000.service/app.slice/run-r1.scope"

/* ---- fake proc tree ---- */

static char *root_dir;
static int fake_tty = 34816; /* tty_nr of the fake processes made next */


static void write_file(const char *path, const char *data) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_msg(fd >= 0, "open %s: %m", path);
        ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
        close(fd);
}

/* A fake process with its session id, flags, exe link and v2 cgroup. */
static void fake_proc(pid_t pid, const char *comm, pid_t ppid, pid_t sid, unsigned long flags, const char *exe,
                      const char *cgroup) {
        char d[512], p[600], *s = NULL;
        snprintf(d, sizeof(d), "%s/%d", root_dir, (int)pid);
        ck_assert_int_eq(mkdir(d, 0755), 0);
        ck_assert_int_ge(asprintf(&s,
                                  "%d (%s) S %d %d %d %d -1 %lu 0 0 0 0 0 0 0 0 20 0 1 0 %d 0 0 "
                                  "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
                                  (int)pid, comm, (int)ppid, (int)sid, (int)sid, fake_tty, flags, 5000 + (int)pid),
                         0);
        snprintf(p, sizeof(p), "%s/stat", d);
        write_file(p, s);
        free(s);
        if (exe) {
                snprintf(p, sizeof(p), "%s/exe", d);
                ck_assert_int_eq(symlink(exe, p), 0);
        }
        if (cgroup) {
                snprintf(p, sizeof(p), "%s/cgroup", d);
                ck_assert_int_ge(asprintf(&s, "0::%s\n", cgroup), 0);
                write_file(p, s);
                free(s);
        }
}

/*
 * 1 systemd
 * ├─ 2 kthreadd ── 600 kworker (PF_KTHREAD) ── 601 (impossible, but tests the flag)
 * ├─ 100 bash (session leader, sid 100)
 * │   ├─ 101 ransom ── 102 worker ── 103 sub-worker                 (stop below the leader)
 * │   ├─ 201 launcher ── 202 systemd-run'd (other cgroup) ── 203     (stop at the cgroup change)
 * │   ├─ 300 ransomguardd's parent (protected) ── 301                (stop at protected)
 * │   ├─ 400 make (allowlisted) ── 401 cc ── 402                     (stop at allowlisted)
 * │   ├─ 700 the daemon (self) ── 701                                (stop at self)
 * │   └─ 801 (parent 800 has no entry)                               (stop where /proc ends)
 * ├─ 500 daemonized (sid 7, not a leader) ── 501 ── 502              (stop at pid 1)
 * └─ 900 ⇄ 901 (ppid cycle, sid 5)                                   (must terminate)
 */
static void tree_setup(void) {
        char tmpl[] = "/tmp/rg-test-policy-XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(tmpl));
        root_dir = strdup(tmpl);
        fake_proc(1, "systemd", 0, 1, 0, "/usr/lib/systemd/systemd", "/init.scope");
        fake_proc(2, "kthreadd", 0, 0, PF_KTHREAD, NULL, NULL);
        fake_proc(600, "kworker/0:1", 2, 0, PF_KTHREAD, NULL, NULL);
        fake_proc(601, "odd", 600, 0, 0, "/usr/bin/odd", CG_USER);
        fake_proc(100, "bash", 1, 100, 0, "/usr/bin/bash", CG_USER);
        fake_proc(101, "ransom", 100, 100, 0, "/tmp/ransom", CG_USER);
        fake_proc(102, "worker", 101, 100, 0, "/tmp/ransom", CG_USER);
        fake_proc(103, "sub worker", 102, 100, 0, "/tmp/ransom", CG_USER);
        fake_proc(201, "launcher", 100, 100, 0, "/usr/bin/systemd-run", CG_USER);
        fake_proc(202, "in scope", 201, 100, 0, "/usr/bin/python3", CG_OTHER);
        fake_proc(203, "in scope child", 202, 100, 0, "/usr/bin/python3", CG_OTHER);
        fake_proc(300, "protected", 100, 100, 0, "/usr/bin/sudo", CG_USER);
        fake_proc(301, "under protected", 300, 100, 0, "/usr/bin/ransom", CG_USER);
        fake_proc(400, "make", 100, 100, 0, "/usr/bin/make", CG_USER);
        fake_proc(401, "cc", 400, 100, 0, "/usr/bin/cc", CG_USER);
        fake_proc(402, "cc1", 401, 100, 0, "/usr/lib/gcc/cc1", CG_USER);
        fake_proc(700, "ransomguardd", 100, 100, 0, "/usr/sbin/ransomguardd", CG_USER);
        fake_proc(701, "child of self", 700, 100, 0, "/usr/bin/sh", CG_USER);
        fake_proc(801, "orphan", 800, 100, 0, "/usr/bin/x", CG_USER);
        fake_proc(500, "daemonized", 1, 7, 0, "/usr/bin/d", CG_USER);
        fake_proc(501, "d child", 500, 7, 0, "/usr/bin/d", CG_USER);
        fake_proc(502, "d grandchild", 501, 7, 0, "/usr/bin/d", CG_USER);
        fake_proc(900, "cycle a", 901, 5, 0, "/usr/bin/c", CG_USER);
        fake_proc(901, "cycle b", 900, 5, 0, "/usr/bin/c", CG_USER);
}

static void tree_teardown(void) {
        nftw(root_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(root_dir);
        root_dir = NULL;
}

static struct config *cfg_with_allow(void) {
        struct config *c = NULL;
        char err[256];
        int r = config_parse("{\"allow\": [\"/usr/bin/make\", \"/usr/bin/rsync\"]}", "test", &c, err, sizeof(err));
        ck_assert_msg(r == 0, "%s", err);
        return c;
}

static const pid_t protected_pids[] = { 300, 1 };

static struct policy mkpolicy(const struct config *c) {
        return (struct policy){
                .procdir = root_dir,
                .self = 700,
                .protected_pids = protected_pids,
                .n_protected = ELEMENTSOF(protected_pids),
                .config = c,
        };
}

static struct proc_info read_pi(pid_t pid) {
        struct proc_info pi;
        ck_assert_int_eq(proc_read(root_dir, pid, &pi), 0);
        return pi;
}

static pid_t root_of(const struct policy *p, pid_t pid) {
        struct proc_info pi = read_pi(pid), r;
        memset(&r, 0xa5, sizeof(r));
        ck_assert_int_eq(policy_family_root(p, &pi, &r, NULL), 0);
        /* *ret is a whole proc_info of that process, as proc_read gives it. */
        struct proc_info want = read_pi(r.pid);
        ck_assert_int_eq(r.ppid, want.ppid);
        ck_assert_int_eq(r.sid, want.sid);
        ck_assert_uint_eq(r.start_time, want.start_time);
        ck_assert_str_eq(r.comm, want.comm);
        ck_assert_str_eq(r.exe, want.exe);
        ck_assert_str_eq(r.cgroup, want.cgroup);
        return r.pid;
}

/* ---- policy_may_act ---- */

START_TEST(test_may_act) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        const char *why = "unset";

        struct proc_info pi = read_pi(102);
        ck_assert(policy_may_act(&p, &pi, &why));
        ck_assert_ptr_null(why);
        ck_assert(policy_may_act(&p, &pi, NULL));

        pi = read_pi(1);
        ck_assert(!policy_may_act(&p, &pi, &why));
        ck_assert_str_eq(why, "pid 1");
        /* Nonsense pids are never acted on either. */
        pi.pid = 0;
        ck_assert(!policy_may_act(&p, &pi, &why));
        pi.pid = -1;
        ck_assert(!policy_may_act(&p, &pi, &why));
        ck_assert(!policy_may_act(&p, &pi, NULL));

        pi = read_pi(700);
        ck_assert(!policy_may_act(&p, &pi, &why));
        ck_assert_str_eq(why, "the daemon itself");

        pi = read_pi(300);
        ck_assert(!policy_may_act(&p, &pi, &why));
        ck_assert_str_eq(why, "an ancestor of the daemon");

        pi = read_pi(600);
        ck_assert(pi.kthread);
        ck_assert(!policy_may_act(&p, &pi, &why));
        ck_assert_str_eq(why, "a kernel thread");
        pi = read_pi(2);
        ck_assert(!policy_may_act(&p, &pi, &why));
        ck_assert_str_eq(why, "a kernel thread");

        pi = read_pi(400);
        ck_assert(!policy_may_act(&p, &pi, &why));
        ck_assert_str_eq(why, "allowlisted");
        /* Only the exact path: a child of make is fair game. */
        pi = read_pi(401);
        ck_assert(policy_may_act(&p, &pi, &why));

        /* An unreadable exe is "", which no allowlist entry matches. */
        pi = read_pi(102);
        pi.exe[0] = '\0';
        ck_assert(policy_may_act(&p, &pi, &why));

        /* Without a configuration nothing is allowlisted, the other rules hold. */
        p.config = NULL;
        pi = read_pi(400);
        ck_assert(policy_may_act(&p, &pi, &why));
        pi = read_pi(1);
        ck_assert(!policy_may_act(&p, &pi, &why));

        /* No protected list at all. */
        p.protected_pids = NULL;
        p.n_protected = 0;
        pi = read_pi(300);
        ck_assert(policy_may_act(&p, &pi, &why));
        pi = read_pi(700);
        ck_assert(!policy_may_act(&p, &pi, &why));
        config_free(c);
}
END_TEST

/* ---- policy_family_root ---- */

/* The allowlist by file identity: the exe path string does not matter, the inode does (a
 * process in another mount namespace can show any path). Protected pids with start times. */
START_TEST(test_allow_by_identity_and_protected_starts) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        struct proc_info pi = { .pid = 4242, .start_time = 9, .exe_dev = 8, .exe_ino = 1234 };
        snprintf(pi.exe, sizeof(pi.exe), "/usr/bin/rsync");
        const struct policy_exe none[1] = { { 0, 0 } };
        p.allow_exes = none;
        p.n_allow_exes = 0;
        ck_assert(!policy_allowed(&p, &pi)); /* the right path string, but no identity matches */
        ck_assert(policy_may_act(&p, &pi, NULL));
        const struct policy_exe ids[] = { { 8, 1234 } };
        p.allow_exes = ids;
        p.n_allow_exes = 1;
        snprintf(pi.exe, sizeof(pi.exe), "/tmp/anything");
        ck_assert(policy_allowed(&p, &pi));
        ck_assert(!policy_may_act(&p, &pi, NULL));
        pi.exe_ino = 1235;
        ck_assert(!policy_allowed(&p, &pi));

        /* A protected pid with another start time is a new process: not protected. */
        const pid_t pids[] = { 4242 };
        const uint64_t starts[] = { 8 };
        p.protected_pids = pids;
        p.protected_starts = starts;
        p.n_protected = 1;
        ck_assert(policy_may_act(&p, &pi, NULL));
        pi.start_time = 8;
        ck_assert(!policy_may_act(&p, &pi, NULL));
        config_free(c);
}
END_TEST

START_TEST(test_root_stops_below_session_leader) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        ck_assert_int_eq(root_of(&p, 103), 101);
        ck_assert_int_eq(root_of(&p, 102), 101);
        ck_assert_int_eq(root_of(&p, 101), 101);
        /* The leader itself is its own root. */
        ck_assert_int_eq(root_of(&p, 100), 100);
        config_free(c);
}
END_TEST

/* fd/N of a fake process is a socket; its net/tcp (or tcp6) lists that socket. */
static void fake_socket(pid_t pid, int fd, unsigned long ino, const char *tcp_line, bool v6) {
        char p[600], l[64], *s = NULL;
        snprintf(p, sizeof(p), "%s/%d/fd", root_dir, (int)pid);
        (void)mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/%d/fd/%d", root_dir, (int)pid, fd);
        snprintf(l, sizeof(l), "socket:[%lu]", ino);
        ck_assert_int_eq(symlink(l, p), 0);
        snprintf(p, sizeof(p), "%s/%d/net", root_dir, (int)pid);
        (void)mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/%d/net/%s", root_dir, (int)pid, v6 ? "tcp6" : "tcp");
        ck_assert_int_ge(asprintf(&s, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
                                      "timeout inode\n%s\n", tcp_line), 0);
        write_file(p, s);
        free(s);
}

START_TEST(test_root_stops_at_server_worker) {
        /* 1000 smbd (started by pid 1, listening on 445) forks a worker per client: 1001 serves
         * 127.0.0.1:40000 and runs 1002; 1003 serves another client over IPv6; 1004 is a helper
         * with no connection. A client's family is its worker, never the server or the others. */
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        fake_proc(1000, "smbd", 1, 7, 0, "/usr/sbin/smbd", "/system.slice/smbd.service");
        fake_proc(1001, "smbd", 1000, 7, 0, "/usr/sbin/smbd", "/system.slice/smbd.service");
        fake_proc(1002, "helper", 1001, 7, 0, "/usr/bin/helper", "/system.slice/smbd.service");
        fake_proc(1003, "smbd", 1000, 7, 0, "/usr/sbin/smbd", "/system.slice/smbd.service");
        fake_proc(1004, "smbd-notifyd", 1000, 7, 0, "/usr/sbin/smbd", "/system.slice/smbd.service");
        fake_socket(1000, 3, 5000, "   0: 00000000:01BD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5000 1 0 100 0 0 10 0", false);
        fake_socket(1001, 4, 5001, "   1: 0100007F:01BD 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 5001 1 0 20 4 30 10 -1", false);
        fake_socket(1003, 5, 5003, "   0: 00000000000000000000000001000000:01BD 00000000000000000000000001000000:9C41 01 00000000:00000000 00:00000000 00000000     0        0 5003 1 0 20 4 30 10 -1", true);
        ck_assert_int_eq(root_of(&p, 1002), 1001);
        ck_assert_int_eq(root_of(&p, 1001), 1001);
        ck_assert_int_eq(root_of(&p, 1003), 1003);
        ck_assert_int_eq(root_of(&p, 1004), 1000); /* no connection: the server's own */
        ck_assert_int_eq(root_of(&p, 1000), 1000);
        /* Whom the worker serves: its uid and connection, for blocks. */
        struct proc_info pi = read_pi(1002), r;
        struct block_client bc;
        ck_assert_int_eq(policy_family_root(&p, &pi, &r, &bc), 0);
        ck_assert(bc.is_worker);
        ck_assert_int_eq(bc.worker, 1001);
        ck_assert(!bc.conn_known); /* the costly read is left for when an address is needed */
        policy_client_conn(&p, &bc);
        ck_assert(bc.conn_known);
        ck_assert_uint_eq(bc.conn.rport, 40000);
        ck_assert_uint_eq(bc.uid, read_pi(1001).uid);
        pi = read_pi(1004);
        ck_assert_int_eq(policy_family_root(&p, &pi, &r, &bc), 0);
        ck_assert(!bc.is_worker);
        /* The worker above a process, for the alert (an sshd session above a login's programs). */
        struct proc_info w, srv;
        struct proc_conn wc;
        pi = read_pi(1002);
        ck_assert_int_eq(policy_worker_of(&p, &pi, &w, &srv, &wc), 0);
        ck_assert_int_eq(w.pid, 1001);
        ck_assert_int_eq(srv.pid, 1000);
        ck_assert_uint_eq(wc.first.rport, 40000);
        pi = read_pi(1004);
        ck_assert_int_eq(policy_worker_of(&p, &pi, &w, &srv, &wc), -ENOENT);
        pi = read_pi(103);
        ck_assert_int_eq(policy_worker_of(&p, &pi, &w, &srv, &wc), -ENOENT);
        /* What the alert will say of the client. */
        struct proc_conn conn;
        char a[64];
        ck_assert_int_eq(proc_tcp_of(root_dir, 1001, false, &conn), 0);
        ck_assert_uint_eq(conn.established, 1);
        ck_assert_uint_eq(conn.first.rport, 40000);
        proc_tcp_addr(&conn.first, a, sizeof(a));
        ck_assert_str_eq(a, "127.0.0.1");
        ck_assert_int_eq(proc_tcp_of(root_dir, 1003, false, &conn), 0);
        proc_tcp_addr(&conn.first, a, sizeof(a));
        ck_assert_str_eq(a, "::1");
        /* A worker whose parent is no daemon (an interactive tool with a socket) climbs on. */
        fake_proc(1100, "tool", 100, 100, 0, "/usr/bin/tool", CG_USER);
        fake_proc(1101, "child", 1100, 100, 0, "/usr/bin/child", CG_USER);
        fake_socket(1100, 3, 6000, "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6000 1 0 100 0 0 10 0", false);
        fake_socket(1101, 3, 6001, "   1: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 6001 1 0 20 4 30 10 -1", false);
        ck_assert_int_eq(root_of(&p, 1101), 1100);
        /* A child of the server with only Unix sockets of its own (messaging, logging) and one
         * that only shares the server's listening socket are the server's, not clients'. */
        fake_proc(1005, "smbd-cleanupd", 1000, 7, 0, "/usr/sbin/smbd", "/system.slice/smbd.service");
        fake_socket(1005, 6, 5005, "", false);
        char path[512];
        snprintf(path, sizeof(path), "%s/1005/net/unix", root_dir);
        FILE *u = fopen(path, "w");
        ck_assert_ptr_nonnull(u);
        fprintf(u, "Num       RefCount Protocol Flags    Type St Inode Path\n"
                   "0000000000000000: 00000002 00000000 00010000 0001 01 5005 /run/samba/msg.sock/1005\n");
        fclose(u);
        ck_assert_int_eq(root_of(&p, 1005), 1000);
        fake_proc(1006, "smbd", 1000, 7, 0, "/usr/sbin/smbd", "/system.slice/smbd.service");
        fake_socket(1006, 3, 5000, "   0: 00000000:01BD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5000 1 0 100 0 0 10 0", false);
        ck_assert_int_eq(root_of(&p, 1006), 1000);
        config_free(c);
}
END_TEST

/* server.worker_parents: a pool whose workers talk to their master over Unix sockets (PHP-FPM)
 * is told by the admin; each child of the listed program is then its own family. */
START_TEST(test_root_stops_at_configured_worker_parent) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        fake_proc(1200, "php-fpm", 1, 7, 0, "/bin/sh", "/system.slice/php-fpm.service"); /* a real file: its identity */
        fake_proc(1201, "php-fpm", 1200, 7, 0, "/bin/sh", "/system.slice/php-fpm.service");
        fake_proc(1202, "ransom", 1201, 7, 0, "/usr/bin/true", "/system.slice/php-fpm.service");
        ck_assert_int_eq(root_of(&p, 1202), 1200); /* not listed: the master's family */
        struct stat st;
        ck_assert_int_eq(stat("/bin/sh", &st), 0);
        const struct policy_exe parents[] = { { st.st_dev, st.st_ino } };
        p.worker_parents = parents;
        p.n_worker_parents = 1;
        ck_assert_int_eq(root_of(&p, 1202), 1201);
        ck_assert_int_eq(root_of(&p, 1201), 1201);
        ck_assert_int_eq(root_of(&p, 1200), 1200);
        struct proc_info pi = read_pi(1202), r;
        struct block_client bc;
        ck_assert_int_eq(policy_family_root(&p, &pi, &r, &bc), 0);
        ck_assert(bc.is_worker);
        ck_assert_int_eq(bc.worker, 1201);
        ck_assert(!bc.server_root); /* no status file in the fake tree: not known to be root */
        config_free(c);
}
END_TEST

START_TEST(test_root_stops_at_cgroup_change) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        ck_assert_int_eq(root_of(&p, 203), 202);
        ck_assert_int_eq(root_of(&p, 202), 202);
        ck_assert_int_eq(root_of(&p, 201), 201);
        config_free(c);
}
END_TEST

START_TEST(test_root_stops_at_protected) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        ck_assert_int_eq(root_of(&p, 301), 301);
        ck_assert_int_eq(root_of(&p, 701), 701); /* the daemon itself */
        /* Without the protection 301 climbs to 300. */
        p.n_protected = 0;
        ck_assert_int_eq(root_of(&p, 301), 300);
        config_free(c);
}
END_TEST

START_TEST(test_root_stops_at_allowlisted) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        ck_assert_int_eq(root_of(&p, 402), 401);
        ck_assert_int_eq(root_of(&p, 401), 401);
        p.config = NULL;
        ck_assert_int_eq(root_of(&p, 402), 400);
        config_free(c);
}
END_TEST

/* A double fork: 120 (a program) forked 125 (gone), which started a session and forked 130, the
 * same program, handed to init. With the fork events 130 is 120's family again; without them,
 * or when the events do not fit (125 forked after 130: a reused pid; 130's own event lost and an
 * old holder's left), or when the forker is another program (a desktop's launcher) or a child
 * of init (a service's daemon), 130 is its own. A setsid alone (the parent still there) stays a
 * boundary. */
START_TEST(test_root_follows_double_fork) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        const char *prog = "/bin/sh", *other = "/bin/true";
        fake_proc(120, "spawner", 100, 100, 0, prog, CG_USER);  /* started at tick 5120 */
        fake_tty = 0;
        fake_proc(130, "spread worker", 1, 130, 0, prog, CG_USER); /* tick 5130 */
        fake_proc(131, "setsid child", 120, 131, 0, prog, CG_USER);
        fake_proc(132, "viewer", 1, 132, 0, other, CG_USER);
        fake_proc(505, "service daemon", 1, 505, 0, prog, CG_USER);
        fake_proc(512, "service job", 1, 512, 0, prog, CG_USER);
        fake_tty = 34816;
        ck_assert_int_eq(root_of(&p, 130), 130); /* no fork events */
        static struct ancestry a;
        memset(&a, 0, sizeof(a));
        p.ancestry = &a;
        p.ticks_per_s = 100;
        ancestry_fork(&a, 120, 125, 51250000000ull); /* tick 5125: after 120 started */
        ancestry_fork(&a, 125, 130, 51300000000ull); /* tick 5130: 130's own start */
        ck_assert_int_eq(root_of(&p, 130), 120);
        ck_assert_int_eq(ancestry_parent(&a, 130, NULL), 125);
        /* Another program under the same forker: a launcher answers not for what it started. */
        ancestry_fork(&a, 125, 132, 51320000000ull);
        ck_assert_int_eq(root_of(&p, 132), 132);
        /* A setsid child whose parent is there: its own family, as without the events. */
        ancestry_fork(&a, 120, 131, 51310000000ull);
        ck_assert_int_eq(root_of(&p, 131), 131);
        /* 125 forked again after 130 (a new process under that pid): no ancestor of 130's. */
        ancestry_fork(&a, 120, 125, 51350000000ull);
        ck_assert_int_eq(root_of(&p, 130), 130);
        /* 130's own fork event lost, a former holder's left (forked long before it started). */
        ancestry_fork(&a, 120, 125, 51250000000ull);
        ancestry_fork(&a, 125, 130, 40000000000ull);
        ck_assert_int_eq(root_of(&p, 130), 130);
        /* A service's daemon (505, a child of init) double-forking a job: the job is its own. */
        ancestry_fork(&a, 505, 506, 55060000000ull);
        ancestry_fork(&a, 506, 512, 55120000000ull);
        ck_assert_int_eq(root_of(&p, 512), 512);
        config_free(c);
}
END_TEST

/* An event of a process gone before it was read stands for the process that forked it, when
 * that one is alive and a child of it is of its family whatever the child (a worker per file,
 * reaped before its close-write was read). Never when another process holds the pid now, when
 * the forker is gone too or started after the fork (a reused pid), when nothing is known, or when
 * the forker is a session leader on a terminal (its jobs are families of their own). */
START_TEST(test_gone_forker) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        struct proc_info pi;
        fake_tty = 0;
        fake_proc(120, "spawner", 100, 100, 0, "/bin/sh", CG_USER); /* tick 5120 */
        fake_tty = 34816;
        fake_proc(150, "login shell", 100, 150, 0, "/bin/bash", CG_USER);
        ck_assert_int_eq(policy_gone_forker(&p, 140, &pi), -ENOENT); /* no fork events */
        static struct ancestry a;
        memset(&a, 0, sizeof(a));
        p.ancestry = &a;
        p.ticks_per_s = 100;
        ck_assert_int_eq(policy_gone_forker(&p, 140, &pi), -ENOENT); /* none of its fork */
        ancestry_fork(&a, 120, 140, 51250000000ull);
        ck_assert_int_eq(policy_gone_forker(&p, 140, &pi), 0);
        ck_assert_int_eq(pi.pid, 120);
        /* Forked by 141, itself gone: no guess across what may be a family boundary. */
        ancestry_fork(&a, 120, 141, 51250000000ull);
        ancestry_fork(&a, 141, 142, 51260000000ull);
        ck_assert_int_eq(policy_gone_forker(&p, 142, &pi), -ENOENT);
        /* 120 forked 140 before it started: that was another holder of pid 120. */
        ancestry_fork(&a, 120, 140, 51000000000ull);
        ck_assert_int_eq(policy_gone_forker(&p, 140, &pi), -ENOENT);
        /* A login shell's child is a job of its own. */
        ancestry_fork(&a, 150, 143, 52000000000ull);
        ck_assert_int_eq(policy_gone_forker(&p, 143, &pi), -EPERM);
        /* Someone has pid 140 now: its newest fork event may be that one's. */
        ancestry_fork(&a, 120, 140, 51250000000ull);
        fake_proc(140, "new holder", 100, 100, 0, "/bin/sh", CG_USER);
        ck_assert_int_eq(policy_gone_forker(&p, 140, &pi), -ESRCH);
        config_free(c);
}
END_TEST

START_TEST(test_root_stops_at_pid1_and_kthreads) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        /* 500 is not a session leader but its parent is pid 1: it is the root, never 1. */
        ck_assert_int_eq(root_of(&p, 502), 500);
        ck_assert_int_eq(root_of(&p, 500), 500);
        ck_assert_int_eq(root_of(&p, 1), 1);
        /* A kernel thread is never a family root for a user process. */
        ck_assert_int_eq(root_of(&p, 601), 601);
        /* Where /proc ends (the parent exited). */
        ck_assert_int_eq(root_of(&p, 801), 801);
        config_free(c);
}
END_TEST

START_TEST(test_root_cycle_terminates) {
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        pid_t r = root_of(&p, 900);
        ck_assert(r == 900 || r == 901);
        r = root_of(&p, 901);
        ck_assert(r == 900 || r == 901);
        config_free(c);
}
END_TEST

START_TEST(test_root_deep_chain) {
        /* A chain deeper than the climb limit still returns a process of the chain. */
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        fake_proc(1000, "top", 100, 100, 0, "/x", CG_USER);
        for (pid_t pid = 1001; pid < 1200; pid++)
                fake_proc(pid, "deep", pid - 1, 100, 0, "/x", CG_USER);
        pid_t r = root_of(&p, 1199);
        ck_assert_int_ge(r, 1000);
        ck_assert_int_lt(r, 1200);
        ck_assert_int_eq(root_of(&p, 1050), 1000);
        config_free(c);
}
END_TEST

START_TEST(test_root_of_gone_parent_info) {
        /* pi handed in for a process whose own entry vanished: the climb uses pi's fields. */
        struct config *c = cfg_with_allow();
        struct policy p = mkpolicy(c);
        struct proc_info pi = read_pi(103), r;
        pi.pid = 12345; /* not in the tree */
        ck_assert_int_eq(policy_family_root(&p, &pi, &r, NULL), 0);
        ck_assert_int_eq(r.pid, 101);
        config_free(c);
}
END_TEST

static Suite *policy_suite(void) {
        Suite *s = suite_create("policy");
        TCase *tc;

        tc = tcase_create("may_act");
        tcase_add_checked_fixture(tc, tree_setup, tree_teardown);
        tcase_add_test(tc, test_may_act);
        tcase_add_test(tc, test_allow_by_identity_and_protected_starts);
        suite_add_tcase(s, tc);

        tc = tcase_create("family_root");
        tcase_set_timeout(tc, 30);
        tcase_add_checked_fixture(tc, tree_setup, tree_teardown);
        tcase_add_test(tc, test_root_stops_below_session_leader);
        tcase_add_test(tc, test_root_stops_at_server_worker);
        tcase_add_test(tc, test_root_stops_at_configured_worker_parent);
        tcase_add_test(tc, test_root_stops_at_cgroup_change);
        tcase_add_test(tc, test_root_stops_at_protected);
        tcase_add_test(tc, test_root_stops_at_allowlisted);
        tcase_add_test(tc, test_root_stops_at_pid1_and_kthreads);
        tcase_add_test(tc, test_root_follows_double_fork);
        tcase_add_test(tc, test_gone_forker);
        tcase_add_test(tc, test_root_cycle_terminates);
        tcase_add_test(tc, test_root_deep_chain);
        tcase_add_test(tc, test_root_of_gone_parent_info);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(policy_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
