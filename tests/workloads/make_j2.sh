#!/bin/bash
# workload make_j2: generate a C project of 200 small .c files and a Makefile under DIR/src/genproj,
# then build it with make -j2.
# usage: make_j2.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
p=$DIR/src/genproj
mkdir -p -- "$p/src" "$p/include"
{
    echo '#ifndef GENPROJ_H'
    echo '#define GENPROJ_H'
    for ((i = 0; i < 200; i++)); do printf 'long unit_%03d(long x);\n' "$i"; done
    echo '#endif'
} >"$p/include/genproj.h"
for ((i = 0; i < 200; i++)); do
    cat >"$p/src/unit_$(printf %03d "$i").c" <<C
#include <string.h>
#include "genproj.h"

static const char table_${i}[] = "unit $i: the quick brown fox jumps over the lazy dog";

long unit_$(printf %03d "$i")(long x)
{
    long acc = x * $((i + 3));
    for (size_t k = 0; k < strlen(table_${i}); k++)
        acc = (acc << 1) ^ table_${i}[k] ^ (acc >> 7);
    return acc % $((i * 7 + 11));
}
C
done
{
    echo '#include <stdio.h>'
    echo '#include "genproj.h"'
    echo 'int main(void)'
    echo '{'
    echo '    long x = 1;'
    for ((i = 0; i < 200; i++)); do printf '    x += unit_%03d(x);\n' "$i"; done
    echo '    printf("%ld\n", x);'
    echo '    return 0;'
    echo '}'
} >"$p/src/main.c"
cat >"$p/Makefile" <<'MK'
CC ?= cc
CFLAGS ?= -O2 -g -Wall
CPPFLAGS += -Iinclude
SRCS := $(sort $(wildcard src/*.c))
OBJS := $(SRCS:src/%.c=build/%.o)

all: genproj

genproj: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^

build/%.o: src/%.c include/genproj.h
	@mkdir -p build
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

clean:
	rm -rf build genproj

.PHONY: all clean
MK
make -s -j2 -C "$p" >/dev/null
[ -x "$p/genproj" ]
