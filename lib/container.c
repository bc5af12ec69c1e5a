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

/* The central directory lists every entry: found from the end record in the tail. */
static bool zip_encrypted(const struct container_view *v) {
        if (v->head_len >= 30 && memcmp(v->head, "PK\3\4", 4) == 0 &&
            zip_flags_encrypted(le16(v->head + 6), le16(v->head + 8)))
                return true;
        if (!v->tail || v->tail_len < 22)
                return false;
        const uint8_t *eocd = NULL;
        for (size_t i = v->tail_len - 22 + 1; i-- > 0;)
                if (memcmp(v->tail + i, "PK\5\6", 4) == 0) {
                        eocd = v->tail + i;
                        break;
                }
        if (!eocd)
                return false;
        uint32_t cd_size = le32(eocd + 12), cd_off = le32(eocd + 16);
        size_t len = cd_size < CONTAINER_7Z_HEADER_MAX ? cd_size : CONTAINER_7Z_HEADER_MAX;
        uint8_t *cd = malloc(len ? len : 1);
        bool enc = false;
        if (!cd || !get(v, cd_off, len, cd)) {
                free(cd);
                return false;
        }
        for (size_t p = 0; p + 46 <= len && memcmp(cd + p, "PK\1\2", 4) == 0;) {
                if (zip_flags_encrypted(le16(cd + p + 8), le16(cd + p + 10))) {
                        enc = true;
                        break;
                }
                p += 46 + (size_t)le16(cd + p + 28) + le16(cd + p + 30) + le16(cd + p + 32);
        }
        free(cd);
        return enc;
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
        uint64_t pack_pos, pack_size, unpack_size;
        uint8_t id[16];
        size_t id_len;
        uint8_t props[16];
        size_t props_len;
        bool aes;
        unsigned coders;
};

/* The streams info of an encoded header: where its packed bytes are and how they are coded
 * (only what is needed: one pack stream, one folder). */
static bool parse_streams(struct rd *r, struct folder7z *f) {
        if (rd_byte(r) != 0x06) /* kPackInfo */
                return false;
        f->pack_pos = rd_num(r);
        if (rd_num(r) < 1)
                return false;
        for (uint8_t t; (t = rd_byte(r)) != 0x00 && !r->bad;) {
                if (t == 0x09)
                        f->pack_size = rd_num(r);
                else
                        return false; /* CRCs of pack streams: not needed, not expected first */
        }
        if (rd_byte(r) != 0x07 || rd_byte(r) != 0x0B) /* kUnPackInfo, kFolder */
                return false;
        if (rd_num(r) != 1 || rd_byte(r) != 0) /* one folder, not external */
                return false;
        f->coders = (unsigned)rd_num(r);
        if (f->coders < 1 || f->coders > 4)
                return false;
        for (unsigned c = 0; c < f->coders && !r->bad; c++) {
                uint8_t flag = rd_byte(r);
                size_t idl = flag & 0x0F;
                uint8_t id[16];
                for (size_t i = 0; i < idl; i++)
                        id[i] = rd_byte(r);
                if (flag & 0x10) { /* complex coder: stream counts */
                        rd_num(r);
                        rd_num(r);
                }
                size_t pl = 0;
                uint8_t props[16];
                if (flag & 0x20) {
                        pl = (size_t)rd_num(r);
                        for (size_t i = 0; i < pl && !r->bad; i++) {
                                uint8_t b = rd_byte(r);
                                if (i < sizeof(props))
                                        props[i] = b;
                        }
                }
                if (idl == sizeof(AES_ID) && memcmp(id, AES_ID, idl) == 0)
                        f->aes = true;
                if (c == 0) {
                        memcpy(f->id, id, idl);
                        f->id_len = idl;
                        f->props_len = pl < sizeof(props) ? pl : sizeof(props);
                        memcpy(f->props, props, f->props_len);
                }
        }
        if (r->bad)
                return false;
        if (f->aes)
                return true;
        /* One coder: no bind pairs, one packed stream; then kCodersUnPackSize. */
        if (rd_byte(r) != 0x0C)
                return false;
        f->unpack_size = rd_num(r);
        return !r->bad;
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

static bool sevenz_encrypted(const struct container_view *v) {
        uint8_t start[32];
        if (!get(v, 0, sizeof(start), start))
                return false;
        uint64_t off = le64(start + 12), len = le64(start + 20);
        if (len == 0 || len > CONTAINER_7Z_HEADER_MAX || off > v->size || 32 + off + len > v->size)
                return false;
        uint8_t *hdr = malloc(len);
        if (!hdr)
                return false;
        bool enc = false;
        if (!get(v, 32 + off, len, hdr))
                goto out;
        if (hdr[0] == 0x01) { /* kHeader: stored as it is, its coders in plain sight */
                enc = has_bytes(hdr, len, AES_ID, sizeof(AES_ID));
                goto out;
        }
        if (hdr[0] != 0x17) /* kEncodedHeader */
                goto out;
        struct rd r = { .p = hdr + 1, .n = len - 1 };
        struct folder7z f = { 0 };
        if (!parse_streams(&r, &f))
                goto out;
        if (f.aes) { /* -mhe: the header itself is encrypted */
                enc = true;
                goto out;
        }
        if (f.pack_size == 0 || f.pack_size > CONTAINER_7Z_HEADER_MAX || f.pack_pos > v->size ||
            32 + f.pack_pos + f.pack_size > v->size)
                goto out;
        size_t out_len = f.unpack_size && f.unpack_size < CONTAINER_7Z_HEADER_MAX ? f.unpack_size : CONTAINER_7Z_HEADER_MAX;
        uint8_t *packed = malloc(f.pack_size), *plain = malloc(out_len);
        if (packed && plain && get(v, 32 + f.pack_pos, f.pack_size, packed)) {
                size_t n = lzma_unpack(&f, packed, f.pack_size, plain, out_len);
                enc = n > 0 && plain[0] == 0x01 && has_bytes(plain, n, AES_ID, sizeof(AES_ID));
        }
        free(packed);
        free(plain);
out:
        free(hdr);
        return enc;
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
        for (int h = 0; h < 16 && pos + 4 < n; h++) {
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
                if (data > UINT64_MAX - end)
                        return false;
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

bool container_encrypted(const struct container_view *v) {
        switch (v->type) {
        case FTYPE_ZIP:
                return zip_encrypted(v);
        case FTYPE_7Z:
                return sevenz_encrypted(v);
        case FTYPE_RAR:
                if (v->head_len >= 8 && memcmp(v->head, "Rar!\x1a\x07\x01\x00", 8) == 0)
                        return rar5_encrypted(v->head, v->head_len);
                return v->head_len >= 7 && memcmp(v->head, "Rar!\x1a\x07\x00", 7) == 0 &&
                       rar4_encrypted(v->head, v->head_len);
        default:
                return false;
        }
}
