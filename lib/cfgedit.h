/* cfgedit — one top-level array of the JSON configuration rewritten in the file's text, the rest
 * of the text (other keys, their order, spacing, line breaks) kept byte for byte: what
 * `ransomguardctl allow --persist` writes. */
#pragma once
#include <stddef.h>

/* *ret_text (malloc'd): text with the top-level key's value replaced by an array of values
 * (strings, in order); the key is added first in the object when absent. The array stays on one
 * line if it was, else one element per line. -EINVAL with a message when text is not a JSON
 * object or key's value is not an array. */
int cfgedit_set_array(const char *text, const char *key, char *const *values, char **ret_text, char *err, size_t errlen);
