/* source — what an event source (fanotify or inotify) reports to the manager. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum src_kind {
        SRC_OPEN,     /* a file is being opened; fd reads its content before any write (perm) */
        SRC_WRITTEN,  /* a file was closed after writing; fd (or path) gives its content */
        SRC_CREATED,  /* a name appeared (path) */
        SRC_DELETED,  /* a name was unlinked (path) */
        SRC_RENAMED,  /* path → path2 */
        SRC_OVERFLOW, /* the kernel queue overflowed: events were lost */
};

struct src_event {
        enum src_kind kind;
        pid_t pid;        /* 0 when unknown (inotify without attribution) */
        int pidfd;        /* -1 when none; owned by the source, valid during the call */
        int fd;           /* -1 when none; owned by the source, valid during the call */
        const char *path; /* absolute; may be NULL for SRC_OVERFLOW */
        const char *path2;
        bool is_dir;
        bool pid_guessed; /* inotify: the pid is a guess (the only recent writer nearby) */
        bool gone;        /* the process exited before the event was read (FAN_NOPIDFD) */
        bool outside;     /* SRC_WRITTEN outside the protected paths (or path unknown): judged
                           * only when the file's inode is already known */
};

/* Returns 0 to allow, -EPERM to deny an SRC_OPEN (ignored for other kinds). Must not block. */
typedef int (*src_handler_t)(void *userdata, const struct src_event *ev);

/* Is path equal to or below one of roots (NULL-terminated)? */
bool src_path_protected(char *const *roots, const char *path);
