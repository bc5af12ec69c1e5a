/* Fuzz target: the control socket's requests (lib/ctlproto.c) and the incident records read
 * back from control.incident_dir (lib/history.c) and the vault's records (lib/vaultidx.c). Invariants: a request parsed names a known
 * command, its id is valid when given and its argument is terminated and free of control bytes;
 * a record parsed converts back to JSON and parses again to the same id. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "history.h"
#include "vaultidx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 1 << 16)
                return 0;
        struct ctl_request q;
        char err[256];
        if (ctlproto_parse((const char *)data, size, &q, err, sizeof(err)) == 0) {
                if ((unsigned)q.cmd >= _CTL_MAX || (q.id[0] && !history_id_valid(q.id)))
                        abort();
                const char *end = memchr(q.arg, '\0', sizeof(q.arg));
                if (!end)
                        abort();
                for (const char *c = q.arg; c < end; c++)
                        if ((unsigned char)*c < 0x20)
                                abort();
        } else if (!err[0])
                abort();
        cJSON *j = cJSON_ParseWithLength((const char *)data, size);
        struct history_entry e;
        if (j && history_from_json(j, &e, err, sizeof(err)) == 0) {
                cJSON *k = history_to_json(&e, true);
                struct history_entry back;
                if (k) {
                        if (history_from_json(k, &back, err, sizeof(err)) != 0 || strcmp(back.d.id, e.d.id) != 0 ||
                            back.n_members != e.n_members)
                                abort();
                        history_entry_clear(&back);
                        cJSON_Delete(k);
                }
                history_entry_clear(&e);
        }
        struct vault_entry v;
        if (j && vault_entry_from_json(j, &v, err, sizeof(err)) == 0) { /* a vault record (vault.dir/ID.json) */
                if (!v.path || v.path[0] != '/' || (v.path2 && v.path2[0] != '/'))
                        abort();
                cJSON *k = vault_entry_json(&v);
                struct vault_entry back;
                if (k && (vault_entry_from_json(k, &back, err, sizeof(err)) != 0 || back.ino != v.ino ||
                          back.mtime_ns != v.mtime_ns || back.fam != v.fam))
                        abort();
                if (k)
                        vault_entry_clear(&back);
                cJSON_Delete(k);
                vault_entry_clear(&v);
        }
        cJSON_Delete(j);
        return 0;
}
