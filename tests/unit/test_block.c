/* Unit tests for lib/block.c: keys (user, IPv4, IPv6, IPv4-mapped), matching by kind and time,
 * extend/remove, and the block file format with hostile text. */
#include "block.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>

#include "testutil.h"

static struct block_client client(uid_t uid, const char *addr) {
        struct block_client c = { .is_worker = true, .uid = uid, .conn = { .rport = 50123 } };
        if (inet_pton(AF_INET, addr, c.conn.raddr) != 1) {
                ck_assert_int_eq(inet_pton(AF_INET6, addr, c.conn.raddr), 1);
                c.conn.v6 = true;
        }
        return c;
}

START_TEST(test_key_names_round_trip) {
        static const struct {
                uid_t uid;
                const char *addr;
                const char *user_name, *addr_name;
        } v[] = {
                { 1001, "192.0.2.7", "user-1001", "addr-192.0.2.7" },
                { 0, "2001:db8::1", "user-0", "addr-2001:db8::1" },
                { 65534, "::ffff:198.51.100.9", "user-65534", "addr-198.51.100.9" }, /* mapped: IPv4 */
        };
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                struct block_client c = client(v[i].uid, v[i].addr);
                struct block_key k, back;
                char name[BLOCK_NAME_MAX];
                block_key_of(&c, BLOCK_USER, &k);
                block_key_name(&k, name, sizeof(name));
                ck_assert_str_eq(name, v[i].user_name);
                ck_assert_int_eq(block_key_parse(name, &back), 0);
                ck_assert(block_key_equal(&k, &back));
                block_key_of(&c, BLOCK_ADDR, &k);
                block_key_name(&k, name, sizeof(name));
                ck_assert_str_eq(name, v[i].addr_name);
                ck_assert_int_eq(block_key_parse(name, &back), 0);
                ck_assert(block_key_equal(&k, &back));
        }
        /* An IPv4-mapped name parses to the same key as the IPv4 one. */
        struct block_key a, b;
        ck_assert_int_eq(block_key_parse("addr-::ffff:10.0.0.1", &a), 0);
        ck_assert_int_eq(block_key_parse("addr-10.0.0.1", &b), 0);
        ck_assert(block_key_equal(&a, &b));
        /* Users and addresses never equal each other. */
        ck_assert_int_eq(block_key_parse("user-167772161", &a), 0);
        ck_assert(!block_key_equal(&a, &b));
}
END_TEST

START_TEST(test_key_parse_rejects) {
        static const char *const bad[] = { "", "user-", "user-x", "user--1", "user-1x", "user-4294967295",
                                           "user-99999999999999999999", "addr-", "addr-1.2.3", "addr-1.2.3.4.5",
                                           "addr-::g", "host-pc", "USER-1", "user-1 ", " addr-1.2.3.4",
                                           "addr-1.2.3.4/24", ".", ".." };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct block_key k;
                ck_assert_msg(block_key_parse(bad[i], &k) == -EINVAL, "\"%s\" accepted", bad[i]);
        }
}
END_TEST

START_TEST(test_match_by_kind_and_time) {
        struct block_list l = { 0 };
        struct block_client alice_pc = client(1001, "192.0.2.7"), alice_elsewhere = client(1001, "192.0.2.8"),
                            bob_pc = client(1002, "192.0.2.7"), bob_elsewhere = client(1002, "192.0.2.9");
        struct block_key k;
        block_key_of(&alice_pc, BLOCK_USER, &k);
        ck_assert_int_eq(block_add(&l, &k, "alice", 1000), 0);
        block_key_of(&alice_pc, BLOCK_ADDR, &k);
        ck_assert_int_eq(block_add(&l, &k, "192.0.2.7", 1000), 0);
        unsigned both = BLOCK_USER | BLOCK_ADDR;
        ck_assert_ptr_nonnull(block_match(&l, both, &alice_pc, 999));
        ck_assert_ptr_nonnull(block_match(&l, both, &alice_elsewhere, 999)); /* by user */
        ck_assert_ptr_nonnull(block_match(&l, both, &bob_pc, 999));          /* by address */
        ck_assert_ptr_null(block_match(&l, both, &bob_elsewhere, 999));
        /* Only the configured kinds count. */
        ck_assert_ptr_null(block_match(&l, BLOCK_USER, &bob_pc, 999));
        ck_assert_ptr_nonnull(block_match(&l, BLOCK_USER, &alice_elsewhere, 999));
        ck_assert_ptr_null(block_match(&l, BLOCK_ADDR, &alice_elsewhere, 999));
        ck_assert_ptr_null(block_match(&l, 0, &alice_pc, 999));
        ck_assert_str_eq(block_match(&l, BLOCK_ADDR, &bob_pc, 999)->label, "192.0.2.7");
        /* Not a worker: never blocked (a local user of the same uid works on). */
        struct block_client local = alice_pc;
        local.is_worker = false;
        ck_assert_ptr_null(block_match(&l, both, &local, 999));
        /* An unknown address (the worker's connection could not be read) is no address: a
         * block of 0.0.0.0 or of any address never matches it. */
        struct block_client unknown = { .is_worker = true, .uid = 1002 };
        ck_assert_ptr_null(block_match(&l, BLOCK_ADDR, &unknown, 999));
        struct block_key zero;
        block_key_of(&unknown, BLOCK_ADDR, &zero);
        ck_assert_int_eq(block_add(&l, &zero, "0.0.0.0", 1000), 0);
        ck_assert_ptr_null(block_match(&l, BLOCK_ADDR, &unknown, 999));
        ck_assert_int_eq(block_remove(&l, &zero), 1);
        /* Expired at `until`. */
        ck_assert_ptr_null(block_match(&l, both, &alice_pc, 1000));
        ck_assert_int_ge(block_expired(&l, 1000), 0);
        ck_assert_int_eq(block_expired(&l, 999), -1);
        /* Extending keeps one entry. */
        block_key_of(&alice_pc, BLOCK_USER, &k);
        ck_assert_int_eq(block_add(&l, &k, "alice again", 5000), 0);
        ck_assert_uint_eq(l.n, 2);
        ck_assert_ptr_nonnull(block_match(&l, BLOCK_USER, &alice_elsewhere, 4000));
        ck_assert_str_eq(block_match(&l, BLOCK_USER, &alice_elsewhere, 4000)->label, "alice again");
        /* Removing lifts exactly that block. */
        ck_assert_int_eq(block_remove(&l, &k), 1);
        ck_assert_int_eq(block_remove(&l, &k), 0);
        ck_assert_ptr_null(block_match(&l, BLOCK_USER, &alice_elsewhere, 999));
        ck_assert_ptr_nonnull(block_match(&l, BLOCK_ADDR, &bob_pc, 999));
        /* IPv6 and mapped IPv4 clients. */
        struct block_client v6 = client(7, "2001:db8::1"), mapped = client(8, "::ffff:192.0.2.7");
        ck_assert_ptr_nonnull(block_match(&l, BLOCK_ADDR, &mapped, 999));
        ck_assert_ptr_null(block_match(&l, BLOCK_ADDR, &v6, 999));
        block_list_free(&l);
        ck_assert_ptr_null(block_match(&l, both, &alice_pc, 0));
}
END_TEST

START_TEST(test_many_blocks) {
        struct block_list l = { 0 };
        for (uid_t u = 0; u < 1000; u++) {
                struct block_client c = client(u, "10.0.0.1");
                struct block_key k;
                block_key_of(&c, BLOCK_USER, &k);
                ck_assert_int_eq(block_add(&l, &k, "u", 100 + u), 0);
        }
        ck_assert_uint_eq(l.n, 1000);
        struct block_client c = client(999, "10.0.0.2");
        ck_assert_ptr_nonnull(block_match(&l, BLOCK_USER, &c, 1000));
        ck_assert_ptr_null(block_match(&l, BLOCK_USER, &c, 1099));
        size_t removed = 0;
        ssize_t i;
        while ((i = block_expired(&l, 600)) >= 0) {
                ck_assert_int_eq(block_remove(&l, &l.v[i].key), 1);
                removed++;
        }
        ck_assert_uint_eq(removed, 501); /* until 100..600 */
        ck_assert_uint_eq(l.n, 499);
        block_list_free(&l);
}
END_TEST

START_TEST(test_file_format) {
        struct block b = { .until = 1764633600 };
        snprintf(b.label, sizeof(b.label), "alice");
        char buf[256], label[64];
        int64_t until = 0;
        block_file_format(&b, buf, sizeof(buf));
        ck_assert_str_eq(buf, "until=1764633600\nlabel=alice\n");
        ck_assert_int_eq(block_file_parse(buf, &until, label, sizeof(label)), 0);
        ck_assert_int_eq(until, 1764633600);
        ck_assert_str_eq(label, "alice");
        /* A label with line breaks (a hostile user name) stays one line in the file. */
        struct block_list l = { 0 };
        struct block_key k = { .kind = BLOCK_USER, .uid = 5 };
        ck_assert_int_eq(block_add(&l, &k, "evil\nuntil=0\n\x1b[2J", 77), 0);
        block_file_format(&l.v[0], buf, sizeof(buf));
        ck_assert_int_eq(block_file_parse(buf, &until, label, sizeof(label)), 0);
        ck_assert_int_eq(until, 77);
        ck_assert_ptr_null(strchr(label, '\n'));
        ck_assert_ptr_null(strchr(label, '\x1b'));
        block_list_free(&l);
        /* Malformed files. */
        static const char *const bad[] = { "", "label=x\n", "until=\n", "until=-5\n", "until=12x\n",
                                           "until=99999999999999999999999\n", "until= 5\n" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(block_file_parse(bad[i], &until, label, sizeof(label)) == -EINVAL, "\"%s\"", bad[i]);
        /* Unknown lines are ignored; a long label is cut. */
        char longer[400];
        snprintf(longer, sizeof(longer), "x=1\nuntil=5\nlabel=%0300d\n", 0);
        ck_assert_int_eq(block_file_parse(longer, &until, label, sizeof(label)), 0);
        ck_assert_uint_eq(strlen(label), sizeof(label) - 1);
        ck_assert_int_eq(block_file_parse("until=9", &until, label, sizeof(label)), 0);
        ck_assert_int_eq(until, 9);
}
END_TEST

static Suite *block_suite(void) {
        Suite *s = suite_create("block");
        TCase *tc = tcase_create("block");
        tcase_add_test(tc, test_key_names_round_trip);
        tcase_add_test(tc, test_key_parse_rejects);
        tcase_add_test(tc, test_match_by_kind_and_time);
        tcase_add_test(tc, test_many_blocks);
        tcase_add_test(tc, test_file_format);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(block_suite());
}
