/* sim-target — the safety checks, all done before anything is touched. The target must be a
 * real directory (not a symlink) strictly below /tmp or /var/tmp once resolved, holding a regular
 * marker file .ransomguard-sim-target. After the checks every access is relative to the fd opened
 * here, so swapping a path component for a symlink later leads nowhere. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

static const char *const allowed_roots[] = { "/tmp/", "/var/tmp/" };

__attribute__((format(printf, 4, 5)))
static enum sim_exit refuse(enum sim_exit code, char *err, size_t errlen, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return code;
}

static bool strictly_below_allowed_root(const char *resolved) {
        for (size_t i = 0; i < sizeof allowed_roots / sizeof allowed_roots[0]; i++) {
                size_t n = strlen(allowed_roots[i]);
                if (strncmp(resolved, allowed_roots[i], n) == 0 && resolved[n] != '\0')
                        return true;
        }
        return false;
}

enum sim_exit sim_target_open(const char *arg, struct sim_target *ret, char *err, size_t errlen) {
        char given[PATH_MAX];
        char *resolved = NULL;
        struct stat st, fst, mst;
        enum sim_exit code;
        int fd = -1;
        size_t len;

        if (!arg || !*arg)
                return refuse(SIM_EXIT_USAGE, err, errlen, "--target is required");
        len = strlen(arg);
        if (len >= sizeof given)
                return refuse(SIM_EXIT_TARGET_MISSING, err, errlen, "Target path too long: %s", arg);
        /* "link/" would make lstat() follow the link: look at the name without trailing slashes. */
        memcpy(given, arg, len + 1);
        while (len > 1 && given[len - 1] == '/')
                given[--len] = '\0';

        if (lstat(given, &st) < 0)
                return refuse(SIM_EXIT_TARGET_MISSING, err, errlen, "Failed to stat target %s: %m", arg);
        if (S_ISLNK(st.st_mode))
                return refuse(SIM_EXIT_TARGET_SYMLINK, err, errlen,
                              "Refusing target %s: it is a symlink (give the real directory)", arg);

        resolved = realpath(given, NULL);
        if (!resolved)
                return refuse(SIM_EXIT_TARGET_MISSING, err, errlen, "Failed to resolve target %s: %m", arg);
        if (!strictly_below_allowed_root(resolved)) {
                code = refuse(SIM_EXIT_TARGET_OUTSIDE, err, errlen,
                              "Refusing target %s (resolves to %s): it must lie strictly below /tmp or /var/tmp",
                              arg, resolved);
                goto fail;
        }
        if (!S_ISDIR(st.st_mode)) {
                code = refuse(SIM_EXIT_TARGET_NOTDIR, err, errlen, "Refusing target %s: not a directory", resolved);
                goto fail;
        }

        fd = open(resolved, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                code = errno == ELOOP   ? SIM_EXIT_TARGET_SYMLINK
                       : errno == ENOTDIR ? SIM_EXIT_TARGET_NOTDIR
                                          : SIM_EXIT_TARGET_MISSING;
                refuse(code, err, errlen, "Failed to open target %s: %m", resolved);
                goto fail;
        }
        /* What we opened must be what we checked (no swap between lstat and open). */
        if (fstat(fd, &fst) < 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
                code = refuse(SIM_EXIT_TARGET_MISSING, err, errlen,
                              "Refusing target %s: it changed while being checked", resolved);
                goto fail;
        }

        if (fstatat(fd, SIM_MARKER, &mst, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        code = refuse(SIM_EXIT_NO_MARKER, err, errlen,
                                      "Refusing target %s: marker file %s is missing (create it to allow the simulator here)",
                                      resolved, SIM_MARKER);
                else
                        code = refuse(SIM_EXIT_NO_MARKER, err, errlen, "Failed to stat marker %s/%s: %m",
                                      resolved, SIM_MARKER);
                goto fail;
        }
        if (S_ISLNK(mst.st_mode) || !S_ISREG(mst.st_mode)) {
                code = refuse(SIM_EXIT_BAD_MARKER, err, errlen,
                              "Refusing target %s: marker %s is %s, it must be a regular file", resolved,
                              SIM_MARKER, S_ISLNK(mst.st_mode) ? "a symlink" : "not a regular file");
                goto fail;
        }

        ret->path = resolved;
        ret->fd = fd;
        ret->dev = fst.st_dev;
        return SIM_EXIT_OK;

fail:
        if (fd >= 0)
                close(fd);
        free(resolved);
        return code;
}

void sim_target_close(struct sim_target *t) {
        if (t->fd >= 0)
                close(t->fd);
        t->fd = -1;
        free(t->path);
        t->path = NULL;
}
