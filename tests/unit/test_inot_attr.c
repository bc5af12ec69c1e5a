/* Unit tests for lib/attr.c, the pure parts of inotify writer attribution: the fdinfo "flags:"
 * parser and the stat state parser fed well-formed and malformed text, pid names, the directory
 * hash with odd bytes, the list of recent writers, the pick for unlink/rename, and the budget. */
#include "attr.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define SEC UINT64_C(1000000)
#define WINDOW (2 * SEC)

/* ---- fdinfo ---- */

START_TEST(test_fdinfo_real_texts) {
        unsigned f = 0;
        ck_assert_int_eq(attr_parse_fdinfo_flags("pos:\t0\nflags:\t0100001\nmnt_id:\t27\nino:\t10952960\n", &f), 0);
        ck_assert_uint_eq(f, 0100001);
        ck_assert(attr_flags_writable(f));
        ck_assert_int_eq(attr_parse_fdinfo_flags("pos:\t12\nflags:\t02100000\nmnt_id:\t27\n", &f), 0);
        ck_assert_uint_eq(f, 02100000);
        ck_assert(!attr_flags_writable(f));
        ck_assert_int_eq(attr_parse_fdinfo_flags("pos:\t0\nflags:\t0102002\n", &f), 0);
        ck_assert(attr_flags_writable(f));
        /* last line without newline, spaces instead of a tab, trailing blanks */
        ck_assert_int_eq(attr_parse_fdinfo_flags("pos:\t0\nflags: 02", &f), 0);
        ck_assert_uint_eq(f, 02);
        ck_assert_int_eq(attr_parse_fdinfo_flags("flags:\t0 \t\nx", &f), 0);
        ck_assert_uint_eq(f, 0);
}
END_TEST

START_TEST(test_fdinfo_malformed) {
        unsigned f = 0xdead;
        ck_assert_int_eq(attr_parse_fdinfo_flags(NULL, &f), -ENOENT);
        ck_assert_int_eq(attr_parse_fdinfo_flags("", &f), -ENOENT);
        ck_assert_int_eq(attr_parse_fdinfo_flags("pos:\t0\nmnt_id:\t27\n", &f), -ENOENT);
        ck_assert_int_eq(attr_parse_fdinfo_flags("pos:\t0\nxflags:\t01\n", &f), -ENOENT); /* not at line start */
        ck_assert_int_eq(attr_parse_fdinfo_flags("pos: flags:\t01\n", &f), -ENOENT);
        ck_assert_int_eq(attr_parse_fdinfo_flags("flags:\n", &f), -EINVAL);
        ck_assert_int_eq(attr_parse_fdinfo_flags("flags:\t", &f), -EINVAL);
        ck_assert_int_eq(attr_parse_fdinfo_flags("flags:\t0100009\n", &f), -EINVAL); /* not octal */
        ck_assert_int_eq(attr_parse_fdinfo_flags("flags:\t0x12\n", &f), -EINVAL);
        ck_assert_int_eq(attr_parse_fdinfo_flags("flags:\t-1\n", &f), -EINVAL);
        ck_assert_int_eq(attr_parse_fdinfo_flags("flags:\t01 02\n", &f), -EINVAL);
        ck_assert_int_eq(attr_parse_fdinfo_flags("flags:\t777777777777777777777\n", &f), -EINVAL); /* overflow */
        ck_assert_uint_eq(f, 0xdead); /* untouched on error */
        ck_assert_int_eq(attr_parse_fdinfo_flags("flags:\t37777777777\n", &f), 0); /* UINT_MAX fits */
        ck_assert_uint_eq(f, 037777777777u);
}
END_TEST

START_TEST(test_flags_writable) {
        ck_assert(!attr_flags_writable(O_RDONLY));
        ck_assert(attr_flags_writable(O_WRONLY));
        ck_assert(attr_flags_writable(O_RDWR));
        ck_assert(attr_flags_writable(O_WRONLY | O_APPEND | O_CLOEXEC));
        ck_assert(!attr_flags_writable(O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_DIRECTORY));
        ck_assert(!attr_flags_writable(O_ACCMODE)); /* 3: no file is open this way for writing */
}
END_TEST

/* ---- /proc names and stat ---- */

START_TEST(test_parse_pid) {
        pid_t p = -7;
        ck_assert_int_eq(attr_parse_pid("1", &p), 0);
        ck_assert_int_eq(p, 1);
        ck_assert_int_eq(attr_parse_pid("4194304", &p), 0);
        ck_assert_int_eq(p, 4194304);
        ck_assert_int_eq(attr_parse_pid("2147483647", &p), 0);
        p = -7;
        ck_assert_int_eq(attr_parse_pid(NULL, &p), -EINVAL);
        ck_assert_int_eq(attr_parse_pid("", &p), -EINVAL);
        ck_assert_int_eq(attr_parse_pid("0", &p), -EINVAL);
        ck_assert_int_eq(attr_parse_pid("-1", &p), -EINVAL);
        ck_assert_int_eq(attr_parse_pid("12a", &p), -EINVAL);
        ck_assert_int_eq(attr_parse_pid("self", &p), -EINVAL);
        ck_assert_int_eq(attr_parse_pid(" 12", &p), -EINVAL);
        ck_assert_int_eq(attr_parse_pid("2147483648", &p), -EINVAL);
        ck_assert_int_eq(attr_parse_pid("99999999999999999999999", &p), -EINVAL);
        ck_assert_int_eq(p, -7);
}
END_TEST

START_TEST(test_dir_hash) {
        ck_assert_uint_eq(attr_dir_hash("/home/u/a.txt"), attr_dir_hash("/home/u/b.docx"));
        ck_assert_uint_eq(attr_dir_hash("/home/u/a\nb"), attr_dir_hash("/home/u/\xff\xfe"));
        ck_assert_uint_ne(attr_dir_hash("/home/u/a"), attr_dir_hash("/home/v/a"));
        ck_assert_uint_ne(attr_dir_hash("/home/u/a"), attr_dir_hash("/home/u/sub/a"));
        ck_assert_uint_ne(attr_dir_hash("/d\n/a"), attr_dir_hash("/d\xff/a"));
        ck_assert_uint_eq(attr_dir_hash("/a"), attr_dir_hash("/b")); /* both in "/" */
        ck_assert_uint_eq(attr_dir_hash("noslash"), attr_dir_hash(NULL));
        ck_assert_uint_eq(attr_dir_hash("/x/"), attr_dir_hash("/x/y"));
}
END_TEST

/* ---- recent writers ---- */

START_TEST(test_mru_order) {
        struct attr_mru m = { .n = 0 };
        attr_mru_touch(&m, 0, 1);
        attr_mru_touch(&m, -3, 1);
        ck_assert_uint_eq(m.n, 0);
        attr_mru_touch(&m, 10, 1);
        attr_mru_touch(&m, 20, 2);
        attr_mru_touch(&m, 30, 3);
        ck_assert_uint_eq(m.n, 3);
        ck_assert_int_eq(m.pid[0], 30);
        ck_assert_int_eq(m.pid[2], 10);
        attr_mru_touch(&m, 10, 4); /* back to the front, no duplicate */
        ck_assert_uint_eq(m.n, 3);
        ck_assert_int_eq(m.pid[0], 10);
        ck_assert_uint_eq(m.usec[0], 4);
        ck_assert_int_eq(m.pid[1], 30);
        ck_assert_int_eq(m.pid[2], 20);
        attr_mru_forget(&m, 30);
        attr_mru_forget(&m, 999);
        ck_assert_uint_eq(m.n, 2);
        ck_assert_int_eq(m.pid[0], 10);
        ck_assert_int_eq(m.pid[1], 20);
        ck_assert_uint_eq(m.usec[1], 2);
}
END_TEST

START_TEST(test_mru_evicts_oldest) {
        struct attr_mru m = { .n = 0 };
        for (pid_t p = 1; p <= ATTR_MRU_SIZE + 5; p++)
                attr_mru_touch(&m, p, (uint64_t)p);
        ck_assert_uint_eq(m.n, ATTR_MRU_SIZE);
        ck_assert_int_eq(m.pid[0], ATTR_MRU_SIZE + 5);
        ck_assert_int_eq(m.pid[ATTR_MRU_SIZE - 1], 6);
        for (size_t i = 1; i < m.n; i++)
                ck_assert_uint_lt(m.usec[i], m.usec[i - 1]);
}
END_TEST

/* ---- pick for unlink and rename ---- */

START_TEST(test_pick_same_dir) {
        struct attr_log l = { .n = 0 };
        uint64_t a = attr_dir_hash("/r/a/x"), b = attr_dir_hash("/r/b/x");
        ck_assert_int_eq(attr_log_pick(&l, a, 10 * SEC, WINDOW), 0);
        attr_log_add(&l, 100, a, 10 * SEC);
        attr_log_add(&l, 200, b, 10 * SEC);
        /* one writer in this directory: it, even though the tree has two */
        ck_assert_int_eq(attr_log_pick(&l, a, 11 * SEC, WINDOW), 100);
        ck_assert_int_eq(attr_log_pick(&l, b, 11 * SEC, WINDOW), 200);
        /* no writer in this directory and two in the tree: nobody */
        ck_assert_int_eq(attr_log_pick(&l, attr_dir_hash("/r/c/x"), 11 * SEC, WINDOW), 0);
        /* two writers in this directory: nobody, whatever the rest */
        attr_log_add(&l, 300, a, 11 * SEC);
        ck_assert_int_eq(attr_log_pick(&l, a, 11 * SEC, WINDOW), 0);
}
END_TEST

START_TEST(test_pick_tree_fallback) {
        struct attr_log l = { .n = 0 };
        uint64_t a = attr_dir_hash("/r/a/x"), b = attr_dir_hash("/r/b/x");
        attr_log_add(&l, 100, a, 10 * SEC);
        attr_log_add(&l, 100, b, 10 * SEC); /* same writer, two directories */
        ck_assert_int_eq(attr_log_pick(&l, attr_dir_hash("/r/c/x"), 10 * SEC, WINDOW), 100);
}
END_TEST

START_TEST(test_pick_window) {
        struct attr_log l = { .n = 0 };
        uint64_t a = attr_dir_hash("/r/a/x");
        attr_log_add(&l, 100, a, 10 * SEC);
        attr_log_add(&l, 200, a, 5 * SEC); /* too old to count at 10 s */
        ck_assert_int_eq(attr_log_pick(&l, a, 10 * SEC, WINDOW), 100);
        ck_assert_int_eq(attr_log_pick(&l, a, 12 * SEC, WINDOW), 100);     /* exactly 2 s: still in */
        ck_assert_int_eq(attr_log_pick(&l, a, 12 * SEC + 1, WINDOW), 0);   /* just past */
        ck_assert_int_eq(attr_log_pick(&l, a, 6 * SEC, WINDOW), 0);        /* 200 in, 100 "in the future" */
        /* refreshing a (pid, dir) moves its time, it is not a second entry */
        attr_log_add(&l, 200, a, 20 * SEC);
        ck_assert_uint_eq(l.n, 2);
        ck_assert_int_eq(attr_log_pick(&l, a, 21 * SEC, WINDOW), 200);
        attr_log_forget(&l, 200);
        ck_assert_uint_eq(l.n, 1);
        ck_assert_int_eq(attr_log_pick(&l, a, 21 * SEC, WINDOW), 0);
        attr_log_add(&l, 0, a, 21 * SEC); /* no pid: ignored */
        ck_assert_uint_eq(l.n, 1);
}
END_TEST

START_TEST(test_log_full_replaces_oldest) {
        struct attr_log l = { .n = 0 };
        for (pid_t p = 1; p <= ATTR_LOG_SIZE; p++)
                attr_log_add(&l, p, (uint64_t)p, (uint64_t)p);
        ck_assert_uint_eq(l.n, ATTR_LOG_SIZE);
        attr_log_add(&l, 1000, 1000, 1000);
        ck_assert_uint_eq(l.n, ATTR_LOG_SIZE);
        bool has1 = false, has1000 = false;
        for (size_t i = 0; i < l.n; i++) {
                has1 |= l.e[i].pid == 1;
                has1000 |= l.e[i].pid == 1000;
        }
        ck_assert(!has1);
        ck_assert(has1000);
        ck_assert_int_eq(attr_log_pick(&l, 1000, 1000, 0), 1000);
}
END_TEST

/* ---- budget ---- */

START_TEST(test_budget_count) {
        struct attr_budget b = { .limit = 3 };
        ck_assert(attr_budget_take(&b, 10 * SEC));
        ck_assert(attr_budget_take(&b, 10 * SEC + 1));
        ck_assert(attr_budget_take(&b, 10 * SEC + 2));
        ck_assert(!attr_budget_take(&b, 10 * SEC + 3));
        ck_assert(attr_budget_time_left(&b, 10 * SEC + 3)); /* no time cap */
        ck_assert(!attr_budget_take(&b, 11 * SEC - 1));
        ck_assert(attr_budget_take(&b, 11 * SEC)); /* next window */
        ck_assert(attr_budget_take(&b, 5 * SEC));  /* clock went back: a new window */
}
END_TEST

START_TEST(test_budget_time) {
        struct attr_budget b = { .limit = 100, .limit_usec = 1000 };
        ck_assert(attr_budget_take(&b, 10 * SEC));
        attr_budget_spend(&b, 10 * SEC, 600);
        ck_assert(attr_budget_time_left(&b, 10 * SEC + 10));
        attr_budget_spend(&b, 10 * SEC + 10, 400);
        ck_assert(!attr_budget_time_left(&b, 10 * SEC + 20));
        ck_assert(!attr_budget_take(&b, 10 * SEC + 20));
        ck_assert_uint_eq(b.used, 1);
        ck_assert(attr_budget_time_left(&b, 11 * SEC + 20));
        ck_assert(attr_budget_take(&b, 11 * SEC + 20));
        struct attr_budget z = { .limit = 0 };
        ck_assert(!attr_budget_take(&z, 1));
}
END_TEST

static Suite *attr_suite(void) {
        Suite *s = suite_create("inot_attr");
        TCase *tc;

        tc = tcase_create("fdinfo");
        tcase_add_test(tc, test_fdinfo_real_texts);
        tcase_add_test(tc, test_fdinfo_malformed);
        tcase_add_test(tc, test_flags_writable);
        suite_add_tcase(s, tc);

        tc = tcase_create("proc");
        tcase_add_test(tc, test_parse_pid);
        tcase_add_test(tc, test_dir_hash);
        suite_add_tcase(s, tc);

        tc = tcase_create("mru");
        tcase_add_test(tc, test_mru_order);
        tcase_add_test(tc, test_mru_evicts_oldest);
        suite_add_tcase(s, tc);

        tc = tcase_create("pick");
        tcase_add_test(tc, test_pick_same_dir);
        tcase_add_test(tc, test_pick_tree_fallback);
        tcase_add_test(tc, test_pick_window);
        tcase_add_test(tc, test_log_full_replaces_oldest);
        suite_add_tcase(s, tc);

        tc = tcase_create("budget");
        tcase_add_test(tc, test_budget_count);
        tcase_add_test(tc, test_budget_time);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(attr_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
