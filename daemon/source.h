/* source — the one seam between the event sources (fan.c, inot.c) and the pipeline: what they
 * report, in the order it happened as far as the source can tell. A source delivers everything
 * a decision needs before the event that needs it (fan.c reads the name queue before handing
 * over an open), so the pipeline never calls back into a source. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum src_kind {
        SRC_OPEN,     /* a file is being opened; fd reads its content before any write (perm) */
        SRC_WRITTEN,  /* a file was closed after writing; fd (or path) gives its content */
        SRC_MODIFIED, /* a file the pipeline asked to watch (SRC_WATCH) is being written; fd */
        SRC_CREATED,  /* a name appeared (path) */
        SRC_DELETED,  /* a name was unlinked, or moved out of the protected paths (path) */
        SRC_RENAMED,  /* path → path2, both protected */
        SRC_OVERFLOW, /* the kernel queue overflowed: events were lost */
};

struct src_event {
        enum src_kind kind;
        pid_t pid;        /* 0 when unknown (inotify without attribution) */
        int pidfd;        /* -1 when none; owned by the source, valid during the call */
        int fd;           /* -1 when none; owned by the source, valid during the call */
        const char *path; /* absolute; "" when unreadable; SRC_OVERFLOW: what was lost, or NULL */
        const char *path2;
        bool is_dir;
        bool pid_guessed; /* inotify: the pid is a guess (the only recent writer nearby) */
        bool gone;        /* the process exited before the event was read (FAN_NOPIDFD) */
        /* SRC_WRITTEN of a file that is not under a protected path (a filesystem mark sees every
         * close-write of the filesystem), or whose name could not be read: the pipeline judges it
         * only when it knows the file by identity — a protected file moved or linked out to be
         * changed elsewhere — and never keeps that name. */
        bool elsewhere;
        /* SRC_OPEN asked again: the pipeline held it (-EAGAIN) at held_since_ms (0: asked for
         * the first time) and the source asks once more after the events read since, or on its
         * timer. hold_expired: held as long as a source ever holds (SRC_HOLD_MAX_MS), now
         * answered with allow unless the pipeline says -EPERM. */
        uint64_t held_since_ms;
        bool hold_expired;
        /* SRC_OPEN already allowed by the source (daemon/responder.c: it could destroy nothing):
         * the pipeline keeps its books (the opener, the file's before state); what it returns is
         * not an answer. answered_new: the file was brand new and empty then (else: a read of a
         * file whose state the pipeline held as it was). */
        bool answered, answered_new;
};

/* The longest a source keeps an open waiting for the pipeline, whatever it says. */
#define SRC_HOLD_MAX_MS 1000

/* An SRC_OPEN answered with this is allowed, and the file's modifications are reported
 * (SRC_MODIFIED) until its close-write, at a bounded rate (daemon/modwatch.h). */
#define SRC_WATCH 1

/* An SRC_WRITTEN answered with this: the pipeline holds the file's state as it is now; its next
 * opens need not be asked about for a while (the source's choice), as long as the pipeline stays
 * calm (src_calm_t). The source reports the first write through such an unasked open
 * (SRC_MODIFIED; a write through a shared mapping raises none: that file is judged at its
 * close-write). A source may not do it. */
#define SRC_IGNORE 2

/* Returns 0 (or SRC_WATCH, SRC_IGNORE) to allow, -EPERM to deny an SRC_OPEN (ignored for other kinds), -EAGAIN to hold it:
 * the source keeps the opener waiting and asks again after the next events it reads and every
 * few ms (a source that cannot hold treats it as 0). Must not block. */
typedef int (*src_handler_t)(void *userdata, const struct src_event *ev);

/* Calm: no family is under suspicion and no client is blocked, so an open that can destroy
 * nothing may be allowed before the pipeline sees it, and files need not be asked about. Asked
 * after each event; when it turns false the source asks about every open again at once. */
typedef bool (*src_calm_t)(void *userdata);

/* Is path equal to or below one of roots (NULL-terminated)? */
bool src_path_protected(char *const *roots, const char *path);
