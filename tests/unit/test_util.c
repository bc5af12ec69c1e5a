/* Unit tests for lib/util.c: FNV-1a against known vectors, string vectors, and escaping of any
 * byte into one printable line (truncation never splits an escape). */
#include "util.h"

#include <check.h>

#include "testutil.h"
#include <stdlib.h>
#include <string.h>

START_TEST(test_fnv) {
        /* Published FNV-1a 64 test vectors. */
        ck_assert_uint_eq(util_fnv1a(UTIL_FNV_OFFSET, "", 0), UINT64_C(0xcbf29ce484222325));
        ck_assert_uint_eq(util_fnv1a(UTIL_FNV_OFFSET, "a", 1), UINT64_C(0xaf63dc4c8601ec8c));
        ck_assert_uint_eq(util_fnv1a(UTIL_FNV_OFFSET, "foobar", 6), UINT64_C(0x85944171f73967e8));
        ck_assert_uint_eq(util_fnv1a_str("foobar", 100), UINT64_C(0x85944171f73967e8));
        ck_assert_uint_eq(util_fnv1a_str("foobar/x", 6), UINT64_C(0x85944171f73967e8));
        /* Chained over two pieces = over the whole. */
        ck_assert_uint_eq(util_fnv1a(util_fnv1a(UTIL_FNV_OFFSET, "foo", 3), "bar", 3), UINT64_C(0x85944171f73967e8));
        ck_assert(util_now_usec() > 0);
}
END_TEST

START_TEST(test_siphash) {
        /* The reference vectors of the SipHash paper: key 00..0f, messages 00..(n-1). */
        uint8_t key[16], msg[64];
        for (int i = 0; i < 16; i++)
                key[i] = (uint8_t)i;
        for (int i = 0; i < 64; i++)
                msg[i] = (uint8_t)i;
        ck_assert_uint_eq(util_siphash(key, msg, 0), UINT64_C(0x726fdb47dd0e0e31));
        ck_assert_uint_eq(util_siphash(key, msg, 1), UINT64_C(0x74f839c593dc67fd));
        ck_assert_uint_eq(util_siphash(key, msg, 7), UINT64_C(0xab0200f58b01d137));
        ck_assert_uint_eq(util_siphash(key, msg, 8), UINT64_C(0x93f5f5799a932462));
        ck_assert_uint_eq(util_siphash(key, msg, 15), UINT64_C(0xa129ca6149be45e5));
        ck_assert_uint_eq(util_siphash(key, msg, 63), UINT64_C(0x958a324ceb064572));
        /* Another key, another hash. */
        key[0] ^= 1;
        ck_assert_uint_ne(util_siphash(key, msg, 15), UINT64_C(0xa129ca6149be45e5));
}
END_TEST

START_TEST(test_strv) {
        char **v = NULL;
        ck_assert_uint_eq(strv_length(v), 0);
        ck_assert(!strv_contains(v, "a"));
        ck_assert_int_eq(strv_push(&v, "a"), 0);
        ck_assert_int_eq(strv_push(&v, ""), 0);
        ck_assert_int_eq(strv_push(&v, "c"), 0);
        ck_assert_uint_eq(strv_length(v), 3);
        ck_assert(strv_contains(v, "") && strv_contains(v, "c") && !strv_contains(v, "b"));
        char **c = strv_copy(v);
        ck_assert_ptr_nonnull(c);
        ck_assert_ptr_ne(c[0], v[0]);
        ck_assert_str_eq(c[2], "c");
        ck_assert_ptr_null(c[3]);
        strv_free(v);
        strv_free(c);
        char **e = strv_copy(NULL);
        ck_assert_ptr_nonnull(e);
        ck_assert_ptr_null(e[0]);
        strv_free(e);
        strv_free(NULL);
}
END_TEST

START_TEST(test_escape) {
        char b[64];
        ck_assert_str_eq(util_escape(b, sizeof(b), "plain/ä.txt"), "plain/ä.txt");
        ck_assert_str_eq(util_escape(b, sizeof(b), "a\nb\tc\x7f"), "a\\x0ab\\x09c\\x7f");
        ck_assert_str_eq(util_escape(b, sizeof(b), "back\\slash"), "back\\x5cslash");
        ck_assert_str_eq(util_escape(b, sizeof(b), ""), "");
        ck_assert_str_eq(util_escape(b, sizeof(b), NULL), "");
        /* Truncation: never half an escape, always terminated. */
        char s[6];
        ck_assert_str_eq(util_escape(s, sizeof(s), "abcdefgh"), "abcde");
        ck_assert_str_eq(util_escape(s, sizeof(s), "ab\ncd"), "ab");
        ck_assert_str_eq(util_escape(s, sizeof(s), "a\n"), "a\\x0a");
        /* Appending. */
        size_t o = 0;
        util_escape_append(b, sizeof(b), &o, "x");
        util_escape_append(b, sizeof(b), &o, " | ");
        util_escape_append(b, sizeof(b), &o, "y\r");
        ck_assert_str_eq(b, "x | y\\x0d");
        ck_assert_uint_eq(o, strlen(b));
        /* A full buffer stays full and terminated. */
        o = 0;
        for (int i = 0; i < 100; i++)
                util_escape_append(b, sizeof(b), &o, "zz");
        ck_assert_uint_eq(strlen(b), sizeof(b) - 1);
}
END_TEST

int main(void) {
        Suite *s = suite_create("util");
        TCase *tc = tcase_create("util");
        tcase_add_test(tc, test_fnv);
        tcase_add_test(tc, test_siphash);
        tcase_add_test(tc, test_strv);
        tcase_add_test(tc, test_escape);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
