/* Unit tests for lib/vaultidx.c: what the vault keeps, what goes first, and its records. */
#include "vaultidx.h"

#include <check.h>
#include <errno.h>

#include "testutil.h"

static struct vault_entry kept(uint32_t id, uint64_t fam, uint64_t size, uint64_t t) {
        return (struct vault_entry){ .id = id, .kind = VAULT_KEPT, .why = VAULT_WHY_WRITE, .fam = fam,
                                     .path = "/srv/a", .dev = 8, .ino = 100 + id, .size = size, .cost = size,
                                     .t_ms = t, .t_us = t };
}

static enum vault_standing standing(void *u, uint64_t fam) {
        (void)u;
        return fam == 1 ? VAULT_SUSPECT : fam == 2 ? VAULT_QUIET : VAULT_ENDED;
}

static unsigned dropped;
static void drop(void *u, const struct vault_entry *e) {
        (void)u, (void)e;
        dropped++;
}

START_TEST(test_budget_spares_suspects) {
        struct vault_index *v;
        ck_assert_int_eq(vault_index_new(&v), 0);
        /* Oldest first: a suspect's, a quiet family's, another suspect's, the newest (quiet). */
        struct vault_entry e[] = { kept(1, 1, 100, 10), kept(2, 2, 100, 11), kept(3, 1, 100, 12), kept(4, 2, 100, 13) };
        for (size_t i = 0; i < 4; i++)
                ck_assert_int_eq(vault_index_add(v, &e[i]), 0);
        ck_assert_uint_eq(vault_index_bytes(v), 400);
        /* 300 allowed: the quiet family's older entry goes, not the suspects' older ones. */
        dropped = 0;
        ck_assert_uint_eq(vault_index_expire(v, 20, 1000, 1000, 300, standing, drop, NULL), 1);
        ck_assert_uint_eq(vault_index_count(v), 3);
        ck_assert_uint_eq(vault_index_at(v, 0)->id, 1);
        ck_assert_uint_eq(vault_index_at(v, 1)->id, 3);
        ck_assert_uint_eq(vault_index_at(v, 2)->id, 4); /* the newest is never dropped for the budget */
        /* 100 allowed: nothing but suspects' left to drop: oldest first, the newest stays. */
        ck_assert_uint_eq(vault_index_expire(v, 20, 1000, 1000, 100, standing, drop, NULL), 2);
        ck_assert_uint_eq(vault_index_count(v), 1);
        ck_assert_uint_eq(vault_index_at(v, 0)->id, 4);
        ck_assert_uint_eq(dropped, 3);
        vault_index_free(v);
}
END_TEST

/* An entry whose write failed leaves the index, its bytes with it; the rest keep their order. */
START_TEST(test_remove) {
        struct vault_index *v;
        ck_assert_int_eq(vault_index_new(&v), 0);
        struct vault_entry e[] = { kept(1, 1, 100, 10), kept(2, 1, 50, 11), kept(3, 1, 25, 12) };
        for (size_t i = 0; i < 3; i++)
                ck_assert_int_eq(vault_index_add(v, &e[i]), 0);
        ck_assert_int_eq(vault_index_remove(v, 1, 2), -ENOENT); /* (another store's id 2) */
        ck_assert_int_eq(vault_index_remove(v, 0, 2), 0);
        ck_assert_int_eq(vault_index_remove(v, 0, 2), -ENOENT);
        ck_assert_uint_eq(vault_index_count(v), 2);
        ck_assert_uint_eq(vault_index_bytes(v), 125);
        ck_assert_uint_eq(vault_index_at(v, 0)->id, 1);
        ck_assert_uint_eq(vault_index_at(v, 1)->id, 3);
        ck_assert_ptr_null(vault_index_kept(v, 8, 102));
        vault_index_free(v);
}
END_TEST

/* A reflink counts what its original holds on disk, not its size (a sparse 1 TiB file must not
 * push every other original out); old records without a cost count their size. */
START_TEST(test_cost_and_order) {
        struct vault_index *v;
        ck_assert_int_eq(vault_index_new(&v), 0);
        struct vault_entry a = kept(1, 1, 100, 30), b = kept(2, 1, 1ull << 40, 10), c = kept(2, 1, 7, 20);
        b.reflink = true;
        b.cost = 4096;
        b.store = 1;
        ck_assert_int_eq(vault_index_add(v, &a), 0);
        ck_assert_int_eq(vault_index_add(v, &b), 0);
        ck_assert_int_eq(vault_index_add(v, &c), 0); /* the same id in vault.dir */
        ck_assert_uint_eq(vault_index_bytes(v), 100 + 4096 + 7);
        /* Read back in directory order: sorted by the wall clock, oldest first. */
        vault_index_sort(v);
        ck_assert_uint_eq(vault_index_at(v, 0)->t_us, 10);
        ck_assert_uint_eq(vault_index_at(v, 0)->store, 1);
        ck_assert_uint_eq(vault_index_at(v, 1)->t_us, 20);
        ck_assert_uint_eq(vault_index_at(v, 2)->id, 1);
        ck_assert_int_eq(vault_index_remove(v, 1, 2), 0);
        ck_assert_uint_eq(vault_index_bytes(v), 107);
        ck_assert_int_eq(vault_index_add(v, &b), 0);
        ck_assert_uint_eq(vault_index_forget_store(v, 1), 1); /* its directory closed */
        ck_assert_uint_eq(vault_index_forget_store(v, 0), 0); /* (vault.dir's never) */
        ck_assert_uint_eq(vault_index_count(v), 2);
        ck_assert_uint_eq(vault_index_bytes(v), 107);
        ck_assert_uint_eq(vault_index_at(v, 0)->store, 0);
        /* The cost goes through JSON; a record without one is a copy. */
        cJSON *j = vault_entry_json(&b);
        struct vault_entry r;
        char err[256];
        ck_assert_int_eq(vault_entry_from_json(j, &r, err, sizeof(err)), 0);
        ck_assert_uint_eq(r.cost, 4096);
        ck_assert_uint_eq(r.size, 1ull << 40);
        vault_entry_clear(&r);
        cJSON_DeleteItemFromObject(j, "cost");
        ck_assert_int_eq(vault_entry_from_json(j, &r, err, sizeof(err)), 0);
        ck_assert_uint_eq(r.cost, r.size);
        vault_entry_clear(&r);
        cJSON_Delete(j);
        vault_index_free(v);
}
END_TEST

START_TEST(test_expiry) {
        struct vault_index *v;
        ck_assert_int_eq(vault_index_new(&v), 0);
        struct vault_entry e[] = { kept(1, 1, 10, 0), kept(2, 2, 10, 0), kept(3, 3, 10, 0), kept(4, 1, 10, 500) };
        for (size_t i = 0; i < 4; i++)
                ck_assert_int_eq(vault_index_add(v, &e[i]), 0);
        /* Within the quiet time nothing goes; after it the quiet and the ended ones. */
        ck_assert_uint_eq(vault_index_expire(v, 50, 1000, 100, 1 << 20, standing, drop, NULL), 0);
        ck_assert_uint_eq(vault_index_count(v), 4);
        (void)vault_index_expire(v, 200, 1000, 100, 1 << 20, standing, drop, NULL);
        ck_assert_uint_eq(vault_index_count(v), 2);
        /* A suspect's: until keep_ms. */
        (void)vault_index_expire(v, 1200, 1000, 100, 1 << 20, standing, drop, NULL);
        ck_assert_uint_eq(vault_index_count(v), 1);
        ck_assert_uint_eq(vault_index_at(v, 0)->id, 4);
        vault_index_free(v);
}
END_TEST

START_TEST(test_current_and_json) {
        struct vault_index *v;
        ck_assert_int_eq(vault_index_new(&v), 0);
        struct vault_entry e = kept(7, 1ull << 40 | 1234, 4096, 5);
        e.mtime_ns = 1796222456073407290LL; /* beyond a double's 53 bits */
        e.ino = 18446744073709551557ull;
        ck_assert_int_eq(vault_index_add(v, &e), 0);
        ck_assert(vault_index_has_current(v, e.fam, 8, e.ino, 4096, e.mtime_ns));
        ck_assert(!vault_index_has_current(v, e.fam, 8, e.ino, 4096, e.mtime_ns + 1)); /* written since */
        ck_assert(!vault_index_has_current(v, 99, 8, e.ino, 4096, e.mtime_ns));        /* another family */
        cJSON *j = vault_entry_json(vault_index_kept(v, 8, e.ino));
        struct vault_entry b;
        char err[256];
        ck_assert_int_eq(vault_entry_from_json(j, &b, err, sizeof(err)), 0);
        ck_assert_uint_eq(b.ino, e.ino);
        ck_assert(b.mtime_ns == e.mtime_ns);
        ck_assert(b.fam == e.fam);
        ck_assert_str_eq(b.path, "/srv/a");
        ck_assert_uint_eq(b.store, 0);
        vault_entry_clear(&b);
        /* The store (a directory on the original's filesystem) goes along, within range. */
        cJSON_AddNumberToObject(j, "store", 3);
        ck_assert_int_eq(vault_entry_from_json(j, &b, err, sizeof(err)), 0);
        ck_assert_uint_eq(b.store, 3);
        vault_entry_clear(&b);
        cJSON_ReplaceItemInObject(j, "store", cJSON_CreateNumber(VAULT_MAX_STORES));
        ck_assert_int_eq(vault_entry_from_json(j, &b, err, sizeof(err)), -EINVAL);
        cJSON_DeleteItemFromObject(j, "store");
        /* Damaged records refused. */
        cJSON_ReplaceItemInObject(j, "path", cJSON_CreateString("relative"));
        ck_assert_int_eq(vault_entry_from_json(j, &b, err, sizeof(err)), -EINVAL);
        cJSON_ReplaceItemInObject(j, "path", cJSON_CreateString("/x"));
        cJSON_ReplaceItemInObject(j, "ino", cJSON_CreateString("-5"));
        ck_assert_int_eq(vault_entry_from_json(j, &b, err, sizeof(err)), -EINVAL);
        cJSON_ReplaceItemInObject(j, "ino", cJSON_CreateString("5"));
        cJSON_ReplaceItemInObject(j, "kind", cJSON_CreateString("stolen"));
        ck_assert_int_eq(vault_entry_from_json(j, &b, err, sizeof(err)), -EINVAL);
        cJSON_Delete(j);
        vault_index_free(v);
}
END_TEST

int main(void) {
        Suite *s = suite_create("vaultidx");
        TCase *tc = tcase_create("vaultidx");
        tcase_add_test(tc, test_budget_spares_suspects);
        tcase_add_test(tc, test_expiry);
        tcase_add_test(tc, test_remove);
        tcase_add_test(tc, test_current_and_json);
        tcase_add_test(tc, test_cost_and_order);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
