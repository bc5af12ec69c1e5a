/* Unit tests for lib/ctlproto.c and lib/history.c: the control socket's requests, malformed and
 * oversized ones included, and the incident records kept for it. */
#include "ctlproto.h"

#include <check.h>
#include <errno.h>

#include "history.h"
#include "testutil.h"

static int parse(const char *s, struct ctl_request *q, char *err) {
        return ctlproto_parse(s, strlen(s), q, err, 256);
}

START_TEST(test_valid) {
        struct ctl_request q;
        char err[256];
        ck_assert_int_eq(parse("{\"cmd\":\"status\"}\n", &q, err), 0);
        ck_assert_int_eq(q.cmd, CTL_STATUS);
        ck_assert_int_eq(parse("{\"cmd\":\"incidents\",\"since_us\":1700000000000000}", &q, err), 0);
        ck_assert_int_eq(q.cmd, CTL_INCIDENTS);
        ck_assert(q.since_us == 1700000000000000LL);
        ck_assert_int_eq(parse("{\"cmd\":\"resume\",\"id\":\"0a1b2c3d\",\"force\":true}", &q, err), 0);
        ck_assert_int_eq(q.cmd, CTL_RESUME);
        ck_assert_str_eq(q.id, "0a1b2c3d");
        ck_assert(q.force);
        ck_assert_int_eq(parse("{\"id\":\"0a1b2c3d\",\"cmd\":\"kill\"}", &q, err), 0); /* any order */
        ck_assert_int_eq(q.cmd, CTL_KILL);
        ck_assert(!q.force);
        ck_assert_int_eq(parse("{\"cmd\":\"allow\",\"exe\":\"/usr/bin/restic\"}", &q, err), 0);
        ck_assert_str_eq(q.arg, "/usr/bin/restic");
        ck_assert_int_eq(parse("{\"cmd\":\"unblock\",\"who\":\"alice\"}", &q, err), 0);
        ck_assert_str_eq(q.arg, "alice");
        ck_assert_int_eq(parse(" { \"cmd\" : \"reload\" } ", &q, err), 0);
        ck_assert_int_eq(q.cmd, CTL_RELOAD);
        /* Read-only commands are the ones a configured group may run. */
        ck_assert(ctlproto_read_only(CTL_STATUS) && ctlproto_read_only(CTL_INCIDENT));
        ck_assert(!ctlproto_read_only(CTL_RESUME) && !ctlproto_read_only(CTL_ALLOW) && !ctlproto_read_only(CTL_RELOAD));
}
END_TEST

START_TEST(test_malformed) {
        struct ctl_request q;
        char err[256];
        static const char *const bad[] = {
                "", "\n", "status", "[]", "\"status\"", "{}", "{\"cmd\":1}", "{\"cmd\":null}",
                "{\"cmd\":\"frobnicate\"}", "{\"cmd\":\"status\"", "{\"cmd\":\"status\"}{\"cmd\":\"status\"}",
                "{\"cmd\":\"status\",\"id\":\"0a1b2c3d\"}",            /* a key it does not take */
                "{\"cmd\":\"incident\"}",                             /* a key it needs */
                "{\"cmd\":\"incident\",\"id\":\"0A1B2C3D\"}",          /* upper case */
                "{\"cmd\":\"incident\",\"id\":\"0a1b2c3\"}",           /* too short */
                "{\"cmd\":\"incident\",\"id\":\"0a1b2c3d0\"}",         /* too long */
                "{\"cmd\":\"incident\",\"id\":\"../../x\"}",
                "{\"cmd\":\"incident\",\"id\":12345678}",
                "{\"cmd\":\"incidents\",\"since_us\":-1}",
                "{\"cmd\":\"incidents\",\"since_us\":1.5}",
                "{\"cmd\":\"incidents\",\"since_us\":\"yesterday\"}",
                "{\"cmd\":\"incidents\",\"since_us\":1e300}",
                "{\"cmd\":\"resume\",\"id\":\"0a1b2c3d\",\"force\":1}",
                "{\"cmd\":\"allow\",\"exe\":\"bin/restic\"}",
                "{\"cmd\":\"allow\",\"exe\":\"\"}",
                "{\"cmd\":\"allow\",\"exe\":\"/usr/bin/a\\u0001b\"}",
                "{\"cmd\":\"allow\",\"exe\":\"/a\",\"exe\":\"/b\"}",
                "{\"cmd\":\"unblock\"}",
                "{\"cmd\":\"status\"}\n{\"cmd\":\"status\"}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                err[0] = '\0';
                int r = parse(bad[i], &q, err);
                ck_assert_msg(r == -EINVAL, "accepted: %s", bad[i]);
                ck_assert_msg(strncmp(err, "request: ", 9) == 0, "no message for %s: %s", bad[i], err);
        }
        /* NUL inside. */
        ck_assert_int_eq(ctlproto_parse("{\"cmd\":\"status\"}\0x", 18, &q, err, sizeof(err)), -EINVAL);
        /* The unknown command is echoed without control bytes. */
        ck_assert_int_eq(parse("{\"cmd\":\"a\\u001bb\"}", &q, err), -EINVAL);
        ck_assert_ptr_null(strchr(err, 0x1b));
}
END_TEST

START_TEST(test_oversized) {
        struct ctl_request q;
        char err[256];
        char *big = malloc(CTL_REQUEST_MAX * 2);
        snprintf(big, CTL_REQUEST_MAX * 2, "{\"cmd\":\"allow\",\"exe\":\"/");
        size_t n = strlen(big);
        memset(big + n, 'a', CTL_REQUEST_MAX * 2 - n - 4);
        memcpy(big + CTL_REQUEST_MAX * 2 - 4, "\"}\n", 4);
        ck_assert_int_eq(ctlproto_parse(big, strlen(big), &q, err, sizeof(err)), -E2BIG);
        /* Within the request bound but past the path bound. */
        memcpy(big + CTL_ARG_MAX + 100, "\"}\n", 4);
        ck_assert_int_eq(ctlproto_parse(big, strlen(big), &q, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "\"exe\""));
        free(big);
}
END_TEST

static struct history_entry entry(const char *id, int pid) {
        struct history_entry e = { .t_us = 1700000000000000ULL + (uint64_t)pid };
        snprintf(e.d.id, sizeof(e.d.id), "%s", id);
        e.d.pid = pid;
        e.d.root_pid = pid;
        snprintf(e.d.comm, sizeof(e.d.comm), "enc\"rypt");
        snprintf(e.d.sample_paths, sizeof(e.d.sample_paths), "/srv/a | /srv/b");
        e.d.ms_first_damage_to_action = -1;
        return e;
}

START_TEST(test_history_ring) {
        struct history *h;
        ck_assert_int_eq(history_new(&h), 0);
        char id[HISTORY_ID_LEN + 1], dropped[HISTORY_ID_LEN + 1];
        struct history_member m = { .pid = 5, .start = 77, .comm = "x" };
        for (int i = 0; i < HISTORY_MAX + 3; i++) {
                history_make_id((uint32_t)i, id);
                struct history_entry e = entry(id, i + 1);
                e.members = &m;
                e.n_members = 1;
                ck_assert_int_eq(history_add(h, &e, dropped), 0);
                if (i < HISTORY_MAX)
                        ck_assert_str_eq(dropped, "");
        }
        ck_assert_str_eq(dropped, "00000002"); /* the oldest went first */
        ck_assert_uint_eq(history_count(h), HISTORY_MAX);
        ck_assert_ptr_null(history_find(h, "00000000"));
        ck_assert_str_eq(history_at(h, 0)->d.id, "00000003");
        struct history_entry *e = history_find(h, "00000102");
        ck_assert_ptr_nonnull(e);
        ck_assert_int_eq(e->members[0].start, 77);
        ck_assert_ptr_ne(e->members, &m); /* a copy */
        /* The same id again replaces. */
        struct history_entry again = entry("00000102", 9);
        ck_assert_int_eq(history_add(h, &again, dropped), 0);
        ck_assert_uint_eq(history_count(h), HISTORY_MAX);
        ck_assert_int_eq(history_find(h, "00000102")->d.pid, 9);
        ck_assert(history_id_valid("deadbeef") && !history_id_valid("DEADBEEF") && !history_id_valid("deadbee"));
        history_free(h);
}
END_TEST

START_TEST(test_history_json) {
        struct history_entry e = entry("cafe0001", 42);
        struct history_member m[2] = { { .pid = 42, .start = 1234567, .comm = "enc", .state = HISTORY_STOPPED },
                                       { .pid = 43, .start = 1234568, .comm = "enc2", .state = HISTORY_KILLED } };
        e.members = m;
        e.n_members = 2;
        e.more_members = 7;
        snprintf(e.by, sizeof(e.by), "resumed");
        cJSON *j = history_to_json(&e, true);
        ck_assert_ptr_nonnull(j);
        char *s = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        cJSON *back = cJSON_Parse(s);
        struct history_entry r;
        char err[256];
        ck_assert_int_eq(history_from_json(back, &r, err, sizeof(err)), 0);
        ck_assert_str_eq(r.d.id, "cafe0001");
        ck_assert_str_eq(r.d.comm, "enc\"rypt");
        ck_assert_str_eq(r.d.sample_paths, "/srv/a | /srv/b");
        ck_assert_int_eq(r.d.ms_first_damage_to_action, -1);
        ck_assert_uint_eq(r.n_members, 2);
        ck_assert_uint_eq(r.members[1].start, 1234568);
        ck_assert_uint_eq(r.members[1].state, HISTORY_KILLED);
        ck_assert_uint_eq(r.more_members, 7);
        ck_assert_uint_eq(r.t_us, e.t_us);
        history_entry_clear(&r);
        cJSON_Delete(back);
        free(s);

        /* Damaged records are refused, each with the key named. */
        static const char *const bad[] = {
                "[]", "{\"id\":\"xyz\"}", "{\"id\":\"cafe0001\"}",
                "{\"id\":\"cafe0001\",\"time_us\":-5}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                cJSON *b = cJSON_Parse(bad[i]);
                ck_assert_int_eq(history_from_json(b, &r, err, sizeof(err)), -EINVAL);
                ck_assert_ptr_nonnull(strstr(err, "incident record"));
                cJSON_Delete(b);
        }
        /* A member with a pid of 0 (never signalled) or an unknown state. */
        j = history_to_json(&e, true);
        cJSON *mem = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "members"), 0);
        cJSON_ReplaceItemInObject(mem, "pid", cJSON_CreateNumber(0));
        ck_assert_int_eq(history_from_json(j, &r, err, sizeof(err)), -EINVAL);
        cJSON_ReplaceItemInObject(mem, "pid", cJSON_CreateNumber(42));
        cJSON_ReplaceItemInObject(mem, "state", cJSON_CreateString("zombie"));
        ck_assert_int_eq(history_from_json(j, &r, err, sizeof(err)), -EINVAL);
        cJSON_Delete(j);
}
END_TEST

int main(void) {
        Suite *s = suite_create("ctlproto");
        TCase *tc = tcase_create("ctlproto");
        tcase_add_test(tc, test_valid);
        tcase_add_test(tc, test_malformed);
        tcase_add_test(tc, test_oversized);
        tcase_add_test(tc, test_history_ring);
        tcase_add_test(tc, test_history_json);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
