/* ransomguardctl — the operator's command: arguments to one request, the reply to text or JSON. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctlproto.h"
#include "history.h"

#define DEFAULT_SOCKET "/run/ransomguard/control"

static void help(void) {
        printf("Usage: ransomguardctl [OPTIONS] COMMAND [ARGS]\n\n"
               "Talk to the running ransomguardd.\n\n"
               "Commands:\n"
               "  status                    what the daemon protects, how, and what it has seen\n"
               "  incidents [--since TIME]  every detection (the daemon's, then older ones from the journal)\n"
               "  incident ID               one detection, with its processes and what they do now\n"
               "  resume ID [--force]       continue a suspended family (its program must be allowed,\n"
               "                            or --force: then it is judged afresh)\n"
               "  kill ID                   kill an incident's processes\n"
               "  allow EXE [--persist]     never act on EXE; --persist writes it to the configuration\n"
               "  disallow EXE [--persist]  take EXE off the allowlist\n"
               "  reload                    read the configuration again; says whether it was applied\n"
               "  blocks                    the file-server clients blocked now\n"
               "  unblock WHO               lift a block (user name, uid, address, or all)\n"
               "  restore ID|--all [--under PATH] [--to DIR] [--dry-run]\n"
               "                            put back the originals the vault kept for an incident\n\n"
               "Options:\n"
               "  -o, --output FMT          human (default) or json\n"
               "  -s, --socket PATH         the control socket (default " DEFAULT_SOCKET ")\n"
               "  -h, --help, --version\n\n"
               "TIME: 2026-12-01, \"2026-12-01 14:30\", 30m, 2h, 7d (ago), @EPOCH.\n"
               "Exit status: 0 done, 1 failed (or partly), 2 usage, 3 daemon not running,\n"
               "4 no such incident, 5 refused.\n");
}

static bool json_out;

/* TIME into CLOCK_REALTIME µs; -1 when not understood. */
static int64_t parse_time(const char *s) {
        char *end;
        if (s[0] == '@') {
                long long v = strtoll(s + 1, &end, 10);
                return *end || v < 0 ? -1 : v * 1000000LL;
        }
        long long v = strtoll(s, &end, 10);
        if (end != s && v >= 0 && end[0] && !end[1] && strchr("smhd", end[0])) {
                long long mult = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : 86400;
                return ((long long)time(NULL) - v * mult) * 1000000LL;
        }
        static const char *const fmts[] = { "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", NULL };
        for (int i = 0; fmts[i]; i++) {
                struct tm tm = { .tm_isdst = -1 };
                const char *e = strptime(s, fmts[i], &tm);
                if (e && !*e) {
                        time_t t = mktime(&tm);
                        return t < 0 ? -1 : (int64_t)t * 1000000LL;
                }
        }
        return -1;
}

static void print_json(const cJSON *j) {
        char *t = cJSON_Print(j);
        if (t)
                printf("%s\n", t);
        free(t);
}

/* A failed reply: its message, and the exit status its code means. */
static int failed(const cJSON *r) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
        if (json_out)
                print_json(r);
        else
                fprintf(stderr, "ransomguardctl: %s\n", cJSON_IsString(e) ? e->valuestring : "failed");
        return ctl_exit_of(r);
}

static bool is_ok(const cJSON *r) {
        return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"));
}

/* One request with the given string members ("k", v, … NULL). */
static int call(const char *sock, cJSON **ret, const char *cmd, ...) {
        cJSON *q = cJSON_CreateObject();
        va_list ap;
        va_start(ap, cmd);
        cJSON_AddStringToObject(q, "cmd", cmd);
        for (const char *k; (k = va_arg(ap, const char *));)
                cJSON_AddStringToObject(q, k, va_arg(ap, const char *));
        va_end(ap);
        int r = ctl_call(sock, q, ret);
        cJSON_Delete(q);
        return r;
}

static int cmd_incidents(const char *sock, int64_t since) {
        cJSON *q = cJSON_CreateObject(), *r = NULL;
        cJSON_AddStringToObject(q, "cmd", "incidents");
        if (since > 0)
                cJSON_AddNumberToObject(q, "since_us", (double)since);
        int st = ctl_call(sock, q, &r);
        cJSON_Delete(q);
        if (st == 0 && !is_ok(r)) {
                int e = failed(r);
                cJSON_Delete(r);
                return e;
        }
        /* The daemon's, then the journal's it does not hold (older, or from before a reboot),
         * in time order. */
        cJSON *mine = r ? cJSON_DetachItemFromObjectCaseSensitive(r, "incidents") : cJSON_CreateArray();
        cJSON *older = ctl_journal_incidents(since, NULL), *all = cJSON_CreateArray(), *x, *y;
        cJSON_ArrayForEach(x, older) {
                const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "id"));
                bool held = false;
                cJSON_ArrayForEach(y, mine) held = held || (id && id[0] &&
                                                          strcmp(id, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(y, "id"))) == 0);
                if (!held && (!mine || !cJSON_GetArraySize(mine) ||
                              cJSON_GetObjectItemCaseSensitive(x, "time_us")->valuedouble <
                                      cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(mine, 0), "time_us")->valuedouble))
                        cJSON_AddItemReferenceToArray(all, x);
        }
        cJSON_ArrayForEach(y, mine) cJSON_AddItemReferenceToArray(all, y);
        if (json_out)
                print_json(all);
        else
                ctl_show_incidents(all);
        cJSON_Delete(all);
        cJSON_Delete(older);
        cJSON_Delete(mine);
        cJSON_Delete(r);
        return st;
}

static int cmd_incident(const char *sock, const char *id) {
        cJSON *r = NULL;
        int st = call(sock, &r, "incident", "id", id, NULL);
        if (st == 0 && is_ok(r)) {
                cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "incident");
                json_out ? print_json(e) : ctl_show_incident(e);
                cJSON_Delete(r);
                return 0;
        }
        if (st == 0 && ctl_exit_of(r) != CTL_EXIT_NOT_FOUND) {
                st = failed(r);
                cJSON_Delete(r);
                return st;
        }
        cJSON_Delete(r);
        /* Not the daemon's (or no daemon): the journal may know it. */
        cJSON *a = ctl_journal_incidents(0, id);
        cJSON *e = cJSON_GetArrayItem(a, cJSON_GetArraySize(a) - 1);
        if (e) {
                json_out ? print_json(e) : ctl_show_incident(e);
                cJSON_Delete(a);
                return st;
        }
        cJSON_Delete(a);
        fprintf(stderr, "ransomguardctl: no incident %s (neither the daemon nor the journal knows it)\n", id);
        return st ? st : CTL_EXIT_NOT_FOUND;
}

static int cmd_signal(const char *sock, const char *cmd, const char *id, bool force) {
        cJSON *q = cJSON_CreateObject(), *r = NULL;
        cJSON_AddStringToObject(q, "cmd", cmd);
        cJSON_AddStringToObject(q, "id", id);
        if (force)
                cJSON_AddTrueToObject(q, "force");
        int st = ctl_call(sock, q, &r);
        cJSON_Delete(q);
        if (st)
                return st;
        if (!is_ok(r)) {
                st = failed(r);
                cJSON_Delete(r);
                return st;
        }
        if (json_out)
                print_json(r);
        else
                printf("Incident %s: %s\n", id, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "result")));
        cJSON_Delete(r);
        return 0;
}

static int cmd_reload(const char *sock) {
        cJSON *r = NULL;
        int st = call(sock, &r, "reload", NULL);
        if (st)
                return st;
        if (!is_ok(r)) {
                const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
                if (json_out)
                        print_json(r);
                else
                        fprintf(stderr, "ransomguardctl: reload refused, the running configuration is kept: %s\n",
                                cJSON_IsString(e) ? e->valuestring : "?");
                st = ctl_exit_of(r);
        } else if (json_out)
                print_json(r);
        else
                printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "message")));
        cJSON_Delete(r);
        return st;
}

static int cmd_allow(const char *sock, const char *exe, bool allow, bool persist) {
        cJSON *r = NULL;
        int st = call(sock, &r, allow ? "allow" : "disallow", "exe", exe, NULL);
        if (st)
                return st;
        if (!is_ok(r) && !(persist && !allow && ctl_exit_of(r) == CTL_EXIT_NOT_FOUND)) {
                st = failed(r);
                cJSON_Delete(r);
                return st;
        }
        const char *cfg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "config"));
        char path[4096];
        snprintf(path, sizeof(path), "%s", cfg ? cfg : "");
        bool was_ok = is_ok(r);
        cJSON_Delete(r);
        if (!json_out && was_ok)
                printf("%s %s (now, until the daemon restarts%s)\n", allow ? "Allowed" : "No longer allowed:", exe,
                       persist ? "; and in the configuration" : "");
        if (!persist)
                return 0;
        if (!path[0]) {
                r = NULL;
                if ((st = call(sock, &r, "status", NULL)))
                        return st;
                snprintf(path, sizeof(path), "%s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "config")));
                cJSON_Delete(r);
        }
        char *old = NULL;
        if ((st = ctl_persist_allow(path, exe, allow, &old)))
                return st;
        if (!old)
                return 0;
        r = NULL;
        if ((st = call(sock, &r, "reload", NULL))) {
                free(old);
                return st;
        }
        if (!is_ok(r)) {
                const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
                fprintf(stderr, "ransomguardctl: the daemon refused the edited configuration (%s); %s put back as it was\n",
                        cJSON_IsString(e) ? e->valuestring : "?", path);
                (void)ctl_persist_write(path, old);
                st = ctl_exit_of(r);
        } else if (json_out)
                print_json(r);
        else
                printf("Written to %s and reloaded.\n", path);
        free(old);
        cJSON_Delete(r);
        return st;
}

static int cmd_text(const char *sock, const char *cmd, const char *who) {
        cJSON *r = NULL;
        int st = who ? call(sock, &r, cmd, "who", who, NULL) : call(sock, &r, cmd, NULL);
        if (st)
                return st;
        /* A user name the daemon's blocks do not carry as a label: by its uid (resolved here: the
         * daemon never asks NSS). */
        struct passwd *pw;
        if (who && !is_ok(r) && ctl_exit_of(r) == CTL_EXIT_NOT_FOUND && (pw = getpwnam(who))) {
                char uid[16];
                snprintf(uid, sizeof(uid), "%u", (unsigned)pw->pw_uid);
                cJSON_Delete(r);
                r = NULL;
                if ((st = call(sock, &r, cmd, "who", uid, NULL)))
                        return st;
        }
        if (!is_ok(r))
                st = failed(r);
        else if (json_out)
                print_json(r);
        else
                fputs(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "text")), stdout);
        cJSON_Delete(r);
        return st;
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "output", required_argument, NULL, 'o' }, { "socket", required_argument, NULL, 's' },
                { "since", required_argument, NULL, 'S' },  { "force", no_argument, NULL, 'f' },
                { "persist", no_argument, NULL, 'p' },      { "help", no_argument, NULL, 'h' },
                { "all", no_argument, NULL, 'A' },          { "under", required_argument, NULL, 'U' },
                { "to", required_argument, NULL, 'T' },     { "dry-run", no_argument, NULL, 'D' },
                { "version", no_argument, NULL, 'V' },      {}
        };
        const char *sock = DEFAULT_SOCKET, *since_s = NULL;
        bool force = false, persist = false, all = false;
        struct restore_opts ro = { 0 };
        int c;
        while ((c = getopt_long(argc, argv, "o:s:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'o':
                        if (strcmp(optarg, "json") == 0)
                                json_out = true;
                        else if (strcmp(optarg, "human") != 0) {
                                fprintf(stderr, "ransomguardctl: -o: expected human or json, got \"%s\"\n", optarg);
                                return CTL_EXIT_USAGE;
                        }
                        break;
                case 's': sock = optarg; break;
                case 'S': since_s = optarg; break;
                case 'f': force = true; break;
                case 'p': persist = true; break;
                case 'A': all = true; break;
                case 'U': ro.under = optarg; break;
                case 'T': ro.to = optarg; break;
                case 'D': ro.dry_run = true; break;
                case 'h': help(); return 0;
                case 'V': printf("ransomguardctl %s\n", RG_VERSION); return 0;
                default: return CTL_EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "ransomguardctl: a command is needed (see --help)\n");
                return CTL_EXIT_USAGE;
        }
        const char *cmd = argv[optind], *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
        int nargs = argc - optind - 1;
        /* Which command takes what. */
        static const struct {
                const char *name;
                int args;          /* 0 or 1 */
                bool id, since, force, persist;
        } cmds[] = {
                { .name = "status" },
                { .name = "incidents", .since = true },
                { .name = "incident", .args = 1, .id = true },
                { .name = "resume", .args = 1, .id = true, .force = true },
                { .name = "kill", .args = 1, .id = true },
                { .name = "allow", .args = 1, .persist = true },
                { .name = "disallow", .args = 1, .persist = true },
                { .name = "reload" },
                { .name = "blocks" },
                { .name = "unblock", .args = 1 },
        };
        int k = -1;
        for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
                if (strcmp(cmd, cmds[i].name) == 0)
                        k = (int)i;
        if (strcmp(cmd, "restore") == 0) {
                if ((all ? nargs != 0 : nargs != 1) || since_s || force || persist ||
                    (ro.under && ro.under[0] != '/') || (ro.to && ro.to[0] != '/')) {
                        fprintf(stderr, "ransomguardctl: restore: an incident ID or --all, absolute paths for --under "
                                        "and --to (see --help)\n");
                        return CTL_EXIT_USAGE;
                }
                if (!all && !history_id_valid(arg)) {
                        fprintf(stderr, "ransomguardctl: \"%s\" is not an incident id\n", arg);
                        return CTL_EXIT_USAGE;
                }
                ro.id = all ? NULL : arg;
                return ctl_restore(sock, &ro);
        }
        if (all || ro.under || ro.to || ro.dry_run) {
                fprintf(stderr, "ransomguardctl: --all, --under, --to and --dry-run go with restore\n");
                return CTL_EXIT_USAGE;
        }
        if (k < 0) {
                fprintf(stderr, "ransomguardctl: unknown command \"%s\" (see --help)\n", cmd);
                return CTL_EXIT_USAGE;
        }
        if (nargs != cmds[k].args || (since_s && !cmds[k].since) || (force && !cmds[k].force) ||
            (persist && !cmds[k].persist)) {
                fprintf(stderr, "ransomguardctl: %s: wrong arguments (see --help)\n", cmd);
                return CTL_EXIT_USAGE;
        }
        if (cmds[k].id && !history_id_valid(arg)) {
                fprintf(stderr, "ransomguardctl: \"%s\" is not an incident id (%d hex digits, as in RG_INCIDENT)\n", arg,
                        HISTORY_ID_LEN);
                return CTL_EXIT_USAGE;
        }
        if ((strcmp(cmd, "allow") == 0 || strcmp(cmd, "disallow") == 0) && arg[0] != '/') {
                fprintf(stderr, "ransomguardctl: %s: EXE must be an absolute path, as in RG_EXE\n", cmd);
                return CTL_EXIT_USAGE;
        }
        int64_t since = 0;
        if (since_s && (since = parse_time(since_s)) < 0) {
                fprintf(stderr, "ransomguardctl: --since: \"%s\" is not a time (2026-12-01, \"2026-12-01 14:30\", 2h, @EPOCH)\n",
                        since_s);
                return CTL_EXIT_USAGE;
        }
        if (strcmp(cmd, "status") == 0) {
                cJSON *r = NULL;
                int st = call(sock, &r, "status", NULL);
                if (st)
                        return st;
                if (!is_ok(r))
                        st = failed(r);
                else
                        json_out ? print_json(r) : ctl_show_status(r);
                cJSON_Delete(r);
                return st;
        }
        if (strcmp(cmd, "incidents") == 0)
                return cmd_incidents(sock, since);
        if (strcmp(cmd, "incident") == 0)
                return cmd_incident(sock, arg);
        if (strcmp(cmd, "resume") == 0 || strcmp(cmd, "kill") == 0)
                return cmd_signal(sock, cmd, arg, force);
        if (strcmp(cmd, "allow") == 0 || strcmp(cmd, "disallow") == 0)
                return cmd_allow(sock, arg, strcmp(cmd, "allow") == 0, persist);
        if (strcmp(cmd, "reload") == 0)
                return cmd_reload(sock);
        return cmd_text(sock, cmd, arg);
}
