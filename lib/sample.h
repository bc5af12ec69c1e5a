/* sample — a bounded look at a file's content: a few blocks (head, middle, tail), each with its
 * own statistics, the file type from the head, and a hash of what was read. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "entropy.h"
#include "ftype.h"

#define SAMPLE_MAX_BLOCKS 8

struct sample_opts {
        uint32_t block_bytes;     /* bytes per block */
        uint32_t blocks;          /* blocks per file, 1..SAMPLE_MAX_BLOCKS */
        uint32_t random_min_block;/* shorter blocks give no randomness verdict */
        double random_min_bits;   /* a random block has at least this Shannon entropy … */
        double random_max_chi2;   /* … and at most this chi-square */
        uint64_t key;             /* secret (the daemon's, random per start): where the middle
                                   * blocks of a file lie, so no one can write around them */
};

struct sample {
        uint64_t size;       /* file size when sampled */
        int64_t mtime_ns;    /* modification time when sampled (0 for buffers) */
        int64_t btime_ns;    /* birth time (0: unknown): tells a file from a later one that got
                              * its inode number */
        enum ftype type;     /* from the head */
        uint8_t n_blocks;    /* blocks read */
        uint8_t n_judged;    /* blocks long enough for a randomness verdict */
        uint8_t n_random;    /* judged blocks that look random */
        bool head_random;    /* the first block looks random */
        bool encoded;        /* text made only of base64/hex alphabet with high entropy */
        bool encrypted;      /* an archive that records encrypted content (lib/container) */
        float entropy;       /* Shannon entropy over all sampled bytes */
        float chi2;          /* chi-square over all sampled bytes */
        uint64_t hash;       /* FNV-1a of size and sampled bytes: identical small files match */
};

/* Sample an open file descriptor with pread (the file offset is not moved). -errno on failure. */
int sample_fd(int fd, const struct sample_opts *o, struct sample *ret);
/* Sample an in-memory file image (tests, and the judging of buffers). */
void sample_buf(const uint8_t *buf, size_t len, const struct sample_opts *o, struct sample *ret);

/* The content looks like ciphertext: an encrypted container (or an archive that says its
 * content is encrypted), random bytes of unknown type (all judged blocks, or the head), or
 * encoded text. */
bool sample_is_cipherlike(const struct sample *s);
