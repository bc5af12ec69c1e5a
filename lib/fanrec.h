/* fanrec — the info records that follow one fanotify event's metadata, decoded from the bytes
 * the kernel wrote. Pure (no fd is opened or closed here), and no length is trusted: a record
 * that overruns the event, or a name without its NUL, ends the walk. The one place that walks
 * FAN_EVENT_INFO records, for both groups (daemon/fan.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/fanotify.h>

/* A directory file handle and a name within it (FAN_REPORT_DFID_NAME records). */
struct fanrec_name {
        bool ok;
        const void *fsid;     /* __kernel_fsid_t, 8 bytes */
        const void *handle;   /* struct file_handle, handle_bytes valid */
        const char *name;     /* NUL-terminated within the record */
};

struct fanrec {
        bool has_pidfd;
        int pidfd;                  /* FAN_NOPIDFD (-1) when the process had exited; an fd to close otherwise */
        struct fanrec_name name;    /* DFID_NAME, or OLD_DFID_NAME of a rename */
        struct fanrec_name new_name;/* NEW_DFID_NAME of a rename */
        unsigned records;           /* well-formed records seen */
        bool malformed;             /* the walk stopped at a bad record */
};

/* Decode the records of the event at ev, whose metadata says how long it is; len is how many
 * bytes are really there (the caller's buffer end). Never fails: what could not be read is left
 * unset and `malformed` says why the walk stopped. */
void fanrec_parse(const struct fanotify_event_metadata *ev, size_t len, struct fanrec *ret);
