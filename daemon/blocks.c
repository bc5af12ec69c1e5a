/* blocks — the block list kept in a directory. */
#include "blocks.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "privdir.h"

#define BLOCK_FILE_MAX 512

struct blocks {
        int dfd;
        char *dir;
        struct block_list list;
};

static int64_t now_s(void) {
        return (int64_t)time(NULL);
}

static int open_dir(const char *dir, bool create, char *err, size_t errlen) {
        return privdir_open(dir, "server.block_dir", create, err, errlen);
}

static int read_at(int dfd, const char *name, char *buf, size_t len) {
        int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return -EINVAL;
        }
        ssize_t n = read(fd, buf, len - 1);
        int r = n < 0 ? -errno : 0;
        close(fd);
        if (n >= 0)
                buf[n] = '\0';
        return r;
}

/* Every block file of the directory, in force or not, to `each`. */
static void each_file(int dfd, void (*each)(void *u, const char *name, const struct block *b), void *u) {
        int d2 = dup(dfd);
        DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
        if (!d) {
                if (d2 >= 0)
                        close(d2);
                return;
        }
        rewinddir(d);
        struct dirent *de;
        while ((de = readdir(d))) {
                struct block b = { 0 };
                char text[BLOCK_FILE_MAX];
                if (block_key_parse(de->d_name, &b.key) < 0 || read_at(dfd, de->d_name, text, sizeof(text)) < 0 ||
                    block_file_parse(text, &b.until, b.label, sizeof(b.label)) < 0)
                        continue; /* not ours (a temporary file, a stranger): left alone */
                each(u, de->d_name, &b);
        }
        closedir(d);
}

static void load_one(void *u, const char *name, const struct block *b) {
        struct blocks *bl = u;
        if (b->until <= now_s()) {
                (void)unlinkat(bl->dfd, name, 0);
                return;
        }
        (void)block_add(&bl->list, &b->key, b->label, b->until);
}

int blocks_open(const char *dir, struct blocks **ret, char *err, size_t errlen) {
        struct blocks *b = calloc(1, sizeof(*b));
        if (!b || !(b->dir = strdup(dir))) {
                free(b);
                return -ENOMEM;
        }
        /* Created at the first block only: a server that never blocks anyone gets no directory. */
        b->dfd = open_dir(dir, false, err, errlen);
        if (b->dfd < 0 && b->dfd != -ENOENT) {
                int r = b->dfd;
                free(b->dir);
                free(b);
                return r;
        }
        if (b->dfd >= 0)
                each_file(b->dfd, load_one, b);
        *ret = b;
        return 0;
}

struct blocks *blocks_free(struct blocks *b) {
        if (!b)
                return NULL;
        if (b->dfd >= 0)
                close(b->dfd);
        block_list_free(&b->list);
        free(b->dir);
        free(b);
        return NULL;
}

unsigned blocks_count(const struct blocks *b) {
        return b ? (unsigned)b->list.n : 0;
}

bool blocks_any(const struct blocks *b, unsigned kinds) {
        for (size_t i = 0; b && i < b->list.n; i++)
                if (b->list.v[i].key.kind & kinds)
                        return true;
        return false;
}

/* Write the block's file: a temporary name, then renamed over (a reader never sees half). */
static int write_file(struct blocks *b, const struct block *x) {
        char name[BLOCK_NAME_MAX], tmp[BLOCK_NAME_MAX + 16], text[BLOCK_FILE_MAX], err[512];
        if (b->dfd < 0 && (b->dfd = open_dir(b->dir, true, err, sizeof(err))) < 0) {
                int r = b->dfd;
                log_warning("%s", err);
                return r;
        }
        block_key_name(&x->key, name, sizeof(name));
        snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
        block_file_format(x, text, sizeof(text));
        (void)unlinkat(b->dfd, tmp, 0);
        int fd = openat(b->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        size_t n = strlen(text);
        ssize_t k = write(fd, text, n);
        int r = k == (ssize_t)n ? 0 : k < 0 ? -errno : -ENOSPC;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(b->dfd, tmp, b->dfd, name) < 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(b->dfd, tmp, 0);
        return r;
}

int blocks_add(struct blocks *b, const struct block_client *c, unsigned by, const char *user_label, uint32_t seconds,
               char *ret_what, size_t len) {
        size_t o = 0;
        ret_what[0] = '\0';
        /* Only a root server's clients: a user's own forking server must never get an address or
         * a user blocked for everyone. */
        if (!b || !c->is_worker || !c->server_root || seconds == 0)
                return 0;
        int64_t until = now_s() + seconds;
        static const enum block_kind kinds[] = { BLOCK_USER, BLOCK_ADDR };
        for (size_t i = 0; i < 2; i++) {
                /* A worker acting as root serves no client user (the server itself, or an
                 * admin login): never block uid 0, which would stop every such worker. */
                if (!(by & kinds[i]) || (kinds[i] == BLOCK_USER && c->uid == 0) ||
                    (kinds[i] == BLOCK_ADDR && c->conn.rport == 0)) /* no address known: none blocked */
                        continue;
                struct block_key k;
                char label[64], name[BLOCK_NAME_MAX];
                block_key_of(c, kinds[i], &k);
                block_key_name(&k, name, sizeof(name));
                if (kinds[i] == BLOCK_USER)
                        snprintf(label, sizeof(label), "%s", user_label);
                else
                        snprintf(label, sizeof(label), "%s", name + 5);
                int r = block_add(&b->list, &k, label, until);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < b->list.n; j++)
                        if (block_key_equal(&b->list.v[j].key, &k) && (r = write_file(b, &b->list.v[j])) < 0)
                                log_warning("Failed to write block file %s/%s: %s; the block holds until the daemon stops",
                                            b->dir, name, strerror(-r));
                if (o < len)
                        o += (size_t)snprintf(ret_what + o, len - o, "%s%s %s", o ? " and " : "",
                                              kinds[i] == BLOCK_USER ? "user" : "address", label);
        }
        if (o && o < len)
                snprintf(ret_what + o, len - o, " blocked for %u s", seconds);
        return 0;
}

const struct block *blocks_check(struct blocks *b, unsigned by, const struct block_client *c) {
        if (!b || b->list.n == 0 || !c->is_worker)
                return NULL;
        int64_t now = now_s();
        ssize_t i;
        while ((i = block_expired(&b->list, now)) >= 0) {
                char name[BLOCK_NAME_MAX];
                block_key_name(&b->list.v[i].key, name, sizeof(name));
                if (b->dfd >= 0)
                        (void)unlinkat(b->dfd, name, 0);
                journal_log(LOG_NOTICE, RG_MID_UNBLOCKED, "Block on %s %s ended", b->list.v[i].key.kind == BLOCK_USER ? "user" : "address",
                            b->list.v[i].label);
                b->list.v[i] = b->list.v[--b->list.n];
        }
        for (;;) {
                const struct block *m = block_match(&b->list, by, c, now);
                if (!m)
                        return NULL;
                char name[BLOCK_NAME_MAX];
                block_key_name(&m->key, name, sizeof(name));
                if (b->dfd < 0 || faccessat(b->dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
                        return m; /* without a directory (it could not be made) a block holds in memory */
                journal_log(LOG_NOTICE, RG_MID_UNBLOCKED, "Block on %s %s lifted (%s/%s was removed)",
                            m->key.kind == BLOCK_USER ? "user" : "address", m->label, b->dir, name);
                struct block_key k = m->key;
                (void)block_remove(&b->list, &k);
        }
}

/* ---- held workers ---- */

static void hold_name(pid_t pid, uint64_t start, char *buf, size_t len) {
        snprintf(buf, len, "held-%d-%" PRIu64, (int)pid, start);
}

void blocks_hold_note(struct blocks *b, pid_t pid, uint64_t start) {
        char name[64], err[512];
        if (!b)
                return;
        if (b->dfd < 0 && (b->dfd = open_dir(b->dir, true, err, sizeof(err))) < 0)
                return; /* said when the first block is written */
        hold_name(pid, start, name, sizeof(name));
        int fd = openat(b->dfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0)
                close(fd);
}

void blocks_hold_done(struct blocks *b, pid_t pid, uint64_t start) {
        char name[64];
        if (!b || b->dfd < 0)
                return;
        hold_name(pid, start, name, sizeof(name));
        (void)unlinkat(b->dfd, name, 0);
}

void blocks_holds_each(struct blocks *b, void (*each)(void *u, pid_t pid, uint64_t start), void *u) {
        if (!b || b->dfd < 0)
                return;
        int d2 = dup(b->dfd);
        DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
        if (!d) {
                if (d2 >= 0)
                        close(d2);
                return;
        }
        rewinddir(d);
        struct dirent *de;
        while ((de = readdir(d))) {
                int pid;
                unsigned long long start;
                char tail;
                if (sscanf(de->d_name, "held-%d-%llu%c", &pid, &start, &tail) != 2 || pid <= 1)
                        continue;
                each(u, (pid_t)pid, (uint64_t)start);
                (void)unlinkat(b->dfd, de->d_name, 0);
        }
        closedir(d);
}

/* ---- the commands ---- */

struct list_ctx {
        FILE *out, *errf;
        unsigned n;
        int64_t now;
        /* unblock: */
        int dfd;
        const char *who;
        bool all;
        struct block_key key;
        bool have_key;
        uid_t uid;
        bool have_uid;
        int r;
};

static void print_one(void *u, const char *name, const struct block *b) {
        struct list_ctx *x = u;
        char when[64] = "?";
        time_t t = (time_t)b->until;
        struct tm tm;
        if (localtime_r(&t, &tm))
                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
        fprintf(x->out, "%-40s %-24s until %s%s\n", name, b->label, when, b->until <= x->now ? " (ended)" : "");
        x->n++;
}

int blocks_list_cmd(const char *dir, FILE *out, FILE *errf) {
        char err[512];
        int dfd = open_dir(dir, false, err, sizeof(err));
        if (dfd == -ENOENT) {
                fprintf(out, "No blocks (%s does not exist).\n", dir);
                return 0;
        }
        if (dfd < 0) {
                fprintf(errf, "%s\n", err);
                return dfd;
        }
        struct list_ctx x = { .out = out, .now = now_s() };
        each_file(dfd, print_one, &x);
        close(dfd);
        if (x.n == 0)
                fprintf(out, "No blocks in %s.\n", dir);
        return 0;
}

static void unblock_one(void *u, const char *name, const struct block *b) {
        struct list_ctx *x = u;
        bool hit = x->all || (x->have_key && block_key_equal(&b->key, &x->key)) ||
                   (x->have_uid && b->key.kind == BLOCK_USER && b->key.uid == x->uid) || strcmp(b->label, x->who) == 0;
        if (!hit)
                return;
        if (unlinkat(x->dfd, name, 0) < 0) {
                x->r = -errno;
                fprintf(x->errf, "Failed to remove %s: %s\n", name, strerror(errno));
                return;
        }
        fprintf(x->out, "Lifted the block on %s %s (%s).\n", b->key.kind == BLOCK_USER ? "user" : "address", b->label, name);
        x->n++;
}

int blocks_unblock_cmd(const char *dir, const char *who, bool resolve, FILE *out, FILE *errf) {
        char err[512];
        struct list_ctx x = { .out = out, .errf = errf, .now = now_s(), .who = who };
        x.all = strcmp(who, "all") == 0;
        char name[BLOCK_NAME_MAX + 8];
        snprintf(name, sizeof(name), "addr-%s", who);
        if (block_key_parse(who, &x.key) == 0 || block_key_parse(name, &x.key) == 0)
                x.have_key = true;
        snprintf(name, sizeof(name), "user-%s", who);
        struct block_key k;
        if (!x.have_key && block_key_parse(name, &k) == 0) {
                x.uid = k.uid;
                x.have_uid = true;
        }
        if (resolve && !x.all && !x.have_key && !x.have_uid) {
                /* A user name: the label the block was given (smbstatus' name), or resolved
                 * here, in the command, never in the daemon. */
                struct passwd *pw = getpwnam(who);
                if (pw) {
                        x.uid = pw->pw_uid;
                        x.have_uid = true;
                }
        }
        x.dfd = open_dir(dir, false, err, sizeof(err));
        if (x.dfd < 0) {
                fprintf(errf, "%s\n", x.dfd == -ENOENT ? "No blocks: the block directory does not exist" : err);
                return x.dfd == -ENOENT ? -ENOENT : x.dfd;
        }
        each_file(x.dfd, unblock_one, &x);
        close(x.dfd);
        if (x.r < 0)
                return x.r;
        if (x.n == 0) {
                fprintf(errf, "No block on %s in %s.\n", who, dir);
                return -ENOENT;
        }
        return 0;
}
