/* procev — fork events from the proc connector. */
#include "procev.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"

struct procev {
        int fd;
        sd_event_source *src;
        struct ancestry *a;
        uint64_t lost;
};

/* Event timestamps are CLOCK_MONOTONIC; start times in /proc count from boot (suspend included). */
static uint64_t boot_offset_ns(void) {
        struct timespec b, m;
        clock_gettime(CLOCK_BOOTTIME, &b);
        clock_gettime(CLOCK_MONOTONIC, &m);
        int64_t d = ((int64_t)b.tv_sec - m.tv_sec) * 1000000000 + (b.tv_nsec - m.tv_nsec);
        return d > 0 ? (uint64_t)d : 0;
}

void procev_drain(struct procev *p) {
        if (!p)
                return;
        char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
        uint64_t off = boot_offset_ns();
        for (int round = 0; round < 64; round++) {
                ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == ENOBUFS) { /* the socket overflowed: some forks are not known */
                                if (p->lost++ % 1000 == 0)
                                        log_warning("Fork events were lost (the connector's queue overflowed); families of those processes end at their session");
                                continue;
                        }
                        return; /* EAGAIN: all read */
                }
                for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
                        if (h->nlmsg_type != NLMSG_DONE)
                                continue;
                        struct cn_msg *m = NLMSG_DATA(h);
                        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m) + sizeof(struct proc_event)) ||
                            m->id.idx != CN_IDX_PROC || m->id.val != CN_VAL_PROC)
                                continue;
                        /* Copied out: the event sits 4 bytes off an 8-byte boundary in the message. */
                        struct proc_event ev;
                        memcpy(&ev, m->data, sizeof(ev));
                        /* A new process, not a thread: its pid is its tgid. */
                        if (ev.what == PROC_EVENT_FORK && ev.event_data.fork.child_pid == ev.event_data.fork.child_tgid)
                                ancestry_fork(p->a, ev.event_data.fork.parent_tgid, ev.event_data.fork.child_tgid,
                                              ev.timestamp_ns + off);
                }
        }
}

static bool kernel_at_least(int major, int minor) {
        struct utsname u;
        int a = 0, b = 0;
        return uname(&u) == 0 && sscanf(u.release, "%d.%d", &a, &b) == 2 && (a > major || (a == major && b >= minor));
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        procev_drain(userdata);
        return 0;
}

int procev_new(sd_event *loop, struct ancestry *a, struct procev **ret) {
        struct procev *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->a = a;
        p->fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
        if (p->fd < 0) {
                free(p);
                return -errno;
        }
        int r, size = 4 << 20;
        (void)setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0 };
        if (bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                goto fail_errno;
        /* Listen, for forks only where the kernel filters (6.6+ takes an event mask after the
         * operation; older ones take the operation alone, and send every event). */
        struct {
                struct nlmsghdr h;
                struct cn_msg m;
                uint32_t op, events;
        } __attribute__((packed)) req = { 0 };
        bool filter = kernel_at_least(6, 6);
        req.h.nlmsg_len = filter ? sizeof(req) : sizeof(req) - sizeof(req.events);
        req.h.nlmsg_type = NLMSG_DONE;
        req.m.id.idx = CN_IDX_PROC;
        req.m.id.val = CN_VAL_PROC;
        req.m.len = filter ? 8 : 4;
        req.op = PROC_CN_MCAST_LISTEN;
        req.events = PROC_EVENT_FORK;
        if (send(p->fd, &req, req.h.nlmsg_len, 0) < 0)
                goto fail_errno;
        r = sd_event_add_io(loop, &p->src, p->fd, EPOLLIN, on_readable, p);
        if (r < 0)
                goto fail;
        *ret = p;
        return 0;
fail_errno:
        r = -errno;
fail:
        close(p->fd);
        free(p);
        return r;
}

void procev_free(struct procev *p) {
        if (!p)
                return;
        sd_event_source_disable_unref(p->src);
        close(p->fd);
        free(p);
}
