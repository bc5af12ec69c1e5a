/* proc — what /proc says about a process. The proc directory is a parameter so tests can point
 * it at a fake tree. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROC_COMM_MAX 64
#define PROC_PATH_MAX 512

struct proc_info {
        pid_t pid, ppid, pgrp, sid;
        char state;                 /* stat field 3: R, S, D, T, Z, X … */
        uid_t uid;                  /* the owner of /proc/PID (the effective uid) */
        int tty;                    /* controlling terminal (stat field 7), 0 when none */
        uint64_t start_time;        /* field 22 of stat: clock ticks after boot; identity with pid */
        bool kthread;               /* PF_KTHREAD, or a child of kthreadd */
        char comm[PROC_COMM_MAX];
        char exe[PROC_PATH_MAX];    /* "" when unreadable (kernel thread, exited, no permission) */
        dev_t exe_dev;              /* the executable's identity (stat of /proc/PID/exe): a path */
        ino_t exe_ino;              /* string can be faked in another mount namespace, this cannot */
        char cgroup[PROC_PATH_MAX]; /* the unified (v2) path, "" when none */
};

/* Fields of /proc/PID/stat only, and the uid (cheap). -ESRCH when gone, -EINVAL when unparsable. */
int proc_read_stat(const char *procdir, pid_t pid, struct proc_info *ret);
/* Parse the text of a stat file (exposed for tests). */
int proc_parse_stat(const char *text, struct proc_info *ret);
/* stat + exe + cgroup. */
int proc_read(const char *procdir, pid_t pid, struct proc_info *ret);
/* The filesystem uid (4th "Uid:" field of /proc/PID/status): whom the process acts as on files
 * right now; a server switches it per client request (smbd's become_user). */
int proc_fsuid(const char *procdir, pid_t pid, uid_t *ret);
/* The process (thread group) of thread tid, from its status ("Tgid:"). */
int proc_tgid(const char *procdir, pid_t tid, pid_t *ret);
int proc_parse_status_tgid(const char *text, pid_t *ret);
/* The real uid (1st "Uid:" field): whom the process really runs as (not faked by making itself
 * non-dumpable, which turns /proc/PID's owner into root). */
int proc_ruid(const char *procdir, pid_t pid, uid_t *ret);
/* Parse the "Uid:" line of a status text (exposed for tests). -EINVAL when absent or malformed. */
int proc_parse_status_fsuid(const char *text, uid_t *ret);
/* Any of the four "Uid:" fields (0 real, 1 effective, 2 saved, 3 filesystem). */
int proc_parse_status_uid(const char *text, int field, uid_t *ret);
/* Command line with NULs turned into spaces and non-printable bytes escaped as \xHH. */
int proc_cmdline(const char *procdir, pid_t pid, char *buf, size_t len);
/* All live descendants of pid (not pid itself), by scanning procdir/[0-9]*. Caller frees *ret. */
int proc_descendants(const char *procdir, pid_t pid, pid_t **ret, size_t *ret_n);
/* Is `anc` pid an ancestor of (or equal to) pid? Walks ppid links, at most 4096 steps. */
bool proc_is_ancestor(const char *procdir, pid_t anc, pid_t pid);
/* Is the process running: not gone, not a zombie? */
bool proc_alive(const char *procdir, pid_t pid);

/* The mount point (5th field) of one /proc/PID/mountinfo line, its octal escapes (\040 …)
 * decoded. -EINVAL for a malformed line, -ENAMETOOLONG when it does not fit. */
int proc_parse_mountinfo_line(const char *line, char *buf, size_t len);
/* ... and its 4th field: the directory of the filesystem mounted there ("/": the whole of it). */
int proc_parse_mountinfo_root(const char *line, char *buf, size_t len);

/* One line of /proc/PID/net/tcp or tcp6. -EINVAL for the header or a malformed line. */
struct proc_tcp {
        uint8_t state;      /* 0x01 established, 0x0a listening, … */
        uint64_t inode;
        bool v6;
        uint8_t raddr[16];  /* the remote address, network order (IPv4: first 4 bytes) */
        uint16_t lport, rport;
};
#define PROC_TCP_ESTABLISHED 0x01
#define PROC_TCP_LISTEN 0x0a
int proc_parse_tcp_line(const char *line, bool v6, struct proc_tcp *ret);
/* The remote address as text ("192.0.2.7", "2001:db8::1"; an IPv4-mapped one as IPv4). */
void proc_tcp_addr(const struct proc_tcp *t, char *buf, size_t len);

/* The TCP sockets a process holds (found in its own network namespace, /proc/PID/net, which
 * also works from a daemon in a private one): how many listen, how many are connected, and the
 * first connected one. listening_only: stop after the listening sockets, which the kernel lists
 * first (then connected ones are not counted). The table is read only as far as needed. */
#define PROC_LISTEN_PORTS 8
struct proc_conn {
        unsigned listening, established;
        struct proc_tcp first;      /* the first connected one (of the wanted ports, see below) */
        uint16_t ports[PROC_LISTEN_PORTS]; /* the local ports it listens on (the first few) */
        unsigned n_ports;
};
int proc_tcp_of(const char *procdir, pid_t pid, bool listening_only, struct proc_conn *ret);
/* As proc_tcp_of, but `first` is the first connected socket whose local port is one of ports:
 * a worker's accepted connection, not its own outgoing ones (to a domain controller, LDAP). */
int proc_tcp_accepted(const char *procdir, pid_t pid, const uint16_t *ports, unsigned n, struct proc_conn *ret);
/* The inodes of the sockets a process holds (at most max), from its fd links: cheap, unlike
 * proc_tcp_of (reading net/tcp walks the kernel's whole connection hash: ~5 ms here). */
int proc_socket_inodes(const char *procdir, pid_t pid, uint64_t *inos, size_t max, size_t *ret_n);
/* Which of those are Unix sockets (from its net/unix, a small table): ret_unix[i] for inos[i]. */
int proc_unix_sockets(const char *procdir, pid_t pid, const uint64_t *inos, size_t n, bool *ret_unix);

/* What a process holds open. proc_holds: 2 when pid holds path open for writing, 1 read-only
 * (only asked for with !writers_only), 0 not at all, -ESRCH when the process is gone. path must
 * be the name the kernel shows in /proc/PID/fd (canonical). */
int proc_holds(const char *procdir, pid_t pid, const char *path, bool writers_only);

/* What an open in progress may do to its file, read while the opener waits in open() for a
 * permission answer (/proc/PID/syscall: the syscall number and its arguments). */
enum proc_open_mode {
        PROC_OPEN_UNKNOWN, /* not in an open we can read (another thread, openat2, io_uring) */
        PROC_OPEN_READ,    /* O_RDONLY without O_TRUNC */
        PROC_OPEN_WRITE,   /* O_WRONLY, O_RDWR, O_TRUNC, or creat() */
};
/* From the text of /proc/TID/syscall (this machine's syscall numbers). */
enum proc_open_mode proc_parse_syscall_open(const char *text);
/* For pid, whichever of its threads is opening: WRITE when any thread is in a write-capable
 * open, READ only when every thread in an open reads (and at most PROC_OPEN_THREADS threads
 * besides the main one were looked at), else UNKNOWN. A main thread caught "running" (a
 * waiting opener woken by another's answer) is read again for up to 770 µs. */
#define PROC_OPEN_THREADS 64
enum proc_open_mode proc_open_mode(const char *procdir, pid_t pid);
/* A thread stopped at a pre-content event (before a read, write or truncate of a file's
 * content; the event does not say which): READ when its syscall only reads (read, pread,
 * readv, preadv, fadvise, a private mmap), or reads *ret_in_fd and writes *ret_out_fd (>= 0:
 * a read only if the file is the first and not the second: sendfile, splice,
 * copy_file_range); WRITE for any other (truncate(2) by path, write, fallocate, a MAP_SHARED
 * mmap); UNKNOWN when it cannot be read. */
enum proc_open_mode proc_parse_syscall_access(const char *text, int *ret_in_fd, int *ret_out_fd);
/* The same for thread tid now; file_link: a link naming the event's file ("/proc/self/fd/N"),
 * compared as a link with the thread's fds (no stat: nothing waits on the file's filesystem).
 * Never sleeps: "running" (woken with the group's wait queue) is read again after a yield. */
enum proc_open_mode proc_access_mode(const char *procdir, pid_t tid, const char *file_link);
/* Every process but skip: the first that holds path open for writing, else the first reader,
 * else 0. A full scan: costly (every fd link of every process). */
pid_t proc_find_holder(const char *procdir, const char *path, pid_t skip);
