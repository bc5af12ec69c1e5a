#!/bin/bash
# workload xz_each: xz each regular file of the tree, one after the other (find -type f | xargs xz).
# Files that already carry an .xz/.txz/.lzma suffix are skipped, as xz itself would.
# usage: xz_each.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
# Files whose NAME.xz already exists are skipped too (xz would refuse: "File exists").
find "$DIR" -type f ! -name '*.xz' ! -name '*.txz' ! -name '*.lzma' -print0 | sort -z |
    while IFS= read -r -d '' f; do [ -e "$f.xz" ] || printf '%s\0' "$f"; done |
    xargs -0 -r xz -q --
