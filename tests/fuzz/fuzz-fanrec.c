/* Fuzz target: fanotify event records (lib/fanrec.c) built from bytes, with lying lengths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fanrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Aligned like the kernel's buffer; exactly size bytes readable (ASan sees overruns). */
        if (size > 1 << 16)
                return 0;
        struct fanotify_event_metadata *m = malloc(size ? size : 1);
        if (!m)
                return 0;
        memcpy(m, data, size);
        struct fanrec r;
        fanrec_parse(m, size, &r);
        /* Whatever was decoded must lie inside the event. */
        const uint8_t *lo = (const uint8_t *)m, *hi = lo + size;
        const struct fanrec_name *names[] = { &r.name, &r.new_name };
        for (int i = 0; i < 2; i++)
                if (names[i]->ok) {
                        const uint8_t *n = (const uint8_t *)names[i]->name;
                        if (n < lo || n >= hi || !memchr(n, '\0', (size_t)(hi - n)))
                                abort();
                        if ((const uint8_t *)names[i]->handle < lo || (const uint8_t *)names[i]->handle + 8 > hi)
                                abort();
                }
        free(m);
        return 0;
}
