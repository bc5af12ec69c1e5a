#!/bin/bash
# workload tar_zstd_rm: tar the whole tree into DIR/backup.tar.zst (zstd), verify the archive, then
# delete the originals: only the archive is left.
# usage: tar_zstd_rm.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
mapfile -d '' entries < <(find "$DIR" -mindepth 1 -maxdepth 1 ! -name backup.tar.zst -printf '%P\0' | sort -z)
[ ${#entries[@]} -gt 0 ] || exit 0
tar -C "$DIR" --zstd -cf "$DIR/backup.tar.zst" -- "${entries[@]}"
zstd -q -t "$DIR/backup.tar.zst"
for e in "${entries[@]}"; do rm -rf -- "${DIR:?}/$e"; done
