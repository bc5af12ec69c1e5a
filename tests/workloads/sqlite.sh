#!/bin/bash
# workload sqlite: bulk insert of 100000 rows in one transaction into a database inside DIR (the
# corpus's first *.sqlite, else a new DIR/Documents/records.sqlite), then VACUUM (in-place rewrite).
# usage: sqlite.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
export LC_ALL=C HOME="$DIR"   # tools that keep dotfiles keep them inside DIR
cd -- "$DIR"
db=$(find "$DIR" -type f -name '*.sqlite' -print | sort | awk 'NR == 1')
if [ -z "$db" ]; then mkdir -p "$DIR/Documents"; db=$DIR/Documents/records.sqlite; fi
sqlite3 -bail "$db" <<'SQL' >/dev/null
PRAGMA busy_timeout = 5000;
CREATE TABLE IF NOT EXISTS measurements(id INTEGER PRIMARY KEY, sensor TEXT, taken TEXT, value REAL, note TEXT);
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
INSERT INTO measurements(sensor, taken, value, note)
SELECT printf('sensor-%03d', x % 97),
       datetime(1700000000 + x * 37, 'unixepoch'),
       round((x * 7919 % 10007) / 100.0, 2),
       CASE x % 5 WHEN 0 THEN 'calibrated' WHEN 1 THEN 'ok' WHEN 2 THEN 'drift ' || hex(randomblob(4)) ELSE 'ok' END
FROM c;
COMMIT;
CREATE INDEX IF NOT EXISTS measurements_sensor ON measurements(sensor, taken);
VACUUM;
SQL
