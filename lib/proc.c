/* proc — /proc parsing. Everything tolerates processes vanishing between two reads. */
#include "proc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "util.h"

#define PF_KTHREAD 0x00200000

/* Read a small file whole into buf (NUL-terminated); *ret_uid, when given, gets its owner. */
static ssize_t read_file_uid(const char *path, char *buf, size_t len, uid_t *ret_uid) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (ret_uid) {
                struct stat st;
                if (fstat(fd, &st) < 0) {
                        int e = -errno;
                        close(fd);
                        return e;
                }
                *ret_uid = st.st_uid;
        }
        size_t n = 0;
        while (n + 1 < len) {
                ssize_t k = read(fd, buf + n, len - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int e = -errno;
                        close(fd);
                        return e;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        close(fd);
        buf[n] = '\0';
        return (ssize_t)n;
}

static ssize_t read_file(const char *path, char *buf, size_t len) {
        return read_file_uid(path, buf, len, NULL);
}

int proc_parse_stat(const char *text, struct proc_info *ret) {
        const char *open_p = strchr(text, '(');
        const char *close_p = strrchr(text, ')');
        if (!open_p || !close_p || close_p < open_p || close_p[1] != ' ')
                return -EINVAL;
        struct proc_info pi = { 0 };
        pi.pid = (pid_t)strtol(text, NULL, 10);
        size_t cl = (size_t)(close_p - open_p - 1);
        if (cl >= sizeof(pi.comm))
                cl = sizeof(pi.comm) - 1;
        memcpy(pi.comm, open_p + 1, cl);
        pi.comm[cl] = '\0';

        /* After ") ": field 3 state, 4 ppid, 5 pgrp, 6 session, … 9 flags, … 22 starttime. */
        const char *p = close_p + 2;
        pi.state = *p;
        unsigned long long f[23] = { 0 };
        int field = 3;
        while (*p && field <= 22) {
                while (*p == ' ')
                        p++;
                if (!*p)
                        break;
                if (field > 3) {
                        char *end;
                        errno = 0;
                        long long v = strtoll(p, &end, 10);
                        if (end == p || errno)
                                return -EINVAL;
                        f[field] = (unsigned long long)v;
                        p = end;
                } else
                        while (*p && *p != ' ')
                                p++;
                field++;
        }
        if (field <= 22 || pi.pid <= 0)
                return -EINVAL;
        pi.ppid = (pid_t)f[4];
        pi.pgrp = (pid_t)f[5];
        pi.sid = (pid_t)f[6];
        pi.tty = (int)f[7];
        pi.kthread = (f[9] & PF_KTHREAD) || pi.pid == 2 || pi.ppid == 2;
        pi.start_time = f[22];
        *ret = pi;
        return 0;
}

int proc_read_stat(const char *procdir, pid_t pid, struct proc_info *ret) {
        char path[256], buf[1024];
        if (pid <= 0)
                return -EINVAL;
        snprintf(path, sizeof(path), "%s/%d/stat", procdir, (int)pid);
        uid_t uid = (uid_t)-1;
        ssize_t n = read_file_uid(path, buf, sizeof(buf), &uid);
        if (n < 0)
                return n == -ENOENT ? -ESRCH : (int)n;
        int r = proc_parse_stat(buf, ret);
        if (r == 0 && ret->pid != pid)
                return -EINVAL;
        if (r == 0)
                ret->uid = uid;
        return r;
}

int proc_parse_status_fsuid(const char *text, uid_t *ret) {
        return proc_parse_status_uid(text, 3, ret);
}

int proc_parse_status_uid(const char *text, int field, uid_t *ret) {
        const char *p = strstr(text, "\nUid:");
        p = p ? p + 5 : (strncmp(text, "Uid:", 4) == 0 ? text + 4 : NULL);
        if (!p)
                return -EINVAL;
        unsigned long v[4];
        for (int i = 0; i < 4; i++) {
                char *end;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                errno = 0;
                v[i] = strtoul(p, &end, 10);
                if (errno || v[i] >= (uid_t)-1 || (*end != ' ' && *end != '\t' && *end != '\n' && *end))
                        return -EINVAL;
                p = end;
        }
        if (field < 0 || field > 3)
                return -EINVAL;
        *ret = (uid_t)v[field];
        return 0;
}

static int status_uid(const char *procdir, pid_t pid, int field, uid_t *ret) {
        char path[256], buf[4096];
        if (pid <= 0)
                return -EINVAL;
        snprintf(path, sizeof(path), "%s/%d/status", procdir, (int)pid);
        ssize_t n = read_file_uid(path, buf, sizeof(buf), NULL);
        if (n < 0)
                return n == -ENOENT ? -ESRCH : (int)n;
        return proc_parse_status_uid(buf, field, ret);
}

int proc_ruid(const char *procdir, pid_t pid, uid_t *ret) {
        return status_uid(procdir, pid, 0, ret);
}

int proc_fsuid(const char *procdir, pid_t pid, uid_t *ret) {
        return status_uid(procdir, pid, 3, ret);
}

int proc_parse_status_tgid(const char *text, pid_t *ret) {
        const char *p = strstr(text, "\nTgid:");
        p = p ? p + 6 : (strncmp(text, "Tgid:", 5) == 0 ? text + 5 : NULL);
        if (!p)
                return -EINVAL;
        while (*p == ' ' || *p == '\t')
                p++;
        if (*p < '1' || *p > '9')
                return -EINVAL;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || v <= 0 || v > INT_MAX || (*end != '\n' && *end))
                return -EINVAL;
        *ret = (pid_t)v;
        return 0;
}

int proc_tgid(const char *procdir, pid_t tid, pid_t *ret) {
        char path[256], buf[4096];
        if (tid <= 0)
                return -EINVAL;
        snprintf(path, sizeof(path), "%s/%d/status", procdir, (int)tid);
        ssize_t n = read_file_uid(path, buf, sizeof(buf), NULL);
        if (n < 0)
                return n == -ENOENT ? -ESRCH : (int)n;
        return proc_parse_status_tgid(buf, ret);
}


int proc_read(const char *procdir, pid_t pid, struct proc_info *ret) {
        char path[256], buf[4096];
        int r = proc_read_stat(procdir, pid, ret);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "%s/%d/exe", procdir, (int)pid);
        ssize_t n = readlink(path, ret->exe, sizeof(ret->exe) - 1);
        ret->exe[n > 0 ? n : 0] = '\0';
        struct stat st;
        if (stat(path, &st) == 0) {
                ret->exe_dev = st.st_dev;
                ret->exe_ino = st.st_ino;
        }

        snprintf(path, sizeof(path), "%s/%d/cgroup", procdir, (int)pid);
        ret->cgroup[0] = '\0';
        if (read_file(path, buf, sizeof(buf)) > 0) {
                /* The v2 line is "0::/path"; on hybrid hosts the v1 name=systemd line is the
                 * next best name for the unit. */
                for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                        if (strncmp(line, "0::", 3) == 0) {
                                snprintf(ret->cgroup, sizeof(ret->cgroup), "%s", line + 3);
                                break;
                        }
                        char *s = strstr(line, ":name=systemd:");
                        if (s && !ret->cgroup[0])
                                snprintf(ret->cgroup, sizeof(ret->cgroup), "%s", s + 14);
                }
        }
        return 0;
}

int proc_cmdline(const char *procdir, pid_t pid, char *buf, size_t len) {
        char path[256], raw[2048];
        if (len == 0)
                return -EINVAL;
        snprintf(path, sizeof(path), "%s/%d/cmdline", procdir, (int)pid);
        ssize_t n = read_file(path, raw, sizeof(raw));
        if (n < 0) {
                buf[0] = '\0';
                return (int)n;
        }
        while (n > 0 && raw[n - 1] == '\0')
                n--;
        for (ssize_t i = 0; i < n; i++)
                if (raw[i] == '\0')
                        raw[i] = ' ';
        raw[n > 0 ? n : 0] = '\0';
        util_escape(buf, len, raw);
        return 0;
}

struct edge {
        pid_t ppid, pid;
};

static int edge_cmp(const void *a, const void *b) {
        const struct edge *x = a, *y = b;
        return x->ppid < y->ppid ? -1 : x->ppid > y->ppid ? 1 : (x->pid > y->pid) - (x->pid < y->pid);
}

/* First edge whose ppid is p (edges sorted by ppid), or n. */
static size_t first_child(const struct edge *e, size_t n, pid_t p) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (e[mid].ppid < p)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int proc_descendants(const char *procdir, pid_t pid, pid_t **ret, size_t *ret_n) {
        DIR *d = opendir(procdir);
        if (!d)
                return -errno;
        size_t n = 0, cap = 0;
        struct edge *e = NULL;
        pid_t *res = NULL;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                /* Whole decimal names only: "12abc" would read 12 again and list it twice. */
                char *end;
                errno = 0;
                long v = strtol(de->d_name, &end, 10);
                if (!isdigit((unsigned char)de->d_name[0]) || *end || errno || v <= 0 || v != (pid_t)v)
                        continue;
                struct proc_info pi;
                if (proc_read_stat(procdir, (pid_t)v, &pi) < 0)
                        continue;
                if (n == cap) {
                        cap = cap ? cap * 2 : 256;
                        struct edge *ne = realloc(e, cap * sizeof(*e));
                        if (!ne) {
                                r = -ENOMEM;
                                goto out;
                        }
                        e = ne;
                }
                e[n++] = (struct edge){ .ppid = pi.ppid, .pid = pi.pid };
        }
        /* Breadth-first from pid over the edges sorted by parent: O(n log n) however many
         * processes an attacker spawns; the queue never exceeds n entries. */
        qsort(e, n, sizeof(*e), edge_cmp);
        res = malloc((n ? n : 1) * sizeof(pid_t));
        if (!res) {
                r = -ENOMEM;
                goto out;
        }
        size_t m = 0;
        for (size_t head = 0, first = 1; first || head < m; first = 0) {
                pid_t p = first ? pid : res[head++];
                for (size_t k = first_child(e, n, p); k < n && e[k].ppid == p; k++) {
                        /* Every pid has one parent edge, so it is reached at most once. */
                        if (e[k].pid != pid && m < n)
                                res[m++] = e[k].pid;
                }
        }
        *ret = res;
        *ret_n = m;
        res = NULL;
out:
        closedir(d);
        free(e);
        free(res);
        return r;
}

bool proc_is_ancestor(const char *procdir, pid_t anc, pid_t pid) {
        for (int i = 0; i < 4096 && pid > 0; i++) {
                if (pid == anc)
                        return true;
                struct proc_info pi;
                if (proc_read_stat(procdir, pid, &pi) < 0)
                        return false;
                pid = pi.ppid;
        }
        return false;
}

bool proc_alive(const char *procdir, pid_t pid) {
        struct proc_info pi;
        return proc_read_stat(procdir, pid, &pi) == 0 && pi.state != 'Z' && pi.state != 'X' && pi.state != 'x';
}

/* Is the fd (a name in procdir/pid/fd) open for writing? 1 yes, 0 no, -errno when unknown. */
static int fd_writable(const char *procdir, pid_t pid, const char *fdname) {
        char p[PATH_MAX], text[1024];
        int n = snprintf(p, sizeof(p), "%s/%d/fdinfo/%s", procdir, (int)pid, fdname);
        if (n < 0 || (size_t)n >= sizeof(p))
                return -ENAMETOOLONG;
        ssize_t k = read_file(p, text, sizeof(text));
        if (k < 0)
                return (int)k;
        unsigned flags;
        int r = attr_parse_fdinfo_flags(text, &flags);
        return r < 0 ? r : attr_flags_writable(flags);
}

int proc_holds(const char *procdir, pid_t pid, const char *path, bool writers_only) {
        char p[PATH_MAX], link[PATH_MAX];
        size_t path_len = strlen(path);
        int n = snprintf(p, sizeof(p), "%s/%d/fd", procdir, (int)pid);
        if (n < 0 || (size_t)n >= sizeof(p))
                return 0;
        int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? -ESRCH : 0;
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return 0;
        }
        int found = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                ssize_t k = readlinkat(dirfd(d), de->d_name, link, sizeof(link));
                if (k < 0 || (size_t)k != path_len || memcmp(link, path, path_len) != 0)
                        continue;
                if (fd_writable(procdir, pid, de->d_name) > 0) {
                        found = 2;
                        break;
                }
                if (!writers_only)
                        found = 1;
        }
        closedir(d);
        return found;
}

pid_t proc_find_holder(const char *procdir, const char *path, pid_t skip) {
        DIR *d = opendir(procdir);
        if (!d)
                return 0;
        pid_t reader = 0, writer = 0;
        struct dirent *de;
        while (!writer && (de = readdir(d))) {
                pid_t pid;
                if (attr_parse_pid(de->d_name, &pid) < 0 || pid == skip)
                        continue;
                int r = proc_holds(procdir, pid, path, reader != 0);
                if (r == 2)
                        writer = pid;
                else if (r == 1 && !reader)
                        reader = pid;
        }
        closedir(d);
        return writer ? writer : reader;
}

/* Field `want` (4: root within the filesystem, 5: mount point) of a mountinfo line, unescaped. */
static int mountinfo_field(const char *line, int want, char *buf, size_t len) {
        const char *p = line;
        for (int field = 1; field < want; field++) {
                while (*p && *p != ' ' && *p != '\n')
                        p++;
                if (*p != ' ')
                        return -EINVAL;
                p++;
        }
        if (*p != '/')
                return -EINVAL;
        size_t o = 0;
        for (; *p && *p != ' ' && *p != '\n'; p++) {
                char c = *p;
                if (c == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
                        c = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
                        p += 3;
                }
                if (c == '\0' || o + 1 >= len)
                        return c == '\0' ? -EINVAL : -ENAMETOOLONG;
                buf[o++] = c;
        }
        buf[o] = '\0';
        return 0;
}

int proc_parse_mountinfo_line(const char *line, char *buf, size_t len) {
        return mountinfo_field(line, 5, buf, len);
}

int proc_parse_mountinfo_root(const char *line, char *buf, size_t len) {
        return mountinfo_field(line, 4, buf, len);
}

static int hexval(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "0100007F:1F90": the address as the kernel prints it (32-bit words in host order, here little
 * endian), then the port. */
static int parse_endpoint(const char **pp, bool v6, uint8_t addr[16], uint16_t *port) {
        const char *p = *pp;
        unsigned words = v6 ? 4 : 1;
        memset(addr, 0, 16);
        for (unsigned w = 0; w < words; w++) {
                uint32_t v = 0;
                for (int i = 0; i < 8; i++) {
                        int h = hexval(*p++);
                        if (h < 0)
                                return -EINVAL;
                        v = (v << 4) | (uint32_t)h;
                }
                memcpy(addr + 4 * w, &v, 4); /* the kernel printed the host-order word */
        }
        if (*p++ != ':')
                return -EINVAL;
        uint32_t port_v = 0;
        for (int i = 0; i < 4; i++) {
                int h = hexval(*p++);
                if (h < 0)
                        return -EINVAL;
                port_v = (port_v << 4) | (uint32_t)h;
        }
        *port = (uint16_t)port_v;
        *pp = p;
        return 0;
}

int proc_parse_tcp_line(const char *line, bool v6, struct proc_tcp *ret) {
        struct proc_tcp t = { .v6 = v6 };
        uint8_t laddr[16];
        const char *p = line;
        while (*p == ' ')
                p++;
        while (*p >= '0' && *p <= '9')
                p++;
        if (p == line || *p++ != ':')
                return -EINVAL;
        while (*p == ' ')
                p++;
        if (parse_endpoint(&p, v6, laddr, &t.lport) < 0 || *p++ != ' ' ||
            parse_endpoint(&p, v6, t.raddr, &t.rport) < 0 || *p++ != ' ')
                return -EINVAL;
        int h1 = hexval(p[0]), h2 = h1 < 0 ? -1 : hexval(p[1]); /* never past the end */
        if (h1 < 0 || h2 < 0 || p[2] != ' ')
                return -EINVAL;
        t.state = (uint8_t)(h1 << 4 | h2);
        p += 2;
        /* tx:rx, tr:when, retrnsmt, uid, timeout, then the inode. */
        for (int field = 0; field < 5; field++) {
                while (*p == ' ')
                        p++;
                if (!*p)
                        return -EINVAL;
                while (*p && *p != ' ')
                        p++;
        }
        while (*p == ' ')
                p++;
        char *end;
        errno = 0;
        unsigned long long ino = strtoull(p, &end, 10);
        if (end == p || errno || (*end && *end != ' ' && *end != '\n'))
                return -EINVAL;
        t.inode = ino;
        *ret = t;
        return 0;
}

void proc_tcp_addr(const struct proc_tcp *t, char *buf, size_t len) {
        static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (!t->v6)
                (void)inet_ntop(AF_INET, t->raddr, buf, (socklen_t)len);
        else if (memcmp(t->raddr, mapped, 12) == 0)
                (void)inet_ntop(AF_INET, t->raddr + 12, buf, (socklen_t)len);
        else
                (void)inet_ntop(AF_INET6, t->raddr, buf, (socklen_t)len);
}

int proc_socket_inodes(const char *procdir, pid_t pid, uint64_t *inos, size_t max, size_t *ret_n) {
        char p[PATH_MAX], link[64];
        size_t n = 0;
        *ret_n = 0;
        snprintf(p, sizeof(p), "%s/%d/fd", procdir, (int)pid);
        DIR *d = opendir(p);
        if (!d)
                return errno == ENOENT ? -ESRCH : -errno;
        struct dirent *de;
        while ((de = readdir(d)) && n < max) {
                ssize_t k = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
                if (k <= 9 || memcmp(link, "socket:[", 8) != 0)
                        continue;
                link[k] = '\0';
                inos[n++] = strtoull(link + 8, NULL, 10);
        }
        closedir(d);
        *ret_n = n;
        return 0;
}

int proc_unix_sockets(const char *procdir, pid_t pid, const uint64_t *inos, size_t n, bool *ret_unix) {
        char p[PATH_MAX], line[512];
        for (size_t i = 0; i < n; i++)
                ret_unix[i] = false;
        snprintf(p, sizeof(p), "%s/%d/net/unix", procdir, (int)pid);
        FILE *in = fopen(p, "re");
        if (!in)
                return errno == ENOENT ? 0 : -errno; /* no table: none of them is a Unix socket */
        /* "Num RefCount Protocol Flags Type St Inode Path": the inode is the 7th field. */
        while (fgets(line, sizeof(line), in)) {
                const char *q = line;
                for (int field = 0; field < 6; field++) {
                        while (*q == ' ')
                                q++;
                        while (*q && *q != ' ')
                                q++;
                }
                char *end;
                unsigned long long ino = strtoull(q, &end, 10);
                if (end == q)
                        continue;
                for (size_t i = 0; i < n; i++)
                        if (inos[i] == ino)
                                ret_unix[i] = true;
                if (!strchr(line, '\n')) /* a long path: skip the rest of the line */
                        while (fgets(line, sizeof(line), in) && !strchr(line, '\n'))
                                ;
        }
        fclose(in);
        return 0;
}

#define SOCKETS_MAX 256

static int tcp_scan(const char *procdir, pid_t pid, bool listening_only, const uint16_t *want, unsigned n_want,
                    struct proc_conn *ret);

int proc_tcp_of(const char *procdir, pid_t pid, bool listening_only, struct proc_conn *ret) {
        return tcp_scan(procdir, pid, listening_only, NULL, 0, ret);
}

int proc_tcp_accepted(const char *procdir, pid_t pid, const uint16_t *ports, unsigned n, struct proc_conn *ret) {
        return tcp_scan(procdir, pid, false, ports, n, ret);
}

static int tcp_scan(const char *procdir, pid_t pid, bool listening_only, const uint16_t *want, unsigned n_want,
                    struct proc_conn *ret) {
        uint64_t inos[SOCKETS_MAX];
        size_t n = 0;
        char p[PATH_MAX];
        *ret = (struct proc_conn){ 0 };
        int r = proc_socket_inodes(procdir, pid, inos, SOCKETS_MAX, &n);
        if (r < 0)
                return r;
        if (n == 0)
                return 0;
        static const char *const files[] = { "tcp", "tcp6" };
        for (int f = 0; f < 2; f++) {
                snprintf(p, sizeof(p), "%s/%d/net/%s", procdir, (int)pid, files[f]);
                FILE *in = fopen(p, "re");
                if (!in)
                        continue;
                char line[512];
                size_t found = 0;
                while (found < n && fgets(line, sizeof(line), in)) {
                        struct proc_tcp t;
                        if (proc_parse_tcp_line(line, f == 1, &t) < 0)
                                continue;
                        /* The kernel lists the listening sockets first: a busy server's
                         * megabytes of connections need not be read to know it listens. */
                        if (listening_only && t.state != PROC_TCP_LISTEN)
                                break;
                        for (size_t i = 0; i < n; i++)
                                if (inos[i] == t.inode && t.inode) {
                                        found++;
                                        if (t.state == PROC_TCP_LISTEN) {
                                                if (ret->n_ports < PROC_LISTEN_PORTS)
                                                        ret->ports[ret->n_ports++] = t.lport;
                                                ret->listening++;
                                        } else if (t.state == PROC_TCP_ESTABLISHED) {
                                                bool wanted = !want;
                                                for (unsigned w = 0; want && w < n_want && !wanted; w++)
                                                        wanted = want[w] == t.lport;
                                                if (wanted && ret->established++ == 0)
                                                        ret->first = t;
                                        }
                                        break;
                                }
                }
                fclose(in);
                if (found == n || (listening_only && ret->listening))
                        break;
        }
        return 0;
}

/* ---- the flags of an open in progress ---- */

#if defined(__x86_64__)
#define SYS_OPEN_NR 2
#define SYS_CREAT_NR 85
#define SYS_OPENAT_NR 257
#elif defined(__aarch64__)
#define SYS_OPEN_NR -1
#define SYS_CREAT_NR -1
#define SYS_OPENAT_NR 56
#else
#define SYS_OPEN_NR -1
#define SYS_CREAT_NR -1
#define SYS_OPENAT_NR -1
#endif

enum proc_open_mode proc_parse_syscall_open(const char *text) {
        /* "257 0xffffff9c 0x7ffd... 0x2 0x0 ..." ("running" or "-1 ..." outside a syscall) */
        char *end;
        errno = 0;
        long nr = strtol(text, &end, 10);
        if (errno || end == text || *end != ' ' || nr < 0)
                return PROC_OPEN_UNKNOWN;
        if (nr == SYS_CREAT_NR)
                return PROC_OPEN_WRITE;
        int arg = nr == SYS_OPENAT_NR ? 3 : nr == SYS_OPEN_NR ? 2 : 0;
        if (!arg)
                return PROC_OPEN_UNKNOWN;
        const char *q = end;
        unsigned long long v = 0;
        for (int i = 1; i <= arg; i++) {
                while (*q == ' ')
                        q++;
                if (strncmp(q, "0x", 2) != 0)
                        return PROC_OPEN_UNKNOWN;
                errno = 0;
                v = strtoull(q + 2, &end, 16);
                if (errno || end == q + 2)
                        return PROC_OPEN_UNKNOWN;
                q = end;
        }
        return (v & O_ACCMODE) == O_RDONLY && !(v & O_TRUNC) ? PROC_OPEN_READ : PROC_OPEN_WRITE;
}

static enum proc_open_mode syscall_of(const char *path, bool *running) {
        char buf[256];
        ssize_t n = read_file(path, buf, sizeof(buf));
        if (running)
                *running = n > 0 && strncmp(buf, "running", 7) == 0;
        return n > 0 ? proc_parse_syscall_open(buf) : PROC_OPEN_UNKNOWN;
}

static enum proc_open_mode open_mode_once(const char *procdir, pid_t pid, bool *running) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%d/syscall", procdir, (int)pid);
        enum proc_open_mode m = syscall_of(path, running);
        if (m == PROC_OPEN_WRITE)
                return m;
        /* Every other thread too: the one that opens may be any of them, and a main thread
         * parked in a read-only open must not vouch for a worker thread's write. */
        snprintf(path, sizeof(path), "%s/%d/task", procdir, (int)pid);
        DIR *d = opendir(path);
        if (!d)
                return PROC_OPEN_UNKNOWN;
        bool any_read = m == PROC_OPEN_READ, cut = false;
        unsigned seen = 0;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] < '1' || de->d_name[0] > '9' || atoi(de->d_name) == (int)pid)
                        continue;
                if (++seen > PROC_OPEN_THREADS) {
                        cut = true;
                        break;
                }
                snprintf(path, sizeof(path), "%s/%d/task/%s/syscall", procdir, (int)pid, de->d_name);
                enum proc_open_mode t = syscall_of(path, NULL);
                if (t == PROC_OPEN_WRITE) {
                        closedir(d);
                        return PROC_OPEN_WRITE;
                }
                any_read = any_read || t == PROC_OPEN_READ;
        }
        closedir(d);
        if (any_read)
                *running = false;
        return any_read && !cut ? PROC_OPEN_READ : PROC_OPEN_UNKNOWN;
}

typedef enum proc_open_mode (*read_once_t)(const char *procdir, pid_t pid, bool *running);

/* A thread waiting for a permission answer sleeps in the group's wait queue, which every answer
 * wakes whole: caught just then it reads "running" for a few µs. Read again after a yield and
 * short pauses (770 µs in all) rather than take a reader for a writer (seen: 21 of rsync's 235
 * source opens at the first read, each read back in an open a moment later). */
static enum proc_open_mode settled(read_once_t once, const char *procdir, pid_t pid) {
        static const unsigned pause_us[] = { 0 /* a yield */, 20, 50, 100, 200, 400 };
        for (size_t i = 0;; i++) {
                bool running = false;
                enum proc_open_mode m = once(procdir, pid, &running);
                if (m != PROC_OPEN_UNKNOWN || !running || i == sizeof(pause_us) / sizeof(pause_us[0]))
                        return m;
                if (!pause_us[i])
                        sched_yield();
                else
                        nanosleep(&(struct timespec){ 0, (long)pause_us[i] * 1000 }, NULL);
        }
}

enum proc_open_mode proc_open_mode(const char *procdir, pid_t pid) {
        return settled(open_mode_once, procdir, pid);
}

/* ---- what a thread stopped before a file access does ---- */

/* Syscalls that read a file: read, pread64, readv, preadv, preadv2, fadvise64; mmap (but
 * MAP_SHARED: a write-capable fd's shared map can be made writable later, by mprotect, with
 * no syscall on the file); and those that read one fd and write another, a read only when the
 * file is the fd they read and not the one they write (their indexes among the arguments):
 * sendfile (out, in), splice (in, off, out), copy_file_range (in, off, out). tee moves pipes
 * only. (Not readahead on x86_64: 187 is a 32-bit process's sendfile, which
 * /proc/TID/syscall shows by its own number.) */
struct access_nr {
        int nr;
        int in_arg, out_arg; /* in_arg -1: reads its only file; -2: mmap */
};
#if defined(__x86_64__)
static const struct access_nr read_nrs[] = { { 0, -1, -1 },  { 17, -1, -1 }, { 19, -1, -1 }, { 295, -1, -1 },
                                             { 327, -1, -1 }, { 221, -1, -1 }, { 9, -2, -1 }, { 40, 1, 0 },
                                             { 275, 0, 2 },  { 326, 0, 2 },  { 276, -1, -1 } };
#elif defined(__aarch64__)
static const struct access_nr read_nrs[] = { { 63, -1, -1 }, { 67, -1, -1 }, { 65, -1, -1 }, { 69, -1, -1 },
                                             { 286, -1, -1 }, { 213, -1, -1 }, { 223, -1, -1 }, { 222, -2, -1 },
                                             { 71, 1, 0 },   { 76, 0, 2 },   { 285, 0, 2 },  { 77, -1, -1 } };
#else
static const struct access_nr read_nrs[] = { { -2, -1, -1 } };
#endif

enum proc_open_mode proc_parse_syscall_access(const char *text, int *ret_in_fd, int *ret_out_fd) {
        char *end;
        long long arg[6] = { 0 };
        *ret_in_fd = *ret_out_fd = -1;
        errno = 0;
        long nr = strtol(text, &end, 10);
        if (errno || end == text || *end != ' ' || nr < 0)
                return PROC_OPEN_UNKNOWN;
        const struct access_nr *a = NULL;
        for (size_t i = 0; i < sizeof(read_nrs) / sizeof(read_nrs[0]); i++)
                if (nr == read_nrs[i].nr)
                        a = &read_nrs[i];
        if (!a)
                return PROC_OPEN_WRITE;
        if (a->in_arg == -1)
                return PROC_OPEN_READ;
        for (size_t i = 0; i < 6; i++) {
                const char *p = end;
                errno = 0;
                arg[i] = (long long)strtoull(p, &end, 16);
                if (errno || end == p)
                        return PROC_OPEN_UNKNOWN;
        }
        if (a->in_arg == -2)
                return arg[3] & 0x1 /* MAP_SHARED, MAP_SHARED_VALIDATE */ ? PROC_OPEN_WRITE : PROC_OPEN_READ;
        if (arg[a->in_arg] < 0 || arg[a->in_arg] > INT_MAX || arg[a->out_arg] < 0 || arg[a->out_arg] > INT_MAX)
                return PROC_OPEN_UNKNOWN;
        *ret_in_fd = (int)arg[a->in_arg];
        *ret_out_fd = (int)arg[a->out_arg];
        return PROC_OPEN_READ;
}

/* Is fd of thread tid the file named file_link (both read as links: nothing asks the file's
 * filesystem, which may be one the thread serves itself and never answers)? */
static bool same_file(const char *procdir, pid_t tid, int fd, const char *file_link) {
        char path[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%d/fd/%d", procdir, (int)tid, fd);
        ssize_t n = readlink(path, a, sizeof(a));
        ssize_t m = readlink(file_link, b, sizeof(b));
        return n > 0 && m > 0 && n == m && (size_t)n < sizeof(a) && memcmp(a, b, (size_t)n) == 0;
}

static enum proc_open_mode access_once(const char *procdir, pid_t tid, const char *file_link, bool *running) {
        char path[PATH_MAX], buf[256];
        snprintf(path, sizeof(path), "%s/%d/syscall", procdir, (int)tid);
        ssize_t n = read_file(path, buf, sizeof(buf));
        *running = n > 0 && strncmp(buf, "running", 7) == 0;
        if (n <= 0)
                return PROC_OPEN_UNKNOWN;
        int in_fd, out_fd;
        enum proc_open_mode m = proc_parse_syscall_access(buf, &in_fd, &out_fd);
        if (m != PROC_OPEN_READ || in_fd < 0)
                return m;
        /* It reads one fd and writes another: a read of this file only if the file is the one
         * read and not the one written (anything in doubt is a change). */
        if (!file_link || same_file(procdir, tid, out_fd, file_link))
                return PROC_OPEN_WRITE;
        return same_file(procdir, tid, in_fd, file_link) ? PROC_OPEN_READ : PROC_OPEN_WRITE;
}

/* A thread stopped at a pre-content event is in its syscall until answered; caught "running"
 * (woken with the group's wait queue) it is read again after a yield, twice: this is asked by
 * a thread that answers others meanwhile, so it never sleeps here. */
enum proc_open_mode proc_access_mode(const char *procdir, pid_t tid, const char *file_link) {
        for (int i = 0;; i++) {
                bool running = false;
                enum proc_open_mode m = access_once(procdir, tid, file_link, &running);
                if (m != PROC_OPEN_UNKNOWN || !running || i == 2)
                        return m;
                sched_yield();
        }
}
