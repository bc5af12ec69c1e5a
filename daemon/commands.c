/* commands — incidents and blocks for the control socket. */
#include "commands.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "action.h"
#include "blocks.h"
#include "journal.h"
#include "proc.h"
#include "vault.h"
#include "ancestry.h"

cJSON *commands_failure(const char *code, const char *msg) {
        return ctlproto_failure(code, msg);
}

static cJSON *ok(void) {
        return ctlproto_ok();
}

/* What a member is doing now: "stopped", "running", "exiting", or "gone" (exited, or its pid
 * is another process's now). */
static const char *live_state(const char *procdir, const struct history_member *m) {
        struct proc_info pi;
        if (proc_read_stat(procdir, m->pid, &pi) < 0 || pi.start_time != m->start)
                return "gone";
        if (pi.state == 'T' || pi.state == 't')
                return "stopped";
        if (pi.state == 'Z' || pi.state == 'X')
                return "exiting";
        return "running";
}

/* The incident's standing: how many members still live, stopped. */
static void add_live(cJSON *j, const struct history_entry *e, const char *procdir, bool each) {
        unsigned stopped = 0, running = 0;
        cJSON *a = each ? cJSON_GetObjectItemCaseSensitive(j, "members") : NULL;
        for (uint32_t i = 0; i < e->n_members; i++) {
                const char *s = live_state(procdir, &e->members[i]);
                stopped += strcmp(s, "stopped") == 0;
                running += strcmp(s, "running") == 0;
                cJSON *o = a ? cJSON_GetArrayItem(a, (int)i) : NULL;
                if (o)
                        (void)cJSON_AddStringToObject(o, "now", s);
        }
        (void)cJSON_AddNumberToObject(j, "stopped_now", stopped);
        (void)cJSON_AddNumberToObject(j, "running_now", running);
}

cJSON *commands_incidents(struct incidents *in, const char *procdir, int64_t since_us) {
        struct history *h = incidents_history(in);
        cJSON *j = ok(), *a = j ? cJSON_AddArrayToObject(j, "incidents") : NULL;
        if (!a) {
                cJSON_Delete(j);
                return NULL;
        }
        for (size_t i = 0; i < history_count(h); i++) {
                const struct history_entry *e = history_at(h, i);
                if ((int64_t)e->t_us < since_us)
                        continue;
                cJSON *o = history_to_json(e, false);
                if (!o || !cJSON_AddItemToArray(a, o)) {
                        cJSON_Delete(o);
                        cJSON_Delete(j);
                        return NULL;
                }
                add_live(o, e, procdir, false);
        }
        return j;
}

cJSON *commands_incident(struct incidents *in, const char *procdir, const char *id) {
        const struct history_entry *e = history_find(incidents_history(in), id);
        if (!e) {
                char msg[96];
                snprintf(msg, sizeof(msg), "no incident %s is known to the daemon", id);
                return commands_failure(CTL_E_NOTFOUND, msg);
        }
        cJSON *j = ok(), *o = j ? history_to_json(e, true) : NULL;
        if (!o || !cJSON_AddItemToObject(j, "incident", o)) {
                cJSON_Delete(o);
                cJSON_Delete(j);
                return NULL;
        }
        add_live(o, e, procdir, true);
        return j;
}

/* Was pid forked (at any depth) by root, as the fork events tell? */
static bool forked_by(const struct ancestry *a, pid_t pid, pid_t root) {
        for (int i = 0; a && pid > 1 && i < 32; i++) {
                if (pid == root)
                        return true;
                pid = ancestry_parent(a, pid, NULL);
        }
        return pid == root;
}

cJSON *commands_vault(struct incidents *in, struct vault *v, const struct ancestry *anc, const char *id) {
        if (!v)
                return commands_failure(CTL_E_FAILED, "the vault is off or could not be used (see the daemon's log): "
                                                      "no originals were kept");
        struct history *h = incidents_history(in);
        if (id[0] && !history_find(h, id)) {
                char msg[96];
                snprintf(msg, sizeof(msg), "no incident %s is known to the daemon", id);
                return commands_failure(CTL_E_NOTFOUND, msg);
        }
        /* What is listed is on disk: the copies still queued for the writer thread first. */
        if (!vault_settle(v))
                log_notice("Vault %s: copies still being written after 5 s; a restore now may miss them", vault_dir(v));
        cJSON *j = ok(), *incs = j ? cJSON_AddArrayToObject(j, "incidents") : NULL,
              *ents = incs ? cJSON_AddArrayToObject(j, "entries") : NULL;
        bool good = ents && cJSON_AddStringToObject(j, "dir", vault_dir(v));
        /* Every directory, vault.dir first: an entry's "store" is its index here. */
        const char *dirs[VAULT_MAX_STORES];
        dev_t devs[VAULT_MAX_STORES];
        ino_t inos[VAULT_MAX_STORES];
        size_t nd = vault_dirs(v, dirs, devs, inos, VAULT_MAX_STORES);
        cJSON *ds = good ? cJSON_AddArrayToObject(j, "dirs") : NULL, *ids = ds ? cJSON_AddArrayToObject(j, "dir_ids") : NULL;
        for (size_t i = 0; ids && i < nd; i++) {
                char did[48];
                snprintf(did, sizeof(did), "%llu:%llu", (unsigned long long)devs[i], (unsigned long long)inos[i]);
                good = good && cJSON_AddItemToArray(ds, cJSON_CreateString(dirs[i])) &&
                       cJSON_AddItemToArray(ids, cJSON_CreateString(did));
        }
        good = good && ids;
        uint64_t fams[HISTORY_MAX], from_us[HISTORY_MAX], to_us[HISTORY_MAX];
        pid_t roots[HISTORY_MAX];
        size_t nf = 0;
        for (size_t i = 0; good && i < history_count(h); i++) {
                const struct history_entry *e = history_at(h, i);
                if ((id[0] && strcmp(e->d.id, id) != 0) || !e->d.fam)
                        continue;
                char fam[24];
                snprintf(fam, sizeof(fam), "%llu", (unsigned long long)e->d.fam);
                cJSON *o = cJSON_CreateObject();
                good = o && cJSON_AddItemToArray(incs, o) && cJSON_AddStringToObject(o, "id", e->d.id) &&
                       cJSON_AddStringToObject(o, "family", fam) && cJSON_AddNumberToObject(o, "time_us", (double)e->t_us) &&
                       cJSON_AddStringToObject(o, "comm", e->d.root_comm) && cJSON_AddNumberToObject(o, "root_pid", e->d.root_pid);
                /* Its attack's time: from a little before the first damaged file to the verdict. */
                int64_t ms = e->d.ms_first_damage_to_action > 0 ? e->d.ms_first_damage_to_action : 0;
                from_us[nf] = e->t_us - (uint64_t)ms * 1000 - (e->t_us > (uint64_t)ms * 1000 + 5000000 ? 5000000 : 0);
                to_us[nf] = e->t_us + 2000000;
                roots[nf] = e->d.root_pid;
                fams[nf++] = e->d.fam;
        }
        struct vault_index *idx = vault_entries(v);
        for (size_t i = 0; good && i < vault_index_count(idx); i++) {
                const struct vault_entry *e = vault_index_at(idx, i);
                /* Its family's; or, during its attack, kept for a family its root forked (a child
                 * taken for a family of its own once its parent was gone), or for a reader and an
                 * unlinker that both exited before we could name them (an `openssl` and an `rm`
                 * per file). */
                bool mine = false;
                for (size_t k = 0; k < nf && !mine; k++)
                        mine = e->fam == fams[k] ||
                               (e->t_us >= from_us[k] && e->t_us <= to_us[k] &&
                                (!e->fam || forked_by(anc, (pid_t)(e->fam & ((1u << 22) - 1)), roots[k])));
                if (!mine)
                        continue;
                cJSON *o = vault_entry_json(e);
                good = o && cJSON_AddItemToArray(ents, o);
        }
        if (!good) {
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

/* Is the incident's program (the writer's executable, else its family root's) allowed now, by
 * file identity as the allowlist is? */
static bool program_allowed(const struct policy *p, const struct history_entry *e) {
        struct stat st;
        if (!e->d.exe[0] || e->d.exe[0] != '/' || stat(e->d.exe, &st) < 0)
                return false;
        for (size_t i = 0; i < p->n_allow_exes; i++)
                if (p->allow_exes[i].dev == st.st_dev && p->allow_exes[i].ino == st.st_ino)
                        return true;
        return false;
}

cJSON *commands_signal(struct incidents *in, const struct policy *p, struct score_table *scores, const char *id,
                       int sig, bool force) {
        struct history_entry *e = history_find(incidents_history(in), id);
        char msg[1400];
        if (!e) {
                snprintf(msg, sizeof(msg), "no incident %s is known to the daemon", id);
                return commands_failure(CTL_E_NOTFOUND, msg);
        }
        if (!e->n_members) {
                snprintf(msg, sizeof(msg), "incident %s has no process recorded (%s)", id, e->d.result);
                return commands_failure(CTL_E_FAILED, msg);
        }
        bool allowed = sig == SIGCONT && program_allowed(p, e);
        if (sig == SIGCONT && !allowed && !force) {
                snprintf(msg, sizeof(msg),
                         "%s is not allowed: it would be stopped again at its next write; allow it first "
                         "(ransomguardctl allow %s), or resume with --force to have it judged afresh",
                         e->d.exe[0] ? e->d.exe : e->d.comm, e->d.exe[0] ? e->d.exe : "EXE");
                return commands_failure(CTL_E_REFUSED, msg);
        }
        struct action_result res;
        int r = action_members(p, e->members, e->n_members, sig, &res);
        if (r < 0)
                return NULL;
        unsigned forgiven = 0;
        if (sig == SIGCONT && !allowed)
                for (uint32_t i = 0; i < e->n_members; i++)
                        forgiven += score_forgive(scores, e->members[i].pid, e->members[i].start);
        snprintf(e->by, sizeof(e->by), "%s", sig == SIGKILL ? "killed" : allowed ? "resumed" : "resumed (forced)");
        incidents_save(in, e);
        journal_log(LOG_NOTICE, NULL, "Incident %s: %s%s by ransomguardctl", id, res.detail,
                    forgiven ? ", judged afresh" : "");
        cJSON *j = ok();
        if (j && (!cJSON_AddStringToObject(j, "result", res.detail) || !cJSON_AddNumberToObject(j, "acted", res.acted) ||
                  !cJSON_AddNumberToObject(j, "gone", res.gone) || !cJSON_AddNumberToObject(j, "failed", res.failed) ||
                  !cJSON_AddNumberToObject(j, "refused", res.skipped) ||
                  !cJSON_AddNumberToObject(j, "not_recorded", e->more_members))) {
                cJSON_Delete(j);
                return NULL;
        }
        if (j && res.failed) { /* some could not be reached: say so as a failure, with the counts */
                cJSON_ReplaceItemInObject(j, "ok", cJSON_CreateFalse());
                (void)cJSON_AddStringToObject(j, "code", CTL_E_FAILED);
                (void)cJSON_AddStringToObject(j, "error", res.detail);
        }
        return j;
}

/* A command's printed output as the reply's "text". */
static cJSON *text_reply(int r, char *out, char *errtext) {
        cJSON *j;
        if (r < 0)
                j = commands_failure(r == -ENOENT ? CTL_E_NOTFOUND : CTL_E_FAILED,
                                     errtext && errtext[0] ? errtext : strerror(-r));
        else if ((j = ok()) && !cJSON_AddStringToObject(j, "text", out ? out : "")) {
                cJSON_Delete(j);
                j = NULL;
        }
        free(out);
        free(errtext);
        return j;
}

/* Run a printing command into two buffers: its output and its error text. */
struct printing {
        const char *dir, *who;
};

static int run_list(const struct printing *x, FILE *f, FILE *fe) {
        return blocks_list_cmd(x->dir, f, fe);
}

static int run_unblock(const struct printing *x, FILE *f, FILE *fe) {
        return blocks_unblock_cmd(x->dir, x->who, false, f, fe);
}

static cJSON *printing(int (*fn)(const struct printing *, FILE *, FILE *), const struct printing *x) {
        char *out = NULL, *et = NULL;
        size_t n = 0, ne = 0;
        FILE *f = open_memstream(&out, &n), *fe = open_memstream(&et, &ne);
        int r = -ENOMEM;
        if (f && fe)
                r = fn(x, f, fe);
        if (f)
                fclose(f);
        if (fe)
                fclose(fe);
        if (r == -ENOMEM && (!f || !fe)) {
                free(out);
                free(et);
                return NULL;
        }
        if (et) { /* one line, no trailing newline */
                size_t l = strlen(et);
                while (l && et[l - 1] == '\n')
                        et[--l] = '\0';
        }
        return text_reply(r, out, et);
}

cJSON *commands_blocks(const char *dir) {
        struct printing x = { .dir = dir };
        return printing(run_list, &x);
}

cJSON *commands_unblock(const char *dir, const char *who) {
        struct printing x = { .dir = dir, .who = who };
        cJSON *j = printing(run_unblock, &x);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok")))
                journal_log(LOG_NOTICE, RG_MID_UNBLOCKED, "Block on %s lifted by ransomguardctl", who);
        return j;
}
