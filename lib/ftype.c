/* ftype — file type from the magic bytes at the head of a file.
 *
 * Every check looks only at bytes below len: a head shorter than a type's signature is never
 * that type. Order of the checks:
 *   1. signatures of at least four fixed bytes, and shorter ones made strict by checking the
 *      header fields after them (gzip, bzip2, lzma, JPEG, BMP, ICO, MP4, ID3, OpenPGP);
 *   2. text (printable ASCII / UTF-8);
 *   3. the zlib stream header, which has only 2 + 1 checkable bytes and whose "x^" form is
 *      printable, so text wins over it.
 * The signatures were checked against files written by the real tools (see
 * tests/unit/test_ftype.c, where their first bytes are kept). */
#include "ftype.h"

#include <stdbool.h>
#include <string.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static uint16_t le16(const uint8_t *p) {
        return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p) {
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p) {
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* True when the len bytes of h hold m (of size mlen) at offset off. */
static bool has(const uint8_t *h, size_t len, size_t off, const void *m, size_t mlen) {
        return len >= off + mlen && memcmp(h + off, m, mlen) == 0;
}

#define HAS(h, len, off, lit) has(h, len, off, lit, sizeof(lit) - 1)

/* Fixed signatures, checked in this order, all at least four bytes long. They are tested before
 * text, so the printable ones must not begin ordinary prose: "%PDF-", "%!PS", "Salted__" and the
 * armour lines begin exactly those formats. */
#define SIG(t, o, lit) { .type = (t), .off = (o), .len = sizeof(lit) - 1, .magic = (lit) }
static const struct {
        enum ftype type;
        uint16_t off;
        uint8_t len;
        const char *magic;
} signatures[] = {
        /* tar first: the head of a tar is the first member's name, which could be anything. */
        SIG(FTYPE_TAR, 257, "ustar\0"),                     /* POSIX: "ustar\0" "00" */
        SIG(FTYPE_TAR, 257, "ustar "),                      /* GNU: "ustar  \0" */

        SIG(FTYPE_PDF, 0, "%PDF-"),
        SIG(FTYPE_ELF, 0, "\x7f" "ELF"),
        SIG(FTYPE_SQLITE, 0, "SQLite format 3\0"),
        SIG(FTYPE_OLE, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        SIG(FTYPE_PS, 0, "%!PS"),
        SIG(FTYPE_PS, 0, "\xc5\xd0\xd3\xc6"),               /* DOS EPS binary header */
        SIG(FTYPE_GIT_INDEX, 0, "DIRC\0\0\0\x02"),
        SIG(FTYPE_GIT_INDEX, 0, "DIRC\0\0\0\x03"),
        SIG(FTYPE_GIT_INDEX, 0, "DIRC\0\0\0\x04"),
        SIG(FTYPE_TIFF, 0, "II*\0"),
        SIG(FTYPE_TIFF, 0, "MM\0*"),
        SIG(FTYPE_TIFF, 0, "II+\0"),                        /* BigTIFF */
        SIG(FTYPE_TIFF, 0, "MM\0+"),
        SIG(FTYPE_WASM, 0, "\0asm\x01\0\0\0"),
        SIG(FTYPE_JAVA_CLASS, 0, "\xca\xfe\xba\xbe"),       /* also Mach-O universal binaries */
        SIG(FTYPE_OGG, 0, "OggS\0"),
        SIG(FTYPE_FLAC, 0, "fLaC"),
        SIG(FTYPE_DEB_AR, 0, "!<arch>\n"),                  /* .deb and every other ar archive */

        SIG(FTYPE_XZ, 0, "\xfd" "7zXZ\0"),
        SIG(FTYPE_ZSTD, 0, "\x28\xb5\x2f\xfd"),
        SIG(FTYPE_LZ4, 0, "\x04\x22\x4d\x18"),              /* frame format */
        SIG(FTYPE_LZ4, 0, "\x02\x21\x4c\x18"),              /* legacy format (lz4 -l) */
        SIG(FTYPE_ZIP, 0, "PK\x03\x04"),
        SIG(FTYPE_ZIP, 0, "PK\x05\x06"),                    /* empty archive */
        SIG(FTYPE_PNG, 0, "\x89PNG\r\n\x1a\n"),
        SIG(FTYPE_GIF, 0, "GIF87a"),
        SIG(FTYPE_GIF, 0, "GIF89a"),
        SIG(FTYPE_RAR, 0, "Rar!\x1a\x07\x00"),              /* RAR 1.5 – 4.x */
        SIG(FTYPE_RAR, 0, "Rar!\x1a\x07\x01\x00"),          /* RAR 5 */
        SIG(FTYPE_GIT_PACK, 0, "PACK\0\0\0\x02"),
        SIG(FTYPE_GIT_PACK, 0, "PACK\0\0\0\x03"),

        SIG(FTYPE_OPENPGP, 0, "-----BEGIN PGP MESSAGE-----"),
        SIG(FTYPE_OPENSSL_SALTED, 0, "Salted__"),
        SIG(FTYPE_7Z, 0, "7z\xbc\xaf\x27\x1c"),
        SIG(FTYPE_AGE, 0, "age-encryption.org/v1\n"),
        SIG(FTYPE_AGE, 0, "-----BEGIN AGE ENCRYPTED FILE-----"),
        SIG(FTYPE_LUKS, 0, "LUKS\xba\xbe\0\x01"),
        SIG(FTYPE_LUKS, 0, "LUKS\xba\xbe\0\x02"),
};

/* gzip: ID1 ID2 CM=8, then FLG whose three reserved bits must be zero (RFC 1952). */
static bool check_gzip(const uint8_t *h, size_t len) {
        return len >= 4 && HAS(h, len, 0, "\x1f\x8b\x08") && (h[3] & 0xe0) == 0;
}

/* bzip2: "BZh" + block size '1'..'9' + the 48-bit magic of the first block (pi) or, for empty
 * input, of the end of stream (sqrt(pi)). */
static bool check_bzip2(const uint8_t *h, size_t len) {
        if (len < 10 || !HAS(h, len, 0, "BZh") || h[3] < '1' || h[3] > '9')
                return false;
        return memcmp(h + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
               memcmp(h + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0;
}

/* Legacy .lzma ("LZMA alone"): properties byte (xz/lzma always write 0x5d: lc=3 lp=0 pb=2),
 * dictionary size (2^n or 2^n + 2^(n-1), 4 KiB .. 1.5 GiB), 64-bit uncompressed size
 * (all ones when unknown, otherwise below 2^48). */
static bool check_lzma(const uint8_t *h, size_t len) {
        if (len < 13 || h[0] != 0x5d)
                return false;
        uint32_t dict = le32(h + 1);
        bool dict_ok = false;
        for (unsigned n = 12; n <= 30 && !dict_ok; n++)
                dict_ok = dict == 1u << n || dict == (1u << n | 1u << (n - 1));
        if (!dict_ok)
                return false;
        static const uint8_t unknown[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
        return memcmp(h + 5, unknown, 8) == 0 || (h[11] == 0 && h[12] == 0);
}

/* JPEG: SOI (FF D8) followed by the first marker (FF C0..FE: APPn, DQT, DHT, SOF, COM, …). */
static bool check_jpeg(const uint8_t *h, size_t len) {
        return len >= 4 && h[0] == 0xff && h[1] == 0xd8 && h[2] == 0xff && h[3] >= 0xc0 && h[3] != 0xff;
}

/* BMP: "BM", then (after size and reserved words) the pixel data offset and the size of a known
 * DIB header; the offset must lie past both headers. */
static bool check_bmp(const uint8_t *h, size_t len) {
        if (len < 18 || h[0] != 'B' || h[1] != 'M')
                return false;
        uint32_t data_off = le32(h + 10), dib = le32(h + 14);
        switch (dib) {
        case 12: case 16: case 40: case 52: case 56: case 64: case 108: case 124:
                break;
        default:
                return false;
        }
        return data_off >= 14 + dib && data_off < (1u << 24);
}

/* ICO: reserved 0, type 1, 1..255 images, then the first 16-byte directory entry: reserved
 * byte 0 (or 255, seen in the wild), colour planes 0 or 1, a usual bit count, a non-zero size and
 * an offset past the directory. */
static bool check_ico(const uint8_t *h, size_t len) {
        if (len < 22 || !HAS(h, len, 0, "\0\0\x01\0"))
                return false;
        uint16_t count = le16(h + 4), planes = le16(h + 10), bpp = le16(h + 12);
        if (count == 0 || count > 255)
                return false;
        if (h[9] != 0 && h[9] != 0xff)
                return false;
        if (planes > 1)
                return false;
        switch (bpp) {
        case 0: case 1: case 2: case 4: case 8: case 16: case 24: case 32:
                break;
        default:
                return false;
        }
        return le32(h + 14) > 0 && le32(h + 18) >= 6u + 16u * count;
}

/* RIFF: "RIFF", little-endian size, form type of four printable characters ("WAVE", "AVI ",
 * "WEBP", …). WebP is the "WEBP" form. */
static enum ftype check_riff(const uint8_t *h, size_t len) {
        if (!HAS(h, len, 0, "RIFF"))
                return FTYPE_UNKNOWN;
        if (len >= 12 && memcmp(h + 8, "WEBP", 4) == 0)
                return FTYPE_WEBP;
        return FTYPE_RIFF;
}

/* ISO base media (MP4, MOV, M4A, 3GP, HEIF, AVIF): a first box of type "ftyp" with a plausible
 * size and a printable major brand. */
static bool check_mp4(const uint8_t *h, size_t len) {
        if (len < 12 || memcmp(h + 4, "ftyp", 4) != 0)
                return false;
        uint32_t size = be32(h);
        if (size < 16 || size > 4096 || size % 4 != 0)
                return false;
        for (size_t i = 8; i < 12; i++)
                if (h[i] < 0x20 || h[i] > 0x7e)
                        return false;
        return true;
}

/* ID3v2 tag: "ID3", major version 2..4, revision, flags without the undefined low bits, and a
 * 28-bit "syncsafe" size whose bytes all have the top bit clear. */
static bool check_id3(const uint8_t *h, size_t len) {
        if (len < 10 || !HAS(h, len, 0, "ID3"))
                return false;
        if (h[3] < 2 || h[3] > 4 || h[4] == 0xff || (h[5] & 0x0f) != 0)
                return false;
        return ((h[6] | h[7] | h[8] | h[9]) & 0x80) == 0;
}

/* Binary OpenPGP message (RFC 4880 / RFC 9580): encrypted messages start with a public-key
 * (tag 1) or symmetric-key (tag 3) encrypted session key packet. Check the packet header and the
 * first fields of its body. Signed-only data, keys and signatures are deliberately not matched:
 * they are not encrypted. Long, but read straight down: one packet header, then its body's fields
 * in the order the RFC gives them. */
static bool check_openpgp(const uint8_t *h, size_t len) {
        if (len < 2 || !(h[0] & 0x80))
                return false;

        unsigned tag;
        size_t hlen;
        uint32_t plen;
        if (h[0] & 0x40) {
                /* New format: tag in the low 6 bits, then a 1, 2 or 5 byte length. A partial
                 * length (224..254) is not allowed for these packets. */
                tag = h[0] & 0x3f;
                if (h[1] < 192) {
                        hlen = 2;
                        plen = h[1];
                } else if (h[1] < 224) {
                        if (len < 3)
                                return false;
                        hlen = 3;
                        plen = ((uint32_t)(h[1] - 192) << 8) + h[2] + 192;
                } else if (h[1] == 255) {
                        if (len < 6)
                                return false;
                        hlen = 6;
                        plen = be32(h + 2);
                } else
                        return false;
        } else {
                /* Old format: tag in bits 5..2, length type in bits 1..0 (3 = indeterminate,
                 * not allowed here). */
                tag = (h[0] >> 2) & 0x0f;
                switch (h[0] & 3) {
                case 0:
                        hlen = 2;
                        plen = h[1];
                        break;
                case 1:
                        if (len < 3)
                                return false;
                        hlen = 3;
                        plen = (uint32_t)h[1] << 8 | h[2];
                        break;
                case 2:
                        if (len < 5)
                                return false;
                        hlen = 5;
                        plen = be32(h + 1);
                        break;
                default:
                        return false;
                }
        }

        const uint8_t *b = h + hlen;
        size_t blen = len - hlen;

        if (tag == 3) {
                /* SKESK v4: version, symmetric algorithm, S2K type, hash algorithm, …
                 * SKESK v5 (GnuPG's AEAD mode): version, symmetric algorithm, AEAD algorithm
                 * (1 EAX, 2 OCB, 3 GCM), S2K type, hash algorithm, …
                 * Symmetric algorithms 1..4 (IDEA, 3DES, CAST5, Blowfish) and 7..13 (AES,
                 * Twofish, Camellia); S2K 0 simple, 1 salted, 3 iterated+salted; hashes 1..3
                 * (MD5, SHA1, RIPEMD160) and 8..11 (SHA2). */
                if (plen < 4 || plen > 1024 || blen < 1 || (b[0] != 4 && b[0] != 5))
                        return false;
                size_t aead = b[0] == 5;
                if (blen < 4 + aead)
                        return false;
                uint8_t cipher = b[1], s2k = b[2 + aead], hash = b[3 + aead];
                if (aead && (b[2] < 1 || b[2] > 3))
                        return false;
                bool cipher_ok = (cipher >= 1 && cipher <= 4) || (cipher >= 7 && cipher <= 13);
                bool s2k_ok = s2k == 0 || s2k == 1 || s2k == 3;
                bool hash_ok = (hash >= 1 && hash <= 3) || (hash >= 8 && hash <= 11);
                return cipher_ok && s2k_ok && hash_ok;
        }

        if (tag == 1) {
                /* PKESK v3: version, 8-byte key id, public-key algorithm (RSA 1..3, Elgamal 16,
                 * ECDH 18, X25519 25, X448 26). */
                if (plen < 12 || plen > 16384 || blen < 10 || b[0] != 3)
                        return false;
                uint8_t algo = b[9];
                return (algo >= 1 && algo <= 3) || algo == 16 || algo == 18 || algo == 25 || algo == 26;
        }

        return false;
}

/* zlib stream header (RFC 1950), which is also the start of every git loose object: CM = 8
 * (deflate) with a 32 KiB window (CMF 0x78, what zlib and git write), no preset dictionary, a
 * valid FCHECK, and a first deflate block whose type is not the reserved 3. */
static bool check_zlib(const uint8_t *h, size_t len) {
        if (len < 3 || h[0] != 0x78)
                return false;
        if ((h[0] << 8 | h[1]) % 31 != 0 || (h[1] & 0x20))
                return false;
        return ((h[2] >> 1) & 3) != 3;
}

/* Control bytes that occur in text: \t \n \r \f, and as in file(1) also \a \b \v and ESC, which
 * logs with terminal colours and overstrike-formatted manuals contain. */
static const bool text_controls[32] = {
        ['\a'] = true, ['\b'] = true, ['\t'] = true, ['\n'] = true, ['\v'] = true, ['\f'] = true,
        ['\r'] = true, [0x1b] = true,
};

/* Printable ASCII or UTF-8 plus the controls above; no NUL, DEL or other control bytes. The
 * UTF-8 must be well formed (no overlong forms, surrogates or code points past U+10FFFF); a
 * multibyte sequence cut off by the end of the head is accepted only when the head is a cut,
 * i.e. the file goes on after it. */
static bool is_text(const uint8_t *h, size_t len, bool cut) {
        size_t i = 0;

        while (i < len) {
                uint8_t c = h[i];

                if (c < 0x80) {
                        if ((c < 0x20 && !text_controls[c]) || c == 0x7f)
                                return false;
                        i++;
                        continue;
                }

                size_t need;
                uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
                if (c >= 0xc2 && c <= 0xdf)
                        need = 1;
                else if (c >= 0xe0 && c <= 0xef) {
                        need = 2;
                        if (c == 0xe0)
                                lo = 0xa0; /* overlong */
                        else if (c == 0xed)
                                hi = 0x9f; /* surrogates */
                } else if (c >= 0xf0 && c <= 0xf4) {
                        need = 3;
                        if (c == 0xf0)
                                lo = 0x90; /* overlong */
                        else if (c == 0xf4)
                                hi = 0x8f; /* past U+10FFFF */
                } else
                        return false; /* continuation byte, C0, C1, F5..FF */

                for (size_t k = 1; k <= need; k++) {
                        if (i + k >= len)
                                return cut; /* sequence cut off by the end of the head */
                        uint8_t d = h[i + k];
                        if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xbf))
                                return false;
                }
                i += need + 1;
        }
        return true;
}

enum ftype ftype_detect(const uint8_t *head, size_t len, uint64_t file_size) {
        if (file_size == 0)
                return FTYPE_EMPTY;
        if (!head || len == 0)
                return FTYPE_UNKNOWN;

        /* Look at no more than the documented head, so the answer does not depend on how
         * much more a caller happened to pass. */
        bool cut = len < file_size;
        if (len > FTYPE_HEAD_BYTES) {
                len = FTYPE_HEAD_BYTES;
                cut = true;
        }

        for (size_t i = 0; i < ELEMENTSOF(signatures); i++)
                if (has(head, len, signatures[i].off, signatures[i].magic, signatures[i].len))
                        return signatures[i].type;

        if (check_gzip(head, len))
                return FTYPE_GZIP;
        enum ftype riff = check_riff(head, len);
        if (riff != FTYPE_UNKNOWN)
                return riff;
        if (check_bzip2(head, len))
                return FTYPE_BZIP2;
        if (check_lzma(head, len))
                return FTYPE_LZMA;
        if (check_jpeg(head, len))
                return FTYPE_JPEG;
        if (check_bmp(head, len))
                return FTYPE_BMP;
        if (check_ico(head, len))
                return FTYPE_ICO;
        if (check_mp4(head, len))
                return FTYPE_MP4;
        if (check_id3(head, len))
                return FTYPE_MP3_ID3;
        if (check_openpgp(head, len))
                return FTYPE_OPENPGP;

        if (is_text(head, len, cut))
                return FTYPE_TEXT;

        if (check_zlib(head, len))
                return FTYPE_GIT_OBJECT;

        return FTYPE_UNKNOWN;
}

static const struct {
        const char *name;
        enum ftype_class class;
} types[_FTYPE_MAX] = {
        [FTYPE_EMPTY]           = { "empty",            FTYPE_CLASS_EMPTY },
        [FTYPE_UNKNOWN]         = { "unknown",          FTYPE_CLASS_UNKNOWN },
        [FTYPE_TEXT]            = { "text",             FTYPE_CLASS_TEXT },

        [FTYPE_PDF]             = { "pdf",              FTYPE_CLASS_STRUCTURED },
        [FTYPE_ELF]             = { "elf",              FTYPE_CLASS_STRUCTURED },
        [FTYPE_SQLITE]          = { "sqlite",           FTYPE_CLASS_STRUCTURED },
        [FTYPE_OLE]             = { "ole",              FTYPE_CLASS_STRUCTURED },
        [FTYPE_PS]              = { "ps",               FTYPE_CLASS_STRUCTURED },
        [FTYPE_RIFF]            = { "riff",             FTYPE_CLASS_STRUCTURED },
        [FTYPE_TAR]             = { "tar",              FTYPE_CLASS_STRUCTURED },
        [FTYPE_GIT_INDEX]       = { "git_index",        FTYPE_CLASS_STRUCTURED },
        [FTYPE_BMP]             = { "bmp",              FTYPE_CLASS_STRUCTURED },
        [FTYPE_TIFF]            = { "tiff",             FTYPE_CLASS_STRUCTURED },
        [FTYPE_ICO]             = { "ico",              FTYPE_CLASS_STRUCTURED },
        [FTYPE_WASM]            = { "wasm",             FTYPE_CLASS_STRUCTURED },
        [FTYPE_JAVA_CLASS]      = { "java_class",       FTYPE_CLASS_STRUCTURED },
        [FTYPE_MP3_ID3]         = { "mp3_id3",          FTYPE_CLASS_STRUCTURED },
        [FTYPE_OGG]             = { "ogg",              FTYPE_CLASS_STRUCTURED },
        [FTYPE_FLAC]            = { "flac",             FTYPE_CLASS_STRUCTURED },
        [FTYPE_MP4]             = { "mp4",              FTYPE_CLASS_STRUCTURED },
        [FTYPE_DEB_AR]          = { "deb_ar",           FTYPE_CLASS_STRUCTURED },

        [FTYPE_GZIP]            = { "gzip",             FTYPE_CLASS_COMPRESSED },
        [FTYPE_BZIP2]           = { "bzip2",            FTYPE_CLASS_COMPRESSED },
        [FTYPE_XZ]              = { "xz",               FTYPE_CLASS_COMPRESSED },
        [FTYPE_ZSTD]            = { "zstd",             FTYPE_CLASS_COMPRESSED },
        [FTYPE_LZ4]             = { "lz4",              FTYPE_CLASS_COMPRESSED },
        [FTYPE_ZIP]             = { "zip",              FTYPE_CLASS_COMPRESSED },
        [FTYPE_JPEG]            = { "jpeg",             FTYPE_CLASS_COMPRESSED },
        [FTYPE_PNG]             = { "png",              FTYPE_CLASS_COMPRESSED },
        [FTYPE_GIF]             = { "gif",              FTYPE_CLASS_COMPRESSED },
        [FTYPE_WEBP]            = { "webp",             FTYPE_CLASS_COMPRESSED },
        [FTYPE_RAR]             = { "rar",              FTYPE_CLASS_COMPRESSED },
        [FTYPE_LZMA]            = { "lzma",             FTYPE_CLASS_COMPRESSED },
        [FTYPE_GIT_PACK]        = { "git_pack",         FTYPE_CLASS_COMPRESSED },
        [FTYPE_GIT_OBJECT]      = { "git_object",       FTYPE_CLASS_COMPRESSED },

        [FTYPE_OPENPGP]         = { "openpgp",          FTYPE_CLASS_ENCRYPTED },
        [FTYPE_OPENSSL_SALTED]  = { "openssl_salted",   FTYPE_CLASS_ENCRYPTED },
        [FTYPE_7Z]              = { "7z",               FTYPE_CLASS_COMPRESSED },
        [FTYPE_CCRYPT]          = { "ccrypt",           FTYPE_CLASS_ENCRYPTED },
        [FTYPE_AGE]             = { "age",              FTYPE_CLASS_ENCRYPTED },
        [FTYPE_LUKS]            = { "luks",             FTYPE_CLASS_ENCRYPTED },
};

enum ftype_class ftype_class_of(enum ftype t) {
        if ((unsigned)t >= _FTYPE_MAX || !types[t].name)
                return FTYPE_CLASS_UNKNOWN;
        return types[t].class;
}

const char *ftype_name(enum ftype t) {
        if ((unsigned)t >= _FTYPE_MAX || !types[t].name)
                return "invalid";
        return types[t].name;
}

const char *ftype_class_name(enum ftype_class c) {
        static const char *const names[] = {
                [FTYPE_CLASS_EMPTY]      = "empty",
                [FTYPE_CLASS_UNKNOWN]    = "unknown",
                [FTYPE_CLASS_TEXT]       = "text",
                [FTYPE_CLASS_STRUCTURED] = "structured",
                [FTYPE_CLASS_COMPRESSED] = "compressed",
                [FTYPE_CLASS_ENCRYPTED]  = "encrypted",
        };

        if ((unsigned)c >= ELEMENTSOF(names) || !names[c])
                return "invalid";
        return names[c];
}
