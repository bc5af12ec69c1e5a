/* attr — the pure parts of attributing inotify events to processes (daemon/inot.c does the /proc
 * reading): the fdinfo "flags:" parser, the list of recently attributed writers, the log of recent
 * attributions used for events without an fd (unlink, rename), and the budget of full /proc scans. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The octal "flags:" line of a /proc/PID/fdinfo/FD text. -ENOENT when there is no such line,
 * -EINVAL when its value is not an octal number that fits. */
int attr_parse_fdinfo_flags(const char *text, unsigned *ret_flags);
/* Was the file opened for writing (access mode O_WRONLY or O_RDWR)? */
bool attr_flags_writable(unsigned flags);
/* A /proc entry name that is a pid: digits only, > 0, fits pid_t. -EINVAL otherwise. */
int attr_parse_pid(const char *name, pid_t *ret_pid);
/* Hash of the directory part of a path: everything before its last '/' (any other bytes allowed). */
uint64_t attr_dir_hash(const char *path);

/* Recently attributed writers, most recent first: their fds are checked before a full scan. */
#define ATTR_MRU_SIZE 16
struct attr_mru {
        pid_t pid[ATTR_MRU_SIZE];
        uint64_t usec[ATTR_MRU_SIZE]; /* when each was last attributed */
        size_t n;
};
void attr_mru_touch(struct attr_mru *m, pid_t pid, uint64_t now_usec);
void attr_mru_forget(struct attr_mru *m, pid_t pid);

/* Distinct (pid, directory) attributions with their latest time; the oldest is replaced when full. */
#define ATTR_LOG_SIZE 64
struct attr_log_entry {
        pid_t pid;
        uint64_t dir; /* attr_dir_hash() of the attributed path */
        uint64_t usec;
};
struct attr_log {
        struct attr_log_entry e[ATTR_LOG_SIZE];
        size_t n;
};
void attr_log_add(struct attr_log *l, pid_t pid, uint64_t dir, uint64_t now_usec);
void attr_log_forget(struct attr_log *l, pid_t pid);
/* The writer to blame for a name event in dir: the only pid attributed in that directory within
 * window_usec before now, else the only pid attributed anywhere within the window, else 0.
 * The caller forgets processes that have exited first: they cannot have done it. */
pid_t attr_log_pick(const struct attr_log *l, uint64_t dir, uint64_t now_usec, uint64_t window_usec);

/* The cost of /proc work, per one-second window: at most `limit` full scans, and at most
 * `limit_usec` of time spent on all of it (0: no time cap). A full scan reads every process's fd
 * links (7 ms here with 117 processes and 571 fds), so a count alone does not bound the cost. */
struct attr_budget {
        uint64_t window_start;
        unsigned used, limit;
        uint64_t spent_usec, limit_usec;
};
/* May a full scan start now? Counted when it may. */
bool attr_budget_take(struct attr_budget *b, uint64_t now_usec);
/* Is there time left in this window for cheaper /proc work (checking known writers)? */
bool attr_budget_time_left(struct attr_budget *b, uint64_t now_usec);
/* Account usec of /proc work, done at now_usec. */
void attr_budget_spend(struct attr_budget *b, uint64_t now_usec, uint64_t usec);
