/* block — the block list: keys, matching, the file format. */
#include "block.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void block_key_of(const struct block_client *c, enum block_kind kind, struct block_key *ret) {
        *ret = (struct block_key){ .kind = kind };
        if (kind == BLOCK_USER) {
                ret->uid = c->uid;
                return;
        }
        if (c->conn.v6 && memcmp(c->conn.raddr, v4_mapped, 12) != 0) {
                ret->v6 = true;
                memcpy(ret->addr, c->conn.raddr, 16);
        } else
                memcpy(ret->addr, c->conn.v6 ? c->conn.raddr + 12 : c->conn.raddr, 4);
}

void block_key_name(const struct block_key *k, char *buf, size_t len) {
        if (k->kind == BLOCK_USER) {
                snprintf(buf, len, "user-%u", (unsigned)k->uid);
                return;
        }
        char a[INET6_ADDRSTRLEN] = "?";
        (void)inet_ntop(k->v6 ? AF_INET6 : AF_INET, k->addr, a, sizeof(a));
        snprintf(buf, len, "addr-%s", a);
}

int block_key_parse(const char *name, struct block_key *ret) {
        struct block_key k = { 0 };
        if (strncmp(name, "user-", 5) == 0) {
                const char *s = name + 5;
                char *end;
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                errno = 0;
                unsigned long u = strtoul(s, &end, 10);
                if (errno || *end || u >= (uid_t)-1)
                        return -EINVAL;
                k.kind = BLOCK_USER;
                k.uid = (uid_t)u;
        } else if (strncmp(name, "addr-", 5) == 0) {
                k.kind = BLOCK_ADDR;
                if (inet_pton(AF_INET, name + 5, k.addr) != 1) {
                        if (inet_pton(AF_INET6, name + 5, k.addr) != 1)
                                return -EINVAL;
                        k.v6 = true;
                        if (memcmp(k.addr, v4_mapped, 12) == 0) { /* kept as IPv4 */
                                memmove(k.addr, k.addr + 12, 4);
                                memset(k.addr + 4, 0, 12);
                                k.v6 = false;
                        }
                }
        } else
                return -EINVAL;
        *ret = k;
        return 0;
}

bool block_key_equal(const struct block_key *a, const struct block_key *b) {
        if (a->kind != b->kind)
                return false;
        if (a->kind == BLOCK_USER)
                return a->uid == b->uid;
        return a->v6 == b->v6 && memcmp(a->addr, b->addr, a->v6 ? 16 : 4) == 0;
}

static ssize_t find(const struct block_list *l, const struct block_key *k) {
        for (size_t i = 0; i < l->n; i++)
                if (block_key_equal(&l->v[i].key, k))
                        return (ssize_t)i;
        return -1;
}

int block_add(struct block_list *l, const struct block_key *k, const char *label, int64_t until) {
        ssize_t i = find(l, k);
        if (i < 0) {
                if (l->n == l->cap) {
                        size_t cap = l->cap ? l->cap * 2 : 8;
                        struct block *v = realloc(l->v, cap * sizeof(*v));
                        if (!v)
                                return -ENOMEM;
                        l->v = v;
                        l->cap = cap;
                }
                i = (ssize_t)l->n++;
                l->v[i] = (struct block){ .key = *k };
        }
        l->v[i].until = until;
        snprintf(l->v[i].label, sizeof(l->v[i].label), "%s", label ? label : "");
        for (char *q = l->v[i].label; *q; q++) /* one line in the block file */
                if ((unsigned char)*q < 0x20 || *q == 0x7f)
                        *q = '?';
        return 0;
}

int block_remove(struct block_list *l, const struct block_key *k) {
        ssize_t i = find(l, k);
        if (i < 0)
                return 0;
        l->v[i] = l->v[--l->n];
        return 1;
}

const struct block *block_match(const struct block_list *l, unsigned by, const struct block_client *c, int64_t now) {
        if (!c->is_worker || l->n == 0)
                return NULL;
        struct block_key user, addr;
        block_key_of(c, BLOCK_USER, &user);
        block_key_of(c, BLOCK_ADDR, &addr);
        bool addr_known = c->conn.rport != 0; /* an unknown address is no address */
        for (size_t i = 0; i < l->n; i++) {
                const struct block *b = &l->v[i];
                if (b->until <= now || !(b->key.kind & by) || (b->key.kind == BLOCK_ADDR && !addr_known))
                        continue;
                if (block_key_equal(&b->key, b->key.kind == BLOCK_USER ? &user : &addr))
                        return b;
        }
        return NULL;
}

ssize_t block_expired(const struct block_list *l, int64_t now) {
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i].until <= now)
                        return (ssize_t)i;
        return -1;
}

void block_list_free(struct block_list *l) {
        free(l->v);
        *l = (struct block_list){ 0 };
}

int block_file_parse(const char *text, int64_t *ret_until, char *label, size_t label_len) {
        bool have_until = false;
        label[0] = '\0';
        for (const char *line = text; *line;) {
                const char *nl = strchr(line, '\n');
                size_t n = nl ? (size_t)(nl - line) : strlen(line);
                if (n > 6 && strncmp(line, "until=", 6) == 0) {
                        char num[24], *end;
                        if (n - 6 >= sizeof(num) || line[6] < '0' || line[6] > '9')
                                return -EINVAL;
                        memcpy(num, line + 6, n - 6);
                        num[n - 6] = '\0';
                        errno = 0;
                        long long u = strtoll(num, &end, 10);
                        if (errno || *end || u < 0)
                                return -EINVAL;
                        *ret_until = u;
                        have_until = true;
                } else if (n >= 6 && strncmp(line, "label=", 6) == 0) {
                        size_t m = n - 6 < label_len - 1 ? n - 6 : label_len - 1;
                        memcpy(label, line + 6, m);
                        label[m] = '\0';
                        for (char *q = label; *q; q++)
                                if ((unsigned char)*q < 0x20 || *q == 0x7f)
                                        *q = '?';
                }
                line += n + (nl ? 1 : 0);
        }
        return have_until ? 0 : -EINVAL;
}

void block_file_format(const struct block *b, char *buf, size_t len) {
        snprintf(buf, len, "until=%" PRId64 "\nlabel=%s\n", b->until, b->label);
}
