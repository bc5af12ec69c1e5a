#!/usr/bin/env bash
# Install what building and testing ransomguard needs on Debian 12, only what is missing.
# Build: tests/packages-build.txt; tests, benchmark, simulator: tests/packages.txt.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" -ne 0 ]; then
        echo "setup: run as root (apt-get install); nothing installed" >&2
        exit 1
fi
mapfile -t want < <(cat packages-build.txt packages.txt 2>/dev/null | sed 's/#.*//; s/[[:space:]]//g' | grep -v '^$' | sort -u)
missing=()
for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
        echo "setup: all ${#want[@]} packages present"
        exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
