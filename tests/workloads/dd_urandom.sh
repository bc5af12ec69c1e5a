#!/bin/bash
# workload dd_urandom: dd from /dev/urandom into a new file DIR/random.bin of ${RG_DD_MB:-200} MB.
# usage: dd_urandom.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
mb=${RG_DD_MB:-200}
[[ $mb =~ ^[0-9]+$ ]] || { echo "RG_DD_MB must be a number of MB" >&2; exit 2; }
dd if=/dev/urandom of="$DIR/random.bin" bs=1M count="$mb" status=none
