/* ctl — one request over the control socket, one reply back. */
#include "ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlproto.h"

#define REPLY_WAIT_MS 30000
#define REPLY_MAX (9u << 20)

int ctl_exit_of(const cJSON *reply) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(reply, "code");
        const char *code = cJSON_IsString(c) ? c->valuestring : "";
        if (strcmp(code, CTL_E_NOTFOUND) == 0)
                return CTL_EXIT_NOT_FOUND;
        if (strcmp(code, CTL_E_REFUSED) == 0)
                return CTL_EXIT_REFUSED;
        if (strcmp(code, CTL_E_INVALID) == 0)
                return CTL_EXIT_USAGE;
        return CTL_EXIT_FAILURE;
}

int ctl_call(const char *path, cJSON *request, cJSON **ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "ransomguardctl: socket path %s is too long\n", path);
                return CTL_EXIT_USAGE;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                fprintf(stderr, "ransomguardctl: Failed to create a socket: %m\n");
                return CTL_EXIT_FAILURE;
        }
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = errno;
                close(fd);
                if (e == EACCES || e == EPERM) {
                        fprintf(stderr, "ransomguardctl: permission denied on %s: needs root (or the group named in "
                                        "control.group, for read-only commands)\n", path);
                        return CTL_EXIT_REFUSED;
                }
                fprintf(stderr, "ransomguardctl: ransomguardd is not running (nothing answers on %s: %s)\n", path,
                        strerror(e));
                return CTL_EXIT_NOT_RUNNING;
        }
        char *text = cJSON_PrintUnformatted(request);
        if (!text || strlen(text) + 1 > CTL_REQUEST_MAX) {
                fprintf(stderr, "ransomguardctl: request too long (at most %d bytes)\n", CTL_REQUEST_MAX);
                free(text);
                close(fd);
                return CTL_EXIT_USAGE;
        }
        size_t n = strlen(text);
        text[n] = '\n'; /* the NUL's place: sent as the request's end */
        ssize_t w = send(fd, text, n + 1, MSG_NOSIGNAL);
        free(text);
        /* A refused caller gets one line and a close: read it even when the send failed. */
        size_t cap = 65536, len = 0;
        char *buf = malloc(cap);
        int status = 0;
        while (buf) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int pr = poll(&p, 1, REPLY_WAIT_MS);
                if (pr == 0) {
                        fprintf(stderr, "ransomguardctl: no reply from ransomguardd within %d s\n", REPLY_WAIT_MS / 1000);
                        status = CTL_EXIT_FAILURE;
                        break;
                }
                if (len + 1 >= cap) {
                        char *nb = cap >= REPLY_MAX ? NULL : realloc(buf, cap *= 2);
                        if (!nb) {
                                fprintf(stderr, "ransomguardctl: reply too large\n");
                                status = CTL_EXIT_FAILURE;
                                break;
                        }
                        buf = nb;
                }
                ssize_t r = pr < 0 ? -1 : recv(fd, buf + len, cap - 1 - len, 0);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0) {
                        fprintf(stderr, "ransomguardctl: ransomguardd closed the connection without a reply%s\n",
                                w < 0 ? " (the request could not be sent)" : "");
                        status = CTL_EXIT_FAILURE;
                        break;
                }
                len += (size_t)r;
                if (memchr(buf + len - (size_t)r, '\n', (size_t)r))
                        break;
        }
        close(fd);
        if (!buf) {
                fprintf(stderr, "ransomguardctl: out of memory\n");
                return CTL_EXIT_FAILURE;
        }
        if (status) {
                free(buf);
                return status;
        }
        buf[len] = '\0';
        cJSON *j = cJSON_Parse(buf);
        free(buf);
        if (!cJSON_IsObject(j) || !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(j, "ok"))) {
                cJSON_Delete(j);
                fprintf(stderr, "ransomguardctl: the daemon's reply is not understood (another version?)\n");
                return CTL_EXIT_FAILURE;
        }
        *ret = j;
        return 0;
}
