/* sim-io — read/write helpers that survive EINTR and short transfers, sleeping, and the
 * progress log. Every log line goes out in one write(2) on an O_APPEND fd, so a SIGKILL between
 * two files never leaves half a line behind and workers can share the file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

ssize_t sim_read_full(int fd, void *buf, size_t len) {
        size_t done = 0;

        while (done < len) {
                ssize_t n = read(fd, (char *) buf + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                done += (size_t) n;
        }
        return (ssize_t) done;
}

ssize_t sim_pread_full(int fd, void *buf, size_t len, off_t off) {
        size_t done = 0;

        while (done < len) {
                ssize_t n = pread(fd, (char *) buf + done, len - done, off + (off_t) done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                done += (size_t) n;
        }
        return (ssize_t) done;
}

int sim_write_full(int fd, const void *buf, size_t len) {
        size_t done = 0;

        while (done < len) {
                ssize_t n = write(fd, (const char *) buf + done, len - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                done += (size_t) n;
        }
        return 0;
}

int sim_pwrite_full(int fd, const void *buf, size_t len, off_t off) {
        size_t done = 0;

        while (done < len) {
                ssize_t n = pwrite(fd, (const char *) buf + done, len - done, off + (off_t) done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                done += (size_t) n;
        }
        return 0;
}

int sim_sleep(double seconds) {
        struct timespec ts, rem;

        if (!(seconds > 0))
                return 0;
        ts.tv_sec = (time_t) seconds;
        ts.tv_nsec = (long) ((seconds - (double) ts.tv_sec) * 1e9);
        if (ts.tv_nsec >= 1000000000L)
                ts.tv_nsec = 999999999L;
        while (nanosleep(&ts, &rem) < 0) {
                if (errno != EINTR)
                        return -errno;
                ts = rem;
        }
        return 0;
}

int sim_sleep_until(const struct timespec *mono) {
        int r;

        /* clock_nanosleep returns the error instead of setting errno. */
        while ((r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, mono, NULL)) == EINTR)
                ;
        return -r;
}

void sim_realtime(long long *ret_sec, long *ret_nsec) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        *ret_sec = (long long) ts.tv_sec;
        *ret_nsec = ts.tv_nsec;
}

int sim_log_open(const char *path, int *ret_fd) {
        int fd;

        if (!path) {
                struct stat st;

                /* stdout: make it append-only if it is a file, so workers and other writers
                 * sharing it never overwrite each other. A pipe or tty needs nothing. */
                if (fstat(STDOUT_FILENO, &st) < 0)
                        return -errno;
                if (S_ISREG(st.st_mode)) {
                        int fl = fcntl(STDOUT_FILENO, F_GETFL);
                        if (fl < 0 || fcntl(STDOUT_FILENO, F_SETFL, fl | O_APPEND) < 0)
                                return -errno;
                }
                *ret_fd = STDOUT_FILENO;
                return 0;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return -errno;
        *ret_fd = fd;
        return 0;
}

int sim_log_printf(int fd, const char *fmt, ...) {
        char line[16384 + 128];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        if ((size_t) n >= sizeof line)
                return -ENAMETOOLONG;
        return sim_write_full(fd, line, (size_t) n);
}

/* Paths go into a space-separated line: escape blanks, control bytes and the backslash. */
static void escape_path(const char *in, char *out, size_t outlen) {
        static const char hex[] = "0123456789abcdef";
        size_t o = 0;

        for (const unsigned char *p = (const unsigned char *) in; *p && o + 5 < outlen; p++) {
                if (*p <= 0x20 || *p == 0x7f || *p == '\\') {
                        out[o++] = '\\';
                        out[o++] = 'x';
                        out[o++] = hex[*p >> 4];
                        out[o++] = hex[*p & 0xf];
                } else
                        out[o++] = (char) *p;
        }
        out[o] = '\0';
}

int sim_log_damage(int fd, const char *path, uint64_t bytes) {
        char esc[16384];
        long long sec;
        long nsec;

        sim_realtime(&sec, &nsec);
        escape_path(path, esc, sizeof esc);
        return sim_log_printf(fd, "%lld.%09ld %ld %s %llu\n", sec, nsec, (long) getpid(), esc,
                              (unsigned long long) bytes);
}

void sim_warn(const char *fmt, ...) {
        char msg[8192];
        va_list ap;
        int saved = errno;

        /* One write per message, so workers' messages do not interleave mid-line. */
        memcpy(msg, "ransomguard-sim: ", 17);
        va_start(ap, fmt);
        errno = saved;
        vsnprintf(msg + 17, sizeof msg - 18, fmt, ap);
        va_end(ap);
        size_t n = strlen(msg);
        msg[n++] = '\n';
        (void) sim_write_full(STDERR_FILENO, msg, n);
        errno = saved;
}
