/* ftype — file type from magic bytes of the head of a file, and the class the scoring cares
 * about. Pure functions, no I/O. */
#pragma once
#include <stddef.h>
#include <stdint.h>

enum ftype_class {
        FTYPE_CLASS_EMPTY,      /* zero bytes */
        FTYPE_CLASS_UNKNOWN,    /* no known magic, not text */
        FTYPE_CLASS_TEXT,       /* printable ASCII / UTF-8 text (source, csv, html, base64 …) */
        FTYPE_CLASS_STRUCTURED, /* known binary format with low-randomness structure (pdf, elf, sqlite, ole …) */
        FTYPE_CLASS_COMPRESSED, /* known compressed container (gzip, xz, zstd, bzip2, zip, 7z, rar, jpeg, png …);
                                 * an archive that records encryption is cipherlike (sample.encrypted) */
        FTYPE_CLASS_ENCRYPTED,  /* known encrypted container (OpenPGP, openssl Salted__, ccrypt, age, LUKS) */
};

enum ftype {
        FTYPE_EMPTY,
        FTYPE_UNKNOWN,
        FTYPE_TEXT,
        /* structured */
        FTYPE_PDF, FTYPE_ELF, FTYPE_SQLITE, FTYPE_OLE, FTYPE_PS, FTYPE_RIFF, FTYPE_TAR, FTYPE_GIT_INDEX,
        FTYPE_BMP, FTYPE_TIFF, FTYPE_ICO, FTYPE_WASM, FTYPE_JAVA_CLASS, FTYPE_MP3_ID3, FTYPE_OGG,
        FTYPE_FLAC, FTYPE_MP4, FTYPE_DEB_AR,
        /* compressed */
        FTYPE_GZIP, FTYPE_BZIP2, FTYPE_XZ, FTYPE_ZSTD, FTYPE_LZ4, FTYPE_ZIP, FTYPE_JPEG, FTYPE_PNG,
        FTYPE_GIF, FTYPE_WEBP, FTYPE_RAR, FTYPE_LZMA, FTYPE_GIT_PACK, FTYPE_GIT_OBJECT, FTYPE_7Z,
        /* encrypted */
        FTYPE_OPENPGP, FTYPE_OPENSSL_SALTED, FTYPE_CCRYPT, FTYPE_AGE, FTYPE_LUKS,
        _FTYPE_MAX,
};

/* Classify from the first bytes of a file (pass at least FTYPE_HEAD_BYTES when the file has
 * them). file_size is the whole file's size (0 → FTYPE_EMPTY). head may be NULL when len == 0.
 * Only the first FTYPE_HEAD_BYTES of head are looked at, and a head shorter than a signature is
 * never that type (tar needs 263 bytes: "ustar" at offset 257).
 * FTYPE_TEXT: printable ASCII or well-formed UTF-8, plus \t \n \r \f \v \a \b and ESC, no NUL; a
 * multibyte sequence cut off at the end is allowed only when the head is shorter than the file.
 * Armoured OpenPGP and age messages are OPENPGP and AGE, not TEXT.
 * FTYPE_GIT_OBJECT: any zlib stream (CMF 0x78, valid header check bits).
 * FTYPE_CCRYPT is never returned: ccrypt writes no plaintext magic (its first 32 bytes are an
 * encrypted nonce), so it is only a name for callers that know the type otherwise. */
#define FTYPE_HEAD_BYTES 512
enum ftype ftype_detect(const uint8_t *head, size_t len, uint64_t file_size);

/* Out-of-range values map to FTYPE_CLASS_UNKNOWN and the name "invalid". */
enum ftype_class ftype_class_of(enum ftype t);
const char *ftype_name(enum ftype t);             /* the enum name in lower case: "pdf", "git_pack", … never NULL */
const char *ftype_class_name(enum ftype_class c); /* "structured", … never NULL */
