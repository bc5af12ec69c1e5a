#!/bin/bash
# workload dpkg_pattern: what dpkg does when it upgrades a package, on ~100 files spread over the tree:
# unpack every new version to NAME.dpkg-new (and fsync it), keep a hard-link backup NAME.dpkg-tmp,
# rename each NAME.dpkg-new over NAME, then remove the backups. Touches nothing outside DIR.
# usage: dpkg_pattern.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
mapfile -d '' all < <(find "$DIR" -type f ! -name '*.dpkg-*' -print0 | sort -z)
total=${#all[@]}
[ "$total" -gt 0 ] || exit 0
want=100
[ "$total" -ge "$want" ] || want=$total
step=$((total / want))
files=()
for ((i = 0; i < want; i++)); do files+=("${all[i * step]}"); done
# unpack: new contents next to the old files
for f in "${files[@]}"; do
    { cat -- "$f"; printf '\n# package version 2.%d-1\n' "${#f}"; } >"$f.dpkg-new"
done
sync -- "${files[@]/%/.dpkg-new}"
# install: backup link, rename over the old file
for f in "${files[@]}"; do
    ln -f -- "$f" "$f.dpkg-tmp"
    mv -f -- "$f.dpkg-new" "$f"
done
# cleanup: drop the backups
for f in "${files[@]}"; do rm -f -- "$f.dpkg-tmp"; done
