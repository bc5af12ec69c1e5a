/* ransomguard-sim — a SAFE ransomware simulator: attacks a prepared, marked test directory below
 * /tmp or /var/tmp so the integration tests and the benchmark can measure the daemon.
 * This file: arguments, the per-file loop with pacing, the multiproc workers. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <pthread.h>

#include "sim.h"

#ifndef RG_VERSION
#define RG_VERSION "0.1.0"
#endif

static const char *const mode_names[_SIM_MODE_MAX] = {
        [SIM_MODE_INPLACE]        = "inplace",
        [SIM_MODE_NEWFILE_UNLINK] = "newfile_unlink",
        [SIM_MODE_INTERMITTENT]   = "intermittent",
        [SIM_MODE_HEADER_ONLY]    = "header_only",
        [SIM_MODE_MULTIPROC]      = "multiproc",
        [SIM_MODE_RENAME_OVER]    = "rename_over",
        [SIM_MODE_OUTSIDE_RENAME] = "outside_rename",
        [SIM_MODE_EXCHANGE]       = "exchange",
        [SIM_MODE_TRUNCATE]       = "truncate",
        [SIM_MODE_REWRITE]        = "rewrite",
        [SIM_MODE_FAKE_MAGIC]     = "fake_magic",
        [SIM_MODE_KEEP_HEADER]    = "keep_header",
        [SIM_MODE_GAPS]           = "gaps",
        [SIM_MODE_WORDS]          = "words",
        [SIM_MODE_HOLD_OPEN]      = "hold_open",
        [SIM_MODE_HARDLINK]       = "hardlink",
        [SIM_MODE_BINDMOUNT]      = "bindmount",
        [SIM_MODE_SPREAD]         = "spread",
        [SIM_MODE_EXEC_PER_FILE]  = "exec_per_file",
        [SIM_MODE_SLOW]           = "slow",
        [SIM_MODE_LOWENTROPY]     = "lowentropy",
        [SIM_MODE_XOR]            = "xor",
        [SIM_MODE_MMAP]           = "mmap",
        [SIM_MODE_ARCHIVE]        = "archive",
        [SIM_MODE_MULTITHREAD]    = "multithread",
};

const char *sim_mode_to_string(enum sim_mode m) {
        return m >= 0 && m < _SIM_MODE_MAX ? mode_names[m] : "?";
}

enum sim_mode sim_mode_from_string(const char *s) {
        for (int m = 0; m < _SIM_MODE_MAX; m++)
                if (strcmp(s, mode_names[m]) == 0)
                        return (enum sim_mode) m;
        return _SIM_MODE_INVALID;
}

static void help(void) {
        printf("Usage: ransomguard-sim --target DIR --mode MODE [OPTIONS]\n"
               "\n"
               "A SAFE ransomware simulator for ransomguard's tests and benchmark. It encrypts (really,\n"
               "with OpenSSL) the regular files of a prepared test directory, and nothing else.\n"
               "\n"
               "Safety, checked before anything is touched: DIR is resolved with realpath and must lie\n"
               "strictly below /tmp or /var/tmp, must be a directory, must not itself be a symlink, and\n"
               "must hold a regular file named " SIM_MARKER ". The walk never follows\n"
               "symlinks, stays on DIR's filesystem, touches only regular files, and skips every name\n"
               "starting with " SIM_CONTROL_PREFIX ", files already ending in .EXT, " SIM_NOTE_NAME "\n"
               "and the log file.\n"
               "\n"
               "Modes:\n"
               "  inplace         open O_RDWR, encrypt and pwrite back in 64 KiB chunks, rename to NAME.EXT\n"
               "  newfile_unlink  write the ciphertext to NAME.EXT, unlink NAME, drop " SIM_NOTE_NAME "\n"
               "                  once per directory\n"
               "  intermittent    in place: 64 KiB of every 1 MiB (--pattern coarse) or 64 B of every\n"
               "                  192 B (--pattern fine); rename\n"
               "  header_only     in place, only the first 4 KiB; rename\n"
               "  multiproc       --workers N children each encrypt a disjoint slice in place; rename\n"
               "  exec_per_file   per file one child `openssl enc -aes-256-ctr -pbkdf2 -pass pass:P\n"
               "                  -in ./NAME -out ./NAME.EXT` (run in NAME's directory), then `rm -f -- ./NAME`\n"
               "  slow            like inplace, --interval seconds between files\n"
               "  lowentropy      encrypt, base64-encode into NAME.EXT, unlink NAME\n"
               "  xor             in place, XOR with a 16-byte key; rename\n"
               "  mmap            in place through mmap(MAP_SHARED) + msync, no write(); rename\n"
               "  multithread     --workers N threads of one process each encrypt a disjoint slice in\n"
               "                  place; rename\n"
               "  archive         per file one child `7z a -p P -sdel ./NAME.7z ./NAME`: an encrypted\n"
               "                  archive, 7z deletes the original (what Qlocker did to NAS boxes)\n"
               "\n"
               "Modes of an attacker who read the daemon's source (no rename, no note; tests/sim/sim-evade.c):\n"
               "  rename_over     ciphertext into a new hidden file (NAME's times on it), renamed over NAME\n"
               "  outside_rename  the same, the new file in DIR.rgsim-tmp (beside DIR, made and removed)\n"
               "  exchange        ciphertext into NAME.EXT, exchanged with NAME (renameat2), then the\n"
               "                  original, now NAME.EXT, unlinked\n"
               "  truncate        read NAME, truncate(2) it by path, write the ciphertext without O_TRUNC\n"
               "  rewrite         read NAME, open it again with O_TRUNC, write the ciphertext (what most\n"
               "                  scripted encryptors do: open(name, 'wb'))\n"
               "  fake_magic      in place, then a gzip, zstd, JPEG, PNG or PDF signature at the start\n"
               "  keep_header     in place behind the first min(4 KiB, size/4) bytes\n"
               "  gaps            in place except the head, middle and tail 4 KiB\n"
               "  words           the ciphertext spelt as words (one per byte), over NAME\n"
               "  hold_open       every file opened first, each encrypted, all closed at the end\n"
               "  hardlink        through a hard link in DIR.rgsim-links (beside DIR, made and removed)\n"
               "  bindmount       through a bind mount of DIR on DIR.rgsim-bind in a new mount namespace\n"
               "                  (and user namespace when not root)\n"
               "  spread          every --per-family files (default 2) by a new worker in its own\n"
               "                  session, re-parented to init; --interval S between workers\n"
               "\n"
               "Options:\n"
               "  -t, --target DIR       directory to attack (required)\n"
               "  -m, --mode MODE        see above (required)\n"
               "  -c, --cipher C         aes (AES-256-CTR, default) or chacha20\n"
               "  -s, --seed N           key/IV seed (default 1): key = SHA-256 of the seed, per-file IV\n"
               "                         from seed and file index; same seed, same result\n"
               "  -e, --ext EXT          extension for encrypted files (default rgsim)\n"
               "  -o, --order O          dfs (sorted depth-first, default) or random (shuffled by seed)\n"
               "  -r, --rate R           files per second, 0 = unlimited (default); multiproc: in total\n"
               "  -i, --interval S       slow mode: seconds between files (default 2)\n"
               "  -n, --max-files N      stop after N files (0 = all, default)\n"
               "  -w, --workers N        multiproc, multithread: number of workers (default 4)\n"
               "      --per-family N     spread: files per worker (default 2)\n"
               "  -p, --pattern P        intermittent: coarse (default) or fine\n"
               "      --no-rename        in-place modes: leave the names alone\n"
               "      --preread          first read every file once (cat -like), then attack: files\n"
               "                         whose state the daemon holds are not asked about again\n"
               "      --fsync            fsync each file after writing it\n"
               "  -l, --log FILE         progress log (default stdout), opened O_APPEND\n"
               "  -v, --verbose          also report skipped symlinks and other filesystems\n"
               "  -h, --help             this text\n"
               "  -V, --version          version\n"
               "\n"
               "Progress log: first `# start <realtime> <pid> mode=<mode>`, then per file, right after\n"
               "the first syscall that damaged it (first write/pwrite/msync, the unlink of the original,\n"
               "or the exit of the openssl child), one line\n"
               "  <CLOCK_REALTIME sec.nsec> <pid> <path> <bytes-modified>\n"
               "written with a single write(2), so it survives a SIGKILL at any time; blanks, control\n"
               "bytes and backslashes in <path> appear as \\xHH. On completion `# end <realtime> <pid>\n"
               "exit=<status>`. A reader should ignore a last line without a newline.\n"
               "\n"
               "Exit status:\n"
               "   0  every selected file was damaged\n"
               "   1  runtime failure (out of memory, OpenSSL, fork, target unusable)\n"
               "   2  bad command line\n"
               "   3  target does not exist or cannot be resolved\n"
               "   4  target not strictly below /tmp or /var/tmp (after resolution)\n"
               "   5  target is a symlink\n"
               "   6  target is not a directory\n"
               "   7  marker " SIM_MARKER " missing\n"
               "   8  marker is a symlink or not a regular file\n"
               "   9  the progress log cannot be opened or written\n"
               "  10  exec_per_file: openssl or rm not found in PATH; archive: no 7z\n"
               "  11  finished, but some files were skipped (vanished, permission denied, ...)\n"
               "  12  multiproc: a worker was killed by a signal\n");
}

static int parse_u64(const char *s, uint64_t max, uint64_t *ret) {
        unsigned long long v;
        char *end;

        if (!*s || *s == '-')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

static int parse_seconds(const char *s, double *ret) {
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || *end || !(v >= 0 && v <= 86400.0)) /* also refuses NaN */
                return -ERANGE;
        *ret = v;
        return 0;
}

static bool valid_ext(const char *e) {
        size_t n = strlen(e);

        if (n == 0 || n > 32)
                return false;
        for (const char *p = e; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '_' || *p == '-'))
                        return false;
        return true;
}

enum { ARG_NO_RENAME = 0x100, ARG_FSYNC, ARG_PER_FAMILY, ARG_PREREAD };

/* Read every file once, whole, the way cat or a backup would: an attacker who knows that the
 * daemon stops asking about files it has read wants them all read first. */
static void preread(const struct sim_target *t, const struct sim_tree *tree) {
        char buf[65536];
        for (size_t i = 0; i < tree->n_files; i++) {
                int dfd;
                if (sim_open_dir(t, tree->dirs[tree->files[i].dir], &dfd) < 0)
                        continue;
                int fd = openat(dfd, tree->files[i].name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
                close(dfd);
                if (fd < 0)
                        continue;
                while (read(fd, buf, sizeof(buf)) > 0)
                        ;
                close(fd);
        }
        usleep(200000); /* the daemon has read them all by now */
}

/* 0 to run, 1 when --help/--version was handled, -EINVAL after a message. */
static int parse_args(int argc, char **argv, struct sim_opts *o) {
        static const struct option longopts[] = {
                { "target", required_argument, NULL, 't' },   { "mode", required_argument, NULL, 'm' },
                { "cipher", required_argument, NULL, 'c' },   { "seed", required_argument, NULL, 's' },
                { "ext", required_argument, NULL, 'e' },      { "order", required_argument, NULL, 'o' },
                { "rate", required_argument, NULL, 'r' },     { "interval", required_argument, NULL, 'i' },
                { "max-files", required_argument, NULL, 'n' }, { "workers", required_argument, NULL, 'w' },
                { "pattern", required_argument, NULL, 'p' },  { "log", required_argument, NULL, 'l' },
                { "no-rename", no_argument, NULL, ARG_NO_RENAME }, { "fsync", no_argument, NULL, ARG_FSYNC },
                { "per-family", required_argument, NULL, ARG_PER_FAMILY },
                { "preread", no_argument, NULL, ARG_PREREAD },
                { "verbose", no_argument, NULL, 'v' },        { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },        {}
        };
        bool have_mode = false;
        uint64_t v;
        int c;

        *o = (struct sim_opts) { .mode = _SIM_MODE_INVALID, .seed = 1, .ext = "rgsim", .interval = 2.0,
                                 .workers = 4, .per_family = 2 };
        while ((c = getopt_long(argc, argv, "t:m:c:s:e:o:r:i:n:w:p:l:vhV", longopts, NULL)) >= 0) {
                switch (c) {
                case 't':
                        o->target = optarg;
                        break;
                case 'm':
                        o->mode = sim_mode_from_string(optarg);
                        if (o->mode == _SIM_MODE_INVALID) {
                                sim_warn("Unknown --mode '%s' (see --help)", optarg);
                                return -EINVAL;
                        }
                        have_mode = true;
                        break;
                case 'c':
                        if (strcmp(optarg, "aes") == 0)
                                o->cipher = SIM_CIPHER_AES;
                        else if (strcmp(optarg, "chacha20") == 0)
                                o->cipher = SIM_CIPHER_CHACHA20;
                        else {
                                sim_warn("Unknown --cipher '%s' (aes or chacha20)", optarg);
                                return -EINVAL;
                        }
                        break;
                case 's':
                        if (parse_u64(optarg, UINT64_MAX, &o->seed) < 0) {
                                sim_warn("Invalid --seed '%s' (an unsigned integer)", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'e':
                        if (!valid_ext(optarg)) {
                                sim_warn("Invalid --ext '%s' (1-32 of [A-Za-z0-9_-])", optarg);
                                return -EINVAL;
                        }
                        o->ext = optarg;
                        break;
                case 'o':
                        if (strcmp(optarg, "dfs") == 0)
                                o->order = SIM_ORDER_DFS;
                        else if (strcmp(optarg, "random") == 0)
                                o->order = SIM_ORDER_RANDOM;
                        else {
                                sim_warn("Unknown --order '%s' (dfs or random)", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'r':
                        if (parse_seconds(optarg, &o->rate) < 0) {
                                sim_warn("Invalid --rate '%s' (files per second, 0 to 86400)", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'i':
                        if (parse_seconds(optarg, &o->interval) < 0) {
                                sim_warn("Invalid --interval '%s' (seconds, 0 to 86400)", optarg);
                                return -EINVAL;
                        }
                        o->interval_set = true;
                        break;
                case 'n':
                        if (parse_u64(optarg, SIZE_MAX, &o->max_files) < 0) {
                                sim_warn("Invalid --max-files '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'w':
                        if (parse_u64(optarg, 256, &v) < 0 || v == 0) {
                                sim_warn("Invalid --workers '%s' (1 to 256)", optarg);
                                return -EINVAL;
                        }
                        o->workers = (unsigned) v;
                        break;
                case 'p':
                        if (strcmp(optarg, "coarse") == 0)
                                o->pattern = SIM_PATTERN_COARSE;
                        else if (strcmp(optarg, "fine") == 0)
                                o->pattern = SIM_PATTERN_FINE;
                        else {
                                sim_warn("Unknown --pattern '%s' (coarse or fine)", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'l':
                        o->log_path = optarg;
                        break;
                case ARG_NO_RENAME:
                        o->no_rename = true;
                        break;
                case ARG_PER_FAMILY:
                        if (parse_u64(optarg, 1000000, &v) < 0 || v == 0) {
                                sim_warn("Invalid --per-family '%s' (1 to 1000000)", optarg);
                                return -EINVAL;
                        }
                        o->per_family = (unsigned) v;
                        break;
                case ARG_FSYNC:
                        o->fsync = true;
                        break;
                case ARG_PREREAD:
                        o->preread = true;
                        break;
                case 'v':
                        o->verbose = true;
                        break;
                case 'h':
                        help();
                        return 1;
                case 'V':
                        printf("ransomguard-sim " RG_VERSION "\n");
                        return 1;
                default:
                        return -EINVAL; /* getopt printed why */
                }
        }
        if (optind < argc) {
                sim_warn("Unexpected argument '%s' (see --help)", argv[optind]);
                return -EINVAL;
        }
        if (!o->target) {
                sim_warn("--target DIR is required (see --help)");
                return -EINVAL;
        }
        if (!have_mode) {
                sim_warn("--mode MODE is required (see --help)");
                return -EINVAL;
        }
        return 0;
}

static struct timespec mono_add(struct timespec t, double s) {
        long long ns = (long long) t.tv_nsec + (long long) (s * 1e9);

        t.tv_sec += (time_t) (ns / 1000000000LL);
        t.tv_nsec = (long) (ns % 1000000000LL);
        return t;
}

/* Attack files [from, to) in this process, paced by --rate and --interval. */
static void attack_slice(struct sim_ctx *c, size_t from, size_t to, double rate) {
        const struct sim_opts *o = c->o;
        struct timespec start;

        clock_gettime(CLOCK_MONOTONIC, &start);
        for (size_t i = from; i < to && !c->fatal; i++) {
                if (i > from && o->mode == SIM_MODE_SLOW)
                        (void) sim_sleep(o->interval);
                if (rate > 0 && i > from) {
                        struct timespec due = mono_add(start, (double) (i - from) / rate);
                        (void) sim_sleep_until(&due);
                }
                (void) sim_attack_file(c, i);
        }
}

static int slice_exit(const struct sim_ctx *c) {
        if (c->fatal)
                return SIM_EXIT_FAILURE;
        return c->skipped > 0 ? SIM_EXIT_SKIPPED : SIM_EXIT_OK;
}

/* Parent side of multiproc: fork the workers, wait for all of them. *ret_child is set in a
 * worker, which then returns its own exit code to main for the common cleanup. */
static int run_multiproc(struct sim_ctx *c, bool *ret_child) {
        size_t n = c->tree->n_files;
        unsigned workers = c->o->workers;
        pid_t *pids;
        unsigned started = 0;
        int code = SIM_EXIT_OK;

        if ((size_t) workers > n)
                workers = (unsigned) (n > 0 ? n : 1);
        pids = calloc(workers, sizeof *pids);
        if (!pids) {
                sim_warn("Failed to allocate the worker table: %m");
                return SIM_EXIT_FAILURE;
        }
        for (unsigned w = 0; w < workers; w++) {
                size_t from = n * w / workers, to = n * (w + 1) / workers;
                pid_t pid = fork();

                if (pid < 0) {
                        sim_warn("Failed to fork worker %u: %m", w);
                        code = SIM_EXIT_FAILURE;
                        break;
                }
                if (pid == 0) {
                        free(pids);
                        *ret_child = true;
                        attack_slice(c, from, to, c->o->rate / workers);
                        return slice_exit(c);
                }
                pids[started++] = pid;
        }
        for (unsigned w = 0; w < started; w++) {
                int status, wc;

                while (waitpid(pids[w], &status, 0) < 0)
                        if (errno != EINTR) {
                                sim_warn("Failed to wait for worker %ld: %m", (long) pids[w]);
                                status = -1;
                                break;
                        }
                if (status == -1)
                        wc = SIM_EXIT_FAILURE;
                else if (WIFSIGNALED(status)) {
                        sim_warn("Worker %ld was killed by signal %d", (long) pids[w], WTERMSIG(status));
                        wc = SIM_EXIT_WORKER;
                } else
                        wc = WEXITSTATUS(status);
                /* Worst wins: killed > failure > skipped. */
                if (wc == SIM_EXIT_WORKER || (code != SIM_EXIT_WORKER && wc == SIM_EXIT_FAILURE) ||
                    (code == SIM_EXIT_OK && wc != SIM_EXIT_OK))
                        code = wc;
        }
        free(pids);
        return code;
}

struct slice_thread {
        pthread_t t;
        struct sim_ctx c;
        size_t from, to;
        double rate;
};

static void *slice_thread(void *arg) {
        struct slice_thread *s = arg;
        attack_slice(&s->c, s->from, s->to, s->rate);
        return NULL;
}

/* multithread: the slices of multiproc, as threads of this one process (one context each). */
static int run_multithread(struct sim_ctx *c) {
        size_t n = c->tree->n_files;
        unsigned workers = c->o->workers, started = 0;
        int code = SIM_EXIT_OK;

        if ((size_t) workers > n)
                workers = (unsigned) (n > 0 ? n : 1);
        struct slice_thread *th = calloc(workers, sizeof *th);
        if (!th) {
                sim_warn("Failed to allocate the thread table: %m");
                return SIM_EXIT_FAILURE;
        }
        for (unsigned w = 0; w < workers; w++) {
                th[w].c.dir_fd = -1;
                int r = sim_ctx_init(&th[w].c, c->o, c->t, c->tree, c->log_fd);
                if (r < 0) {
                        errno = -r;
                        sim_warn("Failed to set up thread %u: %m", w);
                        code = SIM_EXIT_FAILURE;
                        break;
                }
                th[w].from = n * w / workers;
                th[w].to = n * (w + 1) / workers;
                th[w].rate = c->o->rate / workers;
                r = pthread_create(&th[w].t, NULL, slice_thread, &th[w]);
                if (r != 0) {
                        errno = r;
                        sim_warn("Failed to start thread %u: %m", w);
                        sim_ctx_done(&th[w].c);
                        code = SIM_EXIT_FAILURE;
                        break;
                }
                started++;
        }
        for (unsigned w = 0; w < started; w++) {
                pthread_join(th[w].t, NULL);
                int wc = slice_exit(&th[w].c);
                c->damaged += th[w].c.damaged;
                c->skipped += th[w].c.skipped;
                if (code == SIM_EXIT_OK || wc == SIM_EXIT_FAILURE)
                        code = wc == SIM_EXIT_OK ? code : wc;
                sim_ctx_done(&th[w].c);
        }
        free(th);
        return code;
}

int main(int argc, char **argv) {
        struct sim_target target = { .fd = -1 };
        struct sim_tree tree = {};
        struct sim_ctx ctx = { .dir_fd = -1 };
        struct sim_walk_filter filter = {};
        struct sim_opts o;
        char *openssl_path = NULL, *rm_path = NULL, *sevenz_path = NULL;
        char err[PATH_MAX * 2 + 256];
        bool child = false, have_ctx = false;
        int code, r, log_fd = -1;
        long long sec;
        long nsec;

        r = parse_args(argc, argv, &o);
        if (r != 0)
                return r > 0 ? SIM_EXIT_OK : SIM_EXIT_USAGE;

        code = sim_target_open(o.target, &target, err, sizeof err);
        if (code != SIM_EXIT_OK) {
                sim_warn("%s", err);
                return code;
        }

        if (o.mode == SIM_MODE_EXEC_PER_FILE) {
                if (sim_find_in_path("openssl", &openssl_path) < 0 || sim_find_in_path("rm", &rm_path) < 0) {
                        sim_warn("Mode exec_per_file needs the openssl and rm programs, %s not found in PATH",
                                 openssl_path ? "rm" : "openssl");
                        code = SIM_EXIT_NO_TOOL;
                        goto out;
                }
        }

        if (o.mode == SIM_MODE_ARCHIVE && sim_find_in_path("7z", &sevenz_path) < 0 &&
            sim_find_in_path("7za", &sevenz_path) < 0) {
                sim_warn("Mode archive needs the 7z program (Debian's p7zip-full), not found in PATH");
                code = SIM_EXIT_NO_TOOL;
                goto out;
        }

        r = sim_log_open(o.log_path, &log_fd);
        if (r < 0) {
                errno = -r;
                sim_warn("Failed to open the progress log %s: %m", o.log_path ? o.log_path : "(stdout)");
                code = SIM_EXIT_LOG;
                goto out;
        }
        if (o.log_path) {
                struct stat st;
                if (fstat(log_fd, &st) == 0) {
                        filter.have_log = true;
                        filter.log_dev = st.st_dev;
                        filter.log_ino = st.st_ino;
                }
        }
        sim_realtime(&sec, &nsec);
        r = sim_log_printf(log_fd, "# start %lld.%09ld %ld mode=%s\n", sec, nsec, (long) getpid(),
                           sim_mode_to_string(o.mode));
        if (r < 0) {
                errno = -r;
                sim_warn("Failed to write the progress log: %m");
                code = SIM_EXIT_LOG;
                goto out;
        }

        filter.ext = o.ext;
        filter.verbose = o.verbose;
        r = sim_walk(&target, &filter, &tree);
        if (r < 0) {
                errno = -r;
                sim_warn("Failed to walk %s: %m", target.path);
                code = SIM_EXIT_FAILURE;
                goto out;
        }
        if (o.order == SIM_ORDER_RANDOM)
                sim_tree_shuffle(&tree, o.seed);
        if (o.max_files > 0)
                sim_tree_truncate(&tree, (size_t) o.max_files);

        if (o.preread)
                preread(&target, &tree);
        r = sim_ctx_init(&ctx, &o, &target, &tree, log_fd);
        if (r < 0) {
                errno = -r;
                sim_warn("Failed to set up: %m");
                code = SIM_EXIT_FAILURE;
                goto out;
        }
        have_ctx = true;
        ctx.openssl_path = openssl_path;
        ctx.rm_path = rm_path;
        ctx.sevenz_path = sevenz_path;
        code = sim_evade_prepare(&ctx, &target);
        if (code != SIM_EXIT_OK)
                goto out;

        if (o.mode == SIM_MODE_MULTIPROC) {
                code = run_multiproc(&ctx, &child);
                if (child) {
                        if (o.verbose)
                                sim_warn("worker %ld: %llu damaged, %llu skipped", (long) getpid(),
                                         (unsigned long long) ctx.damaged, (unsigned long long) ctx.skipped);
                        goto out;
                }
                sim_warn("mode=multiproc: %zu files, %u workers, exit status %d", tree.n_files, o.workers, code);
        } else if (o.mode == SIM_MODE_MULTITHREAD) {
                code = run_multithread(&ctx);
                sim_warn("mode=multithread: %zu files, %u threads, %llu damaged, %llu skipped", tree.n_files,
                         o.workers, (unsigned long long) ctx.damaged, (unsigned long long) ctx.skipped);
        } else if (sim_evade_has_loop(o.mode)) {
                code = sim_evade_run(&ctx);
                sim_warn("mode=%s: %llu damaged, %llu skipped", sim_mode_to_string(o.mode),
                         (unsigned long long) ctx.damaged, (unsigned long long) ctx.skipped);
        } else {
                attack_slice(&ctx, 0, tree.n_files, o.rate);
                code = slice_exit(&ctx);
                sim_warn("mode=%s: %llu damaged, %llu skipped", sim_mode_to_string(o.mode),
                         (unsigned long long) ctx.damaged, (unsigned long long) ctx.skipped);
        }

        sim_realtime(&sec, &nsec);
        r = sim_log_printf(log_fd, "# end %lld.%09ld %ld exit=%d\n", sec, nsec, (long) getpid(), code);
        if (r < 0 && code == SIM_EXIT_OK) {
                errno = -r;
                sim_warn("Failed to write the progress log: %m");
                code = SIM_EXIT_LOG;
        }

out:
        if (have_ctx && !child) {
                sim_evade_finish(&ctx);
                sim_ctx_done(&ctx);
        } else if (have_ctx)
                sim_ctx_done(&ctx);
        sim_tree_free(&tree);
        if (log_fd >= 0 && log_fd != STDOUT_FILENO)
                close(log_fd);
        sim_target_close(&target);
        free(openssl_path);
        free(rm_path);
        free(sevenz_path);
        return code;
}
