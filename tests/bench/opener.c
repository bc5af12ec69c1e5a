/* rg-opener FILE SECONDS [INTERVAL_US]: open and close FILE (read-only) every INTERVAL_US
 * (default 1000) for SECONDS, and print how long each open() took, as the daemon's permission
 * answer plus the kernel's own cost: "opens N p50_us X p999_us Y max_us Z failed F". For the
 * benchmark only: it measures, it asserts nothing. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return (x > y) - (x < y);
}

int main(int argc, char **argv) {
        if (argc < 3) {
                fprintf(stderr, "usage: rg-opener FILE SECONDS [INTERVAL_US]\n");
                return 2;
        }
        double secs = atof(argv[2]);
        long interval = argc > 3 ? atol(argv[3]) : 1000;
        size_t cap = (size_t)(secs * 1e6 / (interval > 0 ? interval : 1)) + 16, n = 0, failed = 0;
        uint64_t *lat = malloc(cap * sizeof(*lat)), end = now_ns() + (uint64_t)(secs * 1e9);
        if (!lat)
                return 1;
        while (now_ns() < end && n < cap) {
                uint64_t t0 = now_ns();
                int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
                uint64_t t1 = now_ns();
                if (fd < 0)
                        failed++;
                else
                        close(fd);
                lat[n++] = t1 - t0;
                if (interval > 0)
                        usleep((useconds_t)interval);
        }
        qsort(lat, n, sizeof(*lat), cmp);
        printf("opens %zu p50_us %.1f p999_us %.1f max_us %.1f failed %zu\n", n, n ? lat[n / 2] / 1e3 : 0,
               n ? lat[(n * 999) / 1000] / 1e3 : 0, n ? lat[n - 1] / 1e3 : 0, failed);
        free(lat);
        return 0;
}
