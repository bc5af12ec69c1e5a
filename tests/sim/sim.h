/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ransomguard-sim: a SAFE ransomware simulator for the integration tests and the benchmark.
 *
 * sim.c         arguments, the per-file loop, pacing, multiproc workers
 * sim-target.c  the safety checks on --target (refuses anything not a marked dir under /tmp)
 * sim-walk.c    the symlink-free, same-filesystem walk that builds the file list
 * sim-crypt.c   key/IV derivation and the ciphers (OpenSSL EVP), XOR, password
 * sim-io.c      EINTR/short-I/O safe read/write helpers and the progress log
 * sim-modes.c   what each --mode does to one file
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <openssl/evp.h>

/* Exit codes, documented in --help. */
enum sim_exit {
        SIM_EXIT_OK             = 0,  /* every selected file was damaged */
        SIM_EXIT_FAILURE        = 1,  /* runtime failure (memory, OpenSSL, target vanished, fork) */
        SIM_EXIT_USAGE          = 2,  /* bad command line */
        SIM_EXIT_TARGET_MISSING = 3,  /* --target does not exist or cannot be resolved */
        SIM_EXIT_TARGET_OUTSIDE = 4,  /* not strictly below /tmp or /var/tmp after resolution */
        SIM_EXIT_TARGET_SYMLINK = 5,  /* --target itself is a symlink */
        SIM_EXIT_TARGET_NOTDIR  = 6,  /* --target is not a directory */
        SIM_EXIT_NO_MARKER      = 7,  /* marker file .ransomguard-sim-target missing */
        SIM_EXIT_BAD_MARKER     = 8,  /* marker is a symlink or not a regular file */
        SIM_EXIT_LOG            = 9,  /* the progress log cannot be opened or written */
        SIM_EXIT_NO_TOOL        = 10, /* exec_per_file: openssl or rm not found in PATH */
        SIM_EXIT_SKIPPED        = 11, /* finished, but some files were skipped (vanished, EPERM, ...) */
        SIM_EXIT_WORKER         = 12, /* multiproc: a worker was killed by a signal */
};

enum sim_mode {
        SIM_MODE_INPLACE,
        SIM_MODE_NEWFILE_UNLINK,
        SIM_MODE_INTERMITTENT,
        SIM_MODE_HEADER_ONLY,
        SIM_MODE_MULTIPROC,
        SIM_MODE_EXEC_PER_FILE,
        SIM_MODE_SLOW,
        SIM_MODE_LOWENTROPY,
        SIM_MODE_XOR,
        SIM_MODE_MMAP,
        SIM_MODE_ARCHIVE,
        SIM_MODE_MULTITHREAD,
        /* sim-evade.c */
        SIM_MODE_RENAME_OVER,
        SIM_MODE_OUTSIDE_RENAME,
        SIM_MODE_EXCHANGE,
        SIM_MODE_TRUNCATE,
        SIM_MODE_REWRITE,
        SIM_MODE_FAKE_MAGIC,
        SIM_MODE_KEEP_HEADER,
        SIM_MODE_GAPS,
        SIM_MODE_WORDS,
        SIM_MODE_HOLD_OPEN,
        SIM_MODE_HARDLINK,
        SIM_MODE_BINDMOUNT,
        SIM_MODE_SPREAD,
        _SIM_MODE_MAX,
        _SIM_MODE_INVALID = -1,
};

enum sim_cipher { SIM_CIPHER_AES, SIM_CIPHER_CHACHA20 };
enum sim_order { SIM_ORDER_DFS, SIM_ORDER_RANDOM };
enum sim_pattern { SIM_PATTERN_COARSE, SIM_PATTERN_FINE };

#define SIM_MARKER        ".ransomguard-sim-target"
#define SIM_CONTROL_PREFIX ".ransomguard"
#define SIM_NOTE_NAME     "README-RESTORE.txt"
#define SIM_CHUNK         ((size_t) 64 * 1024)
#define SIM_HEADER_BYTES  ((uint64_t) 4096)

/* What the command line asked for. */
struct sim_opts {
        const char *target;        /* --target as given */
        enum sim_mode mode;
        enum sim_cipher cipher;
        enum sim_order order;
        enum sim_pattern pattern;  /* intermittent only */
        uint64_t seed;
        const char *ext;           /* extension appended on rename / new file, without the dot */
        double rate;               /* files per second, 0 = unlimited (per worker: rate / workers) */
        double interval;           /* slow mode: seconds between files */
        uint64_t max_files;        /* 0 = all */
        unsigned workers;          /* multiproc */
        unsigned per_family;       /* spread: files per detached process family */
        bool interval_set;         /* --interval given (spread: pause between families) */
        bool no_rename;
        bool fsync;
        bool preread;              /* read every file once before the attack (known to the daemon) */
        bool verbose;
        const char *log_path;      /* NULL = stdout */
};

const char *sim_mode_to_string(enum sim_mode m);
enum sim_mode sim_mode_from_string(const char *s);

/* sim-target.c */
struct sim_target {
        char *path;  /* resolved absolute path */
        int fd;      /* O_PATH|O_DIRECTORY fd on it, every later access is relative to it */
        dev_t dev;
};
enum sim_exit sim_target_open(const char *arg, struct sim_target *ret, char *err, size_t errlen);
void sim_target_close(struct sim_target *t);

/* sim-walk.c */
struct sim_file {
        char *name;   /* basename */
        size_t dir;   /* index into sim_tree.dirs */
};
struct sim_tree {
        char **dirs;  /* paths relative to the target, "" for the target itself */
        size_t n_dirs;
        struct sim_file *files;
        size_t n_files;
};
/* Files to leave alone besides symlinks, control files and non-regular files. */
struct sim_walk_filter {
        const char *ext;     /* skip names already ending in ".<ext>" */
        bool have_log;       /* skip the log file if it lies inside the target */
        dev_t log_dev;
        ino_t log_ino;
        bool verbose;
};
int sim_walk(const struct sim_target *t, const struct sim_walk_filter *f, struct sim_tree *ret);
void sim_tree_shuffle(struct sim_tree *tree, uint64_t seed);
void sim_tree_truncate(struct sim_tree *tree, size_t n);
void sim_tree_free(struct sim_tree *tree);
int sim_tree_path(const struct sim_tree *tree, const char *root, size_t idx, char **ret);
int sim_open_dir(const struct sim_target *t, const char *rel, int *ret_fd);

/* sim-crypt.c */
void sim_derive(const char *label, uint64_t seed, uint64_t index, unsigned char out[32]);
int sim_cipher_new(enum sim_cipher c, uint64_t seed, uint64_t index, EVP_CIPHER_CTX **ret);
int sim_cipher_apply(EVP_CIPHER_CTX *ctx, unsigned char *buf, size_t len);
void sim_xor_apply(const unsigned char key[16], uint64_t off, unsigned char *buf, size_t len);
void sim_password(uint64_t seed, char out[65]);
uint64_t sim_prng_next(uint64_t *state);

/* sim-io.c */
ssize_t sim_read_full(int fd, void *buf, size_t len);
ssize_t sim_pread_full(int fd, void *buf, size_t len, off_t off);
int sim_write_full(int fd, const void *buf, size_t len);
int sim_pwrite_full(int fd, const void *buf, size_t len, off_t off);
int sim_sleep(double seconds);
int sim_sleep_until(const struct timespec *mono);
int sim_log_open(const char *path, int *ret_fd);
int sim_log_printf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sim_log_damage(int fd, const char *path, uint64_t bytes);
void sim_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sim_realtime(long long *ret_sec, long *ret_nsec);

/* sim-modes.c */
struct sim_ctx {
        const struct sim_opts *o;
        const struct sim_target *t;
        const struct sim_tree *tree;
        int log_fd;
        unsigned char *buf;        /* SIM_CHUNK bytes */
        unsigned char *buf2;       /* base64 output */
        size_t buf2_len;
        bool *noted;               /* ransom note dropped, per dir */
        int dir_fd;                /* cached parent dir (O_PATH) of the last file, -1 = none */
        size_t dir_id;
        const char *openssl_path;  /* exec_per_file */
        const char *rm_path;
        const char *sevenz_path;   /* archive */
        char password[65];
        unsigned char xor_key[16];
        bool fatal;                /* the log cannot be written or memory ran out: stop */
        uint64_t damaged;
        uint64_t skipped;
        int side_fd;               /* hardlink: the links directory beside the target */
        char *side_path;           /* hardlink, bindmount: that directory, removed at the end */
        bool side_mounted;
};
int sim_ctx_init(struct sim_ctx *c, const struct sim_opts *o, const struct sim_target *t,
                 const struct sim_tree *tree, int log_fd);
void sim_ctx_done(struct sim_ctx *c);
/* 0 when the file was damaged; a negative errno when it was skipped (a message was printed). */
int sim_attack_file(struct sim_ctx *c, size_t idx);
int sim_find_in_path(const char *name, char **ret);

/* One file being attacked (sim-modes.c, sim-evade.c). */
struct sim_job {
        struct sim_ctx *c;
        size_t idx;
        int dfd;               /* parent directory (O_PATH) */
        const char *name;      /* basename */
        char *path;            /* absolute, for messages and the log */
        uint64_t planned;      /* bytes this mode modifies in this file */
        bool logged;
        EVP_CIPHER_CTX *cipher; /* NULL in xor mode */
};
/* Log the damage once (a log that cannot be written is fatal). */
int sim_job_damaged(struct sim_job *j);
/* Print why the file is skipped; returns r. */
int sim_job_skip(struct sim_job *j, int r, const char *what);
/* Open the job's file: regular, on the target's filesystem, no symlink. An fd or -errno. */
int sim_job_open(struct sim_job *j, int flags, struct stat *ret_st);
/* Read, encrypt and write back [off, off + len) in chunks; stops early at EOF. */
int sim_crypt_range(struct sim_job *j, int fd, uint64_t off, uint64_t len);

/* sim-evade.c: the modes of an attacker who has read the daemon's source. */
int sim_evade_file(struct sim_job *j);
/* Modes that need set-up or their own loop before sim_attack_file: 0, or an exit code. */
int sim_evade_prepare(struct sim_ctx *c, struct sim_target *t);
void sim_evade_finish(struct sim_ctx *c);
bool sim_evade_has_loop(enum sim_mode m);
int sim_evade_run(struct sim_ctx *c);
