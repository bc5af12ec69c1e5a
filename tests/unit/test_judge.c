/* Unit tests for lib/judge.c: the table of before/after changes of one file, replacements,
 * the type promised by a name, and the verdict names. Samples are made with sample_buf from
 * real-looking content, so the table tests judge and sample together. */
#include "judge.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define LEN 65536

static const struct sample_opts OPTS = {
        .block_bytes = 4096,
        .blocks = 3,
        .random_min_block = 1024,
        .random_min_bits = 7.0,
        .random_max_chi2 = 400,
};


static const char prose[] =
        "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in "
        "my purse, and nothing particular to interest me on shore, I thought I would sail about a "
        "little and see the watery part of the world. It is a way I have of driving off the spleen, "
        "and regulating the circulation.\n";

/* The kinds of content the table is made of. */
enum content {
        C_TEXT,
        C_RANDOM,
        C_PDF,         /* %PDF- header, then text-like objects */
        C_PDF_XOR,     /* the same bytes xored with one byte: no magic, not random */
        C_JPEG,        /* JFIF header, then entropy-coded (random-like) data */
        C_GZIP,        /* gzip header, then deflate (random-like) data */
        C_BASE64,      /* base64 of random bytes */
        C_OPENPGP,     /* gpg -c header, then ciphertext */
        C_PDF_RANDOM,  /* %PDF- header kept, the rest random */
        C_SQLITE,
        C_EMPTY,
};

static void fill(enum content c, uint64_t seed, uint8_t *b, size_t len) {
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        static const uint8_t jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01 };
        static const uint8_t gzip[] = { 0x1f, 0x8b, 0x08, 0x00, 0x5e, 0x2b, 0x8c, 0x65, 0x00, 0x03 };
        static const uint8_t pgp[] = { 0x8c, 0x0d, 0x04, 0x09, 0x03, 0x02, 0x43, 0x96, 0xe9,
                                       0x1b, 0x08, 0xa4, 0xa7, 0x60, 0xff, 0xd2, 0xec, 0x01 };
        static const char pdf[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n";
        static const char sqlite[] = "SQLite format 3";

        switch (c) {
        case C_TEXT:
                for (size_t i = 0; i < len; i++)
                        b[i] = (uint8_t)prose[i % (sizeof(prose) - 1)];
                return;
        case C_RANDOM:
                for (size_t i = 0; i < len; i++)
                        b[i] = (uint8_t)(prng_next(&seed) >> 56);
                return;
        case C_PDF:
        case C_PDF_XOR:
        case C_PDF_RANDOM:
                fill(C_TEXT, seed, b, len);
                memcpy(b, pdf, sizeof(pdf) - 1);
                if (c == C_PDF_XOR)
                        for (size_t i = 0; i < len; i++)
                                b[i] ^= 0xa7;
                if (c == C_PDF_RANDOM)
                        fill(C_RANDOM, seed, b + 16, len - 16);
                return;
        case C_JPEG:
                fill(C_RANDOM, seed, b, len);
                memcpy(b, jpeg, sizeof(jpeg));
                return;
        case C_GZIP:
                fill(C_RANDOM, seed, b, len);
                memcpy(b, gzip, sizeof(gzip));
                return;
        case C_BASE64:
                for (size_t i = 0; i < len; i++)
                        b[i] = i % 77 == 76 ? '\n' : (uint8_t)b64[(prng_next(&seed) >> 58) & 63];
                return;
        case C_OPENPGP:
                fill(C_RANDOM, seed, b, len);
                memcpy(b, pgp, sizeof(pgp));
                return;
        case C_SQLITE:
                memset(b, 0, len);
                memcpy(b, sqlite, sizeof(sqlite)); /* with its NUL */
                for (size_t i = 100; i < len; i += 7)
                        b[i] = (uint8_t)(i / 7);
                return;
        case C_EMPTY:
                return;
        }
}

static struct sample mk(enum content c, uint64_t seed) {
        static uint8_t b[LEN];
        size_t len = c == C_EMPTY ? 0 : LEN;
        fill(c, seed, b, len);
        struct sample s;
        sample_buf(b, len, &OPTS, &s);
        return s;
}

/* ---- the content is what the table assumes ---- */

START_TEST(test_contents) {
        struct sample s;
        s = mk(C_TEXT, 1);
        ck_assert_int_eq(s.type, FTYPE_TEXT);
        ck_assert(!sample_is_cipherlike(&s));
        s = mk(C_RANDOM, 1);
        ck_assert_int_eq(s.type, FTYPE_UNKNOWN);
        ck_assert(sample_is_cipherlike(&s));
        s = mk(C_PDF, 1);
        ck_assert_int_eq(s.type, FTYPE_PDF);
        s = mk(C_PDF_XOR, 1);
        ck_assert_int_eq(s.type, FTYPE_UNKNOWN);
        ck_assert_uint_eq(s.n_random, 0);
        ck_assert(!sample_is_cipherlike(&s));
        s = mk(C_JPEG, 1);
        ck_assert_int_eq(s.type, FTYPE_JPEG);
        ck_assert(!sample_is_cipherlike(&s));
        s = mk(C_GZIP, 1);
        ck_assert_int_eq(s.type, FTYPE_GZIP);
        ck_assert(!sample_is_cipherlike(&s));
        s = mk(C_BASE64, 1);
        ck_assert_int_eq(s.type, FTYPE_TEXT);
        ck_assert(s.encoded);
        ck_assert(sample_is_cipherlike(&s));
        s = mk(C_OPENPGP, 1);
        ck_assert_int_eq(s.type, FTYPE_OPENPGP);
        ck_assert(sample_is_cipherlike(&s));
        s = mk(C_PDF_RANDOM, 1);
        ck_assert_int_eq(s.type, FTYPE_PDF);
        ck_assert_uint_eq(s.n_random, 3);
        s = mk(C_SQLITE, 1);
        ck_assert_int_eq(s.type, FTYPE_SQLITE);
        s = mk(C_EMPTY, 1);
        ck_assert_int_eq(s.type, FTYPE_EMPTY);
}
END_TEST

/* ---- judge_change ---- */

#define NEW ((enum content) - 1) /* no before state */

static const struct change {
        const char *name;
        enum content before, after;
        enum judge_verdict want;
} changes[] = {
        { "text -> random", C_TEXT, C_RANDOM, JUDGE_TURNED_RANDOM },
        { "pdf -> unknown nonrandom (xor)", C_PDF, C_PDF_XOR, JUDGE_TYPE_DESTROYED },
        { "jpeg -> random unknown", C_JPEG, C_RANDOM, JUDGE_TURNED_RANDOM },
        /* The same file turned into a gzip in place: a signature over ciphertext looks so
         * (fake_magic); as a new file beside an unlinked original it is gzip's move (below). */
        { "text -> gzip in place", C_TEXT, C_GZIP, JUDGE_TURNED_RANDOM },
        { "random -> random", C_RANDOM, C_RANDOM, JUDGE_NONE },
        { "new random", NEW, C_RANDOM, JUDGE_NEW_CIPHERLIKE },
        { "empty -> random", C_EMPTY, C_RANDOM, JUDGE_NEW_CIPHERLIKE },
        { "new gzip", NEW, C_GZIP, JUDGE_NONE },
        { "empty -> gzip", C_EMPTY, C_GZIP, JUDGE_NONE },
        { "text -> base64 of random", C_TEXT, C_BASE64, JUDGE_TYPE_DESTROYED },
        { "text -> openpgp", C_TEXT, C_OPENPGP, JUDGE_TURNED_RANDOM },
        { "pdf -> openpgp", C_PDF, C_OPENPGP, JUDGE_TURNED_RANDOM },
        { "new openpgp", NEW, C_OPENPGP, JUDGE_NEW_CIPHERLIKE },
        { "new base64", NEW, C_BASE64, JUDGE_NEW_CIPHERLIKE },
        { "text -> text", C_TEXT, C_TEXT, JUDGE_NONE },
        { "new text", NEW, C_TEXT, JUDGE_NONE },
        { "pdf -> pdf", C_PDF, C_PDF, JUDGE_NONE },
        { "pdf -> random behind intact header", C_PDF, C_PDF_RANDOM, JUDGE_TURNED_RANDOM },
        { "sqlite -> random", C_SQLITE, C_RANDOM, JUDGE_TURNED_RANDOM },
        { "sqlite -> xor", C_SQLITE, C_PDF_XOR, JUDGE_TYPE_DESTROYED },
        { "gzip -> gzip", C_GZIP, C_GZIP, JUDGE_NONE },
        { "gzip -> random", C_GZIP, C_RANDOM, JUDGE_TURNED_RANDOM },
        { "jpeg -> jpeg", C_JPEG, C_JPEG, JUDGE_NONE },
        { "openpgp -> openpgp", C_OPENPGP, C_OPENPGP, JUDGE_NONE },
        { "openpgp -> random", C_OPENPGP, C_RANDOM, JUDGE_NONE },
        { "random -> openpgp", C_RANDOM, C_OPENPGP, JUDGE_NONE },
        { "base64 -> base64", C_BASE64, C_BASE64, JUDGE_NONE },
        { "random -> text (decryption)", C_RANDOM, C_TEXT, JUDGE_NONE },
        { "openpgp -> text (decryption)", C_OPENPGP, C_TEXT, JUDGE_NONE },
        { "text -> empty (truncation)", C_TEXT, C_EMPTY, JUDGE_NONE },
        { "xor -> xor", C_PDF_XOR, C_PDF_XOR, JUDGE_NONE },
};

START_TEST(test_change_table) {
        const struct change *c = &changes[_i];
        struct sample before, after = mk(c->after, 2);
        const struct sample *bp = NULL;
        if (c->before != NEW) {
                before = mk(c->before, 1);
                bp = &before;
        }
        const char *reason = NULL;
        enum judge_verdict v = judge_change(bp, &after, &reason);
        ck_assert_msg(v == c->want, "%s: %s (%s), expected %s", c->name, judge_verdict_name(v), reason,
                      judge_verdict_name(c->want));
        ck_assert_ptr_nonnull(reason);
        ck_assert_uint_gt(strlen(reason), 0);
        /* The reason is optional. */
        ck_assert_int_eq(judge_change(bp, &after, NULL), v);
}
END_TEST

START_TEST(test_change_hand_made) {
        /* Samples written by hand: what the rules say, independent of sample.c. */
        struct sample text = { .size = 10000, .type = FTYPE_TEXT, .n_blocks = 3, .n_judged = 3 };
        struct sample rnd = { .size = 10000, .type = FTYPE_UNKNOWN, .n_blocks = 3, .n_judged = 3, .n_random = 3,
                              .head_random = true };
        struct sample partial = { .size = 10000, .type = FTYPE_UNKNOWN, .n_blocks = 3, .n_judged = 3, .n_random = 1 };
        struct sample tiny_unknown = { .size = 100, .type = FTYPE_UNKNOWN, .n_blocks = 1 };
        struct sample docx = { .size = 10000, .type = FTYPE_ZIP, .n_blocks = 3, .n_judged = 3, .n_random = 3 };
        struct sample pdf_two_random = { .size = 10000, .type = FTYPE_PDF, .n_blocks = 3, .n_judged = 3, .n_random = 2 };
        struct sample pdf = { .size = 10000, .type = FTYPE_PDF, .n_blocks = 3, .n_judged = 3, .n_random = 0 };
        const char *why;

        ck_assert_int_eq(judge_change(&text, &rnd, &why), JUDGE_TURNED_RANDOM);
        /* Partly random, no magic: the type is destroyed, and the reason says some blocks are random. */
        ck_assert_int_eq(judge_change(&text, &partial, &why), JUDGE_TYPE_DESTROYED);
        ck_assert_ptr_nonnull(strstr(why, "random"));
        ck_assert_int_eq(judge_change(&docx, &partial, &why), JUDGE_TYPE_DESTROYED);
        /* A tiny file of unknown type: no blocks judged, but the known type is gone. */
        ck_assert_int_eq(judge_change(&text, &tiny_unknown, &why), JUDGE_TYPE_DESTROYED);
        ck_assert_int_eq(judge_change(NULL, &tiny_unknown, &why), JUDGE_NONE);
        /* A signature of another type over random bytes; too small to judge: dense bytes. */
        struct sample fake_gz = { .size = 10000, .type = FTYPE_GZIP, .n_blocks = 3, .n_judged = 3, .n_random = 3 };
        struct sample small_gz = { .size = 300, .type = FTYPE_GZIP, .n_blocks = 1, .entropy = 7.2f };
        struct sample small_text = { .size = 300, .type = FTYPE_TEXT, .n_blocks = 1, .entropy = 4.5f };
        ck_assert_int_eq(judge_change(&text, &fake_gz, &why), JUDGE_TURNED_RANDOM);
        ck_assert_int_eq(judge_change(&pdf, &fake_gz, &why), JUDGE_TURNED_RANDOM);
        ck_assert_int_eq(judge_change(&small_text, &small_gz, &why), JUDGE_TYPE_DESTROYED);
        ck_assert_int_eq(judge_change(&docx, &fake_gz, &why), JUDGE_NONE); /* compressed before: no telling */
        ck_assert(!judge_replacement(&text, &fake_gz, &why));               /* gzip x; rm x */
        ck_assert(!judge_replacement(&small_text, &small_gz, &why));
        /* One random block inside a text file that kept its head and tail: ciphertext there. */
        struct sample text_mid = { .size = 10000, .type = FTYPE_TEXT, .n_blocks = 3, .n_judged = 3, .n_random = 1 };
        ck_assert_int_eq(judge_change(&text, &text_mid, &why), JUDGE_TURNED_RANDOM);
        ck_assert_int_eq(judge_change(&text_mid, &text_mid, &why), JUDGE_NONE);
        /* Renamed over the original: the same rules, except a file of the same type random
         * behind its header (a converter's output: LZW TIFF, a compressed PDF). */
        ck_assert_int_eq(judge_renamed_over(&pdf, &pdf_two_random, &why), JUDGE_NONE);
        ck_assert_int_eq(judge_renamed_over(&text, &rnd, &why), JUDGE_TURNED_RANDOM);
        ck_assert_int_eq(judge_renamed_over(&text, &fake_gz, &why), JUDGE_TURNED_RANDOM);
        ck_assert_int_eq(judge_renamed_over(&text, &text_mid, &why), JUDGE_TURNED_RANDOM);
        ck_assert_int_eq(judge_renamed_over(&text, &text, &why), JUDGE_NONE);
        /* Most blocks turned random behind the magic. */
        ck_assert_int_eq(judge_change(&pdf, &pdf_two_random, &why), JUDGE_TURNED_RANDOM);
        ck_assert_int_eq(judge_change(&pdf_two_random, &pdf_two_random, &why), JUDGE_NONE);
        /* A zip (docx) rewritten as a zip is an ordinary save. */
        ck_assert_int_eq(judge_change(&docx, &docx, &why), JUDGE_NONE);
        /* Unknown before, unknown after: nothing to compare. */
        ck_assert_int_eq(judge_change(&partial, &partial, &why), JUDGE_NONE);
        ck_assert_int_eq(judge_change(&rnd, &partial, &why), JUDGE_NONE);
}
END_TEST

/* ---- judge_replacement ---- */

START_TEST(test_replacement) {
        struct sample text = mk(C_TEXT, 1), gz = mk(C_GZIP, 2), rnd = mk(C_RANDOM, 3), pgp = mk(C_OPENPGP, 4),
                      b64 = mk(C_BASE64, 5), pdf = mk(C_PDF, 6), xor = mk(C_PDF_XOR, 7), empty = mk(C_EMPTY, 8);
        const char *why = NULL;

        ck_assert(!judge_replacement(&text, &gz, &why)); /* gzip file; rm file */
        ck_assert_ptr_nonnull(why);
        ck_assert(judge_replacement(&text, &rnd, &why));
        ck_assert(judge_replacement(&text, &pgp, &why));
        ck_assert(judge_replacement(&pdf, &pgp, NULL));
        ck_assert(judge_replacement(&text, &b64, &why));
        ck_assert(judge_replacement(&pdf, &xor, &why));
        /* An unknown original replaced by ciphertext still looks like encryption. */
        ck_assert(judge_replacement(NULL, &rnd, &why));
        ck_assert(judge_replacement(NULL, &pgp, &why));
        ck_assert(!judge_replacement(NULL, &gz, &why));
        ck_assert(!judge_replacement(NULL, &text, &why));
        /* Ciphertext replaced by ciphertext (re-encrypting a vault), or a copy of plain text. */
        ck_assert(!judge_replacement(&rnd, &rnd, &why));
        ck_assert(!judge_replacement(&pgp, &pgp, &why));
        ck_assert(!judge_replacement(&text, &text, &why));
        /* An empty original has nothing to lose. */
        ck_assert(!judge_replacement(&empty, &rnd, &why));
        ck_assert(!judge_replacement(&text, &empty, &why));
}
END_TEST

/* ---- judge_type_from_name ---- */

START_TEST(test_type_from_name) {
        static const struct {
                const char *name;
                enum ftype want;
        } cases[] = {
                { "README", FTYPE_UNKNOWN },
                { "/home/u/README", FTYPE_UNKNOWN },
                { ".bashrc", FTYPE_UNKNOWN },
                { "/home/u/.bashrc", FTYPE_UNKNOWN },
                { "/home/u/.config.json", FTYPE_TEXT },
                { "a.PDF", FTYPE_PDF },
                { "a.pdf", FTYPE_PDF },
                { "a.Pdf", FTYPE_PDF },
                { "dir.d/file", FTYPE_UNKNOWN },
                { "/etc/dir.d/file", FTYPE_UNKNOWN },
                { "dir.pdf/file", FTYPE_UNKNOWN },
                { "dir.d/", FTYPE_UNKNOWN },
                { "file.", FTYPE_UNKNOWN },
                { "file..", FTYPE_UNKNOWN },
                { ".", FTYPE_UNKNOWN },
                { "..", FTYPE_UNKNOWN },
                { "", FTYPE_UNKNOWN },
                { "/", FTYPE_UNKNOWN },
                { "report.docx", FTYPE_ZIP },
                { "/srv/backup.tar.gz", FTYPE_GZIP },
                { "photo.jpeg", FTYPE_JPEG },
                { "photo.JPG", FTYPE_JPEG },
                { "notes.txt", FTYPE_TEXT },
                { "notes.txt.locked", FTYPE_UNKNOWN },
                { "notes.txt.enc", FTYPE_UNKNOWN },
                { "data.bin", FTYPE_UNKNOWN },
                { "main.c", FTYPE_TEXT },
                { "a.pdfx", FTYPE_UNKNOWN },
                { "a.pd", FTYPE_UNKNOWN },
                { "db.sqlite", FTYPE_SQLITE },
                { "sheet.xls", FTYPE_OLE },
                { "a.txt\n", FTYPE_UNKNOWN },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                enum ftype t = judge_type_from_name(cases[i].name);
                ck_assert_msg(t == cases[i].want, "\"%s\": %s, expected %s", cases[i].name, ftype_name(t),
                              ftype_name(cases[i].want));
        }
        /* A very long name. */
        char *longn = malloc(10000);
        ck_assert_ptr_nonnull(longn);
        memset(longn, 'a', 9995);
        memcpy(longn + 9995, ".pdf", 5);
        ck_assert_int_eq(judge_type_from_name(longn), FTYPE_PDF);
        free(longn);
}
END_TEST

START_TEST(test_verdict_names) {
        ck_assert_str_eq(judge_verdict_name(JUDGE_NONE), "none");
        ck_assert_str_eq(judge_verdict_name(JUDGE_TURNED_RANDOM), "turned-random");
        ck_assert_str_eq(judge_verdict_name(JUDGE_TYPE_DESTROYED), "type-destroyed");
        ck_assert_str_eq(judge_verdict_name(JUDGE_NEW_CIPHERLIKE), "new-cipherlike");
        ck_assert_str_eq(judge_verdict_name(_JUDGE_MAX), "invalid");
        ck_assert_str_eq(judge_verdict_name((enum judge_verdict) - 1), "invalid");
        ck_assert_str_eq(judge_verdict_name((enum judge_verdict)1000), "invalid");
}
END_TEST

static Suite *judge_suite(void) {
        Suite *s = suite_create("judge");
        TCase *tc;

        tc = tcase_create("change");
        tcase_add_test(tc, test_contents);
        tcase_add_loop_test(tc, test_change_table, 0, ELEMENTSOF(changes));
        tcase_add_test(tc, test_change_hand_made);
        suite_add_tcase(s, tc);

        tc = tcase_create("replacement");
        tcase_add_test(tc, test_replacement);
        suite_add_tcase(s, tc);

        tc = tcase_create("names");
        tcase_add_test(tc, test_type_from_name);
        tcase_add_test(tc, test_verdict_names);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(judge_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
