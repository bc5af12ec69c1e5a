/* prepare — a loaded configuration made ready to run: the command line's --protect and --source
 * applied, the default roots that exist on this machine, every root canonical, existing and
 * listed once; and the allowlist turned into file identities. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "policy.h"

struct prepare_opts {
        char *const *extra_protect; /* --protect, NULL-terminated (may be NULL) */
        bool source_set;            /* --source given: overrides the config's "source" */
        enum config_source source;
};

/* -ENOENT with a message in err when no protected directory exists, -ENOMEM. */
int prepare_config(const struct prepare_opts *o, struct config *cfg, char *err, size_t errlen);

/* The allowlist by identity: a path string in /proc/PID/exe can be faked from another mount
 * namespace, the file's device and inode cannot. A listed path that is not an existing file
 * allows nothing (and is reported). *ret is malloc'd; -ENOMEM. */
int prepare_allowlist(const struct config *c, struct policy_exe **ret, size_t *ret_n);
/* The same for server.worker_parents. */
int prepare_worker_parents(const struct config *c, struct policy_exe **ret, size_t *ret_n);
