/* Helpers shared by the unit tests: a fixed-seed PRNG and temporary directories. */
#pragma once
#include <check.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* splitmix64: a fixed-seed PRNG, so every run sees the same bytes. */
static inline uint64_t prng_next(uint64_t *state) {
        uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

static inline char *tmpdir_new(void) {
        char tmpl[] = "/tmp/rg-test-XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(tmpl));
        return strdup(tmpl);
}

static inline void tmpdir_free(char *d) {
        nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(d);
}

/* main() of a test program: run the suite in Check's fork mode, exit status = any failure. */
static inline int run_suite(Suite *s) {
        SRunner *sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
