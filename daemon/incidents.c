/* incidents — the history and its copy on disk. */
#include "incidents.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "privdir.h"

#define RECORD_MAX (1 << 20) /* an incident file: members at ~60 bytes each, far below */

struct incidents {
        struct history *h;
        int dfd;            /* -1: memory only */
        char dir[1024];
        unsigned write_failed; /* logged once, then counted */
};

static uint64_t realtime_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

static void file_name(const char *id, char buf[HISTORY_ID_LEN + 8]) {
        snprintf(buf, HISTORY_ID_LEN + 8, "%s.json", id);
}

static int load_one(struct incidents *in, const char *name) {
        char err[256];
        int fd = openat(in->dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > RECORD_MAX || st.st_uid != geteuid()) {
                close(fd);
                log_warning("Incident record %s/%s is not a regular file of ours below 1 MiB, ignoring", in->dir, name);
                return -EINVAL;
        }
        char *buf = malloc((size_t)st.st_size + 1);
        ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
        close(fd);
        if (n < 0) {
                free(buf);
                return -ENOMEM;
        }
        buf[n] = '\0';
        cJSON *j = cJSON_ParseWithLength(buf, (size_t)n);
        free(buf);
        struct history_entry e;
        int r = j ? history_from_json(j, &e, err, sizeof(err)) : -EINVAL;
        cJSON_Delete(j);
        char want[HISTORY_ID_LEN + 8];
        if (r == 0)
                file_name(e.d.id, want);
        if (r < 0 || strcmp(want, name) != 0) {
                log_warning("Incident record %s/%s is damaged (%s), ignoring", in->dir, name,
                            r < 0 && j ? err : "not JSON, or not its own id");
                if (r == 0)
                        history_entry_clear(&e);
                return -EINVAL;
        }
        r = history_add(in->h, &e, NULL);
        history_entry_clear(&e);
        return r;
}

static int by_time(const void *a, const void *b) {
        const struct { uint64_t t; char name[64]; } *x = a, *y = b;
        return x->t < y->t ? -1 : x->t > y->t;
}

/* The records in the directory, oldest first (by mtime: each is written when its incident
 * happens or changes), the newest HISTORY_MAX kept. */
static void load(struct incidents *in) {
        int fd = dup(in->dfd);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        struct { uint64_t t; char name[64]; } *v = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                struct stat st;
                if (len != HISTORY_ID_LEN + 5 || strcmp(de->d_name + HISTORY_ID_LEN, ".json") != 0 ||
                    fstatat(in->dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (n == cap) {
                        void *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));
                        if (!nv)
                                break;
                        v = nv;
                }
                v[n].t = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
                snprintf(v[n].name, sizeof(v[n].name), "%.63s", de->d_name);
                n++;
        }
        closedir(d);
        if (n)
                qsort(v, n, sizeof(*v), by_time);
        size_t from = n > HISTORY_MAX ? n - HISTORY_MAX : 0;
        for (size_t i = 0; i < from; i++)
                (void)unlinkat(in->dfd, v[i].name, 0);
        unsigned loaded = 0;
        for (size_t i = from; i < n; i++)
                loaded += load_one(in, v[i].name) == 0;
        free(v);
        if (loaded)
                log_info("Read %u incident(s) of an earlier run from %s", loaded, in->dir);
}

int incidents_new(const char *dir, struct incidents **ret, char *err, size_t errlen) {
        struct incidents *in = calloc(1, sizeof(*in));
        err[0] = '\0';
        if (!in || history_new(&in->h) < 0) {
                free(in);
                return -ENOMEM;
        }
        snprintf(in->dir, sizeof(in->dir), "%s", dir);
        in->dfd = privdir_open(dir, "control.incident_dir", true, err, errlen);
        if (in->dfd >= 0)
                load(in);
        *ret = in;
        return 0;
}

struct incidents *incidents_free(struct incidents *in) {
        if (!in)
                return NULL;
        if (in->dfd >= 0)
                close(in->dfd);
        history_free(in->h);
        free(in);
        return NULL;
}

struct history *incidents_history(struct incidents *in) {
        return in->h;
}

bool incidents_on_disk(const struct incidents *in) {
        return in->dfd >= 0;
}

void incidents_new_id(struct incidents *in, char ret[HISTORY_ID_LEN + 1]) {
        for (int i = 0; i < 16; i++) {
                uint32_t v;
                if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
                        v = (uint32_t)(realtime_us() * 2654435761u) ^ (uint32_t)i;
                history_make_id(v, ret);
                if (!history_find(in->h, ret))
                        return;
        }
}

/* Written beside, then renamed over: a record is whole or absent, never half. */
void incidents_save(struct incidents *in, const struct history_entry *e) {
        if (in->dfd < 0)
                return;
        cJSON *j = history_to_json(e, true);
        char *text = j ? cJSON_PrintUnformatted(j) : NULL;
        cJSON_Delete(j);
        char name[HISTORY_ID_LEN + 8], tmp[HISTORY_ID_LEN + 16];
        file_name(e->d.id, name);
        snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
        int r = -ENOMEM;
        if (text) {
                int fd = openat(in->dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
                size_t len = strlen(text);
                r = fd < 0 ? -errno : 0;
                if (fd >= 0) {
                        text[len] = '\n';
                        if (write(fd, text, len + 1) != (ssize_t)(len + 1))
                                r = errno ? -errno : -ENOSPC;
                        if (close(fd) < 0 && r == 0)
                                r = -errno;
                }
                if (r == 0 && renameat(in->dfd, tmp, in->dfd, name) < 0)
                        r = -errno;
                if (r < 0)
                        (void)unlinkat(in->dfd, tmp, 0);
        }
        free(text);
        if (r < 0 && in->write_failed++ == 0)
                log_warning("Failed to write incident record %s/%s: %s; the incident is kept in memory (further "
                            "failures are not logged)", in->dir, name, strerror(-r));
}

void incidents_record(struct incidents *in, const struct detection *d, const struct history_member *m, uint32_t n,
                      uint32_t more) {
        struct history_entry e = { .d = *d, .t_us = realtime_us(), .members = (struct history_member *)m,
                                   .n_members = n, .more_members = more };
        char dropped[HISTORY_ID_LEN + 1];
        if (history_add(in->h, &e, dropped) < 0) {
                log_warning("Failed to keep incident %s: out of memory", d->id);
                return;
        }
        if (dropped[0] && in->dfd >= 0) {
                char name[HISTORY_ID_LEN + 8];
                file_name(dropped, name);
                (void)unlinkat(in->dfd, name, 0);
        }
        incidents_save(in, history_find(in->h, d->id));
}
