/* Fuzz target: what servers and the block directory say (lib/client.c, lib/block.c):
 * smbstatus --json output, an sshd process title, smbd's argv, a block file's name and text.
 * Invariants: every string filled is terminated and free of control bytes (they reach the
 * journal and the block files); a parsed key names itself again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void clean_or_abort(const char *s, size_t len) {
        const char *end = memchr(s, '\0', len);
        if (!end)
                abort();
        for (const char *q = s; q < end; q++)
                if ((unsigned char)*q < 0x20 || *q == 0x7f)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 1 << 16)
                return 0;
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        struct client_info ci = { .uid = -1 };
        if (client_from_smbstatus(text, 77, &ci) == 0) {
                clean_or_abort(ci.user, sizeof(ci.user));
                clean_or_abort(ci.host, sizeof(ci.host));
                clean_or_abort(ci.addr, sizeof(ci.addr));
                if (ci.uid < -1 || ci.uid >= 4294967295LL)
                        abort();
        }
        struct client_info t = { 0 };
        if (client_from_sshd_title(text, &t) == 0 && (!t.user[0] || strchr(t.user, '@') || strchr(t.user, ' ')))
                abort();
        clean_or_abort(t.user, sizeof(t.user));

        /* The text as an argv: NUL-separated words. */
        char *argv[64];
        int argc = 0;
        for (size_t i = 0; i <= size && argc < 63;) {
                argv[argc++] = text + i;
                i += strlen(text + i) + 1;
        }
        argv[argc] = NULL;
        char conf[256];
        if (client_smbd_conf(argv, argc, conf, sizeof(conf)) == 0 && !conf[0])
                abort();

        struct block_key k;
        if (block_key_parse(text, &k) == 0) {
                char name[BLOCK_NAME_MAX];
                struct block_key back;
                block_key_name(&k, name, sizeof(name));
                if (block_key_parse(name, &back) != 0 || !block_key_equal(&k, &back))
                        abort();
        }
        int64_t until;
        char label[64];
        if (block_file_parse(text, &until, label, sizeof(label)) == 0) {
                clean_or_abort(label, sizeof(label));
                if (until < 0)
                        abort();
        }
        free(text);
        return 0;
}
