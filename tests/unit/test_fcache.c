/* Unit tests for lib/fcache.c: put/get/unlink, lookups by identity and by path, LRU order and
 * eviction, shrinking, renames of files and of directory prefixes, single-bucket chains, and 100k
 * entries (leaks: make asan/valgrind). Most tests name a file by its path: put() gives each path
 * the identity of a file first created under that name. */
#include "fcache.h"

#include <errno.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define NOBYTES ((size_t)1 << 40) /* no byte limit */

static const uint8_t KEY[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* A sample that says which path it was made for, through its size and hash. */
static struct sample mk(uint64_t id) {
        return (struct sample){ .size = id, .hash = id * 0x9e3779b97f4a7c15ULL, .type = FTYPE_TEXT, .n_blocks = 1 };
}

/* The inode of the file first created as path (dev 1). */
static ino_t ino_of(const char *path) {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (const char *p = path; *p; p++)
                h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
        return (ino_t)(h | 1);
}

static void assert_has(struct fcache *c, const char *path, uint64_t id) {
        const struct sample *s = fcache_get_path(c, path);
        ck_assert_msg(s != NULL, "%s missing", path);
        ck_assert_msg(s->size == id && s->hash == id * 0x9e3779b97f4a7c15ULL, "%s holds %llu, expected %llu", path,
                      (unsigned long long)s->size, (unsigned long long)id);
}

static void assert_missing(struct fcache *c, const char *path) {
        ck_assert_msg(fcache_get_path(c, path) == NULL, "%s should be gone", path);
}

static void put(struct fcache *c, const char *path, uint64_t id) {
        struct sample s = mk(id);
        ck_assert_int_eq(fcache_put(c, 1, ino_of(path), path, &s), 0);
}

START_TEST(test_put_get_del) {
        struct fcache *c;
        ck_assert_int_eq(fcache_new(16, NOBYTES, KEY, &c), 0);
        ck_assert_uint_eq(fcache_size(c), 0);
        assert_missing(c, "/a");
        fcache_unlink(c, "/a"); /* unlinking the unknown is fine */

        put(c, "/a", 1);
        put(c, "/b", 2);
        ck_assert_uint_eq(fcache_size(c), 2);
        assert_has(c, "/a", 1);
        assert_has(c, "/b", 2);
        assert_missing(c, "/c");
        assert_missing(c, "/a/");
        assert_missing(c, "/A");
        assert_missing(c, "");

        /* Replace keeps one entry. */
        put(c, "/a", 3);
        ck_assert_uint_eq(fcache_size(c), 2);
        assert_has(c, "/a", 3);

        /* The cache holds a copy: changing the caller's sample changes nothing. */
        struct sample s = mk(7);
        ck_assert_int_eq(fcache_put(c, 1, ino_of("/s"), "/s", &s), 0);
        s.size = 99;
        assert_has(c, "/s", 7);

        /* An unlinked name is gone; the file stays known by identity (it may still be open). */
        fcache_unlink(c, "/a");
        assert_missing(c, "/a");
        assert_has(c, "/b", 2);
        ck_assert_uint_eq(fcache_size(c), 3);
        ck_assert_ptr_nonnull(fcache_get_ino(c, 1, ino_of("/a")));
        ck_assert_uint_eq(fcache_get_ino(c, 1, ino_of("/a"))->size, 3);
        fcache_unlink(c, "/a");
        ck_assert_uint_eq(fcache_size(c), 3);

        /* The empty path and odd bytes are keys like any other. */
        put(c, "", 10);
        put(c, "/dir/\n\x01\xff name", 11);
        assert_has(c, "", 10);
        assert_has(c, "/dir/\n\x01\xff name", 11);
        fcache_free(c);
        fcache_free(NULL);
}
END_TEST

START_TEST(test_owner) {
        struct fcache *c;
        uint64_t t;
        ck_assert_int_eq(fcache_new(2, NOBYTES, KEY, &c), 0);
        ck_assert_int_eq(fcache_set_owner(c, 1, ino_of("/d/a"), 42, 1000), -ENOENT); /* unknown file */
        put(c, "/d/a", 1);
        ck_assert_uint_eq(fcache_owner_path(c, "/d/a", &t), 0);
        ck_assert_uint_eq(t, 0);
        ck_assert_int_eq(fcache_set_owner(c, 1, ino_of("/d/a"), 42, 1000), 0);
        /* Kept by a new sample of the file and by a rename, found by either key. */
        put(c, "/d/a", 2);
        fcache_rename(c, "/d/a", "/d/b", false);
        ck_assert_uint_eq(fcache_owner_path(c, "/d/b", &t), 42);
        ck_assert_uint_eq(t, 1000);
        ck_assert_uint_eq(fcache_owner_ino(c, 1, ino_of("/d/a"), NULL), 42);
        ck_assert_uint_eq(fcache_owner_path(c, "/d/a", NULL), 0);
        fcache_clear_owner_path(c, "/d/b");
        ck_assert_uint_eq(fcache_owner_path(c, "/d/b", NULL), 0);
        ck_assert_int_eq(fcache_set_owner(c, 1, ino_of("/d/a"), 42, 1000), 0);
        /* Gone with the entry: a new file at that inode later has no owner. */
        put(c, "/d/x", 3);
        put(c, "/d/y", 4);
        ck_assert_uint_eq(fcache_owner_ino(c, 1, ino_of("/d/a"), NULL), 0);
        struct sample s = mk(5);
        ck_assert_int_eq(fcache_put(c, 1, ino_of("/d/a"), "/d/a", &s), 0);
        ck_assert_uint_eq(fcache_owner_ino(c, 1, ino_of("/d/a"), NULL), 0);
        fcache_free(c);
}
END_TEST

START_TEST(test_identity) {
        struct fcache *c;
        struct sample s1 = mk(1), s2 = mk(2), s3 = mk(3);
        ck_assert_int_eq(fcache_new(16, NOBYTES, KEY, &c), 0);
        ck_assert_ptr_null(fcache_get_ino(c, 1, 10));

        /* One file, found both ways. */
        ck_assert_int_eq(fcache_put(c, 1, 10, "/p/a", &s1), 0);
        ck_assert_uint_eq(fcache_get_ino(c, 1, 10)->size, 1);
        ck_assert_uint_eq(fcache_get_path(c, "/p/a")->size, 1);
        /* Same inode number on another device is another file. */
        ck_assert_ptr_null(fcache_get_ino(c, 2, 10));

        /* A write seen through a name outside the protected paths: NULL keeps the known name. */
        ck_assert_int_eq(fcache_put(c, 1, 10, NULL, &s2), 0);
        ck_assert_uint_eq(fcache_get_path(c, "/p/a")->size, 2);
        ck_assert_uint_eq(fcache_size(c), 1);

        /* Opened under a new name (renamed while we did not look): the name follows. */
        ck_assert_int_eq(fcache_put(c, 1, 10, "/p/b", &s2), 0);
        ck_assert_ptr_null(fcache_get_path(c, "/p/a"));
        ck_assert_uint_eq(fcache_get_path(c, "/p/b")->size, 2);
        ck_assert_uint_eq(fcache_size(c), 1);

        /* Another file takes the name: the first keeps its identity, loses the name. */
        ck_assert_int_eq(fcache_put(c, 1, 11, "/p/b", &s3), 0);
        ck_assert_uint_eq(fcache_get_path(c, "/p/b")->size, 3);
        ck_assert_uint_eq(fcache_get_ino(c, 1, 10)->size, 2);
        ck_assert_uint_eq(fcache_size(c), 2);

        /* Known by identity only, it still evicts normally (the least recently used goes). */
        ck_assert_ptr_nonnull(fcache_get_path(c, "/p/b"));
        fcache_set_limits(c, 1, NOBYTES);
        ck_assert_uint_eq(fcache_size(c), 1);
        ck_assert_ptr_null(fcache_get_ino(c, 1, 10));
        ck_assert_uint_eq(fcache_get_ino(c, 1, 11)->size, 3);
        fcache_free(c);
}
END_TEST

START_TEST(test_lru_eviction) {
        struct fcache *c;
        ck_assert_int_eq(fcache_new(3, NOBYTES, KEY, &c), 0);
        put(c, "/a", 1);
        put(c, "/b", 2);
        put(c, "/c", 3);
        ck_assert_uint_eq(fcache_size(c), 3);
        /* Touch /a: /b is now the least recently used. */
        assert_has(c, "/a", 1);
        put(c, "/d", 4);
        ck_assert_uint_eq(fcache_size(c), 3);
        assert_missing(c, "/b");
        /* Order now (newest first): d a c — but the get of /b changed nothing. Replace /c to
         * make it the newest: a goes next. */
        put(c, "/c", 33);
        put(c, "/e", 5);
        ck_assert_uint_eq(fcache_size(c), 3);
        assert_missing(c, "/a");
        assert_has(c, "/c", 33);
        assert_has(c, "/d", 4);
        assert_has(c, "/e", 5);

        /* A replace at max does not evict anything. */
        put(c, "/e", 55);
        ck_assert_uint_eq(fcache_size(c), 3);
        assert_has(c, "/c", 33);
        assert_has(c, "/d", 4);
        fcache_free(c);
}
END_TEST

START_TEST(test_max_zero_and_one) {
        struct fcache *c;
        ck_assert_int_eq(fcache_new(0, NOBYTES, KEY, &c), 0);
        put(c, "/a", 1);
        put(c, "/b", 2);
        ck_assert_uint_eq(fcache_size(c), 1);
        assert_missing(c, "/a");
        assert_has(c, "/b", 2);
        fcache_set_limits(c, 0, NOBYTES);
        ck_assert_uint_eq(fcache_size(c), 1);
        fcache_free(c);
}
END_TEST

START_TEST(test_set_max_shrinks) {
        struct fcache *c;
        ck_assert_int_eq(fcache_new(100, NOBYTES, KEY, &c), 0);
        char p[32];
        for (int i = 0; i < 10; i++) {
                snprintf(p, sizeof(p), "/f%d", i);
                put(c, p, (uint64_t)i);
        }
        /* Touch /f0 and /f1 so they are the newest. */
        assert_has(c, "/f0", 0);
        assert_has(c, "/f1", 1);
        fcache_set_limits(c, 4, NOBYTES);
        ck_assert_uint_eq(fcache_size(c), 4);
        assert_has(c, "/f0", 0);
        assert_has(c, "/f1", 1);
        assert_has(c, "/f9", 9);
        assert_has(c, "/f8", 8);
        for (int i = 2; i < 8; i++) {
                snprintf(p, sizeof(p), "/f%d", i);
                assert_missing(c, p);
        }
        /* Growing again keeps what is there and allows more. */
        fcache_set_limits(c, 1000, NOBYTES);
        ck_assert_uint_eq(fcache_size(c), 4);
        for (int i = 0; i < 900; i++) {
                snprintf(p, sizeof(p), "/g%d", i);
                put(c, p, (uint64_t)i);
        }
        ck_assert_uint_eq(fcache_size(c), 904);
        fcache_set_limits(c, 1, NOBYTES);
        ck_assert_uint_eq(fcache_size(c), 1);
        assert_has(c, "/g899", 899);
        fcache_free(c);
}
END_TEST

START_TEST(test_rename_file) {
        struct fcache *c;
        ck_assert_int_eq(fcache_new(16, NOBYTES, KEY, &c), 0);
        put(c, "/d/a.txt", 1);
        put(c, "/d/b.txt", 2);

        fcache_rename(c, "/d/a.txt", "/d/a.txt.locked", false);
        assert_missing(c, "/d/a.txt");
        assert_has(c, "/d/a.txt.locked", 1);
        ck_assert_uint_eq(fcache_size(c), 2);

        /* The identity follows the rename. */
        ck_assert_uint_eq(fcache_get_ino(c, 1, ino_of("/d/a.txt"))->size, 1);

        /* Over an existing name: the moved state wins the name; the file that had it stays
         * known by identity only (a rename over it unlinks it, but it may still be open). */
        fcache_rename(c, "/d/a.txt.locked", "/d/b.txt", false);
        assert_missing(c, "/d/a.txt.locked");
        assert_has(c, "/d/b.txt", 1);
        ck_assert_uint_eq(fcache_size(c), 2);
        ck_assert_uint_eq(fcache_get_ino(c, 1, ino_of("/d/b.txt"))->size, 2);

        /* Onto itself. */
        fcache_rename(c, "/d/b.txt", "/d/b.txt", false);
        assert_has(c, "/d/b.txt", 1);
        ck_assert_uint_eq(fcache_size(c), 2);

        /* Unknown source: nothing appears. */
        fcache_rename(c, "/d/none", "/d/new", false);
        assert_missing(c, "/d/none");
        assert_missing(c, "/d/new");
        ck_assert_uint_eq(fcache_size(c), 2);

        /* A file rename never moves entries below it, even when they share the prefix. */
        put(c, "/d/x", 3);
        put(c, "/d/x/y", 4);
        fcache_rename(c, "/d/x", "/d/z", false);
        assert_has(c, "/d/z", 3);
        assert_has(c, "/d/x/y", 4);
        assert_missing(c, "/d/z/y");

        /* A rename at max (the cache is full) keeps everything. */
        fcache_set_limits(c, 3, NOBYTES);
        ck_assert_uint_eq(fcache_size(c), 3);
        fcache_rename(c, "/d/z", "/d/zz", false);
        ck_assert_uint_eq(fcache_size(c), 3);
        assert_has(c, "/d/zz", 3);
        assert_has(c, "/d/x/y", 4);
        assert_has(c, "/d/b.txt", 1);
        fcache_free(c);
}
END_TEST

START_TEST(test_rename_dir) {
        struct fcache *c;
        ck_assert_int_eq(fcache_new(64, NOBYTES, KEY, &c), 0);
        put(c, "/h/dir", 1);            /* the directory itself */
        put(c, "/h/dir/a", 2);
        put(c, "/h/dir/sub/b", 3);
        put(c, "/h/dir/sub/deeper/c", 4);
        put(c, "/h/dir2/d", 5);         /* shares the prefix "dir" but is another directory */
        put(c, "/h/dir2", 6);
        put(c, "/h/dirx", 7);
        put(c, "/h/di", 8);
        put(c, "/h/new/a", 9);          /* stale entry where a moved one lands */
        put(c, "/h/new/keep", 10);      /* stale: a directory is only renamed over an empty one */
        ck_assert_uint_eq(fcache_size(c), 10);

        fcache_rename(c, "/h/dir", "/h/new", true);
        assert_has(c, "/h/new", 1);
        assert_has(c, "/h/new/a", 2);
        assert_has(c, "/h/new/sub/b", 3);
        assert_has(c, "/h/new/sub/deeper/c", 4);
        assert_missing(c, "/h/dir");
        assert_missing(c, "/h/dir/a");
        assert_missing(c, "/h/dir/sub/b");
        assert_missing(c, "/h/dir/sub/deeper/c");
        /* Not below "/h/dir/". */
        assert_has(c, "/h/dir2/d", 5);
        assert_has(c, "/h/dir2", 6);
        assert_has(c, "/h/dirx", 7);
        assert_has(c, "/h/di", 8);
        assert_missing(c, "/h/new2/d");
        assert_missing(c, "/h/new/keep");
        ck_assert_uint_eq(fcache_get_ino(c, 1, ino_of("/h/new/keep"))->size, 10); /* by identity still */
        ck_assert_uint_eq(fcache_size(c), 10); /* the stale names went, not the identities */
        ck_assert_uint_eq(fcache_get_ino(c, 1, ino_of("/h/new/a"))->size, 9);

        /* To a longer and to a shorter name, and back. */
        fcache_rename(c, "/h/new", "/h/a-much-longer-directory-name/x", true);
        assert_has(c, "/h/a-much-longer-directory-name/x/sub/deeper/c", 4);
        fcache_rename(c, "/h/a-much-longer-directory-name/x", "/q", true);
        assert_has(c, "/q/sub/deeper/c", 4);
        assert_has(c, "/q/a", 2);
        assert_has(c, "/q", 1);
        assert_missing(c, "/q/keep");
        ck_assert_uint_eq(fcache_size(c), 10);

        /* Only a subdirectory. */
        fcache_rename(c, "/q/sub", "/q/moved", true);
        assert_has(c, "/q/moved/b", 3);
        assert_has(c, "/q/moved/deeper/c", 4);
        assert_has(c, "/q/a", 2);

        /* A directory that has no entries, nor any below it. */
        fcache_rename(c, "/nothing", "/else", true);
        ck_assert_uint_eq(fcache_size(c), 10);

        /* A directory the cache knows only by its children. */
        fcache_rename(c, "/h/dir2", "/h/dir3", true);
        assert_has(c, "/h/dir3", 6);
        assert_has(c, "/h/dir3/d", 5);
        assert_missing(c, "/h/dir2/d");
        ck_assert_uint_eq(fcache_size(c), 10);

        /* Moved entries still evict and unlink normally afterwards. */
        fcache_unlink(c, "/q/moved/b");
        assert_missing(c, "/q/moved/b");
        ck_assert_uint_eq(fcache_size(c), 10);
        fcache_set_limits(c, 2, NOBYTES);
        ck_assert_uint_eq(fcache_size(c), 2);
        fcache_free(c);
}
END_TEST

START_TEST(test_byte_limit) {
        struct fcache *c;
        char p[4200];
        ck_assert_int_eq(fcache_new(1000, 64 * 1024, KEY, &c), 0);
        ck_assert_uint_eq(fcache_bytes(c), 0);
        /* Long names (4 KiB each) in their own directories: the byte limit evicts long before
         * the entry limit. */
        for (int i = 0; i < 100; i++) {
                int n = snprintf(p, sizeof(p), "/d%d/", i);
                memset(p + n, 'x', 4000);
                p[n + 4000] = '\0';
                put(c, p, (uint64_t)i);
                ck_assert_uint_le(fcache_bytes(c), 64 * 1024);
        }
        ck_assert_uint_lt(fcache_size(c), 20);
        ck_assert_uint_gt(fcache_size(c), 5);
        assert_has(c, p, 99); /* the newest stays */
        /* Everything evicted: nothing left held, directories included. */
        fcache_set_limits(c, 1, 1);
        fcache_set_limits(c, 1000, 1 << 20);
        ck_assert_uint_le(fcache_size(c), 1);
        fcache_free(c);
        ck_assert_int_eq(fcache_new(10, NOBYTES, KEY, &c), 0);
        put(c, "/a/b/c/d", 1);
        fcache_unlink(c, "/a/b/c/d");
        size_t one = fcache_bytes(c);                       /* the entry alone, no names */
        put(c, "/x/y", 2);
        fcache_unlink(c, "/x/y");
        ck_assert_uint_eq(fcache_bytes(c), 2 * one);        /* directories went with their names */
        fcache_free(c);
}
END_TEST

START_TEST(test_rename_deep_subtree) {
        struct fcache *c;
        char p[512];
        ck_assert_int_eq(fcache_new(100000, NOBYTES, KEY, &c), 0);
        /* A big cache elsewhere, and a deep subtree under /t/a. */
        for (unsigned i = 0; i < 50000; i++) {
                snprintf(p, sizeof(p), "/big/d%u/f%u", i % 500, i);
                put(c, p, i);
        }
        put(c, "/t/a/1/2/3/4/5/f", 1);
        put(c, "/t/a/1/g", 2);
        put(c, "/t/a/h", 3);
        /* A rename storm: back and forth, and deeper. */
        for (int i = 0; i < 20000; i++) {
                fcache_rename(c, "/t/a", "/t/b", true);
                fcache_rename(c, "/t/b", "/t/a", true);
        }
        fcache_rename(c, "/t/a/1", "/t/one", true);
        assert_has(c, "/t/one/2/3/4/5/f", 1);
        assert_has(c, "/t/one/g", 2);
        assert_has(c, "/t/a/h", 3);
        assert_missing(c, "/t/a/1/g");
        /* Into a new parent that did not exist, then renames of files inside. */
        fcache_rename(c, "/t/one", "/u/v/w", true);
        assert_has(c, "/u/v/w/2/3/4/5/f", 1);
        fcache_rename(c, "/u/v/w/2/3/4/5/f", "/u/v/w/f2", false);
        assert_has(c, "/u/v/w/f2", 1);
        /* Onto itself, into itself, onto its own ancestor: nothing changes. */
        fcache_rename(c, "/u/v/w", "/u/v/w", true);
        fcache_rename(c, "/u/v/w", "/u/v/w/x", true);
        fcache_rename(c, "/u/v/w", "/u", true);
        assert_has(c, "/u/v/w/f2", 1);
        assert_has(c, "/big/d7/f7", 7);
        ck_assert_uint_eq(fcache_size(c), 50003);
        fcache_free(c);
}
END_TEST

START_TEST(test_single_bucket_chains) {
        /* max 1 at creation gives one bucket; growing max later keeps it, so every entry shares
         * one hash chain and removal from its middle is exercised. */
        struct fcache *c;
        ck_assert_int_eq(fcache_new(1, NOBYTES, KEY, &c), 0);
        fcache_set_limits(c, 200, NOBYTES);
        char p[64];
        for (int i = 0; i < 200; i++) {
                snprintf(p, sizeof(p), "/d/f%03d", i);
                put(c, p, (uint64_t)i);
        }
        ck_assert_uint_eq(fcache_size(c), 200);
        for (int i = 0; i < 200; i += 3) {
                snprintf(p, sizeof(p), "/d/f%03d", i);
                fcache_unlink(c, p);
        }
        fcache_rename(c, "/d", "/e", true);
        for (int i = 0; i < 200; i++) {
                snprintf(p, sizeof(p), "/e/f%03d", i);
                if (i % 3 == 0)
                        assert_missing(c, p);
                else
                        assert_has(c, p, (uint64_t)i);
        }
        put(c, "/x", 1000);
        fcache_set_limits(c, 50, NOBYTES);
        ck_assert_uint_eq(fcache_size(c), 50);
        assert_has(c, "/x", 1000);
        fcache_free(c);
}
END_TEST

START_TEST(test_many_entries) {
        const unsigned n = 100000;
        struct fcache *c;
        char p[64];
        ck_assert_int_eq(fcache_new(n, NOBYTES, KEY, &c), 0);
        for (unsigned i = 0; i < n; i++) {
                snprintf(p, sizeof(p), "/home/u/d%u/f%u.txt", i % 100, i);
                put(c, p, i);
        }
        ck_assert_uint_eq(fcache_size(c), n);
        for (unsigned i = 0; i < n; i += 7) {
                snprintf(p, sizeof(p), "/home/u/d%u/f%u.txt", i % 100, i);
                assert_has(c, p, i);
        }
        /* Unlink a half (still known by identity), rename a directory holding a thousand. */
        for (unsigned i = 0; i < n; i += 2) {
                snprintf(p, sizeof(p), "/home/u/d%u/f%u.txt", i % 100, i);
                fcache_unlink(c, p);
        }
        ck_assert_uint_eq(fcache_size(c), n);
        fcache_rename(c, "/home/u/d1", "/home/u/renamed", true);
        assert_has(c, "/home/u/renamed/f1.txt", 1);
        assert_has(c, "/home/u/renamed/f99901.txt", 99901);
        assert_missing(c, "/home/u/d1/f1.txt");
        assert_missing(c, "/home/u/renamed/f0.txt");
        ck_assert_uint_eq(fcache_size(c), n);

        /* Far more than max: the size stays at max. */
        fcache_set_limits(c, 1000, NOBYTES);
        for (unsigned i = 0; i < 3 * n; i++) {
                snprintf(p, sizeof(p), "/x/%u", i);
                put(c, p, i);
                ck_assert_uint_le(fcache_size(c), 1000);
        }
        ck_assert_uint_eq(fcache_size(c), 1000);
        assert_has(c, "/x/299999", 299999);
        assert_missing(c, "/x/0");
        fcache_free(c);
}
END_TEST

static Suite *fcache_suite(void) {
        Suite *s = suite_create("fcache");
        TCase *tc;

        tc = tcase_create("basic");
        tcase_add_test(tc, test_put_get_del);
        tcase_add_test(tc, test_identity);
        tcase_add_test(tc, test_owner);
        tcase_add_test(tc, test_lru_eviction);
        tcase_add_test(tc, test_max_zero_and_one);
        tcase_add_test(tc, test_set_max_shrinks);
        suite_add_tcase(s, tc);

        tc = tcase_create("rename");
        tcase_add_test(tc, test_rename_file);
        tcase_add_test(tc, test_rename_dir);
        tcase_add_test(tc, test_single_bucket_chains);
        tcase_add_test(tc, test_rename_deep_subtree);
        tcase_add_test(tc, test_byte_limit);
        suite_add_tcase(s, tc);

        tc = tcase_create("scale");
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_many_entries);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(fcache_suite());

        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
