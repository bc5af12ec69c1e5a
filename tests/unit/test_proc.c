/* Unit tests for lib/proc.c: the stat parser on hostile comm names, truncated and garbage
 * lines; a fake proc tree (stat, exe, cgroup, cmdline files written here) for reads,
 * descendants and ancestry, cycles included; command-line escaping; the real /proc. */
#include "proc.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define PF_KTHREAD 0x00200000UL

/* ---- helpers ---- */

/* A stat line in the kernel's format (fs/proc/array.c), 52 fields. */
static char *stat_text(pid_t pid, const char *comm, pid_t ppid, pid_t pgrp, pid_t sid, unsigned long flags,
                       unsigned long long start) {
        char *s = NULL;
        ck_assert_int_ge(asprintf(&s,
                                  "%d (%s) S %d %d %d 34816 -1 %lu 1520 0 0 0 5 3 0 0 20 0 1 0 %llu 8830976 "
                                  "1250 18446744073709551615 94229102059520 94229102800261 140727498092480 0 0 0 "
                                  "65536 3670020 1266777851 1 0 0 17 1 0 0 0 0 0 94229103036432 94229103084580 "
                                  "94229117100032 140727498098403 140727498098413 140727498098413 "
                                  "140727498100718 0\n",
                                  (int)pid, comm, (int)ppid, (int)pgrp, (int)sid, flags, start),
                         0);
        return s;
}




static void write_file(const char *dir, const char *name, const void *data, size_t len) {
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, name);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_msg(fd >= 0, "open %s: %m", p);
        ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
        close(fd);
}

static char *pid_dir(const char *root, pid_t pid) {
        char *d = NULL;
        ck_assert_int_ge(asprintf(&d, "%s/%d", root, (int)pid), 0);
        if (mkdir(d, 0755) < 0)
                ck_assert_int_eq(errno, EEXIST);
        return d;
}

/* A fake process: root/PID/stat, and exe, cgroup when given. */
static void fake_proc(const char *root, pid_t pid, const char *comm, pid_t ppid, pid_t sid, unsigned long flags,
                      const char *exe, const char *cgroup) {
        char *d = pid_dir(root, pid);
        char *s = stat_text(pid, comm, ppid, sid, sid, flags, 1000 + (unsigned long long)pid);
        write_file(d, "stat", s, strlen(s));
        free(s);
        if (exe) {
                char p[512];
                snprintf(p, sizeof(p), "%s/exe", d);
                ck_assert_int_eq(symlink(exe, p), 0);
        }
        if (cgroup)
                write_file(d, "cgroup", cgroup, strlen(cgroup));
        free(d);
}

static int cmp_pid(const void *a, const void *b) {
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
        return (x > y) - (x < y);
}

static void assert_pids(pid_t *got, size_t n, const pid_t *want, size_t wn) {
        qsort(got, n, sizeof(pid_t), cmp_pid);
        char buf[512] = "";
        for (size_t i = 0; i < n && strlen(buf) < 480; i++)
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%d ", (int)got[i]);
        ck_assert_msg(n == wn, "got %zu pids (%s), expected %zu", n, buf, wn);
        for (size_t i = 0; i < n; i++)
                ck_assert_msg(got[i] == want[i], "got %s", buf);
}

/* ---- proc_parse_stat ---- */

START_TEST(test_parse_plain) {
        struct proc_info pi;
        char *s = stat_text(1234, "bash", 1000, 1234, 999, 4194560, 987654321ULL);
        ck_assert_int_eq(proc_parse_stat(s, &pi), 0);
        ck_assert_int_eq(pi.pid, 1234);
        ck_assert_int_eq(pi.ppid, 1000);
        ck_assert_int_eq(pi.pgrp, 1234);
        ck_assert_int_eq(pi.sid, 999);
        ck_assert_uint_eq(pi.start_time, 987654321ULL);
        ck_assert(!pi.kthread);
        ck_assert_str_eq(pi.comm, "bash");
        ck_assert_str_eq(pi.exe, "");
        ck_assert_str_eq(pi.cgroup, "");
        free(s);

        /* Without the trailing newline, and with only the 22 fields read. */
        ck_assert_int_eq(proc_parse_stat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55", &pi), 0);
        ck_assert_int_eq(pi.pid, 7);
        ck_assert_uint_eq(pi.start_time, 55);
        ck_assert_int_eq(pi.state, 'R');
        /* The state follows the last ')': a comm may hold ") Z (". */
        ck_assert_int_eq(proc_parse_stat("7 (a) Z (b) D 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55", &pi), 0);
        ck_assert_int_eq(pi.state, 'D');
        ck_assert_str_eq(pi.comm, "a) Z (b");
        ck_assert_int_eq(proc_parse_stat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 ", &pi), 0);
        ck_assert_uint_eq(pi.start_time, 55);
        /* Large start times (years of uptime at high HZ). */
        ck_assert_int_eq(proc_parse_stat("7 (x) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4000000000000 9", &pi), 0);
        ck_assert_uint_eq(pi.start_time, 4000000000000ULL);
}
END_TEST

START_TEST(test_parse_hostile_comm) {
        static const struct {
                const char *comm, *want;
        } cases[] = {
                { "a b c", "a b c" },
                { "x) (y", "x) (y" },
                { ")", ")" },
                { "(", "(" },
                { "((", "((" },
                { "))", "))" },
                { ") S 1 1 1", ") S 1 1 1" },
                { "evil) S 1 1 1 0 -1 2097152 0 0 0 0 0 0 0 0 20 0 1 0 1", "evil) S 1 1 1 0 -1 2097152 0 0 0 0 0 0 0 0 20 0 1 0 1" },
                { "a\nb", "a\nb" },
                { "\n", "\n" },
                { "tab\there", "tab\there" },
                { "", "" },
                { " ", " " },
                { "\xff\xfe", "\xff\xfe" },
                { "kworker/0:1H-kblockd", "kworker/0:1H-kblockd" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct proc_info pi;
                char *s = stat_text(4242, cases[i].comm, 17, 4242, 4242, 0, 777);
                ck_assert_msg(proc_parse_stat(s, &pi) == 0, "comm \"%s\"", cases[i].comm);
                ck_assert_int_eq(pi.pid, 4242);
                ck_assert_int_eq(pi.ppid, 17);
                ck_assert_int_eq(pi.sid, 4242);
                ck_assert_uint_eq(pi.start_time, 777);
                ck_assert(!pi.kthread);
                ck_assert_str_eq(pi.comm, cases[i].want);
                free(s);
        }

        /* Longer than the buffer: cut, terminated. */
        char longc[200];
        memset(longc, 'c', sizeof(longc) - 1);
        longc[sizeof(longc) - 1] = '\0';
        longc[70] = ')';
        struct proc_info pi;
        char *s = stat_text(5, longc, 1, 5, 5, 0, 9);
        ck_assert_int_eq(proc_parse_stat(s, &pi), 0);
        ck_assert_uint_eq(strlen(pi.comm), PROC_COMM_MAX - 1);
        ck_assert_int_eq(memcmp(pi.comm, longc, PROC_COMM_MAX - 1), 0);
        ck_assert_int_eq(pi.ppid, 1);
        ck_assert_uint_eq(pi.start_time, 9);
        free(s);
}
END_TEST

START_TEST(test_parse_truncated) {
        char *full = stat_text(321, "trunc me", 300, 321, 321, 0, 123456);
        size_t len = strlen(full);
        /* Where field 22 (start time) starts and ends. */
        const char *close_p = strrchr(full, ')');
        const char *p = close_p + 2;
        for (int f = 3; f < 22; f++)
                p = strchr(p, ' ') + 1;
        size_t f22_start = (size_t)(p - full), f22_end = (size_t)(strchr(p, ' ') - full);

        for (size_t cut = 0; cut < len; cut++) {
                char *t = strndup(full, cut);
                struct proc_info pi = { .pid = -99 };
                int r = proc_parse_stat(t, &pi);
                if (cut < f22_start + 1) {
                        ck_assert_msg(r == -EINVAL, "prefix of %zu bytes parsed: \"%s\"", cut, t);
                        ck_assert_int_eq(pi.pid, -99); /* untouched on failure */
                } else if (cut >= f22_end) {
                        ck_assert_msg(r == 0, "prefix of %zu bytes refused", cut);
                        ck_assert_uint_eq(pi.start_time, 123456);
                        ck_assert_int_eq(pi.ppid, 300);
                }
                /* Cut inside the start time itself: a shorter number, not detectable. */
                free(t);
        }
        free(full);
}
END_TEST

START_TEST(test_parse_garbage) {
        static const char *const bad[] = {
                "",
                " ",
                "\n",
                "garbage",
                "(",
                ")",
                "()",
                ") (",
                "1 (x)",
                "1 (x) ",
                "1 (x)S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
                "1 )x( S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
                "abc (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
                "0 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
                "-5 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
                "(x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
                "1 (x) S a 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
                "1 (x) S 1 1 1 0 -1 zz 0 0 0 0 0 0 0 0 20 0 1 0 5",
                "1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 x",
                "1 (x) S 99999999999999999999 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
                "1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999",
                "1 (x) S",
                "1 (x) S 1 1 1",
                "1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0",
                "1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0         ",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct proc_info pi = { .pid = -99 };
                ck_assert_msg(proc_parse_stat(bad[i], &pi) == -EINVAL, "accepted \"%s\"", bad[i]);
                ck_assert_int_eq(pi.pid, -99);
        }

        /* Random bytes (no NUL: the parser takes a string) never crash it. */
        uint64_t st = 0x1234;
        char buf[600];
        for (int round = 0; round < 20000; round++) {
                size_t n = (size_t)(round % (sizeof(buf) - 1));
                for (size_t i = 0; i < n; i++) {
                        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
                        uint8_t c = (uint8_t)(st >> 56);
                        /* Bias towards the characters the parser cares about. */
                        static const char interesting[] = "() 0123456789-\n";
                        buf[i] = (st >> 20) % 3 == 0 ? (char)(c ? c : 'x') : interesting[(st >> 8) % (sizeof(interesting) - 1)];
                }
                buf[n] = '\0';
                struct proc_info pi;
                int r = proc_parse_stat(buf, &pi);
                ck_assert(r == 0 || r == -EINVAL);
                if (r == 0) {
                        ck_assert_int_gt(pi.pid, 0);
                        ck_assert_uint_lt(strlen(pi.comm), PROC_COMM_MAX);
                }
        }
}
END_TEST

START_TEST(test_parse_kthread) {
        struct proc_info pi;
        char *s = stat_text(55, "kworker/u8:2", 2, 0, 0, PF_KTHREAD | 0x40, 10);
        ck_assert_int_eq(proc_parse_stat(s, &pi), 0);
        ck_assert(pi.kthread);
        free(s);
        /* kthreadd itself, and its children even without the flag. */
        s = stat_text(2, "kthreadd", 0, 0, 0, 0, 1);
        ck_assert_int_eq(proc_parse_stat(s, &pi), 0);
        ck_assert(pi.kthread);
        free(s);
        s = stat_text(77, "child", 2, 0, 0, 0, 1);
        ck_assert_int_eq(proc_parse_stat(s, &pi), 0);
        ck_assert(pi.kthread);
        free(s);
        /* Other flags alone are not. */
        s = stat_text(78, "user", 1, 78, 78, 0x00400140UL, 1);
        ck_assert_int_eq(proc_parse_stat(s, &pi), 0);
        ck_assert(!pi.kthread);
        free(s);
}
END_TEST

/* ---- fake proc tree ---- */

START_TEST(test_read_stat_fake) {
        char *root = tmpdir_new();
        fake_proc(root, 100, "worker one", 1, 100, 0, NULL, NULL);
        struct proc_info pi;
        ck_assert_int_eq(proc_read_stat(root, 100, &pi), 0);
        ck_assert_int_eq(pi.pid, 100);
        ck_assert_int_eq(pi.ppid, 1);
        ck_assert_str_eq(pi.comm, "worker one");
        ck_assert_uint_eq(pi.start_time, 1100);

        /* Gone. */
        ck_assert_int_eq(proc_read_stat(root, 101, &pi), -ESRCH);
        char *missing = NULL;
        ck_assert_int_ge(asprintf(&missing, "%s/none", root), 0);
        ck_assert_int_eq(proc_read_stat(missing, 100, &pi), -ESRCH);
        free(missing);
        /* Nonsense pids. */
        ck_assert_int_eq(proc_read_stat(root, 0, &pi), -EINVAL);
        ck_assert_int_eq(proc_read_stat(root, -1, &pi), -EINVAL);

        /* A stat file that speaks of another pid. */
        char *d = pid_dir(root, 200);
        char *s = stat_text(201, "liar", 1, 200, 200, 0, 5);
        write_file(d, "stat", s, strlen(s));
        free(s);
        ck_assert_int_eq(proc_read_stat(root, 200, &pi), -EINVAL);
        free(d);

        /* Empty, garbage, a directory where the file should be. */
        d = pid_dir(root, 300);
        write_file(d, "stat", "", 0);
        ck_assert_int_eq(proc_read_stat(root, 300, &pi), -EINVAL);
        write_file(d, "stat", "300 (x", 6);
        ck_assert_int_eq(proc_read_stat(root, 300, &pi), -EINVAL);
        free(d);
        d = pid_dir(root, 301);
        char p[512];
        snprintf(p, sizeof(p), "%s/stat", d);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        ck_assert_int_lt(proc_read_stat(root, 301, &pi), 0);
        free(d);

        /* Longer than any real stat line: read up to the buffer, the comm still parses out. */
        d = pid_dir(root, 400);
        char big[4096];
        memset(big, ' ', sizeof(big));
        s = stat_text(400, "big", 1, 400, 400, 0, 42);
        memcpy(big, s, strlen(s) - 1); /* the line, then spaces instead of the newline */
        write_file(d, "stat", big, sizeof(big));
        free(s);
        ck_assert_int_eq(proc_read_stat(root, 400, &pi), 0);
        ck_assert_uint_eq(pi.start_time, 42);
        free(d);
        tmpdir_free(root);
}
END_TEST

START_TEST(test_read_exe_cgroup_fake) {
        char *root = tmpdir_new();
        struct proc_info pi;

        fake_proc(root, 10, "v2", 1, 10, 0, "/usr/bin/python3.11", "0::/user.slice/user-1000.slice/session-2.scope\n");
        ck_assert_int_eq(proc_read(root, 10, &pi), 0);
        ck_assert_str_eq(pi.exe, "/usr/bin/python3.11");
        ck_assert_str_eq(pi.cgroup, "/user.slice/user-1000.slice/session-2.scope");

        /* Hybrid hierarchy: the v1 name=systemd line when there is no v2 path. */
        fake_proc(root, 11, "v1", 1, 11, 0, "/bin/sh (deleted)",
                  "12:cpuset:/\n1:name=systemd:/system.slice/cron.service\n");
        ck_assert_int_eq(proc_read(root, 11, &pi), 0);
        ck_assert_str_eq(pi.exe, "/bin/sh (deleted)");
        ck_assert_str_eq(pi.cgroup, "/system.slice/cron.service");
        ck_assert_int_eq(proc_read(root, 11, &pi), 0);

        /* Both: v2 wins, wherever it is. */
        fake_proc(root, 12, "both", 1, 12, 0, NULL, "1:name=systemd:/v1\n0::/v2\n");
        ck_assert_int_eq(proc_read(root, 12, &pi), 0);
        ck_assert_str_eq(pi.cgroup, "/v2");
        ck_assert_str_eq(pi.exe, ""); /* no exe link: a kernel thread or no permission */

        /* No cgroup file, an empty one, garbage. */
        fake_proc(root, 13, "none", 1, 13, 0, NULL, NULL);
        ck_assert_int_eq(proc_read(root, 13, &pi), 0);
        ck_assert_str_eq(pi.cgroup, "");
        fake_proc(root, 14, "empty", 1, 14, 0, NULL, "");
        ck_assert_int_eq(proc_read(root, 14, &pi), 0);
        ck_assert_str_eq(pi.cgroup, "");
        fake_proc(root, 15, "junk", 1, 15, 0, NULL, "\n\n:::\n0:\nname=systemd\n");
        ck_assert_int_eq(proc_read(root, 15, &pi), 0);
        ck_assert_str_eq(pi.cgroup, "");

        /* A cgroup path longer than the field: cut and terminated. */
        char cg[2000];
        memcpy(cg, "0::/", 4);
        memset(cg + 4, 'g', sizeof(cg) - 5);
        cg[sizeof(cg) - 1] = '\0';
        fake_proc(root, 16, "long", 1, 16, 0, NULL, cg);
        ck_assert_int_eq(proc_read(root, 16, &pi), 0);
        ck_assert_uint_eq(strlen(pi.cgroup), PROC_PATH_MAX - 1);

        /* An exe link longer than the field. */
        char exe[1500];
        exe[0] = '/';
        memset(exe + 1, 'e', sizeof(exe) - 2);
        exe[sizeof(exe) - 1] = '\0';
        fake_proc(root, 17, "longexe", 1, 17, 0, exe, NULL);
        ck_assert_int_eq(proc_read(root, 17, &pi), 0);
        ck_assert_uint_eq(strlen(pi.exe), PROC_PATH_MAX - 1);

        ck_assert_int_eq(proc_read(root, 99, &pi), -ESRCH);
        tmpdir_free(root);
}
END_TEST

START_TEST(test_descendants_fake) {
        char *root = tmpdir_new();
        /* 100 ─┬─ 101 ── 103 ── 104
         *      └─ 102
         * 200 ── 201 (unrelated), 300 ⇄ 301 (a cycle), 400 → 400 (its own parent) */
        fake_proc(root, 1, "init", 0, 1, 0, NULL, NULL);
        fake_proc(root, 100, "top", 1, 100, 0, NULL, NULL);
        fake_proc(root, 101, "a", 100, 100, 0, NULL, NULL);
        fake_proc(root, 102, "b", 100, 100, 0, NULL, NULL);
        fake_proc(root, 103, "c", 101, 100, 0, NULL, NULL);
        fake_proc(root, 104, "d", 103, 100, 0, NULL, NULL);
        fake_proc(root, 200, "other", 1, 200, 0, NULL, NULL);
        fake_proc(root, 201, "other child", 200, 200, 0, NULL, NULL);
        fake_proc(root, 300, "cyc a", 301, 300, 0, NULL, NULL);
        fake_proc(root, 301, "cyc b", 300, 300, 0, NULL, NULL);
        fake_proc(root, 400, "self parent", 400, 400, 0, NULL, NULL);
        /* Noise: non-numeric names, a numeric-looking name, a dir with no stat, a file, a stat
         * that names another pid, a garbage stat. */
        char p[512];
        snprintf(p, sizeof(p), "%s/self", root);
        ck_assert_int_eq(symlink("100", p), 0);
        snprintf(p, sizeof(p), "%s/sys", root);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        snprintf(p, sizeof(p), "%s/101x", root);
        ck_assert_int_eq(mkdir(p, 0755), 0);
        char *s = stat_text(101, "dup", 100, 100, 100, 0, 1101);
        write_file(root, "101x/stat", s, strlen(s));
        free(s);
        free(pid_dir(root, 500));
        write_file(root, "uptime", "1 1\n", 4);
        char *d = pid_dir(root, 600);
        s = stat_text(601, "liar", 100, 100, 100, 0, 1);
        write_file(d, "stat", s, strlen(s));
        free(s);
        free(d);
        d = pid_dir(root, 700);
        write_file(d, "stat", "700 (junk", 9);
        free(d);

        pid_t *got = NULL;
        size_t n = 0;
        ck_assert_int_eq(proc_descendants(root, 100, &got, &n), 0);
        static const pid_t want100[] = { 101, 102, 103, 104 };
        assert_pids(got, n, want100, ELEMENTSOF(want100));
        free(got);

        ck_assert_int_eq(proc_descendants(root, 101, &got, &n), 0);
        static const pid_t want101[] = { 103, 104 };
        assert_pids(got, n, want101, ELEMENTSOF(want101));
        free(got);

        /* A leaf, and a pid that does not exist: none, but a valid (freeable) array. */
        ck_assert_int_eq(proc_descendants(root, 104, &got, &n), 0);
        ck_assert_uint_eq(n, 0);
        free(got);
        ck_assert_int_eq(proc_descendants(root, 999, &got, &n), 0);
        ck_assert_uint_eq(n, 0);
        free(got);

        /* Cycles terminate; the pid itself is never its own descendant. */
        ck_assert_int_eq(proc_descendants(root, 300, &got, &n), 0);
        static const pid_t want300[] = { 301 };
        assert_pids(got, n, want300, ELEMENTSOF(want300));
        free(got);
        ck_assert_int_eq(proc_descendants(root, 400, &got, &n), 0);
        ck_assert_uint_eq(n, 0);
        free(got);

        /* Everything below init. */
        ck_assert_int_eq(proc_descendants(root, 1, &got, &n), 0);
        static const pid_t want1[] = { 100, 101, 102, 103, 104, 200, 201 };
        assert_pids(got, n, want1, ELEMENTSOF(want1));
        free(got);

        /* No such proc directory. */
        snprintf(p, sizeof(p), "%s/none", root);
        got = NULL;
        ck_assert_int_eq(proc_descendants(p, 1, &got, &n), -ENOENT);
        ck_assert_ptr_null(got);
        tmpdir_free(root);
}
END_TEST

START_TEST(test_descendants_wide) {
        /* More processes than the first allocation (256): a chain and a fan. */
        char *root = tmpdir_new();
        fake_proc(root, 10, "root", 1, 10, 0, NULL, NULL);
        for (pid_t pid = 11; pid < 311; pid++)
                fake_proc(root, pid, "chain", pid - 1, 10, 0, NULL, NULL);
        for (pid_t pid = 1000; pid < 1300; pid++)
                fake_proc(root, pid, "fan", 10, 10, 0, NULL, NULL);
        pid_t *got = NULL;
        size_t n = 0;
        ck_assert_int_eq(proc_descendants(root, 10, &got, &n), 0);
        ck_assert_uint_eq(n, 600);
        qsort(got, n, sizeof(pid_t), cmp_pid);
        for (size_t i = 1; i < n; i++)
                ck_assert_int_ne(got[i], got[i - 1]);
        free(got);
        ck_assert_int_eq(proc_descendants(root, 200, &got, &n), 0);
        ck_assert_uint_eq(n, 110);
        free(got);
        tmpdir_free(root);
}
END_TEST

START_TEST(test_is_ancestor_fake) {
        char *root = tmpdir_new();
        fake_proc(root, 1, "init", 0, 1, 0, NULL, NULL);
        fake_proc(root, 100, "top", 1, 100, 0, NULL, NULL);
        fake_proc(root, 101, "a", 100, 100, 0, NULL, NULL);
        fake_proc(root, 103, "c", 101, 100, 0, NULL, NULL);
        fake_proc(root, 200, "other", 1, 200, 0, NULL, NULL);
        fake_proc(root, 300, "cyc a", 301, 300, 0, NULL, NULL);
        fake_proc(root, 301, "cyc b", 302, 300, 0, NULL, NULL);
        fake_proc(root, 302, "cyc c", 300, 300, 0, NULL, NULL);
        fake_proc(root, 400, "self parent", 400, 400, 0, NULL, NULL);
        fake_proc(root, 501, "orphan", 500, 500, 0, NULL, NULL); /* 500 has no entry */

        ck_assert(proc_is_ancestor(root, 100, 103));
        ck_assert(proc_is_ancestor(root, 101, 103));
        ck_assert(proc_is_ancestor(root, 1, 103));
        ck_assert(proc_is_ancestor(root, 103, 103)); /* equal counts */
        ck_assert(!proc_is_ancestor(root, 103, 100));
        ck_assert(!proc_is_ancestor(root, 200, 103));
        ck_assert(!proc_is_ancestor(root, 100, 200));
        ck_assert(!proc_is_ancestor(root, 100, 999)); /* gone */
        ck_assert(proc_is_ancestor(root, 999, 999));  /* equal even when gone */
        ck_assert(proc_is_ancestor(root, 500, 501)); /* the parent link alone says so */
        ck_assert(!proc_is_ancestor(root, 1, 501));  /* the chain breaks at the missing 500 */
        ck_assert(!proc_is_ancestor(root, 100, 0));
        ck_assert(!proc_is_ancestor(root, 100, -5));

        /* Cycles in the ppid links terminate, quickly. */
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ck_assert(!proc_is_ancestor(root, 1, 300));
        ck_assert(!proc_is_ancestor(root, 100, 400));
        ck_assert(proc_is_ancestor(root, 302, 300));
        ck_assert(proc_is_ancestor(root, 301, 300));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 20);
        tmpdir_free(root);
}
END_TEST

START_TEST(test_cmdline_fake) {
        char *root = tmpdir_new();
        char *d = pid_dir(root, 42);
        char buf[256];

        static const char plain[] = "ls\0-l\0/tmp\0";
        write_file(d, "cmdline", plain, sizeof(plain) - 1);
        ck_assert_int_eq(proc_cmdline(root, 42, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "ls -l /tmp");

        /* Control bytes, DEL and the backslash itself are escaped; empty arguments stay visible
         * as spaces; bytes >= 0x80 (UTF-8 names) pass. */
        static const char nasty[] = "rm\0-rf\0\0a\tb\nc\x1b[31m\x7f\\x\0\xc3\xa9t\xc3\xa9\0";
        write_file(d, "cmdline", nasty, sizeof(nasty) - 1);
        ck_assert_int_eq(proc_cmdline(root, 42, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "rm -rf  a\\x09b\\x0ac\\x1b[31m\\x7f\\x5cx \xc3\xa9t\xc3\xa9");
        for (const char *p = buf; *p; p++)
                ck_assert_int_ge((unsigned char)*p, 0x20);

        /* No trailing NUL (a process that rewrote its argv). */
        write_file(d, "cmdline", "abc", 3);
        ck_assert_int_eq(proc_cmdline(root, 42, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "abc");

        /* Kernel threads have an empty command line. */
        write_file(d, "cmdline", "", 0);
        ck_assert_int_eq(proc_cmdline(root, 42, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "");
        write_file(d, "cmdline", "\0\0\0", 3);
        ck_assert_int_eq(proc_cmdline(root, 42, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "");

        /* Gone. */
        strcpy(buf, "stale");
        ck_assert_int_lt(proc_cmdline(root, 43, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "");
        ck_assert_int_eq(proc_cmdline(root, 42, buf, 0), -EINVAL);

        /* Small buffers: never past len, always terminated, never half an escape. */
        static const char esc[] = "\x01\x02\x03\x04\x05\x06\x07\x08";
        write_file(d, "cmdline", esc, sizeof(esc) - 1);
        for (size_t len = 1; len < 40; len++) {
                char *b = malloc(len + 8);
                ck_assert_ptr_nonnull(b);
                memset(b, 'Z', len + 8);
                ck_assert_int_eq(proc_cmdline(root, 42, b, len), 0);
                size_t n = strlen(b);
                ck_assert_uint_lt(n, len);
                ck_assert_uint_eq(n % 4, 0);
                for (size_t i = len; i < len + 8; i++)
                        ck_assert_int_eq(b[i], 'Z');
                free(b);
        }
        write_file(d, "cmdline", "abcdefghijklmnopqrstuvwxyz", 26);
        for (size_t len = 1; len < 40; len++) {
                char *b = malloc(len + 8);
                ck_assert_ptr_nonnull(b);
                memset(b, 'Z', len + 8);
                ck_assert_int_eq(proc_cmdline(root, 42, b, len), 0);
                ck_assert_uint_lt(strlen(b), len);
                ck_assert_int_eq(strncmp(b, "abcdefghijklmnopqrstuvwxyz", strlen(b)), 0);
                for (size_t i = len; i < len + 8; i++)
                        ck_assert_int_eq(b[i], 'Z');
                free(b);
        }

        /* A huge command line is cut, not overflowed. */
        char *huge = malloc(100000);
        ck_assert_ptr_nonnull(huge);
        for (size_t i = 0; i < 100000; i++)
                huge[i] = i % 50 == 49 ? '\0' : (i % 7 == 0 ? '\n' : 'x');
        write_file(d, "cmdline", huge, 100000);
        free(huge);
        char big[20000];
        ck_assert_int_eq(proc_cmdline(root, 42, big, sizeof(big)), 0);
        ck_assert_uint_lt(strlen(big), sizeof(big));
        ck_assert_uint_gt(strlen(big), 100);
        free(d);
        tmpdir_free(root);
}
END_TEST

/* ---- the real /proc ---- */

static void read_small(const char *path, char *buf, size_t len) {
        FILE *f = fopen(path, "re");
        ck_assert_ptr_nonnull(f);
        size_t n = fread(buf, 1, len - 1, f);
        fclose(f);
        buf[n] = '\0';
}

START_TEST(test_real_proc_self) {
        pid_t self = getpid();
        struct proc_info pi;
        ck_assert_int_eq(proc_read("/proc", self, &pi), 0);
        ck_assert_int_eq(pi.pid, self);
        ck_assert_int_eq(pi.ppid, getppid());
        ck_assert_int_eq(pi.pgrp, getpgrp());
        ck_assert_int_eq(pi.sid, getsid(0));
        ck_assert(!pi.kthread);
        ck_assert_uint_gt(pi.start_time, 0);

        char comm[64];
        read_small("/proc/self/comm", comm, sizeof(comm));
        comm[strcspn(comm, "\n")] = '\0';
        ck_assert_str_eq(pi.comm, comm);

        char exe[PROC_PATH_MAX], p[64];
        snprintf(p, sizeof(p), "/proc/%d/exe", (int)self);
        ssize_t n = readlink(p, exe, sizeof(exe) - 1);
        ck_assert_int_gt(n, 0);
        exe[n] = '\0';
        ck_assert_str_eq(pi.exe, exe);

        /* The same cgroup line the kernel shows. */
        char cg[4096];
        read_small("/proc/self/cgroup", cg, sizeof(cg));
        char *v2 = strstr(cg, "0::");
        if (v2 && (v2 == cg || v2[-1] == '\n')) {
                v2 += 3;
                v2[strcspn(v2, "\n")] = '\0';
                ck_assert_str_eq(pi.cgroup, v2);
        }

        /* Stat alone agrees with the full read. */
        struct proc_info ps;
        ck_assert_int_eq(proc_read_stat("/proc", self, &ps), 0);
        ck_assert_uint_eq(ps.start_time, pi.start_time);
        ck_assert_int_eq(ps.ppid, pi.ppid);

        char cmd[1024];
        ck_assert_int_eq(proc_cmdline("/proc", self, cmd, sizeof(cmd)), 0);
        ck_assert_msg(strstr(cmd, "test_proc"), "cmdline \"%s\"", cmd);

        ck_assert(proc_is_ancestor("/proc", self, self));
        ck_assert(proc_is_ancestor("/proc", getppid(), self));
        ck_assert(!proc_is_ancestor("/proc", self, getppid()));
}
END_TEST

START_TEST(test_real_proc_children) {
        /* Two generations of sleeping children are our descendants. */
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0) {
                close(fds[0]);
                pid_t grandchild = fork();
                if (grandchild == 0) {
                        close(fds[1]);
                        pause();
                        _exit(0);
                }
                ck_assert_int_eq(write(fds[1], &grandchild, sizeof(grandchild)), (ssize_t)sizeof(grandchild));
                close(fds[1]);
                pause();
                _exit(0);
        }
        close(fds[1]);
        pid_t grandchild = 0;
        ck_assert_int_eq(read(fds[0], &grandchild, sizeof(grandchild)), (ssize_t)sizeof(grandchild));
        close(fds[0]);

        pid_t *got = NULL;
        size_t n = 0;
        ck_assert_int_eq(proc_descendants("/proc", getpid(), &got, &n), 0);
        bool seen_child = false, seen_grandchild = false;
        for (size_t i = 0; i < n; i++) {
                seen_child |= got[i] == child;
                seen_grandchild |= got[i] == grandchild;
                ck_assert_int_ne(got[i], getpid());
        }
        free(got);
        ck_assert(proc_is_ancestor("/proc", getpid(), grandchild));
        ck_assert(proc_is_ancestor("/proc", child, grandchild));
        ck_assert(!proc_is_ancestor("/proc", grandchild, child));
        kill(grandchild, SIGKILL);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        ck_assert(seen_child);
        ck_assert(seen_grandchild);
}
END_TEST

START_TEST(test_tcp_line) {
        struct proc_tcp t;
        char a[64];
        ck_assert_int_eq(proc_parse_tcp_line("   1: 0100007F:01BD 0A00020F:9C40 01 00000000:00000000 00:00000000 "
                                             "00000000     0        0 5001 1 0000000000000000 20 4 30 10 -1\n", false, &t), 0);
        ck_assert_uint_eq(t.state, PROC_TCP_ESTABLISHED);
        ck_assert_uint_eq(t.inode, 5001);
        ck_assert_uint_eq(t.lport, 445);
        ck_assert_uint_eq(t.rport, 40000);
        proc_tcp_addr(&t, a, sizeof(a));
        ck_assert_str_eq(a, "15.2.0.10");
        /* IPv6, and an IPv4-mapped address shown as IPv4. */
        ck_assert_int_eq(proc_parse_tcp_line("0: B80D0120000000000000000001000000:0016 0000000000000000FFFF00000100007F:D431 "
                                             "01 00000000:00000000 02:000AE4D0 00000000 0 0 777 2", true, &t), 0);
        proc_tcp_addr(&t, a, sizeof(a));
        ck_assert_str_eq(a, "127.0.0.1");
        ck_assert_uint_eq(t.inode, 777);
        ck_assert_uint_eq(t.lport, 22);
        /* The header, short and malformed lines. */
        ck_assert_int_eq(proc_parse_tcp_line("  sl  local_address rem_address   st tx_queue", false, &t), -EINVAL);
        ck_assert_int_eq(proc_parse_tcp_line("", false, &t), -EINVAL);
        /* Found by fuzz-proc: the line ends right after the remote endpoint (read past the end). */
        char *cut = strdup("   1: 0100007F:01BD 0100007F:ffd5 ");
        ck_assert_int_eq(proc_parse_tcp_line(cut, false, &t), -EINVAL);
        free(cut);
        ck_assert_int_eq(proc_parse_tcp_line("0: 0100007F:01BD 0100007F:9C40 01", false, &t), -EINVAL);
        ck_assert_int_eq(proc_parse_tcp_line("0: 0100007G:01BD 0100007F:9C40 01 a b c d e 5", false, &t), -EINVAL);
        ck_assert_int_eq(proc_parse_tcp_line("0: 0100007F:01BD 0100007F:9C40 01 a b c d e x5", false, &t), -EINVAL);
        ck_assert_int_eq(proc_parse_tcp_line("0: 0100007F:01BD 0100007F:9C40 01 a b c d e 5", true, &t), -EINVAL);
        ck_assert_int_eq(proc_parse_tcp_line("0: 0100007F:01BD 0100007F:9C40 01 a b c d e 5", false, &t), 0);
        ck_assert_uint_eq(t.inode, 5);
}
END_TEST

START_TEST(test_mountinfo_line) {
        char b[64];
        ck_assert_int_eq(proc_parse_mountinfo_line("36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw\n",
                                                   b, sizeof(b)), 0);
        ck_assert_str_eq(b, "/mnt/parent");
        /* Octal escapes: space, tab, newline, backslash. */
        ck_assert_int_eq(proc_parse_mountinfo_line("1 2 0:1 / /srv/my\\040share\\011x\\012y\\134z rw - tmpfs t rw", b,
                                                   sizeof(b)), 0);
        ck_assert_str_eq(b, "/srv/my share\tx\ny\\z");
        /* A backslash that is no escape stays. */
        ck_assert_int_eq(proc_parse_mountinfo_line("1 2 0:1 / /a\\9b rw", b, sizeof(b)), 0);
        ck_assert_str_eq(b, "/a\\9b");
        /* Malformed. */
        ck_assert_int_eq(proc_parse_mountinfo_line("", b, sizeof(b)), -EINVAL);
        ck_assert_int_eq(proc_parse_mountinfo_line("1 2 0:1 /", b, sizeof(b)), -EINVAL);
        ck_assert_int_eq(proc_parse_mountinfo_line("1 2 0:1 / relative rw", b, sizeof(b)), -EINVAL);
        ck_assert_int_eq(proc_parse_mountinfo_line("1 2 0:1 / /nul\\000x rw", b, sizeof(b)), -EINVAL);
        char s2[8];
        ck_assert_int_eq(proc_parse_mountinfo_line("1 2 0:1 / /much/too/long rw", s2, sizeof(s2)), -ENAMETOOLONG);
        /* The 4th field: "/" where the whole filesystem is mounted, a directory for a bind mount. */
        ck_assert_int_eq(proc_parse_mountinfo_root("36 35 98:0 / /srv/share rw - ext4 /dev/sdb1 rw", b, sizeof(b)), 0);
        ck_assert_str_eq(b, "/");
        ck_assert_int_eq(proc_parse_mountinfo_root("36 35 98:0 /srv/a\\040b /mnt/x rw - ext4 /dev/sda1 rw", b, sizeof(b)), 0);
        ck_assert_str_eq(b, "/srv/a b");
        ck_assert_int_eq(proc_parse_mountinfo_root("36 35 98:0", b, sizeof(b)), -EINVAL);
        ck_assert_int_eq(proc_parse_mountinfo_root("36 35 98:0 rel /mnt rw", b, sizeof(b)), -EINVAL);
}
END_TEST

/* The fsuid of a status text: smbd serving alice runs with real uid 0, fsuid 1001. */
START_TEST(test_syscall_open_parse) {
#if defined(__x86_64__)
        ck_assert_int_eq(proc_parse_syscall_open("257 0xffffff9c 0x7ffd4d1e 0x0 0x0 0x7ffd 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_READ);
        ck_assert_int_eq(proc_parse_syscall_open("257 0xffffff9c 0x7ffd4d1e 0x2 0x0 0x7ffd 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_WRITE);
        ck_assert_int_eq(proc_parse_syscall_open("257 0xffffff9c 0x7ffd4d1e 0x201 0x1b6 0x0 0x0 0x0 0x0\n"), PROC_OPEN_WRITE);
        ck_assert_int_eq(proc_parse_syscall_open("257 0x3 0x55d0 0x80000 0x0 0x0 0x0 0x0 0x0\n"), PROC_OPEN_READ); /* O_CLOEXEC */
        ck_assert_int_eq(proc_parse_syscall_open("257 0x3 0x55d0 0x280000 0x0 0x0 0x0 0x0 0x0\n"), PROC_OPEN_READ);
        ck_assert_int_eq(proc_parse_syscall_open("257 0x3 0x55d0 0x200 0x0 0x0 0x0 0x0 0x0\n"), PROC_OPEN_WRITE); /* O_TRUNC */
        ck_assert_int_eq(proc_parse_syscall_open("2 0x55d0 0x401 0x1a4 0x0 0x0 0x0 0x0 0x0\n"), PROC_OPEN_WRITE);
        ck_assert_int_eq(proc_parse_syscall_open("2 0x55d0 0x0 0x0 0x0 0x0 0x0 0x0 0x0\n"), PROC_OPEN_READ);
        ck_assert_int_eq(proc_parse_syscall_open("85 0x55d0 0x1a4 0x0 0x0 0x0 0x0 0x0 0x0\n"), PROC_OPEN_WRITE);
        ck_assert_int_eq(proc_parse_syscall_open("437 0x3 0x55d0 0x7ffd 0x18 0x0 0x0 0x0 0x0\n"), PROC_OPEN_UNKNOWN); /* openat2 */
        ck_assert_int_eq(proc_parse_syscall_open("0 0x3 0x55d0 0x1000 0x0 0x0 0x0 0x0 0x0\n"), PROC_OPEN_UNKNOWN); /* read */
#endif
        /* Not in a syscall, or garbage. */
        ck_assert_int_eq(proc_parse_syscall_open("running\n"), PROC_OPEN_UNKNOWN);
        ck_assert_int_eq(proc_parse_syscall_open("-1 0x7ffd 0x55d0\n"), PROC_OPEN_UNKNOWN);
        ck_assert_int_eq(proc_parse_syscall_open(""), PROC_OPEN_UNKNOWN);
        ck_assert_int_eq(proc_parse_syscall_open("257"), PROC_OPEN_UNKNOWN);
        ck_assert_int_eq(proc_parse_syscall_open("257 0x3 0x55d0"), PROC_OPEN_UNKNOWN);
        ck_assert_int_eq(proc_parse_syscall_open("257 0x3 0x55d0 zz"), PROC_OPEN_UNKNOWN);
        ck_assert_int_eq(proc_parse_syscall_open("99999999999999999999999 0x1"), PROC_OPEN_UNKNOWN);
}
END_TEST

/* At a pre-content event: the syscalls that only read, and the rest (a truncate by path). */
START_TEST(test_syscall_access_parse) {
        int in = 7, out = 7;
#define ACC(text) proc_parse_syscall_access(text, &in, &out)
#if defined(__x86_64__)
        ck_assert_int_eq(ACC("0 0x3 0x7ffd 0x1000 0x0 0x0 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_READ);
        ck_assert_int_eq(in, -1);
        ck_assert_int_eq(ACC("17 0x3 0x7ffd 0x1000 0x2000 0x0 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_READ);
        /* sendfile(out 1, in 3), splice(in 4, off, out 5), copy_file_range(in 6, off, out 3):
         * a read only of the fd they read from. */
        ck_assert_int_eq(ACC("40 0x1 0x3 0x0 0x1000 0x0 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_READ);
        ck_assert_int_eq(in, 3);
        ck_assert_int_eq(out, 1);
        ck_assert_int_eq(ACC("275 0x4 0x0 0x5 0x0 0x1000 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_READ);
        ck_assert_int_eq(in, 4);
        ck_assert_int_eq(out, 5);
        ck_assert_int_eq(ACC("326 0x6 0x0 0x3 0x0 0x1000 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_READ);
        ck_assert_int_eq(in, 6);
        ck_assert_int_eq(out, 3);
        /* readahead's number is a 32-bit process's sendfile: not taken for a read. */
        ck_assert_int_eq(ACC("187 0x3 0x0 0x1000 0x0 0x0 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_WRITE);
        ck_assert_int_eq(ACC("40 0x1"), PROC_OPEN_UNKNOWN); /* its arguments cut short */
        /* mmap: private is a read, shared may be made writable later without a syscall. */
        ck_assert_int_eq(ACC("9 0x0 0x2000 0x1 0x2 0x3 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_READ);
        ck_assert_int_eq(in, -1);
        ck_assert_int_eq(ACC("9 0x0 0x2000 0x1 0x1 0x3 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_WRITE);
        ck_assert_int_eq(ACC("9 0x0 0x2000 0x3 0x3 0x3 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_WRITE);
        ck_assert_int_eq(ACC("76 0x7ffd 0x0 0x0 0x0 0x0 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_WRITE); /* truncate */
        ck_assert_int_eq(ACC("1 0x3 0x7ffd 0x1000 0x0 0x0 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_WRITE);
        ck_assert_int_eq(ACC("285 0x3 0x0 0x0 0x5000 0x0 0x0 0x7ffd 0x7f12\n"), PROC_OPEN_WRITE); /* fallocate */
#endif
        ck_assert_int_eq(ACC("running\n"), PROC_OPEN_UNKNOWN);
        ck_assert_int_eq(ACC("-1 0x7ffd 0x55d0\n"), PROC_OPEN_UNKNOWN);
        ck_assert_int_eq(ACC(""), PROC_OPEN_UNKNOWN);
        ck_assert_int_eq(ACC("99999999999999999999999 0x1"), PROC_OPEN_UNKNOWN);
#undef ACC
        /* This thread, reading its own syscall file, is in a read. */
        ck_assert_int_eq(proc_access_mode("/proc", getpid(), NULL), PROC_OPEN_READ);
}
END_TEST

#if defined(__x86_64__)
/* copy_file_range into the watched file is a write, out of it a read: told by the fd. */
START_TEST(test_access_mode_in_fd) {
        char dir[] = "/tmp/rg-acc-XXXXXX", path[PATH_MAX];
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/42", dir);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/42/fd", dir);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        char watched[PATH_MAX], other[PATH_MAX];
        snprintf(watched, sizeof(watched), "%s/watched", dir);
        snprintf(other, sizeof(other), "%s/other", dir);
        close(open(watched, O_CREAT | O_WRONLY, 0600));
        close(open(other, O_CREAT | O_WRONLY, 0600));
        snprintf(path, sizeof(path), "%s/42/fd/6", dir);
        ck_assert_int_eq(symlink(watched, path), 0);
        snprintf(path, sizeof(path), "%s/42/fd/3", dir);
        ck_assert_int_eq(symlink(other, path), 0);
        char w[PATH_MAX]; /* the event's file, as a link */
        snprintf(w, sizeof(w), "%s/42/fd/6", dir);
        snprintf(path, sizeof(path), "%s/42/syscall", dir);
        FILE *f = fopen(path, "w");
        fputs("326 0x6 0x0 0x3 0x0 0x1000 0x0 0x7ffd 0x7f12\n", f); /* from the watched file */
        fclose(f);
        ck_assert_int_eq(proc_access_mode(dir, 42, w), PROC_OPEN_READ);
        f = fopen(path, "w");
        fputs("326 0x3 0x0 0x6 0x0 0x1000 0x0 0x7ffd 0x7f12\n", f); /* into it */
        fclose(f);
        ck_assert_int_eq(proc_access_mode(dir, 42, w), PROC_OPEN_WRITE);
        f = fopen(path, "w");
        fputs("326 0x6 0x0 0x6 0x0 0x1000 0x0 0x7ffd 0x7f12\n", f); /* from it into itself */
        fclose(f);
        ck_assert_int_eq(proc_access_mode(dir, 42, w), PROC_OPEN_WRITE);
        f = fopen(path, "w");
        fputs("326 0x6 0x0 0x9 0x0 0x1000 0x0 0x7ffd 0x7f12\n", f); /* into another fd (gone): a read of it */
        fclose(f);
        ck_assert_int_eq(proc_access_mode(dir, 42, w), PROC_OPEN_READ);
        f = fopen(path, "w");
        fputs("326 0x9 0x0 0x3 0x0 0x1000 0x0 0x7ffd 0x7f12\n", f); /* from an fd gone: a change */
        fclose(f);
        ck_assert_int_eq(proc_access_mode(dir, 42, w), PROC_OPEN_WRITE);
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        ck_assert_int_eq(system(cmd), 0);
}
END_TEST
#endif

START_TEST(test_status_tgid) {
        pid_t t = 7;
        ck_assert_int_eq(proc_parse_status_tgid("Name:\tx\nUmask:\t0022\nState:\tS\nTgid:\t4242\nNgid:\t0\nPid:\t4250\n", &t), 0);
        ck_assert_int_eq(t, 4242);
        static const char *const bad[] = { "", "Name:\tx\n", "Tgid:\t0\n", "Tgid:\t-3\n", "Tgid:\tx\n",
                                           "Tgid:\t12x\n", "Tgid:\t99999999999999\n", "XTgid:\t5\n" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                t = 7;
                ck_assert_msg(proc_parse_status_tgid(bad[i], &t) == -EINVAL, "\"%s\"", bad[i]);
                ck_assert_int_eq(t, 7);
        }
        ck_assert_int_eq(proc_tgid("/proc", getpid(), &t), 0);
        ck_assert_int_eq(t, getpid());
        ck_assert_int_eq(proc_tgid("/proc", -1, &t), -EINVAL);
}
END_TEST

static char fifo_path[256];

static void *open_for_writing(void *arg) {
        int fd = open(fifo_path, O_WRONLY); /* blocks until a reader comes */
        if (fd >= 0)
                close(fd);
        return arg;
}

/* Openers really blocked in open() (on a FIFO without a peer), as at a permission event: a
 * child's read-only and write opens, and a write open by another thread than the main one. */
START_TEST(test_real_open_mode) {
        char dir[] = "/tmp/rg-test-openmode.XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(fifo_path, sizeof(fifo_path), "%s/fifo", dir);
        ck_assert_int_eq(mkfifo(fifo_path, 0600), 0);
        for (int w = 0; w < 2; w++) {
                pid_t c = fork();
                ck_assert_int_ge(c, 0);
                if (c == 0) {
                        (void)open(fifo_path, w ? O_WRONLY : O_RDONLY);
                        _exit(0);
                }
                enum proc_open_mode m = PROC_OPEN_UNKNOWN;
                for (int i = 0; i < 200 && m == PROC_OPEN_UNKNOWN; i++) {
                        usleep(5000);
                        m = proc_open_mode("/proc", c);
                }
                kill(c, SIGKILL);
                waitpid(c, NULL, 0);
                ck_assert_int_eq(m, w ? PROC_OPEN_WRITE : PROC_OPEN_READ);
        }
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, open_for_writing, NULL), 0);
        enum proc_open_mode m = PROC_OPEN_UNKNOWN;
        for (int i = 0; i < 200 && m == PROC_OPEN_UNKNOWN; i++) {
                usleep(5000);
                m = proc_open_mode("/proc", getpid());
        }
        int fd = open(fifo_path, O_RDONLY); /* lets the thread go */
        pthread_join(t, NULL);
        if (fd >= 0)
                close(fd);
        ck_assert_int_eq(m, PROC_OPEN_WRITE);
        unlink(fifo_path);
        rmdir(dir);
}
END_TEST

/* An opener woken by another opener's answer reads "running" for a moment: read again. */
static char woken_dir[64];

static void *settle_later(void *arg) {
        usleep(150);
        char tmp[128], path[128];
        snprintf(tmp, sizeof(tmp), "%s/4242/syscall.new", woken_dir);
        snprintf(path, sizeof(path), "%s/4242/syscall", woken_dir);
        FILE *f = fopen(tmp, "w");
        if (f) {
                fputs("257 0x3 0x55d0 0x0 0x0 0x0 0x0 0x0 0x0\n", f);
                fclose(f);
                rename(tmp, path);
        }
        return arg;
}

START_TEST(test_open_mode_woken) {
        char *d = tmpdir_new();
        snprintf(woken_dir, sizeof(woken_dir), "%s", d);
        char path[128];
        snprintf(path, sizeof(path), "%s/4242", d);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/4242/task", d);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/4242/task/4242", d);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/4242/syscall", d);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs("running\n", f);
        fclose(f);
        /* Stays running (it really runs): unknown, after the short retries. */
        ck_assert_int_eq(proc_open_mode(d, 4242), PROC_OPEN_UNKNOWN);
        /* Back in its open a moment later: read as such. (A thread that starts later than the
         * retries last, on a loaded machine or under a sanitizer, is tried again: three times.) */
        enum proc_open_mode m = PROC_OPEN_UNKNOWN;
        for (int i = 0; i < 3 && m != PROC_OPEN_READ; i++) {
                f = fopen(path, "w");
                ck_assert_ptr_nonnull(f);
                fputs("running\n", f);
                fclose(f);
                pthread_t t;
                ck_assert_int_eq(pthread_create(&t, NULL, settle_later, NULL), 0);
                m = proc_open_mode(d, 4242);
                pthread_join(t, NULL);
        }
        ck_assert_int_eq(m, PROC_OPEN_READ);
        tmpdir_free(d);
}
END_TEST

START_TEST(test_status_fsuid) {
        uid_t u = 7;
        ck_assert_int_eq(proc_parse_status_fsuid("Name:\tsmbd\nUmask:\t0022\nState:\tS (sleeping)\n"
                                                 "Uid:\t1001\t1001\t0\t1001\nGid:\t1001\t1001\t0\t1001\n", &u), 0);
        ck_assert_uint_eq(u, 1001);
        ck_assert_int_eq(proc_parse_status_fsuid("Uid:\t0\t0\t0\t65534\n", &u), 0);
        ck_assert_uint_eq(u, 65534);
        static const char *const bad[] = { "", "Name:\tx\n", "Uid:\t1\t2\t3\n", "Uid:\t1\t2\t3\tx\n",
                                           "Uid:\t-1\t0\t0\t0\n", "Uid:\t1\t2\t3\t4294967295\n",
                                           "Uid:\t1\t2\t3\t99999999999999999999\n", "XUid:\t1\t2\t3\t4\n",
                                           "Uid:\t1\t2\t3\t4x\n" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                u = 7;
                ck_assert_msg(proc_parse_status_fsuid(bad[i], &u) == -EINVAL, "\"%s\"", bad[i]);
                ck_assert_uint_eq(u, 7);
        }
        /* The real one of this process. */
        ck_assert_int_eq(proc_fsuid("/proc", getpid(), &u), 0);
        ck_assert_uint_eq(u, getuid());
        ck_assert_int_eq(proc_fsuid("/proc", -1, &u), -EINVAL);
}
END_TEST

static Suite *proc_suite(void) {
        Suite *s = suite_create("proc");
        TCase *tc;

        tc = tcase_create("parse");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_parse_plain);
        tcase_add_test(tc, test_status_fsuid);
        tcase_add_test(tc, test_parse_hostile_comm);
        tcase_add_test(tc, test_parse_truncated);
        tcase_add_test(tc, test_parse_garbage);
        tcase_add_test(tc, test_parse_kthread);
        tcase_add_test(tc, test_mountinfo_line);
        tcase_add_test(tc, test_tcp_line);
        tcase_add_test(tc, test_syscall_open_parse);
        tcase_add_test(tc, test_syscall_access_parse);
#if defined(__x86_64__)
        tcase_add_test(tc, test_access_mode_in_fd);
#endif
        tcase_add_test(tc, test_status_tgid);
        suite_add_tcase(s, tc);

        tc = tcase_create("fake");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_read_stat_fake);
        tcase_add_test(tc, test_read_exe_cgroup_fake);
        tcase_add_test(tc, test_descendants_fake);
        tcase_add_test(tc, test_descendants_wide);
        tcase_add_test(tc, test_is_ancestor_fake);
        tcase_add_test(tc, test_cmdline_fake);
        suite_add_tcase(s, tc);

        tc = tcase_create("real");
        tcase_add_test(tc, test_real_proc_self);
        tcase_add_test(tc, test_real_proc_children);
        tcase_add_test(tc, test_real_open_mode);
        tcase_add_test(tc, test_open_mode_woken);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(proc_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
