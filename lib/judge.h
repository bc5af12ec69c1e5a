/* judge — where a written file is judged: what the change from the before state to the after
 * state of one file says about the writer. Pure: works on two samples. */
#pragma once
#include "sample.h"

enum judge_verdict {
        JUDGE_NONE,           /* nothing notable: a known format written, or random over random */
        JUDGE_TURNED_RANDOM,  /* was low-randomness or a known type, now ciphertext-like */
        JUDGE_TYPE_DESTROYED, /* was a known type, now unknown bytes that are not random (xor,
                               * partial encryption) or encoded text */
        JUDGE_NEW_CIPHERLIKE, /* a file with no before state is ciphertext-like */
        _JUDGE_MAX,
};

/* before: the file's state before this writer changed it, or NULL when unknown or new.
 * after: its state now. ret_reason gets a static human-readable phrase. */
enum judge_verdict judge_change(const struct sample *before, const struct sample *after, const char **ret_reason);

/* Does replacing `original` (unlinked) by `replacement` (new file) look like encryption?
 * Compressors (known compressed output) do not; ciphertext-like output does. */
/* A name's new content after another file was renamed over it (or exchanged with it), against
 * what the name had: judge_change, except that a file of the same type random behind its
 * header is a converter's output (an LZW TIFF, a compressed PDF), not a verdict. */
enum judge_verdict judge_renamed_over(const struct sample *before, const struct sample *after, const char **ret_reason);
bool judge_replacement(const struct sample *original, const struct sample *replacement, const char **ret_reason);

/* The type a file name's extension promises (".pdf" → FTYPE_PDF), FTYPE_UNKNOWN when none or
 * when the extension says nothing about content (.bin, .dat, .enc …). */
enum ftype judge_type_from_name(const char *path);

const char *judge_verdict_name(enum judge_verdict v);
