#!/bin/bash
# workload restic: restic backup of the tree into a repository inside DIR (DIR/restic-repo): init with
# the passphrase from $RESTIC_PASSWORD (default: a fixed test passphrase), then one backup, no cache.
# usage: restic.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
export RESTIC_PASSWORD=${RESTIC_PASSWORD:-ransomguard-test-passphrase}
unset RESTIC_PASSWORD_FILE RESTIC_PASSWORD_COMMAND RESTIC_REPOSITORY RESTIC_REPOSITORY_FILE
repo=$DIR/restic-repo
mapfile -d '' entries < <(find "$DIR" -mindepth 1 -maxdepth 1 ! -name restic-repo -printf '%P\0' | sort -z)
[ ${#entries[@]} -gt 0 ] || exit 0
restic --no-cache -q -r "$repo" init >/dev/null
restic --no-cache -q -r "$repo" backup --host rg-test -- "${entries[@]}" >/dev/null
