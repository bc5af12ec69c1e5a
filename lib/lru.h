/* lru — an intrusive doubly-linked list kept in most-recently-used order (head: newest), shared
 * by the file-state cache and the process table. */
#pragma once
#include <stddef.h>

struct lru_node {
        struct lru_node *prev, *next;
};

struct lru_list {
        struct lru_node *head, *tail;
};

#define lru_entry(node, type, member) ((type *)((char *)(node) - offsetof(type, member)))

static inline void lru_unlink(struct lru_list *l, struct lru_node *n) {
        if (n->prev)
                n->prev->next = n->next;
        else
                l->head = n->next;
        if (n->next)
                n->next->prev = n->prev;
        else
                l->tail = n->prev;
        n->prev = n->next = NULL;
}

static inline void lru_push(struct lru_list *l, struct lru_node *n) {
        n->next = l->head;
        n->prev = NULL;
        if (l->head)
                l->head->prev = n;
        l->head = n;
        if (!l->tail)
                l->tail = n;
}

/* Used again: to the head. */
static inline void lru_touch(struct lru_list *l, struct lru_node *n) {
        lru_unlink(l, n);
        lru_push(l, n);
}
