/* Unit tests for lib/cfgedit.c: the allowlist rewritten in the configuration's text, everything
 * else kept byte for byte. */
#include "cfgedit.h"

#include <check.h>
#include <errno.h>

#include "testutil.h"

static char *edit(const char *text, char *const *v) {
        char *out = NULL, err[256];
        int r = cfgedit_set_array(text, "allow", v, &out, err, sizeof(err));
        ck_assert_msg(r == 0, "failed: %s", err);
        return out;
}

START_TEST(test_one_line) {
        char *v[] = { "/usr/bin/restic", NULL };
        char *out = edit("{\n  \"action\": \"kill\",\n  \"allow\": [],\n  \"detect\": { \"threshold\": 100 }\n}\n", v);
        ck_assert_str_eq(out, "{\n  \"action\": \"kill\",\n  \"allow\": [\"/usr/bin/restic\"],\n  \"detect\": { \"threshold\": 100 }\n}\n");
        free(out);
        char *w[] = { "/usr/bin/restic", "/opt/a b/agent", NULL };
        out = edit("{\"allow\":[\"/usr/bin/restic\"],\"x\":1}", w);
        ck_assert_str_eq(out, "{\"allow\":[\"/usr/bin/restic\", \"/opt/a b/agent\"],\"x\":1}");
        free(out);
        /* Emptied. */
        out = edit("{\"allow\":[\"/usr/bin/restic\"],\"x\":1}", NULL);
        ck_assert_str_eq(out, "{\"allow\":[],\"x\":1}");
        free(out);
}
END_TEST

START_TEST(test_multiline) {
        char *v[] = { "/usr/bin/restic", "/usr/bin/borg", NULL };
        char *out = edit("{\n    \"allow\": [\n        \"/usr/bin/restic\"\n    ],\n    \"action\": \"log\"\n}", v);
        ck_assert_str_eq(out, "{\n    \"allow\": [\n      \"/usr/bin/restic\",\n      \"/usr/bin/borg\"\n    ],\n    \"action\": \"log\"\n}");
        free(out);
}
END_TEST

START_TEST(test_absent_and_tricky) {
        char *v[] = { "/usr/bin/\"odd\"\\name", NULL };
        char *out = edit("{\n  \"action\": \"kill\"\n}\n", v);
        ck_assert_str_eq(out, "{\n  \"allow\": [\"/usr/bin/\\\"odd\\\"\\\\name\"],\n  \"action\": \"kill\"\n}\n");
        free(out);
        out = edit("{}", v);
        ck_assert_str_eq(out, "{ \"allow\": [\"/usr/bin/\\\"odd\\\"\\\\name\"] }");
        free(out);
        /* "allow" inside another object or a string is not the top-level key. */
        char *w[] = { "/x", NULL };
        out = edit("{\"s\":\"\\\"allow\\\": [1]}\",\"o\":{\"allow\":[\"/y\"]},\"allow\":[]}", w);
        ck_assert_str_eq(out, "{\"s\":\"\\\"allow\\\": [1]}\",\"o\":{\"allow\":[\"/y\"]},\"allow\":[\"/x\"]}");
        free(out);
}
END_TEST

START_TEST(test_refused) {
        char *out = NULL, err[256];
        char *v[] = { "/x", NULL };
        ck_assert_int_eq(cfgedit_set_array("[1]", "allow", v, &out, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(cfgedit_set_array("{\"allow\": \"/x\"}", "allow", v, &out, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "not an array"));
        ck_assert_int_eq(cfgedit_set_array("{\"allow\": [], \"allow\": []}", "allow", v, &out, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(cfgedit_set_array("{\"allow\": [", "allow", v, &out, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_null(out);
}
END_TEST

int main(void) {
        Suite *s = suite_create("cfgedit");
        TCase *tc = tcase_create("cfgedit");
        tcase_add_test(tc, test_one_line);
        tcase_add_test(tc, test_multiline);
        tcase_add_test(tc, test_absent_and_tricky);
        tcase_add_test(tc, test_refused);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
