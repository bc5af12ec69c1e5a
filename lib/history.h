/* history — the incidents the daemon knows: each detection as it was reported (the journal's
 * RG_* fields), its short id, and the processes acted on (pid and start time: the identity a
 * later resume or kill checks again). A bounded list, oldest dropped first; each entry as JSON
 * for the control socket and for the copy kept on disk (control.incident_dir). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define HISTORY_ID_LEN 8         /* hex digits */
#define HISTORY_MAX 256          /* incidents kept */
#define HISTORY_MEMBERS_MAX 4096 /* processes recorded per incident (more: counted, not named) */

/* One detection: every RG_* field of its journal entry. A value the daemon holds (incident.c
 * fills it, session.c keeps it while a server's client is looked up), so strings are arrays. ""
 * where unknown. */
struct detection {
        char id[HISTORY_ID_LEN + 1]; /* RG_INCIDENT */
        int pid;
        char comm[64], exe[512], cmdline[1024], cgroup[512];
        unsigned uid;
        int root_pid;          /* family root */
        uint64_t fam;          /* the family's id (root start << 22 | root pid): its vault entries */
        char root_comm[64];
        double score;
        char action[16];       /* kill, suspend, log, dry-run */
        char result[320];      /* "killed 3 process(es)", "partial: …", "failed: …", "skipped: …" */
        unsigned files;        /* files damaged in the window */
        char sample_paths[2048]; /* newline-free, ' | ' separated */
        char reasons[512];
        unsigned members;      /* processes acted on */
        /* A server worker's client: address ("192.0.2.7:50123"), user and machine as the server
         * knows them (smbstatus, sshd's title), and the block set on it. */
        char client_addr[80], client_user[128], client_host[128], blocked[256];
        long long ms_first_damage_to_action;
};

/* What was last done to a member, by the verdict or a later command. */
enum history_state { HISTORY_STOPPED, HISTORY_KILLED, HISTORY_RESUMED, HISTORY_LEFT };

struct history_member {
        int pid;
        uint64_t start;        /* /proc/PID/stat field 22 */
        char comm[16];
        uint8_t state;         /* enum history_state */
};

struct history_entry {
        struct detection d;
        uint64_t t_us;         /* CLOCK_REALTIME of the detection */
        char by[64];           /* the last command on it ("resumed", "killed", "resumed (forced)"), "" none */
        uint32_t n_members;    /* in members[] */
        uint32_t more_members; /* acted on but not recorded (past HISTORY_MEMBERS_MAX) */
        struct history_member *members;
};

struct history;

int history_new(struct history **ret);
struct history *history_free(struct history *h);

/* A copy of e (its members too) as the newest entry; the oldest goes when HISTORY_MAX are kept,
 * its id in *ret_dropped (may be NULL; "" when none went). An id already held is replaced. */
int history_add(struct history *h, const struct history_entry *e, char ret_dropped[HISTORY_ID_LEN + 1]);
struct history_entry *history_find(struct history *h, const char *id);
size_t history_count(const struct history *h);
/* i-th oldest, 0 ≤ i < history_count. */
struct history_entry *history_at(struct history *h, size_t i);

/* Is s an incident id (HISTORY_ID_LEN lowercase hex digits)? */
bool history_id_valid(const char *s);
/* The id of a random 32-bit value. */
void history_make_id(uint32_t rnd, char ret[HISTORY_ID_LEN + 1]);
const char *history_state_name(enum history_state s);

/* As JSON (with the members when asked); NULL on ENOMEM. */
cJSON *history_to_json(const struct history_entry *e, bool with_members);
/* From JSON made by history_to_json (the copy on disk): -EINVAL with a message naming the key
 * when anything is missing, of the wrong type, or out of range; ret->members is malloc'd. */
int history_from_json(const cJSON *j, struct history_entry *ret, char *err, size_t errlen);
void history_entry_clear(struct history_entry *e);
