#!/bin/bash
# workload cp_a: cp -a of the whole tree to DIR/copy.
# usage: cp_a.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
mapfile -d '' entries < <(find "$DIR" -mindepth 1 -maxdepth 1 ! -name copy -printf '%P\0' | sort -z)
mkdir -p -- "$DIR/copy"
[ ${#entries[@]} -gt 0 ] || exit 0
cp -a -- "${entries[@]}" "$DIR/copy/"
