#!/bin/bash
# workload git: git init the tree, add and commit everything, edit, add and remove some files, commit
# again, then git gc --aggressive (mass unlink of loose objects, compressed packs under .git/).
# usage: git.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Alex Example" GIT_AUTHOR_EMAIL=alex@example.org
export GIT_COMMITTER_NAME="Alex Example" GIT_COMMITTER_EMAIL=alex@example.org
g() { git -c init.defaultBranch=main -c gc.auto=0 -c core.autocrlf=false -C "$DIR" "$@"; }
g init -q
g add -A
g commit -q -m "Initial import"
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    if [ $((n % 15)) -eq 0 ]; then
        printf '\nEdited on the second day (%d).\n' "$n" >>"$f"
    elif [ $((n % 60)) -eq 7 ]; then
        g rm -q -- "${f#"$DIR"/}"
    fi
done < <(find "$DIR" -path "$DIR/.git" -prune -o -type f \( -name '*.txt' -o -name '*.md' -o -name '*.c' -o -name '*.h' -o -name '*.csv' \) -print0 | sort -z)
printf 'Notes taken during the review.\n' >"$DIR/REVIEW.txt"
g add -A
g commit -q -m "Second day: edits and clean-up"
g gc -q --aggressive
