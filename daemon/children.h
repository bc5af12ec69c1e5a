/* children — the daemon's short-lived helpers (a /proc reader, smbstatus): what a forked child
 * keeps open, and reaping by the loop, so a child stuck in an uninterruptible read never
 * blocks the loop in waitpid. SIGCHLD is blocked (manager.c) for sd_event_add_child. */
#pragma once
#include <sys/types.h>
#include <systemd/sd-event.h>

/* In a forked child: close every fd from 3 up except keep (-1: none). */
void child_close_fds(int keep);

/* A child that was sent SIGKILL (or is about to exit): reaped now if it is gone, else by the
 * loop once it is. */
void child_reap_later(sd_event *loop, pid_t pid);
