/* config — the JSON configuration: parsing, validation, defaults.
 * Errors name the file, the key path (e.g. "detect.threshold"), the bad value and the line. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum config_action { CONFIG_ACTION_LOG, CONFIG_ACTION_SUSPEND, CONFIG_ACTION_KILL };
enum config_source { CONFIG_SOURCE_AUTO, CONFIG_SOURCE_FANOTIFY, CONFIG_SOURCE_INOTIFY };

/* Evidence weights, in score points; see conf/ransomguard.json for the reasoning behind each. */
struct config_weights {
        double turned_random;   /* a file we knew as low-randomness/known type rewritten as random */
        double type_destroyed;  /* known magic/type replaced by unknown non-random bytes (xor, partial) */
        double replaced;        /* new random/encoded file written + original unlinked by the family */
        double rename_ext;      /* an existing file renamed to a new extension after being damaged */
        double note;            /* identical file dropped into note_min_dirs directories */
        double new_random;      /* a new file of unknown type whose content is random */
        double canary;          /* a decoy file written, renamed or deleted */
        double braked_open;     /* an open denied by the brake: the family keeps going */
};

struct config {
        char **protect;                /* absolute paths; NULL-terminated */
        bool protect_is_default;       /* "protect" absent: the daemon keeps the defaults that exist */
        char **allow;                  /* exact executable paths never acted on; NULL-terminated */
        enum config_action action;
        enum config_source source;

        uint32_t sample_block_bytes;   /* sample.block_bytes */
        uint32_t sample_blocks;        /* sample.blocks */

        uint32_t window_ms;            /* detect.window_ms: evidence older than this is forgotten */
        uint32_t half_life_ms;         /* detect.half_life_ms: score decay inside the window */
        double threshold;              /* detect.threshold: act at or above */
        double suspicious;             /* detect.suspicious: brake (deny writes) at or above */
        double random_max_chi2;        /* detect.random_max_chi2 */
        double random_min_bits;        /* detect.random_min_bits */
        uint32_t random_min_block;     /* detect.random_min_block: bytes below which a block gives no verdict */
        uint32_t note_min_dirs;        /* detect.note_min_dirs */
        struct config_weights w;       /* detect.weights.* */

        bool family;                   /* family.enabled: credit ancestors, act on the family */
        bool account;                  /* account.enabled: damage summed per user (root: per cgroup) */
        uint32_t account_window_ms;    /* account.window_ms */
        uint32_t account_half_life_ms; /* account.half_life_ms */
        bool brake;                    /* brake.enabled: deny opens for writing of suspicious families */
        uint32_t max_unjudged;         /* brake.max_unjudged: a family's write-opens of others' files in flight before
                                        * the next is held (0: never held) */
        uint32_t hold_ms;              /* brake.hold_ms: the longest such a hold lasts */
        bool canary;                   /* canary.enabled */
        char *canary_name;             /* canary.name */

        uint32_t block_seconds;        /* server.block_seconds: a convicted client's block, 0: none */
        unsigned block_by;             /* server.block_by: BLOCK_USER | BLOCK_ADDR (lib/block.h) */
        uint32_t term_grace_ms;        /* server.term_grace_ms: SIGTERM to a worker, then SIGKILL */
        char *block_dir;               /* server.block_dir: where blocks are kept (absolute) */
        char **worker_parents;         /* server.worker_parents: programs whose children each serve one client */

        char *control_socket;          /* control.socket: ransomguardctl's Unix socket (absolute) */
        char *control_group;           /* control.group: a group allowed the read-only commands, "" none */
        char *incident_dir;            /* control.incident_dir: the incidents since boot (absolute) */

        bool vault;                    /* vault.enabled: keep originals before they can be destroyed */
        char *vault_dir;               /* vault.dir (absolute) */
        uint32_t vault_max_mib;        /* vault.max_mib: the budget */
        uint32_t vault_keep_seconds;   /* vault.keep_seconds */
        uint32_t vault_max_file_mib;   /* vault.max_file_mib: larger files are copied only as reflinks */
        bool vault_on_filesystems;     /* vault.on_filesystems: reflinks kept on each protected xfs/btrfs */

        uint32_t max_processes;        /* limits.max_processes */
        uint32_t max_processes_bytes;  /* limits.max_processes_bytes: path strings they may hold */
        uint32_t max_files;            /* limits.max_files: before-state cache entries */
        uint32_t max_files_bytes;      /* limits.max_files_bytes: ... and the bytes they may hold */
};

/* Parse text (name is used in messages, e.g. the file path). On error returns -EINVAL (or
 * -ENOMEM) and writes a one-line message into err. */
int config_parse(const char *text, const char *name, struct config **ret, char *err, size_t errlen);
/* Read a configuration file whole: a regular file (never a FIFO or device: opened non-blocking)
 * of at most 1 MiB without NUL bytes. *ret_text is malloc'd. -errno with a message naming the file. */
int config_read_file(const char *path, char **ret_text, char *err, size_t errlen);
/* config_read_file + config_parse. */
int config_load(const char *path, struct config **ret, char *err, size_t errlen);
/* The built-in defaults (what an empty object "{}" gives). */
int config_default(struct config **ret);
void config_free(struct config *c);

/* Append a path to protect (for --protect). Must be absolute. */
int config_add_protect(struct config *c, const char *path, char *err, size_t errlen);
bool config_is_allowed(const struct config *c, const char *exe);

const char *config_action_name(enum config_action a);
