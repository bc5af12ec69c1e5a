/* ransomguardd — thin main: arguments, configuration, then the manager's loop. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "blocks.h"
#include "config.h"
#include "journal.h"
#include "manager.h"
#include "prepare.h"

#define DEFAULT_CONFIG "/etc/ransomguard/ransomguard.json"

static void help(void) {
        printf("Usage: ransomguardd [OPTIONS]\n\n"
               "Stop ransomware while it runs: judge every written file, score processes, act.\n\n"
               "  -c, --config FILE     configuration (default " DEFAULT_CONFIG ")\n"
               "      --check-config    validate the configuration, print the result, exit\n"
               "      --dry-run         decide and log, never signal a process\n"
               "      --blocks          list the server clients blocked now (server.block_dir), exit\n"
               "      --unblock WHO     lift the block on WHO (user name, uid, IP address, or all), exit\n"
               "      --protect PATH    protect PATH too (repeatable; replaces the built-in defaults\n"
               "                        when the configuration has no \"protect\" key)\n"
               "      --source S        fanotify | inotify | auto (overrides \"source\")\n"
               "  -v, --verbose         debug messages\n"
               "      --procdir DIR     read processes from DIR instead of /proc (tests)\n"
               "  -h, --help            this help\n"
               "      --version         version\n\n"
               "Exit status: 0 stopped cleanly, 1 runtime failure, 2 usage error,\n"
               "3 invalid configuration, 4 nothing to protect or no usable event source;\n"
               "--unblock: 0 lifted, 1 no such block (or it could not be removed).\n");
}

struct args {
        struct manager_opts mo;
        char **protect;
        bool check, list_blocks;
        const char *unblock;
        int verbose;
};

/* The command line into a; -1 to go on, else the exit code (help, version, a usage error). */
static int parse_args(int argc, char **argv, struct args *a) {
        enum { OPT_CHECK = 256, OPT_DRY, OPT_PROTECT, OPT_SOURCE, OPT_VERSION, OPT_PROCDIR, OPT_BLOCKS, OPT_UNBLOCK };
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "check-config", no_argument, NULL, OPT_CHECK },
                { "dry-run", no_argument, NULL, OPT_DRY },
                { "protect", required_argument, NULL, OPT_PROTECT },
                { "source", required_argument, NULL, OPT_SOURCE },
                { "procdir", required_argument, NULL, OPT_PROCDIR },
                { "blocks", no_argument, NULL, OPT_BLOCKS },
                { "unblock", required_argument, NULL, OPT_UNBLOCK },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                {}
        };
        size_t n_protect = 0;
        int c;
        while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) >= 0) {
                switch (c) {
                case 'c': a->mo.config_path = optarg; break;
                case OPT_CHECK: a->check = true; break;
                case OPT_DRY: a->mo.dry_run = true; break;
                case OPT_PROTECT: a->protect[n_protect++] = optarg; break;
                case OPT_PROCDIR: a->mo.procdir = optarg; break;
                case OPT_BLOCKS: a->list_blocks = true; break;
                case OPT_UNBLOCK: a->unblock = optarg; break;
                case OPT_SOURCE:
                        a->mo.source_set = true;
                        if (strcmp(optarg, "fanotify") == 0)
                                a->mo.source = CONFIG_SOURCE_FANOTIFY;
                        else if (strcmp(optarg, "inotify") == 0)
                                a->mo.source = CONFIG_SOURCE_INOTIFY;
                        else if (strcmp(optarg, "auto") == 0)
                                a->mo.source = CONFIG_SOURCE_AUTO;
                        else {
                                fprintf(stderr, "ransomguardd: --source: invalid value \"%s\", expected fanotify, inotify or auto\n", optarg);
                                return RG_EXIT_USAGE;
                        }
                        break;
                case 'v': a->verbose++; break;
                case 'h': help(); return RG_EXIT_OK;
                case OPT_VERSION: printf("ransomguardd %s\n", RG_VERSION); return RG_EXIT_OK;
                default: return RG_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "ransomguardd: unexpected argument \"%s\" (see --help)\n", argv[optind]);
                return RG_EXIT_USAGE;
        }
        a->mo.extra_protect = a->protect;
        return -1;
}

int main(int argc, char **argv) {
        struct args a = { .mo = { .config_path = DEFAULT_CONFIG, .procdir = "/proc" } };
        if (!(a.protect = calloc((size_t)argc + 1, sizeof(char *))))
                return RG_EXIT_FAILURE;
        int r = parse_args(argc, argv, &a);
        if (r >= 0) {
                free(a.protect);
                return r;
        }
        struct manager_opts mo = a.mo;
        char **protect = a.protect;
        bool check = a.check;
        int verbose = a.verbose;

        /* Under systemd stderr already is the journal: do not write every line twice. */
        journal_setup(getenv("JOURNAL_STREAM") == NULL, verbose ? LOG_DEBUG : LOG_INFO);

        struct config *cfg = NULL;
        char err[1024];
        if (a.list_blocks || a.unblock) {
                /* The commands need the configuration's server.block_dir only. */
                r = config_load(mo.config_path, &cfg, err, sizeof(err));
                if (r < 0) {
                        fprintf(stderr, "%s\n", err);
                        free(protect);
                        return RG_EXIT_CONFIG;
                }
                r = a.unblock ? blocks_unblock_cmd(cfg->block_dir, a.unblock, true, stdout, stderr)
                             : blocks_list_cmd(cfg->block_dir, stdout, stderr);
                config_free(cfg);
                free(protect);
                return r < 0 ? RG_EXIT_FAILURE : RG_EXIT_OK;
        }
        struct prepare_opts po = { .extra_protect = protect, .source_set = mo.source_set, .source = mo.source };
        r = config_load(mo.config_path, &cfg, err, sizeof(err));
        if (r >= 0)
                r = prepare_config(&po, cfg, err, sizeof(err));
        if (r < 0) {
                log_error("%s", err);
                config_free(cfg);
                free(protect);
                return r == -ENOENT && cfg ? RG_EXIT_NOSOURCE : RG_EXIT_CONFIG;
        }
        if (check) {
                printf("%s: configuration valid; protecting:", mo.config_path);
                for (char **p = cfg->protect; *p; p++)
                        printf(" %s", *p);
                printf("; action %s\n", config_action_name(cfg->action));
                config_free(cfg);
                free(protect);
                return RG_EXIT_OK;
        }
        if (geteuid() != 0)
                log_warning("Not running as root: fanotify needs CAP_SYS_ADMIN, acting on other users' "
                            "processes needs CAP_KILL");

        /* Outside systemd (whose unit sets LimitNOFILE=) the soft limit is often 1024: every
         * queued fanotify event holds an fd until it is handled. */
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
                (void)setrlimit(RLIMIT_NOFILE, &rl); /* EPERM under the unit's filter: it set the limit */
        }

        struct manager *m = NULL;
        r = manager_new(&mo, cfg, &m);
        if (r < 0) {
                log_error("Failed to set up: %s", strerror(-r));
                free(protect);
                return RG_EXIT_FAILURE;
        }
        r = manager_run(m);
        manager_free(m);
        free(protect);
        return r;
}
