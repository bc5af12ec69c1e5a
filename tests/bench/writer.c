/* rg-writer — the benchmark's throughput load: N × (create, write S bytes, close) in DIR,
 * spread over subdirectories of 1000 files. Prints the elapsed seconds. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
        if (argc != 4) {
                fprintf(stderr, "usage: rg-writer DIR FILES BYTES\n");
                return 2;
        }
        const char *dir = argv[1];
        long n = strtol(argv[2], NULL, 10), size = strtol(argv[3], NULL, 10);
        if (n <= 0 || size < 0 || size > (1 << 24)) {
                fprintf(stderr, "rg-writer: bad FILES or BYTES\n");
                return 2;
        }
        char *buf = malloc((size_t)size + 1);
        if (!buf)
                return 1;
        /* Text-like content: what a log or source tree writes. */
        for (long i = 0; i < size; i++)
                buf[i] = (char)("abcdefghij klmnopqrstuvwxyz\n"[i % 28]);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        char path[4096];
        for (long i = 0; i < n; i++) {
                if (i % 1000 == 0) {
                        snprintf(path, sizeof(path), "%s/d%ld", dir, i / 1000);
                        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
                                perror(path);
                                return 1;
                        }
                }
                snprintf(path, sizeof(path), "%s/d%ld/f%ld.txt", dir, i / 1000, i);
                int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0) {
                        perror(path);
                        return 1;
                }
                if (size && write(fd, buf, (size_t)size) != size) {
                        perror("write");
                        return 1;
                }
                close(fd);
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("%.3f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
        free(buf);
        return 0;
}
