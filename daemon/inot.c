/* inot — the inotify event source, through libinotifytools 3.22.6.
 *
 * The library keeps the watch table (wd → directory name, always ending in '/'); this file reads
 * the events, keeps a small per-path table for attribution, pairs moves, and has inot-watch.c
 * keep the library's table true to the tree:
 *  - inotifytools_next_event(0) blocks: the library turns a timeout of 0 into -1 (select() with no
 *    timeout), and positive timeouts are whole seconds. The library has no fd getter, so its inotify
 *    fd is found in /proc/self/fd ("anon_inode:inotify", the one that appeared at initialisation;
 *    without /proc, the lowest free fd, checked with an inotify-only call) and read here, non-blocking,
 *    from an sd-event io source. Only when it cannot be found does a 20 ms timer drain with
 *    next_event(); that is made non-blocking by a sentinel: each tick opens "/", watched for IN_OPEN,
 *    so an event is always queued, and the drain stops at it. inot_new() returns 1 then, 0 when the
 *    fd was found, so the caller can say which.
 *  - New directories are watched here, then rescanned (files written before the watch existed);
 *    renames, moves out and deletions are reflected in the watch table by inot-watch.c.
 *
 * Attribution (through lib/proc.c; the pure parts in lib/attr.c): inotify gives no pid. At IN_MODIFY the writer is looked for among the fds of recently
 * attributed writers, then (once per path per open-close cycle, at most FULL_SCANS_PER_SEC times and
 * PROC_USEC_PER_SEC of /proc time a second) among every process's fds, preferring one whose fdinfo
 * shows the file open for writing; not when the file's IN_CLOSE_WRITE is already queued behind the
 * IN_MODIFY (the writer is done: nothing to find). IN_CLOSE_WRITE uses what was learned. IN_OPEN
 * checks recent writers only (mmap writers raise no IN_MODIFY). Unlink and rename have no fd to look
 * at: they are blamed on the only live writer attributed in the same directory within 2 s, else the
 * only live one in the tree within 2 s, else on no one (an exited writer cannot have done it).
 * Events are read after the fact: a writer that has already closed the file cannot be found.
 *
 * Our own open() of a file raises IN_OPEN too, or every open would be answered by another: it is
 * marked on the path and the next IN_OPEN of that path is skipped. A mark, not a count: inotify
 * merges an event identical to the last one queued, so two opens of ours in a row raise one event. */
#include "inot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inotifytools/inotifytools.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "inot-watch.h"
#include "proc.h"
#include "util.h"

#define INOT_MASK (IN_CLOSE_WRITE | IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_OPEN)

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)
#define POLL_USEC (20 * USEC_PER_MSEC)           /* fallback timer period */
#define READS_PER_WAKEUP 64                      /* reads of sizeof(buf) before returning to the loop */
#define EVENTS_PER_TICK 65536                    /* the same bound for the fallback timer */
#define FULL_SCANS_PER_SEC 200
#define PROC_USEC_PER_SEC (100 * USEC_PER_MSEC)  /* /proc time for attribution: 10% of a CPU */
#define LOOKAHEAD_EVENTS 32                      /* IN_MODIFY: is the close already queued behind it? */
#define NAME_WINDOW_USEC (2 * USEC_PER_SEC)      /* unlink/rename blamed on a writer this recent */
#define OPEN_MRU_WINDOW_USEC (10 * USEC_PER_SEC) /* IN_OPEN checks writers attributed this recently */
#define SELF_OPEN_TTL_USEC (2 * USEC_PER_SEC)    /* our own IN_OPEN arrives well within this */
#define ALIVE_CACHE_USEC (100 * USEC_PER_MSEC)   /* a writer seen alive is not checked again sooner */
#define RETRY_USEC (100 * USEC_PER_MSEC)         /* after the scan budget was spent */
#define FILES_MAX 8192                           /* paths with attribution state */
#define FILES_MAX_SELF (2 * FILES_MAX)           /* ... plus transient self-open marks */
#define FILES_BUCKETS 4096                       /* FILES_MAX_SELF / 4: short chains under a keyed hash */
#define MOVES_MAX 64
#define RESCAN_DEPTH_MAX 128                    /* rescans of new directories go no deeper */
#define DISCOVER_MAX 64

struct file {
        struct file *next;
        uint64_t hash;
        pid_t pid;           /* writer learned in this open-close cycle, 0 when none */
        bool scanned;        /* the full scan of this cycle was done */
        uint64_t retry_usec; /* no scan before this (the budget was spent) */
        bool self_open;      /* we opened it and its IN_OPEN has not been read yet */
        uint64_t self_usec;
        char path[];
};

struct move {
        uint32_t cookie;
        bool is_dir;
        pid_t pid;
        char *path;
};

struct inot {
        sd_event *loop;
        sd_event_source *io, *timer;
        src_handler_t handler;
        void *userdata;
        char *procdir;
        pid_t self;
        bool lib;         /* inotifytools_initialize() succeeded */
        int fd;           /* the library's inotify fd, read here; -1 when polling */
        int sentinel_wd;  /* polling: the watch on "/" */
        bool root_is_top; /* "/" itself is a root */
        struct inot_watch watch; /* the library's watch table, kept true (inot-watch.c) */
        struct file *files[FILES_BUCKETS];
        uint8_t key[16];  /* keyed path hash: names are chosen by whoever writes in the tree */
        size_t n_files;
        uint64_t swept_usec;
        struct attr_mru mru;
        struct attr_log log;
        struct attr_budget budget;
        pid_t alive_pid[ATTR_MRU_SIZE];
        uint64_t alive_usec[ATTR_MRU_SIZE];
        unsigned alive_next;
        struct move moves[MOVES_MAX];
        size_t n_moves;
        uint64_t n_events, n_overflows, n_full_scans, n_scans_denied, n_watch_failed, n_skipped;
        char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
};

/* libinotifytools is one global instance. */
static bool inot_active;

static bool has_prefix(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "path/" into buf; false when it does not fit. */
static bool with_slash(char *buf, size_t len, const char *path) {
        int n = snprintf(buf, len, "%s/", path);
        return n > 0 && (size_t)n < len;
}

static void emit(struct inot *s, enum src_kind kind, pid_t pid, int fd, const char *path, const char *path2,
                 bool is_dir) {
        struct src_event ev = {
                .kind = kind,
                .pid = pid,
                .pidfd = -1,
                .fd = fd,
                .path = path,
                .path2 = path2,
                .is_dir = is_dir,
                /* Unlinks and renames carry no fd: their pid is always a guess. */
                .pid_guessed = pid != 0 && (kind == SRC_DELETED || kind == SRC_RENAMED),
        };
        (void)s->handler(s->userdata, &ev); /* nothing can be denied after the fact */
}

/* ---- per-path state ---- */

static uint64_t hash_path(const struct inot *s, const char *p) {
        return util_siphash(s->key, p, strlen(p));
}

static struct file *file_find(struct inot *s, const char *path) {
        uint64_t h = hash_path(s, path);
        for (struct file *f = s->files[h % FILES_BUCKETS]; f; f = f->next)
                if (f->hash == h && strcmp(f->path, path) == 0)
                        return f;
        return NULL;
}

static struct file *file_get(struct inot *s, const char *path, size_t limit) {
        struct file *f = file_find(s, path);
        if (f || s->n_files >= limit)
                return f;
        size_t n = strlen(path);
        f = calloc(1, sizeof(*f) + n + 1);
        if (!f)
                return NULL;
        memcpy(f->path, path, n + 1);
        f->hash = hash_path(s, path);
        f->next = s->files[f->hash % FILES_BUCKETS];
        s->files[f->hash % FILES_BUCKETS] = f;
        s->n_files++;
        return f;
}

static void file_unlink(struct inot *s, struct file *f) {
        for (struct file **p = &s->files[f->hash % FILES_BUCKETS]; *p; p = &(*p)->next)
                if (*p == f) {
                        *p = f->next;
                        s->n_files--;
                        return;
                }
}

static void file_drop(struct inot *s, struct file *f) {
        file_unlink(s, f);
        free(f);
}

static void file_maybe_drop(struct inot *s, struct file *f) {
        if (f && !f->pid && !f->scanned && !f->retry_usec && !f->self_open)
                file_drop(s, f);
}

/* Move f's state to newpath (replacing what newpath had). */
static void file_rename(struct inot *s, const char *oldpath, const char *newpath) {
        struct file *f = file_find(s, oldpath), *old_target = file_find(s, newpath);
        if (old_target && old_target != f)
                file_drop(s, old_target);
        if (!f)
                return;
        size_t n = strlen(newpath);
        struct file *g = calloc(1, sizeof(*g) + n + 1);
        if (g) {
                *g = *f;
                memcpy(g->path, newpath, n + 1);
                g->hash = hash_path(s, newpath);
                g->next = s->files[g->hash % FILES_BUCKETS];
                s->files[g->hash % FILES_BUCKETS] = g;
                s->n_files++;
        }
        file_drop(s, f);
}

/* Entries under directory prefix `from` (ending in '/') are renamed to `to`, or dropped (to == NULL). */
static void files_move_prefix(struct inot *s, const char *from, const char *to) {
        struct file *moved = NULL;
        size_t fl = strlen(from);
        for (size_t b = 0; b < FILES_BUCKETS; b++)
                for (struct file **p = &s->files[b]; *p;) {
                        struct file *f = *p;
                        if (strncmp(f->path, from, fl) != 0) {
                                p = &f->next;
                                continue;
                        }
                        *p = f->next;
                        s->n_files--;
                        f->next = moved;
                        moved = f;
                }
        while (moved) {
                struct file *f = moved;
                moved = f->next;
                char np[PATH_MAX];
                int n = to ? snprintf(np, sizeof(np), "%s%s", to, f->path + fl) : -1;
                if (n > 0 && (size_t)n < sizeof(np)) {
                        struct file *g = file_get(s, np, SIZE_MAX);
                        if (g) {
                                g->pid = f->pid;
                                g->scanned = f->scanned;
                                g->retry_usec = f->retry_usec;
                                g->self_open = f->self_open;
                                g->self_usec = f->self_usec;
                        }
                }
                free(f);
        }
}

/* Forget expired self-open marks and throttles, at most once a second; all marks after an
 * overflow (our own events may have been lost). */
static void files_sweep(struct inot *s, uint64_t now, bool all) {
        if (!all && now - s->swept_usec < USEC_PER_SEC)
                return;
        s->swept_usec = now;
        for (size_t b = 0; b < FILES_BUCKETS; b++)
                for (struct file *f = s->files[b], *next; f; f = next) {
                        next = f->next;
                        if (f->self_open && (all || now - f->self_usec > SELF_OPEN_TTL_USEC))
                                f->self_open = false;
                        if (f->retry_usec && now >= f->retry_usec)
                                f->retry_usec = 0;
                        file_maybe_drop(s, f);
                }
}

static void files_free(struct inot *s) {
        for (size_t b = 0; b < FILES_BUCKETS; b++)
                while (s->files[b]) {
                        struct file *f = s->files[b];
                        s->files[b] = f->next;
                        free(f);
                }
        s->n_files = 0;
}

/* ---- attribution through /proc ---- */

/* A recently attributed writer (within max_age_usec unless 0) holding path open for writing. */
static pid_t mru_writer(struct inot *s, const char *path, uint64_t now, uint64_t max_age_usec) {
        struct attr_mru copy = s->mru;
        for (size_t i = 0; i < copy.n; i++) {
                if (max_age_usec && now - copy.usec[i] > max_age_usec)
                        continue;
                int r = proc_holds(s->procdir, copy.pid[i], path, true);
                if (r == 2)
                        return copy.pid[i];
                if (r == -ESRCH)
                        attr_mru_forget(&s->mru, copy.pid[i]);
        }
        return 0;
}

static void note_writer(struct inot *s, pid_t pid, const char *path, uint64_t now) {
        attr_mru_touch(&s->mru, pid, now);
        attr_log_add(&s->log, pid, attr_dir_hash(path), now);
}

/* Is pid still running (not gone, not a zombie)? Cached for ALIVE_CACHE_USEC. */
static bool pid_alive(struct inot *s, pid_t pid, uint64_t now) {
        for (size_t i = 0; i < ATTR_MRU_SIZE; i++)
                if (s->alive_pid[i] == pid && now - s->alive_usec[i] < ALIVE_CACHE_USEC)
                        return true;
        if (!proc_alive(s->procdir, pid))
                return false;
        s->alive_pid[s->alive_next] = pid;
        s->alive_usec[s->alive_next] = now;
        s->alive_next = (s->alive_next + 1) % ATTR_MRU_SIZE;
        return true;
}

/* Who to blame for an unlink or rename: see attr_log_pick(); exited writers are forgotten first. */
static pid_t name_event_pid(struct inot *s, const char *path, uint64_t now) {
        for (size_t i = 0; i < s->log.n;) {
                pid_t pid = s->log.e[i].pid;
                if ((s->log.e[i].usec < now && now - s->log.e[i].usec > NAME_WINDOW_USEC) || pid_alive(s, pid, now)) {
                        i++;
                        continue;
                }
                attr_log_forget(&s->log, pid); /* reorders the log: look at slot i again */
                attr_mru_forget(&s->mru, pid);
        }
        return attr_log_pick(&s->log, attr_dir_hash(path), now, NAME_WINDOW_USEC);
}

/* Learn who holds path open: at IN_MODIFY (recent writers, then one full scan per cycle) or at
 * IN_OPEN (recent writers only). All within the /proc budget. */
static void learn(struct inot *s, const char *path, bool at_open, uint64_t now) {
        struct file *f = at_open ? file_find(s, path) : file_get(s, path, FILES_MAX);
        if (f && (f->pid || f->scanned || (f->retry_usec && now < f->retry_usec)))
                return;
        if (!f && !at_open)
                return; /* table full: no attribution */
        if (!attr_budget_time_left(&s->budget, now)) {
                s->n_scans_denied++;
                if (f)
                        f->retry_usec = now + RETRY_USEC;
                return;
        }
        pid_t pid = mru_writer(s, path, now, at_open ? OPEN_MRU_WINDOW_USEC : 0);
        if (!pid && !at_open) {
                if (!attr_budget_take(&s->budget, now)) {
                        s->n_scans_denied++;
                        f->retry_usec = now + RETRY_USEC;
                        attr_budget_spend(&s->budget, now, util_now_usec() - now);
                        return;
                }
                s->n_full_scans++;
                pid = proc_find_holder(s->procdir, path, s->self);
                f->scanned = true;
                f->retry_usec = 0;
        }
        attr_budget_spend(&s->budget, now, util_now_usec() - now);
        if (!pid)
                return;
        if (!f && !(f = file_get(s, path, FILES_MAX)))
                return;
        f->pid = pid;
        f->retry_usec = 0;
        note_writer(s, pid, path, now);
}

/* ---- files ---- */

/* Open a regular file for sampling: never a device, FIFO or symlink. */
static int open_regular(const char *path) {
        struct stat st;
        if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return -EBADFD;
        }
        return fd;
}

/* Open path ourselves, marking the IN_OPEN that open raises. -ENOBUFS when it cannot be marked
 * (then we do not open: an unmarked open would be answered by another). */
static int open_counted(struct inot *s, const char *path, uint64_t now) {
        struct file *f = file_get(s, path, FILES_MAX_SELF);
        if (!f)
                return -ENOBUFS;
        int fd = open_regular(path);
        if (fd < 0) {
                file_maybe_drop(s, f);
                return fd;
        }
        f->self_open = true;
        f->self_usec = now;
        return fd;
}

static void opened(struct inot *s, const char *path, uint64_t now) {
        struct file *f = file_find(s, path);
        if (f && f->self_open) {
                f->self_open = false;
                if (now - f->self_usec <= SELF_OPEN_TTL_USEC) {
                        file_maybe_drop(s, f);
                        return;
                }
        }
        learn(s, path, true, now);
        int fd = open_counted(s, path, now);
        if (fd < 0) {
                if (fd == -ENOBUFS)
                        s->n_skipped++;
                return;
        }
        f = file_find(s, path);
        emit(s, SRC_OPEN, f ? f->pid : 0, fd, path, NULL, false);
        close(fd);
}

/* A written file: our own fd when we can have one, else the path alone. */
static void written(struct inot *s, const char *path, pid_t pid, uint64_t now) {
        int fd = open_counted(s, path, now);
        if (fd == -ENOENT || fd == -ELOOP || fd == -EBADFD)
                return; /* vanished, or no longer a regular file */
        emit(s, SRC_WRITTEN, pid, fd, path, NULL, false);
        if (fd >= 0)
                close(fd);
}

static void closed_write(struct inot *s, const char *path, uint64_t now) {
        struct file *f = file_find(s, path);
        pid_t pid = 0;
        if (f) {
                pid = f->pid;
                f->pid = 0;
                f->scanned = false;
                f->retry_usec = 0;
                file_maybe_drop(s, f);
        }
        if (pid)
                note_writer(s, pid, path, now);
        written(s, path, pid, now);
}

/* ---- directories ---- */

static void drop_watch(struct inot *s, int wd) {
        if (s->fd >= 0)
                (void)inotify_rm_watch(s->fd, wd); /* EINVAL: already gone, nothing to say */
        else
                (void)inotifytools_remove_watch_by_wd(wd);
}

/* A directory left the tree (moved out): stop watching everything under it. */
static void detach_dir(struct inot *s, const char *path) {
        char slash[PATH_MAX], tomb[64];
        inot_watch_flush_dead(&s->watch);
        if (!with_slash(slash, sizeof(slash), path) || inotifytools_wd_from_filename(slash) < 0)
                return;
        inot_watch_tombstone(&s->watch, slash, 0, tomb, sizeof(tomb));
        for (int wd = 1; wd <= s->watch.max_wd; wd++) {
                const char *name = inotifytools_filename_from_wd(wd);
                if (name && has_prefix(name, tomb))
                        drop_watch(s, wd);
        }
        files_move_prefix(s, slash, NULL);
}

static void rescan_dir(struct inot *s, int dfd, char *buf, size_t len, unsigned depth, uint64_t now) {
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
                const char *name = de->d_name;
                if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
                        continue;
                size_t nl = strlen(name);
                if (len + 1 + nl >= PATH_MAX) {
                        s->n_skipped++;
                        continue;
                }
                buf[len] = '/';
                memcpy(buf + len + 1, name, nl + 1);
                struct stat st;
                if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                        if (S_ISREG(st.st_mode)) {
                                emit(s, SRC_CREATED, 0, -1, buf, NULL, false);
                                /* Written before we watched: judged, credited to nobody. */
                                emit(s, SRC_WRITTEN, 0, -1, buf, NULL, false);
                        } else {
                                emit(s, SRC_CREATED, 0, -1, buf, NULL, S_ISDIR(st.st_mode));
                                if (S_ISDIR(st.st_mode) && depth < RESCAN_DEPTH_MAX) {
                                        int c = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                                        if (c >= 0)
                                                rescan_dir(s, c, buf, len + 1 + nl, depth + 1, now);
                                }
                        }
                }
                buf[len] = '\0';
        }
        closedir(d);
}

/* A directory appeared (created, or moved in from outside): watch it and everything below, then
 * report the files that were written before the watch existed. */
static void add_dir(struct inot *s, const char *path, uint64_t now) {
        char slash[PATH_MAX], buf[PATH_MAX];
        struct stat st;
        inot_watch_flush_dead(&s->watch);
        if (!with_slash(slash, sizeof(slash), path) || inotifytools_wd_from_filename(slash) >= 0)
                return; /* already watched, and rescanned then */
        if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
                return; /* gone, or replaced by something we must not follow */
        if (!inotifytools_watch_recursively(path, INOT_MASK)) {
                int e = inotifytools_error();
                if (e != ENOENT && e != ENOTDIR)
                        s->n_watch_failed++;
        }
        inot_watch_track(&s->watch, slash);
        size_t n = strlen(path);
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return;
        memcpy(buf, path, n + 1);
        rescan_dir(s, fd, buf, n, 0, now);
}

static void renamed(struct inot *s, const char *oldpath, const char *newpath, bool is_dir, pid_t pid,
                    uint64_t now) {
        if (!is_dir) {
                file_rename(s, oldpath, newpath);
                emit(s, SRC_RENAMED, pid, -1, oldpath, newpath, false);
                return;
        }
        char o[PATH_MAX], n[PATH_MAX], tomb[64];
        inot_watch_flush_dead(&s->watch);
        if (with_slash(o, sizeof(o), oldpath) && with_slash(n, sizeof(n), newpath) && strcmp(o, n) != 0) {
                int replaced = inotifytools_wd_from_filename(n);
                if (replaced > 0) /* an empty directory replaced by the rename */
                        inot_watch_tombstone(&s->watch, n, replaced, tomb, sizeof(tomb));
                inot_watch_rename_dir(o, n, newpath);
                files_move_prefix(s, o, n);
        }
        emit(s, SRC_RENAMED, pid, -1, oldpath, newpath, true);
        add_dir(s, newpath, now); /* no-op when it was watched under its old name */
}

/* ---- moves ---- */

static void moved_out(struct inot *s, struct move *m) {
        if (m->is_dir)
                detach_dir(s, m->path);
        else {
                struct file *f = file_find(s, m->path);
                if (f)
                        file_drop(s, f);
        }
        emit(s, SRC_DELETED, m->pid, -1, m->path, NULL, m->is_dir);
        free(m->path);
        m->path = NULL;
}

static void move_remove(struct inot *s, size_t i) {
        memmove(&s->moves[i], &s->moves[i + 1], (s->n_moves - i - 1) * sizeof(s->moves[0]));
        s->n_moves--;
}

/* Unpaired IN_MOVED_FROM at the end of a drain: moved out of the tree. */
static void flush_moves(struct inot *s) {
        while (s->n_moves > 0) {
                struct move m = s->moves[0];
                move_remove(s, 0);
                moved_out(s, &m);
        }
}

/* A pending move-out of path is settled before anything else happens to that name. */
static void flush_moves_of(struct inot *s, const char *path) {
        for (size_t i = 0; i < s->n_moves;) {
                if (strcmp(s->moves[i].path, path) != 0) {
                        i++;
                        continue;
                }
                struct move m = s->moves[i];
                move_remove(s, i);
                moved_out(s, &m);
        }
}

static void move_from(struct inot *s, uint32_t cookie, const char *path, bool is_dir, uint64_t now) {
        struct move m = {
                .cookie = cookie,
                .is_dir = is_dir,
                .pid = name_event_pid(s, path, now),
                .path = strdup(path),
        };
        if (!m.path) { /* out of memory: no pairing, report the name gone */
                emit(s, SRC_DELETED, m.pid, -1, path, NULL, is_dir);
                return;
        }
        if (s->n_moves == MOVES_MAX) {
                struct move old = s->moves[0];
                move_remove(s, 0);
                moved_out(s, &old);
        }
        s->moves[s->n_moves++] = m;
}

static void move_to(struct inot *s, uint32_t cookie, const char *path, bool is_dir, uint64_t now) {
        for (size_t i = 0; cookie && i < s->n_moves; i++)
                if (s->moves[i].cookie == cookie) {
                        struct move m = s->moves[i];
                        move_remove(s, i);
                        renamed(s, m.path, path, m.is_dir || is_dir, m.pid, now);
                        free(m.path);
                        return;
                }
        /* Moved in from outside the tree. */
        flush_moves_of(s, path);
        emit(s, SRC_CREATED, 0, -1, path, NULL, is_dir);
        if (is_dir)
                add_dir(s, path, now);
        else
                written(s, path, 0, now); /* moved in: judged, credited to nobody */
}

/* ---- events ---- */

/* closed_later: the IN_CLOSE_WRITE of this file is already queued behind this event. */
static void process(struct inot *s, const struct inotify_event *ev, bool closed_later) {
        uint64_t now = util_now_usec();
        s->n_events++;
        if (ev->mask & IN_Q_OVERFLOW) {
                s->n_overflows++;
                files_sweep(s, now, true);
                emit(s, SRC_OVERFLOW, 0, -1, NULL, NULL, false);
                return;
        }
        if (ev->mask & IN_IGNORED) {
                inot_watch_dead(&s->watch, ev->wd);
                return;
        }
        inot_watch_seen(&s->watch, ev->wd);
        if (s->sentinel_wd >= 0 && ev->wd == s->sentinel_wd && !s->root_is_top)
                return;
        size_t nl = strnlen(ev->name, ev->len);
        if (ev->len == 0 || nl == 0)
                return; /* about a watched directory itself */
        const char *dir = inotifytools_filename_from_wd(ev->wd);
        if (!dir || dir[0] != '/')
                return; /* unknown, or no longer in the tree */
        size_t dl = strlen(dir);
        bool sep = dir[dl - 1] != '/';
        char path[PATH_MAX];
        if (dl + sep + nl >= sizeof(path)) {
                s->n_skipped++;
                return;
        }
        memcpy(path, dir, dl);
        if (sep)
                path[dl] = '/';
        memcpy(path + dl + sep, ev->name, nl);
        path[dl + sep + nl] = '\0';
        bool is_dir = ev->mask & IN_ISDIR;

        if (ev->mask & IN_MOVED_FROM) {
                move_from(s, ev->cookie, path, is_dir, now);
                return;
        }
        if (ev->mask & IN_MOVED_TO) {
                move_to(s, ev->cookie, path, is_dir, now);
                return;
        }
        flush_moves_of(s, path);
        if (ev->mask & IN_CREATE) {
                emit(s, SRC_CREATED, 0, -1, path, NULL, is_dir);
                if (is_dir)
                        add_dir(s, path, now);
        } else if (ev->mask & IN_DELETE) {
                struct file *f = file_find(s, path);
                if (f)
                        file_drop(s, f);
                emit(s, SRC_DELETED, name_event_pid(s, path, now), -1, path, NULL, is_dir);
        } else if (is_dir)
                return;
        else if (ev->mask & IN_MODIFY) {
                if (!closed_later) /* else the writer has closed it: no fd left to find */
                        learn(s, path, false, now);
        } else if (ev->mask & IN_OPEN)
                opened(s, path, now);
        else if (ev->mask & IN_CLOSE_WRITE)
                closed_write(s, path, now);
}

/* Is the IN_CLOSE_WRITE of ev's file among the next few events of buf? */
static bool closes_later(const char *buf, size_t off, size_t n, const struct inotify_event *ev) {
        off += sizeof(*ev) + ev->len;
        for (unsigned i = 0; i < LOOKAHEAD_EVENTS && off + sizeof(*ev) <= n; i++) {
                const struct inotify_event *e = (const struct inotify_event *)(buf + off);
                if (off + sizeof(*e) + e->len > n)
                        break;
                if (e->wd == ev->wd && (e->mask & IN_CLOSE_WRITE) && e->len == ev->len &&
                    memcmp(e->name, ev->name, ev->len) == 0)
                        return true;
                off += sizeof(*e) + e->len;
        }
        return false;
}

static int on_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct inot *s = userdata;
        (void)es;
        (void)revents;
        for (unsigned i = 0; i < READS_PER_WAKEUP; i++) {
                ssize_t n = read(fd, s->buf, sizeof(s->buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break; /* EAGAIN: drained */
                for (size_t off = 0; off + sizeof(struct inotify_event) <= (size_t)n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)(s->buf + off);
                        size_t len = sizeof(*ev) + ev->len;
                        if (off + len > (size_t)n)
                                break;
                        process(s, ev, (ev->mask & IN_MODIFY) && closes_later(s->buf, off, (size_t)n, ev));
                        off += len;
                }
        }
        flush_moves(s);
        inot_watch_flush_dead(&s->watch);
        files_sweep(s, util_now_usec(), false);
        return 0;
}

/* Queue the sentinel event (polling mode): open "/", watched for IN_OPEN. */
static bool poke(void) {
        int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return false;
        close(fd);
        return true;
}

static int on_tick(sd_event_source *es, uint64_t usec, void *userdata) {
        struct inot *s = userdata;
        (void)usec;
        if (poke()) {
                for (unsigned i = 0; i < EVENTS_PER_TICK; i++) {
                        /* Would block with nothing queued, whatever the timeout (0 means -1 in
                         * 3.22.6): the sentinel is queued, and we stop at it. */
                        struct inotify_event *ev = inotifytools_next_event(-1);
                        if (!ev)
                                break;
                        if (ev->wd == s->sentinel_wd && ev->len == 0 && (ev->mask & IN_OPEN))
                                break;
                        process(s, ev, false);
                        if ((ev->mask & IN_Q_OVERFLOW) && !poke())
                                break; /* the sentinel was dropped with the rest: queue another */
                }
                flush_moves(s);
                inot_watch_flush_dead(&s->watch);
                files_sweep(s, util_now_usec(), false);
        }
        (void)sd_event_source_set_time_relative(es, POLL_USEC);
        (void)sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
        return 0;
}

/* ---- finding the library's fd ---- */

static int parse_fd(const char *name) {
        long v = 0;
        if (!*name)
                return -1;
        for (; *name; name++) {
                if (*name < '0' || *name > '9' || v > INT_MAX / 10)
                        return -1;
                v = v * 10 + (*name - '0');
        }
        return v <= INT_MAX ? (int)v : -1;
}

/* Our inotify fds, from procdir/self/fd. */
static int inotify_fds(const char *procdir, int *fds, size_t max, size_t *ret_n) {
        char p[PATH_MAX], link[32];
        int n = snprintf(p, sizeof(p), "%s/self/fd", procdir);
        if (n < 0 || (size_t)n >= sizeof(p))
                return -ENAMETOOLONG;
        DIR *d = opendir(p);
        if (!d)
                return -errno;
        size_t k = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                int fd = parse_fd(de->d_name);
                if (fd < 0 || fd == dirfd(d))
                        continue;
                ssize_t l = readlinkat(dirfd(d), de->d_name, link, sizeof(link));
                if (l == (ssize_t)strlen("anon_inode:inotify") && memcmp(link, "anon_inode:inotify", (size_t)l) == 0 &&
                    k < max)
                        fds[k++] = fd;
        }
        closedir(d);
        *ret_n = k;
        return 0;
}

/* Only an inotify fd answers an empty path with ENOENT (others: EINVAL, EBADF); nothing is added. */
static bool is_inotify_fd(int fd) {
        return fd >= 0 && inotify_add_watch(fd, "", IN_OPEN) < 0 && errno == ENOENT;
}

static bool in_set(const int *fds, size_t n, int fd) {
        for (size_t i = 0; i < n; i++)
                if (fds[i] == fd)
                        return true;
        return false;
}

/* ---- public ---- */

uint64_t inot_events(const struct inot *s) {
        return s ? s->n_events : 0;
}

uint64_t inot_overflows(const struct inot *s) {
        return s ? s->n_overflows : 0;
}

struct inot *inot_free(struct inot *s) {
        if (!s)
                return NULL;
        s->io = sd_event_source_disable_unref(s->io);
        s->timer = sd_event_source_disable_unref(s->timer);
        for (size_t i = 0; i < s->n_moves; i++)
                free(s->moves[i].path);
        files_free(s);
        inot_watch_free(&s->watch);
        if (s->lib) {
                inotifytools_cleanup(); /* closes its fd */
                inot_active = false;
        }
        sd_event_unref(s->loop);
        free(s->procdir);
        free(s);
        return NULL;
}

/* Is path equal to or below dir? Both canonical. */
static bool path_within(const char *path, const char *dir) {
        size_t n = strlen(dir);
        if (n == 1)
                return true; /* "/" */
        return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int watch_roots(struct inot *s, char *const *roots) {
        size_t n = 0;
        while (roots[n])
                n++;
        char **canon = calloc(n, sizeof(char *));
        if (!canon)
                return -ENOMEM;
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                struct stat st;
                if (!(canon[i] = realpath(roots[i], NULL)))
                        r = -errno;
                else if (stat(canon[i], &st) < 0)
                        r = -errno;
                else if (!S_ISDIR(st.st_mode))
                        r = -ENOTDIR;
        }
        for (size_t i = 0; i < n && r == 0; i++) {
                bool covered = false; /* by another root (the first of equal ones is kept) */
                for (size_t j = 0; j < n && !covered; j++)
                        covered = j != i && path_within(canon[i], canon[j]) &&
                                  (strcmp(canon[i], canon[j]) != 0 || j < i);
                if (covered)
                        continue;
                if (!inotifytools_watch_recursively(canon[i], INOT_MASK)) {
                        int e = inotifytools_error();
                        r = e > 0 ? -e : -EIO;
                        break;
                }
                char slash[PATH_MAX];
                if (strcmp(canon[i], "/") == 0)
                        s->root_is_top = true;
                else if (with_slash(slash, sizeof(slash), canon[i]))
                        inot_watch_track(&s->watch, slash);
        }
        for (size_t i = 0; i < n; i++)
                free(canon[i]);
        free(canon);
        return r;
}

int inot_new(sd_event *loop, char *const *roots, const char *procdir, src_handler_t handler, void *userdata,
             struct inot **ret) {
        int r, before[DISCOVER_MAX], after[DISCOVER_MAX];
        size_t n_before = 0, n_after = 0;

        if (!loop || !roots || !roots[0] || !handler || !ret)
                return -EINVAL;
        if (inot_active)
                return -EBUSY;
        struct inot *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->loop = sd_event_ref(loop);
        s->handler = handler;
        s->userdata = userdata;
        s->self = getpid();
        s->fd = -1;
        s->sentinel_wd = -1;
        if (getrandom(s->key, sizeof(s->key), 0) != (ssize_t)sizeof(s->key)) {
                r = -errno;
                goto fail;
        }
        s->budget.limit = FULL_SCANS_PER_SEC;
        s->budget.limit_usec = PROC_USEC_PER_SEC;
        s->procdir = strdup(procdir ? procdir : "/proc");
        if (!s->procdir) {
                r = -ENOMEM;
                goto fail;
        }

        /* The library's inotify fd is the one that appears now; without /proc, inotify_init() takes
         * the lowest free fd. */
        int proc_before = inotify_fds(s->procdir, before, DISCOVER_MAX, &n_before);
        int lowest = fcntl(sd_event_get_fd(loop), F_DUPFD_CLOEXEC, 0);
        if (lowest >= 0)
                close(lowest);
        if (!inotifytools_initialize()) {
                r = inotifytools_error() > 0 ? -inotifytools_error() : -EMFILE;
                goto fail;
        }
        s->lib = true;
        inot_active = true;
        int found = -1, candidates = 0;
        if (proc_before == 0 && inotify_fds(s->procdir, after, DISCOVER_MAX, &n_after) == 0)
                for (size_t i = 0; i < n_after; i++)
                        if (!in_set(before, n_before, after[i])) {
                                candidates++;
                                found = after[i];
                        }
        if (candidates > 1 || !is_inotify_fd(found))
                found = -1;
        if (candidates == 0 && is_inotify_fd(lowest) && !(proc_before == 0 && in_set(before, n_before, lowest)))
                found = lowest;
        s->fd = found;

        r = watch_roots(s, roots);
        if (r < 0)
                goto fail;

        if (s->fd >= 0) {
                int fl = fcntl(s->fd, F_GETFL);
                if (fl < 0 || fcntl(s->fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(s->fd, F_SETFD, FD_CLOEXEC) < 0) {
                        r = -errno;
                        goto fail;
                }
                r = sd_event_add_io(loop, &s->io, s->fd, EPOLLIN, on_io, s);
                if (r < 0)
                        goto fail;
                (void)sd_event_source_set_description(s->io, "inotify");
        } else {
                if (!inotifytools_watch_file("/", IN_OPEN | IN_MASK_ADD | IN_ONLYDIR)) {
                        int e = inotifytools_error();
                        r = e > 0 ? -e : -EIO;
                        goto fail;
                }
                s->sentinel_wd = inotifytools_wd_from_filename("/");
                if (s->sentinel_wd > s->watch.max_wd)
                        s->watch.max_wd = s->sentinel_wd;
                r = sd_event_add_time_relative(loop, &s->timer, CLOCK_MONOTONIC, POLL_USEC, 5 * USEC_PER_MSEC,
                                               on_tick, s);
                if (r < 0)
                        goto fail;
                (void)sd_event_source_set_description(s->timer, "inotify-poll");
        }
        *ret = s;
        return s->fd >= 0 ? 0 : 1;

fail:
        inot_free(s);
        return r;
}
