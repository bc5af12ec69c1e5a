/* Fuzz target: the configuration parser (lib/config.c), on any bytes as the file's text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 1 << 16)
                return 0;
        char *text = malloc(size + 1), err[1024];
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        struct config *c = NULL;
        if (config_parse(text, "fuzz.json", &c, err, sizeof(err)) == 0) {
                /* What the daemon then does with a valid one. */
                (void)config_add_protect(c, "/srv/extra", err, sizeof(err));
                (void)config_is_allowed(c, "/usr/bin/true");
                config_free(c);
        } else if (!memchr(err, '\0', sizeof(err)))
                abort(); /* the message must be a terminated string */
        free(text);
        return 0;
}
