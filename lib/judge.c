/* judge — the change of one file, before vs after.
 *
 * The rule of thumb: absolute entropy says little (photos, archives and databases are all high),
 * the change says a lot. A file that had a known type or low randomness and now is random bytes
 * of no known type (or an encryption container) was most likely encrypted. A known compressed
 * container as output (gzip, xz, zstd, zip, jpeg …) is never taken for ciphertext, unless the
 * archive itself records that its content is encrypted (zip -e, 7z -p, rar -p). */
#include "judge.h"

#include <string.h>
#include <strings.h>

static bool is_known(enum ftype_class c) {
        return c == FTYPE_CLASS_TEXT || c == FTYPE_CLASS_STRUCTURED || c == FTYPE_CLASS_COMPRESSED;
}

/* same_file: the same name changed (in place, or replaced by a rename); else a new file that may
 * replace an unlinked original (a compressor writes x.gz and removes x: another type is its
 * whole point). same_inode: the very file, not one renamed over it (a converter's output of the
 * same type, LZW TIFF or a compressed PDF, is random behind its header by design). */
static enum judge_verdict change(const struct sample *before, const struct sample *after, bool same_file,
                                 bool same_inode, const char **ret_reason) {
        const char *reason = "no notable change";
        enum judge_verdict v = JUDGE_NONE;
        enum ftype_class ca = ftype_class_of(after->type);
        if (after->encrypted) /* an archive that says its content is encrypted */
                ca = FTYPE_CLASS_ENCRYPTED;
        bool cipher_after = sample_is_cipherlike(after);

        if (!before || before->size == 0) {
                if (cipher_after) {
                        v = JUDGE_NEW_CIPHERLIKE;
                        reason = ca == FTYPE_CLASS_ENCRYPTED ? "new encrypted container"
                                 : ca == FTYPE_CLASS_TEXT    ? "new file of encoded random data"
                                                             : "new file of random bytes";
                }
                goto out;
        }

        enum ftype_class cb = ftype_class_of(before->type);
        bool cipher_before = sample_is_cipherlike(before);

        if (cipher_after && !cipher_before) {
                v = JUDGE_TURNED_RANDOM;
                reason = ca == FTYPE_CLASS_ENCRYPTED ? "content replaced by an encrypted container"
                         : ca == FTYPE_CLASS_TEXT    ? "content replaced by encoded random data"
                                                     : "content turned into random bytes";
                /* Encoded text from something that was not text is the low-entropy trick. */
                if (ca == FTYPE_CLASS_TEXT)
                        v = JUDGE_TYPE_DESTROYED;
                goto out;
        }
        if (ca == FTYPE_CLASS_UNKNOWN && is_known(cb)) {
                /* Magic gone but not random as a whole: partial encryption, xor, or a header
                 * overwritten. A random head or random blocks make it stronger, not different. */
                v = JUDGE_TYPE_DESTROYED;
                reason = after->n_random > 0 ? "file type destroyed, some blocks random" : "file type destroyed";
                goto out;
        }
        if (same_file && ca != FTYPE_CLASS_UNKNOWN && after->type != before->type && !cipher_before &&
            cb != FTYPE_CLASS_COMPRESSED && cb != FTYPE_CLASS_ENCRYPTED && before->n_random * 2 <= before->n_judged &&
            after->n_judged > 0 && after->n_random * 2 > after->n_judged) {
                /* A document that now claims another type (a gzip, JPEG or PDF signature) over
                 * random bytes: a signature written over ciphertext so the type check passes.
                 * Programs that convert a file in place to another format are rare; a real
                 * compressed file replacing a compressed one is left alone (cb above). */
                v = JUDGE_TURNED_RANDOM;
                reason = "type changed and content turned random";
                goto out;
        }
        if (same_file && cb == FTYPE_CLASS_TEXT && ca != FTYPE_CLASS_TEXT && ca != FTYPE_CLASS_UNKNOWN && after->n_judged == 0 &&
            after->size >= 64 && after->entropy >= 6.0) {
                /* The same, in a file too small for a randomness verdict: a text file that now
                 * claims a binary type and is dense bytes throughout. */
                v = JUDGE_TYPE_DESTROYED;
                reason = "text replaced by a small file of another type";
                goto out;
        }
        if (same_file && ca == FTYPE_CLASS_TEXT && cb == FTYPE_CLASS_TEXT && after->n_random > before->n_random &&
            after->n_judged == before->n_judged) {
                /* Random bytes inside a text file that kept its text head (and tail): text has
                 * none, a block of ciphertext behind an intact start does. */
                v = JUDGE_TURNED_RANDOM;
                reason = "random blocks inside a text file";
                goto out;
        }
        if (same_inode && ca == cb && after->n_random > before->n_random && after->n_judged == before->n_judged &&
            cb != FTYPE_CLASS_COMPRESSED && cb != FTYPE_CLASS_ENCRYPTED && after->n_random * 2 > after->n_judged) {
                /* Same type kept (e.g. magic left intact) but most blocks turned random. */
                v = JUDGE_TURNED_RANDOM;
                reason = "blocks turned random behind an intact header";
                goto out;
        }
out:
        if (ret_reason)
                *ret_reason = reason;
        return v;
}

enum judge_verdict judge_change(const struct sample *before, const struct sample *after, const char **ret_reason) {
        return change(before, after, true, true, ret_reason);
}

enum judge_verdict judge_renamed_over(const struct sample *before, const struct sample *after, const char **ret_reason) {
        return change(before, after, true, false, ret_reason);
}

bool judge_replacement(const struct sample *original, const struct sample *replacement, const char **ret_reason) {
        enum judge_verdict v = change(original, replacement, false, true, ret_reason);
        return v == JUDGE_TURNED_RANDOM || v == JUDGE_TYPE_DESTROYED ||
               (v == JUDGE_NEW_CIPHERLIKE && !original);
}

const char *judge_verdict_name(enum judge_verdict v) {
        static const char *const names[_JUDGE_MAX] = {
                [JUDGE_NONE] = "none",
                [JUDGE_TURNED_RANDOM] = "turned-random",
                [JUDGE_TYPE_DESTROYED] = "type-destroyed",
                [JUDGE_NEW_CIPHERLIKE] = "new-cipherlike",
        };
        return (unsigned)v < _JUDGE_MAX ? names[v] : "invalid";
}

enum ftype judge_type_from_name(const char *path) {
        static const struct {
                const char *ext;
                enum ftype t;
        } map[] = {
                { "txt", FTYPE_TEXT },   { "md", FTYPE_TEXT },     { "c", FTYPE_TEXT },    { "h", FTYPE_TEXT },
                { "py", FTYPE_TEXT },    { "sh", FTYPE_TEXT },     { "csv", FTYPE_TEXT },  { "json", FTYPE_TEXT },
                { "xml", FTYPE_TEXT },   { "html", FTYPE_TEXT },   { "htm", FTYPE_TEXT },  { "svg", FTYPE_TEXT },
                { "conf", FTYPE_TEXT },  { "cfg", FTYPE_TEXT },    { "ini", FTYPE_TEXT },  { "log", FTYPE_TEXT },
                { "rst", FTYPE_TEXT },   { "tex", FTYPE_TEXT },    { "js", FTYPE_TEXT },   { "css", FTYPE_TEXT },
                { "pl", FTYPE_TEXT },    { "rb", FTYPE_TEXT },     { "go", FTYPE_TEXT },   { "rs", FTYPE_TEXT },
                { "java", FTYPE_TEXT },  { "cpp", FTYPE_TEXT },    { "yaml", FTYPE_TEXT }, { "yml", FTYPE_TEXT },
                { "pdf", FTYPE_PDF },    { "sqlite", FTYPE_SQLITE }, { "db", FTYPE_SQLITE },
                { "doc", FTYPE_OLE },    { "xls", FTYPE_OLE },     { "ppt", FTYPE_OLE },
                { "docx", FTYPE_ZIP },   { "xlsx", FTYPE_ZIP },    { "pptx", FTYPE_ZIP },  { "odt", FTYPE_ZIP },
                { "ods", FTYPE_ZIP },    { "odp", FTYPE_ZIP },     { "zip", FTYPE_ZIP },   { "jar", FTYPE_ZIP },
                { "gz", FTYPE_GZIP },    { "tgz", FTYPE_GZIP },    { "xz", FTYPE_XZ },     { "bz2", FTYPE_BZIP2 },
                { "zst", FTYPE_ZSTD },   { "jpg", FTYPE_JPEG },    { "jpeg", FTYPE_JPEG }, { "png", FTYPE_PNG },
                { "gif", FTYPE_GIF },    { "webp", FTYPE_WEBP },   { "tar", FTYPE_TAR },   { "ps", FTYPE_PS },
                { "bmp", FTYPE_BMP },    { "tif", FTYPE_TIFF },    { "tiff", FTYPE_TIFF }, { "mp3", FTYPE_MP3_ID3 },
                { "ogg", FTYPE_OGG },    { "flac", FTYPE_FLAC },   { "mp4", FTYPE_MP4 },   { "wav", FTYPE_RIFF },
                { "deb", FTYPE_DEB_AR },
        };
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        const char *dot = strrchr(base, '.');
        if (!dot || dot == base || !dot[1])
                return FTYPE_UNKNOWN;
        for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
                if (strcasecmp(dot + 1, map[i].ext) == 0)
                        return map[i].t;
        return FTYPE_UNKNOWN;
}
