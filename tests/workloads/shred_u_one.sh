#!/bin/bash
# workload shred_u_one: shred -u of one file (the first non-empty file under DIR/Documents in name order):
# overwritten three times, then truncated and unlinked.
# usage: shred_u_one.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
base=$DIR/Documents
[ -d "$base" ] || base=$DIR
f=$(find "$base" -type f -size +0 -print0 | sort -z | tr '\0' '\n' | awk 'NR == 1')
[ -n "$f" ] || { echo "no file to shred under $base" >&2; exit 1; }
shred -u -- "$f"
[ ! -e "$f" ]
