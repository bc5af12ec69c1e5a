/* carry — a server client's evidence, summed over all its connections. A per-connection worker
 * is its own family (lib/policy), so ransomware on one PC that reconnects after a denied open,
 * or encrypts over eight connections at once, would start every worker from nothing: here each
 * worker's evidence is also credited to its client — the same user from the same address — and
 * the decision is taken on the larger of the two. Decays like a family's score. Pure. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "block.h"

#define CARRY_MAX 256 /* clients remembered; the least suspicious is forgotten first */

struct carry_entry {
        uid_t uid;
        bool v6;
        uint8_t addr[16];
        double score;          /* as of t */
        uint64_t t;
        uint32_t files;        /* files damaged by the client's workers in the window */
        double damage;         /* points of damage in it (denials left out): what its denials may weigh */
        uint64_t t_first_damage;
        char paths[512];       /* the newest damaged paths, escaped, " | " between them */
};

struct carry {
        uint32_t window_ms, half_life_ms;
        struct carry_entry v[CARRY_MAX];
        size_t n;
};

void carry_init(struct carry *c, uint32_t window_ms, uint32_t half_life_ms);
/* points of evidence and files newly damaged by one of the client's workers, now; the newest
 * damaged paths first in paths[0..n_paths-1] (paths may be NULL). */
void carry_credit(struct carry *c, const struct block_client *cl, double points, uint32_t files,
                  char *const *paths, uint32_t n_paths, uint64_t now_ms);
/* Of the points just credited, these were damage (not denials): for carry_damage. */
void carry_damage_credit(struct carry *c, const struct block_client *cl, double damage, uint64_t now_ms);
/* The client's damage within the window (denials left out), 0 when none. */
double carry_damage(const struct carry *c, const struct block_client *cl, uint64_t now_ms);
/* Forget the client (it was stopped). */
void carry_forget(struct carry *c, const struct block_client *cl);
/* The client's damaged paths, newest first ("" when none). */
const char *carry_paths(const struct carry *c, const struct block_client *cl);
/* The client's summed score now (0 when unknown or not a worker); its files and first damage. */
double carry_score(const struct carry *c, const struct block_client *cl, uint64_t now_ms, uint32_t *ret_files,
                   uint64_t *ret_first_damage);
