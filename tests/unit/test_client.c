/* Unit tests for lib/client.c: smbstatus --json as Samba 4.17 prints it (two sessions, IPv4 and
 * IPv6), malformed and hostile JSON, sshd process titles, smbd's -s/--configfile. */
#include "client.h"

#include <check.h>
#include <errno.h>
#include <string.h>

#include "testutil.h"

/* `smbstatus --json -p` of a private smbd 4.17.12 with two sessions; the second edited to IPv6
 * the way Samba's tsocket_address_string() writes it. */
static const char smbstatus[] =
        "{\"timestamp\": \"2026-12-01T23:06:43.606820+0000\", \"version\": \"4.17.12-Debian\", \"smb_conf\": \"smb.conf\", "
        "\"sessions\": {"
        "\"3751900688\": {\"session_id\": \"3751900688\", \"server_id\": {\"pid\": \"3571\", \"task_id\": \"0\", "
        "\"vnn\": \"4294967295\", \"unique_id\": \"17283088626274277159\"}, \"uid\": 1001, \"gid\": 1001, "
        "\"username\": \"rgtsmba\", \"groupname\": \"rgtsmba\", \"remote_machine\": \"127.0.0.1\", "
        "\"hostname\": \"ipv4:127.0.0.1:38538\", \"session_dialect\": \"SMB3_11\", "
        "\"encryption\": {\"cipher\": \"-\", \"degree\": \"none\"}, \"signing\": {\"cipher\": \"AES-128-GMAC\", \"degree\": \"partial\"}}, "
        "\"42\": {\"session_id\": \"42\", \"server_id\": {\"pid\": \"3600\", \"task_id\": \"0\"}, \"uid\": 1002, "
        "\"username\": \"EXAMPLE\\\\bob\", \"remote_machine\": \"PC-BOB\", \"hostname\": \"ipv6:2001:db8::7:50123\"}"
        "}}";

START_TEST(test_smbstatus) {
        struct client_info c = { .uid = -1 };
        ck_assert_int_eq(client_from_smbstatus(smbstatus, 3571, &c), 0);
        ck_assert_int_eq(c.uid, 1001);
        ck_assert_str_eq(c.user, "rgtsmba");
        ck_assert_str_eq(c.host, "127.0.0.1");
        ck_assert_str_eq(c.addr, "127.0.0.1:38538");
        c = (struct client_info){ 0 };
        ck_assert_int_eq(client_from_smbstatus(smbstatus, 3600, &c), 0);
        ck_assert_str_eq(c.user, "EXAMPLE\\bob");
        ck_assert_str_eq(c.host, "PC-BOB");
        ck_assert_str_eq(c.addr, "[2001:db8::7]:50123");
        /* An address known from the kernel already is kept. */
        snprintf(c.addr, sizeof(c.addr), "192.0.2.1:1");
        ck_assert_int_eq(client_from_smbstatus(smbstatus, 3600, &c), 0);
        ck_assert_str_eq(c.addr, "192.0.2.1:1");
        /* No session of that pid (a prefix of one is not it). */
        c = (struct client_info){ 0 };
        ck_assert_int_eq(client_from_smbstatus(smbstatus, 357, &c), -ENOENT);
        ck_assert_int_eq(client_from_smbstatus(smbstatus, 36000, &c), -ENOENT);
        ck_assert_str_eq(c.user, "");
}
END_TEST

START_TEST(test_smbstatus_malformed) {
        static const struct {
                const char *text;
                int r;
        } v[] = {
                { "", -EINVAL },
                { "{", -EINVAL },
                { "[]", -EINVAL },
                { "null", -EINVAL },
                { "{\"sessions\": []}", -EINVAL },
                { "{\"sessions\": \"x\"}", -EINVAL },
                { "{}", -ENOENT }, /* no sessions at all */
                { "{\"sessions\": {}}", -ENOENT },
                { "{\"sessions\": {\"1\": 5}}", -ENOENT },
                { "{\"sessions\": {\"1\": {\"server_id\": 5}}}", -ENOENT },
                { "{\"sessions\": {\"1\": {\"server_id\": {\"pid\": 77}}}}", -ENOENT }, /* a number, not a string */
                { "{\"sessions\": {\"1\": {\"server_id\": {\"pid\": \"77x\"}}}}", -ENOENT },
                { "{\"sessions\": {\"1\": {\"server_id\": {\"pid\": \"\"}}}}", -ENOENT },
                { "{\"sessions\": {\"1\": {\"server_id\": {\"pid\": \"99999999999999999999999\"}}}}", -ENOENT },
        };
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                struct client_info c = { 0 };
                ck_assert_msg(client_from_smbstatus(v[i].text, 77, &c) == v[i].r, "%s", v[i].text);
        }
        /* A session with nothing but its pid: found, fields stay empty. */
        struct client_info c = { 0 };
        ck_assert_int_eq(client_from_smbstatus("{\"sessions\": {\"1\": {\"server_id\": {\"pid\": \"77\"}, "
                                               "\"username\": 5, \"hostname\": \"tcp:x\"}}}",
                                               77, &c),
                         0);
        ck_assert_str_eq(c.user, "");
        ck_assert_str_eq(c.addr, "");
        /* A uid that is no uid is not taken. */
        static const char *const uids[] = { "-1", "1.5", "4294967295", "1e30", "\"1001\"" };
        for (size_t i = 0; i < sizeof(uids) / sizeof(uids[0]); i++) {
                char t[256];
                snprintf(t, sizeof(t), "{\"sessions\": {\"1\": {\"server_id\": {\"pid\": \"77\"}, \"uid\": %s}}}", uids[i]);
                c.uid = -1;
                ck_assert_int_eq(client_from_smbstatus(t, 77, &c), 0);
                ck_assert_msg(c.uid == -1, "uid %s taken", uids[i]);
        }
        /* Control bytes in names never reach a log line; long ones are cut. */
        char big[1024];
        snprintf(big, sizeof(big),
                 "{\"sessions\": {\"1\": {\"server_id\": {\"pid\": \"77\"}, \"username\": \"ev\\nil\\u001b[2J\", "
                 "\"remote_machine\": \"%0400d\", \"hostname\": \"ipv4::\"}}}",
                 0);
        ck_assert_int_eq(client_from_smbstatus(big, 77, &c), 0);
        ck_assert_str_eq(c.user, "ev?il?[2J");
        ck_assert_uint_eq(strlen(c.host), sizeof(c.host) - 1);
        ck_assert_str_eq(c.addr, "");
}
END_TEST

START_TEST(test_sshd_title) {
        static const struct {
                const char *title, *user;
        } ok[] = {
                { "sshd: alice [priv]", "alice" },
                { "sshd: alice@pts/0", "alice" },
                { "sshd: bob@notty", "bob" },
                { "sshd: carol [net]", "carol" },
        };
        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                struct client_info c = { 0 };
                ck_assert_int_eq(client_from_sshd_title(ok[i].title, &c), 0);
                ck_assert_str_eq(c.user, ok[i].user);
        }
        static const char *const bad[] = { "", "sshd", "sshd: ", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
                                           "/usr/sbin/sshd -D", "bash", "sshd: alice", "sshd: @pts/0", "xsshd: a@pts/0" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct client_info c = { 0 };
                ck_assert_msg(client_from_sshd_title(bad[i], &c) == -ENOENT, "\"%s\"", bad[i]);
        }
}
END_TEST

START_TEST(test_smbd_conf) {
        char buf[64];
        char *a1[] = { "smbd", "--foreground", "--no-process-group", "-s", "/tmp/x/smb.conf", NULL };
        ck_assert_int_eq(client_smbd_conf(a1, 5, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "/tmp/x/smb.conf");
        char *a2[] = { "/usr/sbin/smbd", "--configfile=/etc/samba/other.conf", NULL };
        ck_assert_int_eq(client_smbd_conf(a2, 2, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "/etc/samba/other.conf");
        char *a3[] = { "smbd", "--configfile", "/a b/c.conf", "-F", NULL };
        ck_assert_int_eq(client_smbd_conf(a3, 4, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "/a b/c.conf");
        char *a4[] = { "smbd", "-s/etc/s.conf", NULL };
        ck_assert_int_eq(client_smbd_conf(a4, 2, buf, sizeof(buf)), 0);
        ck_assert_str_eq(buf, "/etc/s.conf");
        char *a5[] = { "smbd", "--foreground", NULL };
        ck_assert_int_eq(client_smbd_conf(a5, 2, buf, sizeof(buf)), -ENOENT);
        char *a6[] = { "smbd", "-s", NULL }; /* no value */
        ck_assert_int_eq(client_smbd_conf(a6, 2, buf, sizeof(buf)), -ENOENT);
        char *a7[] = { "smbd", "--", "-s", "/x", NULL };
        ck_assert_int_eq(client_smbd_conf(a7, 4, buf, sizeof(buf)), -ENOENT);
        char *a8[] = { "smbd", "-s", "/a/very/long/path/that/does/not/fit/into/the/small/buffer/given/here.conf", NULL };
        ck_assert_int_eq(client_smbd_conf(a8, 3, buf, sizeof(buf)), -ENAMETOOLONG);
        char *a9[] = { "smbd", "-D", NULL };
        ck_assert_int_eq(client_smbd_conf(a9, 2, buf, sizeof(buf)), -ENOENT);
}
END_TEST

static Suite *client_suite(void) {
        Suite *s = suite_create("client");
        TCase *tc = tcase_create("client");
        tcase_add_test(tc, test_smbstatus);
        tcase_add_test(tc, test_smbstatus_malformed);
        tcase_add_test(tc, test_sshd_title);
        tcase_add_test(tc, test_smbd_conf);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(client_suite());
}
