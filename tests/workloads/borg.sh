#!/bin/bash
# workload borg: BorgBackup into a repository inside DIR (DIR/borg-repo), as an admin sets it up:
# init with repokey encryption (passphrase from $BORG_PASSPHRASE, default a fixed test one), two
# archives of the tree with a file changed in between, then prune to one and compact. No cache or
# config outside DIR.
# usage: borg.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C.UTF-8 HOME="$DIR" BORG_BASE_DIR="$DIR/.borg-base"
export BORG_PASSPHRASE=${BORG_PASSPHRASE:-ransomguard-test-passphrase}
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
cd -- "$DIR"
repo=$DIR/borg-repo
mapfile -d '' entries < <(find "$DIR" -mindepth 1 -maxdepth 1 ! -name borg-repo ! -name .borg-base -printf '%P\0' | sort -z)
[ ${#entries[@]} -gt 0 ] || exit 0
# init prints advice on stderr even when it succeeds: shown only when it fails
out=$(borg init -e repokey "$repo" 2>&1) || { printf '%s\n' "$out" >&2; exit 1; }
borg create --compression lz4 "$repo::first" "${entries[@]}"
# a second backup after a change, then keep only the newest and give the space back
f=$(find "${entries[@]}" -type f -name '*.txt' -print -quit 2>/dev/null || true)
[ -n "$f" ] && echo "changed $(date +%s)" >> "$f"
borg create --compression zstd,3 "$repo::second" "${entries[@]}"
borg prune --keep-last 1 "$repo"
borg compact "$repo"
borg list "$repo" | grep -q '^second '
