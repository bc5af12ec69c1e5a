/* privdir — mkdir -p, then open and check without following symlinks. */
#include "privdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int privdir_open(const char *dir, const char *key, bool create, char *err, size_t errlen) {
        if (create) {
                char tmp[1024];
                snprintf(tmp, sizeof(tmp), "%s", dir);
                for (char *q = tmp + 1; *q; q++)
                        if (*q == '/') {
                                *q = '\0';
                                (void)mkdir(tmp, 0755);
                                *q = '/';
                        }
                if (mkdir(tmp, 0700) < 0 && errno != EEXIST) {
                        int r = -errno;
                        snprintf(err, errlen, "Failed to create %s %s: %s", key, dir, strerror(-r));
                        return r;
                }
        }
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                int r = -errno;
                snprintf(err, errlen, "Failed to open %s %s: %s%s", key, dir, strerror(-r),
                         r == -ELOOP || r == -ENOTDIR ? " (not a directory: a symlink or a file)" : "");
                return r;
        }
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
                snprintf(err, errlen, "Refusing %s %s: it must be a directory owned by uid %u that "
                         "nobody else may write (mode %03o, owner %u)", key, dir, (unsigned)geteuid(),
                         (unsigned)(st.st_mode & 0777), (unsigned)st.st_uid);
                close(fd);
                return -EPERM;
        }
        return fd;
}
