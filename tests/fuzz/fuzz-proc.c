/* Fuzz target: what /proc says, parsed (lib/proc.c, lib/attr.c): a stat line, a mountinfo
 * line, a net/tcp line, a status text, an fdinfo text, a /proc entry name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 1 << 14)
                return 0;
        char *text = malloc(size + 1), buf[4096];
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        struct proc_info pi;
        if (proc_parse_stat(text, &pi) == 0 && (pi.pid <= 0 || !memchr(pi.comm, '\0', sizeof(pi.comm))))
                abort();
        if (proc_parse_mountinfo_line(text, buf, sizeof(buf)) == 0 && (buf[0] != '/' || !memchr(buf, '\0', sizeof(buf))))
                abort();
        struct proc_tcp t;
        for (int v6 = 0; v6 < 2; v6++)
                if (proc_parse_tcp_line(text, v6, &t) == 0) {
                        proc_tcp_addr(&t, buf, 64);
                        if (!memchr(buf, '\0', 64))
                                abort();
                }
        uid_t u;
        (void)proc_parse_status_fsuid(text, &u);
        pid_t tgid;
        if (proc_parse_status_tgid(text, &tgid) == 0 && tgid <= 0)
                abort();
        int in_fd, out_fd;
        enum proc_open_mode am = proc_parse_syscall_access(text, &in_fd, &out_fd);
        if ((am != PROC_OPEN_UNKNOWN && am != PROC_OPEN_READ && am != PROC_OPEN_WRITE) ||
            (in_fd >= 0 && am != PROC_OPEN_READ) || ((in_fd >= 0) != (out_fd >= 0)))
                abort();
        unsigned flags;
        (void)attr_parse_fdinfo_flags(text, &flags);
        pid_t pid;
        if (attr_parse_pid(text, &pid) == 0 && pid <= 0)
                abort();
        (void)attr_dir_hash(text);
        free(text);
        return 0;
}
