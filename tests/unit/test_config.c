/* Unit tests for lib/config.c: every key type accepted and rejected, unknown and duplicated keys,
 * ranges, cross-key rules, invalid JSON, config_load on files that are not configurations, and
 * that conf/ransomguard.json parses and documents every key. Run from the repository root. */
#include "block.h"
#include "config.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define NAME "test.json"
#define DEFAULT_CONF "conf/ransomguard.json"

/* Every key lib/config.c accepts. Keep in sync with `keys[]` there: a key added to the parser
 * must be added here, and then the test below insists that conf/ransomguard.json shows it. */
static const char *const all_keys[] = {
        "protect",
        "allow",
        "action",
        "source",
        "sample",
        "sample.block_bytes",
        "sample.blocks",
        "detect",
        "detect.window_ms",
        "detect.half_life_ms",
        "detect.threshold",
        "detect.suspicious",
        "detect.random_max_chi2",
        "detect.random_min_bits",
        "detect.random_min_block",
        "detect.note_min_dirs",
        "detect.weights",
        "detect.weights.turned_random",
        "detect.weights.type_destroyed",
        "detect.weights.replaced",
        "detect.weights.rename_ext",
        "detect.weights.note",
        "detect.weights.new_random",
        "detect.weights.canary",
        "detect.weights.braked_open",
        "family",
        "family.enabled",
        "account",
        "account.enabled",
        "account.window_ms",
        "account.half_life_ms",
        "brake",
        "brake.enabled",
        "brake.max_unjudged",
        "brake.hold_ms",
        "canary",
        "canary.enabled",
        "canary.name",
        "server",
        "server.block_seconds",
        "server.block_by",
        "server.term_grace_ms",
        "server.block_dir",
        "server.worker_parents",
        "control",
        "control.socket",
        "control.group",
        "control.incident_dir",
        "vault",
        "vault.enabled",
        "vault.dir",
        "vault.max_mib",
        "vault.keep_seconds",
        "vault.max_file_mib",
        "vault.on_filesystems",
        "limits",
        "limits.max_processes",
        "limits.max_processes_bytes",
        "limits.max_files",
        "limits.max_files_bytes",
};

/* Keys deliberately absent from conf/ransomguard.json. "protect": its presence replaces the
 * built-in defaults (/home, /root, /srv, /var/www, /opt, those that exist), and JSON has no
 * comments to show it disabled. Documented in the man page instead. */
static const char *const keys_not_in_default_file[] = { "protect" };

/* ---- helpers ---- */

static struct config *parse_ok(const char *text) {
        char err[512] = "";
        struct config *c = NULL;
        int r = config_parse(text, NAME, &c, err, sizeof(err));
        ck_assert_msg(r == 0, "config_parse(%s) = %d: %s", text, r, err);
        ck_assert_ptr_nonnull(c);
        return c;
}

/* Parse expecting -EINVAL; the message goes into err, which must be one line naming the file. */
static void parse_fail(const char *text, char *err, size_t errlen) {
        struct config *c = (struct config *)0x1;
        err[0] = '\0';
        int r = config_parse(text, NAME, &c, err, errlen);
        ck_assert_msg(r == -EINVAL, "config_parse(%s) = %d, expected -EINVAL (err \"%s\")", text, r, err);
        ck_assert_msg(c == (struct config *)0x1, "config_parse touched *ret on failure");
        ck_assert_msg(err[0] != '\0', "no error message for %s", text);
        ck_assert_msg(strchr(err, '\n') == NULL, "message is not one line: \"%s\"", err);
        for (const char *p = err; *p; p++)
                ck_assert_msg((unsigned char)*p >= 0x20, "control byte in message \"%s\"", err);
        ck_assert_msg(strncmp(err, NAME, strlen(NAME)) == 0, "message does not start with the file name: %s", err);
}

/* Parse expecting failure; every needle must occur in the message. */
#define FAIL_WITH(text, ...)                                                                        \
        do {                                                                                        \
                char err_[512];                                                                     \
                const char *needles_[] = { __VA_ARGS__ };                                           \
                parse_fail(text, err_, sizeof(err_));                                               \
                for (size_t i_ = 0; i_ < ELEMENTSOF(needles_); i_++)                                \
                        ck_assert_msg(strstr(err_, needles_[i_]), "message \"%s\" lacks \"%s\" (input %s)", \
                                      err_, needles_[i_], text);                                    \
        } while (0)

/* JSON text from (key path, raw JSON value) pairs: {"a.b", "1"} becomes {"a": {"b": 1}}. */
struct kv {
        const char *path, *value;
};

static char *build_json(const struct kv *kv, size_t n) {
        cJSON *root = cJSON_CreateObject();
        ck_assert_ptr_nonnull(root);
        for (size_t i = 0; i < n; i++) {
                char path[256];
                snprintf(path, sizeof(path), "%s", kv[i].path);
                cJSON *o = root;
                char *save = NULL;
                char *tok = strtok_r(path, ".", &save);
                for (char *next; (next = strtok_r(NULL, ".", &save)); tok = next) {
                        cJSON *c = cJSON_GetObjectItemCaseSensitive(o, tok);
                        if (!c) {
                                c = cJSON_CreateObject();
                                cJSON_AddItemToObject(o, tok, c);
                        }
                        o = c;
                }
                cJSON *v = cJSON_Parse(kv[i].value);
                ck_assert_msg(v != NULL, "bad test value %s", kv[i].value);
                cJSON_AddItemToObject(o, tok, v);
        }
        char *s = cJSON_Print(root);
        ck_assert_ptr_nonnull(s);
        cJSON_Delete(root);
        return s;
}




static char *write_file(const char *dir, const char *name, const void *data, size_t len) {
        char *p = NULL;
        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
        close(fd);
        return p;
}

static size_t strv_length(char **v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

/* Every field of two configurations. */
static void assert_config_eq(const struct config *a, const struct config *b) {
        ck_assert_uint_eq(strv_length(a->protect), strv_length(b->protect));
        for (size_t i = 0; i < strv_length(a->protect); i++)
                ck_assert_str_eq(a->protect[i], b->protect[i]);
        ck_assert_int_eq(a->protect_is_default, b->protect_is_default);
        ck_assert_uint_eq(strv_length(a->allow), strv_length(b->allow));
        for (size_t i = 0; i < strv_length(a->allow); i++)
                ck_assert_str_eq(a->allow[i], b->allow[i]);
        ck_assert_int_eq(a->action, b->action);
        ck_assert_int_eq(a->source, b->source);
        ck_assert_uint_eq(a->sample_block_bytes, b->sample_block_bytes);
        ck_assert_uint_eq(a->sample_blocks, b->sample_blocks);
        ck_assert_uint_eq(a->window_ms, b->window_ms);
        ck_assert_uint_eq(a->half_life_ms, b->half_life_ms);
        ck_assert_double_eq(a->threshold, b->threshold);
        ck_assert_double_eq(a->suspicious, b->suspicious);
        ck_assert_double_eq(a->random_max_chi2, b->random_max_chi2);
        ck_assert_double_eq(a->random_min_bits, b->random_min_bits);
        ck_assert_uint_eq(a->random_min_block, b->random_min_block);
        ck_assert_uint_eq(a->note_min_dirs, b->note_min_dirs);
        ck_assert_double_eq(a->w.turned_random, b->w.turned_random);
        ck_assert_double_eq(a->w.type_destroyed, b->w.type_destroyed);
        ck_assert_double_eq(a->w.replaced, b->w.replaced);
        ck_assert_double_eq(a->w.rename_ext, b->w.rename_ext);
        ck_assert_double_eq(a->w.note, b->w.note);
        ck_assert_double_eq(a->w.new_random, b->w.new_random);
        ck_assert_double_eq(a->w.canary, b->w.canary);
        ck_assert_double_eq(a->w.braked_open, b->w.braked_open);
        ck_assert_int_eq(a->family, b->family);
        ck_assert_int_eq(a->account, b->account);
        ck_assert_uint_eq(a->account_window_ms, b->account_window_ms);
        ck_assert_uint_eq(a->account_half_life_ms, b->account_half_life_ms);
        ck_assert_int_eq(a->brake, b->brake);
        ck_assert_uint_eq(a->max_unjudged, b->max_unjudged);
        ck_assert_uint_eq(a->hold_ms, b->hold_ms);
        ck_assert_int_eq(a->canary, b->canary);
        ck_assert_str_eq(a->canary_name, b->canary_name);
        ck_assert_uint_eq(a->block_seconds, b->block_seconds);
        ck_assert_uint_eq(a->block_by, b->block_by);
        ck_assert_uint_eq(a->term_grace_ms, b->term_grace_ms);
        ck_assert_str_eq(a->block_dir, b->block_dir);
        ck_assert_uint_eq(a->max_processes, b->max_processes);
        ck_assert_uint_eq(a->max_processes_bytes, b->max_processes_bytes);
        ck_assert_uint_eq(a->max_files, b->max_files);
        ck_assert_uint_eq(a->max_files_bytes, b->max_files_bytes);
}

/* ---- defaults ---- */

START_TEST(test_empty_object_gives_defaults) {
        static const char *const empties[] = { "{}", " { } ", "\n{\n}\n", "\t{}\r\n" };
        struct config *d;
        ck_assert_int_eq(config_default(&d), 0);
        for (size_t i = 0; i < ELEMENTSOF(empties); i++) {
                struct config *c = parse_ok(empties[i]);
                assert_config_eq(c, d);
                config_free(c);
        }
        /* The documented defaults. */
        ck_assert(d->protect_is_default);
        ck_assert_uint_eq(strv_length(d->protect), 0);
        ck_assert_uint_eq(strv_length(d->allow), 0);
        ck_assert_int_eq(d->action, CONFIG_ACTION_KILL);
        ck_assert_int_eq(d->source, CONFIG_SOURCE_AUTO);
        ck_assert_double_le(d->suspicious, d->threshold);
        ck_assert_uint_le(d->half_life_ms, d->window_ms);
        ck_assert_uint_le(d->random_min_block, d->sample_block_bytes);
        ck_assert_ptr_null(strchr(d->canary_name, '/'));
        config_free(d);
        config_free(NULL);
}
END_TEST

/* ---- every key type accepted ---- */

START_TEST(test_all_keys_accepted) {
        static const struct kv kv[] = {
                { "protect", "[\"/srv/data\", \"/home\"]" },
                { "allow", "[\"/usr/bin/rsync\"]" },
                { "action", "\"suspend\"" },
                { "source", "\"inotify\"" },
                { "sample.block_bytes", "8192" },
                { "sample.blocks", "5" },
                { "detect.window_ms", "60000" },
                { "detect.half_life_ms", "30000" },
                { "detect.threshold", "150.5" },
                { "detect.suspicious", "75.25" },
                { "detect.random_max_chi2", "350" },
                { "detect.random_min_bits", "7.5" },
                { "detect.random_min_block", "2048" },
                { "detect.note_min_dirs", "4" },
                { "detect.weights.turned_random", "1" },
                { "detect.weights.type_destroyed", "2" },
                { "detect.weights.replaced", "3" },
                { "detect.weights.rename_ext", "4" },
                { "detect.weights.note", "5" },
                { "detect.weights.new_random", "6.5" },
                { "detect.weights.canary", "7" },
                { "detect.weights.braked_open", "8" },
                { "family.enabled", "false" },
                { "account.enabled", "false" },
                { "account.window_ms", "7200000" },
                { "account.half_life_ms", "1000" },
                { "brake.enabled", "false" },
                { "brake.max_unjudged", "5" },
                { "brake.hold_ms", "7" },
                { "canary.enabled", "true" },
                { "canary.name", "\"decoy.xlsx\"" },
                { "server.block_seconds", "60" },
                { "server.block_by", "[\"address\"]" },
                { "server.term_grace_ms", "500" },
                { "server.block_dir", "\"/var/lib/rg/blocks\"" },
                { "server.worker_parents", "[\"/usr/sbin/php-fpm8.2\"]" },
                { "control.socket", "\"/run/rg/ctl\"" },
                { "control.group", "\"adm\"" },
                { "control.incident_dir", "\"/run/rg/inc\"" },
                { "limits.max_processes", "100" },
                { "limits.max_files", "1000" },
        };
        char *text = build_json(kv, ELEMENTSOF(kv));
        struct config *c = parse_ok(text);

        ck_assert_uint_eq(strv_length(c->protect), 2);
        ck_assert_str_eq(c->protect[0], "/srv/data");
        ck_assert_str_eq(c->protect[1], "/home");
        ck_assert(!c->protect_is_default);
        ck_assert_uint_eq(strv_length(c->allow), 1);
        ck_assert_str_eq(c->allow[0], "/usr/bin/rsync");
        ck_assert_int_eq(c->action, CONFIG_ACTION_SUSPEND);
        ck_assert_int_eq(c->source, CONFIG_SOURCE_INOTIFY);
        ck_assert_uint_eq(c->sample_block_bytes, 8192);
        ck_assert_uint_eq(c->sample_blocks, 5);
        ck_assert_uint_eq(c->window_ms, 60000);
        ck_assert_uint_eq(c->half_life_ms, 30000);
        ck_assert_double_eq(c->threshold, 150.5);
        ck_assert_double_eq(c->suspicious, 75.25);
        ck_assert_double_eq(c->random_max_chi2, 350);
        ck_assert_double_eq(c->random_min_bits, 7.5);
        ck_assert_uint_eq(c->random_min_block, 2048);
        ck_assert_uint_eq(c->note_min_dirs, 4);
        ck_assert_double_eq(c->w.turned_random, 1);
        ck_assert_double_eq(c->w.type_destroyed, 2);
        ck_assert_double_eq(c->w.replaced, 3);
        ck_assert_double_eq(c->w.rename_ext, 4);
        ck_assert_double_eq(c->w.note, 5);
        ck_assert_double_eq(c->w.new_random, 6.5);
        ck_assert_double_eq(c->w.canary, 7);
        ck_assert_double_eq(c->w.braked_open, 8);
        ck_assert(!c->family);
        ck_assert(!c->account);
        ck_assert_uint_eq(c->account_window_ms, 7200000);
        ck_assert_uint_eq(c->account_half_life_ms, 1000);
        ck_assert(!c->brake);
        ck_assert_uint_eq(c->max_unjudged, 5);
        ck_assert_uint_eq(c->hold_ms, 7);
        ck_assert(c->canary);
        ck_assert_str_eq(c->canary_name, "decoy.xlsx");
        ck_assert_uint_eq(c->block_seconds, 60);
        ck_assert_uint_eq(c->block_by, BLOCK_ADDR);
        ck_assert_uint_eq(c->term_grace_ms, 500);
        ck_assert_str_eq(c->block_dir, "/var/lib/rg/blocks");
        ck_assert_str_eq(c->control_socket, "/run/rg/ctl");
        ck_assert_str_eq(c->control_group, "adm");
        ck_assert_str_eq(c->incident_dir, "/run/rg/inc");
        ck_assert_uint_eq(strv_length(c->worker_parents), 1);
        ck_assert_str_eq(c->worker_parents[0], "/usr/sbin/php-fpm8.2");
        ck_assert_uint_eq(c->max_processes, 100);
        ck_assert_uint_eq(c->max_files, 1000);
        ck_assert(config_is_allowed(c, "/usr/bin/rsync"));
        ck_assert(!config_is_allowed(c, "/usr/bin/rsync2"));
        ck_assert(!config_is_allowed(c, "/usr/bin/rsyn"));
        ck_assert(!config_is_allowed(c, "rsync"));
        ck_assert(!config_is_allowed(c, NULL));
        config_free(c);
        free(text);
}
END_TEST

START_TEST(test_enum_values) {
        static const struct {
                const char *text;
                enum config_action action;
                enum config_source source;
        } cases[] = {
                { "{\"action\": \"log\"}", CONFIG_ACTION_LOG, CONFIG_SOURCE_AUTO },
                { "{\"action\": \"suspend\"}", CONFIG_ACTION_SUSPEND, CONFIG_SOURCE_AUTO },
                { "{\"action\": \"kill\"}", CONFIG_ACTION_KILL, CONFIG_SOURCE_AUTO },
                { "{\"source\": \"auto\"}", CONFIG_ACTION_KILL, CONFIG_SOURCE_AUTO },
                { "{\"source\": \"fanotify\"}", CONFIG_ACTION_KILL, CONFIG_SOURCE_FANOTIFY },
                { "{\"source\": \"inotify\", \"action\": \"log\"}", CONFIG_ACTION_LOG, CONFIG_SOURCE_INOTIFY },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct config *c = parse_ok(cases[i].text);
                ck_assert_int_eq(c->action, cases[i].action);
                ck_assert_int_eq(c->source, cases[i].source);
                config_free(c);
        }
        ck_assert_str_eq(config_action_name(CONFIG_ACTION_LOG), "log");
        ck_assert_str_eq(config_action_name(CONFIG_ACTION_SUSPEND), "suspend");
        ck_assert_str_eq(config_action_name(CONFIG_ACTION_KILL), "kill");
        ck_assert_str_eq(config_action_name((enum config_action)3), "invalid");
        ck_assert_str_eq(config_action_name((enum config_action)-1), "invalid");
}
END_TEST

START_TEST(test_paths_accepted) {
        struct config *c = parse_ok("{\"protect\": [], \"allow\": []}");
        ck_assert(!c->protect_is_default); /* an explicit empty list is not the default */
        ck_assert_ptr_nonnull(c->protect);
        ck_assert_uint_eq(strv_length(c->protect), 0);
        ck_assert_uint_eq(strv_length(c->allow), 0);
        config_free(c);

        /* The longest path accepted is 4095 bytes. */
        char *path = malloc(4096 + 1);
        ck_assert_ptr_nonnull(path);
        path[0] = '/';
        memset(path + 1, 'p', 4094);
        path[4095] = '\0';
        char *text = NULL;
        ck_assert_int_ge(asprintf(&text, "{\"allow\": [\"%s\"]}", path), 0);
        c = parse_ok(text);
        ck_assert_str_eq(c->allow[0], path);
        config_free(c);
        free(text);

        /* One more is too long. */
        path[4095] = 'p';
        path[4096] = '\0';
        ck_assert_int_ge(asprintf(&text, "{\"allow\": [\"%s\"]}", path), 0);
        FAIL_WITH(text, "allow", "element 0");
        free(text);
        free(path);

        /* Unicode and escapes inside paths survive. */
        c = parse_ok("{\"protect\": [\"/srv/d\\u00e9j\\u00e0 vu\", \"/a\\\"b\"]}");
        ck_assert_str_eq(c->protect[0], "/srv/d\xc3\xa9j\xc3\xa0 vu");
        ck_assert_str_eq(c->protect[1], "/a\"b");
        config_free(c);
}
END_TEST

/* ---- wrong types ---- */

START_TEST(test_wrong_types) {
        /* Objects. */
        FAIL_WITH("{\"sample\": 5}", "sample", "expected an object", "5");
        FAIL_WITH("{\"sample\": null}", "sample", "expected an object");
        FAIL_WITH("{\"sample\": []}", "sample", "expected an object");
        FAIL_WITH("{\"sample\": \"x\"}", "sample", "expected an object");
        FAIL_WITH("{\"detect\": {\"weights\": [1, 2]}}", "detect.weights", "expected an object");
        FAIL_WITH("{\"family\": true}", "family", "expected an object");
        /* Booleans: no 0/1 or strings. */
        FAIL_WITH("{\"family\": {\"enabled\": 1}}", "family.enabled", "expected true or false", "1");
        FAIL_WITH("{\"brake\": {\"enabled\": \"true\"}}", "brake.enabled", "expected true or false", "\"true\"");
        FAIL_WITH("{\"canary\": {\"enabled\": null}}", "canary.enabled", "expected true or false");
        /* Numbers: no strings, booleans or null. */
        FAIL_WITH("{\"detect\": {\"threshold\": \"100\"}}", "detect.threshold", "expected a number", "\"100\"");
        FAIL_WITH("{\"detect\": {\"threshold\": true}}", "detect.threshold", "expected a number");
        FAIL_WITH("{\"detect\": {\"threshold\": null}}", "detect.threshold", "expected a number");
        FAIL_WITH("{\"detect\": {\"threshold\": [100]}}", "detect.threshold", "expected a number");
        FAIL_WITH("{\"limits\": {\"max_files\": {}}}", "limits.max_files", "expected a number");
        FAIL_WITH("{\"detect\": {\"weights\": {\"note\": \"30\"}}}", "detect.weights.note", "expected a number");
        /* Integers: no fractions. */
        FAIL_WITH("{\"sample\": {\"blocks\": 2.5}}", "sample.blocks", "expected an integer", "2.5");
        FAIL_WITH("{\"detect\": {\"window_ms\": 60000.5}}", "detect.window_ms", "integer");
        /* Strings. */
        FAIL_WITH("{\"canary\": {\"name\": 5}}", "canary.name", "expected a string");
        FAIL_WITH("{\"canary\": {\"name\": null}}", "canary.name", "expected a string");
        FAIL_WITH("{\"canary\": {\"name\": \"\"}}", "canary.name", "length 0");
        /* Enums: exact names only. */
        FAIL_WITH("{\"action\": 1}", "action", "invalid value 1", "\"log\", \"suspend\", \"kill\"");
        FAIL_WITH("{\"action\": \"KILL\"}", "action", "\"KILL\"");
        FAIL_WITH("{\"action\": \"\"}", "action", "invalid value");
        FAIL_WITH("{\"action\": null}", "action", "invalid value");
        FAIL_WITH("{\"action\": [\"kill\"]}", "action", "invalid value");
        FAIL_WITH("{\"source\": \"fan\"}", "source", "\"fan\"", "\"auto\", \"fanotify\", \"inotify\"");
        /* Path lists. */
        FAIL_WITH("{\"protect\": \"/home\"}", "protect", "expected an array", "\"/home\"");
        FAIL_WITH("{\"protect\": null}", "protect", "expected an array");
        FAIL_WITH("{\"protect\": {\"a\": \"/home\"}}", "protect", "expected an array");
        FAIL_WITH("{\"protect\": [1]}", "protect", "element 0", "1");
        FAIL_WITH("{\"protect\": [null]}", "protect", "element 0");
        FAIL_WITH("{\"protect\": [[\"/x\"]]}", "protect", "element 0");
        FAIL_WITH("{\"allow\": [\"/usr/bin/x\", \"rel/x\"]}", "allow", "element 1", "\"rel/x\"");
        FAIL_WITH("{\"allow\": [\"/usr/bin/x\", 7]}", "allow", "element 1");

        /* A long value is shortened in the message, which still fits and names the key. */
        char *text = NULL, big[300];
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        ck_assert_int_ge(asprintf(&text, "{\"action\": \"%s\"}", big), 0);
        char err[512];
        parse_fail(text, err, sizeof(err));
        ck_assert_ptr_nonnull(strstr(err, "action"));
        ck_assert_uint_lt(strlen(err), 300);
        free(text);
}
END_TEST

START_TEST(test_protect_not_absolute) {
        FAIL_WITH("{\"protect\": [\"home\"]}", "protect", "element 0", "absolute", "\"home\"");
        FAIL_WITH("{\"protect\": [\"\"]}", "protect", "element 0");
        FAIL_WITH("{\"protect\": [\"./home\"]}", "protect", "element 0");
        FAIL_WITH("{\"protect\": [\"~/docs\"]}", "protect", "element 0");
        FAIL_WITH("{\"protect\": [\"/home\", \"/srv\", \"srv\"]}", "protect", "element 2", "\"srv\"");
}
END_TEST

/* ---- unknown and duplicated keys ---- */

START_TEST(test_unknown_keys) {
        FAIL_WITH("{\"foo\": 1}", NAME ":1:", "foo", "unknown key");
        FAIL_WITH("{\n  \"action\": \"kill\",\n  \"acton\": \"log\"\n}", NAME ":3:", "acton", "unknown key");
        FAIL_WITH("{\n\"detect\": {\n  \"weights\": {\n    \"foo\": 1\n  }\n}\n}", NAME ":4:", "detect.weights.foo",
                  "unknown key");
        FAIL_WITH("{\"detect\": {\"Threshold\": 1}}", "detect.Threshold", "unknown key");
        FAIL_WITH("{\"sample\": {\"block_bytes\": 4096, \"block_size\": 4096}}", "sample.block_size", "unknown key");
        FAIL_WITH("{\"limits\": {\"max_processes\": 100, \"nested\": {\"deeper\": 1}}}", "limits.nested", "unknown key");
        FAIL_WITH("{\"\": 1}", "unknown key");
        /* A known leaf name in the wrong place. */
        FAIL_WITH("{\"threshold\": 100}", "threshold", "unknown key");
        FAIL_WITH("{\"family\": {\"threshold\": 100}}", "family.threshold", "unknown key");
        FAIL_WITH("{\"detect\": {\"weights\": {\"weights\": {}}}}", "detect.weights.weights", "unknown key");
        /* The dotted spelling of a path is not a key: only nested objects are. */
        FAIL_WITH("{\"detect.threshold\": 50}", "detect.threshold", "unknown key");
        FAIL_WITH("{\"detect.weights\": {}}", "detect.weights", "unknown key");
        FAIL_WITH("{\"detect\": {\"weights.note\": 5}}", "detect.weights.note", "unknown key");
        /* A key with control bytes still gives a one-line message (parse_fail checks). */
        FAIL_WITH("{\"fo\\no\": 1}", "unknown key");
        FAIL_WITH("{\"detect\": {\"\\u0001\\r\\t\": 1}}", "unknown key");
}
END_TEST

START_TEST(test_line_numbers_follow_the_path) {
        /* "enabled" occurs in three objects: the line must be that of the bad one. */
        FAIL_WITH("{\n  \"family\": { \"enabled\": true },\n  \"brake\": { \"enabled\": 3 }\n}", NAME ":3:",
                  "brake.enabled");
        FAIL_WITH("{\n  \"family\": { \"enabled\": true },\n  \"brake\": { \"enabled\": true },\n"
                  "  \"canary\": {\n    \"enabled\": \"yes\"\n  }\n}",
                  NAME ":5:", "canary.enabled");
        /* "canary" is both a weight and an object. */
        FAIL_WITH("{\n  \"detect\": { \"weights\": { \"canary\": 100 } },\n  \"canary\": 1\n}", NAME ":3:", "canary",
                  "expected an object");
        /* The same name as a string value earlier does not count as the key. */
        FAIL_WITH("{\n  \"canary\": { \"name\": \"source\" },\n  \"source\": \"nope\"\n}", NAME ":3:", "source");
}
END_TEST

START_TEST(test_duplicated_keys) {
        FAIL_WITH("{\"action\": \"kill\", \"action\": \"log\"}", "action", "duplicated key");
        FAIL_WITH("{\n\"detect\": {\n\"threshold\": 100,\n\"threshold\": 50\n}\n}", "detect.threshold", "duplicated key",
                  NAME ":");
        FAIL_WITH("{\"detect\": {}, \"detect\": {}}", "detect", "duplicated key");
        FAIL_WITH("{\"detect\": {\"weights\": {\"note\": 1, \"canary\": 2, \"note\": 1}}}", "detect.weights.note",
                  "duplicated key");
        FAIL_WITH("{\"protect\": [\"/a\"], \"protect\": [\"/b\"]}", "protect", "duplicated key");
        /* Same leaf name in different objects is fine. */
        struct config *c = parse_ok("{\"family\": {\"enabled\": false}, \"brake\": {\"enabled\": false}, "
                                    "\"canary\": {\"enabled\": true}}");
        ck_assert(!c->family);
        ck_assert(!c->brake);
        ck_assert(c->canary);
        config_free(c);
}
END_TEST

/* ---- ranges ---- */

struct range {
        const char *path;
        double min, max;
        bool integer;
        /* Values of other keys that let min and max pass the cross-key rules. */
        struct kv at_min, at_max;
};

static const struct range ranges[] = {
        { "sample.block_bytes", 512, 1 << 20, true, { "detect.random_min_block", "256" }, { NULL, NULL } },
        { "sample.blocks", 1, 8, true, { NULL, NULL }, { NULL, NULL } },
        { "detect.window_ms", 1000, 86400000, true, { "detect.half_life_ms", "100" }, { NULL, NULL } },
        { "detect.half_life_ms", 100, 86400000, true, { NULL, NULL }, { "detect.window_ms", "86400000" } },
        { "detect.threshold", 1, 1e6, false, { "detect.suspicious", "1" }, { NULL, NULL } },
        { "detect.suspicious", 1, 1e6, false, { NULL, NULL }, { "detect.threshold", "1e6" } },
        { "detect.random_max_chi2", 255, 100000, false, { NULL, NULL }, { NULL, NULL } },
        { "detect.random_min_bits", 1, 8, false, { NULL, NULL }, { NULL, NULL } },
        { "detect.random_min_block", 256, 1 << 20, true, { NULL, NULL }, { "sample.block_bytes", "1048576" } },
        { "detect.note_min_dirs", 2, 10000, true, { NULL, NULL }, { NULL, NULL } },
        { "detect.weights.turned_random", 0, 1e6, false, { NULL, NULL }, { NULL, NULL } },
        { "detect.weights.type_destroyed", 0, 1e6, false, { NULL, NULL }, { NULL, NULL } },
        { "detect.weights.replaced", 0, 1e6, false, { NULL, NULL }, { NULL, NULL } },
        { "detect.weights.rename_ext", 0, 1e6, false, { NULL, NULL }, { NULL, NULL } },
        { "detect.weights.note", 0, 1e6, false, { NULL, NULL }, { NULL, NULL } },
        { "detect.weights.new_random", 0, 1e6, false, { NULL, NULL }, { NULL, NULL } },
        { "detect.weights.canary", 0, 1e6, false, { NULL, NULL }, { NULL, NULL } },
        { "detect.weights.braked_open", 0, 1e6, false, { NULL, NULL }, { NULL, NULL } },
        { "account.window_ms", 1000, 86400000, true, { "account.half_life_ms", "100" }, { NULL, NULL } },
        { "account.half_life_ms", 100, 86400000, true, { NULL, NULL }, { "account.window_ms", "86400000" } },
        { "brake.max_unjudged", 0, 1000, true, { NULL, NULL }, { NULL, NULL } },
        { "brake.hold_ms", 1, 1000, true, { NULL, NULL }, { NULL, NULL } },
        { "server.block_seconds", 0, 30 * 86400, true, { NULL, NULL }, { NULL, NULL } },
        { "server.term_grace_ms", 100, 60000, true, { NULL, NULL }, { NULL, NULL } },
        { "limits.max_processes", 16, 1 << 20, true, { NULL, NULL }, { NULL, NULL } },
        { "limits.max_processes_bytes", 1 << 20, 4294967295.0, true, { NULL, NULL }, { NULL, NULL } },
        { "limits.max_files", 64, 1 << 24, true, { NULL, NULL }, { NULL, NULL } },
        { "vault.max_mib", 1, 1 << 24, true, { NULL, NULL }, { NULL, NULL } },
        { "vault.keep_seconds", 60, 30 * 86400, true, { NULL, NULL }, { NULL, NULL } },
        { "vault.max_file_mib", 1, 1 << 20, true, { NULL, NULL }, { NULL, NULL } },
        { "limits.max_files_bytes", 1 << 20, 4294967295.0, true, { NULL, NULL }, { NULL, NULL } },
};

/* The parsed value of a numeric key, as a double. */
static double value_of(const struct config *c, const char *path) {
        static const struct {
                const char *path;
                size_t off;
                bool u32;
        } f[] = {
#define F(p, field, u) { p, offsetof(struct config, field), u }
                F("sample.block_bytes", sample_block_bytes, true),
                F("sample.blocks", sample_blocks, true),
                F("detect.window_ms", window_ms, true),
                F("detect.half_life_ms", half_life_ms, true),
                F("detect.threshold", threshold, false),
                F("detect.suspicious", suspicious, false),
                F("detect.random_max_chi2", random_max_chi2, false),
                F("detect.random_min_bits", random_min_bits, false),
                F("detect.random_min_block", random_min_block, true),
                F("detect.note_min_dirs", note_min_dirs, true),
                F("detect.weights.turned_random", w.turned_random, false),
                F("detect.weights.type_destroyed", w.type_destroyed, false),
                F("detect.weights.replaced", w.replaced, false),
                F("detect.weights.rename_ext", w.rename_ext, false),
                F("detect.weights.note", w.note, false),
                F("detect.weights.new_random", w.new_random, false),
                F("detect.weights.canary", w.canary, false),
                F("detect.weights.braked_open", w.braked_open, false),
                F("account.window_ms", account_window_ms, true),
                F("account.half_life_ms", account_half_life_ms, true),
                F("brake.max_unjudged", max_unjudged, true),
                F("brake.hold_ms", hold_ms, true),
                F("server.block_seconds", block_seconds, true),
                F("server.term_grace_ms", term_grace_ms, true),
                F("vault.max_mib", vault_max_mib, true),
                F("vault.keep_seconds", vault_keep_seconds, true),
                F("vault.max_file_mib", vault_max_file_mib, true),
                F("limits.max_processes", max_processes, true),
                F("limits.max_processes_bytes", max_processes_bytes, true),
                F("limits.max_files", max_files, true),
                F("limits.max_files_bytes", max_files_bytes, true),
#undef F
        };
        for (size_t i = 0; i < ELEMENTSOF(f); i++)
                if (strcmp(f[i].path, path) == 0) {
                        const char *p = (const char *)c + f[i].off;
                        return f[i].u32 ? (double)*(const uint32_t *)p : *(const double *)p;
                }
        ck_abort_msg("no field for %s", path);
        return NAN;
}

START_TEST(test_range_bounds_accepted) {
        const struct range *r = &ranges[_i];
        for (int end = 0; end < 2; end++) {
                char val[64];
                snprintf(val, sizeof(val), "%.17g", end ? r->max : r->min);
                struct kv kv[2] = { { r->path, val } };
                const struct kv *extra = end ? &r->at_max : &r->at_min;
                size_t n = 1;
                if (extra->path)
                        kv[n++] = *extra;
                char *text = build_json(kv, n);
                struct config *c = parse_ok(text);
                ck_assert_double_eq(value_of(c, r->path), end ? r->max : r->min);
                config_free(c);
                free(text);
        }
}
END_TEST

START_TEST(test_range_outside_rejected) {
        const struct range *r = &ranges[_i];
        /* Just outside, far outside, and not a finite number at all. */
        const double below = r->integer ? r->min - 1 : r->min - 0.5;
        const double above = r->integer ? r->max + 1 : r->max + 0.5;
        const char *vals[6];
        char b1[64], b2[64];
        snprintf(b1, sizeof(b1), "%.17g", below);
        snprintf(b2, sizeof(b2), "%.17g", above);
        vals[0] = b1;
        vals[1] = b2;
        vals[2] = "-1e300";
        vals[3] = "1e300";
        vals[4] = "4294967296";
        vals[5] = "-4294967295";
        for (size_t i = 0; i < ELEMENTSOF(vals); i++) {
                struct kv kv[] = { { r->path, vals[i] } };
                char *text = build_json(kv, 1);
                char err[512];
                parse_fail(text, err, sizeof(err));
                ck_assert_msg(strstr(err, r->path), "%s: message \"%s\" lacks the key", vals[i], err);
                ck_assert_msg(strstr(err, "out of range"), "%s: message \"%s\"", vals[i], err);
                /* The message names the value as written (cJSON re-prints numbers, so compare
                 * with the same rendering the test built the JSON from). */
                cJSON *v = cJSON_Parse(vals[i]);
                char *shown = cJSON_PrintUnformatted(v);
                ck_assert_msg(strstr(err, shown), "%s: message \"%s\" lacks the value %s", vals[i], err, shown);
                free(shown);
                cJSON_Delete(v);
                free(text);
        }
}
END_TEST

START_TEST(test_range_infinite) {
        /* 1e999 overflows to infinity: refused, and the message must not pretend it was null. */
        char err[512];
        parse_fail("{\"detect\": {\"threshold\": 1e999}}", err, sizeof(err));
        ck_assert_ptr_nonnull(strstr(err, "detect.threshold"));
        ck_assert_ptr_nonnull(strstr(err, "out of range"));
        ck_assert_msg(!strstr(err, "null"), "message \"%s\" calls infinity null", err);
        ck_assert_msg(strstr(err, "inf"), "message \"%s\" does not name the value", err);
        parse_fail("{\"limits\": {\"max_files\": -1e999}}", err, sizeof(err));
        ck_assert_msg(strstr(err, "-inf"), "message \"%s\" does not name the value", err);
}
END_TEST

START_TEST(test_string_length_range) {
        char name[202];
        memset(name, 'n', 200);
        name[200] = '\0';
        char *text = NULL;
        ck_assert_int_ge(asprintf(&text, "{\"canary\": {\"name\": \"%s\"}}", name), 0);
        struct config *c = parse_ok(text);
        ck_assert_uint_eq(strlen(c->canary_name), 200);
        config_free(c);
        free(text);

        name[200] = 'n';
        name[201] = '\0';
        ck_assert_int_ge(asprintf(&text, "{\"canary\": {\"name\": \"%s\"}}", name), 0);
        FAIL_WITH(text, "canary.name", "length 201");
        free(text);

        c = parse_ok("{\"canary\": {\"name\": \"x\"}}");
        ck_assert_str_eq(c->canary_name, "x");
        config_free(c);
}
END_TEST

/* ---- cross-key rules ---- */

START_TEST(test_cross_key_rules) {
        /* suspicious above threshold. */
        FAIL_WITH("{\"detect\": {\"threshold\": 50, \"suspicious\": 60}}", "detect.suspicious", "60", "50");
        FAIL_WITH("{\"detect\": {\"threshold\": 30}}", "detect.suspicious", "40", "30"); /* default 40 */
        struct config *c = parse_ok("{\"detect\": {\"threshold\": 50, \"suspicious\": 50}}");
        ck_assert_double_eq(c->suspicious, c->threshold);
        config_free(c);

        /* half-life above the window. */
        FAIL_WITH("{\"detect\": {\"window_ms\": 10000, \"half_life_ms\": 10001}}", "detect.half_life_ms", "10001",
                  "10000");
        FAIL_WITH("{\"detect\": {\"window_ms\": 30000}}", "detect.half_life_ms", "60000", "30000");
        FAIL_WITH("{\"account\": {\"window_ms\": 300000}}", "account.half_life_ms", "600000", "300000");
        c = parse_ok("{\"detect\": {\"window_ms\": 10000, \"half_life_ms\": 10000}}");
        ck_assert_uint_eq(c->half_life_ms, c->window_ms);
        config_free(c);

        /* random_min_block above the block. */
        FAIL_WITH("{\"sample\": {\"block_bytes\": 1024}, \"detect\": {\"random_min_block\": 1025}}",
                  "detect.random_min_block", "1025", "1024");
        FAIL_WITH("{\"sample\": {\"block_bytes\": 512}}", "detect.random_min_block", "1024", "512");
        c = parse_ok("{\"sample\": {\"block_bytes\": 1024}, \"detect\": {\"random_min_block\": 1024}}");
        ck_assert_uint_eq(c->random_min_block, c->sample_block_bytes);
        config_free(c);

        /* canary.name must be a plain file name. */
        FAIL_WITH("{\"canary\": {\"name\": \"a/b\"}}", "canary.name", "a/b");
        FAIL_WITH("{\"canary\": {\"name\": \"/abs\"}}", "canary.name", "/abs");
        FAIL_WITH("{\"canary\": {\"name\": \"dir/\"}}", "canary.name");
        FAIL_WITH("{\"canary\": {\"name\": \".\"}}", "canary.name");
        FAIL_WITH("{\"canary\": {\"name\": \"..\"}}", "canary.name");
        c = parse_ok("{\"canary\": {\"name\": \"...\"}}");
        config_free(c);
        c = parse_ok("{\"canary\": {\"name\": \".hidden\"}}");
        config_free(c);

        /* The largest sample budget the ranges allow is still accepted. */
        c = parse_ok("{\"sample\": {\"block_bytes\": 1048576, \"blocks\": 8}}");
        ck_assert_uint_eq(c->sample_blocks, 8);
        config_free(c);
}
END_TEST

/* ---- invalid JSON and the top level ---- */

START_TEST(test_invalid_json) {
        static const struct {
                const char *text;
                const char *where; /* "name:line:" expected in the message */
        } cases[] = {
                { "", NAME ":1:1:" },
                { "{", NAME ":1:" },
                { "{\"action\":}", NAME ":1:" },
                { "{} x", NAME ":1:4:" },
                { "{}}", NAME ":1:3:" },
                { "{\"action\": \"kill\",}", NAME ":1:" },
                { "{\n  \"action\": \"kill\",\n  oops\n}", NAME ":3:" },
                { "{\n\n\n  \"action\": 'kill'\n}", NAME ":4:" },
                { "{\"action\": \"unterminated\n}", NAME ":1:" },
                { "{\"a\": 1 // comment\n}", NAME ":1:" },
                { "{\"a\": NaN}", NAME ":1:" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char err[512];
                parse_fail(cases[i].text, err, sizeof(err));
                ck_assert_msg(strstr(err, "invalid JSON"), "case %zu: \"%s\"", i, err);
                ck_assert_msg(strstr(err, cases[i].where), "case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].where);
                /* name:line:col: the column is a number. */
                const char *p = err + strlen(NAME) + 1;
                char *end;
                long line = strtol(p, &end, 10);
                ck_assert_int_ge(line, 1);
                ck_assert_int_eq(*end, ':');
                long col = strtol(end + 1, &end, 10);
                ck_assert_int_ge(col, 1);
                ck_assert_int_eq(*end, ':');
        }

        /* Nesting far deeper than any configuration must not take the parser down. */
        size_t depth = 100000;
        char *deep = malloc(2 * depth + 1);
        ck_assert_ptr_nonnull(deep);
        memset(deep, '[', depth);
        memset(deep + depth, ']', depth);
        deep[2 * depth] = '\0';
        char err[512];
        parse_fail(deep, err, sizeof(err));
        deep[0] = '{';
        parse_fail(deep, err, sizeof(err));
        free(deep);

        /* No text at all. */
        struct config *c = NULL;
        ck_assert_int_eq(config_parse(NULL, NAME, &c, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_null(c);
        ck_assert_ptr_nonnull(strstr(err, NAME));
}
END_TEST

START_TEST(test_top_level_not_object) {
        static const char *const texts[] = { "[]", "[{}]", "1", "\"{}\"", "null", "true", "false", " 42 " };
        for (size_t i = 0; i < ELEMENTSOF(texts); i++)
                FAIL_WITH(texts[i], NAME, "top level must be a JSON object");
}
END_TEST

START_TEST(test_small_error_buffer) {
        /* Messages are cut, never overflow; ASan and valgrind check the rest. */
        for (size_t len = 1; len < 40; len++) {
                char *err = malloc(len);
                ck_assert_ptr_nonnull(err);
                struct config *c = NULL;
                ck_assert_int_eq(config_parse("{\"detect\": {\"weights\": {\"foo\": 1}}}", NAME, &c, err, len), -EINVAL);
                ck_assert_uint_lt(strlen(err), len);
                ck_assert_int_eq(config_parse("{", NAME, &c, err, len), -EINVAL);
                ck_assert_uint_lt(strlen(err), len);
                ck_assert_int_eq(config_parse("[]", NAME, &c, err, len), -EINVAL);
                ck_assert_uint_lt(strlen(err), len);
                free(err);
        }
}
END_TEST

/* ---- config_load ---- */

START_TEST(test_load_missing) {
        char *d = tmpdir_new();
        char *p = NULL;
        ck_assert_int_ge(asprintf(&p, "%s/nope.json", d), 0);
        char err[512] = "";
        struct config *c = NULL;
        ck_assert_int_eq(config_load(p, &c, err, sizeof(err)), -ENOENT);
        ck_assert_ptr_null(c);
        ck_assert_msg(strstr(err, p), "message \"%s\" lacks the path", err);
        ck_assert_msg(strstr(err, "Failed to open"), "message \"%s\"", err);
        free(p);
        tmpdir_free(d);
}
END_TEST

START_TEST(test_load_directory) {
        char *d = tmpdir_new();
        char err[512] = "";
        struct config *c = NULL;
        int r = config_load(d, &c, err, sizeof(err));
        ck_assert_int_lt(r, 0);
        ck_assert_ptr_null(c);
        ck_assert_msg(strstr(err, d), "message \"%s\" lacks the path", err);
        tmpdir_free(d);
}
END_TEST

START_TEST(test_load_not_regular) {
        char err[512] = "";
        struct config *c = NULL;
        ck_assert_int_lt(config_load("/dev/null", &c, err, sizeof(err)), 0);
        ck_assert_ptr_null(c);
        ck_assert_ptr_nonnull(strstr(err, "/dev/null"));

        /* A FIFO with no writer must not block the daemon's start. */
        char *d = tmpdir_new();
        char *p = NULL;
        ck_assert_int_ge(asprintf(&p, "%s/fifo", d), 0);
        ck_assert_int_eq(mkfifo(p, 0600), 0);
        ck_assert_int_lt(config_load(p, &c, err, sizeof(err)), 0);
        ck_assert_ptr_null(c);
        ck_assert_ptr_nonnull(strstr(err, p));
        free(p);
        tmpdir_free(d);
}
END_TEST

START_TEST(test_load_nul_byte) {
        char *d = tmpdir_new();
        static const char text[] = "{\"action\": \"log\"}\0{\"action\": \"kill\"}";
        char *p = write_file(d, "nul.json", text, sizeof(text) - 1);
        char err[512] = "";
        struct config *c = NULL;
        ck_assert_int_eq(config_load(p, &c, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_null(c);
        ck_assert_ptr_nonnull(strstr(err, p));
        ck_assert_ptr_nonnull(strstr(err, "NUL"));
        free(p);

        /* A NUL as the very last byte, too. */
        static const char text2[] = "{}\0";
        p = write_file(d, "nul2.json", text2, sizeof(text2) - 1);
        ck_assert_int_eq(config_load(p, &c, err, sizeof(err)), -EINVAL);
        free(p);
        tmpdir_free(d);
}
END_TEST

START_TEST(test_load_size_limit) {
        char *d = tmpdir_new();
        const size_t mib = 1024 * 1024;
        char *buf = malloc(mib + 2);
        ck_assert_ptr_nonnull(buf);

        /* Exactly 1 MiB: "{" + spaces + "}" is accepted. */
        memset(buf, ' ', mib);
        buf[0] = '{';
        buf[mib - 1] = '}';
        char *p = write_file(d, "big.json", buf, mib);
        char err[512] = "";
        struct config *c = NULL;
        ck_assert_msg(config_load(p, &c, err, sizeof(err)) == 0, "%s", err);
        config_free(c);
        free(p);

        /* One byte more is refused before it is read. */
        memset(buf, ' ', mib + 1);
        buf[0] = '{';
        buf[mib] = '}';
        p = write_file(d, "toobig.json", buf, mib + 1);
        c = NULL;
        ck_assert_int_eq(config_load(p, &c, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_null(c);
        ck_assert_ptr_nonnull(strstr(err, p));
        free(p);
        free(buf);
        tmpdir_free(d);
}
END_TEST

START_TEST(test_load_names_file_in_errors) {
        char *d = tmpdir_new();
        static const char text[] = "{\n  \"detect\": {\n    \"weights\": {\n      \"foo\": 1\n    }\n  }\n}\n";
        char *p = write_file(d, "conf.json", text, sizeof(text) - 1);
        char err[512] = "", want[600];
        struct config *c = NULL;
        ck_assert_int_eq(config_load(p, &c, err, sizeof(err)), -EINVAL);
        snprintf(want, sizeof(want), "%s:4:", p);
        ck_assert_msg(strstr(err, want), "message \"%s\" lacks \"%s\"", err, want);
        ck_assert_ptr_nonnull(strstr(err, "detect.weights.foo"));
        free(p);

        static const char ok[] = "{\"action\": \"log\"}";
        p = write_file(d, "ok.json", ok, sizeof(ok) - 1);
        ck_assert_msg(config_load(p, &c, err, sizeof(err)) == 0, "%s", err);
        ck_assert_int_eq(c->action, CONFIG_ACTION_LOG);
        config_free(c);
        free(p);

        static const char empty[] = "";
        p = write_file(d, "empty.json", empty, 0);
        ck_assert_int_eq(config_load(p, &c, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "invalid JSON"));
        free(p);
        tmpdir_free(d);
}
END_TEST

/* ---- config_add_protect ---- */

START_TEST(test_add_protect) {
        struct config *c;
        char err[256] = "";

        ck_assert_int_eq(config_default(&c), 0);
        ck_assert(c->protect_is_default);
        ck_assert_int_eq(config_add_protect(c, "relative", err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "relative"));
        ck_assert_ptr_nonnull(strstr(err, "absolute"));
        ck_assert_int_eq(config_add_protect(c, "", err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(config_add_protect(c, NULL, err, sizeof(err)), -EINVAL);
        ck_assert(c->protect_is_default); /* failures change nothing */

        /* The first --protect replaces the defaults, later ones append. */
        ck_assert_int_eq(config_add_protect(c, "/data", err, sizeof(err)), 0);
        ck_assert(!c->protect_is_default);
        ck_assert_uint_eq(strv_length(c->protect), 1);
        ck_assert_str_eq(c->protect[0], "/data");
        ck_assert_int_eq(config_add_protect(c, "/srv", err, sizeof(err)), 0);
        ck_assert_uint_eq(strv_length(c->protect), 2);
        ck_assert_str_eq(c->protect[1], "/srv");
        config_free(c);

        /* Added to a configured list. */
        c = parse_ok("{\"protect\": [\"/home\"]}");
        ck_assert_int_eq(config_add_protect(c, "/opt", err, sizeof(err)), 0);
        ck_assert_uint_eq(strv_length(c->protect), 2);
        ck_assert_str_eq(c->protect[0], "/home");
        ck_assert_str_eq(c->protect[1], "/opt");
        config_free(c);

        c = parse_ok("{\"protect\": []}");
        ck_assert_int_eq(config_add_protect(c, "/opt", err, sizeof(err)), 0);
        ck_assert_uint_eq(strv_length(c->protect), 1);
        config_free(c);

        /* Many. */
        ck_assert_int_eq(config_default(&c), 0);
        for (int i = 0; i < 1000; i++) {
                char p[32];
                snprintf(p, sizeof(p), "/p%d", i);
                ck_assert_int_eq(config_add_protect(c, p, err, sizeof(err)), 0);
        }
        ck_assert_uint_eq(strv_length(c->protect), 1000);
        ck_assert_str_eq(c->protect[999], "/p999");
        config_free(c);
}
END_TEST

/* ---- the shipped configuration ---- */

/* server.block_by: an array of "user" and "address", each a bit; anything else named. */
START_TEST(test_block_by) {
        struct config *c = parse_ok("{\"server\": {\"block_by\": [\"user\", \"address\"]}}");
        ck_assert_uint_eq(c->block_by, BLOCK_USER | BLOCK_ADDR);
        config_free(c);
        c = parse_ok("{\"server\": {\"block_by\": []}}");
        ck_assert_uint_eq(c->block_by, 0);
        config_free(c);
        c = parse_ok("{\"server\": {\"block_by\": [\"user\"]}}");
        ck_assert_uint_eq(c->block_by, BLOCK_USER);
        config_free(c);
        static const struct {
                const char *text, *needle;
        } bad[] = {
                { "{\"server\": {\"block_by\": \"user\"}}", "server.block_by: expected an array of names, got a string" },
                { "{\"server\": {\"block_by\": [\"user\", \"ip\"]}}", "element 1: invalid value \"ip\", expected one of \"user\", \"address\"" },
                { "{\"server\": {\"block_by\": [1]}}", "element 0: invalid value 1" },
                { "{\"server\": {\"block_dir\": \"run/blocks\"}}", "server.block_dir: \"run/blocks\" is not an absolute path" },
                { "{\"server\": {\"block_dir\": \"/run/../etc\"}}", "is not an absolute path" },
                { "{\"control\": {\"socket\": \"ctl.sock\"}}", "control.socket: \"ctl.sock\" is not an absolute path" },
                { "{\"control\": {\"incident_dir\": \"/run/./x\"}}", "control.incident_dir: \"/run/./x\" is not an absolute path" },
                { "{\"control\": {\"group\": \"adm;rm\"}}", "control.group: \"adm;rm\" is not a group name" },
                { "{\"vault\": {\"dir\": \"vault\"}}", "vault.dir: \"vault\" is not an absolute path" },
                { "{\"vault\": {\"max_mib\": 0}}", "vault.max_mib: value 0 out of range" },
                { "{\"vault\": {\"keep_seconds\": 5}}", "vault.keep_seconds: value 5 out of range" },
                { "{\"server\": {\"term_grace_ms\": 50}}", "server.term_grace_ms: value 50 out of range" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char err[512] = "";
                struct config *x = NULL;
                ck_assert_int_eq(config_parse(bad[i].text, NAME, &x, err, sizeof(err)), -EINVAL);
                ck_assert_ptr_null(x);
                ck_assert_msg(strstr(err, bad[i].needle), "%s: got \"%s\"", bad[i].text, err);
        }
}
END_TEST

START_TEST(test_default_file_parses) {
        char err[512] = "";
        struct config *c = NULL, *d = NULL;
        int r = config_load(DEFAULT_CONF, &c, err, sizeof(err));
        ck_assert_msg(r == 0, "%s (run the tests from the repository root): %s", DEFAULT_CONF, err);
        /* It documents the built-in defaults: loading it changes nothing. */
        ck_assert_int_eq(config_default(&d), 0);
        assert_config_eq(c, d);
        config_free(c);
        config_free(d);
}
END_TEST

static bool key_in_list(const char *const *list, size_t n, const char *key) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i], key) == 0)
                        return true;
        return false;
}

/* Walk the conf tree: every key in it must be one the parser accepts (in all_keys). */
static void check_known(const cJSON *o, const char *prefix) {
        const cJSON *e;
        cJSON_ArrayForEach(e, o) {
                char path[256];
                snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "." : "", e->string);
                ck_assert_msg(key_in_list(all_keys, ELEMENTSOF(all_keys), path),
                              "%s has key %s, which is not in all_keys", DEFAULT_CONF, path);
                if (cJSON_IsObject(e))
                        check_known(e, path);
        }
}

START_TEST(test_default_file_documents_every_key) {
        FILE *f = fopen(DEFAULT_CONF, "re");
        ck_assert_msg(f != NULL, "cannot open %s (run the tests from the repository root)", DEFAULT_CONF);
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
        text[n] = '\0';
        cJSON *root = cJSON_Parse(text);
        ck_assert_ptr_nonnull(root);

        for (size_t i = 0; i < ELEMENTSOF(all_keys); i++) {
                if (key_in_list(keys_not_in_default_file, ELEMENTSOF(keys_not_in_default_file), all_keys[i]))
                        continue;
                char path[256];
                snprintf(path, sizeof(path), "%s", all_keys[i]);
                const cJSON *o = root;
                char *save = NULL;
                for (char *tok = strtok_r(path, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
                        o = cJSON_GetObjectItemCaseSensitive(o, tok);
                ck_assert_msg(o != NULL, "%s does not show the key %s", DEFAULT_CONF, all_keys[i]);
        }
        check_known(root, "");
        cJSON_Delete(root);
}
END_TEST

START_TEST(test_vault_on_filesystems) {
        struct config *c = parse_ok("{}");
        ck_assert(c->vault_on_filesystems); /* on by default */
        config_free(c);
        c = parse_ok("{\"vault\": {\"on_filesystems\": false}}");
        ck_assert(!c->vault_on_filesystems);
        config_free(c);
        FAIL_WITH("{\"vault\": {\"on_filesystems\": \"yes\"}}", "vault.on_filesystems");
}
END_TEST

START_TEST(test_key_list_in_sync) {
        /* Every key of the list is accepted on its own, so the list holds no stale names. The
         * value is a valid one for its type, taken from the defaults. */
        for (size_t i = 0; i < ELEMENTSOF(all_keys); i++) {
                const char *k = all_keys[i];
                const char *v = "{}";
                if (strcmp(k, "protect") == 0 || strcmp(k, "allow") == 0 || strcmp(k, "server.worker_parents") == 0)
                        v = "[\"/x\"]";
                else if (strcmp(k, "action") == 0)
                        v = "\"kill\"";
                else if (strcmp(k, "source") == 0)
                        v = "\"auto\"";
                else if (strcmp(k, "canary.name") == 0)
                        v = "\"x\"";
                else if (strcmp(k, "server.block_by") == 0)
                        v = "[\"user\"]";
                else if (strcmp(k, "server.block_dir") == 0 || strcmp(k, "control.socket") == 0 ||
                         strcmp(k, "control.incident_dir") == 0 || strcmp(k, "vault.dir") == 0)
                        v = "\"/x\"";
                else if (strcmp(k, "control.group") == 0)
                        v = "\"adm\"";
                else if (strstr(k, ".enabled") || strcmp(k, "vault.on_filesystems") == 0)
                        v = "true";
                else if (strchr(k, '.')) {
                        bool object = strcmp(k, "detect.weights") == 0;
                        if (!object) {
                                /* The default value of a numeric key. */
                                struct config *d;
                                ck_assert_int_eq(config_default(&d), 0);
                                static char num[64];
                                snprintf(num, sizeof(num), "%.17g", value_of(d, k));
                                config_free(d);
                                v = num;
                        }
                }
                struct kv kv[] = { { k, v } };
                char *text = build_json(kv, 1);
                struct config *c = parse_ok(text);
                config_free(c);
                free(text);
        }
}
END_TEST

static Suite *config_suite(void) {
        Suite *s = suite_create("config");
        TCase *tc;

        tc = tcase_create("accept");
        tcase_add_test(tc, test_empty_object_gives_defaults);
        tcase_add_test(tc, test_all_keys_accepted);
        tcase_add_test(tc, test_block_by);
        tcase_add_test(tc, test_enum_values);
        tcase_add_test(tc, test_paths_accepted);
        tcase_add_loop_test(tc, test_range_bounds_accepted, 0, ELEMENTSOF(ranges));
        suite_add_tcase(s, tc);

        tc = tcase_create("reject");
        tcase_add_test(tc, test_wrong_types);
        tcase_add_test(tc, test_protect_not_absolute);
        tcase_add_test(tc, test_unknown_keys);
        tcase_add_test(tc, test_line_numbers_follow_the_path);
        tcase_add_test(tc, test_duplicated_keys);
        tcase_add_loop_test(tc, test_range_outside_rejected, 0, ELEMENTSOF(ranges));
        tcase_add_test(tc, test_range_infinite);
        tcase_add_test(tc, test_string_length_range);
        tcase_add_test(tc, test_cross_key_rules);
        tcase_add_test(tc, test_invalid_json);
        tcase_add_test(tc, test_top_level_not_object);
        tcase_add_test(tc, test_small_error_buffer);
        suite_add_tcase(s, tc);

        tc = tcase_create("load");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_load_missing);
        tcase_add_test(tc, test_load_directory);
        tcase_add_test(tc, test_load_not_regular);
        tcase_add_test(tc, test_load_nul_byte);
        tcase_add_test(tc, test_load_size_limit);
        tcase_add_test(tc, test_load_names_file_in_errors);
        tcase_add_test(tc, test_add_protect);
        tcase_add_test(tc, test_vault_on_filesystems);
        suite_add_tcase(s, tc);

        tc = tcase_create("default_file");
        tcase_add_test(tc, test_default_file_parses);
        tcase_add_test(tc, test_default_file_documents_every_key);
        tcase_add_test(tc, test_key_list_in_sync);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(config_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
