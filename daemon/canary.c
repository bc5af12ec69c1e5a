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

#define CANARY_BYTES 24576

struct canary {
        char **paths;
        struct stat *st; /* dev and inode of each decoy */
        size_t n;
        pid_t child;     /* repairing: > 0 running, < 0 reaped (its late events are still ours) */
};

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
 * would run as) can write it. */
static int place(const char *path) {
        char buf[CANARY_BYTES];
        struct stat dst;
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (!slash)
                return -EINVAL;
        *(slash == dir ? slash + 1 : slash) = '\0';
        if (stat(dir, &dst) < 0)
                return -errno;
        content(buf, sizeof(buf));
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        int r = 0;
        if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
                r = -EIO;
        if (fchown(fd, dst.st_uid, dst.st_gid) < 0 && r == 0)
                r = 0; /* not fatal: the decoy is still a decoy for root-run attackers */
        close(fd);
        return r;
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
        return c && c->child && pid == (c->child > 0 ? c->child : -c->child);
}

void canary_reap(struct canary *c) {
        if (c && c->child > 0 && waitpid(c->child, NULL, WNOHANG) == c->child) {
                c->child = -c->child;
                refresh(c);
        }
}

unsigned canary_count(const struct canary *c) {
        return c ? (unsigned)c->n : 0;
}
