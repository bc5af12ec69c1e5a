#!/bin/bash
# workload mogrify: ImageMagick mogrify -quality 80 of every JPEG and PNG in place (/usr/bin/mogrify
# from the imagemagick package: /usr/local/bin/convert on some machines is a stand-in).
# usage: mogrify.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
MOGRIFY=/usr/bin/mogrify
[[ $("$MOGRIFY" -version 2>/dev/null || true) == *ImageMagick* ]] || { echo "$MOGRIFY is not ImageMagick (apt-get install imagemagick)" >&2; exit 1; }
export MAGICK_TEMPORARY_PATH=$DIR TMPDIR=$DIR
find "$DIR" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -print0 | sort -z |
    xargs -0 -r -n 16 "$MOGRIFY" -quiet -quality 80 --
