/* ancestry — who really forked whom, from the kernel's fork events (the proc connector), so a
 * process that its parent handed to init (a double fork) or that made itself a session leader
 * (setsid) can still be traced to the process that started it. /proc only shows the parent
 * now. Bounded: the newest ANCESTRY_MAX forks; a pid forked again replaces its old entry.
 * Pure: fed by daemon/procev.c, read by lib/policy. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define ANCESTRY_MAX 65536 /* a power of two */
#define ANCESTRY_PROBE 8

struct ancestry_entry {
        pid_t child, parent;
        uint64_t t_ns; /* when it was forked (CLOCK_MONOTONIC, the event's timestamp) */
};

struct ancestry {
        struct ancestry_entry v[ANCESTRY_MAX];
        uint64_t forks; /* seen in all */
};

/* A new process (not a thread): child forked by parent at t_ns. */
void ancestry_fork(struct ancestry *a, pid_t parent, pid_t child, uint64_t t_ns);
/* The process that forked pid, 0 when unknown. *ret_t_ns: when pid was forked. */
pid_t ancestry_parent(const struct ancestry *a, pid_t pid, uint64_t *ret_t_ns);
/* The first ancestor of pid for which alive(its pid, the fork time of its child on the way, ud)
 * says 1, following forkers that are gone (alive says 0) through their own fork events; 0 when
 * alive says -1 (there, but not to be followed), or none is found within 16 generations. */
pid_t ancestry_live_ancestor(const struct ancestry *a, pid_t pid, int (*alive)(pid_t, uint64_t, void *), void *ud);
