#!/bin/bash
# workload duplicity: an encrypted backup that writes gpg'd volumes: duplicity full, then (after a
# change) incremental backup of the tree into DIR/dup-target (file://), symmetric gpg with the
# passphrase from $PASSPHRASE (default a fixed test one); archive dir and gpg home inside DIR.
# usage: duplicity.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C.UTF-8 HOME="$DIR" GNUPGHOME="$DIR/.gnupg-dup" PASSPHRASE=${PASSPHRASE:-ransomguard-test-passphrase}
mkdir -p -- "$GNUPGHOME" && chmod 700 -- "$GNUPGHOME"
trap 'gpgconf --kill gpg-agent >/dev/null 2>&1 || true' EXIT
cd -- "$DIR"
opts=(--archive-dir "$DIR/.dup-cache" --no-print-statistics --volsize 5 --exclude "$DIR/dup-target"
      --exclude "$DIR/.dup-cache" --exclude "$GNUPGHOME")
duplicity full "${opts[@]}" "$DIR" "file://$DIR/dup-target" >/dev/null
f=$(find "$DIR/Documents" -type f -name '*.txt' -print -quit 2>/dev/null || true)
[ -n "$f" ] && echo "changed $(date +%s)" >> "$f"
duplicity incremental "${opts[@]}" "$DIR" "file://$DIR/dup-target" >/dev/null
duplicity remove-all-but-n-full 1 --force --archive-dir "$DIR/.dup-cache" "file://$DIR/dup-target" >/dev/null
ls "$DIR"/dup-target/*.gpg >/dev/null
