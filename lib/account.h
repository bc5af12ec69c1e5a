/* account — damage summed per user and per cgroup, across process families. A family ends at
 * its session (setsid) and at a re-parenting to init, so ransomware that gives every few files
 * a new session or a double fork, or that pauses between files longer than a family's evidence
 * lasts, never adds up in one family. Here what every family of one user (or, for root, of one
 * cgroup) did to files adds up too, with a slower decay: spreading out only slows an attack
 * down. Only damage counts (no denials, no new files of random bytes). Pure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ACCOUNT_MAX 256 /* accounts remembered; the one with the least damage goes first */

struct account_entry {
        uint64_t key;
        double damage;   /* as of t */
        uint64_t t;
        uint32_t families; /* distinct families that credited it within the window (at most counted) */
        uint64_t last_family;
        char label[80];  /* "uid 1000", "cgroup /system.slice/x.service" */
};

struct account {
        uint32_t window_ms, half_life_ms;
        struct account_entry v[ACCOUNT_MAX];
        size_t n;
};

void account_init(struct account *a, uint32_t window_ms, uint32_t half_life_ms);
/* The key of a process: its uid, or for root (uid 0) its cgroup path (services, sessions). */
uint64_t account_key(uid_t uid, const char *cgroup, char *label, size_t label_len);
/* Credit damage points of one family (an opaque non-zero id) now; returns the account's damage. */
double account_credit(struct account *a, uint64_t key, const char *label, double damage, uint64_t family,
                      uint64_t now_ms);
/* The account's damage now (0 when unknown); its entry, or NULL. */
double account_damage(const struct account *a, uint64_t key, uint64_t now_ms, const struct account_entry **ret);
