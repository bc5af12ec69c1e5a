/* Unit tests for lib/ftype.c: every signature against the first bytes of files written by the
 * real tools, every shorter prefix of them, random bytes, text edge cases and the name and class
 * tables. */
#include "ftype.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define BIG_FILE (UINT64_C(1) << 20) /* file_size for heads that are a cut of a longer file */

/* A string literal as a head (without its terminating NUL), cut from a longer file. */
#define DETECT(lit) detect_copy(lit, sizeof(lit) - 1, BIG_FILE)
#define SPEC(name, lit, type, magic_len) { name, (const uint8_t *)(lit), sizeof(lit) - 1, type, magic_len }


static void fill_random(uint64_t *state, uint8_t *b, size_t len) {
        for (size_t i = 0; i < len; i++)
                b[i] = (uint8_t)(prng_next(state) >> 56);
}

/* Detect on an exact-size heap copy, so ASan and valgrind see any read past len. */
static enum ftype detect_copy(const void *b, size_t len, uint64_t file_size) {
        uint8_t *p = NULL;
        if (len > 0) {
                p = malloc(len);
                ck_assert_ptr_nonnull(p);
                memcpy(p, b, len);
        }
        enum ftype t = ftype_detect(p, len, file_size);
        free(p);
        return t;
}

/* The first bytes of files written on Debian 12 by the tool named above each array (or found
 * in a Debian package, by path). magic_len is the shortest prefix that must be recognised;
 * every shorter prefix must not be. */
/* gzip 1.12 */
static const uint8_t gzip[] = {
        0x1f, 0x8b, 0x08, 0x08, 0x21, 0xfe, 0x07, 0x6b, 0x00, 0x03, 0x70, 0x6c,
        0x61, 0x69, 0x6e, 0x2e, 0x74, 0x78, 0x74, 0x00, 0x25, 0xda, 0x49, 0xa2,
        0xc3, 0x2a, 0x10, 0xc5, 0xd0, 0xb9, 0x57, 0x83,
};
/* bzip2 1.0.8 */
static const uint8_t bzip2[] = {
        0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0xe9, 0xc9,
        0x6e, 0x33, 0x00, 0x05, 0x16, 0x48, 0x00, 0x40, 0x10, 0x7f, 0xe0, 0x60,
        0x14, 0x7c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* xz 5.4.1 */
static const uint8_t xz[] = {
        0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04, 0xe6, 0xd6, 0xb4, 0x46,
        0x02, 0x00, 0x21, 0x01, 0x16, 0x00, 0x00, 0x00, 0x74, 0x2f, 0xe5, 0xa3,
        0xe0, 0x22, 0xbc, 0x03, 0x74, 0x5d, 0x00, 0x18,
};
/* lzma (xz 5.4.1) */
static const uint8_t lzma[] = {
        0x5d, 0x00, 0x00, 0x80, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x00, 0x18, 0x82, 0x82, 0x8f, 0x22, 0x4e, 0xf8, 0xa6, 0x55, 0xf7,
        0xf0, 0x99, 0xa5, 0x25, 0x0d, 0x90, 0x45, 0x91,
};
/* zstd 1.5.4 */
static const uint8_t zstd[] = {
        0x28, 0xb5, 0x2f, 0xfd, 0x64, 0xbd, 0x21, 0x9d, 0x49, 0x00, 0xda, 0x13,
        0xd5, 0x1d, 0x09, 0xb0, 0xeb, 0xa2, 0x69, 0xda, 0x87, 0x62, 0x47, 0x07,
        0xce, 0x01, 0xd6, 0x01, 0xc2, 0x01, 0xa5, 0x99,
};
/* lz4 1.9.4 */
static const uint8_t lz4[] = {
        0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x7b, 0x1e, 0x00, 0x00, 0xf1,
        0xff, 0x3b, 0x31, 0x0a, 0x32, 0x0a, 0x33, 0x0a, 0x34, 0x0a, 0x35, 0x0a,
        0x36, 0x0a, 0x37, 0x0a, 0x38, 0x0a, 0x39, 0x0a,
};
/* zip 3.0 */
static const uint8_t zip[] = {
        0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00, 0xd5, 0x4c,
        0x7a, 0x5d, 0xa9, 0x9d, 0xf9, 0x5a, 0x68, 0x10, 0x00, 0x00, 0xbd, 0x22,
        0x00, 0x00, 0x09, 0x00, 0x1c, 0x00, 0x70, 0x6c,
};
/* 7z a (p7zip 16.02) */
static const uint8_t sevenz[] = {
        0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04, 0x36, 0x07, 0xc1, 0xcf,
        0x77, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5a, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x29, 0x7a, 0x08, 0xe1,
};
/* 7z a -p -mhe=on (p7zip 16.02) */
static const uint8_t sevenz_enc[] = {
        0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04, 0x55, 0x2b, 0xa2, 0xa0,
        0xf0, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x51, 0x52, 0x52, 0x35,
};
/* gpg -c (GnuPG 2.2.40) */
static const uint8_t gpg_sym[] = {
        0x8c, 0x0d, 0x04, 0x09, 0x03, 0x02, 0x43, 0x96, 0xe9, 0x1b, 0x08, 0xa4,
        0xa7, 0x60, 0xff, 0xd2, 0xec, 0x01, 0x99, 0x48, 0xe6, 0xe4, 0xf2, 0x47,
        0xdd, 0x7e, 0x4c, 0xf0, 0xdf, 0x0e, 0xd5, 0xaf,
};
/* gpg -c --cipher-algo AES128 --s2k-mode 1 */
static const uint8_t gpg_sym_aes128_s2k1[] = {
        0x8c, 0x0c, 0x04, 0x07, 0x01, 0x02, 0x3e, 0x20, 0xd1, 0xd0, 0x9d, 0x03,
        0x42, 0x9f, 0xd2, 0xec, 0x01, 0x70, 0x85, 0x8a, 0x12, 0x17, 0x0c, 0x93,
        0x6b, 0x58, 0xb3, 0x81, 0x42, 0x34, 0xea, 0x66,
};
/* gpg -c --cipher-algo CAMELLIA256 */
static const uint8_t gpg_sym_camellia[] = {
        0x8c, 0x0d, 0x04, 0x0d, 0x03, 0x02, 0x8f, 0x64, 0xe0, 0x08, 0xa4, 0x48,
        0x2d, 0xb0, 0xff, 0xd2, 0xec, 0x01, 0xc5, 0x88, 0xf1, 0x67, 0xaa, 0x6d,
        0x25, 0xdb, 0xf6, 0x49, 0xfd, 0x24, 0xbe, 0x37,
};
/* gpg -e -r (RSA 3072 key) */
static const uint8_t gpg_pubkey[] = {
        0x85, 0x01, 0x8c, 0x03, 0xcd, 0x3e, 0xb5, 0x3b, 0x67, 0x68, 0x85, 0x2a,
        0x01, 0x0b, 0xfd, 0x17, 0xe2, 0x8d, 0x4c, 0x50, 0x38, 0x27, 0x69, 0x56,
        0x4b, 0xcc, 0x47, 0x15, 0x69, 0x32, 0x4e, 0x94,
};
/* gpg -c --armor */
static const uint8_t gpg_armor[] = {
        0x2d, 0x2d, 0x2d, 0x2d, 0x2d, 0x42, 0x45, 0x47, 0x49, 0x4e, 0x20, 0x50,
        0x47, 0x50, 0x20, 0x4d, 0x45, 0x53, 0x53, 0x41, 0x47, 0x45, 0x2d, 0x2d,
        0x2d, 0x2d, 0x2d, 0x0a, 0x0a, 0x6a, 0x41, 0x30, 0x45, 0x43, 0x51,
};
/* openssl enc -aes-256-cbc -salt -pbkdf2 (OpenSSL 3.0) */
static const uint8_t openssl_salted[] = {
        0x53, 0x61, 0x6c, 0x74, 0x65, 0x64, 0x5f, 0x5f, 0x4a, 0x9b, 0xfd, 0xf1,
        0x63, 0xbc, 0x3b, 0x18, 0x5e, 0xcf, 0xbe, 0xaa, 0xec, 0x43, 0xac, 0xd1,
        0xc5, 0x57, 0x59, 0x5d, 0xae, 0x10, 0x17, 0x2b,
};
/* age -r (age 1.1.1) */
static const uint8_t age[] = {
        0x61, 0x67, 0x65, 0x2d, 0x65, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x69,
        0x6f, 0x6e, 0x2e, 0x6f, 0x72, 0x67, 0x2f, 0x76, 0x31, 0x0a, 0x2d, 0x3e,
        0x20, 0x58, 0x32, 0x35, 0x35, 0x31, 0x39, 0x20,
};
/* age -a -r */
static const uint8_t age_armor[] = {
        0x2d, 0x2d, 0x2d, 0x2d, 0x2d, 0x42, 0x45, 0x47, 0x49, 0x4e, 0x20, 0x41,
        0x47, 0x45, 0x20, 0x45, 0x4e, 0x43, 0x52, 0x59, 0x50, 0x54, 0x45, 0x44,
        0x20, 0x46, 0x49, 0x4c, 0x45, 0x2d, 0x2d, 0x2d, 0x2d, 0x2d, 0x0a, 0x59,
        0x57, 0x64, 0x6c, 0x4c, 0x57, 0x56,
};
/* cryptsetup luksFormat --type luks2 */
static const uint8_t luks2[] = {
        0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* cryptsetup luksFormat --type luks1 */
static const uint8_t luks1[] = {
        0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0x00, 0x01, 0x61, 0x65, 0x73, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* sqlite3 3.40 */
static const uint8_t sqlite[] = {
        0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66, 0x6f, 0x72, 0x6d, 0x61,
        0x74, 0x20, 0x33, 0x00, 0x10, 0x00, 0x01, 0x01, 0x00, 0x40, 0x20, 0x20,
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
};
/* git gc (git 2.39) */
static const uint8_t git_pack[] = {
        0x50, 0x41, 0x43, 0x4b, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
        0x94, 0x07, 0x78, 0x9c, 0x7d, 0xca, 0x41, 0x0a, 0x80, 0x20, 0x10, 0x00,
        0xc0, 0xbb, 0xaf, 0xd8, 0x7b, 0x17, 0xb5, 0x75,
};
/* git add (.git/index) */
static const uint8_t git_index[] = {
        0x44, 0x49, 0x52, 0x43, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01,
        0x6b, 0x07, 0xfe, 0x24, 0x04, 0x2c, 0x2c, 0x36, 0x6b, 0x07, 0xfe, 0x24,
        0x04, 0x2c, 0x2c, 0x36, 0x00, 0x00, 0xfe, 0x00,
};
/* git add (loose object) */
static const uint8_t git_object[] = {
        0x78, 0x01, 0x4b, 0xca, 0xc9, 0x4f, 0x52, 0x30, 0x66, 0xc8, 0xc8, 0xe4,
        0x02, 0x00, 0x11, 0xa3, 0x02, 0xce,
};
/* git -c core.compression=1 hash-object -w */
static const uint8_t git_object_level1[] = {
        0x78, 0x01, 0x4b, 0xca, 0xc9, 0x4f, 0x52, 0x30, 0x34, 0x60, 0xc8, 0x49,
        0x2d, 0x4b, 0xcd, 0x51, 0xc8, 0xcf, 0x4b, 0xe5, 0x02, 0x00, 0x36, 0x87,
        0x05, 0xa5,
};
/* python3 zlib.compress(level=2) of a git blob; "x^K" + a UTF-8 lead byte is still text */
static const uint8_t zlib_level2[] = {
        0x78, 0x5e, 0x4b, 0xca, 0xc9, 0x4f, 0x52, 0x30, 0x66, 0xc8, 0xc8, 0xe4,
        0x02, 0x00, 0x11, 0xa3, 0x02, 0xce,
};
/* sox (WAVE) */
static const uint8_t wav[] = {
        0x52, 0x49, 0x46, 0x46, 0xa4, 0x0c, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45,
        0x66, 0x6d, 0x74, 0x20, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
        0x40, 0x1f, 0x00, 0x00, 0x80, 0x3e, 0x00, 0x00,
};
/* ffmpeg 5.1 (AVI) */
static const uint8_t avi[] = {
        0x52, 0x49, 0x46, 0x46, 0xe8, 0x27, 0x00, 0x00, 0x41, 0x56, 0x49, 0x20,
        0x4c, 0x49, 0x53, 0x54, 0x38, 0x12, 0x00, 0x00, 0x68, 0x64, 0x72, 0x6c,
        0x61, 0x76, 0x69, 0x68, 0x38, 0x00, 0x00, 0x00,
};
/* oggenc 1.4.2 */
static const uint8_t ogg_vorbis[] = {
        0x4f, 0x67, 0x67, 0x53, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x87, 0xdb, 0x60, 0x77, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x54,
        0x9c, 0x56, 0x01, 0x1e, 0x01, 0x76, 0x6f, 0x72,
};
/* ffmpeg 5.1 (Opus) */
static const uint8_t ogg_opus[] = {
        0x4f, 0x67, 0x67, 0x53, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x13, 0x9f, 0xfb, 0x79, 0x00, 0x00, 0x00, 0x00, 0x98, 0xaa,
        0x0e, 0x8e, 0x01, 0x13, 0x4f, 0x70, 0x75, 0x73,
};
/* flac 1.4.2 */
static const uint8_t flac[] = {
        0x66, 0x4c, 0x61, 0x43, 0x00, 0x00, 0x00, 0x22, 0x10, 0x00, 0x10, 0x00,
        0x00, 0x04, 0xcd, 0x00, 0x04, 0xcd, 0x01, 0xf4, 0x00, 0xf0, 0x00, 0x00,
        0x06, 0x40, 0x52, 0x6b, 0x02, 0x96, 0xdb, 0xaf,
};
/* lame 3.100 + id3v2 -t */
static const uint8_t mp3_id3[] = {
        0x49, 0x44, 0x33, 0x03, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x0e, 0x54, 0x49,
        0x54, 0x32, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x74, 0x69, 0x74,
        0x6c, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* ffmpeg 5.1 (MP4) */
static const uint8_t mp4[] = {
        0x00, 0x00, 0x00, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d,
        0x00, 0x00, 0x02, 0x00, 0x69, 0x73, 0x6f, 0x6d, 0x69, 0x73, 0x6f, 0x32,
        0x61, 0x76, 0x63, 0x31, 0x6d, 0x70, 0x34, 0x31,
};
/* ffmpeg 5.1 (M4A) */
static const uint8_t m4a[] = {
        0x00, 0x00, 0x00, 0x1c, 0x66, 0x74, 0x79, 0x70, 0x4d, 0x34, 0x41, 0x20,
        0x00, 0x00, 0x02, 0x00, 0x4d, 0x34, 0x41, 0x20, 0x69, 0x73, 0x6f, 0x6d,
        0x69, 0x73, 0x6f, 0x32, 0x00, 0x00, 0x00, 0x08,
};
/* ffmpeg 5.1 (QuickTime) */
static const uint8_t mov[] = {
        0x00, 0x00, 0x00, 0x14, 0x66, 0x74, 0x79, 0x70, 0x71, 0x74, 0x20, 0x20,
        0x00, 0x00, 0x02, 0x00, 0x71, 0x74, 0x20, 0x20, 0x00, 0x00, 0x00, 0x08,
        0x77, 0x69, 0x64, 0x65, 0x00, 0x00, 0x07, 0x84,
};
/* wat2wasm (wabt 1.0.32) */
static const uint8_t wasm[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
};
/* javac 17 */
static const uint8_t java_class[] = {
        0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x3d, 0x00, 0x0d, 0x0a, 0x00,
        0x02, 0x00, 0x03, 0x07, 0x00, 0x04, 0x0c, 0x00, 0x05, 0x00, 0x06, 0x01,
        0x00, 0x10, 0x6a, 0x61, 0x76, 0x61, 0x2f, 0x6c,
};
/* /usr/share/doc/libtasn1-doc/libtasn1.pdf */
static const uint8_t pdf[] = {
        0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x35, 0x0a, 0x25, 0xd0, 0xd4,
        0xc5, 0xd8, 0x0a, 0x31, 0x20, 0x30, 0x20, 0x6f, 0x62, 0x6a, 0x0a, 0x3c,
        0x3c, 0x0a, 0x2f, 0x4c, 0x65, 0x6e, 0x67, 0x74,
};
/* /bin/ls */
static const uint8_t elf[] = {
        0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00,
        0xd0, 0x61, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* a Debian package */
static const uint8_t deb[] = {
        0x21, 0x3c, 0x61, 0x72, 0x63, 0x68, 0x3e, 0x0a, 0x64, 0x65, 0x62, 0x69,
        0x61, 0x6e, 0x2d, 0x62, 0x69, 0x6e, 0x61, 0x72, 0x79, 0x20, 0x20, 0x20,
        0x31, 0x36, 0x38, 0x31, 0x30, 0x32, 0x33, 0x36,
};
/* /usr/share/cmake-3.25/Templates/CMakeVSMacros1.vsmacros */
static const uint8_t ole[] = {
        0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x3e, 0x00, 0x03, 0x00, 0xfe, 0xff, 0x09, 0x00,
};
/* /usr/share/vim/vim90/print/mac-roman.ps */
static const uint8_t ps[] = {
        0x25, 0x21, 0x50, 0x53, 0x2d, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x2d, 0x33,
        0x2e, 0x30, 0x20, 0x52, 0x65, 0x73, 0x6f, 0x75, 0x72, 0x63, 0x65, 0x2d,
        0x45, 0x6e, 0x63, 0x6f, 0x64, 0x69, 0x6e, 0x67,
};
/* /usr/share/tcltk/tk8.6/images/logo.eps */
static const uint8_t eps[] = {
        0x25, 0x21, 0x50, 0x53, 0x2d, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x2d, 0x33,
        0x2e, 0x30, 0x20, 0x45, 0x50, 0x53, 0x46, 0x2d, 0x33, 0x2e, 0x30, 0x0a,
        0x25, 0x25, 0x43, 0x72, 0x65, 0x61, 0x74, 0x6f,
};
/* /usr/share/clang/scan-view-14/share/bugcatcher.ico */
static const uint8_t ico[] = {
        0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x10, 0x10, 0x10, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x28, 0x01, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x28, 0x00,
        0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00,
};
/* ffmpeg 5.1 */
static const uint8_t ico_ffmpeg[] = {
        0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x20, 0x20, 0x00, 0x00, 0x01, 0x00,
        0x18, 0x00, 0xc4, 0x0c, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x28, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x40, 0x00,
};
/* ffmpeg 5.1 */
static const uint8_t bmp[] = {
        0x42, 0x4d, 0x36, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x36, 0x00,
        0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x40, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00,
};
/* /usr/share/doc/fp-compiler/3.2.2/palmos/pilrc.bmp */
static const uint8_t bmp_1bit[] = {
        0x42, 0x4d, 0xbe, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3e, 0x00,
        0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x30, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
};
/* ffmpeg 5.1 */
static const uint8_t tiff[] = {
        0x49, 0x49, 0x2a, 0x00, 0x12, 0x27, 0x00, 0x00, 0xe9, 0x00, 0x15, 0xff,
        0x00, 0x00, 0xff, 0x00, 0x00, 0xff, 0x00, 0x00, 0xff, 0x00, 0x00, 0xff,
        0x00, 0x00, 0xff, 0x00, 0x00, 0xff, 0x00, 0x00,
};
/* ffmpeg 5.1 */
static const uint8_t jpeg_jfif[] = {
        0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
        0x02, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x10,
        0x4c, 0x61, 0x76, 0x63, 0x35, 0x39, 0x2e, 0x33,
};
/* ffmpeg 5.1 */
static const uint8_t png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
        0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x40,
        0x08, 0x02, 0x00, 0x00, 0x00, 0x25, 0x0b, 0xe6,
};
/* ffmpeg 5.1 */
static const uint8_t gif[] = {
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x40, 0x00, 0x40, 0x00, 0xf7, 0x1f,
        0x31, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x48, 0x00, 0x00, 0x6c, 0x00,
        0x00, 0x90, 0x00, 0x00, 0xb4, 0x00, 0x00, 0xd8,
};
/* ffmpeg 5.1 (libwebp) */
static const uint8_t webp[] = {
        0x52, 0x49, 0x46, 0x46, 0x2a, 0x03, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
        0x56, 0x50, 0x38, 0x20, 0x1e, 0x03, 0x00, 0x00, 0x30, 0x16, 0x00, 0x9d,
        0x01, 0x2a, 0x40, 0x00, 0x40, 0x00, 0x3e, 0x91,
};
/* lz4 -l (legacy format) */
static const uint8_t lz4_legacy[] = {
        0x02, 0x21, 0x4c, 0x18, 0x7b, 0x1e, 0x00, 0x00, 0xf1, 0xff, 0x3b, 0x31,
        0x0a, 0x32, 0x0a, 0x33, 0x0a, 0x34, 0x0a, 0x35, 0x0a, 0x36, 0x0a, 0x37,
        0x0a, 0x38, 0x0a, 0x39, 0x0a, 0x31, 0x30, 0x0a,
};
/* python3 zipfile, empty archive */
static const uint8_t zip_empty[] = {
        0x50, 0x4b, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* bzip2 of empty input */
static const uint8_t bzip2_empty[] = {
        0x42, 0x5a, 0x68, 0x39, 0x17, 0x72, 0x45, 0x38, 0x50, 0x90, 0x00, 0x00,
        0x00, 0x00,
};
/* gzip -n of empty input */
static const uint8_t gzip_empty[] = {
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x03, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* git update-index --index-version 4 */
static const uint8_t git_index_v4[] = {
        0x44, 0x49, 0x52, 0x43, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
        0x6b, 0x07, 0xfe, 0x24, 0x04, 0x2c, 0x2c, 0x36, 0x6b, 0x07, 0xfe, 0x24,
        0x04, 0x2c, 0x2c, 0x36, 0x00, 0x00, 0xfe, 0x00,
};
/* xz --format=lzma -0 */
static const uint8_t lzma_0[] = {
        0x5d, 0x00, 0x00, 0x04, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x00, 0x18, 0x82, 0x82, 0x8f, 0x22, 0x4e, 0xf8, 0xa6, 0x55, 0xf7,
        0xf0, 0x99, 0xa5, 0x25, 0x0d, 0x90, 0x45, 0x91,
};
/* CPython test data python.webp */
static const uint8_t webp_vp8x[] = {
        0x52, 0x49, 0x46, 0x46, 0xa8, 0x01, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
        0x56, 0x50, 0x38, 0x58, 0x0a, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
        0x0f, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x41, 0x4c,
};

struct sample {
        const char *name;
        const uint8_t *bytes;
        size_t len;
        enum ftype type;
        size_t magic_len;
};

static const struct sample samples[] = {
        { "gzip", gzip, sizeof(gzip), FTYPE_GZIP, 4 },
        { "bzip2", bzip2, sizeof(bzip2), FTYPE_BZIP2, 10 },
        { "xz", xz, sizeof(xz), FTYPE_XZ, 6 },
        { "lzma", lzma, sizeof(lzma), FTYPE_LZMA, 13 },
        { "zstd", zstd, sizeof(zstd), FTYPE_ZSTD, 4 },
        { "lz4", lz4, sizeof(lz4), FTYPE_LZ4, 4 },
        { "zip", zip, sizeof(zip), FTYPE_ZIP, 4 },
        { "sevenz", sevenz, sizeof(sevenz), FTYPE_7Z, 6 },
        { "sevenz_enc", sevenz_enc, sizeof(sevenz_enc), FTYPE_7Z, 6 },
        { "gpg_sym", gpg_sym, sizeof(gpg_sym), FTYPE_OPENPGP, 6 },
        { "gpg_sym_aes128_s2k1", gpg_sym_aes128_s2k1, sizeof(gpg_sym_aes128_s2k1), FTYPE_OPENPGP, 6 },
        { "gpg_sym_camellia", gpg_sym_camellia, sizeof(gpg_sym_camellia), FTYPE_OPENPGP, 6 },
        { "gpg_pubkey", gpg_pubkey, sizeof(gpg_pubkey), FTYPE_OPENPGP, 13 },
        { "gpg_armor", gpg_armor, sizeof(gpg_armor), FTYPE_OPENPGP, 27 },
        { "openssl_salted", openssl_salted, sizeof(openssl_salted), FTYPE_OPENSSL_SALTED, 8 },
        { "age", age, sizeof(age), FTYPE_AGE, 22 },
        { "age_armor", age_armor, sizeof(age_armor), FTYPE_AGE, 34 },
        { "luks2", luks2, sizeof(luks2), FTYPE_LUKS, 8 },
        { "luks1", luks1, sizeof(luks1), FTYPE_LUKS, 8 },
        { "sqlite", sqlite, sizeof(sqlite), FTYPE_SQLITE, 16 },
        { "git_pack", git_pack, sizeof(git_pack), FTYPE_GIT_PACK, 8 },
        { "git_index", git_index, sizeof(git_index), FTYPE_GIT_INDEX, 8 },
        { "git_object", git_object, sizeof(git_object), FTYPE_GIT_OBJECT, 3 },
        { "git_object_level1", git_object_level1, sizeof(git_object_level1), FTYPE_GIT_OBJECT, 3 },
        { "zlib_level2", zlib_level2, sizeof(zlib_level2), FTYPE_GIT_OBJECT, 5 },
        { "wav", wav, sizeof(wav), FTYPE_RIFF, 4 },
        { "avi", avi, sizeof(avi), FTYPE_RIFF, 4 },
        { "ogg_vorbis", ogg_vorbis, sizeof(ogg_vorbis), FTYPE_OGG, 5 },
        { "ogg_opus", ogg_opus, sizeof(ogg_opus), FTYPE_OGG, 5 },
        { "flac", flac, sizeof(flac), FTYPE_FLAC, 4 },
        { "mp3_id3", mp3_id3, sizeof(mp3_id3), FTYPE_MP3_ID3, 10 },
        { "mp4", mp4, sizeof(mp4), FTYPE_MP4, 12 },
        { "m4a", m4a, sizeof(m4a), FTYPE_MP4, 12 },
        { "mov", mov, sizeof(mov), FTYPE_MP4, 12 },
        { "wasm", wasm, sizeof(wasm), FTYPE_WASM, 8 },
        { "java_class", java_class, sizeof(java_class), FTYPE_JAVA_CLASS, 4 },
        { "pdf", pdf, sizeof(pdf), FTYPE_PDF, 5 },
        { "elf", elf, sizeof(elf), FTYPE_ELF, 4 },
        { "deb", deb, sizeof(deb), FTYPE_DEB_AR, 8 },
        { "ole", ole, sizeof(ole), FTYPE_OLE, 8 },
        { "ps", ps, sizeof(ps), FTYPE_PS, 4 },
        { "eps", eps, sizeof(eps), FTYPE_PS, 4 },
        { "ico", ico, sizeof(ico), FTYPE_ICO, 22 },
        { "ico_ffmpeg", ico_ffmpeg, sizeof(ico_ffmpeg), FTYPE_ICO, 22 },
        { "bmp", bmp, sizeof(bmp), FTYPE_BMP, 18 },
        { "bmp_1bit", bmp_1bit, sizeof(bmp_1bit), FTYPE_BMP, 18 },
        { "tiff", tiff, sizeof(tiff), FTYPE_TIFF, 4 },
        { "jpeg_jfif", jpeg_jfif, sizeof(jpeg_jfif), FTYPE_JPEG, 4 },
        { "png", png, sizeof(png), FTYPE_PNG, 8 },
        { "gif", gif, sizeof(gif), FTYPE_GIF, 6 },
        { "webp", webp, sizeof(webp), FTYPE_WEBP, 12 },
        { "lz4_legacy", lz4_legacy, sizeof(lz4_legacy), FTYPE_LZ4, 4 },
        { "zip_empty", zip_empty, sizeof(zip_empty), FTYPE_ZIP, 4 },
        { "bzip2_empty", bzip2_empty, sizeof(bzip2_empty), FTYPE_BZIP2, 10 },
        { "gzip_empty", gzip_empty, sizeof(gzip_empty), FTYPE_GZIP, 4 },
        { "git_index_v4", git_index_v4, sizeof(git_index_v4), FTYPE_GIT_INDEX, 8 },
        { "lzma_0", lzma_0, sizeof(lzma_0), FTYPE_LZMA, 13 },
        { "webp_vp8x", webp_vp8x, sizeof(webp_vp8x), FTYPE_WEBP, 12 },
};

/* The first header of `tar cf` (GNU tar 1.34, default GNU format) and `tar --format=ustar cf`
 * for one file "plain.txt", field by field (the rest is NUL): "ustar" sits at offset 257. */
static void tar_header(uint8_t h[512], bool posix) {
        memset(h, 0, 512);
        memcpy(h + 0, "plain.txt", 9);          /* name */
        memcpy(h + 100, "0000644", 7);          /* mode */
        memcpy(h + 108, "0000000", 7);          /* uid */
        memcpy(h + 116, "0000000", 7);          /* gid */
        memcpy(h + 124, "00000021275", 11);     /* size */
        memcpy(h + 136, "15301777041", 11);     /* mtime */
        memcpy(h + 148, posix ? "012734\0 " : "011434\0 ", 8); /* checksum */
        h[156] = '0';                           /* typeflag: regular file */
        if (posix)
                memcpy(h + 257, "ustar\0" "00", 8); /* magic, version */
        else
                memcpy(h + 257, "ustar  \0", 8);
        memcpy(h + 265, "root", 4);             /* uname */
        memcpy(h + 297, "root", 4);             /* gname */
        if (posix) {
                memcpy(h + 329, "0000000", 7);  /* devmajor */
                memcpy(h + 337, "0000000", 7);  /* devminor */
        }
}

/* Signatures no tool on this machine writes (rar is not in Debian main; nothing here writes
 * big-endian TIFF, BigTIFF, DOS EPS or a v5 SKESK), and variants of the ones above, taken from
 * the format specifications. */
static const struct sample spec_samples[] = {
        SPEC("rar4", "Rar!\x1a\x07\x00\xcf\x90\x73\x00\x00\x0d", FTYPE_RAR, 7),
        SPEC("rar5", "Rar!\x1a\x07\x01\x00\x33\x92\xb5\xe5\x0a\x01", FTYPE_RAR, 8),
        SPEC("tiff_be", "MM\0*\0\0\0\x08", FTYPE_TIFF, 4),
        SPEC("bigtiff_le", "II+\0\x08\0\0\0", FTYPE_TIFF, 4),
        SPEC("bigtiff_be", "MM\0+\0\x08\0\0", FTYPE_TIFF, 4),
        SPEC("dos_eps", "\xc5\xd0\xd3\xc6\x1e\0\0\0", FTYPE_PS, 4),
        SPEC("git_pack_v3", "PACK\0\0\0\x03\0\0\0\x01", FTYPE_GIT_PACK, 8),
        SPEC("git_index_v3", "DIRC\0\0\0\x03\0\0\0\x01", FTYPE_GIT_INDEX, 8),
        SPEC("zlib_best", "\x78\xda\x4b\xca", FTYPE_GIT_OBJECT, 3),
        SPEC("zlib_default", "\x78\x9c\x4b\xca", FTYPE_GIT_OBJECT, 3),
        /* OpenPGP new-format packet headers (RFC 4880 4.2.2): SKESK v4 and PKESK v3. */
        SPEC("pgp_new_skesk", "\xc3\x0d\x04\x09\x03\x02\x43\x96", FTYPE_OPENPGP, 6),
        SPEC("pgp_new_pkesk", "\xc1\xc0\x4c\x03\xcd\x3e\xb5\x3b\x67\x68\x85\x2a\x12\x0b", FTYPE_OPENPGP, 13),
        /* GnuPG 2.3+ AEAD: SKESK v5 with OCB. */
        SPEC("pgp_skesk_v5", "\xc3\x3d\x05\x09\x02\x03\x08\x11", FTYPE_OPENPGP, 7),
};

static void check_sample(const struct sample *s) {
        ck_assert_msg(ftype_detect(s->bytes, s->len, BIG_FILE) == s->type, "%s: got %s, want %s", s->name,
                      ftype_name(ftype_detect(s->bytes, s->len, BIG_FILE)), ftype_name(s->type));
        /* The same head as a whole file. */
        ck_assert_msg(detect_copy(s->bytes, s->len, s->len) == s->type, "%s (whole file)", s->name);

        /* Every prefix: not that type while shorter than its magic, that type from then on.
         * Exact-size copies, so a read past len shows under ASan and valgrind. */
        for (size_t k = 0; k < s->len; k++) {
                enum ftype t = detect_copy(s->bytes, k, BIG_FILE);
                ck_assert_int_lt(t, _FTYPE_MAX);
                if (k < s->magic_len)
                        ck_assert_msg(t != s->type, "%s: prefix of %zu bytes detected as %s", s->name, k,
                                      ftype_name(t));
                else
                        ck_assert_msg(t == s->type, "%s: prefix of %zu bytes gave %s, want %s", s->name, k,
                                      ftype_name(t), ftype_name(s->type));
        }
        ck_assert_int_eq(detect_copy(s->bytes, 0, BIG_FILE), FTYPE_UNKNOWN);
}

START_TEST(test_tool_samples) {
        check_sample(&samples[_i]);
}
END_TEST

START_TEST(test_tar_samples) {
        static uint8_t h[512];
        tar_header(h, _i == 1);
        struct sample s = { _i == 1 ? "tar_posix" : "tar_gnu", h, sizeof(h), FTYPE_TAR, 263 };
        check_sample(&s);
}
END_TEST

START_TEST(test_spec_samples) {
        check_sample(&spec_samples[_i]);
}
END_TEST

START_TEST(test_sample_classes) {
        /* The classes the scoring depends on, for the real-tool samples. */
        for (size_t i = 0; i < ELEMENTSOF(samples); i++) {
                enum ftype t = ftype_detect(samples[i].bytes, samples[i].len, BIG_FILE);
                enum ftype_class c = ftype_class_of(t);
                switch (t) {
                case FTYPE_OPENPGP: case FTYPE_OPENSSL_SALTED: case FTYPE_AGE: case FTYPE_LUKS:
                        ck_assert_int_eq(c, FTYPE_CLASS_ENCRYPTED);
                        break;
                case FTYPE_GZIP: case FTYPE_BZIP2: case FTYPE_XZ: case FTYPE_LZMA: case FTYPE_ZSTD: case FTYPE_LZ4:
                case FTYPE_ZIP: case FTYPE_JPEG: case FTYPE_PNG: case FTYPE_GIF: case FTYPE_WEBP:
                case FTYPE_GIT_PACK: case FTYPE_GIT_OBJECT: case FTYPE_7Z:
                        ck_assert_int_eq(c, FTYPE_CLASS_COMPRESSED);
                        break;
                default:
                        ck_assert_int_eq(c, FTYPE_CLASS_STRUCTURED);
                }
        }
}
END_TEST

/* ccrypt has no plaintext magic: its first 32 bytes are the encrypted nonce and magic "c051"
 * (see ccrypt(1), "the use of the magic number"), different for every run. This is the head of
 * `ccencrypt` (ccrypt 1.11) output; it must not look like anything known. */
static const uint8_t ccrypt_head[] = {
        0x57, 0xc8, 0x24, 0x76, 0xc1, 0xd9, 0xbf, 0x93, 0x1a, 0x5c, 0xad, 0x26,
        0x2d, 0x90, 0x8f, 0xc2, 0xd3, 0xfc, 0x14, 0xd6, 0x6c, 0xcc, 0x6c, 0x39,
        0xe8, 0x9d, 0x27, 0x8c, 0x2d, 0xf5, 0x0e, 0xc2,
};

/* A bare MPEG audio frame header (lame 3.100 without tags): an 11-bit sync word is too weak a
 * signature, so it stays unknown. */
static const uint8_t mp3_frame_head[] = {
        0xff, 0xe3, 0x18, 0xc4, 0x00, 0x0b, 0xd0, 0x03, 0x0a, 0x59, 0x41, 0x00,
        0x02, 0x92, 0x34, 0x25, 0xff, 0xfe, 0x00, 0x07, 0xc1, 0xf0, 0x7c, 0x1f,
};

START_TEST(test_no_magic_formats) {
        ck_assert_int_eq(ftype_detect(ccrypt_head, sizeof(ccrypt_head), BIG_FILE), FTYPE_UNKNOWN);
        ck_assert_int_eq(ftype_detect(mp3_frame_head, sizeof(mp3_frame_head), BIG_FILE), FTYPE_UNKNOWN);
        /* Old v7 tar headers have no magic either. */
        uint8_t v7[512] = "plain.txt";
        memcpy(v7 + 100, "0000644\0", 8);
        ck_assert_int_eq(ftype_detect(v7, sizeof(v7), BIG_FILE), FTYPE_UNKNOWN);
}
END_TEST

START_TEST(test_near_misses) {
        /* Plausible headers with one field wrong. */
        ck_assert_int_eq(DETECT("\x1f\x8b\x08\xe0\0\0\0\0\0\x03"), FTYPE_UNKNOWN); /* gzip reserved flags */
        ck_assert_int_eq(DETECT("\x1f\x8b\x07\0\0\0\0\0\0\x03"), FTYPE_UNKNOWN);    /* gzip method 7 */
        /* bzip2 with block size 0, or a wrong block magic ("1AY&SY" is printable) */
        ck_assert_int_ne(DETECT("BZh0\x31\x41\x59\x26\x53\x59"), FTYPE_BZIP2);
        ck_assert_int_ne(DETECT("BZh9\x31\x41\x59\x26\x53\x58"), FTYPE_BZIP2);
        ck_assert_int_eq(DETECT("BZh9\x17\x72\x45\x38\x50\x91"), FTYPE_UNKNOWN);
        /* lzma: dictionary size not 2^n or 2^n + 2^(n-1); uncompressed size >= 2^48 */
        ck_assert_int_eq(DETECT("\x5d\0\0\x81\0\xff\xff\xff\xff\xff\xff\xff\xff"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\x5d\0\0\x80\0\x01\0\0\0\0\0\x01\0"), FTYPE_UNKNOWN);
        /* unknown versions and markers */
        ck_assert_int_eq(DETECT("\xff\xd8\xff\x12"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("PACK\0\0\0\x01"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("DIRC\0\0\0\x05"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("LUKS\xba\xbe\0\x03"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\0asm\x02\0\0\0"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("ID3\x05\0\0\0\0\x0d\x0e"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("ID3\x03\0\0\0\0\x8d\x0e"), FTYPE_UNKNOWN); /* size not syncsafe */
        /* zlib: bad FCHECK, preset dictionary, other method, reserved block type */
        ck_assert_int_eq(DETECT("\x78\x9d\x4b"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\x78\xbb\x4b"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\x79\x9c\x4b"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\x78\x9c\x07"), FTYPE_UNKNOWN);
        /* "x^" followed by text is text, not a zlib stream */
        ck_assert_int_eq(DETECT("x^2 + y^2 = z^2\n"), FTYPE_TEXT);
        /* OpenPGP: a public key packet is not encrypted; SKESK v3; cipher 5; S2K 2; hash 5;
         * indeterminate (old) and partial (new) lengths */
        ck_assert_int_eq(DETECT("\x99\x01\x8d\x04\x65\x00\x00\x00\x01\x0c"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\x8c\x0d\x03\x09\x03\x02"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\x8c\x0d\x04\x05\x03\x02"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\x8c\x0d\x04\x09\x02\x02"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\x8c\x0d\x04\x09\x03\x05"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\x8f\x0d\x04\x09\x03\x02"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("\xc3\xe0\x04\x09\x03\x02"), FTYPE_UNKNOWN);
        /* armoured keys and clear-signed text are text */
        ck_assert_int_eq(DETECT("-----BEGIN PGP PUBLIC KEY BLOCK-----\n"), FTYPE_TEXT);
        ck_assert_int_eq(DETECT("-----BEGIN PGP SIGNED MESSAGE-----\n"), FTYPE_TEXT);
        /* BMP with an unknown DIB header size, or pixel data inside the headers */
        ck_assert_int_eq(DETECT("BM6\x30\0\0\0\0\0\0\x36\0\0\0\x29\0\0\0"), FTYPE_UNKNOWN);
        ck_assert_int_eq(DETECT("BM6\x30\0\0\0\0\0\0\x20\0\0\0\x28\0\0\0"), FTYPE_UNKNOWN);
        /* ICO with zero images */
        ck_assert_int_eq(DETECT("\0\0\x01\0\0\0\x10\x10\x10\0\0\0\0\0\x28\x01\0\0\x16\0\0\0"), FTYPE_UNKNOWN);
        /* MP4 with a box size that is not a multiple of 4 */
        ck_assert_int_eq(DETECT("\0\0\0\x21" "ftypisom\0\0\x02\0"), FTYPE_UNKNOWN);
}
END_TEST

/* Random bytes: the weak signatures must not fire often. The requirement is < 1 %. */
#define RANDOM_BLOCKS 10000

START_TEST(test_random_blocks) {
        uint64_t state = 20240601;
        uint8_t b[512];
        unsigned hits = 0, per_type[_FTYPE_MAX] = { 0 };

        for (unsigned i = 0; i < RANDOM_BLOCKS; i++) {
                fill_random(&state, b, sizeof(b));
                enum ftype t = ftype_detect(b, sizeof(b), BIG_FILE);
                ck_assert_int_lt(t, _FTYPE_MAX);
                if (t != FTYPE_UNKNOWN) {
                        hits++;
                        per_type[t]++;
                }
        }
        fprintf(stderr, "ftype: %u of %u random 512-byte blocks classified (%.3f %%)", hits, RANDOM_BLOCKS,
                100.0 * hits / RANDOM_BLOCKS);
        for (size_t t = 0; t < _FTYPE_MAX; t++)
                if (per_type[t])
                        fprintf(stderr, " %s=%u", ftype_name((enum ftype)t), per_type[t]);
        fputc('\n', stderr);
        ck_assert_uint_lt(hits, RANDOM_BLOCKS / 100);
        /* Measured 0.05 % or less (zlib's 2-byte header is the main source); catch a regression. */
        ck_assert_uint_le(hits, RANDOM_BLOCKS / 1000);
}
END_TEST

/* Random bytes behind the first bytes of a weak signature: the header fields checked after them
 * must reject nearly all. */
START_TEST(test_random_behind_weak_prefix) {
        static const struct {
                const char *prefix;
                size_t off, len;
                enum ftype type;
                unsigned max_hits; /* of RANDOM_BLOCKS */
        } weak[] = {
                { "BM", 0, 2, FTYPE_BMP, 2 },
                { "\0\0\x01\0", 0, 4, FTYPE_ICO, 2 },
                { "ID3", 0, 3, FTYPE_MP3_ID3, 5 },
                { "\x8c", 0, 1, FTYPE_OPENPGP, 2 },
                { "\x85", 0, 1, FTYPE_OPENPGP, 2 },
                { "\xc1", 0, 1, FTYPE_OPENPGP, 2 },
                { "\xc3", 0, 1, FTYPE_OPENPGP, 2 },
                { "\x5d", 0, 1, FTYPE_LZMA, 2 },
                { "ftyp", 4, 4, FTYPE_MP4, 2 },
                { "BZh", 0, 3, FTYPE_BZIP2, 2 },
                { "\xff\xd8", 0, 2, FTYPE_JPEG, 30 }, /* FF then C0..FE: 1/256 * 63/256 */
                { "\x78", 0, 1, FTYPE_GIT_OBJECT, 200 }, /* 4 of 256 second bytes, 3/4 block types */
        };
        uint64_t state = 7;
        uint8_t b[512];

        for (size_t w = 0; w < ELEMENTSOF(weak); w++) {
                unsigned hits = 0;
                for (unsigned i = 0; i < RANDOM_BLOCKS; i++) {
                        fill_random(&state, b, sizeof(b));
                        memcpy(b + weak[w].off, weak[w].prefix, weak[w].len);
                        if (ftype_detect(b, sizeof(b), BIG_FILE) == weak[w].type)
                                hits++;
                }
                ck_assert_msg(hits <= weak[w].max_hits, "%s: %u of %u random blocks behind a weak prefix",
                              ftype_name(weak[w].type), hits, RANDOM_BLOCKS);
        }
}
END_TEST

START_TEST(test_mutations) {
        /* Damaged and truncated heads of every sample, at exact size: only the absence of
         * out-of-bounds reads (ASan, valgrind) and a valid enum are checked. */
        uint64_t state = 99;
        uint8_t b[600];

        for (size_t i = 0; i < ELEMENTSOF(samples); i++)
                for (unsigned n = 0; n < 300; n++) {
                        size_t len = samples[i].len;
                        memcpy(b, samples[i].bytes, len);
                        unsigned flips = 1 + (unsigned)(prng_next(&state) % 3);
                        for (unsigned f = 0; f < flips; f++)
                                b[prng_next(&state) % len] = (uint8_t)prng_next(&state);
                        size_t cut = (size_t)(prng_next(&state) % (len + 1));
                        ck_assert_int_lt(detect_copy(b, cut, BIG_FILE), _FTYPE_MAX);
                }
        for (unsigned n = 0; n < 2000; n++) {
                size_t len = (size_t)(prng_next(&state) % sizeof(b));
                fill_random(&state, b, len);
                if (len > 0 && n % 2)
                        b[0] = (uint8_t)"\x78\x8c\x85\xc1\xc3\x5d\xff" "BI\0"[n % 10];
                ck_assert_int_lt(detect_copy(b, len, BIG_FILE), _FTYPE_MAX);
                ck_assert_int_lt(detect_copy(b, len, len), _FTYPE_MAX);
        }
}
END_TEST

static enum ftype detect_str(const char *s, uint64_t file_size) {
        return detect_copy(s, strlen(s), file_size);
}

START_TEST(test_text) {
        ck_assert_int_eq(detect_str("hello, world\n", 13), FTYPE_TEXT);
        ck_assert_int_eq(detect_str("a", 1), FTYPE_TEXT);
        ck_assert_int_eq(detect_str("col1,col2\r\n1,2\r\n\f\tindented\n", BIG_FILE), FTYPE_TEXT);
        /* UTF-8: 2, 3 and 4 byte sequences, a BOM */
        ck_assert_int_eq(detect_str("na\xc3\xafve caf\xc3\xa9 \xe2\x80\x94 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
                                    "\xf0\x9f\x8e\x89\n", BIG_FILE), FTYPE_TEXT);
        ck_assert_int_eq(detect_str("\xef\xbb\xbfwith BOM\n", BIG_FILE), FTYPE_TEXT);
        ck_assert_int_eq(detect_str("\xf4\x8f\xbf\xbf U+10FFFF", BIG_FILE), FTYPE_TEXT);
        /* terminal colours and overstrike, as in logs and formatted manuals */
        ck_assert_int_eq(detect_str("\x1b[1;31mERROR\x1b[0m disk full\n", BIG_FILE), FTYPE_TEXT);
        ck_assert_int_eq(detect_str("N\bNA\bAM\bME\bE\n", BIG_FILE), FTYPE_TEXT);
        /* base64 (and hex) is text: the scoring judges its randomness separately */
        ck_assert_int_eq(detect_str("U2FsdGVkX1+vupppZksvRf5pq5g5XjFRIipRkwB0K1Y96Qsv2Lm+31cmzaAILwyt\n", BIG_FILE),
                         FTYPE_TEXT);
        ck_assert_int_eq(detect_str("6a09e667f3bcc908bb67ae8584caa73b3c6ef372fe94f82ba54ff53a5f1d36f1\n", BIG_FILE),
                         FTYPE_TEXT);
        /* armoured encrypted data is text with a known header: encrypted */
        ck_assert_int_eq(detect_str("-----BEGIN PGP MESSAGE-----\n\njA0ECQMC\n", BIG_FILE), FTYPE_OPENPGP);
        ck_assert_int_eq(detect_str("-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n", BIG_FILE), FTYPE_AGE);
        /* PDF and PostScript start with text but are structured */
        ck_assert_int_eq(detect_str("%PDF-1.7\n", BIG_FILE), FTYPE_PDF);
        ck_assert_int_eq(detect_str("%!PS-Adobe-3.0\n", BIG_FILE), FTYPE_PS);
        /* words that begin like a signature */
        ck_assert_int_eq(detect_str("PACKAGE = foo\n", BIG_FILE), FTYPE_TEXT);
        ck_assert_int_eq(detect_str("DIRCOLORS\n", BIG_FILE), FTYPE_TEXT);
        ck_assert_int_eq(detect_str("BMW 320i\n", BIG_FILE), FTYPE_TEXT);
        ck_assert_int_eq(detect_str("ID3 tags\n", BIG_FILE), FTYPE_TEXT);
        ck_assert_int_eq(detect_str("RIFF", BIG_FILE), FTYPE_RIFF);
}
END_TEST

START_TEST(test_not_text) {
        ck_assert_int_eq(detect_copy("abc\0def\n", 8, BIG_FILE), FTYPE_UNKNOWN);          /* NUL */
        ck_assert_int_eq(detect_copy("\0", 1, BIG_FILE), FTYPE_UNKNOWN);
        ck_assert_int_eq(detect_str("abc\x7f" "def", BIG_FILE), FTYPE_UNKNOWN);          /* DEL */
        ck_assert_int_eq(detect_str("abc\x01" "def", BIG_FILE), FTYPE_UNKNOWN);          /* SOH */
        ck_assert_int_eq(detect_str("caf\xe9 au lait", BIG_FILE), FTYPE_UNKNOWN);        /* Latin-1 */
        ck_assert_int_eq(detect_str("\x80" "abc", BIG_FILE), FTYPE_UNKNOWN);             /* lone continuation */
        ck_assert_int_eq(detect_str("\xc0\xaf", BIG_FILE), FTYPE_UNKNOWN);               /* overlong '/' */
        ck_assert_int_eq(detect_str("\xe0\x80\xaf", BIG_FILE), FTYPE_UNKNOWN);           /* overlong */
        ck_assert_int_eq(detect_str("\xf0\x80\x80\xaf", BIG_FILE), FTYPE_UNKNOWN);       /* overlong */
        ck_assert_int_eq(detect_str("\xed\xa0\x80", BIG_FILE), FTYPE_UNKNOWN);           /* surrogate */
        ck_assert_int_eq(detect_str("\xf4\x90\x80\x80", BIG_FILE), FTYPE_UNKNOWN);       /* > U+10FFFF */
        ck_assert_int_eq(detect_str("\xf8\x88\x80\x80\x80", BIG_FILE), FTYPE_UNKNOWN);   /* 5-byte form */
        ck_assert_int_eq(detect_str("\xc3(", BIG_FILE), FTYPE_UNKNOWN);                  /* bad continuation */
        ck_assert_int_eq(detect_str("\xe6\x97(", BIG_FILE), FTYPE_UNKNOWN);
        /* UTF-16 has NULs */
        ck_assert_int_eq(detect_copy("\xff\xfeh\0i\0", 6, BIG_FILE), FTYPE_UNKNOWN);
}
END_TEST

START_TEST(test_text_cut_utf8) {
        /* A multibyte sequence cut off by the end of the head is fine where the file goes on
         * (the head is a cut), but not where the head is the whole file. */
        static const char *cut[] = { "abc\xc3", "abc\xe6", "abc\xe6\x97", "abc\xf0", "abc\xf0\x9f",
                                     "abc\xf0\x9f\x8e" };
        for (size_t i = 0; i < ELEMENTSOF(cut); i++) {
                size_t len = strlen(cut[i]);
                ck_assert_msg(detect_copy(cut[i], len, BIG_FILE) == FTYPE_TEXT, "cut %zu", i);
                ck_assert_msg(detect_copy(cut[i], len, len) == FTYPE_UNKNOWN, "whole %zu", i);
                ck_assert_msg(detect_copy(cut[i], len, len + 1) == FTYPE_TEXT, "cut+1 %zu", i);
        }
        /* The cut must still be a valid start of a sequence. */
        ck_assert_int_eq(detect_copy("abc\xe0\x80", 5, BIG_FILE), FTYPE_UNKNOWN);
        ck_assert_int_eq(detect_copy("abc\xed\xa0", 5, BIG_FILE), FTYPE_UNKNOWN);
        ck_assert_int_eq(detect_copy("abc\xf4\x90", 5, BIG_FILE), FTYPE_UNKNOWN);
        ck_assert_int_eq(detect_copy("abc\xf5", 4, BIG_FILE), FTYPE_UNKNOWN);
}
END_TEST

START_TEST(test_head_limit) {
        /* Only FTYPE_HEAD_BYTES are looked at: text up to there, whatever follows. */
        uint8_t b[2 * FTYPE_HEAD_BYTES];
        memset(b, 'a', sizeof(b));
        b[FTYPE_HEAD_BYTES] = 0;
        ck_assert_int_eq(detect_copy(b, sizeof(b), sizeof(b)), FTYPE_TEXT);
        b[FTYPE_HEAD_BYTES - 1] = 0;
        ck_assert_int_eq(detect_copy(b, sizeof(b), sizeof(b)), FTYPE_UNKNOWN);

        /* A sequence across the limit counts as cut, even when the caller passed the whole file. */
        memset(b, 'a', sizeof(b));
        memcpy(b + FTYPE_HEAD_BYTES - 2, "\xf0\x9f\x8e\x89", 4);
        ck_assert_int_eq(detect_copy(b, sizeof(b), sizeof(b)), FTYPE_TEXT);
        ck_assert_int_eq(detect_copy(b, FTYPE_HEAD_BYTES, FTYPE_HEAD_BYTES), FTYPE_UNKNOWN);
}
END_TEST

START_TEST(test_empty_and_null) {
        ck_assert_int_eq(ftype_detect(NULL, 0, 0), FTYPE_EMPTY);
        ck_assert_int_eq(ftype_detect(NULL, 0, 100), FTYPE_UNKNOWN);
        ck_assert_int_eq(ftype_detect((const uint8_t *)"", 0, 100), FTYPE_UNKNOWN);
        /* file_size 0 wins: the file was truncated after the head was read */
        ck_assert_int_eq(ftype_detect((const uint8_t *)"%PDF-1.4", 8, 0), FTYPE_EMPTY);
        ck_assert_int_eq(ftype_class_of(FTYPE_EMPTY), FTYPE_CLASS_EMPTY);
        /* A NULL head with a length is a caller bug; it is not dereferenced. */
        ck_assert_int_eq(ftype_detect(NULL, 10, 100), FTYPE_UNKNOWN);
}
END_TEST

START_TEST(test_names_and_classes) {
        for (int t = 0; t < _FTYPE_MAX; t++) {
                const char *name = ftype_name((enum ftype)t);
                ck_assert_ptr_nonnull(name);
                ck_assert_str_ne(name, "invalid");
                ck_assert_uint_gt(strlen(name), 0);
                for (const char *p = name; *p; p++)
                        ck_assert_msg((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_',
                                      "name %s", name);
                for (int u = 0; u < t; u++)
                        ck_assert_str_ne(name, ftype_name((enum ftype)u));

                enum ftype_class c = ftype_class_of((enum ftype)t), want;
                if (t == FTYPE_EMPTY)
                        want = FTYPE_CLASS_EMPTY;
                else if (t == FTYPE_UNKNOWN)
                        want = FTYPE_CLASS_UNKNOWN;
                else if (t == FTYPE_TEXT)
                        want = FTYPE_CLASS_TEXT;
                else if (t >= FTYPE_PDF && t <= FTYPE_DEB_AR)
                        want = FTYPE_CLASS_STRUCTURED;
                else if (t >= FTYPE_GZIP && t <= FTYPE_7Z)
                        want = FTYPE_CLASS_COMPRESSED;
                else
                        want = FTYPE_CLASS_ENCRYPTED;
                ck_assert_msg(c == want, "%s: class %s, want %s", name, ftype_class_name(c), ftype_class_name(want));
                ck_assert_str_ne(ftype_class_name(c), "invalid");
        }
        ck_assert_int_eq(ftype_class_of(FTYPE_LUKS), FTYPE_CLASS_ENCRYPTED);
        ck_assert_int_eq(ftype_class_of(FTYPE_CCRYPT), FTYPE_CLASS_ENCRYPTED);
        ck_assert_str_eq(ftype_name(FTYPE_PDF), "pdf");
        ck_assert_str_eq(ftype_name(FTYPE_GZIP), "gzip");

        ck_assert_str_eq(ftype_class_name(FTYPE_CLASS_EMPTY), "empty");
        ck_assert_str_eq(ftype_class_name(FTYPE_CLASS_UNKNOWN), "unknown");
        ck_assert_str_eq(ftype_class_name(FTYPE_CLASS_TEXT), "text");
        ck_assert_str_eq(ftype_class_name(FTYPE_CLASS_STRUCTURED), "structured");
        ck_assert_str_eq(ftype_class_name(FTYPE_CLASS_COMPRESSED), "compressed");
        ck_assert_str_eq(ftype_class_name(FTYPE_CLASS_ENCRYPTED), "encrypted");

        /* Out of range: never NULL. */
        ck_assert_str_eq(ftype_name(_FTYPE_MAX), "invalid");
        ck_assert_str_eq(ftype_name((enum ftype)1000), "invalid");
        ck_assert_str_eq(ftype_name((enum ftype)-1), "invalid");
        ck_assert_int_eq(ftype_class_of(_FTYPE_MAX), FTYPE_CLASS_UNKNOWN);
        ck_assert_int_eq(ftype_class_of((enum ftype)-1), FTYPE_CLASS_UNKNOWN);
        ck_assert_str_eq(ftype_class_name((enum ftype_class)(FTYPE_CLASS_ENCRYPTED + 1)), "invalid");
        ck_assert_str_eq(ftype_class_name((enum ftype_class)-1), "invalid");
}
END_TEST

static Suite *ftype_suite(void) {
        Suite *s = suite_create("ftype");
        TCase *tc;

        tc = tcase_create("signatures");
        tcase_add_loop_test(tc, test_tool_samples, 0, ELEMENTSOF(samples));
        tcase_add_loop_test(tc, test_tar_samples, 0, 2);
        tcase_add_loop_test(tc, test_spec_samples, 0, ELEMENTSOF(spec_samples));
        tcase_add_test(tc, test_sample_classes);
        tcase_add_test(tc, test_no_magic_formats);
        tcase_add_test(tc, test_near_misses);
        suite_add_tcase(s, tc);

        tc = tcase_create("random");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_random_blocks);
        tcase_add_test(tc, test_random_behind_weak_prefix);
        tcase_add_test(tc, test_mutations);
        suite_add_tcase(s, tc);

        tc = tcase_create("text");
        tcase_add_test(tc, test_text);
        tcase_add_test(tc, test_not_text);
        tcase_add_test(tc, test_text_cut_utf8);
        tcase_add_test(tc, test_head_limit);
        tcase_add_test(tc, test_empty_and_null);
        suite_add_tcase(s, tc);

        tc = tcase_create("names");
        tcase_add_test(tc, test_names_and_classes);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(ftype_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
