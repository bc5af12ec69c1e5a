/* client — parsing what servers say about their clients. */
#include "client.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_clean(char *dst, size_t len, const char *src) {
        snprintf(dst, len, "%s", src);
        for (char *q = dst; *q; q++)
                if ((unsigned char)*q < 0x20 || *q == 0x7f)
                        *q = '?';
}

static const char *str_of(const cJSON *o, const char *key) {
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
        return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* smbstatus' "hostname" of a session: "ipv4:192.0.2.7:50123" or "ipv6:2001:db8::1:50123". */
static void addr_of_hostname(const char *h, char *buf, size_t len) {
        bool v6 = strncmp(h, "ipv6:", 5) == 0;
        if (!v6 && strncmp(h, "ipv4:", 5) != 0)
                return;
        const char *a = h + 5, *colon = strrchr(a, ':');
        if (!colon || colon == a || !colon[1])
                return;
        char tmp[80];
        int n = snprintf(tmp, sizeof(tmp), v6 ? "[%.*s]:%s" : "%.*s:%s", (int)(colon - a), a, colon + 1);
        if (n > 0 && (size_t)n < sizeof(tmp))
                copy_clean(buf, len, tmp);
}

int client_from_smbstatus(const char *json, pid_t pid, struct client_info *ret) {
        cJSON *root = cJSON_Parse(json);
        if (!root)
                return -EINVAL;
        int r = -EINVAL;
        const cJSON *sessions = cJSON_GetObjectItemCaseSensitive(root, "sessions");
        if (!cJSON_IsObject(root) || (sessions && !cJSON_IsObject(sessions)))
                goto out;
        r = -ENOENT;
        const cJSON *s;
        cJSON_ArrayForEach(s, sessions) {
                const cJSON *sid = cJSON_GetObjectItemCaseSensitive(s, "server_id");
                const char *p = cJSON_IsObject(sid) ? str_of(sid, "pid") : NULL;
                char *end;
                if (!p || !*p)
                        continue;
                errno = 0;
                long v = strtol(p, &end, 10);
                if (errno || *end || v != (long)pid)
                        continue;
                const char *user = str_of(s, "username"), *machine = str_of(s, "remote_machine"),
                           *host = str_of(s, "hostname");
                if (user && *user)
                        copy_clean(ret->user, sizeof(ret->user), user);
                if (machine && *machine)
                        copy_clean(ret->host, sizeof(ret->host), machine);
                if (host && !ret->addr[0])
                        addr_of_hostname(host, ret->addr, sizeof(ret->addr));
                const cJSON *uid = cJSON_GetObjectItemCaseSensitive(s, "uid");
                if (cJSON_IsNumber(uid) && uid->valuedouble >= 0 && uid->valuedouble < 4294967295.0 &&
                    uid->valuedouble == (double)(long long)uid->valuedouble)
                        ret->uid = (long long)uid->valuedouble;
                r = 0;
                break;
        }
out:
        cJSON_Delete(root);
        return r;
}

int client_from_sshd_title(const char *title, struct client_info *ret) {
        if (strncmp(title, "sshd: ", 6) != 0)
                return -ENOENT;
        const char *u = title + 6;
        size_t n = strcspn(u, "@ ");
        if (n == 0 || n >= sizeof(ret->user) || (u[n] != '@' && strncmp(u + n, " [", 2) != 0))
                return -ENOENT;
        char tmp[sizeof(ret->user)];
        memcpy(tmp, u, n);
        tmp[n] = '\0';
        copy_clean(ret->user, sizeof(ret->user), tmp);
        return 0;
}

int client_smbd_conf(char *const *argv, int argc, char *buf, size_t len) {
        const char *conf = NULL;
        for (int i = 1; i < argc && argv[i]; i++) {
                const char *a = argv[i];
                if (strcmp(a, "--") == 0)
                        break;
                if (strcmp(a, "-s") == 0 || strcmp(a, "--configfile") == 0)
                        conf = i + 1 < argc ? argv[++i] : NULL;
                else if (strncmp(a, "--configfile=", 13) == 0)
                        conf = a + 13;
                else if (strncmp(a, "-s", 2) == 0 && a[1] == 's' && a[2])
                        conf = a + 2;
        }
        if (!conf || !*conf)
                return -ENOENT;
        if (strlen(conf) >= len)
                return -ENAMETOOLONG;
        strcpy(buf, conf);
        return 0;
}
