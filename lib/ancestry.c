/* ancestry — a bounded table of fork events: child pid → parent pid, fork time. */
#include "ancestry.h"

#include <stddef.h>

static unsigned slot(pid_t pid) {
        uint32_t h = (uint32_t)pid * 2654435761u;
        return h & (ANCESTRY_MAX - 1);
}

void ancestry_fork(struct ancestry *a, pid_t parent, pid_t child, uint64_t t_ns) {
        if (child <= 0)
                return;
        a->forks++;
        unsigned s = slot(child), oldest = s;
        for (unsigned i = 0; i < ANCESTRY_PROBE; i++) {
                unsigned k = (s + i) & (ANCESTRY_MAX - 1);
                if (a->v[k].child == child || a->v[k].child == 0) {
                        oldest = k;
                        break;
                }
                if (a->v[k].t_ns < a->v[oldest].t_ns)
                        oldest = k;
        }
        a->v[oldest] = (struct ancestry_entry){ .child = child, .parent = parent, .t_ns = t_ns };
}

pid_t ancestry_parent(const struct ancestry *a, pid_t pid, uint64_t *ret_t_ns) {
        unsigned s = slot(pid);
        for (unsigned i = 0; i < ANCESTRY_PROBE; i++) {
                const struct ancestry_entry *x = &a->v[(s + i) & (ANCESTRY_MAX - 1)];
                if (x->child == pid) {
                        if (ret_t_ns)
                                *ret_t_ns = x->t_ns;
                        return x->parent;
                }
        }
        return 0;
}

pid_t ancestry_live_ancestor(const struct ancestry *a, pid_t pid, int (*alive)(pid_t, uint64_t, void *), void *ud) {
        uint64_t t_child;
        pid_t cur = pid;
        if (!ancestry_parent(a, cur, &t_child))
                return 0;
        for (int gen = 0; gen < 16; gen++) {
                uint64_t t_parent = 0;
                pid_t parent = ancestry_parent(a, cur, NULL);
                if (parent <= 1)
                        return 0;
                /* The parent's own fork (if we saw it) came before its child's: else the pid
                 * was reused by a later process, which is no ancestor. */
                bool known = ancestry_parent(a, parent, &t_parent) != 0;
                if (known && t_parent > t_child)
                        return 0;
                int r = alive(parent, t_child, ud);
                if (r > 0)
                        return parent;
                if (r < 0)
                        return 0;
                if (!known)
                        return 0; /* gone, and we did not see where it came from */
                cur = parent;
                t_child = t_parent;
        }
        return 0;
}
