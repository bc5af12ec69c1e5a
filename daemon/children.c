/* children — closing a helper's fds, reaping it from the loop. */
#include "children.h"

#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"

void child_close_fds(int keep) {
        if (keep < 0) {
                (void)close_range(3, ~0U, 0);
                return;
        }
        if (keep > 3)
                (void)close_range(3, (unsigned)keep - 1, 0);
        (void)close_range((unsigned)keep + 1, ~0U, 0);
}

static int on_reaped(sd_event_source *s, const siginfo_t *si, void *userdata) {
        sd_event_source_unref(s);
        return 0;
}

void child_reap_later(sd_event *loop, pid_t pid) {
        if (waitpid(pid, NULL, WNOHANG) != 0)
                return;
        if (!loop || sd_event_add_child(loop, NULL, pid, WEXITED, on_reaped, NULL) < 0)
                log_warning("Failed to watch child %d for reaping: it stays a zombie until it exits", (int)pid);
}
