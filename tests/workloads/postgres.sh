#!/bin/bash
# workload postgres: a real PostgreSQL in the protected tree: initdb into DIR/pgdata, the server
# started on a private socket directory (no TCP), pgbench -i (scale 5) and 2,000 transactions
# from 4 clients, a checkpoint, then a clean stop. Debian's postgresql package; runs as the
# postgres user (initdb refuses root).
# usage: postgres.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "postgres.sh: no PostgreSQL server (Debian's postgresql)" >&2; exit 1; }
id postgres >/dev/null 2>&1 || { echo "postgres.sh: no postgres user" >&2; exit 1; }
pg=$DIR/pgdata sock=$DIR/pgsock
mkdir -p "$pg" "$sock"
chown postgres: "$pg" "$sock"
as() { runuser -u postgres -- "$@"; }
# The server runs as postgres and must reach DIR: search permission (o+x) is added to DIR and
# to those of its ancestors that lack it, and taken back on exit (the only change outside DIR).
opened=()
d=$DIR
while [ "$d" != / ]; do
        if [ "$(stat -c %A "$d" | cut -c10)" != x ] && [ "$(stat -c %A "$d" | cut -c10)" != t ]; then
                chmod o+x "$d" && opened+=("$d")
        fi
        d=$(dirname "$d")
done
restore() { as "$bin/pg_ctl" -D "$pg" -m fast stop >/dev/null 2>&1 || true; for d in "${opened[@]}"; do chmod o-x "$d"; done; }
trap restore EXIT
as "$bin/initdb" -D "$pg" -A trust -U postgres --no-instructions >/dev/null
as "$bin/pg_ctl" -D "$pg" -w -l "$pg/server.log" \
        -o "-c listen_addresses='' -c unix_socket_directories='$sock'" start >/dev/null
as "$bin/pgbench" -h "$sock" -U postgres -i -s 5 -q postgres >/dev/null 2>&1
as "$bin/pgbench" -h "$sock" -U postgres -n -c 4 -j 2 -t 500 postgres >/dev/null
as psql -h "$sock" -U postgres -qAt -c 'CHECKPOINT' postgres >/dev/null
as "$bin/pg_ctl" -D "$pg" -m fast -w stop >/dev/null
