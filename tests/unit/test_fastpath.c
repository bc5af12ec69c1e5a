/* Unit tests for lib/fastpath.c: only what cannot destroy anything and needs no before state is
 * answered before the pipeline sees it. */
#include "fastpath.h"

#include <check.h>
#include <sys/stat.h>

#include "testutil.h"

START_TEST(test_not_a_file) {
        ck_assert_int_eq(fastpath_open(S_IFDIR | 0755, 4096, 5000, true), FASTPATH_NOT_FILE);
        ck_assert_int_eq(fastpath_open(S_IFIFO | 0600, 0, -1, false), FASTPATH_NOT_FILE);
        ck_assert_int_eq(fastpath_open(S_IFCHR | 0600, 0, 10, false), FASTPATH_NOT_FILE);
        ck_assert_int_eq(fastpath_open(S_IFLNK | 0777, 0, 10, false), FASTPATH_NOT_FILE);
}
END_TEST

START_TEST(test_new_file) {
        /* Made by this very open (or a moment ago), never written: nothing to lose. */
        ck_assert_int_eq(fastpath_open(S_IFREG | 0644, 0, 0, false), FASTPATH_NEW);
        ck_assert_int_eq(fastpath_open(S_IFREG | 0644, 0, FASTPATH_NEW_MS, false), FASTPATH_NEW);
        /* Born a while ago: the pipeline knows whether it was emptied. */
        ck_assert_int_eq(fastpath_open(S_IFREG | 0644, 0, FASTPATH_NEW_MS + 1, false), FASTPATH_NO);
        /* Emptied (truncate(2), O_TRUNC) after it was born, even a moment ago: it had content. */
        ck_assert_int_eq(fastpath_open(S_IFREG | 0644, 0, 3, true), FASTPATH_NO);
        /* No birth time (some filesystems): never taken for new. */
        ck_assert_int_eq(fastpath_open(S_IFREG | 0644, 0, -1, false), FASTPATH_NO);
}
END_TEST

START_TEST(test_content) {
        /* A file with content needs its before state read first, whoever opens it. */
        ck_assert_int_eq(fastpath_open(S_IFREG | 0644, 1, 0, false), FASTPATH_NO);
        ck_assert_int_eq(fastpath_open(S_IFREG | 0644, 1 << 20, 100000, true), FASTPATH_NO);
}
END_TEST

START_TEST(test_read_of_known) {
        struct fastpath_known held = { .dev = 8, .ino = 12, .size = 4096, .mtime_ns = 1000, .btime_ns = 500 };
        struct fastpath_known now = held;
        ck_assert_int_eq(fastpath_read(&held, &now, true), FASTPATH_READ);
        /* The opener may write: the loop answers. */
        ck_assert_int_eq(fastpath_read(&held, &now, false), FASTPATH_NO);
        /* Changed since it was held (size, mtime), another file in the slot (ino, dev), a new
         * file under a reused inode number (birth time), or nothing held. */
        now.size = 4097;
        ck_assert_int_eq(fastpath_read(&held, &now, true), FASTPATH_NO);
        now = held, now.mtime_ns = 1001;
        ck_assert_int_eq(fastpath_read(&held, &now, true), FASTPATH_NO);
        now = held, now.ino = 13;
        ck_assert_int_eq(fastpath_read(&held, &now, true), FASTPATH_NO);
        now = held, now.dev = 9;
        ck_assert_int_eq(fastpath_read(&held, &now, true), FASTPATH_NO);
        now = held, now.btime_ns = 501;
        ck_assert_int_eq(fastpath_read(&held, &now, true), FASTPATH_NO);
        ck_assert_int_eq(fastpath_read(NULL, &held, true), FASTPATH_NO);
}
END_TEST

int main(void) {
        Suite *s = suite_create("fastpath");
        TCase *tc = tcase_create("fastpath");
        tcase_add_test(tc, test_not_a_file);
        tcase_add_test(tc, test_new_file);
        tcase_add_test(tc, test_content);
        tcase_add_test(tc, test_read_of_known);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
