/* ctl-restore — `ransomguardctl restore`: the originals the vault kept for convicted families
 * put back (content, owner, mode, times) and the families' own files (ciphertext copies,
 * notes) removed. The daemon says what it kept (the "vault" request); the work is done here, as
 * root, every path resolved without following a symlink (openat2 RESOLVE_NO_SYMLINKS), every
 * file written beside its target and renamed over it. A file someone else changed after the
 * incident is never overwritten: the original goes beside it as NAME.restored. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctlproto.h"
#include "util.h"
#include "vaultidx.h"

#define CHANGED_SLACK_NS 2000000000LL /* a change within 2 s of the verdict is the attack's */

struct restore {
        const struct restore_opts *o;
        int vfd[VAULT_MAX_STORES]; /* the vault's directories (vault.dir first): -errno where not open */
        unsigned restored, beside, in_place, removed, failed, skipped;
};

static int open_beneath_none(const char *path, int flags) {
        struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
        return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
}

/* A vault directory, only if it is the one the daemon named (id: "dev:ino"), root's and
 * closed to others: a directory someone put in its place is not read from. */
static int open_vault_dir(const char *path, const char *id) {
        int fd = open_beneath_none(path, O_RDONLY | O_DIRECTORY);
        struct stat st;
        if (fd < 0)
                return -errno;
        char mine[48];
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        snprintf(mine, sizeof(mine), "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
        if (id && strcmp(id, mine) != 0) { /* not the directory the daemon writes to: moved, replaced */
                close(fd);
                return -ESTALE;
        }
        if (st.st_uid != 0 || (st.st_mode & 022)) {
                close(fd);
                return -EPERM;
        }
        return fd;
}

static void close_all(struct restore *x) {
        for (size_t k = 0; k < VAULT_MAX_STORES; k++)
                if (x->vfd[k] >= 0)
                        close(x->vfd[k]);
}

/* The directory of path opened (created, with --to), *ret_name its last component. */
static int open_parent(const char *path, bool create, char *buf, size_t len, const char **ret_name) {
        snprintf(buf, len, "%s", path);
        char *slash = strrchr(buf, '/');
        if (!slash || !slash[1])
                return -EINVAL;
        *slash = '\0';
        *ret_name = path + (slash - buf) + 1;
        const char *dir = buf[0] ? buf : "/";
        int fd = open_beneath_none(dir, O_PATH | O_DIRECTORY);
        if (fd >= 0 || !create || errno != ENOENT)
                return fd >= 0 ? fd : -errno;
        /* mkdir -p, each step without following a symlink */
        int cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (char *c = buf + 1; cur >= 0 && *c;) {
                char *e = strchr(c, '/');
                if (e)
                        *e = '\0';
                if (mkdirat(cur, c, 0700) < 0 && errno != EEXIST) {
                        close(cur);
                        return -errno;
                }
                int next = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                close(cur);
                cur = next;
                if (!e)
                        break;
                *e = '/';
                c = e + 1;
        }
        return cur >= 0 ? cur : -errno;
}

static const char *str(const cJSON *j, const char *k) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
        return cJSON_IsString(v) ? v->valuestring : "";
}

/* Copy the vault's file id into dir/name via a temporary beside it; owner, mode, times. */
static int put(int vfd, const struct vault_entry *e, int dfd, const char *name) {
        char src[16], tmp[300];
        uint32_t rnd = 0;
        snprintf(src, sizeof(src), "%08x", e->id);
        (void)!getrandom(&rnd, sizeof(rnd), 0);
        snprintf(tmp, sizeof(tmp), ".%.200s.rg-restore-%08x", name, rnd);
        int in = openat(vfd, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0)
                return -errno;
        int out = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0) {
                int r = -errno;
                close(in);
                return r;
        }
        int r = util_copy_fd(in, out, e->size);
        struct timespec t[2] = { { .tv_sec = e->atime_ns / 1000000000, .tv_nsec = e->atime_ns % 1000000000 },
                                 { .tv_sec = e->mtime_ns / 1000000000, .tv_nsec = e->mtime_ns % 1000000000 } };
        if (r == 0 && (fchown(out, e->uid, e->gid) < 0 || fchmod(out, e->mode & 07777) < 0 || futimens(out, t) < 0 ||
                       fsync(out) < 0))
                r = -errno;
        if (close(out) < 0 && r == 0)
                r = -errno;
        close(in);
        if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(dfd, tmp, 0);
        return r;
}

static int64_t ns(const struct timespec *t) {
        return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* Does the file at dfd/name hold exactly the vault's copy of e? (An attacker may give its
 * ciphertext the original's size and times.) */
static bool same_content(int vfd, const struct vault_entry *e, int dfd, const char *name) {
        char src[16];
        snprintf(src, sizeof(src), "%08x", e->id);
        int a = openat(vfd, src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        int b = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        bool same = a >= 0 && b >= 0;
        static char x[65536], y[65536];
        while (same) {
                ssize_t n = read(a, x, sizeof(x)), m = n > 0 ? read(b, y, (size_t)n) : read(b, y, 1);
                if (n < 0 || m != n || (n > 0 && memcmp(x, y, (size_t)n) != 0))
                        same = false;
                if (n <= 0)
                        break;
        }
        if (a >= 0)
                close(a);
        if (b >= 0)
                close(b);
        return same;
}

static bool under(const char *path, const char *dir) {
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/')
                n--;
        return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* One original back; true when it is in place (or beside) afterwards. */
static bool restore_one(struct restore *x, const struct vault_entry *e, int64_t t_incident_ns) {
        char dest[8192], pbuf[8192];
        const char *name;
        if (x->o->to)
                snprintf(dest, sizeof(dest), "%s%s", x->o->to, e->path);
        else
                snprintf(dest, sizeof(dest), "%s", e->path);
        int dfd = x->o->dry_run && x->o->to ? -ENOENT : open_parent(dest, x->o->to != NULL, pbuf, sizeof(pbuf), &name);
        if (dfd < 0 && !(x->o->dry_run && x->o->to)) {
                printf("FAILED   %s: its directory cannot be opened (%s)\n", e->path, strerror(-dfd));
                x->failed++;
                return false;
        }
        struct stat st;
        char target[600];
        const char *why = "";
        bool exists = dfd >= 0 && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
        snprintf(target, sizeof(target), "%s", dfd >= 0 ? name : "");
        int vfd = x->vfd[e->store < VAULT_MAX_STORES ? e->store : 0];
        if (vfd < 0) {
                printf("FAILED   %s: its copy's directory in the vault cannot be opened (%s)\n", e->path, strerror(-vfd));
                x->failed++;
                if (dfd >= 0)
                        close(dfd);
                return false;
        }
        if (exists && S_ISREG(st.st_mode) && (uint64_t)st.st_size == e->size && same_content(vfd, e, dfd, name)) {
                printf("in place %s (unchanged)\n", dest);
                x->in_place++;
                close(dfd);
                return true;
        }
        if (exists && (!S_ISREG(st.st_mode) || ns(&st.st_ctim) > t_incident_ns + CHANGED_SLACK_NS)) {
                snprintf(target, sizeof(target), "%.500s.restored", name);
                why = S_ISREG(st.st_mode) ? " (changed by someone else since: the original is beside it)"
                                          : " (something else is there now: the original is beside it)";
        }
        if (x->o->dry_run) {
                printf("would restore %s%s%s%s\n", dest, target[0] && strcmp(target, name) ? " as " : "",
                       target[0] && strcmp(target, name) ? target : "", why);
                if (dfd >= 0)
                        close(dfd);
                x->restored++;
                return true;
        }
        int r = put(vfd, e, dfd, target);
        close(dfd);
        if (r < 0) {
                printf("FAILED   %s: %s\n", dest, strerror(-r));
                x->failed++;
                return false;
        }
        if (why[0]) {
                printf("restored %s as %s%s\n", dest, target, why);
                x->beside++;
        } else
                printf("restored %s\n", dest);
        x->restored++;
        return true;
}

/* A file of the family's (a copy it made, a name it moved an original to), if it is still what
 * the family left there: removed when it is a restored original's copy or old self (aside
 * true: anything else it made, a note, a copy of a file not kept, is moved aside as
 * NAME.rg-attack, never deleted). */
static void remove_theirs(struct restore *x, const char *path, dev_t dev, ino_t ino, int64_t t_incident_ns, bool aside) {
        char pbuf[8192];
        const char *name;
        int dfd = open_parent(path, false, pbuf, sizeof(pbuf), &name);
        struct stat st;
        if (dfd < 0)
                return;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && st.st_dev == dev &&
            st.st_ino == ino && ns(&st.st_ctim) <= t_incident_ns + CHANGED_SLACK_NS) {
                char to[600];
                snprintf(to, sizeof(to), "%.500s.rg-attack", name);
                if (x->o->dry_run)
                        printf("would %s %s (made by the attack)\n", aside ? "move aside" : "remove", path);
                else if (!aside && unlinkat(dfd, name, 0) == 0)
                        printf("removed  %s (made by the attack)\n", path);
                else if (aside && renameat2(dfd, name, dfd, to, RENAME_NOREPLACE) == 0)
                        printf("moved    %s to %s (made by the attack)\n", path, to);
                else
                        printf("left     %s: %m\n", path);
                x->removed++;
        }
        close(dfd);
}

int ctl_restore(const char *sock, const struct restore_opts *o) {
        cJSON *q = cJSON_CreateObject(), *r = NULL;
        cJSON_AddStringToObject(q, "cmd", "vault");
        if (o->id)
                cJSON_AddStringToObject(q, "id", o->id);
        int st = ctl_call(sock, q, &r);
        cJSON_Delete(q);
        if (st)
                return st;
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"))) {
                fprintf(stderr, "ransomguardctl: %s\n", str(r, "error"));
                st = ctl_exit_of(r);
                cJSON_Delete(r);
                return st;
        }
        struct restore x = { .o = o };
        for (size_t i = 0; i < VAULT_MAX_STORES; i++)
                x.vfd[i] = -ENOENT;
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(r, "dir_ids");
        const cJSON *id0 = cJSON_GetArrayItem(ids, 0);
        x.vfd[0] = open_vault_dir(str(r, "dir"), cJSON_IsString(id0) ? id0->valuestring : NULL);
        if (x.vfd[0] < 0) {
                fprintf(stderr, "ransomguardctl: Failed to open the vault %s: %s\n", str(r, "dir"), strerror(-x.vfd[0]));
                cJSON_Delete(r);
                return CTL_EXIT_FAILURE;
        }
        /* The directories on the originals' own filesystems (reflinks), by their index. */
        const cJSON *d;
        size_t store = 0;
        cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(r, "dirs")) {
                const cJSON *id = cJSON_GetArrayItem(ids, (int)store);
                if (store > 0 && store < VAULT_MAX_STORES && cJSON_IsString(d) && d->valuestring[0] &&
                    (x.vfd[store] = open_vault_dir(d->valuestring, cJSON_IsString(id) ? id->valuestring : "?")) < 0)
                        fprintf(stderr, "ransomguardctl: Failed to open the vault %s: %s (its originals are not "
                                "restored)\n", d->valuestring, strerror(-x.vfd[store]));
                store++;
        }
        struct vault_index *idx;
        if (vault_index_new(&idx) < 0) {
                cJSON_Delete(r);
                close_all(&x);
                return CTL_EXIT_FAILURE;
        }
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "entries")) {
                struct vault_entry e;
                char err[256];
                if (vault_entry_from_json(it, &e, err, sizeof(err)) == 0) {
                        (void)vault_index_add(idx, &e);
                        vault_entry_clear(&e);
                }
        }
        vault_index_sort(idx); /* oldest first: a file's oldest copy is its original */
        /* The latest incident of each family: changes after it are someone else's. */
        int64_t t_incident = 0;
        unsigned n_inc = 0;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "incidents")) {
                const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "time_us");
                if (cJSON_IsNumber(t) && (int64_t)t->valuedouble * 1000 > t_incident)
                        t_incident = (int64_t)t->valuedouble * 1000;
                n_inc++;
        }
        size_t n = vault_index_count(idx);
        /* Each name once: the oldest original kept under it (what it held before the attack). */
        for (size_t i = 0; i < n; i++) {
                struct vault_entry *e = vault_index_at(idx, i);
                if (e->kind != VAULT_KEPT || (o->under && !under(e->path, o->under)))
                        continue;
                bool seen = false;
                for (size_t k = 0; k < i && !seen; k++) {
                        const struct vault_entry *f = vault_index_at(idx, k);
                        seen = f->kind == VAULT_KEPT && strcmp(f->path, e->path) == 0;
                }
                if (!seen)
                        (void)restore_one(&x, e, t_incident);
        }
        /* The attack's own files go only when every original is back, and never with --to. */
        if (!x.failed && !o->to)
                for (size_t i = 0; i < n; i++) {
                        const struct vault_entry *e = vault_index_at(idx, i);
                        const char *p = e->kind == VAULT_CREATED ? e->path : e->kind == VAULT_RENAMED ? e->path2 : NULL;
                        if (!p || (o->under && !under(p, o->under)))
                                continue;
                        /* A file the family moved goes only when it is an original kept (and put
                         * back under its old name above): one it merely renamed is the user's. */
                        bool kept = e->kind == VAULT_CREATED;
                        for (size_t k = 0; k < n && !kept; k++) {
                                const struct vault_entry *f = vault_index_at(idx, k);
                                kept = f->kind == VAULT_KEPT && f->dev == e->dev && f->ino == e->ino &&
                                       (!o->under || under(f->path, o->under));
                        }
                        if (!kept)
                                continue;
                        /* A copy named after an original put back (NAME.EXT, NAME.7z) goes; anything
                         * else the attack made is moved aside. */
                        bool copy = e->kind == VAULT_RENAMED;
                        for (size_t k = 0; k < n && !copy; k++) {
                                const struct vault_entry *f = vault_index_at(idx, k);
                                size_t l = f->kind == VAULT_KEPT ? strlen(f->path) : 0;
                                copy = l && strncmp(p, f->path, l) == 0 && p[l] == '.';
                        }
                        bool restored_here = false; /* never the name an original just went back to */
                        for (size_t k = 0; k < n && !restored_here; k++) {
                                const struct vault_entry *f = vault_index_at(idx, k);
                                restored_here = f->kind == VAULT_KEPT && strcmp(f->path, p) == 0;
                        }
                        if (!restored_here)
                                remove_theirs(&x, p, e->dev, e->ino, t_incident, !copy);
                }
        else if (x.failed)
                printf("The attack's own files are left in place: not every original could be restored.\n");
        printf("%s%u original(s) %s (%u beside a file changed since, %u already in place), %u file(s) of the attack "
               "%s, %u failed; %u incident(s)\n",
               o->dry_run ? "dry run: " : "", x.restored + x.in_place, o->dry_run ? "would be restored" : "restored",
               x.beside, x.in_place, x.removed, o->dry_run ? "to remove" : "removed", x.failed, n_inc);
        vault_index_free(idx);
        close_all(&x);
        cJSON_Delete(r);
        return x.failed ? CTL_EXIT_FAILURE : 0;
}
