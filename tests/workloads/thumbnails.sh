#!/bin/bash
# workload thumbnails: what a desktop's thumbnailer and a browser's cache write: a 128px PNG
# thumbnail of every picture in DIR/.cache/thumbnails (named by the MD5 of its URI, written to a
# temp name and renamed, as the freedesktop spec says), then three rounds of a browser-style cache
# of 300 small gzip'd entries, each entry rewritten and old ones evicted.
# usage: thumbnails.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C
t=$DIR/.cache/thumbnails/normal c=$DIR/.cache/browser/cache2/entries
mkdir -p "$t" "$c"
find "$DIR" -path "$DIR/.cache" -prune -o -type f \( -name '*.jpg' -o -name '*.png' -o -name '*.gif' \) -print0 | sort -z |
        while IFS= read -r -d '' f; do
                h=$(printf 'file://%s' "$f" | md5sum | cut -d' ' -f1)
                convert "$f[0]" -thumbnail 128x128 "PNG:$t/$h.png.tmp" 2>/dev/null && mv -f "$t/$h.png.tmp" "$t/$h.png" || rm -f "$t/$h.png.tmp"
        done
src=$(find "$DIR/src" "$DIR/Documents" -type f -size -64k 2>/dev/null | sort | awk 'NR <= 300')
[ -n "$src" ] || exit 0
for round in 1 2 3; do
        i=0
        while IFS= read -r f; do
                i=$((i + 1))
                k=$(printf '%s%d' "$f" $((i % 200)) | sha1sum | cut -c1-40)
                { head -c 200 /dev/zero | tr '\0' ' '; cat "$f"; } | gzip -c > "$c/$k"
        done <<< "$src"
        # evict the oldest third
        find "$c" -type f -printf '%T@ %p\n' | sort -n | awk 'NR <= 100' | cut -d' ' -f2- | xargs -r rm -f
done
