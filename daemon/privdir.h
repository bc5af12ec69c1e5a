/* privdir — a directory the daemon keeps its own files in (client blocks, incident records):
 * created mode 0700 where missing, opened without following a symlink, refused unless it is
 * ours and nobody else may write it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* An O_DIRECTORY fd, or -errno with a message naming key (the configuration key) in err. */
int privdir_open(const char *dir, const char *key, bool create, char *err, size_t errlen);
