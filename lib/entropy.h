/* entropy — byte statistics of a content sample: Shannon entropy and a chi-square test of the
 * byte histogram against the uniform distribution. Pure functions, no I/O. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct entropy_stats {
        uint64_t n;     /* bytes counted */
        double shannon; /* bits per byte, 0..8 (0 for n == 0) */
        double chi2;    /* Pearson chi-square vs uniform over 256 values (255 degrees of freedom) */
};

/* Accumulating histogram, so several blocks can be combined without copying. */
struct entropy_hist {
        uint64_t n;
        uint64_t count[256];
};

void entropy_hist_init(struct entropy_hist *h);
/* Counts len bytes of buf into h; a NULL buf or len == 0 adds nothing. */
void entropy_hist_add(struct entropy_hist *h, const uint8_t *buf, size_t len);
/* chi2 is sum((count - n/256)^2 / (n/256)): 0 for a perfectly flat histogram, 255 * n when
 * all bytes are equal, about 255 +- 23 for uniformly random bytes. Both are 0 for n == 0. */
void entropy_hist_stats(const struct entropy_hist *h, struct entropy_stats *ret);

/* One-shot: entropy_hist_init + add + stats. buf may be NULL when len == 0. */
void entropy_compute(const uint8_t *buf, size_t len, struct entropy_stats *ret);

/* True when the statistics look like uniformly random bytes (ciphertext or good compression):
 * at least min_len bytes, shannon >= min_bits and chi2 <= chi2_max. Never true for n == 0 or a
 * NULL s; a NaN threshold makes it false. */
bool entropy_is_random(const struct entropy_stats *s, uint64_t min_len, double min_bits, double chi2_max);
