/* sim-walk — the file list. A sorted depth-first walk done with openat/fstatat relative to the
 * target fd: symlinks are never followed (AT_SYMLINK_NOFOLLOW, O_NOFOLLOW), other filesystems
 * are not entered (st_dev check, like nftw's FTW_MOUNT), control files (.ransomguard*) and
 * anything not a regular file are left alone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

#define SIM_MAX_DEPTH 128

struct walker {
        const struct sim_target *t;
        const struct sim_walk_filter *f;
        struct sim_tree *tree;
        size_t cap_dirs, cap_files;
};

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool ends_with_ext(const char *name, const char *ext) {
        size_t n = strlen(name), e = strlen(ext);

        return n > e + 1 && name[n - e - 1] == '.' && strcmp(name + n - e, ext) == 0;
}

static int add_dir(struct walker *w, const char *parent, const char *name, size_t *ret_id) {
        struct sim_tree *t = w->tree;
        char *path;

        if (t->n_dirs == w->cap_dirs) {
                size_t cap = w->cap_dirs ? 2 * w->cap_dirs : 16;
                char **d = realloc(t->dirs, cap * sizeof *d);
                if (!d)
                        return -ENOMEM;
                t->dirs = d;
                w->cap_dirs = cap;
        }
        if (!parent)
                path = strdup("");
        else if (asprintf(&path, "%s%s%s", parent, *parent ? "/" : "", name) < 0)
                path = NULL;
        if (!path)
                return -ENOMEM;
        t->dirs[t->n_dirs] = path;
        *ret_id = t->n_dirs++;
        return 0;
}

static int add_file(struct walker *w, size_t dir, const char *name) {
        struct sim_tree *t = w->tree;
        char *copy;

        if (t->n_files == w->cap_files) {
                size_t cap = w->cap_files ? 2 * w->cap_files : 64;
                struct sim_file *f = realloc(t->files, cap * sizeof *f);
                if (!f)
                        return -ENOMEM;
                t->files = f;
                w->cap_files = cap;
        }
        copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        t->files[t->n_files++] = (struct sim_file) { .name = copy, .dir = dir };
        return 0;
}

static void free_names(char **names, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* The sorted entry names of an open directory. */
static int read_names(int dfd, char ***ret, size_t *ret_n) {
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        DIR *d;
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                close(fd);
                return r;
        }
        for (;;) {
                errno = 0;
                de = readdir(d);
                if (!de)
                        break;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (n == cap) {
                        size_t c = cap ? 2 * cap : 32;
                        char **nn = realloc(names, c * sizeof *nn);
                        if (!nn)
                                goto nomem;
                        names = nn;
                        cap = c;
                }
                names[n] = strdup(de->d_name);
                if (!names[n])
                        goto nomem;
                n++;
        }
        if (errno != 0) {
                int r = -errno;
                closedir(d);
                free_names(names, n);
                return r;
        }
        closedir(d);
        if (n > 0)
                qsort(names, n, sizeof *names, cmp_names);
        *ret = names;
        *ret_n = n;
        return 0;
nomem:
        closedir(d);
        free_names(names, n);
        return -ENOMEM;
}

static int walk_dir(struct walker *w, int dfd, size_t dir_id, unsigned depth) {
        const struct sim_walk_filter *f = w->f;
        char **names = NULL;
        size_t n = 0;
        int r;

        r = read_names(dfd, &names, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                errno = -r;
                sim_warn("Failed to read directory %s/%s: %m, skipping", w->t->path, w->tree->dirs[dir_id]);
                return 0;
        }

        for (size_t i = 0; i < n && r >= 0; i++) {
                const char *name = names[i];
                const char *rel = w->tree->dirs[dir_id];
                const char *sep = *rel ? "/" : "";
                struct stat st;

                if (strncmp(name, SIM_CONTROL_PREFIX, strlen(SIM_CONTROL_PREFIX)) == 0)
                        continue; /* daemon/test control files and directories, the marker */
                if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                sim_warn("Skipping %s/%s%s%s: vanished during the walk", w->t->path, rel, sep, name);
                        else
                                sim_warn("Failed to stat %s/%s%s%s: %m, skipping", w->t->path, rel, sep, name);
                        continue;
                }
                if (S_ISLNK(st.st_mode)) {
                        if (f->verbose)
                                sim_warn("Skipping symlink %s/%s%s%s", w->t->path, rel, sep, name);
                        continue;
                }
                if (st.st_dev != w->t->dev) {
                        if (f->verbose)
                                sim_warn("Skipping %s/%s%s%s: other filesystem", w->t->path, rel, sep, name);
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        struct stat sst;
                        size_t sub_id;
                        int sfd;

                        if (depth >= SIM_MAX_DEPTH) {
                                sim_warn("Skipping %s/%s%s%s: deeper than %d levels", w->t->path, rel, sep, name,
                                         SIM_MAX_DEPTH);
                                continue;
                        }
                        sfd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sfd < 0) {
                                if (errno == ENOENT)
                                        sim_warn("Skipping %s/%s%s%s: vanished during the walk", w->t->path, rel, sep,
                                                 name);
                                else
                                        sim_warn("Failed to open directory %s/%s%s%s: %m, skipping", w->t->path,
                                                 rel, sep, name);
                                continue;
                        }
                        if (fstat(sfd, &sst) < 0 || sst.st_dev != st.st_dev || sst.st_ino != st.st_ino) {
                                sim_warn("Skipping %s/%s%s%s: replaced during the walk", w->t->path, rel, sep, name);
                                close(sfd);
                                continue;
                        }
                        r = add_dir(w, rel, name, &sub_id);
                        if (r >= 0)
                                r = walk_dir(w, sfd, sub_id, depth + 1);
                        close(sfd);
                        continue;
                }
                if (!S_ISREG(st.st_mode))
                        continue;
                if (strcmp(name, SIM_NOTE_NAME) == 0 || ends_with_ext(name, f->ext))
                        continue;
                if (f->have_log && st.st_dev == f->log_dev && st.st_ino == f->log_ino)
                        continue;
                r = add_file(w, dir_id, name);
        }
        free_names(names, n);
        return r < 0 ? r : 0;
}

int sim_walk(const struct sim_target *t, const struct sim_walk_filter *f, struct sim_tree *ret) {
        struct walker w = { .t = t, .f = f, .tree = ret };
        size_t root_id;
        int r;

        *ret = (struct sim_tree) {};
        r = add_dir(&w, NULL, NULL, &root_id);
        if (r >= 0)
                r = walk_dir(&w, t->fd, root_id, 0);
        if (r < 0)
                sim_tree_free(ret);
        return r;
}

void sim_tree_shuffle(struct sim_tree *tree, uint64_t seed) {
        uint64_t state = seed ^ UINT64_C(0x5ca1ab1e0ddba11);

        for (size_t i = tree->n_files; i > 1; i--) {
                size_t j = (size_t) (sim_prng_next(&state) % i);
                struct sim_file tmp = tree->files[i - 1];
                tree->files[i - 1] = tree->files[j];
                tree->files[j] = tmp;
        }
}

void sim_tree_truncate(struct sim_tree *tree, size_t n) {
        if (n >= tree->n_files)
                return;
        for (size_t i = n; i < tree->n_files; i++)
                free(tree->files[i].name);
        tree->n_files = n;
}

void sim_tree_free(struct sim_tree *tree) {
        for (size_t i = 0; i < tree->n_files; i++)
                free(tree->files[i].name);
        free(tree->files);
        free_names(tree->dirs, tree->n_dirs);
        *tree = (struct sim_tree) {};
}

int sim_tree_path(const struct sim_tree *tree, const char *root, size_t idx, char **ret) {
        const struct sim_file *f = &tree->files[idx];
        const char *rel = tree->dirs[f->dir];

        if (asprintf(ret, "%s/%s%s%s", root, rel, *rel ? "/" : "", f->name) < 0)
                return -ENOMEM;
        return 0;
}

/* Re-open a directory of the list component by component, never following a symlink and never
 * leaving the target's filesystem. */
int sim_open_dir(const struct sim_target *t, const char *rel, int *ret_fd) {
        char *copy, *save = NULL;
        int fd = openat(t->fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        copy = strdup(rel);
        if (!copy) {
                close(fd);
                return -ENOMEM;
        }
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                struct stat st;
                int nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int r = nfd < 0 ? -errno : 0;

                close(fd);
                if (r < 0) {
                        free(copy);
                        return r == -ENOTDIR ? -ELOOP : r;
                }
                fd = nfd;
                if (fstat(fd, &st) < 0 || st.st_dev != t->dev) {
                        close(fd);
                        free(copy);
                        return -EXDEV;
                }
        }
        free(copy);
        *ret_fd = fd;
        return 0;
}
