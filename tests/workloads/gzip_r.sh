#!/bin/bash
# workload gzip_r: gzip -r of DIR/Documents (the whole tree when there is no Documents/). Originals are
# replaced by .gz files; files that already end in .gz are left alone (gzip's warning status 2).
# usage: gzip_r.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
target=$DIR/Documents
[ -d "$target" ] || target=$DIR
rc=0
gzip -r -q -- "$target" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]
