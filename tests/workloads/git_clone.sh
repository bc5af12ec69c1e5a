#!/bin/bash
# workload git_clone: a real repository of the tree's sources (DIR/.origin, three commits), cloned
# without hard links into DIR/clone (pack files written and checked out), a commit in the clone,
# then git gc --aggressive and git repack -ad there (packs rewritten, old ones deleted).
# usage: git_clone.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=rg GIT_AUTHOR_EMAIL=rg@example.invalid
export GIT_COMMITTER_NAME=rg GIT_COMMITTER_EMAIL=rg@example.invalid
o=$DIR/.origin
git init -q "$o"
cp -a "$DIR/src" "$DIR/Documents" "$o/" 2>/dev/null || cp -a "$DIR/." "$o/" 2>/dev/null || true
g() { git -C "$1" "${@:2}"; }
g "$o" add -A && g "$o" commit -q -m first
find "$o" -path "$o/.git" -prune -o -type f -name '*.txt' -print | awk 'NR <= 30' | while read -r f; do echo edit >> "$f"; done
g "$o" commit -q -am second
find "$o" -path "$o/.git" -prune -o -type f -name '*.md' -print | awk 'NR <= 10' | while read -r f; do git -C "$o" rm -q -- "${f#"$o"/}"; done
g "$o" commit -q -m third
git clone -q --no-local "$o" "$DIR/clone"
echo "clone notes" > "$DIR/clone/NOTES.txt"
g "$DIR/clone" add NOTES.txt && g "$DIR/clone" commit -q -m notes
g "$DIR/clone" gc -q --aggressive
g "$DIR/clone" repack -q -a -d
