/* rg-writer — the benchmark's throughput load: N × (create, write S bytes, close) in DIR,
 * spread over subdirectories of 1000 files; with "read" after the size, the same files opened,
 * read back (S bytes) and closed instead. Prints the elapsed seconds. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
        if (argc != 4 && (argc != 5 || strcmp(argv[4], "read") != 0)) {
                fprintf(stderr, "usage: rg-writer DIR FILES BYTES [read]\n");
                return 2;
        }
        const char *dir = argv[1];
        long n = strtol(argv[2], NULL, 10), size = strtol(argv[3], NULL, 10);
        bool rd = argc == 5;
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
                if (i % 1000 == 0 && !rd) {
                        snprintf(path, sizeof(path), "%s/d%ld", dir, i / 1000);
                        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
                                perror(path);
                                return 1;
                        }
                }
                snprintf(path, sizeof(path), "%s/d%ld/f%ld.txt", dir, i / 1000, i);
                int fd = rd ? open(path, O_RDONLY | O_CLOEXEC) : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0) {
                        perror(path);
                        return 1;
                }
                if (rd && read(fd, buf, (size_t)size) < 0) {
                        perror("read");
                        return 1;
                }
                if (!rd && size && write(fd, buf, (size_t)size) != size) {
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
