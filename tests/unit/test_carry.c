/* Unit tests for lib/carry.c: a client's evidence summed over its connections, keyed by user
 * and address together, decaying like a score, forgetting the least suspicious when full. */
#include "carry.h"

#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <string.h>

#include "testutil.h"

static struct block_client worker(uid_t uid, const char *addr) {
        struct block_client c = { .is_worker = true, .uid = uid };
        if (inet_pton(AF_INET, addr, c.conn.raddr) != 1) {
                ck_assert_int_eq(inet_pton(AF_INET6, addr, c.conn.raddr), 1);
                c.conn.v6 = true;
        }
        return c;
}

START_TEST(test_sum_over_connections) {
        static struct carry c;
        carry_init(&c, 120000, 60000);
        struct block_client alice = worker(1001, "192.0.2.7"), alice2 = worker(1001, "192.0.2.7");
        alice2.conn.rport = 5555; /* another connection of the same client */
        char *paths[] = { "/srv/a/2.doc", "/srv/a/1.doc", NULL };
        carry_credit(&c, &alice, 35, 1, paths + 1, 1, 1000);
        carry_credit(&c, &alice2, 35, 1, paths, 2, 1000);
        uint32_t files;
        uint64_t first;
        ck_assert_double_eq_tol(carry_score(&c, &alice2, 1000, &files, &first), 70, 1e-9);
        ck_assert_uint_eq(files, 2);
        ck_assert_uint_eq(first, 1000);
        ck_assert_str_eq(carry_paths(&c, &alice), "/srv/a/2.doc | /srv/a/1.doc");
        /* Decays with the half-life, forgotten after the window. */
        ck_assert_double_eq_tol(carry_score(&c, &alice, 61000, NULL, NULL), 35, 1e-6);
        ck_assert_double_eq(carry_score(&c, &alice, 121001 + 1000, &files, NULL), 0);
        ck_assert_uint_eq(files, 0);
        /* After the window a new story: files start again. */
        carry_credit(&c, &alice, 10, 1, paths, 2, 200000);
        ck_assert_double_eq_tol(carry_score(&c, &alice, 200000, &files, &first), 10, 1e-9);
        ck_assert_uint_eq(files, 1);
        ck_assert_uint_eq(first, 200000);
        ck_assert_str_eq(carry_paths(&c, &alice), "/srv/a/2.doc");
}
END_TEST

START_TEST(test_keyed_by_user_and_address) {
        static struct carry c;
        carry_init(&c, 120000, 60000);
        struct block_client alice = worker(1001, "192.0.2.7"), bob_same_pc = worker(1002, "192.0.2.7"),
                            alice_other_pc = worker(1001, "192.0.2.8"), mapped = worker(1001, "::ffff:192.0.2.7"),
                            local = alice;
        local.is_worker = false;
        carry_credit(&c, &alice, 80, 2, NULL, 0, 1000);
        ck_assert_double_eq(carry_score(&c, &bob_same_pc, 1000, NULL, NULL), 0);    /* a colleague behind NAT */
        ck_assert_double_eq(carry_score(&c, &alice_other_pc, 1000, NULL, NULL), 0); /* her other PC */
        ck_assert_double_eq_tol(carry_score(&c, &mapped, 1000, NULL, NULL), 80, 1e-9);
        ck_assert_double_eq(carry_score(&c, &local, 1000, NULL, NULL), 0);          /* not a server worker */
        carry_credit(&c, &local, 50, 1, NULL, 0, 1000);                                 /* ignored */
        ck_assert_uint_eq(c.n, 1);
        carry_credit(&c, &alice, 0, 0, NULL, 0, 1000);                                  /* nothing to add */
        carry_credit(&c, &alice, -5, 0, NULL, 0, 1000);                                 /* never negative */
        ck_assert_double_eq_tol(carry_score(&c, &alice, 1000, NULL, NULL), 80, 1e-9);
        ck_assert_str_eq(carry_paths(&c, &alice), "");
        ck_assert_str_eq(carry_paths(&c, &bob_same_pc), "");
        /* Forgotten once stopped; the others stay. */
        carry_credit(&c, &bob_same_pc, 20, 0, NULL, 0, 1000);
        carry_forget(&c, &alice);
        carry_forget(&c, &alice); /* twice: nothing */
        ck_assert_double_eq(carry_score(&c, &alice, 1000, NULL, NULL), 0);
        ck_assert_double_eq_tol(carry_score(&c, &bob_same_pc, 1000, NULL, NULL), 20, 1e-9);
        ck_assert_uint_eq(c.n, 1);
}
END_TEST

START_TEST(test_full_table_forgets_the_least) {
        static struct carry c;
        carry_init(&c, 120000, 60000);
        struct block_client top = worker(1, "10.0.0.1");
        carry_credit(&c, &top, 90, 1, NULL, 0, 1000);
        for (uid_t u = 2; u < 2 + 2 * CARRY_MAX; u++) {
                struct block_client x = worker(u, "10.0.0.2");
                carry_credit(&c, &x, 1 + (double)(u % 7), 0, NULL, 0, 1000);
        }
        ck_assert_uint_eq(c.n, CARRY_MAX);
        ck_assert_double_eq_tol(carry_score(&c, &top, 1000, NULL, NULL), 90, 1e-9); /* the suspicious one stays */
}
END_TEST

START_TEST(test_paths_bounded) {
        static struct carry c;
        carry_init(&c, 120000, 60000);
        struct block_client a = worker(1, "10.0.0.1");
        char longp[300];
        memset(longp, 'x', sizeof(longp) - 1);
        longp[0] = '/';
        longp[sizeof(longp) - 1] = '\0';
        char *paths[] = { longp, "/odd\nname\x1b", NULL };
        for (int i = 0; i < 20; i++)
                carry_credit(&c, &a, 1, 9, paths, 2, 1000 + (uint64_t)i); /* more files than paths: never read past */
        uint32_t files;
        (void)carry_score(&c, &a, 1019, &files, NULL);
        ck_assert_uint_eq(files, 180);
        const char *p = carry_paths(&c, &a);
        ck_assert_uint_lt(strlen(p), sizeof(c.v[0].paths));
        ck_assert_ptr_null(strchr(p, '\n'));
        ck_assert_ptr_null(strchr(p, '\x1b'));
        ck_assert_int_eq(strncmp(p, "/xxx", 4), 0);
}
END_TEST

static Suite *carry_suite(void) {
        Suite *s = suite_create("carry");
        TCase *tc = tcase_create("carry");
        tcase_add_test(tc, test_sum_over_connections);
        tcase_add_test(tc, test_keyed_by_user_and_address);
        tcase_add_test(tc, test_full_table_forgets_the_least);
        tcase_add_test(tc, test_paths_bounded);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(carry_suite());
}
