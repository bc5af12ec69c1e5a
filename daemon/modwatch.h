/* modwatch — the first modification of a file, not only its close: a file opened for writing
 * by a family that could damage it gets an inode mark for FAN_MODIFY until its last such open
 * is closed, so a program that opens every file first and closes them only at the end is judged
 * while it writes. The first modification is reported at once, later ones at most every
 * MODWATCH_REJUDGE_MS (the last of a burst when that time has passed). Owned by fan.c. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#define MODWATCH_MAX 1024        /* files watched at once (each holds an fd); beyond, the one used
                                  * least recently is given up (judged at its close only) */
#define MODWATCH_REJUDGE_MS 100  /* a file being written is judged again at most this often */

struct modwatch;
/* fd: the content to judge (valid during the call), pid: the last writer. */
typedef void (*modwatch_report_t)(void *userdata, int fd, pid_t pid);

int modwatch_new(sd_event *loop, int group_fd, modwatch_report_t report, void *userdata, struct modwatch **ret);
void modwatch_free(struct modwatch *w);
/* A write-capable open of the file behind fd was allowed: watch it (one more open). */
void modwatch_add(struct modwatch *w, int fd);
/* A FAN_MODIFY event for fd by pid: true to report it now (else it is reported later). */
bool modwatch_modified(struct modwatch *w, int fd, pid_t pid);
/* A close-write of fd: one open less; the mark goes with the last. */
void modwatch_closed(struct modwatch *w, int fd);
/* Is fd's file watched? */
bool modwatch_watched(struct modwatch *w, int fd);
unsigned modwatch_count(const struct modwatch *w);
uint64_t modwatch_evicted(const struct modwatch *w); /* watches given up for newer ones: the table was full */
