/* decide — the decision rules, nothing else. */
#include "decide.h"

bool decide_signals(enum config_action action, bool dry_run) {
        return !dry_run && action != CONFIG_ACTION_LOG;
}

bool decide_due(const struct decide_opts *o, double score, bool acted, uint64_t t_acted, uint64_t now_ms) {
        if (!(score >= o->threshold)) /* NaN is never due */
                return false;
        if (!acted)
                return true;
        return o->signals && now_ms >= t_acted && now_ms - t_acted >= o->rearm_ms;
}

bool decide_brake(const struct decide_opts *o, double score) {
        return o->brake && o->can_deny && o->signals && score >= o->suspicious;
}

unsigned decide_targets(const struct decide_facts *f) {
        if (f->root_alive) {
                /* A writer that left the tree is acted on by itself too: decided while the tree
                 * is intact, so neither escapes. */
                bool outside = !f->writer_is_root && f->writer_alive && !f->writer_in_family;
                return DECIDE_FAMILY | (outside ? DECIDE_WRITER : 0);
        }
        /* The root is gone but a member still writes: it and its children. */
        if (!f->writer_is_root && f->writer_alive)
                return DECIDE_WRITER;
        return 0;
}
