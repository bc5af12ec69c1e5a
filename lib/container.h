/* container — does an archive say that what it holds is encrypted? Archive formats record it:
 * zip's general-purpose flag bit 0 and the WinZip AES method (99, extra field 0x9901), 7z's AES
 * coder (06 F1 07 01) in its header (LZMA-compressed unless -mhe, then it is the header's own
 * coder), RAR5's encryption header and file encryption records, RAR4's password flags.
 * Pure: the caller hands in the bytes it has read and, for a 7z header outside them, a reader. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ftype.h"

/* Read up to len bytes at off into buf; the count read, or -errno. */
typedef ssize_t (*container_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

/* The most a 7z header is read and decompressed for the look (bigger headers: not looked at). */
#define CONTAINER_7Z_HEADER_MAX 65536

struct container_view {
        enum ftype type;          /* from the head (ftype_detect) */
        const uint8_t *head;      /* the file's first bytes */
        size_t head_len;
        const uint8_t *tail;      /* bytes at tail_off (the last sampled block), may be NULL */
        size_t tail_len;
        uint64_t tail_off;
        uint64_t size;            /* the file's size */
        container_read_fn read;   /* for a 7z header not in head or tail; NULL: not read */
        void *ctx;
};

enum container_verdict {
        CONTAINER_PLAIN,     /* its records were read: nothing in them is encrypted */
        CONTAINER_ENCRYPTED, /* an entry, or the header, is encrypted */
        CONTAINER_UNKNOWN,   /* the records that would say could not be read (out of reach, a
                              * coding we do not decode, malformed) */
};

/* What the container records. Callers decide what unknown means: for 7z, whose encryption is
 * recorded only inside its header, unknown is taken as encrypted (fail closed, as 7z files were
 * before this look existed); zip and rar were always taken as plain. */
enum container_verdict container_look(const struct container_view *v);
/* container_look() == CONTAINER_ENCRYPTED, or UNKNOWN for a 7z. */
bool container_encrypted(const struct container_view *v);
