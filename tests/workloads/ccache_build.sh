#!/bin/bash
# workload ccache_build: a C build through a compiler cache, twice: generated sources (60 files) in
# DIR/build-src compiled with `ccache gcc` (objects and cache entries written: the cache holds
# compressed files), the objects removed, then compiled again (cache hits), and linked. The cache
# lives in DIR/.ccache.
# usage: ccache_build.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C CCACHE_DIR="$DIR/.ccache" CCACHE_TEMPDIR="$DIR/.ccache/tmp" HOME="$DIR"
command -v ccache >/dev/null || { echo "ccache_build.sh: no ccache" >&2; exit 1; }
s=$DIR/build-src
mkdir -p "$s"
for i in $(seq 1 60); do
        {
                printf '#include <stdio.h>\n#include <string.h>\n'
                printf 'static const char *names_%d[] = {' "$i"
                for k in $(seq 1 40); do printf '"entry-%d-%d",' "$i" "$k"; done
                printf '};\nint f%d(const char *s) { int n = 0; for (unsigned k = 0; k < sizeof(names_%d) / sizeof(*names_%d); k++) n += strcmp(s, names_%d[k]) == 0; return n; }\n' "$i" "$i" "$i" "$i"
        } > "$s/m$i.c"
done
{ printf 'int f1(const char *);\nint main(int c, char **v) { return c > 1 ? f1(v[1]) : 0; }\n'; } > "$s/main.c"
build() {
        for f in "$s"/*.c; do ccache gcc -O1 -g -c "$f" -o "${f%.c}.o"; done
        gcc -o "$s/prog" "$s"/*.o
}
build
rm -f "$s"/*.o "$s/prog"
build
ccache -s >/dev/null
