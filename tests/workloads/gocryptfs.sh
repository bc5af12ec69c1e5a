#!/bin/bash
# workload gocryptfs: an encrypted overlay inside the protected tree: gocryptfs -init of
# DIR/.vault-cipher, mounted on DIR/vault, the Documents copied in (gocryptfs writes ciphertext
# files under .vault-cipher: by design), some edited, some deleted, then unmounted.
# usage: gocryptfs.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
command -v gocryptfs >/dev/null && [ -c /dev/fuse ] || { echo "gocryptfs.sh: no gocryptfs or /dev/fuse" >&2; exit 1; }
export LC_ALL=C
c=$DIR/.vault-cipher m=$DIR/vault pw=$DIR/.vault-pass
mkdir -p "$c" "$m"
printf 'ransomguard-test-passphrase\n' > "$pw"
gocryptfs -q -init -passfile "$pw" -scryptn 10 "$c"
gocryptfs -q -nosyslog -passfile "$pw" "$c" "$m"
trap 'fusermount -u "$m" 2>/dev/null || umount "$m" 2>/dev/null || true' EXIT
cp -a "$DIR/Documents" "$m/"
find "$m" -type f -name '*.txt' | awk 'NR <= 20' | while read -r f; do echo "edited in the vault" >> "$f"; done
find "$m" -type f -name '*.pdf' | awk 'NR <= 5' | xargs -r rm -f
sync
fusermount -u "$m"
trap - EXIT
