#!/bin/bash
# workload gpg_c_one: gpg -c (symmetric, passphrase x) of one file, the largest under DIR/Documents;
# the original is kept. GNUPGHOME is DIR/.gnupg; the agent gpg starts is stopped afterwards.
# usage: gpg_c_one.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
base=$DIR/Documents
[ -d "$base" ] || base=$DIR
f=$(find "$base" -type f ! -name '*.gpg' -printf '%s\t%p\n' | sort -t "$(printf '\t')" -k1,1nr -k2,2 | awk -F '\t' 'NR == 1 { print $2 }')
[ -n "$f" ] || { echo "no file to encrypt under $base" >&2; exit 1; }
export GNUPGHOME=$DIR/.gnupg
mkdir -p -- "$GNUPGHOME"
chmod 700 -- "$GNUPGHOME"
trap 'gpgconf --kill gpg-agent >/dev/null 2>&1 || true' EXIT
gpg --batch --quiet --yes --no-tty --pinentry-mode loopback --passphrase x -c -- "$f"
[ -s "$f.gpg" ]
