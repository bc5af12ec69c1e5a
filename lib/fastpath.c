/* fastpath — which opens are allowed before the pipeline sees them. */
#include "fastpath.h"

#include <sys/stat.h>

enum fastpath fastpath_read(const struct fastpath_known *k, const struct fastpath_known *now, bool reads_only) {
        bool same = k && k->dev == now->dev && k->ino == now->ino && k->size == now->size &&
                    k->mtime_ns == now->mtime_ns && k->btime_ns == now->btime_ns;
        return same && reads_only ? FASTPATH_READ : FASTPATH_NO;
}

enum fastpath fastpath_open(mode_t mode, uint64_t size, int64_t age_ms, bool modified) {
        if (!S_ISREG(mode))
                return FASTPATH_NOT_FILE;
        return size == 0 && !modified && age_ms >= 0 && age_ms <= FASTPATH_NEW_MS ? FASTPATH_NEW : FASTPATH_NO;
}
