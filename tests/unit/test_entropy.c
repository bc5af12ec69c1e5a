/* Unit tests for lib/entropy.c: known values, histogram accumulation, degenerate input and the
 * randomness verdict. */
#include "entropy.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define EPS 1e-9


static uint8_t *random_bytes(uint64_t seed, size_t len) {
        uint8_t *b = malloc(len);
        ck_assert_ptr_nonnull(b);
        for (size_t i = 0; i < len; i++)
                b[i] = (uint8_t)(prng_next(&seed) >> 56);
        return b;
}

static uint8_t *text_bytes(size_t len) {
        static const char lorem[] =
                "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
                "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
                "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.\n";
        uint8_t *b = malloc(len);
        ck_assert_ptr_nonnull(b);
        for (size_t i = 0; i < len; i++)
                b[i] = (uint8_t)lorem[i % (sizeof(lorem) - 1)];
        return b;
}

/* Thresholds used for the is_random tests: 7.9 bits, and chi2 at 255 degrees of freedom
 * more than six standard deviations (sqrt(2 * 255) ≈ 22.6) above its mean. */
#define MIN_BITS 7.9
#define CHI2_MAX 400.0

START_TEST(test_all_zero) {
        uint8_t b[512] = { 0 };
        struct entropy_stats s;

        entropy_compute(b, sizeof(b), &s);
        ck_assert_uint_eq(s.n, 512);
        ck_assert_double_eq_tol(s.shannon, 0.0, EPS);
        /* one bin holds all n, the other 255 are empty: (n - n/256)^2/(n/256) + 255 * n/256 */
        ck_assert_double_eq_tol(s.chi2, 255.0 * 512.0, 1e-6);
        ck_assert(!entropy_is_random(&s, 0, MIN_BITS, CHI2_MAX));
}
END_TEST

START_TEST(test_single_value_any_length) {
        /* Whatever the value and length, one value only is 0 bits and chi2 = 255 * n. */
        static const size_t lens[] = { 1, 2, 3, 255, 256, 1000, 4096, 65537 };
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
                uint8_t *b = malloc(lens[i]);
                ck_assert_ptr_nonnull(b);
                memset(b, 0xa5, lens[i]);
                struct entropy_stats s;
                entropy_compute(b, lens[i], &s);
                ck_assert_uint_eq(s.n, lens[i]);
                ck_assert_double_eq_tol(s.shannon, 0.0, EPS);
                ck_assert_double_eq_tol(s.chi2, 255.0 * (double)lens[i], 1e-6 * (double)lens[i]);
                free(b);
        }
}
END_TEST

START_TEST(test_all_256_once) {
        uint8_t b[256];
        struct entropy_stats s;

        for (size_t i = 0; i < 256; i++)
                b[i] = (uint8_t)(255 - i);
        entropy_compute(b, sizeof(b), &s);
        ck_assert_uint_eq(s.n, 256);
        ck_assert_double_eq_tol(s.shannon, 8.0, EPS);
        ck_assert_double_eq_tol(s.chi2, 0.0, EPS);
}
END_TEST

START_TEST(test_flat_many_rounds) {
        /* 256 values each 1000 times: still exactly 8 bits and chi2 0. */
        size_t len = 256 * 1000;
        uint8_t *b = malloc(len);
        ck_assert_ptr_nonnull(b);
        for (size_t i = 0; i < len; i++)
                b[i] = (uint8_t)(i * 7);
        struct entropy_stats s;
        entropy_compute(b, len, &s);
        ck_assert_double_eq_tol(s.shannon, 8.0, EPS);
        ck_assert_double_eq_tol(s.chi2, 0.0, EPS);
        free(b);
}
END_TEST

START_TEST(test_two_values_alternating) {
        uint8_t b[512];
        struct entropy_stats s;

        for (size_t i = 0; i < sizeof(b); i++)
                b[i] = i % 2 ? 'a' : 'b';
        entropy_compute(b, sizeof(b), &s);
        ck_assert_double_eq_tol(s.shannon, 1.0, EPS);
        /* two bins of 256 against 2 expected, 254 empty bins: 2 * 254^2 / 2 + 254 * 2 */
        ck_assert_double_eq_tol(s.chi2, 254.0 * 254.0 + 254.0 * 2.0, 1e-6);
}
END_TEST

START_TEST(test_four_and_sixteen_values) {
        uint8_t b[4096];
        struct entropy_stats s;

        for (size_t i = 0; i < sizeof(b); i++)
                b[i] = (uint8_t)(i % 4 * 60);
        entropy_compute(b, sizeof(b), &s);
        ck_assert_double_eq_tol(s.shannon, 2.0, EPS);

        for (size_t i = 0; i < sizeof(b); i++)
                b[i] = (uint8_t)(i % 16);
        entropy_compute(b, sizeof(b), &s);
        ck_assert_double_eq_tol(s.shannon, 4.0, EPS);
}
END_TEST

START_TEST(test_skewed_value) {
        /* p = 3/4, 1/4: H = -(0.75 log2 0.75 + 0.25 log2 0.25) */
        uint8_t b[400];
        struct entropy_stats s;

        for (size_t i = 0; i < sizeof(b); i++)
                b[i] = i % 4 == 0 ? 1 : 0;
        entropy_compute(b, sizeof(b), &s);
        ck_assert_double_eq_tol(s.shannon, -(0.75 * log2(0.75) + 0.25 * log2(0.25)), EPS);
}
END_TEST

START_TEST(test_null_and_empty) {
        struct entropy_stats s = { .n = 99, .shannon = 99, .chi2 = 99 };

        entropy_compute(NULL, 0, &s);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_double_eq(s.shannon, 0.0);
        ck_assert_double_eq(s.chi2, 0.0);
        /* Nothing counted is never random, whatever the thresholds. */
        ck_assert(!entropy_is_random(&s, 0, 0.0, 1e300));
        ck_assert(!entropy_is_random(&s, 0, -1.0, INFINITY));
        ck_assert(!entropy_is_random(NULL, 0, 0.0, 1e300));

        uint8_t one = 7;
        entropy_compute(&one, 0, &s);
        ck_assert_uint_eq(s.n, 0);

        struct entropy_hist h;
        entropy_hist_init(&h);
        entropy_hist_add(&h, NULL, 0);
        entropy_hist_add(&h, &one, 0);
        entropy_hist_add(&h, NULL, 5); /* defensive: ignored */
        ck_assert_uint_eq(h.n, 0);
        for (size_t i = 0; i < 256; i++)
                ck_assert_uint_eq(h.count[i], 0);
        entropy_hist_stats(&h, &s);
        ck_assert_uint_eq(s.n, 0);
        ck_assert_double_eq(s.shannon, 0.0);
        ck_assert_double_eq(s.chi2, 0.0);

        entropy_compute(&one, 1, &s);
        ck_assert_uint_eq(s.n, 1);
        ck_assert_double_eq_tol(s.shannon, 0.0, EPS);
        ck_assert_double_eq_tol(s.chi2, 255.0, EPS);
}
END_TEST

START_TEST(test_hist_init_clears) {
        struct entropy_hist h;

        memset(&h, 0xff, sizeof(h));
        entropy_hist_init(&h);
        ck_assert_uint_eq(h.n, 0);
        for (size_t i = 0; i < 256; i++)
                ck_assert_uint_eq(h.count[i], 0);
}
END_TEST

START_TEST(test_hist_accumulates_like_one_shot) {
        const size_t len = 10007;
        uint8_t *b = random_bytes(42, len);
        uint8_t *t = text_bytes(len);
        /* Mix random and text halves so the histogram is not flat. */
        memcpy(b, t, len / 2);

        struct entropy_stats whole, parts;
        entropy_compute(b, len, &whole);

        static const size_t cuts[] = { 0, 1, 2, 255, 256, 4096, 5003, 10006, 10007 };
        for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
                struct entropy_hist h;
                entropy_hist_init(&h);
                entropy_hist_add(&h, b, cuts[c]);
                entropy_hist_add(&h, NULL, 0);
                entropy_hist_add(&h, b + cuts[c], len - cuts[c]);
                entropy_hist_stats(&h, &parts);
                ck_assert_uint_eq(parts.n, whole.n);
                /* Same counts, same arithmetic: bit-identical results. */
                ck_assert(parts.shannon == whole.shannon);
                ck_assert(parts.chi2 == whole.chi2);
        }

        /* Byte by byte, too. */
        struct entropy_hist h;
        entropy_hist_init(&h);
        for (size_t i = 0; i < len; i++)
                entropy_hist_add(&h, b + i, 1);
        entropy_hist_stats(&h, &parts);
        ck_assert_uint_eq(parts.n, len);
        ck_assert(parts.shannon == whole.shannon);
        ck_assert(parts.chi2 == whole.chi2);

        /* And the counts themselves match a naive count. */
        uint64_t naive[256] = { 0 };
        for (size_t i = 0; i < len; i++)
                naive[b[i]]++;
        for (size_t i = 0; i < 256; i++)
                ck_assert_uint_eq(h.count[i], naive[i]);

        free(b);
        free(t);
}
END_TEST

START_TEST(test_hist_long_buffer) {
        /* Longer than the internal flush chunk (16 MiB), so counts cross a flush. */
        const size_t len = ((size_t)1 << 24) * 2 + 12345;
        uint8_t *b = malloc(len);
        ck_assert_ptr_nonnull(b);
        memset(b, 'x', len);
        b[len - 1] = 'y';

        struct entropy_hist h;
        entropy_hist_init(&h);
        entropy_hist_add(&h, b, len);
        entropy_hist_add(&h, b, 10);
        ck_assert_uint_eq(h.n, len + 10);
        ck_assert_uint_eq(h.count['x'], len - 1 + 10);
        ck_assert_uint_eq(h.count['y'], 1);
        free(b);
}
END_TEST

START_TEST(test_huge_counts) {
        /* Counts far beyond any real file must not overflow the statistics. */
        struct entropy_hist h;
        struct entropy_stats s;

        entropy_hist_init(&h);
        for (size_t i = 0; i < 256; i++)
                h.count[i] = UINT64_C(1) << 40;
        h.n = UINT64_C(1) << 48;
        entropy_hist_stats(&h, &s);
        ck_assert_double_eq_tol(s.shannon, 8.0, EPS);
        ck_assert_double_eq_tol(s.chi2, 0.0, EPS);

        entropy_hist_init(&h);
        h.count[0] = h.n = UINT64_C(1) << 62;
        entropy_hist_stats(&h, &s);
        ck_assert_double_eq_tol(s.shannon, 0.0, EPS);
        ck_assert_double_eq_tol(s.chi2 / (255.0 * (double)h.n), 1.0, 1e-9);
}
END_TEST

START_TEST(test_random_is_random) {
        static const size_t lens[] = { 4096, 65536, 1 << 20 };
        for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
                uint8_t *b = random_bytes(1234 + i, lens[i]);
                struct entropy_stats s;
                entropy_compute(b, lens[i], &s);
                ck_assert_double_ge(s.shannon, MIN_BITS);
                ck_assert_double_le(s.shannon, 8.0);
                ck_assert_double_le(s.chi2, CHI2_MAX);
                ck_assert(entropy_is_random(&s, 4096, MIN_BITS, CHI2_MAX));
                free(b);
        }
}
END_TEST

START_TEST(test_text_is_not_random) {
        uint8_t *b = text_bytes(65536);
        struct entropy_stats s;

        entropy_compute(b, 65536, &s);
        ck_assert_double_gt(s.shannon, 3.0);
        ck_assert_double_lt(s.shannon, 5.0);
        ck_assert_double_gt(s.chi2, CHI2_MAX);
        ck_assert(!entropy_is_random(&s, 4096, MIN_BITS, CHI2_MAX));
        free(b);
}
END_TEST

START_TEST(test_short_is_not_random) {
        uint8_t *b = random_bytes(99, 4095);
        struct entropy_stats s;

        entropy_compute(b, 4095, &s);
        ck_assert(!entropy_is_random(&s, 4096, MIN_BITS, CHI2_MAX));
        /* A short random buffer cannot reach 8 bits anyway: 64 bytes give at most 6. */
        entropy_compute(b, 64, &s);
        ck_assert_double_le(s.shannon, 6.0 + EPS);
        ck_assert(!entropy_is_random(&s, 0, MIN_BITS, CHI2_MAX));
        free(b);
}
END_TEST

START_TEST(test_is_random_thresholds) {
        struct entropy_stats s = { .n = 4096, .shannon = 7.95, .chi2 = 250.0 };

        ck_assert(entropy_is_random(&s, 4096, 7.95, 250.0)); /* bounds inclusive */
        ck_assert(!entropy_is_random(&s, 4097, 7.95, 250.0));
        ck_assert(!entropy_is_random(&s, 4096, 7.951, 250.0));
        ck_assert(!entropy_is_random(&s, 4096, 7.95, 249.9));
        ck_assert(!entropy_is_random(&s, 4096, NAN, 250.0));
        ck_assert(!entropy_is_random(&s, 4096, 7.95, NAN));
        /* A flat but tiny histogram passes chi2 and bits only when the length allows it. */
        struct entropy_stats flat = { .n = 256, .shannon = 8.0, .chi2 = 0.0 };
        ck_assert(entropy_is_random(&flat, 256, MIN_BITS, CHI2_MAX));
        ck_assert(!entropy_is_random(&flat, 4096, MIN_BITS, CHI2_MAX));
}
END_TEST

static Suite *entropy_suite(void) {
        Suite *s = suite_create("entropy");
        TCase *tc;

        tc = tcase_create("known");
        tcase_add_test(tc, test_all_zero);
        tcase_add_test(tc, test_single_value_any_length);
        tcase_add_test(tc, test_all_256_once);
        tcase_add_test(tc, test_flat_many_rounds);
        tcase_add_test(tc, test_two_values_alternating);
        tcase_add_test(tc, test_four_and_sixteen_values);
        tcase_add_test(tc, test_skewed_value);
        suite_add_tcase(s, tc);

        tc = tcase_create("hist");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_null_and_empty);
        tcase_add_test(tc, test_hist_init_clears);
        tcase_add_test(tc, test_hist_accumulates_like_one_shot);
        tcase_add_test(tc, test_hist_long_buffer);
        tcase_add_test(tc, test_huge_counts);
        suite_add_tcase(s, tc);

        tc = tcase_create("is_random");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_random_is_random);
        tcase_add_test(tc, test_text_is_not_random);
        tcase_add_test(tc, test_short_is_not_random);
        tcase_add_test(tc, test_is_random_thresholds);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(entropy_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
