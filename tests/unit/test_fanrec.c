/* Unit tests for lib/fanrec.c: fanotify info records decoded from bytes built here, as the kernel
 * lays them out (pidfd, DFID_NAME, OLD/NEW_DFID_NAME of a rename), and every way a length can lie:
 * records that overrun the event, an event longer than the buffer, a handle longer than its
 * record, a name without its NUL, zero-length headers. */
#include "fanrec.h"

#include <check.h>

#include "testutil.h"
#include <stdlib.h>
#include <string.h>

#define INFO_PIDFD 4
#define INFO_DFID_NAME 2
#define INFO_OLD_DFID_NAME 10
#define INFO_NEW_DFID_NAME 12

struct ev {
        union {
                struct fanotify_event_metadata m;
                uint8_t b[1024];
        };
        size_t len;
};

static void ev_init(struct ev *e) {
        memset(e, 0, sizeof(*e));
        e->m.vers = FANOTIFY_METADATA_VERSION;
        e->m.metadata_len = FAN_EVENT_METADATA_LEN;
        e->m.fd = -1;
        e->m.pid = 42;
        e->len = FAN_EVENT_METADATA_LEN;
        e->m.event_len = (uint32_t)e->len;
}

static void add(struct ev *e, const void *p, size_t n) {
        memcpy(e->b + e->len, p, n);
        e->len += n;
        e->m.event_len = (uint32_t)e->len;
}

static void add_pidfd(struct ev *e, int32_t fd) {
        struct fanotify_event_info_header h = { .info_type = INFO_PIDFD, .len = sizeof(h) + sizeof(fd) };
        add(e, &h, sizeof(h));
        add(e, &fd, sizeof(fd));
}

/* header, fsid (8), handle_bytes (4), handle_type (4), handle, name + NUL, padded to 4. */
static void add_name(struct ev *e, uint8_t type, uint32_t handle_bytes, const char *name) {
        size_t nl = strlen(name) + 1, len = 4 + 8 + 8 + handle_bytes + nl;
        len = (len + 3) & ~(size_t)3;
        struct fanotify_event_info_header h = { .info_type = type, .len = (uint16_t)len };
        uint8_t rec[512] = { 0 };
        memcpy(rec, &h, sizeof(h));
        memset(rec + 4, 0xab, 8); /* fsid */
        memcpy(rec + 12, &handle_bytes, 4);
        int32_t handle_type = 1;
        memcpy(rec + 16, &handle_type, 4);
        memset(rec + 20, 0xcd, handle_bytes);
        memcpy(rec + 20 + handle_bytes, name, nl);
        add(e, rec, len);
}

START_TEST(test_none) {
        struct ev e;
        struct fanrec r;
        ev_init(&e);
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(!r.has_pidfd && r.pidfd == -1 && !r.name.ok && !r.new_name.ok && !r.malformed);
        ck_assert_uint_eq(r.records, 0);
}
END_TEST

START_TEST(test_pidfd) {
        struct ev e;
        struct fanrec r;
        ev_init(&e);
        add_pidfd(&e, 17);
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.has_pidfd);
        ck_assert_int_eq(r.pidfd, 17);
        ck_assert(!r.malformed);
        /* The process had exited: FAN_NOPIDFD passes through. */
        ev_init(&e);
        add_pidfd(&e, -1);
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.has_pidfd);
        ck_assert_int_eq(r.pidfd, -1);
}
END_TEST

START_TEST(test_names) {
        struct ev e;
        struct fanrec r;
        ev_init(&e);
        add_name(&e, INFO_DFID_NAME, 8, "file.txt");
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.name.ok && !r.new_name.ok && !r.malformed);
        ck_assert_str_eq(r.name.name, "file.txt");
        ck_assert_uint_eq(((const uint8_t *)r.name.fsid)[0], 0xab);
        uint32_t hb;
        memcpy(&hb, r.name.handle, 4);
        ck_assert_uint_eq(hb, 8);

        /* A rename: old and new, with odd bytes in the names. */
        ev_init(&e);
        add_name(&e, INFO_OLD_DFID_NAME, 12, "a\nb");
        add_name(&e, INFO_NEW_DFID_NAME, 8, "\xff\x01 c");
        add_pidfd(&e, 5);
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.name.ok && r.new_name.ok && r.has_pidfd && !r.malformed);
        ck_assert_str_eq(r.name.name, "a\nb");
        ck_assert_str_eq(r.new_name.name, "\xff\x01 c");
        ck_assert_uint_eq(r.records, 3);

        /* An unknown record type is skipped. */
        ev_init(&e);
        struct fanotify_event_info_header h = { .info_type = 200, .len = 8 };
        add(&e, &h, sizeof(h));
        add(&e, "\0\0\0\0", 4);
        add_name(&e, INFO_DFID_NAME, 8, "x");
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.name.ok && !r.malformed);
}
END_TEST

START_TEST(test_lying_lengths) {
        struct ev e;
        struct fanrec r;

        /* The event says it is longer than the bytes there. */
        ev_init(&e);
        add_pidfd(&e, 3);
        fanrec_parse(&e.m, e.len - 1, &r);
        ck_assert(r.malformed && !r.has_pidfd);
        /* Shorter than its metadata. */
        ev_init(&e);
        fanrec_parse(&e.m, 8, &r);
        ck_assert(r.malformed);
        e.m.metadata_len = 8;
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.malformed);
        ev_init(&e);
        e.m.metadata_len = (uint16_t)(e.len + 4);
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.malformed);

        /* A record header that claims more than the event holds, or zero. */
        ev_init(&e);
        struct fanotify_event_info_header h = { .info_type = INFO_PIDFD, .len = 200 };
        add(&e, &h, sizeof(h));
        add(&e, "\0\0\0\0", 4);
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.malformed && !r.has_pidfd);
        ev_init(&e);
        h.len = 0;
        add(&e, &h, sizeof(h));
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.malformed);
        /* A trailing fragment shorter than a header. */
        ev_init(&e);
        add_pidfd(&e, 9);
        add(&e, "\x04\x00", 2);
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.malformed && r.has_pidfd && r.pidfd == 9); /* what came first is kept */
        /* A pidfd record too short for its fd. */
        ev_init(&e);
        h = (struct fanotify_event_info_header){ .info_type = INFO_PIDFD, .len = 4 };
        add(&e, &h, sizeof(h));
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.malformed && !r.has_pidfd);
}
END_TEST

START_TEST(test_lying_names) {
        struct ev e;
        struct fanrec r;
        /* handle_bytes larger than the record. */
        ev_init(&e);
        add_name(&e, INFO_DFID_NAME, 8, "abc");
        uint32_t big = 4000;
        memcpy(e.b + FAN_EVENT_METADATA_LEN + 12, &big, 4);
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.malformed && !r.name.ok);
        /* A name without its NUL. */
        ev_init(&e);
        add_name(&e, INFO_DFID_NAME, 8, "abc"); /* 4+8+8+8+4 = 32: no padding after the NUL */
        e.b[e.len - 1] = 'x';
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.malformed && !r.name.ok);
        /* A record too short for a file handle. */
        ev_init(&e);
        struct fanotify_event_info_header h = { .info_type = INFO_NEW_DFID_NAME, .len = 12 };
        add(&e, &h, sizeof(h));
        add(&e, "\0\0\0\0\0\0\0\0", 8);
        fanrec_parse(&e.m, e.len, &r);
        ck_assert(r.malformed && !r.new_name.ok);
}
END_TEST

int main(void) {
        Suite *s = suite_create("fanrec");
        TCase *tc = tcase_create("fanrec");
        tcase_add_test(tc, test_none);
        tcase_add_test(tc, test_pidfd);
        tcase_add_test(tc, test_names);
        tcase_add_test(tc, test_lying_lengths);
        tcase_add_test(tc, test_lying_names);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
