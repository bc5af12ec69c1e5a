/* fan — fanotify source. Event hygiene after fatrace: check metadata->vers, walk with
 * FAN_EVENT_OK/FAN_EVENT_NEXT, close every event fd and pidfd on every path, answer every
 * permission event exactly once, skip our own pid. The permission responder never waits on
 * anything but a few preads of the file at hand.
 *
 * Order: before an open is handed to the pipeline, the name group is read, so the unlinks and
 * renames that happened before the open are known when it is answered. Nothing drains inside a
 * drain but that: directories that appear are marked by a walk the loop steps through between
 * turns (walk_step), never from inside a handler. */
#include "fan.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <systemd/sd-daemon.h>

#include "fanrec.h"
#include "fastpath.h"
#include "modwatch.h"
#include "responder.h"
#include "journal.h"
#include "proc.h"
#include "util.h"

#ifndef FAN_REPORT_PIDFD
#define FAN_REPORT_PIDFD 0x00000080
#endif
#ifndef FAN_NOPIDFD
#define FAN_NOPIDFD (-1)
#endif

#define DATA_MASK (FAN_CLOSE_WRITE)
#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE 0x00000400
#endif
#ifndef FAN_MARK_EVICTABLE
#define FAN_MARK_EVICTABLE 0x00000200
#endif
#define NAME_MASK (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_ONDIR)
#define PERM_MASK (FAN_OPEN_PERM | FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD)
#define PERM_FS_MASK (FAN_OPEN_PERM | FAN_CLOSE_WRITE)
#define TAKE_MAX 256          /* records taken from the responder at once */
/* Ignore marks live at most this long: all are dropped this often. A file just written and
 * judged is read back without asking (a build's outputs, a copy verified); one that sat there is
 * asked about again, and a write-open of it is seen (held, braked, watched) like any other. */
#define IGNORE_TTL_US (10 * 1000000ULL)
#define MAX_MNT 32
#define PROBE_MS 1500
#define DRAIN_ROUNDS 8        /* buffers read per turn and group: neither queue starves the other */
#define OTHER_BUF (16 * 1024) /* ... of the others: ~500 events, a few ms, then opens get a turn */
#define WALK_DEPTH 256        /* directories deeper than this are not marked */
#define WALK_STEP_START 64    /* directories marked between two reads of the data group, at start */
#define WALK_STEP_RUN 256     /* ... and per loop turn while running */
#define WALK_STEP_DRAIN 32    /* ... and after each turn of the groups (a busy loop still walks) */
#define WALK_ENTRIES 256      /* directory entries read count as one directory marked */
#define WALK_MAX_QUEUED 1024  /* moved-in trees waiting for their walk; more are only top-marked */
#define HOLD_MAX 256          /* opens the pipeline holds at once; more are answered at once */
#define HOLD_TICK_US 2000     /* held opens are asked about again this often (and after each read) */

/* An open the pipeline holds (-EAGAIN): the opener waits in open() until it is asked again. */
struct held {
        int fd, pidfd;
        pid_t pid;
        bool gone;
        uint64_t since_ms;
        char *path;
};

/* Three groups. PERM: opens (answered) and close-writes in the protected directories, one queue
 * in the order they happened, unlimited (it cannot overflow: every event in it follows an open
 * that waited for us). DATA: close-writes of the rest of the filesystem (a filesystem or mount
 * mark, with the protected directories ignore-marked), bounded: a flood there loses only those.
 * NAME: creates, unlinks and renames with names, unlimited (no fds held). Without permission
 * events, DATA has the protected close-writes too. */
enum group { GROUP_PERM, GROUP_DATA, GROUP_NAME, _GROUP_MAX };

/* A depth-first walk marking a directory tree, stepped a few directories at a time. */
struct walk {
        bool opened;         /* queued walks hold no fd: the top is opened at the first step */
        DIR *stack[WALK_DEPTH];
        size_t len[WALK_DEPTH]; /* length of path at each depth */
        int depth;           /* entries in stack */
        dev_t dev;           /* never crosses into another filesystem */
        char path[PATH_MAX]; /* of the directory being read */
        struct walk *next;
};

struct fan {
        sd_event *loop;
        struct fan_opts o;
        int perm_fd, data_fd, name_fd;
        struct responder *resp; /* reads and answers the permission group on its own thread */
        bool *root_fs;          /* per root: marked as a whole filesystem in the permission group */
        unsigned n_roots;
        bool calm;              /* what o.calm said last */
        sd_event_source *ttl_src; /* drops every ignore mark every IGNORE_TTL_US */
        uint64_t ignored_at_flush;
        sd_event_source *perm_src, *data_src, *name_src, *walk_src;
        struct {
                fsid_t fsid;
                int fd;
        } mnt[MAX_MNT];
        unsigned n_mnt;
        pid_t self;
        bool draining[_GROUP_MAX]; /* per group: a drain in progress (the name group is read inside the perm group's) */
        bool no_ignore_marks; /* the kernel lacks FAN_MARK_IGNORE: DATA drops protected paths itself */
        char **mounts;        /* mount points below the roots, sorted: walks never enter them */
        size_t n_mounts;
        int mountinfo_fd;     /* /proc/self/mountinfo, polled for changes */
        sd_event_source *mountinfo_src;
        struct held held[HOLD_MAX];
        unsigned n_held;
        uint64_t t_read_us;   /* when the permission event being handled was read */
        bool rechecking;
        sd_event_source *hold_src; /* ticks while something is held */
        struct modwatch *mw;  /* files open for writing whose modifications are reported */
        struct walk *walks;   /* directory trees still to mark */
        unsigned n_walks;
        struct fan_stats st;
        /* Probe verification state. */
        const char *probe_path;
        bool probe_data_seen, probe_name_seen;
};

bool src_path_protected(char *const *roots, const char *path) {
        for (char *const *r = roots; r && *r; r++) {
                size_t n = strlen(*r);
                while (n > 1 && (*r)[n - 1] == '/')
                        n--;
                if (strncmp(path, *r, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1))
                        return true;
        }
        return false;
}

const char *fan_mark_kind_name(enum fan_mark_kind k) {
        switch (k) {
        case FAN_MARK_KIND_FILESYSTEM: return "filesystem";
        case FAN_MARK_KIND_MOUNT: return "mount";
        case FAN_MARK_KIND_INODE: return "inode";
        default: return "none";
        }
}

/* Path of an fd we hold; strips " (deleted)". Returns length or -errno. */
static int fd_path(int fd, char *buf, size_t len, bool *ret_deleted) {
        char link[64];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, buf, len - 1);
        if (n < 0)
                return -errno;
        if ((size_t)n >= len - 1)
                return -ENAMETOOLONG;
        buf[n] = '\0';
        bool del = false;
        struct stat st;
        /* The kernel's suffix, not a file really named "… (deleted)": only an unlinked file has it. */
        if (n > 10 && strcmp(buf + n - 10, " (deleted)") == 0 && fstat(fd, &st) == 0 && st.st_nlink == 0) {
                buf[n - 10] = '\0';
                n -= 10;
                del = true;
        }
        if (ret_deleted)
                *ret_deleted = del;
        return (int)n;
}

static int drain(struct fan *f, enum group g, int rounds);
static void drain_perm(struct fan *f, int rounds);
static void update_calm(struct fan *f);

static int mark_dir_fd(struct fan *f, int dfd) {
        /* A huge tree takes a while: tell systemd we are still starting. */
        if (f->st.perm_dirs % 4096 == 4095)
                (void)sd_notify(0, "EXTEND_TIMEOUT_USEC=30000000");
        if (f->st.perm) {
                if (fanotify_mark(f->perm_fd, FAN_MARK_ADD, PERM_MASK, dfd, NULL) < 0)
                        return -errno;
                /* Its close-writes now come through PERM: keep them out of DATA's queue. */
                if (f->st.mark != FAN_MARK_KIND_INODE && !f->no_ignore_marks &&
                    fanotify_mark(f->data_fd, FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY,
                                  DATA_MASK | FAN_EVENT_ON_CHILD, dfd, NULL) < 0) {
                        if (errno != EINVAL)
                                return -errno;
                        f->no_ignore_marks = true; /* before 6.0 */
                }
        } else if (f->st.mark == FAN_MARK_KIND_INODE &&
                   fanotify_mark(f->data_fd, FAN_MARK_ADD, DATA_MASK | FAN_EVENT_ON_CHILD, dfd, NULL) < 0)
                return -errno;
        if (f->st.mark == FAN_MARK_KIND_INODE && fanotify_mark(f->name_fd, FAN_MARK_ADD, NAME_MASK, dfd, NULL) < 0)
                return -errno;
        f->st.perm_dirs++;
        return 0;
}

static bool marks_dirs(const struct fan *f) {
        return f->st.perm || f->st.mark == FAN_MARK_KIND_INODE;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Re-read the mount points below the roots (at start, and whenever mountinfo changes). */
static void mounts_load(struct fan *f) {
        for (size_t i = 0; i < f->n_mounts; i++)
                free(f->mounts[i]);
        free(f->mounts);
        f->mounts = NULL;
        f->n_mounts = 0;
        FILE *in = fopen("/proc/self/mountinfo", "re");
        if (!in)
                return;
        char line[8192], mp[PATH_MAX];
        size_t cap = 0;
        while (fgets(line, sizeof(line), in)) {
                if (proc_parse_mountinfo_line(line, mp, sizeof(mp)) < 0 || strcmp(mp, "/") == 0)
                        continue;
                bool below = false;
                for (char *const *r = f->o.roots; r && *r && !below; r++)
                        below = strcmp(mp, *r) != 0 && src_path_protected((char *const[]){ *r, NULL }, mp);
                if (!below)
                        continue;
                if (f->n_mounts == cap) {
                        char **v = realloc(f->mounts, (cap = cap ? cap * 2 : 16) * sizeof(char *));
                        if (!v)
                                break;
                        f->mounts = v;
                }
                if (!(f->mounts[f->n_mounts] = strdup(mp)))
                        break;
                f->n_mounts++;
        }
        fclose(in);
        if (f->n_mounts)
                qsort(f->mounts, f->n_mounts, sizeof(char *), cmp_str);
}

static bool is_mount_point(const struct fan *f, const char *path) {
        return f->n_mounts && bsearch(&path, f->mounts, f->n_mounts, sizeof(char *), cmp_str);
}

static int on_mountinfo(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        mounts_load(userdata);
        return 0;
}

static void walk_free(struct walk *w) {
        while (w->depth > 0)
                closedir(w->stack[--w->depth]);
        free(w);
}

/* Mark the directory at path now, and (with walk) queue the walk of what is below it. */
static int walk_start(struct fan *f, const char *path, bool walk) {
        int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        struct stat st;
        int r = fstat(dfd, &st) < 0 ? -errno : mark_dir_fd(f, dfd);
        close(dfd);
        if (r < 0 || !walk)
                return r;
        if (f->n_walks >= WALK_MAX_QUEUED) {
                if (f->st.walk_failed++ % 1000 == 0)
                        log_warning("Too many directory trees waiting to be marked: %s marked, not below it", path);
                return 0;
        }
        struct walk *w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        /* Without a trailing '/', and "/" as the empty prefix: names below are prefix + "/" + name,
         * the form mountinfo gives. */
        size_t n = strlen(path);
        while (n > 1 && path[n - 1] == '/')
                n--;
        if (n == 1 && path[0] == '/')
                n = 0;
        if (n >= sizeof(w->path)) {
                free(w);
                return -ENAMETOOLONG;
        }
        memcpy(w->path, path, n);
        w->path[n] = '\0';
        w->dev = st.st_dev;
        w->next = f->walks;
        f->walks = w;
        f->n_walks++;
        if (f->walk_src)
                (void)sd_event_source_set_enabled(f->walk_src, SD_EVENT_ON);
        return 0;
}

static void walk_pop(struct fan *f) {
        struct walk *w = f->walks;
        f->walks = w->next;
        f->n_walks--;
        walk_free(w);
}

/* The first step of a queued walk: its top directory, if it is still the one we marked. */
static bool walk_open(struct walk *w) {
        w->opened = true;
        int dfd = open(w->path[0] ? w->path : "/", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        DIR *d = dfd >= 0 && fstat(dfd, &st) == 0 && st.st_dev == w->dev ? fdopendir(dfd) : NULL;
        if (!d) {
                if (dfd >= 0)
                        close(dfd);
                return false;
        }
        w->len[0] = strlen(w->path);
        w->stack[w->depth++] = d;
        return true;
}

/* Mark up to budget directories of the queued walks. Never follows symlinks, never enters a
 * mount point (known from mountinfo, so an NFS, FUSE or autofs mount is never even stat'ed) nor
 * another filesystem (checked before the directory is opened, without triggering an
 * automount). -ENOSPC/-ENOMEM when the kernel refuses more marks: the walks are dropped. */
static int walk_step(struct fan *f, unsigned budget) {
        unsigned entries = 0;
        while (f->walks && budget > 0) {
                struct walk *w = f->walks;
                if (!w->opened && !walk_open(w)) {
                        walk_pop(f); /* gone or replaced meanwhile: its new self has its own event */
                        continue;
                }
                DIR *d = w->stack[w->depth - 1];
                struct dirent *de = readdir(d);
                if (++entries % WALK_ENTRIES == 0)
                        budget--; /* a huge directory of files is read a slice at a time too */
                if (!de) {
                        closedir(w->stack[--w->depth]);
                        if (w->depth == 0)
                                walk_pop(f);
                        else
                                w->path[w->len[w->depth - 1]] = '\0';
                        continue;
                }
                if ((de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) || strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                        continue;
                size_t pl = w->len[w->depth - 1], nl = strlen(de->d_name);
                if (pl + 1 + nl >= sizeof(w->path))
                        continue; /* too deep a name to ever be reported: no mark either */
                w->path[pl] = '/';
                memcpy(w->path + pl + 1, de->d_name, nl + 1);
                if (is_mount_point(f, w->path)) {
                        w->path[pl] = '\0';
                        continue;
                }
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) < 0 ||
                    !S_ISDIR(st.st_mode) || st.st_dev != w->dev)
                        continue;
                int c = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (c < 0)
                        continue; /* vanished, or replaced by something else meanwhile */
                budget--;
                int r = fstat(c, &st) < 0 || st.st_dev != w->dev ? -EXDEV : mark_dir_fd(f, c);
                if (r == -ENOSPC || r == -ENOMEM) {
                        close(c);
                        while (f->walks)
                                walk_pop(f);
                        return r;
                }
                DIR *cd = r == 0 && w->depth < WALK_DEPTH ? fdopendir(c) : NULL;
                if (cd) {
                        w->len[w->depth] = pl + 1 + nl;
                        w->stack[w->depth++] = cd;
                } else {
                        close(c);
                        w->path[pl] = '\0';
                }
        }
        return 0;
}

/* The loop's turn for queued walks: runs after the groups' events (lower priority). */
static int on_walk(sd_event_source *s, void *userdata) {
        struct fan *f = userdata;
        int r = walk_step(f, WALK_STEP_RUN);
        if (r < 0)
                f->st.walk_failed++;
        if (!f->walks)
                (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
        return 0;
}

/* Mark the tree at path: its top now, the rest through the walk queue. A directory created
 * while we watch (not moved in) needs no walk where a filesystem or mount mark reports the
 * creation of everything below it: each gets its own event. */
static bool fs_covered(const struct fan *f, const char *path) {
        for (unsigned i = 0; f->root_fs && i < f->n_roots; i++)
                if (f->root_fs[i] && src_path_protected((char *const[]){ f->o.roots[i], NULL }, path))
                        return true;
        return false;
}

static int watch_tree(struct fan *f, const char *path, bool created) {
        if (!marks_dirs(f) || fs_covered(f, path))
                return 0; /* a filesystem mark covers it, and whatever appears below it */
        return walk_start(f, path, !created || f->st.mark == FAN_MARK_KIND_INODE);
}

static int mnt_fd_for(struct fan *f, const fsid_t *fsid) {
        for (unsigned i = 0; i < f->n_mnt; i++)
                if (memcmp(&f->mnt[i].fsid, fsid, sizeof(*fsid)) == 0)
                        return f->mnt[i].fd;
        return -1;
}

static void respond(struct fan *f, int fd, bool allow) {
        struct fanotify_response resp = { .fd = fd, .response = allow ? FAN_ALLOW : FAN_DENY };
        /* The group fd is non-blocking; a failed write leaves the opener waiting until we close
         * the group, so retry EINTR and report anything else. */
        ssize_t n;
        while ((n = write(f->perm_fd, &resp, sizeof(resp))) < 0 && errno == EINTR)
                ;
        if (n < 0) {
                /* ENOENT: the kernel no longer waits for this answer (the opener was killed). */
                if (errno != ENOENT && f->st.respond_failed++ % 1000 == 0)
                        log_warning("Failed to answer a permission event: %m (%" PRIu64 " so far)",
                                    f->st.respond_failed);
        } else if (!allow)
                f->st.denied++;
}

/* Counts the event; false for an unknown metadata version or a queue overflow (reported to
 * the manager here), which carry nothing else to handle. */
static bool event_usable(struct fan *f, uint64_t mask, enum group g) {
        static const char *const lost[_GROUP_MAX] = {
                [GROUP_PERM] = "opens and writes in the protected paths",
                [GROUP_DATA] = "writes outside the protected paths",
                [GROUP_NAME] = "creates, unlinks and renames",
        };
        f->st.events++;
        if (mask & FAN_Q_OVERFLOW) {
                f->st.overflows++;
                struct src_event ev = { .kind = SRC_OVERFLOW, .pidfd = -1, .fd = -1, .path = lost[g] };
                f->o.handler(f->o.userdata, &ev);
                return false;
        }
        return true;
}

static void hold_arm(struct fan *f) {
        if (!f->hold_src)
                return;
        if (f->n_held == 0) {
                (void)sd_event_source_set_enabled(f->hold_src, SD_EVENT_OFF);
                return;
        }
        uint64_t now;
        (void)sd_event_now(f->loop, CLOCK_MONOTONIC, &now);
        (void)sd_event_source_set_time(f->hold_src, now + HOLD_TICK_US);
        (void)sd_event_source_set_enabled(f->hold_src, SD_EVENT_ONESHOT);
}

/* Keep the opener waiting: its event fd and pidfd are ours until it is answered. */
static bool hold(struct fan *f, const struct src_event *ev) {
        if (f->n_held >= HOLD_MAX || !f->hold_src)
                return false;
        char *path = strdup(ev->path);
        if (!path)
                return false;
        f->held[f->n_held++] = (struct held){ .fd = ev->fd, .pidfd = ev->pidfd, .pid = ev->pid, .gone = ev->gone,
                                              .since_ms = util_now_ms(), .path = path };
        f->st.held++;
        if (f->n_held == 1)
                hold_arm(f);
        return true;
}

/* Ask the pipeline again about every held open: after each read of the permission queue and
 * on the tick. Past SRC_HOLD_MAX_MS an open is answered whatever the pipeline would rather do. */
static void hold_recheck(struct fan *f) {
        if (f->rechecking || f->n_held == 0)
                return;
        f->rechecking = true;
        if (f->resp)
                drain_perm(f, 1); /* the names too */
        else
                (void)drain(f, GROUP_NAME, 1);
        uint64_t now = util_now_ms();
        for (unsigned i = 0; i < f->n_held;) {
                struct held *h = &f->held[i];
                struct src_event ev = { .kind = SRC_OPEN, .pid = h->pid, .pidfd = h->pidfd, .fd = h->fd, .path = h->path,
                                        .gone = h->gone, .held_since_ms = h->since_ms,
                                        .hold_expired = now - h->since_ms >= SRC_HOLD_MAX_MS };
                int r = f->o.handler(f->o.userdata, &ev);
                if (r == -EAGAIN && !ev.hold_expired) {
                        i++;
                        continue;
                }
                if (r == SRC_WATCH && f->mw) /* watched before the opener can write */
                        modwatch_add(f->mw, h->fd);
                respond(f, h->fd, r != -EPERM);
                close(h->fd);
                if (h->pidfd >= 0)
                        close(h->pidfd);
                free(h->path);
                f->held[i] = f->held[--f->n_held];
        }
        f->rechecking = false;
        update_calm(f); /* a recheck may brake or act */
        hold_arm(f);
}

static int on_hold_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        hold_recheck(userdata);
        return 0;
}

static int our_path(struct fan *f, int fd, char *buf, size_t len);

/* A watched file's modification reported late (the last of a burst): its content now. */
static void on_modwatch(void *userdata, int fd, pid_t pid) {
        struct fan *f = userdata;
        char path[PATH_MAX];
        bool deleted = false;
        bool ok = fd_path(fd, path, sizeof(path), &deleted) >= 0 && !deleted;
        if (ok && !src_path_protected(f->o.roots, path))
                ok = our_path(f, fd, path, sizeof(path)) >= 0 && src_path_protected(f->o.roots, path);
        struct src_event ev = { .kind = SRC_MODIFIED, .pid = pid, .pidfd = -1, .fd = fd, .path = ok ? path : "",
                                .elsewhere = !ok };
        (void)f->o.handler(f->o.userdata, &ev);
}

/* The path of fd in our mount namespace. A file opened through another mount of its filesystem
 * (a bind mount of a protected directory in a namespace of the opener's, which an unprivileged
 * user namespace allows) is reported under that mount's path; the permission marks are on the
 * directories' inodes, so its opens still reach us, and its name on our mount of the filesystem
 * says whether it is protected. Through a handle: no open of the file, so no event of ours. */
static int our_path(struct fan *f, int fd, char *buf, size_t len) {
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0)
                return -errno;
        int mfd = mnt_fd_for(f, &sfs.f_fsid);
        if (mfd < 0)
                return -EXDEV;
        union {
                struct file_handle h;
                char b[sizeof(struct file_handle) + MAX_HANDLE_SZ];
        } u;
        u.h.handle_bytes = MAX_HANDLE_SZ;
        int mnt_id;
        if (name_to_handle_at(fd, "", &u.h, &mnt_id, AT_EMPTY_PATH) < 0)
                return -errno;
        int pfd = open_by_handle_at(mfd, &u.h, O_PATH | O_CLOEXEC);
        if (pfd < 0)
                return -errno;
        int r = fd_path(pfd, buf, len, NULL);
        close(pfd);
        return r;
}

/* A file just written and judged need not be asked about while all is calm: an evictable inode
 * mark whose ignored mask is FAN_OPEN_PERM (its opens are not asked about; it does not pin the
 * inode) and whose mask is FAN_MODIFY (the first write through an open we were not asked about
 * is reported, in the permission group's order; the responder then drops the mark). Only where
 * every root is a whole filesystem: the inode marks of the group are then these alone, and
 * FAN_MARK_FLUSH drops them all at once: when calm ends, when a writer runs ahead of the loop
 * (responder.c), and every IGNORE_TTL_US. Never for a file only read: see pipeline.c on_open. */
static void ignore_file(struct fan *f, int fd) {
        if (!f->st.ignore_marks || !f->calm || !f->resp)
                return;
        responder_marks_lock(f->resp);
        if (responder_may_ignore(f->resp) &&
            fanotify_mark(f->perm_fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_MODIFY, fd, NULL) == 0) {
                /* Its first write is reported by the data group too, whose marks no drop of the
                 * permission group's touches: a writer that opened many such files unasked
                 * before the drop is still seen writing each of them. */
                if (fanotify_mark(f->data_fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_MODIFY, fd, NULL) == 0 &&
                    fanotify_mark(f->perm_fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM,
                                  fd, NULL) == 0)
                        f->st.ignored++;
                else {
                        (void)fanotify_mark(f->perm_fd, FAN_MARK_REMOVE, FAN_MODIFY, fd, NULL);
                        (void)fanotify_mark(f->data_fd, FAN_MARK_REMOVE, FAN_MODIFY, fd, NULL);
                }
        }
        responder_marks_unlock(f->resp);
}

static void flush_ignored(struct fan *f) {
        if (f->st.ignored == f->ignored_at_flush || !f->resp)
                return;
        responder_marks_lock(f->resp);
        if (fanotify_mark(f->perm_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, "/") == 0) {
                f->st.flushes++;
                f->ignored_at_flush = f->st.ignored;
        }
        responder_marks_unlock(f->resp);
}

static int on_ttl(sd_event_source *s, uint64_t usec, void *userdata) {
        flush_ignored(userdata);
        (void)sd_event_source_set_time(s, usec + IGNORE_TTL_US);
        return 0;
}

/* Ask the pipeline whether all is calm; when that ends, every open is asked about again. */
static void update_calm(struct fan *f) {
        bool c = f->perm_fd >= 0 && f->o.calm && f->o.calm(f->o.userdata);
        if (c == f->calm)
                return;
        f->calm = c;
        if (f->resp)
                responder_set_fast(f->resp, c);
        if (!c && f->st.ignore_marks)
                flush_ignored(f);
}

/* An event of the PERM or DATA group (from_perm: which); answered: an open the responder
 * allowed already. Owns fd and pidfd. */
static void handle_event(struct fan *f, uint64_t mask, pid_t pid, int fd, int pidfd, bool has_pidfd, bool from_perm,
                         int answered) {
        bool perm = mask & FAN_OPEN_PERM;
        bool allow = true;
        char path[PATH_MAX];
        bool deleted = false;

        if (!event_usable(f, mask, from_perm ? GROUP_PERM : GROUP_DATA))
                goto done;
        if (fd < 0)
                goto done;
        if (f->probe_path && pid == f->self && (mask & FAN_CLOSE_WRITE) &&
            fd_path(fd, path, sizeof(path), NULL) > 0 && strcmp(path, f->probe_path) == 0)
                f->probe_data_seen = true;
        if (pid == f->self)
                goto done;
        /* Written through an open we were not asked about (the file was ignore-marked; the
         * responder dropped its mark): judged now. */
        bool unasked = from_perm && (mask & FAN_MODIFY);
        /* A permission event comes from our marks: always protected, even when its path is
         * too long to read. A close-write from the filesystem mark outside the protected paths
         * still goes to the pipeline, which judges it only if it knows the file (a protected
         * file moved or linked out to be encrypted elsewhere). */
        bool elsewhere = false;
        if (fd_path(fd, path, sizeof(path), &deleted) < 0) {
                path[0] = '\0';
                elsewhere = !perm;
        } else if (!src_path_protected(f->o.roots, path)) {
                /* From our marks yet named outside: a bind mount elsewhere (or a directory
                 * moved out, which our mount names outside too). */
                char ours[PATH_MAX];
                if (from_perm && our_path(f, fd, ours, sizeof(ours)) >= 0 && src_path_protected(f->o.roots, ours)) {
                        snprintf(path, sizeof(path), "%s", ours);
                        f->st.other_mounts++;
                } else if (perm)
                        goto done;
                else
                        elsewhere = true;
        }
        /* Written through an fd whose file was unlinked meanwhile: judged by identity, and its
         * old name, which another file may have now, is not kept. (Before 6.0, without ignore
         * marks, a protected write can come through both groups: judged twice, harmlessly.) */
        if (deleted && !perm)
                elsewhere = true;

        struct src_event ev = { .pid = pid, .pidfd = pidfd >= 0 ? pidfd : -1, .fd = fd, .path = path,
                                .gone = f->st.pidfd && has_pidfd && pidfd == FAN_NOPIDFD,
                                .elsewhere = elsewhere, .answered = answered != FASTPATH_NO,
                                .answered_new = answered == FASTPATH_NEW };
        int r;
        if (perm) {
                f->st.perm_events++;
                /* What happened to names before this open (the unlinks that complete a
                 * family's "new ciphertext + original gone") is known before it is answered
                 * (with a responder, they came before it in its queue). */
                if (!f->resp)
                        (void)drain(f, GROUP_NAME, 1);
                ev.kind = SRC_OPEN;
                r = f->o.handler(f->o.userdata, &ev);
                if (answered) {
                        if (answered == FASTPATH_READ && f->resp)
                                responder_known(f->resp, fd);
                        perm = false; /* answered already */
                        goto done;
                }
                if (r == -EAGAIN && hold(f, &ev))
                        return; /* answered later: hold_recheck owns the fds now */
                if (r == -EAGAIN) { /* no room to hold: asked again as expired */
                        ev.held_since_ms = util_now_ms();
                        ev.hold_expired = true;
                        r = f->o.handler(f->o.userdata, &ev);
                }
                allow = r != -EPERM;
                if (r == SRC_WATCH && f->mw) /* answered below: watched before it can write */
                        modwatch_add(f->mw, fd);
                else if (allow && f->resp) /* its state is held now: its reads may be answered at once */
                        responder_known(f->resp, fd);
        } else if (mask & FAN_CLOSE_WRITE) {
                if (f->mw && modwatch_count(f->mw))
                        modwatch_closed(f->mw, fd);
                ev.kind = SRC_WRITTEN;
                r = f->o.handler(f->o.userdata, &ev);
                if (r == SRC_IGNORE && from_perm)
                        ignore_file(f, fd);
                if (from_perm && f->resp && !deleted)
                        responder_known(f->resp, fd);
        } else if (unasked) {
                /* Watched like a write-open we were asked about, until its close-write. */
                if (f->mw && !deleted)
                        modwatch_add(f->mw, fd);
                ev.kind = SRC_MODIFIED;
                (void)f->o.handler(f->o.userdata, &ev);
        } else if ((mask & FAN_MODIFY) && !from_perm && f->st.ignore_marks && f->mw && !modwatch_watched(f->mw, fd)) {
                /* The data group's mark of a file ignore-marked in the permission group (the
                 * only other FAN_MODIFY marks there are modwatch's): written through an open we
                 * were not asked about, maybe opened before every ignore mark was dropped.
                 * Judged now, and watched from here on like any write-open. */
                (void)fanotify_mark(f->data_fd, FAN_MARK_REMOVE, FAN_MODIFY, fd, NULL);
                if (!deleted)
                        modwatch_add(f->mw, fd);
                ev.kind = SRC_MODIFIED;
                (void)f->o.handler(f->o.userdata, &ev);
        } else if ((mask & FAN_MODIFY) && f->mw && modwatch_modified(f->mw, fd, pid)) {
                /* A watched file is protected: through a bind mount it is named by our mount. */
                char ours[PATH_MAX];
                if (ev.elsewhere && !deleted && our_path(f, fd, ours, sizeof(ours)) >= 0 &&
                    src_path_protected(f->o.roots, ours)) {
                        snprintf(path, sizeof(path), "%s", ours);
                        ev.elsewhere = false;
                }
                ev.kind = SRC_MODIFIED;
                (void)f->o.handler(f->o.userdata, &ev);
        }
        update_calm(f);
done:
        if (perm && !answered && fd >= 0) {
                respond(f, fd, allow);
                /* From the thread's read of it to our answer (held opens are counted apart). */
                uint64_t took = util_now_usec() - f->t_read_us;
                f->st.loop_answers++;
                if (took > f->st.slowest_us)
                        f->st.slowest_us = took;
        }
        if (fd >= 0)
                close(fd);
        if (pidfd >= 0)
                close(pidfd);
}

/* An event of the DATA group. */
static void handle_data(struct fan *f, const struct fanotify_event_metadata *m, size_t len) {
        struct fanrec rec;
        fanrec_parse(m, len, &rec);
        int pidfd = rec.has_pidfd ? rec.pidfd : -1;
        if (m->vers != FANOTIFY_METADATA_VERSION) {
                f->st.events++;
                if (m->fd >= 0)
                        close(m->fd);
                if (pidfd >= 0)
                        close(pidfd);
                return;
        }
        f->t_read_us = util_now_usec();
        handle_event(f, m->mask, m->pid, m->fd, pidfd, rec.has_pidfd, false, FASTPATH_NO);
}

/* Directory handle + name of one DFID_NAME record → absolute path. */
static int resolve_name(struct fan *f, const struct fanrec_name *n, char *buf, size_t buflen) {
        if (!n->ok)
                return -EBADMSG;
        fsid_t fsid;
        memcpy(&fsid, n->fsid, sizeof(fsid));
        int mfd = mnt_fd_for(f, &fsid);
        if (mfd < 0)
                return -EXDEV;
        int dfd = open_by_handle_at(mfd, (struct file_handle *)n->handle, O_PATH | O_CLOEXEC);
        if (dfd < 0)
                return -errno; /* ESTALE: the directory is gone */
        int r = fd_path(dfd, buf, buflen, NULL);
        close(dfd);
        if (r < 0)
                return r;
        if (strcmp(n->name, ".") != 0 && n->name[0]) {
                size_t len = strlen(buf);
                if (len + 1 + strlen(n->name) + 1 > buflen)
                        return -ENAMETOOLONG;
                snprintf(buf + len, buflen - len, "%s%s", len == 1 ? "" : "/", n->name);
        }
        return 0;
}

static void handle_name(struct fan *f, const struct fanotify_event_metadata *m, size_t len) {
        char p1[PATH_MAX], p2[PATH_MAX];
        struct fanrec rec;
        fanrec_parse(m, len, &rec);
        int pidfd = rec.has_pidfd ? rec.pidfd : -1;

        if (m->vers != FANOTIFY_METADATA_VERSION || !event_usable(f, m->mask, GROUP_NAME))
                goto done;
        /* A new file's name tells nothing its close-write will not: skip resolving it (the
         * most frequent name event). Directories are resolved, to be marked. */
        if ((m->mask & FAN_CREATE) && !(m->mask & FAN_ONDIR) && !f->probe_path)
                goto done;
        bool have1 = resolve_name(f, &rec.name, p1, sizeof(p1)) == 0;
        bool have2 = resolve_name(f, &rec.new_name, p2, sizeof(p2)) == 0;
        if (f->probe_path && m->pid == f->self && have1 && strcmp(p1, f->probe_path) == 0)
                f->probe_name_seen = true;
        if (m->pid == f->self)
                goto done;

        struct src_event ev = { .pid = m->pid, .pidfd = pidfd >= 0 ? pidfd : -1, .fd = -1,
                                .is_dir = m->mask & FAN_ONDIR };
        if (m->mask & FAN_RENAME) {
                bool in1 = have1 && src_path_protected(f->o.roots, p1);
                bool in2 = have2 && src_path_protected(f->o.roots, p2);
                if (in1 && in2) {
                        ev.kind = SRC_RENAMED;
                        ev.path = p1;
                        ev.path2 = p2;
                } else if (in1) {
                        ev.kind = SRC_DELETED; /* moved out of protection */
                        ev.path = p1;
                } else if (in2) {
                        ev.kind = SRC_CREATED; /* moved in */
                        ev.path = p2;
                } else
                        goto done;
                /* Marks follow the inode: only a directory moved in from outside needs them. */
                if (ev.is_dir && ev.kind == SRC_CREATED)
                        (void)watch_tree(f, ev.path, false);
        } else if (have1 && src_path_protected(f->o.roots, p1)) {
                ev.path = p1;
                if (m->mask & FAN_CREATE) {
                        ev.kind = SRC_CREATED;
                        if (ev.is_dir)
                                (void)watch_tree(f, p1, true);
                } else if (m->mask & FAN_DELETE)
                        ev.kind = SRC_DELETED;
                else
                        goto done;
        } else
                goto done;
        (void)f->o.handler(f->o.userdata, &ev);
        update_calm(f);
done:
        if (m->fd >= 0)
                close(m->fd);
        if (pidfd >= 0)
                close(pidfd);
}

/* Are openers waiting for an answer (events the responder handed on)? */
static bool perm_pending(const struct fan *f) {
        struct pollfd pf = { .fd = f->resp ? responder_fd(f->resp) : -1, .events = POLLIN };
        return f->resp && poll(&pf, 1, 0) > 0;
}

/* The permission group's events, as the responder handed them on, in their order. */
static void drain_perm(struct fan *f, int rounds) {
        struct responder_rec v[TAKE_MAX];
        if (!f->resp || f->draining[GROUP_PERM])
                return;
        f->draining[GROUP_PERM] = true;
        for (int round = 0; round < rounds; round++) {
                size_t n = responder_take(f->resp, v, TAKE_MAX);
                for (size_t i = 0; i < n; i++) {
                        if (v[i].name) {
                                handle_name(f, v[i].name, v[i].name_len);
                                free(v[i].name);
                        } else {
                                f->t_read_us = v[i].t_us;
                                handle_event(f, v[i].mask, v[i].pid, v[i].fd, v[i].pidfd, v[i].has_pidfd, true,
                                             v[i].answered ? v[i].fast : FASTPATH_NO);
                        }
                        responder_done(f->resp, 1);
                        update_calm(f); /* whatever path the event took (held, answered, ignored) */
                }
                if (n < TAKE_MAX)
                        break;
        }
        f->draining[GROUP_PERM] = false;
}

/* Read up to `rounds` buffers of one group's queue, so one busy group cannot starve the others
 * or the loop (the watchdog, signals). The data and name groups read small buffers and stop as
 * soon as an open waits: a flood of events elsewhere never holds up an answer for long.
 * Re-entered only for the name group, from inside the permission group's drain (see
 * handle_data); a group already being drained is not read again. */
static int drain(struct fan *f, enum group g, int rounds) {
        /* Aligned for the metadata structs; on the stack, one buffer per drain level. */
        char buf[OTHER_BUF] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
        int fd = g == GROUP_DATA ? f->data_fd : f->name_fd, r = 0;
        size_t want = OTHER_BUF;
        if (g == GROUP_PERM) {
                drain_perm(f, rounds);
                return 0;
        }
        if (g == GROUP_NAME && f->resp)
                return 0; /* the responder reads it, in order with the permission group */
        if (f->draining[g])
                return 0;
        f->draining[g] = true;
        for (int round = 0; round < rounds; round++) {
                ssize_t n = read(fd, buf, want);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = errno == EAGAIN ? 0 : -errno;
                        break;
                }
                if (n == 0)
                        break;
                if (g == GROUP_NAME) {
                        /* Events with names are 4-byte aligned only: each is copied out first. */
                        union {
                                struct fanotify_event_metadata md;
                                char b[4096];
                        } u;
                        for (size_t off = 0; off + sizeof(u.md) <= (size_t)n; off += u.md.event_len) {
                                memcpy(&u.md, buf + off, sizeof(u.md));
                                if (u.md.event_len < sizeof(u.md) || off + u.md.event_len > (size_t)n)
                                        break;
                                size_t len = u.md.event_len < sizeof(u) ? u.md.event_len : sizeof(u);
                                memcpy(u.b, buf + off, len);
                                handle_name(f, &u.md, len);
                        }
                } else {
                        const struct fanotify_event_metadata *m = (const void *)buf;
                        for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n))
                                handle_data(f, m, (size_t)n);
                }
                if (!f->draining[GROUP_PERM] && perm_pending(f))
                        break;
        }
        f->draining[g] = false;
        return r;
}

/* A few directories of the queued walks after each turn of a group: the walk's own (lower
 * priority) turn may not come while the groups stay busy. */
static void walk_some(struct fan *f) {
        if (f->walks && walk_step(f, WALK_STEP_DRAIN) < 0)
                f->st.walk_failed++;
}

static int on_perm(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)drain(userdata, GROUP_PERM, DRAIN_ROUNDS);
        hold_recheck(userdata);
        walk_some(userdata);
        return 0;
}

static int on_data(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)drain(userdata, GROUP_DATA, DRAIN_ROUNDS);
        return 0;
}

static int on_name(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void)drain(userdata, GROUP_NAME, DRAIN_ROUNDS);
        walk_some(userdata);
        return 0;
}

static int add_mark(struct fan *f, enum fan_mark_kind kind, const char *root, bool remove) {
        unsigned fl = remove ? FAN_MARK_REMOVE : FAN_MARK_ADD;
        if (kind == FAN_MARK_KIND_FILESYSTEM)
                fl |= FAN_MARK_FILESYSTEM;
        else if (kind == FAN_MARK_KIND_MOUNT)
                fl |= FAN_MARK_MOUNT;
        else
                return 0; /* inode marks go per directory through watch_tree() */
        if (fanotify_mark(f->data_fd, fl, DATA_MASK, AT_FDCWD, root) < 0)
                return -errno;
        if (fanotify_mark(f->name_fd, fl, NAME_MASK, AT_FDCWD, root) < 0) {
                int r = -errno;
                if (!remove)
                        (void)fanotify_mark(f->data_fd, (fl & ~FAN_MARK_ADD) | FAN_MARK_REMOVE, DATA_MASK,
                                            AT_FDCWD, root);
                return r;
        }
        return 0;
}

/* Write a probe file in root and wait for both groups to report it. 1: delivered,
 * 0: not delivered, -errno: the probe could not be written (read-only root …). */
static int probe(struct fan *f, const char *root) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s%s.ransomguard-probe-%d", root, root[strlen(root) - 1] == '/' ? "" : "/",
                 (int)f->self);
        f->probe_path = path;
        f->probe_data_seen = f->probe_name_seen = false;
        /* A new file, never whatever someone put at the name (a FIFO would block the start, a
         * symlink or hard link would have us write elsewhere): unlink that, create exclusively. */
        (void)unlink(path);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
        if (fd < 0) {
                f->probe_path = NULL;
                return -errno;
        }
        (void)!write(fd, "probe\n", 6);
        close(fd);
        uint64_t until = util_now_ms() + PROBE_MS;
        while (!(f->probe_data_seen && f->probe_name_seen) && util_now_ms() < until) {
                struct pollfd pf[2] = { { .fd = f->data_fd, .events = POLLIN }, { .fd = f->name_fd, .events = POLLIN } };
                if (poll(pf, 2, 50) < 0 && errno != EINTR)
                        break;
                (void)drain(f, GROUP_DATA, DRAIN_ROUNDS);
                (void)drain(f, GROUP_NAME, DRAIN_ROUNDS);
        }
        unlink(path);
        f->probe_path = NULL;
        return f->probe_data_seen && f->probe_name_seen;
}

static bool same_mount_ns(void) {
        char a[64], b[64];
        ssize_t na = readlink("/proc/self/ns/mnt", a, sizeof(a) - 1), nb = readlink("/proc/1/ns/mnt", b, sizeof(b) - 1);
        if (na < 0 || nb < 0)
                return true; /* cannot tell: allow the mount mark, the probe still checks */
        return na == nb && memcmp(a, b, (size_t)na) == 0;
}

static int init_groups(struct fan *f) {
        unsigned base = FAN_CLOEXEC | FAN_NONBLOCK | FAN_UNLIMITED_MARKS;
        /* O_NONBLOCK: opening the event fd of a FIFO must never wait for a writer. */
        unsigned ev = O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NONBLOCK;

        f->st.perm = f->o.perm;
        f->st.pidfd = true;
        for (int attempt = 0; attempt < 4; attempt++) {
                unsigned pidfd = f->st.pidfd ? FAN_REPORT_PIDFD : 0;
                f->data_fd = fanotify_init(FAN_CLASS_NOTIF | base | pidfd, ev);
                if (f->data_fd >= 0 && f->st.perm)
                        f->perm_fd = fanotify_init(FAN_CLASS_CONTENT | base | FAN_UNLIMITED_QUEUE | pidfd, ev);
                if (f->data_fd >= 0 && (!f->st.perm || f->perm_fd >= 0))
                        break;
                int e = errno;
                if (f->data_fd >= 0)
                        close(f->data_fd);
                f->data_fd = -1;
                if (e != EINVAL)
                        return -e;
                /* Older kernels: first give up pidfds, then the permission class. */
                if (f->st.pidfd)
                        f->st.pidfd = false;
                else if (f->st.perm) {
                        f->st.perm = false;
                        f->st.pidfd = true;
                } else
                        return -EINVAL;
        }
        if (f->data_fd < 0)
                return -EINVAL;
        /* Name events need the pid only (to credit an unlink or rename), not a pidfd: creating
         * and closing one per event would cost more than the event itself. Unlimited: a flood of
         * creates elsewhere must not cost us the unlinks that complete "new ciphertext +
         * original gone" (they hold no fd; the kernel keeps ~150 bytes per queued event). */
        f->name_fd = fanotify_init(FAN_CLASS_NOTIF | base | FAN_UNLIMITED_QUEUE | FAN_REPORT_DFID_NAME,
                                   O_RDONLY | O_CLOEXEC);
        if (f->name_fd < 0)
                return -errno;
        return 0;
}

static int add_mnt(struct fan *f, const char *root) {
        struct statfs sfs;
        if (statfs(root, &sfs) < 0)
                return -errno;
        if (mnt_fd_for(f, &sfs.f_fsid) >= 0)
                return 0;
        if (f->n_mnt >= MAX_MNT)
                return -E2BIG;
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        f->mnt[f->n_mnt].fsid = sfs.f_fsid;
        f->mnt[f->n_mnt].fd = fd;
        f->n_mnt++;
        return 0;
}

/* One mark kind for all roots: the first that both groups accept and that delivers. A mount
 * mark sees only writes through our own mount: in a private mount namespace (ProtectSystem=,
 * containers) that is nobody else's, and our own probe would still pass, so it is not even tried
 * there. Per-directory (inode) marks when neither works. */
static void choose_mark_kind(struct fan *f) {
        static const enum fan_mark_kind kinds[] = { FAN_MARK_KIND_FILESYSTEM, FAN_MARK_KIND_MOUNT };
        bool own_mntns = !same_mount_ns();
        f->st.mark = FAN_MARK_KIND_NONE;
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && f->st.mark == FAN_MARK_KIND_NONE; k++) {
                bool ok = !(kinds[k] == FAN_MARK_KIND_MOUNT && own_mntns);
                for (char *const *root = f->o.roots; root && *root && ok; root++)
                        ok = add_mark(f, kinds[k], *root, false) == 0;
                f->st.unverified = 0;
                for (char *const *root = f->o.roots; root && *root && ok; root++) {
                        int p = probe(f, *root);
                        ok = p != 0;
                        if (p < 0) /* cannot write a probe (read-only): trusted unverified */
                                f->st.unverified++;
                }
                if (ok)
                        f->st.mark = kinds[k];
                else
                        for (char *const *root = f->o.roots; root && *root; root++)
                                (void)add_mark(f, kinds[k], *root, true);
        }
        if (f->st.mark == FAN_MARK_KIND_NONE)
                f->st.mark = FAN_MARK_KIND_INODE;
}

/* Is path the root of a whole filesystem mounted there (not a bind mount of a directory)? */
static bool is_fs_root(const char *path) {
        FILE *in = fopen("/proc/self/mountinfo", "re");
        if (!in)
                return false;
        char line[8192], mp[PATH_MAX], root[PATH_MAX];
        bool yes = false;
        size_t n = strlen(path);
        while (n > 1 && path[n - 1] == '/')
                n--;
        while (fgets(line, sizeof(line), in)) /* the last mount there is the one seen */
                if (proc_parse_mountinfo_line(line, mp, sizeof(mp)) == 0 && strlen(mp) == n &&
                    strncmp(mp, path, n) == 0)
                        yes = proc_parse_mountinfo_root(line, root, sizeof(root)) == 0 && strcmp(root, "/") == 0;
        fclose(in);
        return yes;
}

/* Roots that are a whole filesystem get one filesystem mark in the permission group: O(1)
 * whatever the tree's size, nothing to walk, no directory pinned, and no window for a new
 * directory (everything on it is asked about from the first moment). Its close-writes then
 * come through the permission group alone. Where the filesystem mark delivered the probe. */
static void mark_filesystems(struct fan *f) {
        if (!f->st.perm || f->st.mark != FAN_MARK_KIND_FILESYSTEM)
                return;
        for (unsigned i = 0; i < f->n_roots; i++) {
                const char *root = f->o.roots[i];
                if (!is_fs_root(root) ||
                    fanotify_mark(f->perm_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, PERM_FS_MASK, AT_FDCWD, root) < 0)
                        continue;
                f->root_fs[i] = true;
                f->st.perm_fs++;
                (void)fanotify_mark(f->data_fd, FAN_MARK_REMOVE | FAN_MARK_FILESYSTEM, DATA_MASK, AT_FDCWD, root);
        }
        /* Ignore marks need every root so (FAN_MARK_FLUSH would drop directory marks too), and
         * evictable marks (5.19): a mark on a million files must not pin them. Tried on the
         * first root's own inode, and removed. */
        if (f->st.perm_fs < f->n_roots || f->no_ignore_marks)
                return;
        const char *root = f->o.roots[0];
        if (fanotify_mark(f->perm_fd, FAN_MARK_ADD | FAN_MARK_EVICTABLE | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM,
                          AT_FDCWD, root) == 0) {
                f->st.ignore_marks = true;
                (void)fanotify_mark(f->perm_fd, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM, AT_FDCWD,
                                    root);
        }
}

int fan_new(sd_event *loop, const struct fan_opts *o, struct fan **ret) {
        struct fan *f = calloc(1, sizeof(*f));
        int r;
        if (!f)
                return -ENOMEM;
        f->loop = sd_event_ref(loop);
        f->o = *o;
        f->perm_fd = f->data_fd = f->name_fd = f->mountinfo_fd = -1;
        f->self = getpid();

        for (char *const *root = o->roots; root && *root; root++)
                f->n_roots++;
        f->root_fs = calloc(f->n_roots + 1, sizeof(bool));
        if (!f->root_fs) {
                r = -ENOMEM;
                goto fail;
        }
        r = init_groups(f);
        if (r < 0)
                goto fail;

        for (char *const *root = o->roots; root && *root; root++) {
                r = add_mnt(f, *root);
                if (r < 0)
                        goto fail;
        }

        choose_mark_kind(f);
        /* From here on its own thread reads the permission group (and the name group, for one
         * order): openers are answered while the loop walks the tree below. After the probes,
         * which read the groups themselves. */
        if (f->st.perm) {
                r = responder_new(f->perm_fd, f->name_fd, f->self, o->procdir ? o->procdir : "/proc", &f->resp);
                if (r < 0)
                        goto fail;
        }
        mark_filesystems(f);
        if (f->st.ignore_marks) {
                responder_use_ignore_marks(f->resp);
                uint64_t now;
                (void)sd_event_now(loop, CLOCK_MONOTONIC, &now);
                r = sd_event_add_time(loop, &f->ttl_src, CLOCK_MONOTONIC, now + IGNORE_TTL_US, 1000000, on_ttl, f);
                if (r < 0)
                        goto fail;
                (void)sd_event_source_set_enabled(f->ttl_src, SD_EVENT_ON); /* re-armed in on_ttl */
        }

        /* Permission (and, for inode marks, all) marks on every directory. Last, so that our own
         * probe writes above never wait for our own answer. Openers under the directories marked
         * so far wait for answers meanwhile: they get them between steps of the walk. */
        /* Mount points below the roots are never walked into; mountinfo says when they change. */
        mounts_load(f);
        f->mountinfo_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        if (f->mountinfo_fd >= 0 &&
            sd_event_add_io(loop, &f->mountinfo_src, f->mountinfo_fd, EPOLLPRI, on_mountinfo, f) < 0)
                log_debug("Failed to watch /proc/self/mountinfo, mount points are read at start only");
        for (char *const *root = o->roots; root && *root; root++) {
                r = watch_tree(f, *root, false);
                if (r < 0)
                        goto fail;
        }
        while (f->walks) {
                r = walk_step(f, WALK_STEP_START);
                if (r < 0)
                        goto fail;
                if (f->st.perm) {
                        (void)drain(f, GROUP_PERM, DRAIN_ROUNDS);
                        hold_recheck(f);
                }
        }
        /* Directories that appear later are walked by the loop, after the groups' events. */
        r = sd_event_add_defer(loop, &f->walk_src, on_walk, f);
        if (r < 0)
                goto fail;
        (void)sd_event_source_set_priority(f->walk_src, SD_EVENT_PRIORITY_NORMAL);
        (void)sd_event_source_set_enabled(f->walk_src, SD_EVENT_OFF);

        /* Openers wait for PERM: it goes first. */
        if (f->st.perm) {
                r = sd_event_add_io(loop, &f->perm_src, responder_fd(f->resp), EPOLLIN, on_perm, f);
                if (r < 0)
                        goto fail;
                (void)sd_event_source_set_priority(f->perm_src, SD_EVENT_PRIORITY_IMPORTANT - 10);
        }
        r = sd_event_add_io(loop, &f->data_src, f->data_fd, EPOLLIN, on_data, f);
        if (r < 0)
                goto fail;
        /* Both groups at one priority, above timers: a busy writer keeps the data group
         * readable all the time, and a lower-priority name group would starve, leaving the
         * unlinks that complete "new ciphertext + original removed" unread while the attack
         * goes on. Each reads at most 8 buffers per turn: openers wait little, and neither
         * queue outgrows the other (100k file creations overflowed a name group that read less). */
        (void)sd_event_source_set_priority(f->data_src, SD_EVENT_PRIORITY_IMPORTANT);
        if (!f->resp) {
                r = sd_event_add_io(loop, &f->name_src, f->name_fd, EPOLLIN, on_name, f);
                if (r < 0)
                        goto fail;
                (void)sd_event_source_set_priority(f->name_src, SD_EVENT_PRIORITY_IMPORTANT);
        }
        if (f->perm_fd >= 0) {
                r = sd_event_add_time(loop, &f->hold_src, CLOCK_MONOTONIC, 0, 500, on_hold_tick, f);
                if (r < 0)
                        goto fail;
                (void)sd_event_source_set_enabled(f->hold_src, SD_EVENT_OFF);
                (void)sd_event_source_set_priority(f->hold_src, SD_EVENT_PRIORITY_IMPORTANT);
                /* The data group reports watched files' modifications: its marks are ours. */
                r = modwatch_new(loop, f->data_fd, on_modwatch, f, &f->mw);
                if (r < 0)
                        goto fail;
        }
        update_calm(f);
        *ret = f;
        return 0;
fail:
        fan_free(f);
        return r;
}

struct fan *fan_free(struct fan *f) {
        if (!f)
                return NULL;
        sd_event_source_disable_unref(f->perm_src);
        sd_event_source_disable_unref(f->data_src);
        sd_event_source_disable_unref(f->name_src);
        sd_event_source_disable_unref(f->walk_src);
        sd_event_source_disable_unref(f->mountinfo_src);
        sd_event_source_disable_unref(f->hold_src);
        sd_event_source_disable_unref(f->ttl_src);
        modwatch_free(f->mw);
        /* The responder first: what it had not handed on is allowed. */
        f->resp = responder_free(f->resp);
        /* Held opens are answered (allowed) before the group goes. */
        for (unsigned i = 0; i < f->n_held; i++) {
                if (f->perm_fd >= 0)
                        respond(f, f->held[i].fd, true);
                close(f->held[i].fd);
                if (f->held[i].pidfd >= 0)
                        close(f->held[i].pidfd);
                free(f->held[i].path);
        }
        f->n_held = 0;
        if (f->mountinfo_fd >= 0)
                close(f->mountinfo_fd);
        for (size_t i = 0; i < f->n_mounts; i++)
                free(f->mounts[i]);
        free(f->mounts);
        while (f->walks)
                walk_pop(f);
        /* Closing the group answers every pending permission event with allow. */
        if (f->perm_fd >= 0)
                close(f->perm_fd);
        if (f->data_fd >= 0)
                close(f->data_fd);
        if (f->name_fd >= 0)
                close(f->name_fd);
        for (unsigned i = 0; i < f->n_mnt; i++)
                close(f->mnt[i].fd);
        free(f->root_fs);
        sd_event_unref(f->loop);
        free(f);
        return NULL;
}

int fan_open_protected(struct fan *f, const char *path) {
        if (f->perm_fd < 0) { /* no permission events: nothing to wait for */
                int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
                return fd < 0 ? -errno : fd;
        }
        int pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC); /* raises no event */
        if (pfd < 0)
                return -errno;
        struct stat st;
        char link[64];
        int r = 0, fd = -1;
        if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode))
                r = -EBADFD;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
        /* By the magic link: an O_PATH fd itself is refused as the mark's object. Survives a
         * modification meanwhile (else cleared: our open would wait for us). The same kind of
         * mark as ignore_file()'s (an ignored mask, evictable), so that it joins one already
         * there rather than being refused; removing it ends that one's ignoring too. */
        unsigned fl = FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY | FAN_MARK_EVICTABLE;
        /* The responder must not drop it before our open: that open would wait for it. */
        if (f->resp)
                responder_marks_lock(f->resp);
        if (r == 0 && fanotify_mark(f->perm_fd, fl, FAN_OPEN_PERM, AT_FDCWD, link) < 0 &&
            (errno != EINVAL || fanotify_mark(f->perm_fd, fl & ~FAN_MARK_EVICTABLE, FAN_OPEN_PERM, AT_FDCWD, link) < 0))
                r = -errno; /* (evictable marks came in 5.19) */
        if (r == 0) {
                fd = open(link, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
                if (fd < 0)
                        r = -errno;
                /* The whole mark goes (an ignore_file() one's FAN_MODIFY too): one that
                 * survives modifications must not stay. */
                (void)fanotify_mark(f->perm_fd, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM, AT_FDCWD, link);
                (void)fanotify_mark(f->perm_fd, FAN_MARK_REMOVE, FAN_MODIFY, AT_FDCWD, link);
        }
        if (f->resp)
                responder_marks_unlock(f->resp);
        close(pfd);
        return r < 0 ? r : fd;
}

void fan_get_stats(const struct fan *f, struct fan_stats *ret) {
        *ret = f->st;
        if (f->resp) {
                struct responder_stats rs;
                responder_get_stats(f->resp, &rs);
                ret->fast_new = rs.fast_new;
                ret->fast_read = rs.fast_read;
                ret->fast_other = rs.fast_other;
                ret->handed = rs.handed;
                ret->flushes += rs.flushes;
                ret->unignored = rs.unignored;
                ret->premarked = rs.premarked;
                ret->realtime = rs.realtime;
        }
}

void fan_set_premark(struct fan *f, int fd) {
        if (f && f->resp)
                responder_set_premark(f->resp, fd);
}
