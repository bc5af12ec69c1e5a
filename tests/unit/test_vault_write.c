/* Unit tests for daemon/vault-write.c: the vault's writer thread writes what it was given, data
 * before record, drops what was cancelled, says what failed, and writes everything at its end. */
#include "vault-write.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char *dup_text(const char *s) {
        char *t = strdup(s);
        ck_assert_ptr_nonnull(t);
        return t;
}

static void *dup_data(size_t len, char c) {
        char *d = malloc(len);
        ck_assert_ptr_nonnull(d);
        memset(d, c, len);
        return d;
}

/* The size of dir/name, or -1 when it is not there. */
static long size_of(int dfd, const char *name) {
        struct stat st;
        return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? (long)st.st_size : -1;
}

START_TEST(test_writes_and_drains) {
        char *d = tmpdir_new();
        int dfd = open(d, O_RDONLY | O_DIRECTORY);
        ck_assert_int_ge(dfd, 0);
        struct vaultw *w;
        ck_assert_int_eq(vaultw_new(dfd, &w), 0);
        ck_assert(vaultw_room(w, 1 << 20));
        ck_assert(!vaultw_room(w, VAULTW_MAX_PENDING + 1));
        for (uint32_t id = 1; id <= 20; id++)
                ck_assert_int_eq(vaultw_push(w, id, dup_data(100000, 'a'), 100000, dup_text("{\"id\":1}")), 0);
        ck_assert_int_eq(vaultw_push(w, 21, NULL, 0, dup_text("{\"note\":1}")), 0); /* a record only */
        w = vaultw_free(w); /* everything queued is written first */
        ck_assert_int_eq(size_of(dfd, "00000001"), 100000);
        ck_assert_int_eq(size_of(dfd, "00000014"), 100000);
        ck_assert_int_eq(size_of(dfd, "00000014.json"), 8);
        ck_assert_int_eq(size_of(dfd, "00000015"), -1);
        ck_assert_int_eq(size_of(dfd, "00000015.json"), 10);
        ck_assert_int_eq(size_of(dfd, ".00000014.tmp"), -1);
        close(dfd);
        tmpdir_free(d);
}
END_TEST

START_TEST(test_cancel_and_wait) {
        char *d = tmpdir_new();
        int dfd = open(d, O_RDONLY | O_DIRECTORY);
        struct vaultw *w;
        ck_assert_int_eq(vaultw_new(dfd, &w), 0);
        /* Queued behind others, or being written, or written: gone all the same, and a record
         * queued twice for it is not written either. */
        for (uint32_t id = 1; id <= 8; id++)
                ck_assert_int_eq(vaultw_push(w, id, dup_data(1 << 20, 'b'), 1 << 20, dup_text("{}")), 0);
        ck_assert_int_eq(vaultw_push(w, 9, NULL, 0, dup_text("{}")), 0);
        ck_assert_int_eq(vaultw_push(w, 9, NULL, 0, dup_text("{}")), 0);
        vaultw_cancel(w, 8);
        vaultw_cancel(w, 9);
        ck_assert(vaultw_wait(w, 10000));
        ck_assert_uint_eq(vaultw_pending(w), 0);
        ck_assert_int_eq(size_of(dfd, "00000007"), 1 << 20);
        ck_assert_int_eq(size_of(dfd, "00000008"), -1);
        ck_assert_int_eq(size_of(dfd, "00000008.json"), -1);
        ck_assert_int_eq(size_of(dfd, "00000009.json"), -1);
        uint32_t ids[4];
        int errs[4];
        bool lost = true;
        uint64_t written = 0;
        ck_assert_uint_eq(vaultw_failed(w, ids, errs, 4, &lost, &written), 0);
        ck_assert(!lost);
        ck_assert_uint_ge(written, 7);
        vaultw_free(w);
        close(dfd);
        tmpdir_free(d);
}
END_TEST

/* Its directory gone: each failure said once with its errno, nothing half-written left. */
START_TEST(test_failures_reported) {
        char *d = tmpdir_new();
        char sub[512];
        snprintf(sub, sizeof(sub), "%s/v", d);
        ck_assert_int_eq(mkdir(sub, 0700), 0);
        int dfd = open(sub, O_RDONLY | O_DIRECTORY);
        ck_assert_int_eq(rmdir(sub), 0);
        struct vaultw *w;
        ck_assert_int_eq(vaultw_new(dfd, &w), 0);
        ck_assert_int_eq(vaultw_push(w, 5, dup_data(10, 'c'), 10, dup_text("{}")), 0);
        ck_assert_int_eq(vaultw_push(w, 6, NULL, 0, dup_text("{}")), 0);
        ck_assert(vaultw_wait(w, 10000));
        uint32_t ids[4];
        int errs[4];
        ck_assert_uint_eq(vaultw_failed(w, ids, errs, 4, NULL, NULL), 2);
        ck_assert_uint_eq(ids[0], 5);
        ck_assert_uint_eq(ids[1], 6);
        ck_assert_int_eq(errs[0], -ENOENT);
        ck_assert_uint_eq(vaultw_failed(w, ids, errs, 4, NULL, NULL), 0); /* said once */
        vaultw_free(w);
        close(dfd);
        tmpdir_free(d);
}
END_TEST

int main(void) {
        Suite *s = suite_create("vault_write");
        TCase *tc = tcase_create("vault_write");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_writes_and_drains);
        tcase_add_test(tc, test_cancel_and_wait);
        tcase_add_test(tc, test_failures_reported);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
