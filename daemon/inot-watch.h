/* inot-watch — keeping libinotifytools 3.22.6's watch table (wd → directory name, always ending
 * in '/') true to the tree, which the library does not do by itself:
 *  - renamed directories are renamed in the table (inotifytools_replace_filename, both names
 *    ending in '/', since it replaces a prefix, and repeated: one pass misses entries);
 *  - directories moved out of the tree, deleted or replaced get a name that is not a path
 *    ("\001gone:N/"), so their stale entries can never shadow a new directory (deleted ones in
 *    bulk: each library pass costs a walk of the whole table). The library cannot forget a watch
 *    the kernel already removed, so its table grows by one entry per deleted directory until
 *    inotifytools_cleanup(). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct inot_watch {
        int max_wd;       /* the highest wd seen: the table is looked through up to it */
        unsigned tombs;   /* tombstone names handed out */
        int *dead;        /* wds the kernel removed (IN_IGNORED), not yet tombstoned */
        size_t n_dead, cap_dead;
};

/* dir_slash ("/a/b/") was just watched: remember its wd. */
void inot_watch_track(struct inot_watch *w, const char *dir_slash);
/* An event named wd. */
static inline void inot_watch_seen(struct inot_watch *w, int wd) {
        if (wd > w->max_wd)
                w->max_wd = wd;
}
/* The kernel removed the watch wd (IN_IGNORED): tombstoned at the next flush. */
void inot_watch_dead(struct inot_watch *w, int wd);
/* Tombstone the directories whose watch the kernel removed. Done at the end of each drain, and
 * before watching, renaming or detaching. */
void inot_watch_flush_dead(struct inot_watch *w);
/* Give the entries under dir_slash a name that is no path; ret_tomb gets it. wd > 0: only that
 * directory's own entry needs checking (an empty directory); else every wd is looked at. */
void inot_watch_tombstone(struct inot_watch *w, const char *dir_slash, int wd, char *ret_tomb, size_t tomb_len);
/* A watched directory was renamed within the tree: o, n are "old/", "new/", newpath its new name. */
void inot_watch_rename_dir(const char *o, const char *n, const char *newpath);
void inot_watch_free(struct inot_watch *w);
