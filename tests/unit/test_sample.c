/* Unit tests for lib/sample.c: verdicts on random, text, compressed and encoded buffers, tiny
 * and empty ones, block placement in files larger than the budget, and that sampling a file
 * gives exactly what sampling the same bytes in memory gives. */
#include "sample.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static const struct sample_opts OPTS = {
        .block_bytes = 4096,
        .blocks = 3,
        .random_min_block = 1024,
        .random_min_bits = 7.0,
        .random_max_chi2 = 400,
};

/* ---- content makers ---- */


static void fill_random(uint64_t seed, uint8_t *b, size_t len) {
        for (size_t i = 0; i < len; i++)
                b[i] = (uint8_t)(prng_next(&seed) >> 56);
}

static uint8_t *random_bytes(uint64_t seed, size_t len) {
        uint8_t *b = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(b);
        fill_random(seed, b, len);
        return b;
}

static const char english[] =
        "It was the best of times, it was the worst of times, it was the age of wisdom, it was the "
        "age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the "
        "season of Light, it was the season of Darkness, it was the spring of hope, it was the winter "
        "of despair. We had everything before us; we had nothing before us! Were we all going direct "
        "to Heaven? Were we all going direct the other way? In short, the period was so far like the "
        "present period (that some of its noisiest authorities insisted on its being received, for "
        "good or for evil, in the superlative degree of comparison only).\n";

static uint8_t *text_bytes(size_t len) {
        uint8_t *b = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(b);
        for (size_t i = 0; i < len; i++)
                b[i] = (uint8_t)english[i % (sizeof(english) - 1)];
        return b;
}

/* Base64 (RFC 4648) of random bytes, in lines of 76 like base64(1) and PEM writers. */
static uint8_t *base64_random(uint64_t seed, size_t out_len) {
        static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        uint8_t *b = malloc(out_len);
        ck_assert_ptr_nonnull(b);
        size_t col = 0;
        for (size_t i = 0; i < out_len; i++) {
                if (col == 76) {
                        b[i] = '\n';
                        col = 0;
                        continue;
                }
                b[i] = (uint8_t)alpha[(prng_next(&seed) >> 58) & 63];
                col++;
        }
        return b;
}

/* A gzip member header (deflate, no flags, mtime, xfl, OS unix) before random bytes, which is
 * what deflate output looks like statistically. */
static uint8_t *gzip_like(uint64_t seed, size_t len) {
        static const uint8_t hdr[10] = { 0x1f, 0x8b, 0x08, 0x00, 0x5e, 0x2b, 0x8c, 0x65, 0x00, 0x03 };
        uint8_t *b = random_bytes(seed, len);
        memcpy(b, hdr, sizeof(hdr));
        return b;
}

/* A gpg -c header (SKESK v4, AES256, iterated+salted S2K) before random bytes. */
static uint8_t *openpgp_like(uint64_t seed, size_t len) {
        static const uint8_t hdr[] = { 0x8c, 0x0d, 0x04, 0x09, 0x03, 0x02, 0x43, 0x96, 0xe9, 0x1b,
                                       0x08, 0xa4, 0xa7, 0x60, 0xff, 0xd2, 0xec, 0x01 };
        uint8_t *b = random_bytes(seed, len);
        memcpy(b, hdr, sizeof(hdr));
        return b;
}

static void assert_invariants(const struct sample *s, size_t len, const struct sample_opts *o) {
        ck_assert_uint_eq(s->size, len);
        ck_assert_uint_le(s->n_blocks, o->blocks > SAMPLE_MAX_BLOCKS ? SAMPLE_MAX_BLOCKS : o->blocks ? o->blocks : 1);
        ck_assert_uint_le(s->n_judged, s->n_blocks);
        ck_assert_uint_le(s->n_random, s->n_judged);
        if (s->head_random)
                ck_assert_uint_ge(s->n_random, 1);
        ck_assert(s->entropy >= 0 && s->entropy <= 8.0f);
        ck_assert(s->chi2 >= 0);
        if (len == 0)
                ck_assert_uint_eq(s->n_blocks, 0);
        else
                ck_assert_uint_ge(s->n_blocks, 1);
}

/* ---- sample_buf verdicts ---- */

START_TEST(test_random_is_cipherlike) {
        static const size_t lens[] = { 1024, 4096, 5000, 12288, 65536, 1 << 20 };
        for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
                uint8_t *b = random_bytes(100 + i, lens[i]);
                struct sample s;
                sample_buf(b, lens[i], &OPTS, &s);
                assert_invariants(&s, lens[i], &OPTS);
                ck_assert_int_eq(s.type, FTYPE_UNKNOWN);
                ck_assert(s.head_random);
                ck_assert_uint_eq(s.n_random, s.n_judged);
                ck_assert(!s.encoded);
                ck_assert_msg(sample_is_cipherlike(&s), "random %zu bytes not cipherlike", lens[i]);
                ck_assert_float_ge(s.entropy, 7.0f);
                free(b);
        }
}
END_TEST

START_TEST(test_text_is_not_cipherlike) {
        static const size_t lens[] = { 1, 100, 1024, 4096, 12288, 65536, 1 << 20 };
        for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
                uint8_t *b = text_bytes(lens[i]);
                struct sample s;
                sample_buf(b, lens[i], &OPTS, &s);
                assert_invariants(&s, lens[i], &OPTS);
                ck_assert_int_eq(s.type, FTYPE_TEXT);
                ck_assert_uint_eq(s.n_random, 0);
                ck_assert(!s.head_random);
                ck_assert_msg(!s.encoded, "English text of %zu bytes taken for encoded", lens[i]);
                ck_assert(!sample_is_cipherlike(&s));
                free(b);
        }
}
END_TEST

START_TEST(test_gzip_is_not_cipherlike) {
        static const size_t lens[] = { 100, 4096, 65536, 1 << 20 };
        for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
                uint8_t *b = gzip_like(7 + i, lens[i]);
                struct sample s;
                sample_buf(b, lens[i], &OPTS, &s);
                assert_invariants(&s, lens[i], &OPTS);
                ck_assert_int_eq(s.type, FTYPE_GZIP);
                ck_assert(!sample_is_cipherlike(&s)); /* random bytes, but a known container */
                if (lens[i] >= 4096)
                        ck_assert_uint_eq(s.n_random, s.n_judged);
                free(b);
        }
}
END_TEST

/* A gzip signature over text (the first step of "fake magic, then encrypt"): not a gzip. */
START_TEST(test_gzip_signature_over_text) {
        const size_t len = 65536;
        uint8_t *b = text_bytes(len);
        memcpy(b, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
        struct sample s;
        sample_buf(b, len, &OPTS, &s);
        ck_assert_int_eq(s.type, FTYPE_UNKNOWN);
        free(b);
        /* a real one (dense throughout) stays a gzip: test_gzip_is_not_cipherlike */
}
END_TEST

START_TEST(test_openpgp_is_cipherlike) {
        static const size_t lens[] = { 100, 4096, 65536 };
        for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
                uint8_t *b = openpgp_like(11 + i, lens[i]);
                struct sample s;
                sample_buf(b, lens[i], &OPTS, &s);
                ck_assert_int_eq(s.type, FTYPE_OPENPGP);
                ck_assert(sample_is_cipherlike(&s)); /* an encryption container, whatever its size */
                free(b);
        }
}
END_TEST

START_TEST(test_empty) {
        struct sample s;
        memset(&s, 0xa5, sizeof(s));
        sample_buf(NULL, 0, &OPTS, &s);
        assert_invariants(&s, 0, &OPTS);
        ck_assert_int_eq(s.type, FTYPE_EMPTY);
        ck_assert_uint_eq(s.n_judged, 0);
        ck_assert_uint_eq(s.n_random, 0);
        ck_assert(!s.head_random);
        ck_assert(!s.encoded);
        ck_assert_int_eq(s.mtime_ns, 0);
        ck_assert(!sample_is_cipherlike(&s));

        uint8_t one = 0;
        struct sample s2;
        sample_buf(&one, 0, &OPTS, &s2);
        ck_assert_int_eq(s2.type, FTYPE_EMPTY);
        ck_assert_uint_eq(s2.hash, s.hash);
}
END_TEST

START_TEST(test_tiny_below_min_block) {
        /* Random, but too short for a verdict: never cipherlike by statistics. */
        static const size_t lens[] = { 1, 2, 16, 255, 256, 511, 1000, 1023 };
        for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
                uint8_t *b = random_bytes(300 + i, lens[i]);
                struct sample s;
                sample_buf(b, lens[i], &OPTS, &s);
                assert_invariants(&s, lens[i], &OPTS);
                ck_assert_uint_eq(s.n_blocks, 1);
                ck_assert_uint_eq(s.n_judged, 0);
                ck_assert_uint_eq(s.n_random, 0);
                ck_assert(!s.head_random);
                if (ftype_class_of(s.type) == FTYPE_CLASS_UNKNOWN)
                        ck_assert_msg(!sample_is_cipherlike(&s), "%zu random bytes judged", lens[i]);
                free(b);
        }
        /* At exactly random_min_block the block is judged. */
        uint8_t *b = random_bytes(400, 1024);
        struct sample s;
        sample_buf(b, 1024, &OPTS, &s);
        ck_assert_uint_eq(s.n_judged, 1);
        ck_assert_uint_eq(s.n_random, 1);
        free(b);

        /* A short last block of a small file gives no verdict: 4096 + 1000 bytes. */
        b = random_bytes(401, 5096);
        sample_buf(b, 5096, &OPTS, &s);
        ck_assert_uint_eq(s.n_blocks, 2);
        ck_assert_uint_eq(s.n_judged, 1);
        ck_assert_uint_eq(s.n_random, 1);
        free(b);
}
END_TEST

START_TEST(test_base64_is_encoded) {
        static const size_t lens[] = { 300, 1024, 4096, 65536 };
        for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
                uint8_t *b = base64_random(500 + i, lens[i]);
                struct sample s;
                sample_buf(b, lens[i], &OPTS, &s);
                assert_invariants(&s, lens[i], &OPTS);
                ck_assert_int_eq(s.type, FTYPE_TEXT);
                ck_assert_uint_eq(s.n_random, 0); /* 6 bits a byte: not random by statistics */
                ck_assert_msg(s.encoded, "base64 of %zu bytes not encoded (entropy %f)", lens[i], s.entropy);
                ck_assert(sample_is_cipherlike(&s));
                free(b);
        }
        /* Too short to tell. */
        uint8_t *b = base64_random(600, 200);
        struct sample s;
        sample_buf(b, 200, &OPTS, &s);
        ck_assert(!s.encoded);
        free(b);
}
END_TEST

START_TEST(test_text_not_encoded) {
        /* Natural text, source code, a CSV of numbers, a long identifier list: not encoded. */
        static const char *const texts[] = {
                english,
                "#include <stdio.h>\nint main(void) {\n        printf(\"hello, world\\n\");\n        return 0;\n}\n",
                "id,amount,date\n1,100.25,2024-01-01\n2,99.10,2024-01-02\n3,1000.00,2024-01-03\n",
                "the_quick_brown_fox_jumps_over_the_lazy_dog_and_keeps_running_through_the_forest\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                size_t len = 8192, tl = strlen(texts[i]);
                uint8_t *b = malloc(len);
                ck_assert_ptr_nonnull(b);
                for (size_t k = 0; k < len; k++)
                        b[k] = (uint8_t)texts[i][k % tl];
                struct sample s;
                sample_buf(b, len, &OPTS, &s);
                ck_assert_int_eq(s.type, FTYPE_TEXT);
                ck_assert_msg(!s.encoded, "text %zu taken for encoded", i);
                ck_assert(!sample_is_cipherlike(&s));
                free(b);
        }
}
END_TEST

START_TEST(test_hash) {
        uint8_t *a = text_bytes(3000), *b = text_bytes(3000);
        struct sample sa, sb;
        sample_buf(a, 3000, &OPTS, &sa);
        sample_buf(b, 3000, &OPTS, &sb);
        ck_assert_uint_eq(sa.hash, sb.hash);
        /* One byte differs. */
        b[1500] ^= 1;
        sample_buf(b, 3000, &OPTS, &sb);
        ck_assert_uint_ne(sa.hash, sb.hash);
        /* Same bytes, one shorter: the size is hashed too. */
        sample_buf(a, 2999, &OPTS, &sb);
        ck_assert_uint_ne(sa.hash, sb.hash);
        free(a);
        free(b);
}
END_TEST

START_TEST(test_opts_clamped) {
        uint8_t *b = random_bytes(700, 1 << 20);
        struct sample s;
        struct sample_opts o = OPTS;

        o.blocks = 0; /* at least one */
        sample_buf(b, 1 << 20, &o, &s);
        ck_assert_uint_eq(s.n_blocks, 1);
        o.blocks = 1;
        sample_buf(b, 1 << 20, &o, &s);
        ck_assert_uint_eq(s.n_blocks, 1);
        o.blocks = 8;
        sample_buf(b, 1 << 20, &o, &s);
        ck_assert_uint_eq(s.n_blocks, 8);
        ck_assert_uint_eq(s.n_random, 8);
        o.blocks = 100; /* at most SAMPLE_MAX_BLOCKS */
        sample_buf(b, 1 << 20, &o, &s);
        ck_assert_uint_eq(s.n_blocks, SAMPLE_MAX_BLOCKS);
        free(b);
}
END_TEST

/* ---- block placement ---- */

/* Text everywhere, random bytes in [from, to). */
static uint8_t *text_with_random(size_t len, size_t from, size_t to) {
        uint8_t *b = text_bytes(len);
        fill_random(900 + from, b + from, to - from);
        return b;
}

/* The middle block lies where the key says: random bytes in a window of a tenth of the file are
 * seen under some keys and not under others (no fixed place to write around). */
START_TEST(test_block_keyed) {
        const size_t size = 1 << 20;
        uint8_t *b = text_with_random(size, size / 2, size / 2 + size / 10);
        unsigned seen = 0;
        for (uint64_t k = 1; k <= 64; k++) {
                struct sample_opts o = OPTS;
                o.key = k * 0x1234567u;
                struct sample s;
                sample_buf(b, size, &o, &s);
                seen += s.n_random > 0;
        }
        ck_assert_uint_gt(seen, 0);
        ck_assert_uint_lt(seen, 64);
        free(b);
}
END_TEST

START_TEST(test_block_placement) {
        const size_t size = 1 << 20, bs = OPTS.block_bytes;
        struct sample s;

        /* Everywhere between head and tail: the middle block alone is random. */
        uint8_t *b = text_with_random(size, bs, size - bs);
        sample_buf(b, size, &OPTS, &s);
        ck_assert_int_eq(s.type, FTYPE_TEXT);
        ck_assert_uint_eq(s.n_blocks, 3);
        ck_assert_uint_eq(s.n_judged, 3);
        ck_assert_uint_eq(s.n_random, 1);
        ck_assert(!s.head_random);
        free(b);

        /* The tail block is the last block_bytes of the file. */
        b = text_with_random(size, size - bs, size);
        sample_buf(b, size, &OPTS, &s);
        ck_assert_uint_eq(s.n_random, 1);
        ck_assert(!s.head_random);
        free(b);
        b = text_with_random(size, size - 2 * bs, size - bs);
        sample_buf(b, size, &OPTS, &s);
        ck_assert_uint_eq(s.n_random, 0);
        free(b);

        /* The head block is the first block_bytes. */
        b = text_with_random(size, 0, bs);
        sample_buf(b, size, &OPTS, &s);
        ck_assert_uint_eq(s.n_random, 1);
        ck_assert(s.head_random);
        ck_assert_int_eq(s.type, FTYPE_UNKNOWN);
        ck_assert(sample_is_cipherlike(&s)); /* a random head of unknown type */
        free(b);
        b = text_with_random(size, bs, 2 * bs);
        sample_buf(b, size, &OPTS, &s);
        ck_assert_uint_eq(s.n_random, 0);
        free(b);

        /* Random except the head: "intermittent" encryption that spares the start. */
        b = text_with_random(size, bs, size);
        sample_buf(b, size, &OPTS, &s);
        ck_assert_uint_eq(s.n_random, 2);
        ck_assert(!s.head_random);
        ck_assert_int_eq(s.type, FTYPE_TEXT);
        free(b);

        /* Just over the budget: blocks still inside the file, not overlapping its end. */
        const size_t just = 3 * bs + 1;
        b = random_bytes(901, just);
        sample_buf(b, just, &OPTS, &s);
        ck_assert_uint_eq(s.n_blocks, 3);
        ck_assert_uint_eq(s.n_judged, 3);
        free(b);
        /* At the budget: three consecutive full blocks. */
        b = random_bytes(902, 3 * bs);
        sample_buf(b, 3 * bs, &OPTS, &s);
        ck_assert_uint_eq(s.n_blocks, 3);
        ck_assert_uint_eq(s.n_judged, 3);
        free(b);
}
END_TEST

START_TEST(test_sizes_sweep) {
        /* Every size near block boundaries: the invariants hold, nothing reads past len
         * (ASan/valgrind), and random content is cipherlike as soon as a block is judged. */
        uint8_t *big = random_bytes(903, 3 * 4096 + 8192);
        for (size_t len = 0; len <= 3 * 4096 + 8192; len += len < 64 ? 1 : 61) {
                uint8_t *b = malloc(len ? len : 1);
                ck_assert_ptr_nonnull(b);
                memcpy(b, big, len);
                struct sample s;
                sample_buf(len ? b : NULL, len, &OPTS, &s);
                assert_invariants(&s, len, &OPTS);
                if (len >= 1024 && s.type == FTYPE_UNKNOWN)
                        ck_assert_msg(sample_is_cipherlike(&s), "random %zu bytes", len);
                free(b);
        }
        free(big);
}
END_TEST

/* ---- sample_fd ---- */

static int tmp_file(const uint8_t *b, size_t len) {
        char path[] = "/tmp/rg-test-sample-XXXXXX";
        int fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        unlink(path);
        size_t off = 0;
        while (off < len) {
                ssize_t k = write(fd, b + off, len - off);
                ck_assert_int_gt(k, 0);
                off += (size_t)k;
        }
        return fd;
}

static void assert_same_sample(const struct sample *f, const struct sample *m, const char *what) {
        ck_assert_msg(f->size == m->size, "%s: size", what);
        ck_assert_msg(f->type == m->type, "%s: type %s vs %s", what, ftype_name(f->type), ftype_name(m->type));
        ck_assert_msg(f->n_blocks == m->n_blocks, "%s: n_blocks %u vs %u", what, f->n_blocks, m->n_blocks);
        ck_assert_msg(f->n_judged == m->n_judged, "%s: n_judged %u vs %u", what, f->n_judged, m->n_judged);
        ck_assert_msg(f->n_random == m->n_random, "%s: n_random %u vs %u", what, f->n_random, m->n_random);
        ck_assert_msg(f->head_random == m->head_random, "%s: head_random", what);
        ck_assert_msg(f->encoded == m->encoded, "%s: encoded %d vs %d", what, f->encoded, m->encoded);
        ck_assert_msg(f->hash == m->hash, "%s: hash", what);
        ck_assert_msg(f->entropy == m->entropy, "%s: entropy %f vs %f", what, f->entropy, m->entropy);
        ck_assert_msg(f->chi2 == m->chi2, "%s: chi2 %f vs %f", what, f->chi2, m->chi2);
        ck_assert_msg(sample_is_cipherlike(f) == sample_is_cipherlike(m), "%s: cipherlike", what);
}

static void check_fd_equals_buf(const uint8_t *b, size_t len, const struct sample_opts *o, const char *what) {
        int fd = tmp_file(b, len);
        /* The offset is not moved by sampling. */
        ck_assert_int_eq(lseek(fd, 123, SEEK_SET), 123);
        struct sample f, m;
        memset(&f, 0x5a, sizeof(f));
        ck_assert_int_eq(sample_fd(fd, o, &f), 0);
        ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), 123);
        sample_buf(b, len, o, &m);
        assert_same_sample(&f, &m, what);
        struct stat st;
        ck_assert_int_eq(fstat(fd, &st), 0);
        ck_assert_int_eq(f.mtime_ns, (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
        close(fd);
}

START_TEST(test_fd_equals_buf) {
        static const size_t lens[] = { 0, 1, 100, 1023, 1024, 4096, 5000, 12288, 12289, 100000, 1 << 20 };
        for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
                char what[64];
                uint8_t *b = random_bytes(1000 + i, lens[i]);
                snprintf(what, sizeof(what), "random %zu", lens[i]);
                check_fd_equals_buf(b, lens[i], &OPTS, what);
                free(b);

                b = text_bytes(lens[i]);
                snprintf(what, sizeof(what), "text %zu", lens[i]);
                check_fd_equals_buf(b, lens[i], &OPTS, what);
                free(b);

                if (lens[i] >= 10) {
                        b = gzip_like(1100 + i, lens[i]);
                        snprintf(what, sizeof(what), "gzip %zu", lens[i]);
                        check_fd_equals_buf(b, lens[i], &OPTS, what);
                        free(b);

                        b = base64_random(1200 + i, lens[i]);
                        snprintf(what, sizeof(what), "base64 %zu", lens[i]);
                        check_fd_equals_buf(b, lens[i], &OPTS, what);
                        free(b);
                }
        }
        /* The middle-block file of the placement test, read from a file: head, middle and
         * tail blocks, only the middle one random. */
        const size_t size = 1 << 20;
        uint8_t *b = text_with_random(size, OPTS.block_bytes, size - OPTS.block_bytes);
        check_fd_equals_buf(b, size, &OPTS, "middle random");
        int fd = tmp_file(b, size);
        struct sample s;
        ck_assert_int_eq(sample_fd(fd, &OPTS, &s), 0);
        ck_assert_uint_eq(s.n_blocks, 3);
        ck_assert_uint_eq(s.n_judged, 3);
        ck_assert_uint_eq(s.n_random, 1);
        ck_assert(!s.head_random);
        ck_assert_int_eq(s.type, FTYPE_TEXT);
        ck_assert(!sample_is_cipherlike(&s));
        close(fd);
        free(b);
}
END_TEST

START_TEST(test_fd_equals_buf_encoded_head) {
        /* The encoded verdict looks at the first block: a file whose first 512 bytes are pure
         * base64 and whose rest has spaces must get the same verdict from a file and from memory. */
        const size_t len = 8192;
        uint8_t *b = base64_random(1300, len);
        for (size_t i = 600; i < len; i += 97)
                b[i] = ' ';
        check_fd_equals_buf(b, len, &OPTS, "base64 with spaces after 512");
        free(b);

        /* And the other way round: spaces only in the first 512 bytes. */
        b = base64_random(1301, len);
        for (size_t i = 0; i < 512; i += 20)
                b[i] = ' ';
        check_fd_equals_buf(b, len, &OPTS, "base64 with spaces before 512");
        free(b);
}
END_TEST

START_TEST(test_fd_equals_buf_other_opts) {
        /* Blocks larger than sample_fd's stack buffer, many blocks, one block. */
        static const struct sample_opts opts[] = {
                { .block_bytes = 128 * 1024, .blocks = 3, .random_min_block = 1024, .random_min_bits = 7.0,
                  .random_max_chi2 = 400 },
                { .block_bytes = 1 << 20, .blocks = 2, .random_min_block = 1 << 20, .random_min_bits = 7.5,
                  .random_max_chi2 = 400 },
                { .block_bytes = 512, .blocks = 8, .random_min_block = 256, .random_min_bits = 7.0,
                  .random_max_chi2 = 400 },
                { .block_bytes = 4096, .blocks = 1, .random_min_block = 4096, .random_min_bits = 7.0,
                  .random_max_chi2 = 400 },
        };
        static const size_t lens[] = { 1000, 200000, 3 << 20 };
        for (size_t k = 0; k < ELEMENTSOF(opts); k++)
                for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
                        char what[64];
                        uint8_t *b = random_bytes(1400 + i, lens[i]);
                        snprintf(what, sizeof(what), "opts %zu random %zu", k, lens[i]);
                        check_fd_equals_buf(b, lens[i], &opts[k], what);
                        free(b);
                        b = text_with_random(lens[i], lens[i] / 3, lens[i] / 2);
                        snprintf(what, sizeof(what), "opts %zu mixed %zu", k, lens[i]);
                        check_fd_equals_buf(b, lens[i], &opts[k], what);
                        free(b);
                }
}
END_TEST

START_TEST(test_fd_not_regular) {
        struct sample s;
        int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(sample_fd(fd, &OPTS, &s), -EBADFD);
        close(fd);

        int p[2];
        ck_assert_int_eq(pipe(p), 0);
        ck_assert_int_eq(sample_fd(p[0], &OPTS, &s), -EBADFD);
        close(p[0]);
        close(p[1]);

        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(sample_fd(fd, &OPTS, &s), -EBADFD);
        close(fd);

        /* A closed descriptor. */
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        close(fd);
        ck_assert_int_eq(sample_fd(fd, &OPTS, &s), -EBADF);

        /* Write-only: fstat works, pread does not. */
        char path[] = "/tmp/rg-test-sample-XXXXXX";
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "hello", 5), 5);
        int wfd = open(path, O_WRONLY | O_CLOEXEC);
        unlink(path);
        ck_assert_int_ge(wfd, 0);
        ck_assert_int_eq(sample_fd(wfd, &OPTS, &s), -EBADF);
        close(wfd);
        close(fd);
}
END_TEST

static Suite *sample_suite(void) {
        Suite *s = suite_create("sample");
        TCase *tc;

        tc = tcase_create("buf");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_random_is_cipherlike);
        tcase_add_test(tc, test_text_is_not_cipherlike);
        tcase_add_test(tc, test_gzip_is_not_cipherlike);
        tcase_add_test(tc, test_openpgp_is_cipherlike);
        tcase_add_test(tc, test_empty);
        tcase_add_test(tc, test_tiny_below_min_block);
        tcase_add_test(tc, test_base64_is_encoded);
        tcase_add_test(tc, test_text_not_encoded);
        tcase_add_test(tc, test_hash);
        tcase_add_test(tc, test_opts_clamped);
        tcase_add_test(tc, test_block_placement);
        tcase_add_test(tc, test_block_keyed);
        tcase_add_test(tc, test_gzip_signature_over_text);
        tcase_add_test(tc, test_sizes_sweep);
        suite_add_tcase(s, tc);

        tc = tcase_create("fd");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_fd_equals_buf);
        tcase_add_test(tc, test_fd_equals_buf_encoded_head);
        tcase_add_test(tc, test_fd_equals_buf_other_opts);
        tcase_add_test(tc, test_fd_not_regular);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(sample_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
