/* Unit tests for lib/decide.c: tables of cases for whether processes are signalled at all,
 * whether an action is due (threshold, re-arm after an action), whom to act on, and the brake. */
#include "decide.h"

#include <check.h>

#include "testutil.h"
#include <math.h>
#include <stdlib.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static struct decide_opts opts(bool signals) {
        return (struct decide_opts){ .threshold = 100, .suspicious = 40, .signals = signals, .brake = true,
                                     .can_deny = true, .rearm_ms = DECIDE_REARM_MS };
}

START_TEST(test_signals) {
        ck_assert(decide_signals(CONFIG_ACTION_KILL, false));
        ck_assert(decide_signals(CONFIG_ACTION_SUSPEND, false));
        ck_assert(!decide_signals(CONFIG_ACTION_LOG, false));
        ck_assert(!decide_signals(CONFIG_ACTION_KILL, true));
        ck_assert(!decide_signals(CONFIG_ACTION_SUSPEND, true));
        ck_assert(!decide_signals(CONFIG_ACTION_LOG, true));
}
END_TEST

START_TEST(test_due) {
        static const struct {
                bool signals;
                double score;
                bool acted;
                uint64_t t_acted, now;
                bool due;
        } cases[] = {
                { true, 99.99, false, 0, 5000, false },   /* under the threshold */
                { true, 100, false, 0, 5000, true },      /* at it */
                { true, 250, false, 0, 5000, true },
                { true, 250, true, 5000, 5000, false },   /* just acted */
                { true, 250, true, 5000, 5999, false },   /* within the re-arm time */
                { true, 250, true, 5000, 6000, true },    /* goes on after it: again */
                { true, 50, true, 5000, 60000, false },   /* acted, but the evidence decayed */
                { false, 250, false, 0, 5000, true },     /* dry run / log: the first alert */
                { false, 250, true, 5000, 600000, false },/* ... is never repeated */
                { true, 250, true, 9000, 5000, false },   /* a clock that went back: not again */
                { true, NAN, false, 0, 5000, false },
                { true, INFINITY, false, 0, 5000, true },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct decide_opts o = opts(cases[i].signals);
                ck_assert_msg(decide_due(&o, cases[i].score, cases[i].acted, cases[i].t_acted, cases[i].now) ==
                                      cases[i].due,
                              "case %zu", i);
        }
}
END_TEST

START_TEST(test_brake) {
        static const struct {
                bool brake, can_deny, signals;
                double score;
                bool deny;
        } cases[] = {
                { true, true, true, 40, true },
                { true, true, true, 39.9, false },
                { true, true, true, 1000, true },
                { false, true, true, 1000, false },  /* brake.enabled false */
                { true, false, true, 1000, false },  /* inotify: nothing can be denied */
                { true, true, false, 1000, false },  /* dry run or log: never deny */
                { true, true, true, NAN, false },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct decide_opts o = opts(cases[i].signals);
                o.brake = cases[i].brake;
                o.can_deny = cases[i].can_deny;
                ck_assert_msg(decide_brake(&o, cases[i].score) == cases[i].deny, "case %zu", i);
        }
}
END_TEST

START_TEST(test_targets) {
        static const struct {
                struct decide_facts f;
                unsigned targets;
        } cases[] = {
                /* root_alive, writer_is_root, writer_alive, writer_in_family */
                { { true, true, false, false }, DECIDE_FAMILY },          /* the root wrote */
                { { true, false, true, true }, DECIDE_FAMILY },           /* a member below it */
                { { true, false, true, false }, DECIDE_FAMILY | DECIDE_WRITER }, /* a member that left */
                { { true, false, false, false }, DECIDE_FAMILY },         /* the writer exited */
                { { false, false, true, false }, DECIDE_WRITER },         /* the root exited, the member goes on */
                { { false, false, false, false }, 0 },                    /* everyone is gone */
                { { false, true, false, false }, 0 },                     /* the root wrote and exited */
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                ck_assert_msg(decide_targets(&cases[i].f) == cases[i].targets, "case %zu: %u", i,
                              decide_targets(&cases[i].f));
}
END_TEST

int main(void) {
        Suite *s = suite_create("decide");
        TCase *tc = tcase_create("decide");
        tcase_add_test(tc, test_signals);
        tcase_add_test(tc, test_due);
        tcase_add_test(tc, test_brake);
        tcase_add_test(tc, test_targets);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
