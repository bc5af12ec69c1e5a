/* manager — owns the event loop (sd-event) and every piece on it: the configuration, the
 * sources, the before-state cache, the process table and the pipeline that ties them together;
 * signals (SIGTERM/SIGINT stop, SIGHUP reloads), the status timer and sd_notify. */
#pragma once
#include <stdbool.h>

#include "config.h"

/* Exit codes (documented in README and ransomguardd(8)). */
enum {
        RG_EXIT_OK = 0,
        RG_EXIT_FAILURE = 1,   /* runtime failure */
        RG_EXIT_USAGE = 2,     /* bad command line */
        RG_EXIT_CONFIG = 3,    /* configuration invalid or unreadable */
        RG_EXIT_NOSOURCE = 4,  /* nothing to protect, or no event source usable */
};

struct manager_opts {
        const char *config_path;
        char **extra_protect;   /* from --protect, NULL-terminated */
        bool dry_run;
        bool source_set;        /* --source given: overrides config "source" */
        enum config_source source;
        const char *procdir;    /* "/proc" */
};

struct manager;

/* cfg must have been through prepare_config(); the manager takes ownership of it. */
int manager_new(const struct manager_opts *o, struct config *cfg, struct manager **ret);
/* Runs until SIGTERM/SIGINT; returns an exit code. */
int manager_run(struct manager *m);
struct manager *manager_free(struct manager *m);
