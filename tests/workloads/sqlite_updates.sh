#!/bin/bash
# workload sqlite_updates: steady random UPDATEs on a sqlite database for ${RG_SQLITE_SECONDS:-10} s:
# a loop of small transactions (5 updates each, ~50 per second), as an application does. Uses the
# corpus's first *.sqlite (a table of its own, filled once), else DIR/Documents/app-state.sqlite.
# usage: sqlite_updates.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
secs=${RG_SQLITE_SECONDS:-10}
[[ $secs =~ ^[0-9]+$ ]] || { echo "RG_SQLITE_SECONDS must be a number of seconds" >&2; exit 2; }
db=$(find "$DIR" -type f -name '*.sqlite' -print 2>/dev/null | sort | awk 'NR == 1')
if [ -z "$db" ]; then mkdir -p "$DIR/Documents"; db=$DIR/Documents/app-state.sqlite; fi
sqlite3 -bail "$db" <<'SQL' >/dev/null
PRAGMA busy_timeout = 5000;
CREATE TABLE IF NOT EXISTS app_state(id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT, hits INTEGER, updated TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
INSERT OR IGNORE INTO app_state(id, k, v, hits, updated)
SELECT x, printf('key-%05d', x), printf('value %d', x * 31), 0, datetime('now') FROM c;
SQL
end=$((SECONDS + secs))
{
    echo 'PRAGMA busy_timeout = 5000;'
    n=0
    while [ "$SECONDS" -lt "$end" ]; do
        n=$((n + 1))
        echo 'BEGIN;'
        for k in 1 2 3 4 5; do
            echo "UPDATE app_state SET v = 'value ' || abs(random() % 100000), hits = hits + 1, updated = datetime('now') WHERE id = 1 + abs(random() % 20000);"
        done
        echo 'COMMIT;'
        sleep 0.02
    done
} | sqlite3 -bail "$db" >/dev/null
