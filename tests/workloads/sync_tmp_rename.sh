#!/bin/bash
# workload sync_tmp_rename: what a sync client (Syncthing, Nextcloud, rsync) does when photos and
# documents change on the other side: each new version is written to a temp file beside the
# original and renamed over it; then the same with rsync --inplace (rewritten where they are).
# The "other side" is DIR/.sync-peer, a copy with every photo and document changed.
# usage: sync_tmp_rename.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C
cd -- "$DIR"
peer=$DIR/.sync-peer
mkdir -p "$peer"
for d in Pictures Documents; do [ -d "$d" ] && cp -a "$d" "$peer/"; done
# New versions: photos re-encoded (a real new JPEG/PNG), documents edited.
find "$peer" -type f \( -name '*.jpg' -o -name '*.png' \) -print0 | sort -z | awk -v RS='\0' -v ORS='\0' 'NR <= 40' |
        xargs -0 -r -n 8 mogrify -quality 80 -resize 90% 2>/dev/null || true
find "$peer" -type f \( -name '*.txt' -o -name '*.md' -o -name '*.csv' \) -print0 | sort -z |
        while IFS= read -r -d '' f; do printf '\nsynced edit\n' >> "$f"; done
rsync -a --exclude=.sync-peer "$peer/" "$DIR/"              # temp file + rename over each changed file
find "$peer" -type f -name '*.txt' -print0 | xargs -0 -r sed -i 's/synced edit/synced edit, twice/'
rsync -a --inplace --no-whole-file "$peer/" "$DIR/"          # rewritten in place
