/* entropy — byte histogram, Shannon entropy and chi-square against the uniform distribution.
 *
 * This runs on every written file, so the counting loop is the hot path: one pass over the
 * buffer into a 256-entry table. The statistics then cost at most 256 log2() calls. */
#include "entropy.h"

#include <math.h>
#include <string.h>

#define ENTROPY_CHUNK ((size_t)1 << 24)

void entropy_hist_init(struct entropy_hist *h) {
        memset(h, 0, sizeof(*h));
}

void entropy_hist_add(struct entropy_hist *h, const uint8_t *buf, size_t len) {
        if (!buf || len == 0)
                return;

        /* Count into a local 32-bit table: it stays in L1 and avoids read-modify-write on the
         * caller's struct, which measured about twice as fast. It is flushed every
         * ENTROPY_CHUNK bytes, long before a 32-bit count could wrap. */
        uint32_t c[256] = { 0 };
        size_t done = 0;
        while (done < len) {
                size_t chunk = len - done;
                if (chunk > ENTROPY_CHUNK)
                        chunk = ENTROPY_CHUNK;
                const uint8_t *p = buf + done, *end = p + chunk;
                for (; p < end; p++)
                        c[*p]++;
                for (size_t i = 0; i < 256; i++) {
                        h->count[i] += c[i];
                        c[i] = 0;
                }
                done += chunk;
        }
        h->n += len;
}

void entropy_hist_stats(const struct entropy_hist *h, struct entropy_stats *ret) {
        struct entropy_stats s = { .n = h->n };

        if (h->n > 0) {
                double n = (double)h->n, expected = n / 256.0, sum_plogp = 0.0, chi2 = 0.0;

                for (size_t i = 0; i < 256; i++) {
                        double c = (double)h->count[i], d = c - expected;

                        chi2 += d * d;
                        if (h->count[i] > 0) {
                                double p = c / n;
                                sum_plogp += p * log2(p);
                        }
                }
                s.shannon = -sum_plogp;
                /* Rounding can push the sum a hair outside its range. */
                if (s.shannon < 0.0)
                        s.shannon = 0.0;
                if (s.shannon > 8.0)
                        s.shannon = 8.0;
                s.chi2 = chi2 / expected;
        }
        *ret = s;
}

void entropy_compute(const uint8_t *buf, size_t len, struct entropy_stats *ret) {
        struct entropy_hist h;

        entropy_hist_init(&h);
        entropy_hist_add(&h, buf, len);
        entropy_hist_stats(&h, ret);
}

bool entropy_is_random(const struct entropy_stats *s, uint64_t min_len, double min_bits, double chi2_max) {
        if (!s || s->n == 0)
                return false;
        /* Written so that a NaN threshold or statistic yields false. */
        return s->n >= min_len && s->shannon >= min_bits && s->chi2 <= chi2_max;
}
