#!/bin/bash
# workload 7z_a: 7z a of the whole tree into DIR/archive.7z (LZMA2, 7-Zip's default level).
# usage: 7z_a.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
mapfile -d '' entries < <(find "$DIR" -mindepth 1 -maxdepth 1 ! -name archive.7z -printf '%P\0' | sort -z)
[ ${#entries[@]} -gt 0 ] || exit 0
7z a -bso0 -bsp0 -y -- "$DIR/archive.7z" "${entries[@]}"
