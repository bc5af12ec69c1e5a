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
# samba's packages would start the machine's own smbd/nmbd (listening on every interface) where
# systemd runs: the tests start a private one on 127.0.0.1. A policy-rc.d for the time of the
# install says "do not start services", then goes; an admin's own one is left alone.
policy=/usr/sbin/policy-rc.d
own_policy=false
if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# tests/setup.sh: no service starts while it installs packages\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        own_policy=true
        trap '$own_policy && rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# ... nor at the next boot, when samba came with us (an admin's own samba is left as it was).
if printf '%s\n' "${missing[@]}" | grep -qx samba && command -v systemctl >/dev/null; then
        systemctl disable smbd.service nmbd.service samba-ad-dc.service >/dev/null 2>&1 || true
fi
# Likewise postgresql's cluster service: the postgres workload starts its own server on a
# private socket directory, with its own data directory.
if printf '%s\n' "${missing[@]}" | grep -qx postgresql && command -v systemctl >/dev/null; then
        systemctl disable postgresql.service >/dev/null 2>&1 || true
fi
echo "setup: done"
