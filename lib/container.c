/* container — encryption as archives record it. Every offset and length read from the file is
 * checked against the bytes at hand before use: the input is whatever a writer chose. */
#include "container.h"

#include <lzma.h>
#include <stdlib.h>
#include <string.h>

static uint16_t le16(const uint8_t *p) {
        return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p) {
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p) {
        return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* len bytes at off into buf, from head, tail or the reader; false when not all of them. */
static bool get(const struct container_view *v, uint64_t off, size_t len, uint8_t *buf) {
        if (off > v->size || len > v->size - off)
                return false;
        if (off + len <= v->head_len) {
                memcpy(buf, v->head + off, len);
                return true;
        }
        if (v->tail && off >= v->tail_off && off - v->tail_off + len <= v->tail_len) {
                memcpy(buf, v->tail + (off - v->tail_off), len);
                return true;
        }
        if (!v->read)
                return false;
        size_t got = 0;
        while (got < len) {
                ssize_t k = v->read(v->ctx, buf + got, len - got, off + got);
                if (k <= 0)
                        return false;
                got += (size_t)k;
        }
        return true;
}

static bool has_bytes(const uint8_t *p, size_t len, const uint8_t *pat, size_t plen) {
        for (size_t i = 0; i + plen <= len; i++)
                if (memcmp(p + i, pat, plen) == 0)
                        return true;
        return false;
}

/* ---- zip ---- */

static bool zip_flags_encrypted(uint16_t flags, uint16_t method) {
        return (flags & 1) || method == 99; /* traditional PKWARE or strong encryption; WinZip AES */
}

/* The central directory lists every entry: found from the end record (the last 22 bytes, or
 * up to 64 KiB before them when the archive has a comment). */
static enum container_verdict zip_look(const struct container_view *v) {
        if (v->head_len >= 30 && memcmp(v->head, "PK\3\4", 4) == 0 &&
            zip_flags_encrypted(le16(v->head + 6), le16(v->head + 8)))
                return CONTAINER_ENCRYPTED;
        if (v->size < 22)
                return CONTAINER_UNKNOWN;
        size_t span = v->size < 22 + 65535 ? (size_t)v->size : 22 + 65535;
        uint8_t *end = malloc(span);
        if (!end || !get(v, v->size - span, span, end)) {
                free(end);
                return CONTAINER_UNKNOWN;
        }
        uint32_t cd_size = 0, cd_off = 0;
        bool found = false;
        for (size_t i = span - 22 + 1; i-- > 0;)
                if (memcmp(end + i, "PK\5\6", 4) == 0) {
                        cd_size = le32(end + i + 12);
                        cd_off = le32(end + i + 16);
                        found = true;
                        break;
                }
        free(end);
        if (!found || cd_off == 0xFFFFFFFFu) /* zip64: its own end records, not read */
                return CONTAINER_UNKNOWN;
        size_t len = cd_size < CONTAINER_7Z_HEADER_MAX ? cd_size : CONTAINER_7Z_HEADER_MAX;
        if (len < 46)
                return CONTAINER_UNKNOWN;
        uint8_t *cd = malloc(len);
        if (!cd || !get(v, cd_off, len, cd)) {
                free(cd);
                return CONTAINER_UNKNOWN;
        }
        enum container_verdict r = CONTAINER_PLAIN;
        size_t p = 0;
        while (p + 46 <= len && memcmp(cd + p, "PK\1\2", 4) == 0) {
                if (zip_flags_encrypted(le16(cd + p + 8), le16(cd + p + 10))) {
                        r = CONTAINER_ENCRYPTED;
                        break;
                }
                p += 46 + (size_t)le16(cd + p + 28) + le16(cd + p + 30) + le16(cd + p + 32);
        }
        /* Entries beyond the 64 KiB looked at: unknown, not plain. */
        if (r == CONTAINER_PLAIN && cd_size > len)
                r = CONTAINER_UNKNOWN;
        free(cd);
        return r;
}

/* ---- 7z ---- */

static const uint8_t AES_ID[] = { 0x06, 0xF1, 0x07, 0x01 };

struct rd {
        const uint8_t *p;
        size_t n, i;
        bool bad;
};

static uint8_t rd_byte(struct rd *r) {
        if (r->i >= r->n) {
                r->bad = true;
                return 0;
        }
        return r->p[r->i++];
}

/* 7z's variable-length number: the leading one bits of the first byte count the extra bytes. */
static uint64_t rd_num(struct rd *r) {
        uint8_t first = rd_byte(r), mask = 0x80;
        uint64_t v = 0;
        for (int i = 0; i < 8; i++) {
                if (!(first & mask))
                        return v | (uint64_t)(first & (mask - 1)) << (8 * i);
                v |= (uint64_t)rd_byte(r) << (8 * i);
                mask >>= 1;
        }
        return v;
}

struct folder7z {
        uint64_t pack_pos, pack_size, unpack_size; /* of the first pack stream and folder */
        uint8_t id[16];           /* the first folder's first coder */
        size_t id_len;
        uint8_t props[16];
        size_t props_len;
        bool aes;                 /* some coder of some folder is AES */
};

/* One folder: its coders (AES among them?), bind pairs and packed stream indices. */
static bool parse_folder(struct rd *r, struct folder7z *f, bool first) {
        uint64_t n_coders = rd_num(r), total_in = 0, total_out = 0;
        if (n_coders < 1 || n_coders > 64)
                return false;
        for (uint64_t c = 0; c < n_coders && !r->bad; c++) {
                uint8_t flag = rd_byte(r);
                if (flag & 0x80) /* alternative methods: never written by 7-Zip */
                        return false;
                size_t idl = flag & 0x0F;
                uint8_t id[16];
                for (size_t i = 0; i < idl; i++)
                        id[i] = rd_byte(r);
                uint64_t in = 1, out = 1;
                if (flag & 0x10) { /* complex coder: stream counts */
                        in = rd_num(r);
                        out = rd_num(r);
                        if (in > 64 || out > 64)
                                return false;
                }
                total_in += in;
                total_out += out;
                size_t pl = 0;
                uint8_t props[16];
                if (flag & 0x20) {
                        uint64_t n = rd_num(r);
                        if (n > r->n)
                                return false;
                        pl = (size_t)n;
                        for (size_t i = 0; i < pl && !r->bad; i++) {
                                uint8_t b = rd_byte(r);
                                if (i < sizeof(props))
                                        props[i] = b;
                        }
                }
                if (idl == sizeof(AES_ID) && memcmp(id, AES_ID, idl) == 0)
                        f->aes = true;
                if (first && c == 0) {
                        memcpy(f->id, id, idl);
                        f->id_len = idl;
                        f->props_len = pl < sizeof(props) ? pl : sizeof(props);
                        memcpy(f->props, props, f->props_len);
                }
        }
        if (total_out < 1)
                return false;
        uint64_t bind = total_out - 1;
        for (uint64_t b = 0; b < bind && !r->bad; b++) {
                rd_num(r);
                rd_num(r);
        }
        if (total_in < bind)
                return false;
        uint64_t packed = total_in - bind;
        if (packed > 1)
                for (uint64_t k = 0; k < packed && !r->bad; k++)
                        rd_num(r);
        return !r->bad;
}

/* A streams info (kPackInfo, then kUnPackInfo with every folder's coders). true when it was
 * read through the coders; f->aes says whether one of them encrypts. */
static bool parse_streams(struct rd *r, struct folder7z *f) {
        if (rd_byte(r) != 0x06) /* kPackInfo */
                return false;
        f->pack_pos = rd_num(r);
        uint64_t n_pack = rd_num(r);
        if (n_pack < 1 || n_pack > r->n)
                return false;
        for (uint8_t t; (t = rd_byte(r)) != 0x00 && !r->bad;) {
                if (t == 0x09) { /* kSize */
                        for (uint64_t k = 0; k < n_pack && !r->bad; k++) {
                                uint64_t v = rd_num(r);
                                if (k == 0)
                                        f->pack_size = v;
                        }
                } else if (t == 0x0A) { /* kCRC: all defined, or a bit field, then the CRCs */
                        uint64_t defined = n_pack;
                        if (rd_byte(r) == 0) {
                                defined = 0;
                                for (uint64_t k = 0; k < (n_pack + 7) / 8 && !r->bad; k++)
                                        defined += (uint64_t)__builtin_popcount(rd_byte(r));
                        }
                        for (uint64_t k = 0; k < defined * 4 && !r->bad; k++)
                                rd_byte(r);
                } else
                        return false;
        }
        if (rd_byte(r) != 0x07 || rd_byte(r) != 0x0B) /* kUnPackInfo, kFolder */
                return false;
        uint64_t n_folders = rd_num(r);
        if (n_folders < 1 || n_folders > r->n || rd_byte(r) != 0) /* not external */
                return false;
        for (uint64_t k = 0; k < n_folders && !r->bad; k++)
                if (!parse_folder(r, f, k == 0))
                        return false;
        if (r->bad)
                return false;
        /* kCodersUnPackSize: the first folder's first output is what a one-coder header
         * decodes to. */
        if (rd_byte(r) != 0x0C)
                return f->aes;
        f->unpack_size = rd_num(r);
        return !r->bad || f->aes;
}

/* A decoded (or stored) main header: kHeader, then its streams info, whose coders tell. */
static enum container_verdict main_header(const uint8_t *h, size_t n, bool complete) {
        struct rd r = { .p = h, .n = n };
        if (rd_byte(&r) != 0x01) /* kHeader */
                return CONTAINER_UNKNOWN;
        uint8_t t = rd_byte(&r);
        if (t == 0x05 || t == 0x00) /* only files info, or nothing: no stream to encrypt */
                return r.bad ? CONTAINER_UNKNOWN : CONTAINER_PLAIN;
        if (t != 0x04) /* archive properties, additional streams: not read */
                return has_bytes(h, n, AES_ID, sizeof(AES_ID)) ? CONTAINER_ENCRYPTED : CONTAINER_UNKNOWN;
        struct folder7z f = { 0 };
        if (!parse_streams(&r, &f))
                return f.aes || has_bytes(h, n, AES_ID, sizeof(AES_ID)) ? CONTAINER_ENCRYPTED
                       : complete                                         ? CONTAINER_PLAIN
                                                                          : CONTAINER_UNKNOWN;
        return f.aes ? CONTAINER_ENCRYPTED : CONTAINER_PLAIN;
}

/* A compressed 7z header, decompressed into out (at most out_len bytes). The count, or 0. */
static size_t lzma_unpack(const struct folder7z *f, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len) {
        lzma_filter filters[2] = { { .id = LZMA_VLI_UNKNOWN }, { .id = LZMA_VLI_UNKNOWN } };
        static const uint8_t LZMA1[] = { 0x03, 0x01, 0x01 }, LZMA2[] = { 0x21 };
        if (f->id_len == 3 && memcmp(f->id, LZMA1, 3) == 0 && f->props_len == 5)
                filters[0].id = LZMA_FILTER_LZMA1;
        else if (f->id_len == 1 && memcmp(f->id, LZMA2, 1) == 0 && f->props_len == 1)
                filters[0].id = LZMA_FILTER_LZMA2;
        else
                return 0;
        filters[0].options = NULL;
        /* lzma_properties_decode allocates the options with the allocator given (NULL: malloc). */
        if (lzma_properties_decode(&filters[0], NULL, f->props, f->props_len) != LZMA_OK)
                return 0;
        /* The dictionary size is the writer's choice (up to 4 GiB): no reference can reach
         * further back than the output we keep, so that much is enough. */
        lzma_options_lzma *lo = filters[0].options;
        lo->dict_size = out_len > LZMA_DICT_SIZE_MIN ? (uint32_t)out_len : LZMA_DICT_SIZE_MIN;
        lzma_stream s = LZMA_STREAM_INIT;
        size_t got = 0;
        if (lzma_raw_decoder(&s, filters) == LZMA_OK) {
                s.next_in = in;
                s.avail_in = in_len;
                s.next_out = out;
                s.avail_out = out_len;
                lzma_ret r = lzma_code(&s, LZMA_RUN);
                if (r == LZMA_OK || r == LZMA_STREAM_END || r == LZMA_BUF_ERROR)
                        got = out_len - s.avail_out;
                if (r == LZMA_OK && s.avail_in == 0 && s.avail_out > 0) {
                        /* LZMA1 without an end marker: drain what the decoder holds. */
                        r = lzma_code(&s, LZMA_FINISH);
                        got = out_len - s.avail_out;
                }
        }
        lzma_end(&s);
        free(filters[0].options);
        return got;
}

static enum container_verdict sevenz_look(const struct container_view *v) {
        uint8_t start[32];
        if (!get(v, 0, sizeof(start), start))
                return CONTAINER_UNKNOWN;
        uint64_t off = le64(start + 12), len = le64(start + 20);
        if (len == 0 || off > v->size || len > v->size - off || 32 > v->size - off - len)
                return CONTAINER_UNKNOWN;
        /* A big header (thousands of names): its first 64 KiB hold the coders. */
        size_t n = len < CONTAINER_7Z_HEADER_MAX ? (size_t)len : CONTAINER_7Z_HEADER_MAX;
        uint8_t *hdr = malloc(n);
        enum container_verdict verdict = CONTAINER_UNKNOWN;
        if (!hdr || !get(v, 32 + off, n, hdr))
                goto out;
        if (hdr[0] == 0x01) { /* kHeader: stored as it is, its coders in plain sight */
                verdict = main_header(hdr, n, n == len);
                goto out;
        }
        if (hdr[0] != 0x17) /* kEncodedHeader */
                goto out;
        struct rd r = { .p = hdr + 1, .n = n - 1 };
        struct folder7z f = { 0 };
        if (!parse_streams(&r, &f))
                goto out;
        if (f.aes) { /* -mhe: the header itself is encrypted */
                verdict = CONTAINER_ENCRYPTED;
                goto out;
        }
        if (f.pack_size == 0 || f.pack_pos > v->size - 32 || f.pack_size > v->size - 32 - f.pack_pos)
                goto out;
        /* The packed header's first 64 KiB decode to the start of the header: the coders. */
        size_t in_len = f.pack_size < CONTAINER_7Z_HEADER_MAX ? (size_t)f.pack_size : CONTAINER_7Z_HEADER_MAX;
        size_t out_len = f.unpack_size && f.unpack_size < CONTAINER_7Z_HEADER_MAX ? (size_t)f.unpack_size
                                                                                  : CONTAINER_7Z_HEADER_MAX;
        uint8_t *packed = malloc(in_len), *plain = malloc(out_len);
        if (packed && plain && get(v, 32 + f.pack_pos, in_len, packed)) {
                size_t got = lzma_unpack(&f, packed, in_len, plain, out_len);
                if (got > 0) /* a header encoded twice (0x17 again) stays unknown */
                        verdict = main_header(plain, got, got == f.unpack_size);
        }
        free(packed);
        free(plain);
out:
        free(hdr);
        return verdict;
}

/* ---- rar ---- */

/* RAR5's variable-length integer: 7 bits a byte, low first. */
static bool vint(const uint8_t *p, size_t n, size_t *i, uint64_t *ret) {
        uint64_t v = 0;
        for (int k = 0; k < 10 && *i < n; k++) {
                uint8_t b = p[(*i)++];
                v |= (uint64_t)(b & 0x7F) << (7 * k);
                if (!(b & 0x80)) {
                        *ret = v;
                        return true;
                }
        }
        return false;
}

static bool rar5_encrypted(const uint8_t *p, size_t n) {
        size_t pos = 8;
        for (int h = 0; h < 64 && pos < n && n - pos > 4; h++) {
                size_t i = pos + 4; /* header CRC32 */
                uint64_t size, type, flags, extra = 0, data = 0;
                if (!vint(p, n, &i, &size))
                        return false;
                size_t start = i;
                if (size > n - start || !vint(p, n, &i, &type) || !vint(p, n, &i, &flags))
                        return false;
                if (type == 4) /* archive encryption header: every header after it is encrypted */
                        return true;
                if ((flags & 1) && !vint(p, n, &i, &extra))
                        return false;
                if ((flags & 2) && !vint(p, n, &i, &data))
                        return false;
                size_t end = start + (size_t)size;
                if ((type == 2 || type == 3) && extra && extra <= size) {
                        /* extra area at the end of the header: records of size, type, data */
                        for (size_t e = end - (size_t)extra; e < end;) {
                                uint64_t rsize, rtype;
                                size_t j = e;
                                if (!vint(p, end, &j, &rsize) || rsize == 0 || rsize > end - j)
                                        break;
                                size_t next = j + (size_t)rsize;
                                if (!vint(p, next, &j, &rtype))
                                        break;
                                if (rtype == 1) /* file encryption record */
                                        return true;
                                e = next;
                        }
                }
                if (type == 5) /* end of archive */
                        return false;
                if (data >= n - end)
                        return false; /* the next header is beyond what was read */
                pos = end + (size_t)data;
        }
        return false;
}

static bool rar4_encrypted(const uint8_t *p, size_t n) {
        /* Marker block (7 bytes), then the main header: CRC16, type 0x73, flags, size. */
        if (n < 7 + 7 || p[7 + 2] != 0x73)
                return false;
        uint16_t flags = le16(p + 7 + 3), size = le16(p + 7 + 5);
        if (flags & 0x0080) /* MHD_PASSWORD: block headers encrypted */
                return true;
        size_t f = 7 + (size_t)size;
        return f + 7 <= n && p[f + 2] == 0x74 && (le16(p + f + 3) & 0x0004); /* LHD_PASSWORD */
}

/* RAR headers come one after the other from the start: the first 64 KiB are read. */
static enum container_verdict rar_look(const struct container_view *v) {
        size_t n = v->size < CONTAINER_7Z_HEADER_MAX ? (size_t)v->size : CONTAINER_7Z_HEADER_MAX;
        if (n < 7)
                return CONTAINER_UNKNOWN;
        uint8_t *p = malloc(n);
        enum container_verdict r = CONTAINER_UNKNOWN;
        if (p && get(v, 0, n, p)) {
                if (n >= 8 && memcmp(p, "Rar!\x1a\x07\x01\x00", 8) == 0)
                        r = rar5_encrypted(p, n) ? CONTAINER_ENCRYPTED : CONTAINER_PLAIN;
                else if (memcmp(p, "Rar!\x1a\x07\x00", 7) == 0)
                        r = rar4_encrypted(p, n) ? CONTAINER_ENCRYPTED : CONTAINER_PLAIN;
        }
        free(p);
        return r;
}

enum container_verdict container_look(const struct container_view *v) {
        switch (v->type) {
        case FTYPE_ZIP:
                return zip_look(v);
        case FTYPE_7Z:
                return sevenz_look(v);
        case FTYPE_RAR:
                return rar_look(v);
        default:
                return CONTAINER_PLAIN;
        }
}

bool container_encrypted(const struct container_view *v) {
        enum container_verdict r = container_look(v);
        return r == CONTAINER_ENCRYPTED || (r == CONTAINER_UNKNOWN && v->type == FTYPE_7Z);
}
