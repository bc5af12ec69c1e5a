/* Fuzz target: file content as the daemon sees it — the type from the head (lib/ftype.c), the
 * sampled blocks and their statistics (lib/sample.c, lib/entropy.c), and the judge (lib/judge.c)
 * on the input split into a "before" and an "after" file. */
#include <stdint.h>
#include <stdlib.h>

#include "judge.h"
#include "sample.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1 || size > 1 << 20)
                return 0;
        /* The first byte chooses the sampling and where the file splits. */
        struct sample_opts o = {
                .block_bytes = 512u << (data[0] & 3),
                .blocks = 1 + (data[0] >> 2) % 8,
                .random_min_block = 256,
                .random_min_bits = 7.0,
                .random_max_chi2 = 400,
        };
        data++, size--;
        size_t cut = size ? (size_t)data[0] * size / 256 : 0;
        struct sample before, after, whole;
        sample_buf(data, cut, &o, &before);
        sample_buf(data + cut, size - cut, &o, &after);
        sample_buf(data, size, &o, &whole);
        const char *reason = NULL;
        enum judge_verdict v = judge_change(&before, &after, &reason);
        if (!reason || (unsigned)v >= _JUDGE_MAX)
                abort();
        (void)judge_change(NULL, &whole, &reason);
        (void)judge_replacement(&before, &after, &reason);
        (void)sample_is_cipherlike(&whole);
        (void)ftype_class_name(ftype_class_of(ftype_detect(data, size, size)));
        (void)ftype_detect(data, size, size + 1); /* a head shorter than the file */
        return 0;
}
