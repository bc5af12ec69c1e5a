#!/bin/bash
# workload rsync_a: rsync -a of the tree to DIR/mirror; then touch and edit some files and rsync again,
# which rewrites those files in the mirror through a temp file and a rename.
# usage: rsync_a.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
rsync -a --exclude=/mirror "$DIR/" "$DIR/mirror/"
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    if [ $((n % 7)) -eq 0 ]; then
        touch -- "$f"                                   # new mtime: re-sent as is
    elif [ $((n % 23)) -eq 0 ]; then
        printf '\n# edited %d\n' "$n" >>"$f"            # new content
    fi
done < <(find "$DIR" -path "$DIR/mirror" -prune -o -type f -print0 | sort -z)
rsync -a --exclude=/mirror "$DIR/" "$DIR/mirror/"
