/* Unit tests for lib/account.c (damage per user or cgroup across families, its own decay) and
 * lib/ancestry.c (the bounded table of fork events). */
#include "account.h"
#include "ancestry.h"

#include <check.h>
#include <math.h>
#include <string.h>

#include "testutil.h"

START_TEST(test_account_keys) {
        char a[80], b[80];
        /* A user's processes share one account whatever their cgroup (systemd-run --user scopes
         * are free for anyone); root's are told apart by cgroup (every service runs as root). */
        ck_assert_uint_eq(account_key(1000, "/user.slice/a.scope", a, sizeof(a)),
                          account_key(1000, "/user.slice/b.scope", b, sizeof(b)));
        ck_assert_str_eq(a, "uid 1000");
        ck_assert_uint_ne(account_key(1000, "/x", a, sizeof(a)), account_key(1001, "/x", b, sizeof(b)));
        ck_assert_uint_ne(account_key(0, "/system.slice/a.service", a, sizeof(a)),
                          account_key(0, "/system.slice/b.service", b, sizeof(b)));
        ck_assert_str_eq(b, "cgroup /system.slice/b.service");
        /* A uid never collides with a cgroup's key. */
        ck_assert_uint_ne(account_key(5, "", a, sizeof(a)) >> 63, account_key(0, "/c", b, sizeof(b)) >> 63);
}
END_TEST

START_TEST(test_account_adds_up_and_decays) {
        static struct account ac;
        account_init(&ac, 3600000, 600000);
        char l[80];
        uint64_t k = account_key(1000, "/s", l, sizeof(l));
        /* Two files (35 each) per family, a new family each time, one a minute apart: no family
         * reaches 100, the account does by the third. */
        double d = 0;
        for (int i = 0; i < 3; i++)
                d = account_credit(&ac, k, l, 70, 100 + (uint64_t)i, 60000 * (uint64_t)i + 1);
        ck_assert_double_gt(d, 100);
        const struct account_entry *x;
        ck_assert_double_eq_tol(account_damage(&ac, k, 60000 * 2 + 1, &x), d, 1e-9);
        ck_assert_uint_eq(x->families, 3);
        ck_assert_str_eq(x->label, "uid 1000");
        /* Half of it ten minutes later; nothing after the window. */
        ck_assert_double_eq_tol(account_damage(&ac, k, 60000 * 2 + 1 + 600000, NULL), d / 2, 1e-6);
        ck_assert_double_eq(account_damage(&ac, k, 60000 * 2 + 2 + 3600000, NULL), 0);
        /* Nothing negative is credited; an unknown key has none. */
        ck_assert_double_eq_tol(account_credit(&ac, k, l, -50, 7, 60000 * 2 + 1), d, 1e-9);
        ck_assert_double_eq(account_damage(&ac, 12345, 1, NULL), 0);
}
END_TEST

START_TEST(test_account_full_forgets_the_least) {
        static struct account ac;
        account_init(&ac, 3600000, 600000);
        for (uint64_t i = 0; i < ACCOUNT_MAX; i++)
                account_credit(&ac, 1000 + i, "x", i == 7 ? 1 : 50, 1, 10);
        account_credit(&ac, 99999, "new", 60, 1, 20);
        ck_assert_double_eq(account_damage(&ac, 1007, 20, NULL), 0); /* the least went */
        ck_assert_double_gt(account_damage(&ac, 99999, 20, NULL), 59);
        ck_assert_double_gt(account_damage(&ac, 1008, 20, NULL), 49);
}
END_TEST

static int alive_is(pid_t pid, uint64_t t, void *ud) {
        return pid == *(pid_t *)ud ? 1 : pid == -*(pid_t *)ud ? -1 : 0;
}

START_TEST(test_ancestry_table) {
        static struct ancestry a;
        memset(&a, 0, sizeof(a));
        ancestry_fork(&a, 10, 11, 100);
        ancestry_fork(&a, 11, 12, 200);
        ancestry_fork(&a, 12, 13, 300);
        uint64_t t;
        ck_assert_int_eq(ancestry_parent(&a, 13, &t), 12);
        ck_assert_uint_eq(t, 300);
        ck_assert_int_eq(ancestry_parent(&a, 99, NULL), 0);
        pid_t live = 10;
        ck_assert_int_eq(ancestry_live_ancestor(&a, 13, alive_is, &live), 10); /* through 12, 11 gone */
        live = 12;
        ck_assert_int_eq(ancestry_live_ancestor(&a, 13, alive_is, &live), 12);
        live = 777;
        ck_assert_int_eq(ancestry_live_ancestor(&a, 13, alive_is, &live), 0);
        live = -11; /* 11 is there but not to be followed (a child of init, another program): stop */
        ck_assert_int_eq(ancestry_live_ancestor(&a, 13, alive_is, &live), 0);
        /* A pid forked again replaces its entry; the chain through it breaks when the new fork
         * is later than its supposed child's. */
        ancestry_fork(&a, 50, 11, 250);
        live = 10;
        ck_assert_int_eq(ancestry_live_ancestor(&a, 13, alive_is, &live), 0);
        /* Bounded: a flood of forks never grows it, and the newest are kept. */
        for (pid_t p = 1000; p < 1000 + 4 * ANCESTRY_MAX; p++)
                ancestry_fork(&a, 1, p, 1000 + (uint64_t)p);
        ck_assert_int_eq(ancestry_parent(&a, 1000 + 4 * ANCESTRY_MAX - 1, NULL), 1);
        /* A cycle (impossible, but from a corrupt feed) ends. */
        ancestry_fork(&a, 3, 2, 5);
        ancestry_fork(&a, 2, 3, 5);
        live = 777;
        ck_assert_int_eq(ancestry_live_ancestor(&a, 3, alive_is, &live), 0);
}
END_TEST

static Suite *account_suite(void) {
        Suite *s = suite_create("account");
        TCase *tc = tcase_create("account");
        tcase_add_test(tc, test_account_keys);
        tcase_add_test(tc, test_account_adds_up_and_decays);
        tcase_add_test(tc, test_account_full_forgets_the_least);
        tcase_add_test(tc, test_ancestry_table);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return run_suite(account_suite());
}
