/* sim-evade — the modes of an attacker who has read the daemon's source: each one goes around
 * one rule that judging a file at its close-write, by its name, from fixed blocks, per process
 * family would rely on. None renames to a new extension or drops a note (that alone is
 * evidence); every file keeps its name and ends up holding ciphertext (or is replaced by it).
 *
 *   rename_over   ciphertext into a new hidden file (the original's times copied onto it),
 *                 renamed over the original
 *   outside_rename the same with the new file in a directory beside the target (not protected),
 *                 on the same filesystem
 *   exchange      ciphertext into NAME.EXT, renameat2(RENAME_EXCHANGE) with NAME, unlink NAME.EXT
 *                 (which is the original now)
 *   truncate      read, truncate(2) by path (no open), open without O_TRUNC and write
 *   rewrite       read, open again with O_TRUNC and write (a script's open(name, "wb"))
 *   fake_magic    in place, then a gzip/zstd/JPEG/PNG/PDF signature over the first bytes
 *   keep_header   in place behind the first min(4 KiB, size/4) bytes, which stay intact
 *   gaps          in place except where the daemon's default sampler looked before it was
 *                 keyed (head, middle and tail 4 KiB)
 *   words         ciphertext encoded as words of a 256-word list, written back as text
 *   hold_open     every file opened first, then each encrypted, all closed at the end
 *   hardlink      a hard link beside the target (same filesystem), encrypted through it
 *   bindmount     the target bind-mounted beside itself in a new mount namespace (a new user
 *                 namespace when not root), encrypted through that mount
 *   spread        every --per-family files (default 2) by a new detached family: fork, setsid,
 *                 fork again (the worker is re-parented to init); --interval between families */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"

#define MAX_SLURP ((uint64_t) 256 << 20)
#define SAMPLER_BLOCK ((uint64_t) 4096)

static int set_cipher(struct sim_job *j) {
        int r = sim_cipher_new(j->c->o->cipher, j->c->o->seed, j->idx, &j->cipher);
        if (r < 0) {
                errno = -r;
                sim_warn("Failed to set up the cipher: %m");
                j->c->fatal = true;
        }
        return r;
}

/* The whole file into memory, encrypted. */
static int slurp_encrypted(struct sim_job *j, int fd, uint64_t size, unsigned char **ret) {
        if (size > MAX_SLURP)
                return -EFBIG;
        unsigned char *buf = malloc(size ? size : 1);
        if (!buf)
                return -ENOMEM;
        ssize_t n = sim_pread_full(fd, buf, (size_t) size, 0);
        int r = n < 0 ? (int) n : (uint64_t) n != size ? -ESTALE : set_cipher(j);
        if (r >= 0)
                r = sim_cipher_apply(j->cipher, buf, (size_t) size);
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        return 0;
}

/* The job's file read whole and encrypted into *ret (its stat in *st); skipped with a message. */
static int read_encrypted(struct sim_job *j, struct stat *st, unsigned char **ret) {
        int fd = sim_job_open(j, O_RDONLY, st);
        if (fd < 0)
                return sim_job_skip(j, fd, "open");
        j->planned = (uint64_t) st->st_size;
        int r = slurp_encrypted(j, fd, (uint64_t) st->st_size, ret);
        close(fd);
        return r < 0 && !j->c->fatal ? sim_job_skip(j, r, "read") : r;
}

static int write_new_at(struct sim_job *j, int dfd, const char *name, const unsigned char *buf, size_t len, mode_t mode) {
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
        if (fd < 0)
                return -errno;
        int r = sim_write_full(fd, buf, len);
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(dfd, name, 0);
        return r;
}

/* rename_over, outside_rename and exchange: the ciphertext is a new file first. */
static int attack_replace(struct sim_job *j, bool exchange) {
        bool outside = j->c->o->mode == SIM_MODE_OUTSIDE_RENAME;
        int tdir = outside ? j->c->side_fd : j->dfd;
        const struct sim_opts *o = j->c->o;
        char other[NAME_MAX + 1];
        unsigned char *buf = NULL;
        struct stat st;
        int n = exchange ? snprintf(other, sizeof other, "%s.%s", j->name, o->ext)
                         : snprintf(other, sizeof other, ".%s.%06llx", j->name, (unsigned long long) (j->idx & 0xffffff));
        if (n < 0 || (size_t) n >= sizeof other)
                return sim_job_skip(j, -ENAMETOOLONG, "name the copy of");
        int r = read_encrypted(j, &st, &buf);
        if (r < 0)
                return r;
        r = write_new_at(j, tdir, other, buf, (size_t) st.st_size, (st.st_mode & 0777) | 0600);
        free(buf);
        if (r < 0)
                return j->c->fatal ? r : sim_job_skip(j, r, "encrypt");
        if (!exchange) {
                /* The original's times on the copy: it looks untouched, and its state at its
                 * close-write no longer matches it. */
                struct timespec ts[2] = { st.st_atim, st.st_mtim };
                (void) utimensat(tdir, other, ts, AT_SYMLINK_NOFOLLOW);
                if (renameat(tdir, other, j->dfd, j->name) < 0) {
                        r = -errno;
                        (void) unlinkat(tdir, other, 0);
                        return sim_job_skip(j, r, "rename over");
                }
                return sim_job_damaged(j);
        }
        if (renameat2(j->dfd, j->name, j->dfd, other, RENAME_EXCHANGE) < 0) {
                r = -errno;
                (void) unlinkat(j->dfd, other, 0);
                return sim_job_skip(j, r, "exchange");
        }
        r = sim_job_damaged(j);
        if (unlinkat(j->dfd, other, 0) < 0 && r >= 0) /* the original, under the copy's name now */
                r = sim_job_skip(j, -errno, "unlink the exchanged original of");
        return r;
}

/* truncate: read it, then truncate(2) by path (through an O_PATH fd: no open of the file, and
 * no symlink followed), then write the ciphertext through an open without O_TRUNC.
 * rewrite: read it, then open it again with O_TRUNC and write the ciphertext. */
static int attack_truncate(struct sim_job *j) {
        unsigned char *buf = NULL;
        struct stat st;
        char proc[64];
        int fd, r = read_encrypted(j, &st, &buf);
        if (r < 0)
                return r;
        if (j->c->o->mode == SIM_MODE_REWRITE) {
                struct stat now;
                fd = sim_job_open(j, O_WRONLY | O_TRUNC, &now);
                r = fd < 0 ? fd : sim_job_damaged(j);
                if (r >= 0)
                        r = sim_pwrite_full(fd, buf, (size_t) st.st_size, 0);
                if (fd >= 0 && close(fd) < 0 && r >= 0)
                        r = -errno;
                free(buf);
                return r < 0 && !j->c->fatal ? sim_job_skip(j, r, "rewrite") : r;
        }
        int pfd = openat(j->dfd, j->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat now;
        if (pfd < 0 || fstat(pfd, &now) < 0 || now.st_ino != st.st_ino || !S_ISREG(now.st_mode))
                r = pfd < 0 ? -errno : -ESTALE;
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
        if (r >= 0 && truncate(proc, 0) < 0)
                r = -errno;
        if (pfd >= 0)
                close(pfd);
        if (r >= 0)
                r = sim_job_damaged(j);
        if (r >= 0) {
                fd = sim_job_open(j, O_WRONLY, &now);
                r = fd < 0 ? fd : sim_pwrite_full(fd, buf, (size_t) st.st_size, 0);
                if (fd >= 0 && close(fd) < 0 && r >= 0)
                        r = -errno;
        }
        free(buf);
        return r < 0 && !j->c->fatal ? sim_job_skip(j, r, "truncate and write") : r;
}

/* Encrypt ranges of the file in place (no rename). ranges: pairs of offset, length. */
static int crypt_ranges(struct sim_job *j, int fd, const uint64_t *ranges, unsigned n) {
        int r = set_cipher(j);
        for (unsigned i = 0; i < n && r >= 0; i++)
                if (ranges[2 * i + 1])
                        r = sim_crypt_range(j, fd, ranges[2 * i], ranges[2 * i + 1]);
        return r;
}

static const struct {
        const unsigned char *bytes;
        size_t len;
} magics[] = {
        { (const unsigned char *) "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10 }, /* gzip */
        { (const unsigned char *) "\x28\xb5\x2f\xfd\x24\x00", 6 },                   /* zstd */
        { (const unsigned char *) "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20 },
        { (const unsigned char *) "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 16 },
        { (const unsigned char *) "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 15 },
};

/* fake_magic, keep_header, gaps: in place, some bytes left as they were or set to a header. */
static int attack_partial(struct sim_job *j) {
        struct stat st;
        int fd = sim_job_open(j, O_RDWR, &st);
        if (fd < 0)
                return sim_job_skip(j, fd, "open");
        uint64_t size = (uint64_t) st.st_size, rg[6] = { 0 };
        unsigned n = 1;
        int r;
        switch (j->c->o->mode) {
        case SIM_MODE_KEEP_HEADER: {
                uint64_t keep = size / 4 < SIM_HEADER_BYTES ? size / 4 : SIM_HEADER_BYTES;
                rg[0] = keep;
                rg[1] = size - keep;
                break;
        }
        case SIM_MODE_GAPS:
                /* Around head, middle and tail block, where the unkeyed sampler looked. */
                if (size <= 3 * SAMPLER_BLOCK) {
                        rg[0] = size > SAMPLER_BLOCK ? SAMPLER_BLOCK : 0;
                        rg[1] = size - rg[0];
                } else {
                        uint64_t mid = (size - SAMPLER_BLOCK) / 2;
                        rg[0] = SAMPLER_BLOCK;
                        rg[1] = mid - SAMPLER_BLOCK;
                        rg[2] = mid + SAMPLER_BLOCK;
                        rg[3] = size - SAMPLER_BLOCK - rg[2];
                        n = 2;
                }
                break;
        default: /* fake_magic */
                rg[1] = size;
        }
        j->planned = 0;
        for (unsigned i = 0; i < n; i++)
                j->planned += rg[2 * i + 1];
        r = crypt_ranges(j, fd, rg, n);
        if (r >= 0 && j->c->o->mode == SIM_MODE_FAKE_MAGIC && size > 0) {
                size_t m = j->idx % (sizeof(magics) / sizeof(magics[0]));
                size_t l = magics[m].len < size ? magics[m].len : (size_t) size;
                r = sim_pwrite_full(fd, magics[m].bytes, l, 0);
        }
        if (r >= 0 && size == 0)
                r = sim_job_damaged(j);
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        return r < 0 && !j->c->fatal ? sim_job_skip(j, r, "encrypt") : r;
}

/* 256 pronounceable words: a consonant and a vowel pair for each nibble. */
static size_t word_of(unsigned char b, char out[8]) {
        static const char cons[] = "bdfgklmnprstvzhj", *vow[] = { "a", "e", "i", "o", "u", "ai", "ea", "ou" };
        size_t n = 0;
        out[n++] = cons[b >> 4];
        const char *v = vow[(b >> 1) & 7];
        while (*v)
                out[n++] = *v++;
        out[n++] = b & 1 ? 'r' : 'l';
        out[n++] = 'o';
        return n;
}

/* words: the ciphertext spelt as words, 12 to a line, over the original. */
static int attack_words(struct sim_job *j) {
        unsigned char *buf = NULL;
        struct stat st;
        int fd = sim_job_open(j, O_RDWR, &st);
        if (fd < 0)
                return sim_job_skip(j, fd, "open");
        j->planned = (uint64_t) st.st_size;
        int r = slurp_encrypted(j, fd, (uint64_t) st.st_size, &buf);
        char *text = r >= 0 ? malloc((size_t) st.st_size * 8 + 1) : NULL;
        if (r >= 0 && !text)
                r = -ENOMEM;
        if (r >= 0) {
                size_t o = 0;
                for (off_t i = 0; i < st.st_size; i++) {
                        o += word_of(buf[i], text + o);
                        text[o++] = (i + 1) % 12 == 0 ? '\n' : ' ';
                }
                r = sim_pwrite_full(fd, text, o, 0);
                if (r >= 0)
                        r = sim_job_damaged(j);
        }
        free(text);
        free(buf);
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        return r < 0 && !j->c->fatal ? sim_job_skip(j, r, "encrypt") : r;
}

/* Whole file in place, no rename: hardlink (through the link), bindmount, spread. */
static int attack_plain(struct sim_job *j) {
        struct stat st;
        int fd;
        char link[32];
        bool linked = false;
        if (j->c->o->mode == SIM_MODE_HARDLINK) {
                snprintf(link, sizeof link, "l%zu", j->idx);
                if (linkat(j->dfd, j->name, j->c->side_fd, link, 0) < 0)
                        return sim_job_skip(j, -errno, "link");
                linked = true;
                fd = openat(j->c->side_fd, link, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
                        close(fd);
                        fd = -EINVAL;
                } else if (fd < 0)
                        fd = -errno;
        } else
                fd = sim_job_open(j, O_RDWR, &st);
        if (fd < 0) {
                if (linked)
                        (void) unlinkat(j->c->side_fd, link, 0);
                return sim_job_skip(j, fd, "open");
        }
        j->planned = (uint64_t) st.st_size;
        uint64_t rg[2] = { 0, (uint64_t) st.st_size };
        int r = crypt_ranges(j, fd, rg, 1);
        if (r >= 0 && st.st_size == 0)
                r = sim_job_damaged(j);
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (linked)
                (void) unlinkat(j->c->side_fd, link, 0);
        return r < 0 && !j->c->fatal ? sim_job_skip(j, r, "encrypt") : r;
}

int sim_evade_file(struct sim_job *j) {
        switch (j->c->o->mode) {
        case SIM_MODE_RENAME_OVER:
        case SIM_MODE_OUTSIDE_RENAME:
                return attack_replace(j, false);
        case SIM_MODE_EXCHANGE:
                return attack_replace(j, true);
        case SIM_MODE_TRUNCATE:
        case SIM_MODE_REWRITE:
                return attack_truncate(j);
        case SIM_MODE_FAKE_MAGIC:
        case SIM_MODE_KEEP_HEADER:
        case SIM_MODE_GAPS:
                return attack_partial(j);
        case SIM_MODE_WORDS:
                return attack_words(j);
        default:
                return attack_plain(j);
        }
}

/* "<target>.rgsim-links", "-tmp" or "-bind": beside the target, made by us; on its filesystem
 * where links and renames need it (a mount point needs not). */
static int side_dir(struct sim_ctx *c, const char *suffix, bool same_fs) {
        if (asprintf(&c->side_path, "%s.rgsim-%s", c->t->path, suffix) < 0) {
                c->side_path = NULL;
                return -ENOMEM;
        }
        if (mkdir(c->side_path, 0700) < 0 && errno != EEXIST)
                return -errno;
        int fd = open(c->side_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || (same_fs && st.st_dev != c->t->dev) || st.st_uid != geteuid()) {
                close(fd);
                return -EXDEV;
        }
        c->side_fd = fd;
        return 0;
}

static int write_file(const char *path, const char *s) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = sim_write_full(fd, s, strlen(s));
        close(fd);
        return r;
}

/* A private mount namespace (in a new user namespace when not root) where the target is
 * bind-mounted on the side directory; the target's fd is that mount's from now on. */
static int bind_target(struct sim_ctx *c, struct sim_target *t) {
        uid_t uid = geteuid();
        gid_t gid = getegid();
        char map[64];
        if (unshare(uid == 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS) < 0)
                return -errno;
        if (uid != 0) {
                snprintf(map, sizeof map, "%u %u 1\n", (unsigned) uid, (unsigned) uid);
                int r = write_file("/proc/self/uid_map", map);
                if (r >= 0)
                        r = write_file("/proc/self/setgroups", "deny\n");
                snprintf(map, sizeof map, "%u %u 1\n", (unsigned) gid, (unsigned) gid);
                if (r >= 0)
                        r = write_file("/proc/self/gid_map", map);
                if (r < 0)
                        return r;
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount(t->path, c->side_path, NULL, MS_BIND, NULL) < 0)
                return -errno;
        c->side_mounted = true;
        int fd = open(c->side_path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        close(t->fd);
        t->fd = fd;
        return 0;
}

int sim_evade_prepare(struct sim_ctx *c, struct sim_target *t) {
        int r = 0;
        if (c->o->mode == SIM_MODE_HARDLINK)
                r = side_dir(c, "links", true);
        else if (c->o->mode == SIM_MODE_OUTSIDE_RENAME)
                r = side_dir(c, "tmp", true);
        else if (c->o->mode == SIM_MODE_BINDMOUNT) {
                r = side_dir(c, "bind", false);
                if (r >= 0) {
                        close(c->side_fd);
                        c->side_fd = -1;
                        r = bind_target(c, t);
                }
        } else
                return SIM_EXIT_OK;
        if (r < 0) {
                errno = -r;
                sim_warn("Failed to prepare mode %s beside %s: %m", sim_mode_to_string(c->o->mode), c->t->path);
                return SIM_EXIT_FAILURE;
        }
        return SIM_EXIT_OK;
}

void sim_evade_finish(struct sim_ctx *c) {
        if (c->side_fd >= 0)
                close(c->side_fd);
        c->side_fd = -1;
        if (c->side_mounted)
                (void) umount2(c->side_path, MNT_DETACH);
        if (c->side_path)
                (void) rmdir(c->side_path); /* in the namespace still mounted: left for the caller */
        free(c->side_path);
        c->side_path = NULL;
}

bool sim_evade_has_loop(enum sim_mode m) {
        return m == SIM_MODE_HOLD_OPEN || m == SIM_MODE_SPREAD;
}

/* hold_open: open every file first (as many as the fd limit allows at once), encrypt each
 * through its fd, close them all at the end. */
static int run_hold_open(struct sim_ctx *c) {
        size_t n = c->tree->n_files;
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        size_t batch = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > 64 ? (size_t) rl.rlim_cur - 32 : 32;
        struct sim_job *jobs = calloc(batch, sizeof *jobs);
        int *fds = calloc(batch, sizeof *fds);
        if (!jobs || !fds) {
                free(jobs);
                free(fds);
                sim_warn("Failed to allocate the file table: %m");
                return SIM_EXIT_FAILURE;
        }
        for (size_t from = 0; from < n && !c->fatal; from += batch) {
                size_t to = from + batch < n ? from + batch : n;
                for (size_t i = from; i < to; i++) {
                        struct sim_job *j = &jobs[i - from];
                        struct stat st;
                        *j = (struct sim_job){ .c = c, .idx = i, .name = c->tree->files[i].name };
                        fds[i - from] = -1;
                        int r = sim_tree_path(c->tree, c->t->path, i, &j->path);
                        if (r >= 0)
                                r = sim_open_dir(c->t, c->tree->dirs[c->tree->files[i].dir], &j->dfd);
                        else
                                j->dfd = -1;
                        if (r >= 0 && (r = sim_job_open(j, O_RDWR, &st)) >= 0) {
                                fds[i - from] = r;
                                j->planned = (uint64_t) st.st_size;
                        } else if (j->path)
                                (void) sim_job_skip(j, r, "open");
                }
                for (size_t i = from; i < to && !c->fatal; i++) {
                        struct sim_job *j = &jobs[i - from];
                        uint64_t rg[2] = { 0, j->planned };
                        int r = fds[i - from] < 0 ? -EBADF : crypt_ranges(j, fds[i - from], rg, 1);
                        if (r >= 0 && j->planned == 0)
                                r = sim_job_damaged(j);
                        if (r < 0) {
                                if (fds[i - from] >= 0 && !c->fatal)
                                        (void) sim_job_skip(j, r, "encrypt");
                                c->skipped++;
                        } else
                                c->damaged++;
                }
                for (size_t i = from; i < to; i++) {
                        struct sim_job *j = &jobs[i - from];
                        if (fds[i - from] >= 0)
                                close(fds[i - from]);
                        if (j->dfd >= 0)
                                close(j->dfd);
                        EVP_CIPHER_CTX_free(j->cipher);
                        free(j->path);
                }
        }
        free(jobs);
        free(fds);
        return c->fatal ? SIM_EXIT_FAILURE : c->skipped ? SIM_EXIT_SKIPPED : SIM_EXIT_OK;
}

/* spread: each group of --per-family files by a worker in a session of its own whose parent
 * has exited (re-parented to init or the nearest subreaper). The worker reports through a pipe;
 * its end (or its death) closes it. */
static int run_spread(struct sim_ctx *c) {
        size_t n = c->tree->n_files, per = c->o->per_family ? c->o->per_family : 2;
        int code = SIM_EXIT_OK;
        for (size_t from = 0; from < n && code != SIM_EXIT_FAILURE; from += per) {
                size_t to = from + per < n ? from + per : n;
                if (from > 0 && c->o->interval_set)
                        (void) sim_sleep(c->o->interval);
                int p[2];
                if (pipe2(p, O_CLOEXEC) < 0) {
                        sim_warn("Failed to make a pipe: %m");
                        return SIM_EXIT_FAILURE;
                }
                pid_t pid = fork();
                if (pid < 0) {
                        sim_warn("Failed to fork: %m");
                        close(p[0]);
                        close(p[1]);
                        return SIM_EXIT_FAILURE;
                }
                if (pid == 0) {
                        close(p[0]);
                        (void) setsid();
                        pid_t w = fork();
                        if (w != 0)
                                _exit(w < 0 ? 1 : 0);
                        for (size_t i = from; i < to && !c->fatal; i++)
                                (void) sim_attack_file(c, i);
                        unsigned char res = c->fatal ? 2 : c->skipped ? 1 : 0;
                        (void) sim_write_full(p[1], &res, 1);
                        _exit(0);
                }
                close(p[1]);
                int status;
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
                unsigned char res = 3;
                ssize_t k;
                do
                        k = read(p[0], &res, 1);
                while (k < 0 && errno == EINTR);
                close(p[0]);
                if (k != 1) {
                        sim_warn("Worker for files %zu-%zu ended without reporting (killed?)", from, to - 1);
                        code = SIM_EXIT_WORKER;
                        c->skipped += to - from;
                } else if (res == 2)
                        code = SIM_EXIT_FAILURE;
                else {
                        if (res == 1 && code == SIM_EXIT_OK)
                                code = SIM_EXIT_SKIPPED;
                        c->damaged += to - from;
                }
        }
        return code;
}

int sim_evade_run(struct sim_ctx *c) {
        return c->o->mode == SIM_MODE_HOLD_OPEN ? run_hold_open(c) : run_spread(c);
}
