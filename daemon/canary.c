/* canary — decoy files: placing, recognising, repairing. */
#include "canary.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define CANARY_BYTES 24576

struct canary {
        char **paths;
        struct stat *st; /* dev and inode of each decoy */
        size_t n;
        pid_t child;     /* repairing: > 0 running, < 0 reaped (its late events are still ours) */
        uint64_t t_reaped;
};

#define REPAIRER_EVENTS_MS 10000 /* a reaped repairer's events are read well within this */

static void refresh(struct canary *c);

/* Document-like text, so a decoy looks worth encrypting to size and type filters. */
static void content(char *buf, size_t len) {
        static const char *const lines[] = {
                "Quarterly financial summary - confidential\n",
                "Account  Region  Q1  Q2  Q3  Q4  Total\n",
                "Payroll and vendor contracts, see attached schedules.\n",
                "Board minutes: budget approved, audit scheduled for next quarter.\n",
        };
        size_t o = 0;
        for (unsigned i = 0; o < len; i++) {
                const char *l = lines[i % 4];
                size_t n = strlen(l);
                if (n > len - o)
                        n = len - o;
                memcpy(buf + o, l, n);
                o += n;
        }
}

/* Write one decoy, owned like its directory so the directory's owner (the one ransomware
 * would run as) can write it. The directory is user-writable: whatever sits at the name (a
 * FIFO, a symlink, a hard link to another file) is never opened. A new file is created beside
 * it (O_EXCL, non-blocking, relative to the directory opened without following a symlink) and
 * renamed over the name, which replaces the entry and leaves any other inode untouched. */
static int place(const char *path) {
        char buf[CANARY_BYTES], dir[4096], tmp[64];
        struct stat dst;
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (!slash || !slash[1])
                return -EINVAL;
        const char *name = path + (slash - dir) + 1;
        *(slash == dir ? slash + 1 : slash) = '\0';
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (fstat(dfd, &dst) < 0) {
                int e = -errno;
                close(dfd);
                return e;
        }
        content(buf, sizeof(buf));
        snprintf(tmp, sizeof(tmp), ".rg-decoy-%d.tmp", (int)getpid());
        (void)unlinkat(dfd, tmp, 0); /* ours from a crash, or planted: the name is ours to use */
        int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
        if (fd < 0) {
                int e = -errno;
                close(dfd);
                return e;
        }
        int r = write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) ? 0 : -EIO;
        (void)fchown(fd, dst.st_uid, dst.st_gid); /* not fatal: still a decoy for root-run attackers */
        close(fd);
        if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
                r = -errno; /* a directory at the name: no decoy there */
        if (r < 0)
                (void)unlinkat(dfd, tmp, 0);
        close(dfd);
        return r;
}

/* Is the file at path still a decoy as we wrote it (never remove a file someone else put at its
 * name)? Read without following a symlink or blocking on a FIFO. */
static bool is_ours(const char *path) {
        char want[CANARY_BYTES], got[CANARY_BYTES];
        struct stat st;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return false;
        bool ours = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == CANARY_BYTES &&
                    read(fd, got, sizeof(got)) == (ssize_t)sizeof(got);
        close(fd);
        content(want, sizeof(want));
        return ours && memcmp(want, got, sizeof(got)) == 0;
}

int canary_new(char *const *roots, const char *name, struct canary **ret) {
        struct canary *c = calloc(1, sizeof(*c));
        size_t n = 0;
        if (!c)
                return -ENOMEM;
        while (roots && roots[n])
                n++;
        c->paths = calloc(n + 1, sizeof(char *));
        c->st = calloc(n + 1, sizeof(struct stat));
        if (!c->paths || !c->st) {
                free(c->st);
                free(c->paths);
                free(c);
                return -ENOMEM;
        }
        int r = 0;
        for (size_t i = 0; i < n; i++) {
                char *p;
                if (asprintf(&p, "%s%s%s", roots[i], roots[i][strlen(roots[i]) - 1] == '/' ? "" : "/", name) < 0) {
                        canary_free(c);
                        return -ENOMEM;
                }
                int k = place(p);
                if (k < 0) {
                        r = r ? r : k; /* a read-only root: no decoy there, the others stay */
                        free(p);
                        continue;
                }
                c->paths[c->n++] = p;
        }
        refresh(c);
        *ret = c;
        return c->n ? 0 : r;
}

struct canary *canary_free(struct canary *c) {
        if (!c)
                return NULL;
        if (c->child > 0) {
                (void)kill(c->child, SIGKILL);
                (void)waitpid(c->child, NULL, 0);
        }
        for (size_t i = 0; i < c->n; i++) {
                if (is_ours(c->paths[i]))
                        (void)unlink(c->paths[i]);
                free(c->paths[i]);
        }
        free(c->paths);
        free(c->st);
        free(c);
        return NULL;
}

const char *canary_match(const struct canary *c, const char *path, const char *path2, const struct stat *st) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n; i++) {
                if ((path && strcmp(c->paths[i], path) == 0) || (path2 && strcmp(c->paths[i], path2) == 0))
                        return c->paths[i];
                if (st && c->st[i].st_ino != 0 && c->st[i].st_ino == st->st_ino && c->st[i].st_dev == st->st_dev)
                        return c->paths[i];
        }
        return NULL;
}

void canary_forget_inode(struct canary *c, const char *path) {
        for (size_t i = 0; c && path && i < c->n; i++)
                if (strcmp(c->paths[i], path) == 0)
                        memset(&c->st[i], 0, sizeof(c->st[i]));
}

static void refresh(struct canary *c) {
        for (size_t i = 0; c && i < c->n; i++)
                if (lstat(c->paths[i], &c->st[i]) < 0)
                        memset(&c->st[i], 0, sizeof(c->st[i]));
}

void canary_repair(struct canary *c) {
        canary_reap(c);
        if (!c || c->child > 0)
                return; /* a repair is running; it rewrites every decoy */
        pid_t pid = fork();
        if (pid < 0)
                return; /* the next touch tries again */
        if (pid == 0) {
                /* Drop every inherited fd, the fanotify groups above all: a child holding the
                 * group open would keep its pending permission events alive after we close it. */
                (void)close_range(3, ~0U, 0);
                for (size_t i = 0; i < c->n; i++)
                        (void)place(c->paths[i]);
                _exit(0);
        }
        c->child = pid;
}

bool canary_is_repairer(const struct canary *c, pid_t pid) {
        if (!c || !c->child)
                return false;
        if (c->child < 0 && util_now_ms() - c->t_reaped > REPAIRER_EVENTS_MS)
                return false; /* its pid may belong to anyone by now */
        return pid == (c->child > 0 ? c->child : -c->child);
}

void canary_reap(struct canary *c) {
        if (c && c->child > 0 && waitpid(c->child, NULL, WNOHANG) == c->child) {
                c->child = -c->child;
                c->t_reaped = util_now_ms();
                refresh(c);
        }
}

unsigned canary_count(const struct canary *c) {
        return c ? (unsigned)c->n : 0;
}
