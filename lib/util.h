/* util — the few small helpers every module needs, said once: FNV-1a, the monotonic clock,
 * NULL-terminated string vectors, and escaping of arbitrary bytes into one printable line. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define UTIL_FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define UTIL_FNV_PRIME UINT64_C(0x100000001b3)

/* FNV-1a over n bytes, continuing from h (start with UTIL_FNV_OFFSET). Not keyed: use it for
 * identities and sampling hashes, never where an attacker chooses the input of a hash table. */
static inline uint64_t util_fnv1a(uint64_t h, const void *buf, size_t n) {
        const uint8_t *p = buf;
        for (size_t i = 0; i < n; i++)
                h = (h ^ p[i]) * UTIL_FNV_PRIME;
        return h;
}

/* FNV-1a of a string, at most n bytes (stops at a NUL). */
static inline uint64_t util_fnv1a_str(const char *s, size_t n) {
        uint64_t h = UTIL_FNV_OFFSET;
        for (size_t i = 0; i < n && s[i]; i++)
                h = (h ^ (uint8_t)s[i]) * UTIL_FNV_PRIME;
        return h;
}

/* CLOCK_MONOTONIC (the daemon's one clock; lib/ takes "now" as a parameter instead). */
static inline uint64_t util_now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * UINT64_C(1000000) + (uint64_t)ts.tv_nsec / 1000;
}

static inline uint64_t util_now_ms(void) {
        return util_now_usec() / 1000;
}

/* NULL-terminated vectors of malloc'd strings. NULL is an empty vector. */
size_t strv_length(char *const *v);
void strv_free(char **v);
/* A deep copy; NULL on ENOMEM. */
char **strv_copy(char *const *v);
/* Append a copy of s. -ENOMEM leaves *v as it was. */
int strv_push(char ***v, const char *s);
bool strv_contains(char *const *v, const char *s);

/* Copy up to len bytes of in (from offset 0, its file position untouched) to out (at its
 * position): copy_file_range, or read and write where the kernel cannot (across filesystems:
 * EXDEV). A source that shrinks meanwhile ends the copy early. 0 or -errno. */
int util_copy_fd(int in, int out, uint64_t len);

/* Do two paths name the same file: the same string, or the same device and inode? */
bool util_same_file(const char *a, const char *b);

/* Append s to buf at *off as one printable line: control bytes, DEL and '\' become \xHH, any
 * other byte (UTF-8 included) is kept. Stops before a truncated escape; buf stays
 * NUL-terminated. Returns buf. */
char *util_escape_append(char *buf, size_t len, size_t *off, const char *s);
/* The same into an empty buffer. */
char *util_escape(char *buf, size_t len, const char *s);

/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash for tables whose keys an attacker chooses
 * (paths). key: 16 random bytes per process. */
uint64_t util_siphash(const uint8_t key[16], const void *data, size_t len);
