/* inot-watch — repair of libinotifytools' watch table after renames, moves and deletions. */
#include "inot-watch.h"

#include <dirent.h>
#include <fcntl.h>
#include <inotifytools/inotifytools.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESCAN_DEPTH_MAX 128

static bool has_prefix(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

void inot_watch_track(struct inot_watch *w, const char *dir_slash) {
        int wd = inotifytools_wd_from_filename(dir_slash);
        if (wd > w->max_wd)
                w->max_wd = wd;
}

/* Watch descriptors whose table entry must lose a prefix. */
struct wdlist {
        int *v;
        size_t n, cap;
        bool oom;
};

static void wdlist_add(struct wdlist *l, int wd) {
        if (l->n == l->cap) {
                size_t c = l->cap ? 2 * l->cap : 16;
                int *v = realloc(l->v, c * sizeof(int));
                if (!v) {
                        l->oom = true;
                        return;
                }
                l->v = v;
                l->cap = c;
        }
        l->v[l->n++] = wd;
}

/* inotifytools_replace_filename() misses entries: it deletes and re-inserts nodes of the tree it is
 * walking (with 800 watched subdirectories one pass renamed 604; it takes about log2(n) passes).
 * So repeat it until none of the listed watches keeps the old prefix: at most 64 passes, or 32
 * unchecked ones when the list could not be built. The first pass has been made by the caller. */
static void replace_until(const char *from, const char *to, struct wdlist *l) {
        for (unsigned pass = 0; pass < (l->oom ? 32u : 64u) && (l->oom || l->n > 0); pass++) {
                inotifytools_replace_filename(from, to);
                size_t k = 0;
                for (size_t i = 0; i < l->n; i++) {
                        const char *name = inotifytools_filename_from_wd(l->v[i]);
                        if (name && has_prefix(name, from))
                                l->v[k++] = l->v[i];
                }
                l->n = k;
        }
        free(l->v);
        *l = (struct wdlist){ 0 };
}

/* Rename the entries under `from` to `to`. wd > 0: only that directory's own entry needs checking
 * (a deleted directory is empty: its subdirectories were renamed away first); else every wd is
 * looked at (a directory that left the tree, whose subtree cannot be walked any more). */
static void rename_prefix(struct inot_watch *w, const char *from, const char *to, int wd) {
        char f[PATH_MAX];
        struct wdlist l = { 0 };
        if (snprintf(f, sizeof(f), "%s", from) >= (int)sizeof(f))
                return;
        inotifytools_replace_filename(f, to); /* f: `from` may be the library's own string */
        for (int i = wd > 0 ? wd : 1; i <= (wd > 0 ? wd : w->max_wd); i++) {
                const char *name = inotifytools_filename_from_wd(i);
                if (name && has_prefix(name, f))
                        wdlist_add(&l, i);
        }
        replace_until(f, to, &l);
}

/* Directories below the renamed one (walked on disk under its new name n) whose entry is still
 * under the old name o: rel is the part after the prefix. */
static void collect_stale(int dfd, const char *o, const char *n, char *rel, size_t rlen, unsigned depth,
                          struct wdlist *l) {
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                const char *name = de->d_name;
                struct stat st;
                if ((de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
                    (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]))))
                        continue;
                size_t nl = strlen(name);
                if (rlen + nl + 2 >= PATH_MAX || fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode))
                        continue;
                memcpy(rel + rlen, name, nl);
                rel[rlen + nl] = '/';
                rel[rlen + nl + 1] = '\0';
                char full[PATH_MAX];
                int k = snprintf(full, sizeof(full), "%s%s", n, rel);
                if (k > 0 && (size_t)k < sizeof(full) && inotifytools_wd_from_filename(full) < 0) {
                        k = snprintf(full, sizeof(full), "%s%s", o, rel);
                        int wd = k > 0 && (size_t)k < sizeof(full) ? inotifytools_wd_from_filename(full) : -1;
                        if (wd > 0)
                                wdlist_add(l, wd);
                }
                if (depth < RESCAN_DEPTH_MAX) {
                        int c = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (c >= 0)
                                collect_stale(c, o, n, rel, rlen + nl + 1, depth + 1, l);
                }
                rel[rlen] = '\0';
        }
        closedir(d);
}

/* A watched directory was renamed within the tree: o, n are "old/", "new/", newpath its new name.
 * Costs one library pass over every watch, plus a walk of the renamed subtree. */
void inot_watch_rename_dir(const char *o, const char *n, const char *newpath) {
        struct wdlist l = { 0 };
        char rel[PATH_MAX] = "";
        inotifytools_replace_filename(o, n);
        if (inotifytools_wd_from_filename(n) < 0) {
                int wd = inotifytools_wd_from_filename(o);
                if (wd > 0)
                        wdlist_add(&l, wd);
        }
        int fd = open(newpath, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
                collect_stale(fd, o, n, rel, 0, 0, &l);
        replace_until(o, n, &l);
}

struct dead_dir {
        int wd;
        char *name;
};

static int dead_dir_cmp(const void *a, const void *b) {
        return strcmp(((const struct dead_dir *)a)->name, ((const struct dead_dir *)b)->name);
}

/* Tombstone the directories whose watch the kernel removed, one library pass (or a few: see
 * replace_until()) per topmost one: a deleted tree of n directories costs about log2(n) passes over
 * the table, not n. Done at the end of each drain, and before watching, renaming or detaching. */
void inot_watch_flush_dead(struct inot_watch *w) {
        size_t k = 0;
        struct dead_dir *d = w->n_dead ? calloc(w->n_dead, sizeof(*d)) : NULL;
        for (size_t i = 0; d && i < w->n_dead; i++) {
                const char *name = inotifytools_filename_from_wd(w->dead[i]);
                size_t n = name ? strlen(name) : 0;
                /* Only a directory entry still named as a path, and the table's entry for that name
                 * (not a duplicate shadowed by a live directory). */
                if (n < 2 || name[0] != '/' || name[n - 1] != '/' || inotifytools_wd_from_filename(name) != w->dead[i])
                        continue;
                if ((d[k].name = strdup(name)))
                        d[k++].wd = w->dead[i];
        }
        w->n_dead = 0;
        if (!d)
                return;
        qsort(d, k, sizeof(*d), dead_dir_cmp); /* a directory sorts before everything below it */
        for (size_t i = 0; i < k;) {
                struct wdlist l = { 0 };
                char tomb[64];
                size_t j = i;
                for (; j < k && has_prefix(d[j].name, d[i].name); j++)
                        wdlist_add(&l, d[j].wd);
                (void)snprintf(tomb, sizeof(tomb), "\001gone:%u/", ++w->tombs);
                inotifytools_replace_filename(d[i].name, tomb);
                replace_until(d[i].name, tomb, &l);
                i = j;
        }
        for (size_t i = 0; i < k; i++)
                free(d[i].name);
        free(d);
}

/* Give the watch-table entries under dir_slash a name that is no path (they are gone, or out of the
 * tree), so they are ignored and cannot shadow a new directory of the same name. wd: see
 * rename_prefix(). */
void inot_watch_tombstone(struct inot_watch *w, const char *dir_slash, int wd, char *ret_tomb, size_t tomb_len) {
        (void)snprintf(ret_tomb, tomb_len, "\001gone:%u/", ++w->tombs);
        rename_prefix(w, dir_slash, ret_tomb, wd);
}

/* The kernel removed a watch (its directory was deleted, or unmounted): tombstoned later, in bulk. */
void inot_watch_dead(struct inot_watch *w, int wd) {
        if (w->n_dead == w->cap_dead) {
                size_t c = w->cap_dead ? 2 * w->cap_dead : 64;
                int *v = realloc(w->dead, c * sizeof(int));
                if (!v)
                        return; /* its name stays: it can shadow a new directory of that name */
                w->dead = v;
                w->cap_dead = c;
        }
        w->dead[w->n_dead++] = wd;
}

void inot_watch_free(struct inot_watch *w) {
        free(w->dead);
        *w = (struct inot_watch){ 0 };
}
