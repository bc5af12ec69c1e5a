/* prepare — roots and allowlist from a parsed configuration. */
#include "prepare.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "util.h"

static const char *const default_roots[] = { "/home", "/root", "/srv", "/var/www", "/opt", NULL };

int prepare_config(const struct prepare_opts *o, struct config *cfg, char *err, size_t errlen) {
        int r;
        for (char *const *p = o->extra_protect; p && *p; p++)
                if ((r = config_add_protect(cfg, *p, err, errlen)) < 0)
                        return r;
        if (o->source_set)
                cfg->source = o->source;
        if (cfg->protect_is_default) {
                strv_free(cfg->protect);
                cfg->protect = calloc(1, sizeof(char *));
                if (!cfg->protect)
                        return -ENOMEM;
                for (const char *const *d = default_roots; *d; d++)
                        if (access(*d, F_OK) == 0 && strv_push(&cfg->protect, *d) < 0)
                                return -ENOMEM;
        }
        /* Canonical, existing, de-duplicated roots. */
        size_t k = 0;
        for (size_t i = 0; cfg->protect[i]; i++) {
                char *real = realpath(cfg->protect[i], NULL);
                struct stat st;
                if (!real || stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        log_warning("Protected path %s is not an existing directory, ignoring", cfg->protect[i]);
                        free(real);
                        free(cfg->protect[i]);
                        continue;
                }
                free(cfg->protect[i]);
                cfg->protect[i] = NULL;
                bool dup = false;
                for (size_t j = 0; j < k; j++)
                        dup = dup || strcmp(cfg->protect[j], real) == 0;
                if (dup) {
                        free(real);
                        continue;
                }
                cfg->protect[k++] = real;
        }
        cfg->protect[k] = NULL;
        if (k == 0) {
                snprintf(err, errlen, "no protected directory exists (config \"protect\" or --protect)");
                return -ENOENT;
        }
        return 0;
}

static int exes(char *const *paths, const char *key, struct policy_exe **ret, size_t *ret_n) {
        size_t n = strv_length((char **)paths), k = 0;
        struct policy_exe *a = calloc(n + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct stat st;
                if (stat(paths[i], &st) < 0 || !S_ISREG(st.st_mode)) {
                        log_warning("%s: %s is not an existing executable file, ignoring", key, paths[i]);
                        continue;
                }
                a[k++] = (struct policy_exe){ .dev = st.st_dev, .ino = st.st_ino };
        }
        *ret = a;
        *ret_n = k;
        return 0;
}

int prepare_allowlist(const struct config *c, struct policy_exe **ret, size_t *ret_n) {
        return exes(c->allow, "allow", ret, ret_n);
}

int prepare_worker_parents(const struct config *c, struct policy_exe **ret, size_t *ret_n) {
        return exes(c->worker_parents, "server.worker_parents", ret, ret_n);
}
