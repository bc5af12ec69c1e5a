#!/bin/bash
# workload unzip_photos: zip the pictures (jpg/jpeg/png/gif/svg) into DIR/photos.zip, then unzip it into
# DIR/unzipped.
# usage: unzip_photos.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
find . -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.gif' -o -iname '*.svg' \) \
    ! -path './unzipped/*' -print | sort | sed 's|^\./||' >"$DIR/.photos.lst"
if [ -s "$DIR/.photos.lst" ]; then
    zip -q "$DIR/photos.zip" -@ <"$DIR/.photos.lst"
    unzip -q -o "$DIR/photos.zip" -d "$DIR/unzipped"
fi
rm -f -- "$DIR/.photos.lst"
