/* vault — copies, held fds, the index on disk. */
#include "vault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "prewrite.h"
#include "privdir.h"
#include "util.h"
#include "vault-write.h"

struct held {
        int fd;                 /* -1: free */
        dev_t dev;
        ino_t ino;
        uint64_t fam, t_ms;
        char *path;
        bool marked;            /* its pre-content mark stands (a change takes it) */
};

/* Families that read or put at risk a file lately: only these have the files they create and
 * the renames they make noted (an attack's copies and notes; bounded per family). */
#define VAULT_FAMILIES 64
#define VAULT_NOTES_PER_FAMILY 2048
struct family_seen {
        uint64_t fam, t_ms;
        uint32_t notes;
};

/* A directory at the root of a protected xfs or btrfs mount that vault.dir is not on: reflinks
 * work only within one filesystem (and one mount), so the originals there are kept beside them,
 * at any size and at no cost until they are overwritten. Store k (1…) is fs[k - 1]. */
struct fsstore {
        int dfd;
        dev_t dev;
        ino_t ino;              /* the directory's: the name still names it (the sweep checks) */
        bool dead;              /* refuses reflinks, or moved: its files go to vault.dir */
        bool moved;             /* its name no longer names it: not ours any more */
        char dir[1024];
        size_t dir_len;
};

struct vault {
        int dfd;
        struct fsstore fs[VAULT_MAX_STORES - 1];
        size_t n_fs;
        struct family_seen fams[VAULT_FAMILIES];
        char dir[1024];
        size_t dir_len;
        dev_t dev;              /* the vault's filesystem: reflinks from files on it */
        ino_t ino;              /* vault.dir's inode */
        uint64_t budget, max_file, keep_ms;
        uint32_t next_id;
        struct vault_index *idx;
        struct held held[VAULT_HOLD_MAX];
        struct vault_stats st;
        bool full_said, fail_said, large_said, frag_said;
        struct prewrite *pw;        /* marks on held files: a truncate by path is seen before it lands */
        struct vaultw *w;           /* writes the copies and records, NULL: written here */
        uint64_t written_at_failure; /* the writer's count of whole writes at its last failure */
        bool no_reflink;            /* FICLONE refused on the vault's filesystem: not tried again */
        bool check_missing;         /* failures were lost: the sweep looks for entries without records */
        vault_standing_t standing;  /* where families stand (the pipeline's), NULL: all suspect */
        void *standing_u;
};

void vault_set_standing(struct vault *v, vault_standing_t f, void *u) {
        if (v) {
                v->standing = f;
                v->standing_u = u;
        }
}

static uint64_t realtime_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

static int64_t ns(const struct timespec *t) {
        return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int store_dfd(const struct vault *v, uint8_t k) {
        return k && k <= v->n_fs ? v->fs[k - 1].dfd : v->dfd;
}

static const char *store_dir(const struct vault *v, uint8_t k) {
        return k && k <= v->n_fs ? v->fs[k - 1].dir : v->dir;
}

/* ID.json written beside, then renamed over (by the writer thread, when there is one). */
static int save_meta(struct vault *v, const struct vault_entry *e) {
        cJSON *j = vault_entry_json(e);
        char *text = j ? cJSON_PrintUnformatted(j) : NULL;
        cJSON_Delete(j);
        if (!text)
                return -ENOMEM;
        if (!e->store && v->w && vaultw_push(v->w, e->id, NULL, 0, text) == 0)
                return 0;
        int dfd = store_dfd(v, e->store);
        char name[32], tmp[40];
        snprintf(name, sizeof(name), "%08x.json", e->id);
        snprintf(tmp, sizeof(tmp), ".%08x.json.tmp", e->id);
        int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        int r = fd < 0 ? -errno : 0;
        size_t n = strlen(text);
        if (fd >= 0) {
                if (write(fd, text, n) != (ssize_t)n)
                        r = errno ? -errno : -ENOSPC;
                if (close(fd) < 0 && r == 0)
                        r = -errno;
        }
        if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(dfd, tmp, 0);
        free(text);
        return r;
}

static void drop_files(void *u, const struct vault_entry *e) {
        struct vault *v = u;
        char name[32];
        int dfd = store_dfd(v, e->store);
        if (!e->store)
                vaultw_cancel(v->w, e->id);
        snprintf(name, sizeof(name), "%08x.json", e->id);
        (void)unlinkat(dfd, name, 0);
        if (e->kind == VAULT_KEPT) {
                snprintf(name, sizeof(name), "%08x", e->id);
                (void)unlinkat(dfd, name, 0);
        }
        v->st.dropped++;
}

/* The entries of an earlier run in store k read back. */
static void load(struct vault *v, uint8_t k) {
        int dfd = store_dfd(v, k);
        int fd = dup(dfd);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        struct dirent *de;
        unsigned n = 0, bad = 0;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp")) {
                        (void)unlinkat(dfd, de->d_name, 0); /* a copy cut short by a crash */
                        continue;
                }
                if (len == 8 && strspn(de->d_name, "0123456789abcdef") == 8) {
                        char rec[16];
                        snprintf(rec, sizeof(rec), "%.8s.json", de->d_name);
                        if (faccessat(dfd, rec, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
                                (void)unlinkat(dfd, de->d_name, 0); /* a copy whose record never came */
                        continue;
                }
                if (len != 13 || strcmp(de->d_name + 8, ".json") != 0)
                        continue;
                char buf[16384], err[256];
                int f = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
                ssize_t r = f >= 0 ? read(f, buf, sizeof(buf) - 1) : -1;
                if (f >= 0)
                        close(f);
                struct vault_entry e;
                cJSON *j = r > 0 ? cJSON_ParseWithLength(buf, (size_t)r) : NULL;
                if (!j || vault_entry_from_json(j, &e, err, sizeof(err)) < 0) {
                        bad++;
                        cJSON_Delete(j);
                        continue;
                }
                cJSON_Delete(j);
                e.t_ms = util_now_ms(); /* kept for keep_seconds from now: the clock restarted */
                e.store = k;
                if (vault_index_add(v->idx, &e) == 0) {
                        n++;
                        if (e.id >= v->next_id)
                                v->next_id = e.id + 1;
                }
                vault_entry_clear(&e);
        }
        closedir(d);
        if (n || bad)
                log_info("Vault %s: %u entr%s of an earlier run read back%s", store_dir(v, k), n, n == 1 ? "y" : "ies",
                         bad ? " (some damaged records ignored)" : "");
}

#define FS_STORE_NAME ".ransomguard-vault"

/* Does dfd's filesystem make a reflink here? (xfs made without reflink=1 does not.) */
static int probe_reflink(int dfd) {
        static const char a[] = ".probe-a.tmp", b[] = ".probe-b.tmp";
        char block[4096] = { 0 };
        int x = openat(dfd, a, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        int y = x >= 0 ? openat(dfd, b, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
        int r = y < 0 ? -errno : 0;
        errno = 0;
        if (r == 0 && write(x, block, sizeof(block)) != (ssize_t)sizeof(block))
                r = errno ? -errno : -ENOSPC;
        if (r == 0 && ioctl(y, FICLONE, x) < 0)
                r = -errno;
        if (x >= 0)
                close(x);
        if (y >= 0)
                close(y);
        (void)unlinkat(dfd, a, 0);
        (void)unlinkat(dfd, b, 0);
        return r;
}

/* The root of the mount path is on: its highest ancestor on the same filesystem. */
static void mount_root(const char *path, const struct stat *st, char *ret, size_t len) {
        snprintf(ret, len, "%s", path);
        for (;;) {
                char *slash = strrchr(ret, '/');
                if (!slash || slash == ret) {
                        struct stat top;
                        if (stat("/", &top) == 0 && top.st_dev == st->st_dev)
                                snprintf(ret, len, "/");
                        return;
                }
                struct stat up;
                *slash = '\0';
                if (stat(ret, &up) < 0 || up.st_dev != st->st_dev) {
                        *slash = '/';
                        return;
                }
        }
}

/* Is a path of protect on dev? */
static bool protects(char *const *protect, dev_t dev) {
        struct stat st;
        for (size_t i = 0; protect && protect[i]; i++)
                if (stat(protect[i], &st) == 0 && st.st_dev == dev)
                        return true;
        return false;
}

void vault_use_filesystems(struct vault *v, char *const *protect, bool add) {
        /* (At a reload) a filesystem no longer protected lets go of its store, so that it can be
         * unmounted; its copies stay on disk, read back if it is protected again. */
        for (size_t k = 0; v && k < v->n_fs; k++) {
                struct fsstore *f = &v->fs[k];
                if (f->dfd < 0 || protects(protect, f->dev))
                        continue;
                size_t n = vault_index_forget_store(v->idx, (uint8_t)(k + 1));
                log_info("Vault %s: its filesystem is no longer protected, the directory is let go (%zu entr%s "
                         "left on disk)", f->dir, n, n == 1 ? "y" : "ies");
                close(f->dfd);
                f->dfd = -1;
                f->dead = f->moved = true;
        }
        for (size_t i = 0; v && add && protect && protect[i] && v->n_fs < VAULT_MAX_STORES - 1; i++) {
                char real[PATH_MAX], root[PATH_MAX], dir[sizeof(v->fs[0].dir)];
                struct stat st, rs, ds;
                struct statfs sf;
                struct statvfs sv;
                if (!realpath(protect[i], real) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode) ||
                    statfs(real, &sf) < 0 || statvfs(real, &sv) < 0)
                        continue;
                bool known = st.st_dev == v->dev;
                for (size_t k = 0; k < v->n_fs && !known; k++)
                        known = v->fs[k].dev == st.st_dev && v->fs[k].dfd >= 0;
                /* xfs, btrfs, bcachefs: the filesystems that make reflinks */
                if (known || (sf.f_type != 0x58465342 && sf.f_type != (typeof(sf.f_type))0x9123683e &&
                              sf.f_type != (typeof(sf.f_type))0xca451a4e))
                        continue;
                mount_root(real, &st, root, sizeof(root));
                if ((size_t)snprintf(dir, sizeof(dir), "%s%s" FS_STORE_NAME, root, strcmp(root, "/") ? "/" : "") >=
                    sizeof(dir))
                        continue;
                if (sv.f_flag & ST_RDONLY) {
                        log_info("Vault: %s is read-only, its files are copied into %s", root, v->dir);
                        continue;
                }
                /* Its root must be one nobody else can rename the vault out of (root's, and not
                 * writable by others, or sticky): moved aside and replaced, the directory the
                 * daemon skips would be theirs. Everything from here relative to its fd. */
                int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (rfd < 0 || fstat(rfd, &rs) < 0 || rs.st_dev != st.st_dev) {
                        if (rfd >= 0)
                                close(rfd);
                        continue;
                }
                if (rs.st_uid != 0 || ((rs.st_mode & 022) && !(rs.st_mode & S_ISVTX))) {
                        log_notice("Vault: no directory of its own on %s: others may write its root (mode %04o, "
                                   "owner %u) and could move the vault aside; its files are copied into %s (make the "
                                   "root root's, or sticky, chmod +t, to keep them there as reflinks)", root,
                                   (unsigned)(rs.st_mode & 07777), (unsigned)rs.st_uid, v->dir);
                        close(rfd);
                        continue;
                }
                bool made = mkdirat(rfd, FS_STORE_NAME, 0700) == 0;
                int mk_err = made || errno == EEXIST ? 0 : errno;
                int dfd = openat(rfd, FS_STORE_NAME, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int op_err = dfd < 0 ? errno : 0;
                if (dfd < 0 || fstat(dfd, &ds) < 0 || ds.st_uid != geteuid() || (ds.st_mode & 077) ||
                    ds.st_dev != st.st_dev) {
                        if (mk_err || op_err)
                                log_warning("Vault %s (for the reflinks of %s) cannot be used: %s%s; its files are "
                                            "copied into %s", dir, real, strerror(mk_err ? mk_err : op_err),
                                            mk_err == EROFS ? " (under the shipped unit, add it to ReadWritePaths=)" :
                                            op_err == ELOOP || op_err == ENOTDIR ? " (not a directory: a symlink or a file)" : "",
                                            v->dir);
                        else
                                log_warning("Refusing the vault %s (for the reflinks of %s): it must be a directory "
                                            "owned by uid %u, mode 0700 (mode %04o, owner %u); its files are copied "
                                            "into %s", dir, real, (unsigned)geteuid(), (unsigned)(ds.st_mode & 07777),
                                            (unsigned)ds.st_uid, v->dir);
                        if (dfd >= 0)
                                close(dfd);
                        close(rfd);
                        continue;
                }
                int r = probe_reflink(dfd);
                if (r < 0) {
                        log_info("Vault: %s makes no reflink (%s), its files are copied into %s", root, strerror(-r),
                                 v->dir);
                        close(dfd);
                        if (made)
                                (void)unlinkat(rfd, FS_STORE_NAME, AT_REMOVEDIR);
                        close(rfd);
                        continue;
                }
                close(rfd);
                struct fsstore *f = &v->fs[v->n_fs++];
                *f = (struct fsstore){ .dfd = dfd, .dev = st.st_dev, .ino = ds.st_ino };
                memcpy(f->dir, dir, sizeof(f->dir));
                f->dir_len = strlen(f->dir);
                load(v, (uint8_t)v->n_fs);
                log_info("Vault %s: the originals on %s are kept there as reflinks", dir, root);
                if (v->n_fs == VAULT_MAX_STORES - 1)
                        log_notice("Vault: %u directories on protected filesystems, the most there can be; the "
                                   "files of any further one are copied into %s", VAULT_MAX_STORES - 1, v->dir);
        }
        if (v)
                vault_index_sort(v->idx); /* (read back in directory order) */
}

int vault_new(const struct config *c, struct vault **ret, char *err, size_t errlen) {
        *ret = NULL;
        err[0] = '\0';
        if (!c->vault)
                return 0;
        struct vault *v = calloc(1, sizeof(*v));
        if (!v || vault_index_new(&v->idx) < 0) {
                free(v);
                return -ENOMEM;
        }
        for (size_t i = 0; i < VAULT_HOLD_MAX; i++)
                v->held[i].fd = -1;
        snprintf(v->dir, sizeof(v->dir), "%s", c->vault_dir);
        v->dir_len = strlen(v->dir);
        v->dfd = privdir_open(c->vault_dir, "vault.dir", true, err, errlen);
        struct stat st;
        struct statvfs sv;
        if (v->dfd < 0 || fstat(v->dfd, &st) < 0 || fstatvfs(v->dfd, &sv) < 0) {
                if (v->dfd >= 0)
                        close(v->dfd);
                vault_index_free(v->idx);
                free(v);
                return 0;
        }
        if (sv.f_flag & ST_RDONLY) {
                snprintf(err, errlen, "vault.dir %s is on a read-only filesystem", c->vault_dir);
                close(v->dfd);
                vault_index_free(v->idx);
                free(v);
                return 0;
        }
        v->dev = st.st_dev;
        v->ino = st.st_ino;
        v->keep_ms = (uint64_t)c->vault_keep_seconds * 1000;
        v->max_file = (uint64_t)c->vault_max_file_mib << 20;
        /* The budget fits the disk: never more than a tenth of what is free now. */
        uint64_t free_b = (uint64_t)sv.f_bavail * sv.f_frsize, want = (uint64_t)c->vault_max_mib << 20;
        v->budget = want < free_b / 10 ? want : free_b / 10;
        if (v->budget < want)
                log_notice("Vault %s: budget %llu MiB (a tenth of the %llu MiB free), below vault.max_mib %u", v->dir,
                           (unsigned long long)(v->budget >> 20), (unsigned long long)(free_b >> 20), c->vault_max_mib);
        load(v, 0);
        vault_index_sort(v->idx);
        vault_use_filesystems(v, c->protect, c->vault_on_filesystems);
        int r = vaultw_new(v->dfd, &v->w);
        if (r < 0)
                log_info("Vault %s: no writer thread (%s): copies are written while their opener waits", v->dir,
                         strerror(-r));
        *ret = v;
        return 0;
}

struct vault *vault_free(struct vault *v) {
        if (!v)
                return NULL;
        v->w = vaultw_free(v->w); /* what is queued is written first */
        for (size_t i = 0; i < VAULT_HOLD_MAX; i++)
                if (v->held[i].fd >= 0) {
                        close(v->held[i].fd);
                        free(v->held[i].path);
                }
        for (size_t i = 0; i < v->n_fs; i++)
                if (v->fs[i].dfd >= 0)
                        close(v->fs[i].dfd);
        close(v->dfd);
        vault_index_free(v->idx);
        free(v);
        return NULL;
}

static void poll_writes(struct vault *v);

bool vault_settle(struct vault *v) {
        bool done = vaultw_wait(v->w, 5000);
        poll_writes(v);
        return done;
}

const char *vault_dir(const struct vault *v) {
        return v->dir;
}

uint64_t vault_budget(const struct vault *v) {
        return v->budget;
}

struct vault_index *vault_entries(struct vault *v) {
        return v->idx;
}

void vault_get_stats(const struct vault *v, struct vault_stats *ret) {
        *ret = v->st;
        ret->pending_bytes = vaultw_pending(v->w);
}

static bool beneath(const char *path, const char *dir, size_t n) {
        return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

bool vault_owns(const struct vault *v, const char *path) {
        if (!v)
                return false;
        for (size_t i = 0; i < v->n_fs; i++)
                if (!v->fs[i].moved && beneath(path, v->fs[i].dir, v->fs[i].dir_len))
                        return true;
        return beneath(path, v->dir, v->dir_len);
}

size_t vault_dirs(const struct vault *v, const char **ret, dev_t *devs, ino_t *inos, size_t max) {
        size_t n = 0;
        for (size_t k = 0; k <= v->n_fs && n < max; k++, n++) {
                ret[n] = k && v->fs[k - 1].dfd < 0 ? "" : store_dir(v, (uint8_t)k); /* ("": let go) */
                devs[n] = k ? v->fs[k - 1].dev : v->dev;
                inos[n] = k ? v->fs[k - 1].ino : v->ino;
        }
        return n;
}

/* The store on st's filesystem that still takes reflinks, or 0. */
static uint8_t fs_store(const struct vault *v, dev_t dev) {
        for (size_t i = 0; i < v->n_fs; i++)
                if (v->fs[i].dev == dev && !v->fs[i].dead)
                        return (uint8_t)(i + 1);
        return 0;
}

/* fd's content read whole into *ret (malloc'd), for the writer thread. */
static int read_in(int fd, uint64_t size, void **ret) {
        char *buf = malloc(size ? size : 1);
        if (!buf)
                return -ENOMEM;
        for (uint64_t off = 0; off < size;) {
                ssize_t n = pread(fd, buf + off, size - off, (off_t)off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) { /* (shorter than its stat said: changed meanwhile) */
                        int r = n < 0 ? -errno : -ESTALE;
                        free(buf);
                        return r;
                }
                off += (uint64_t)n;
        }
        *ret = buf;
        return 0;
}

/* A reflink's cost grows with the file's extents (xfs, measured: 4 µs each, 84 ms for a 64 MiB
 * file of 16k extents, 529 ms for 256 MiB of 32k), and it is made while the opener, and the
 * loop, wait. More than this many: copied if small enough, else not kept. */
#define VAULT_MAX_EXTENTS 512

/* Has fd more than VAULT_MAX_EXTENTS extents? (FIEMAP stops at the buffer's end: the question
 * costs at most that many, not the file's.) */
static bool fragmented(int fd) {
        static union {
                struct fiemap fm;
                char buf[sizeof(struct fiemap) + (VAULT_MAX_EXTENTS + 1) * sizeof(struct fiemap_extent)];
        } u;
        memset(&u.fm, 0, sizeof(u.fm));
        u.fm.fm_length = FIEMAP_MAX_OFFSET;
        u.fm.fm_extent_count = VAULT_MAX_EXTENTS + 1;
        return ioctl(fd, FS_IOC_FIEMAP, &u.fm) == 0 && u.fm.fm_mapped_extents > VAULT_MAX_EXTENTS;
}

/* Copy fd's content into a new vault file: a reflink when it shares our filesystem and the
 * filesystem can (any size); else, up to max_file, read into memory for the writer thread
 * (*ret_data: the opener waits for the read only, never for a write the kernel throttles), or,
 * without one or with its queue full, copied here. 0 with *ret_reflink, -EFBIG (too large
 * without a reflink), or -errno (nothing left behind). */
static int copy_in(struct vault *v, int fd, const struct stat *st, uint32_t id, bool *ret_reflink, void **ret_data,
                   uint8_t *ret_store) {
        char name[16], tmp[24];
        *ret_data = NULL;
        *ret_reflink = false;
        *ret_store = 0;
        snprintf(name, sizeof(name), "%08x", id);
        snprintf(tmp, sizeof(tmp), ".%08x.tmp", id);
        int out = -1, r = 0;
        uint8_t k = fs_store(v, st->st_dev);
        bool can_reflink = (k || (st->st_dev == v->dev && !v->no_reflink)) && !fragmented(fd);
        if (!can_reflink && (k || (st->st_dev == v->dev && !v->no_reflink))) {
                v->st.fragmented++;
                if (!v->frag_said && (uint64_t)st->st_size > v->max_file)
                        log_notice("Vault: a file of more than %d extents is not reflinked (the opener would wait "
                                   "for each); larger than vault.max_file_mib, it is not kept (further ones are "
                                   "counted in status)", VAULT_MAX_EXTENTS);
                v->frag_said |= (uint64_t)st->st_size > v->max_file;
        }
        if (k && can_reflink) { /* a reflink beside it on its own filesystem, else what follows */
                struct fsstore *f = &v->fs[k - 1];
                out = openat(f->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (out >= 0 && ioctl(out, FICLONE, fd) == 0) {
                        r = close(out) < 0 ? -errno : 0;
                        if (r == 0 && renameat(f->dfd, tmp, f->dfd, name) < 0)
                                r = -errno;
                        if (r < 0) {
                                (void)unlinkat(f->dfd, tmp, 0);
                                return r;
                        }
                        *ret_reflink = true;
                        *ret_store = k;
                        return 0;
                }
                /* One file's refusal (btrfs: a nodatacow file, chattr +C) is that file's; the
                 * store is given up only when its own probe fails too. */
                int e = errno;
                if (out >= 0 && (e == EOPNOTSUPP || e == ENOTTY || e == EINVAL) && probe_reflink(f->dfd) < 0) {
                        f->dead = true;
                        log_notice("Vault %s: its filesystem refuses reflinks now (%s): the originals on it are "
                                   "copied into %s", f->dir, strerror(e), v->dir);
                }
                if (out >= 0) {
                        close(out);
                        (void)unlinkat(f->dfd, tmp, 0);
                }
                out = -1;
        }
        if (can_reflink && st->st_dev == v->dev && !v->no_reflink) {
                out = openat(v->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (out < 0)
                        return -errno;
                *ret_reflink = ioctl(out, FICLONE, fd) == 0;
                if (!*ret_reflink && (errno == EOPNOTSUPP || errno == ENOTTY || errno == EINVAL))
                        v->no_reflink = true; /* (ext4: never; xfs without reflink=1: never) */
        }
        if (!*ret_reflink && ((uint64_t)st->st_size > v->max_file ||
                              (v->w && vaultw_room(v->w, (size_t)st->st_size)))) {
                if (out >= 0) {
                        close(out);
                        (void)unlinkat(v->dfd, tmp, 0);
                }
                return (uint64_t)st->st_size > v->max_file ? -EFBIG : read_in(fd, (uint64_t)st->st_size, ret_data);
        }
        if (out < 0 && (out = openat(v->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
                return -errno;
        if (!*ret_reflink)
                r = util_copy_fd(fd, out, (uint64_t)st->st_size);
        if (close(out) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(v->dfd, tmp, v->dfd, name) < 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(v->dfd, tmp, 0);
        return r;
}

/* One userdata for the index's two callbacks: the vault's files, the caller's verdict. */
struct sweep {
        struct vault *v;
        vault_standing_t standing;
        void *u;
        struct {
                uint64_t fam;
                enum vault_standing s;
        } seen[16];             /* one pass asks once per family: an answer may read /proc */
        unsigned n_seen;
};

static enum vault_standing sweep_standing(void *u, uint64_t fam) {
        struct sweep *x = u;
        for (unsigned i = 0; i < x->n_seen && i < 16; i++)
                if (x->seen[i].fam == fam)
                        return x->seen[i].s;
        enum vault_standing s = x->standing(x->u, fam);
        x->seen[x->n_seen % 16].fam = fam;
        x->seen[x->n_seen % 16].s = s;
        x->n_seen++;
        return s;
}

static void sweep_drop(void *u, const struct vault_entry *e) {
        drop_files(((struct sweep *)u)->v, e);
}

static void make_room(struct vault *v, uint64_t now_ms) {
        struct sweep x = { .v = v, .standing = v->standing, .u = v->standing_u };
        size_t n = vault_index_expire(v->idx, now_ms, v->keep_ms, v->keep_ms, v->budget,
                                      v->standing ? sweep_standing : NULL, sweep_drop, &x);
        if (n) {
                v->st.evicted_budget += n;
                log_info("Vault %s: %zu oldest original(s) evicted for the budget (%llu MiB; %llu evicted so far)", v->dir,
                         n, (unsigned long long)(v->budget >> 20), (unsigned long long)v->st.evicted_budget);
        }
}

static void seen(struct vault *v, uint64_t fam, uint64_t now_ms) {
        struct family_seen *slot = &v->fams[0];
        for (size_t i = 0; i < VAULT_FAMILIES; i++) {
                if (v->fams[i].fam == fam) {
                        v->fams[i].t_ms = now_ms;
                        return;
                }
                if (v->fams[i].t_ms < slot->t_ms)
                        slot = &v->fams[i];
        }
        *slot = (struct family_seen){ .fam = fam, .t_ms = now_ms };
}

/* May fam have one more note? */
static bool may_note(struct vault *v, uint64_t fam) {
        for (size_t i = 0; fam && i < VAULT_FAMILIES; i++)
                if (v->fams[i].fam == fam)
                        return v->fams[i].notes++ < VAULT_NOTES_PER_FAMILY;
        return false;
}

/* One entry the writer thread could not write: out of the index (and out of what is kept). */
static void unkeep(struct vault *v, uint32_t id) {
        for (size_t i = 0; i < vault_index_count(v->idx); i++) {
                const struct vault_entry *e = vault_index_at(v->idx, i);
                if (e->id != id || e->store)
                        continue;
                if (e->kind == VAULT_KEPT) {
                        v->st.kept--;
                        v->st.kept_bytes -= e->size;
                }
                break;
        }
        if (vault_index_remove(v->idx, 0, id) == 0) /* (the writer's: vault.dir's) */
                v->st.failed++;
}

/* Entries the writer thread could not write: out of the index, counted, said once (again once
 * a write succeeded since). More than it could list: every kept entry without its file goes. */
static void poll_writes(struct vault *v) {
        uint32_t ids[64];
        int errs[64];
        size_t n;
        bool lost = false;
        uint64_t written = 0;
        while ((n = vaultw_failed(v->w, ids, errs, 64, lost ? NULL : &lost, &written)) > 0)
                for (size_t i = 0; i < n; i++) {
                        unkeep(v, ids[i]);
                        if ((errs[i] == -ENOSPC || errs[i] == -EDQUOT) && !v->full_said) {
                                log_warning("Vault %s is full (%s): originals are not kept until there is room; "
                                            "protection goes on", v->dir, strerror(-errs[i]));
                                v->full_said = true;
                        } else if (errs[i] != -ENOSPC && errs[i] != -EDQUOT && !v->fail_said) {
                                log_warning("Failed to write %08x in the vault %s: %s (further failures are counted)",
                                            ids[i], v->dir, strerror(-errs[i]));
                                v->fail_said = true;
                        }
                        v->written_at_failure = written;
                }
        v->check_missing |= lost;
        if (written > v->written_at_failure && v->w) /* room again: a new failure is said */
                v->full_said = v->fail_said = false;
}

/* 0: kept; -EFBIG: too large to copy; else -errno (counted, said once). */
static int keep_fd(struct vault *v, int fd, const struct stat *st, const char *path, uint64_t fam, uint8_t why,
                   uint64_t now_ms) {
        if (!v || !S_ISREG(st->st_mode))
                return -EINVAL;
        bool reflink_possible = (st->st_dev == v->dev && !v->no_reflink) || fs_store(v, st->st_dev);
        if ((uint64_t)st->st_size > v->max_file && !reflink_possible) {
                v->st.skipped_large++;
                return -EFBIG;
        }
        /* A reflink costs, once its original is overwritten, what the original holds on disk
         * (a sparse file little). One larger than a quarter of the budget is not kept: it would
         * push every other original out. */
        uint64_t held_bytes = (uint64_t)st->st_blocks * 512;
        if ((uint64_t)st->st_size > v->max_file && held_bytes > v->budget / 4) {
                if (!v->large_said)
                        log_notice("Vault: %s (%llu MiB) is not kept: more than a quarter of the budget (%llu MiB, "
                                   "vault.max_mib); further ones are counted", path,
                                   (unsigned long long)(held_bytes >> 20), (unsigned long long)(v->budget >> 20));
                v->large_said = true;
                v->st.skipped_large++;
                return -EFBIG;
        }
        poll_writes(v);
        uint64_t t0 = util_now_usec();
        uint32_t id = v->next_id++;
        bool reflink = false;
        void *data = NULL;
        uint8_t store = 0;
        int r = copy_in(v, fd, st, id, &reflink, &data, &store);
        if (r == -EFBIG) {
                v->st.skipped_large++;
                return r;
        }
        if (r < 0) {
                v->st.failed++;
                if (r == -ENOSPC || r == -EDQUOT) {
                        if (!v->full_said)
                                log_warning("Vault %s is full (%s): originals are not kept until there is room; "
                                            "protection goes on", v->dir, strerror(-r));
                        v->full_said = true;
                } else if (!v->fail_said) {
                        log_warning("Failed to keep %s in the vault %s: %s (further failures are counted)", path, v->dir,
                                    strerror(-r));
                        v->fail_said = true;
                }
                return r;
        }
        if (!data && !v->w)
                v->full_said = false; /* (with the thread, poll_writes says when there is room) */
        uint64_t took = util_now_usec() - t0;
        if (took > v->st.slowest_copy_us)
                v->st.slowest_copy_us = took;
        struct vault_entry e = {
                .id = id, .kind = VAULT_KEPT, .why = why, .reflink = reflink, .store = store, .fam = fam, .path = (char *)path,
                .cost = reflink && held_bytes < (uint64_t)st->st_size ? held_bytes : (uint64_t)st->st_size,
                .dev = st->st_dev, .ino = st->st_ino, .size = (uint64_t)st->st_size, .mtime_ns = ns(&st->st_mtim),
                .atime_ns = ns(&st->st_atim), .uid = st->st_uid, .gid = st->st_gid, .mode = st->st_mode,
                .t_ms = now_ms, .t_us = realtime_us(),
        };
        if (data) { /* the data and then its record, both by the writer thread */
                cJSON *j = vault_entry_json(&e);
                char *text = j ? cJSON_PrintUnformatted(j) : NULL;
                cJSON_Delete(j);
                r = !text ? -ENOMEM : vault_index_add(v->idx, &e);
                if (r == 0 && (r = vaultw_push(v->w, id, data, (size_t)e.size, text)) < 0)
                        vault_index_remove(v->idx, 0, id);
                if (r < 0) {
                        free(text);
                        free(data);
                        v->st.failed++;
                        return r;
                }
                v->st.deferred++;
        } else if ((r = vault_index_add(v->idx, &e)) < 0 || (r = save_meta(v, &e)) < 0) {
                drop_files(v, &e);
                v->st.failed++;
                return r;
        }
        seen(v, fam, now_ms);
        log_debug("Vault: kept %s (%s, %llu bytes%s) as %08x", path, why == VAULT_WHY_WRITE ? "before a write" :
                  why == VAULT_WHY_DELETED ? "unlinked" : "replaced", (unsigned long long)st->st_size,
                  reflink ? ", reflink" : "", id);
        v->st.kept++;
        v->st.kept_bytes += (uint64_t)st->st_size;
        v->st.reflinks += reflink;
        v->st.rescued += why != VAULT_WHY_WRITE;
        make_room(v, now_ms);
        return 0;
}

int vault_keep(struct vault *v, int fd, const struct stat *st, const char *path, uint64_t fam, uint64_t now_ms) {
        if (!v || st->st_size == 0 || vault_owns(v, path) ||
            vault_index_has_current(v->idx, fam, st->st_dev, st->st_ino, (uint64_t)st->st_size, ns(&st->st_mtim)))
                return 0; /* nothing to keep, or kept already */
        return keep_fd(v, fd, st, path, fam, VAULT_WHY_WRITE, now_ms);
}

/* (Its pre-content mark stays, evictable, until the file's next change or its inode's eviction:
 * a truncate long after the read, or past VAULT_HOLD_MAX other reads, is still seen.) */
static void release(struct vault *v, struct held *h) {
        if (h->fd >= 0)
                close(h->fd);
        free(h->path);
        h->fd = -1;
        h->path = NULL;
}

void vault_hold(struct vault *v, int fd, const struct stat *st, const char *path, uint64_t fam, uint64_t now_ms) {
        if (!v || st->st_size == 0 || !path[0] || vault_owns(v, path))
                return;
        /* A read answered at once is read here late: its file may have no name left already
         * (its unlink's event came first). Kept now, under the name it was opened by. */
        if (st->st_nlink == 0) {
                (void)keep_fd(v, fd, st, path, fam, VAULT_WHY_DELETED, now_ms);
                return;
        }
        struct held *slot = NULL, *oldest = NULL;
        for (size_t i = 0; i < VAULT_HOLD_MAX; i++) {
                struct held *h = &v->held[i];
                if (h->fd >= 0 && h->dev == st->st_dev && h->ino == st->st_ino) {
                        h->fam = fam; /* its name stays the one it had when first read */
                        h->t_ms = now_ms;
                        if (v->pw && !h->marked) /* marked again: a change since took its mark */
                                h->marked = prewrite_watch(v->pw, h->fd) == 0;
                        seen(v, fam, now_ms);
                        return;
                }
                if (h->fd < 0 && !slot)
                        slot = h;
                if (h->fd >= 0 && (!oldest || h->t_ms < oldest->t_ms))
                        oldest = h;
        }
        if (!slot) {
                release(v, oldest);
                slot = oldest;
        }
        int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        char *p = d >= 0 ? strdup(path) : NULL;
        if (!p) {
                if (d >= 0)
                        close(d);
                return;
        }
        *slot = (struct held){ .fd = d, .dev = st->st_dev, .ino = st->st_ino, .fam = fam, .t_ms = now_ms, .path = p };
        /* Its content could still go without an open (truncate(2) by path): watched. */
        if (v->pw)
                slot->marked = prewrite_watch(v->pw, d) == 0;
        seen(v, fam, now_ms);
}

void vault_pre_change(struct vault *v, int fd, const struct stat *st, const char *path, uint64_t fam,
                      uint64_t now_ms) {
        if (!v)
                return;
        struct held *h = NULL;
        for (size_t i = 0; i < VAULT_HOLD_MAX && !h; i++)
                if (v->held[i].fd >= 0 && v->held[i].dev == st->st_dev && v->held[i].ino == st->st_ino)
                        h = &v->held[i];
        /* Held: under the name it was read by; the hold ends once it is kept (what it holds
         * from now on is the changed file). Not held (a read the responder answered before the
         * loop saw it, or a hold that ended): under the name it has now. */
        if (h && vault_keep(v, fd, st, h->path, fam ? fam : h->fam, now_ms) == 0)
                release(v, h);
        else if (!h && path && path[0] == '/' && st->st_nlink > 0)
                (void)vault_keep(v, fd, st, path, fam, now_ms);
        vault_changed(v, fd, st);
}

void vault_changed(struct vault *v, int fd, const struct stat *st) {
        /* Its next writes need no more events: the original is kept (or was not the vault's
         * to keep). Its next read by a family not cleared marks it again. */
        if (!v)
                return;
        prewrite_unwatch(v->pw, fd);
        for (size_t i = 0; i < VAULT_HOLD_MAX; i++)
                if (v->held[i].fd >= 0 && v->held[i].dev == st->st_dev && v->held[i].ino == st->st_ino)
                        v->held[i].marked = false;
}

void vault_set_prewrite(struct vault *v, struct prewrite *pw) {
        if (v)
                v->pw = pw;
}

void vault_gone(struct vault *v, const char *path, bool replaced, uint64_t fam, uint64_t now_ms) {
        if (!v)
                return;
        /* The file held under that name, and any the same family held: a name moved first (an
         * exchange, a rename) no longer says which file went. */
        for (size_t i = 0; i < VAULT_HOLD_MAX; i++) {
                struct held *h = &v->held[i];
                struct stat st;
                /* (The family's others only at an unlink: the exchange's second step. A rename's
                 * old file is held under the name it replaced; a scan at every rename would cost a
                 * copy tool writing temporaries and renaming them one fstat per file it read.) */
                if (h->fd < 0 || (strcmp(h->path, path) != 0 && (replaced || !fam || h->fam != fam)))
                        continue;
                if (fstat(h->fd, &st) == 0 && st.st_nlink == 0) /* no name left: its content goes now */
                        (void)keep_fd(v, h->fd, &st, h->path, fam ? fam : h->fam,
                                replaced ? VAULT_WHY_REPLACED : VAULT_WHY_DELETED, now_ms);
                if (fstat(h->fd, &st) != 0 || st.st_nlink == 0)
                        release(v, h);
        }
}

static void note(struct vault *v, uint8_t kind, const char *path, const char *path2, const struct stat *st,
                 uint64_t fam, uint64_t now_ms) {
        struct vault_entry e = { .id = v->next_id++, .kind = kind, .why = VAULT_WHY_NONE, .fam = fam,
                                 .path = (char *)path, .path2 = (char *)path2, .t_ms = now_ms, .t_us = realtime_us() };
        if (st) {
                e.dev = st->st_dev;
                e.ino = st->st_ino;
                e.mtime_ns = ns(&st->st_mtim);
                e.mode = st->st_mode;
        }
        /* In memory: written to disk only if the family is convicted (vault_convicted), so that a
         * copy storm costs no file per new file. */
        (void)vault_index_add(v->idx, &e);
}

void vault_convicted(struct vault *v, uint64_t fam) {
        struct vault_index *idx = v ? v->idx : NULL;
        for (size_t i = 0; idx && i < vault_index_count(idx); i++) {
                const struct vault_entry *e = vault_index_at(idx, i);
                if (e->fam == fam && e->kind != VAULT_KEPT && save_meta(v, e) < 0)
                        v->st.failed++;
        }
}

void vault_renamed(struct vault *v, const char *from, const char *to, uint64_t fam, uint64_t now_ms) {
        if (!v || vault_owns(v, from) || vault_owns(v, to) || !may_note(v, fam))
                return;
        struct stat st;
        note(v, VAULT_RENAMED, from, to, stat(to, &st) == 0 ? &st : NULL, fam, now_ms);
}

void vault_created(struct vault *v, const char *path, const struct stat *st, uint64_t fam, uint64_t now_ms) {
        if (!v || vault_owns(v, path) || !may_note(v, fam))
                return;
        note(v, VAULT_CREATED, path, NULL, st, fam, now_ms);
}

void vault_sweep(struct vault *v, uint64_t now_ms, uint64_t quiet_ms, vault_standing_t standing, void *u) {
        if (!v)
                return;
        poll_writes(v);
        /* A store's name must still name it (its root lets nobody else move it, but an admin may). */
        for (size_t i = 0; i < v->n_fs; i++) {
                struct fsstore *f = &v->fs[i];
                struct stat now;
                if (f->moved || f->dfd < 0 || (lstat(f->dir, &now) == 0 && now.st_dev == f->dev && now.st_ino == f->ino))
                        continue;
                f->moved = f->dead = true;
                log_warning("Vault %s was moved or replaced: its originals stay where it went, new ones on its "
                            "filesystem are copied into %s, and what is at its name now is judged like any file",
                            f->dir, v->dir);
        }
        if (v->check_missing && vaultw_wait(v->w, 0)) { /* (only once nothing is queued) */
                v->check_missing = false;
                for (size_t i = vault_index_count(v->idx); i-- > 0;) {
                        const struct vault_entry *e = vault_index_at(v->idx, i);
                        char name[32];
                        snprintf(name, sizeof(name), "%08x.json", e->id);
                        if (e->kind == VAULT_KEPT && !e->store && faccessat(v->dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
                            errno == ENOENT)
                                unkeep(v, e->id);
                }
        }
        struct sweep x = { .v = v, .standing = standing, .u = u };
        for (size_t i = 0; i < VAULT_HOLD_MAX; i++) {
                struct held *h = &v->held[i];
                if (h->fd >= 0 && (now_ms - h->t_ms > VAULT_HOLD_MS || sweep_standing(&x, h->fam) == VAULT_ENDED))
                        release(v, h);
        }
        v->st.evicted_budget +=
                vault_index_expire(v->idx, now_ms, v->keep_ms, quiet_ms, v->budget, sweep_standing, sweep_drop, &x);
}
