/* ctl-persist — `allow EXE --persist`: the file's "allow" array rewritten in its text
 * (lib/cfgedit), checked by the daemon's own parser, written beside and renamed over. The
 * daemon's reload (the caller's next step) is the validation that counts; when it refuses, the
 * caller puts the old text back with ctl_persist_write. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgedit.h"
#include "config.h"
#include "util.h"

/* Write text to path (its real location: a symlink to the file stays a symlink) through a
 * temporary file in the same directory, with the old file's owner and mode. */
int ctl_persist_write(const char *path, const char *text) {
        char real[PATH_MAX];
        if (!realpath(path, real)) {
                fprintf(stderr, "ransomguardctl: Failed to resolve %s: %m\n", path);
                return CTL_EXIT_FAILURE;
        }
        struct stat st;
        if (stat(real, &st) < 0) {
                fprintf(stderr, "ransomguardctl: Failed to stat %s: %m\n", real);
                return CTL_EXIT_FAILURE;
        }
        char tmp[PATH_MAX + 32];
        snprintf(tmp, sizeof(tmp), "%s.ctl-XXXXXX", real);
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "ransomguardctl: Failed to create a file beside %s: %m\n", real);
                return CTL_EXIT_FAILURE;
        }
        size_t n = strlen(text);
        bool ok = write(fd, text, n) == (ssize_t)n && fchown(fd, st.st_uid, st.st_gid) == 0 &&
                  fchmod(fd, st.st_mode & 07777) == 0 && fsync(fd) == 0;
        int e = errno;
        if (close(fd) < 0 && ok) {
                ok = false;
                e = errno;
        }
        if (!ok || rename(tmp, real) < 0) {
                if (ok)
                        e = errno;
                (void)unlink(tmp);
                fprintf(stderr, "ransomguardctl: Failed to write %s: %s\n", real, strerror(e));
                return CTL_EXIT_FAILURE;
        }
        return 0;
}

int ctl_persist_allow(const char *path, const char *exe, bool allow, char **ret_old) {
        char err[1024], *text = NULL;
        if (config_read_file(path, &text, err, sizeof(err)) < 0) {
                fprintf(stderr, "ransomguardctl: %s\n", err);
                return CTL_EXIT_FAILURE;
        }
        struct config *c = NULL;
        if (config_parse(text, path, &c, err, sizeof(err)) < 0) {
                fprintf(stderr, "ransomguardctl: %s: not changed, it is invalid as it stands\n", err);
                free(text);
                return CTL_EXIT_REFUSED;
        }
        char **list = NULL;
        bool changed = false;
        for (char **p = c->allow; p && *p; p++) {
                if (!allow && util_same_file(*p, exe)) {
                        changed = true;
                        continue;
                }
                if (strv_push(&list, *p) < 0)
                        goto oom;
        }
        if (allow && !strv_contains(list, exe)) {
                if (strv_push(&list, exe) < 0)
                        goto oom;
                changed = true;
        }
        config_free(c);
        c = NULL;
        if (!changed) {
                printf("%s: %s is %s there already\n", path, exe, allow ? "allowed" : "not allowed");
                strv_free(list);
                free(text);
                *ret_old = NULL;
                return 0;
        }
        char *out = NULL;
        if (cfgedit_set_array(text, "allow", list, &out, err, sizeof(err)) < 0) {
                fprintf(stderr, "ransomguardctl: %s: %s\n", path, err);
                strv_free(list);
                free(text);
                return CTL_EXIT_FAILURE;
        }
        strv_free(list);
        if (config_parse(out, path, &c, err, sizeof(err)) < 0) {
                fprintf(stderr, "ransomguardctl: the edited configuration would be invalid, not written: %s\n", err);
                free(out);
                free(text);
                return CTL_EXIT_REFUSED;
        }
        config_free(c);
        int r = ctl_persist_write(path, out);
        free(out);
        if (r) {
                free(text);
                return r;
        }
        *ret_old = text;
        return 0;
oom:
        config_free(c);
        strv_free(list);
        free(text);
        fprintf(stderr, "ransomguardctl: out of memory\n");
        return CTL_EXIT_FAILURE;
}
