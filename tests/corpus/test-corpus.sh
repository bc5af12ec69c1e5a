#!/bin/bash
# test-corpus.sh — checks the corpus builder and the benign workloads.
#
#   tests/corpus/test-corpus.sh
#
# 1. builds the small corpus twice from the same seed, each time with its own empty cache (two real
#    builds), and checks the trees are byte-identical (contents, sizes, mtimes, modes);
# 2. builds it a third time from the first cache (a copy) and a fourth time with another seed;
# 3. checks file count, total size, size cap, depth, type variety and that the containers are valid;
# 4. runs every workload in tests/workloads/list once on a fresh copy of the small corpus, each in
#    its own directory under a temp dir in /tmp: exit 0, no output, nothing written beside DIR.
# Prints one line per check, then "N passed, N failed"; exits 1 if any check failed.
# Env: RG_TEST_SEED (default 42), RG_WORKLOAD_TIMEOUT (seconds per workload, default 600);
# RG_DD_MB / RG_SQLITE_SECONDS are passed through to the workloads.
set -euo pipefail
export LC_ALL=C TZ=UTC

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "$HERE/../.." && pwd -P)
BUILD=$HERE/build-corpus.sh
WL_DIR=$ROOT/tests/workloads
SEED=${RG_TEST_SEED:-42}
WL_TIMEOUT=${RG_WORKLOAD_TIMEOUT:-600}

TMP=$(mktemp -d /tmp/rg-corpus-test.XXXXXX)
cleanup() {
    # a failed gpg workload could leave its agent running: stop only agents of our own homes
    local h
    for h in "$TMP"/w/*/home/.gnupg; do
        [ -d "$h" ] && GNUPGHOME=$h gpgconf --kill gpg-agent >/dev/null 2>&1 || true
    done
    rm -rf -- "$TMP"
}
trap cleanup EXIT

PASS=0
FAIL=0
ok() { echo "ok   - $*"; PASS=$((PASS + 1)); }
bad() { echo "FAIL - $*"; FAIL=$((FAIL + 1)); }
expect() { # expect NAME CONDITION-COMMAND...
    local name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

build() { # build NAME CACHE SEED -> tree in $TMP/NAME, stderr in $TMP/NAME.log, BUILD_SECS
    local name=$1 cache=$2 seed=$3 t0 rc=0
    t0=$(now)
    RG_CACHE=$cache "$BUILD" --seed "$seed" --size small "$TMP/$name" 2>"$TMP/$name.log" || rc=$?
    BUILD_SECS=$(elapsed "$t0")
    if [ $rc -eq 0 ]; then
        ok "build $name (seed $seed, cache ${cache#"$TMP"/}) in ${BUILD_SECS}s: $(tail -n 1 "$TMP/$name.log")"
    else
        bad "build $name (seed $seed) exited $rc: $(tail -n 3 "$TMP/$name.log" | tr '\n' ' ')"
    fi
    return $rc
}
listing() { (cd -- "$1" && find . -printf '%y %m %s %T@ %p\n' | sort -k5); }

# --- 1-2: builds, determinism, cache ----------------------------------------------------------
build a "$TMP/cache-a" "$SEED" || true
build b "$TMP/cache-b" "$SEED" || true
if [ -d "$TMP/a" ] && [ -d "$TMP/b" ]; then
    expect "same seed, two fresh builds: identical file contents (diff -r)" diff -r -q "$TMP/a" "$TMP/b"
    expect "same seed, two fresh builds: identical names, sizes, mtimes, modes" \
        cmp -s <(listing "$TMP/a") <(listing "$TMP/b")
fi
if build c "$TMP/cache-a" "$SEED"; then
    expect "cached build is a copy: identical to the first build" cmp -s <(listing "$TMP/a") <(listing "$TMP/c")
    expect "cached build says it copied from the cache" grep -q 'copied from cache' "$TMP/c.log"
    expect "cache and stamp exist under RG_CACHE" test -d "$TMP/cache-a/corpus-small-$SEED" -a -s "$TMP/cache-a/corpus-small-$SEED.stamp"
fi
rm -rf -- "$TMP/b" "$TMP/c" "$TMP/cache-b"
if build d "$TMP/cache-d" $((SEED + 1)); then
    expect "another seed gives another tree" bash -c '! diff -r -q "$1" "$2" >/dev/null' _ "$TMP/a" "$TMP/d"
fi
rm -rf -- "$TMP/d" "$TMP/cache-d"
mkdir "$TMP/nonempty" && touch "$TMP/nonempty/x"
expect "refuses a non-empty OUT_DIR" bash -c '! RG_CACHE="$1" "$2" --size small "$3" 2>/dev/null' _ "$TMP/cache-a" "$BUILD" "$TMP/nonempty"

[ -d "$TMP/a" ] || {
    echo "$PASS passed, $((FAIL + 1)) failed"
    exit 1
}
A=$TMP/a

# --- 3: counts, sizes, depth, types, validity -------------------------------------------------
nfiles=$(find "$A" -type f | wc -l)
nbytes=$(find "$A" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
maxsize=$(find "$A" -type f -printf '%s\n' | sort -n | tail -n 1)
mib=$(awk -v b="$nbytes" 'BEGIN { printf "%.1f", b / 1048576 }')
expect "file count $nfiles in 150..260" test "$nfiles" -ge 150 -a "$nfiles" -le 260
expect "total size $mib MiB in 30..60 MiB" test "$nbytes" -ge $((30 * 1048576)) -a "$nbytes" -le $((60 * 1048576))
expect "largest file $maxsize bytes <= 3 MiB" test "$maxsize" -le $((3 * 1048576))
expect "sizes span 1 KiB .. 1 MiB+ (files under 4 KiB and over 1 MiB exist)" \
    bash -c '[ -n "$(find "$1" -type f -size -4k -print -quit)" ] && [ -n "$(find "$1" -type f -size +1M -print -quit)" ]' _ "$A"
depth=$(cd "$A" && find . -type f -printf '%d\n' | sort -n | tail -n 1)
expect "directory depth: files $depth levels deep (>= 4)" test "$depth" -ge 4
expect "top-level folders of a home (Documents Pictures Downloads src .config)" \
    bash -c 'for d in Documents Pictures Downloads src .config; do [ -d "$1/$d" ] || exit 1; done' _ "$A"

(cd "$A" && find . -type f -print0 | xargs -0 file -b --mime-type) | sort | uniq -c | awk '{ print $2, $1 }' >"$TMP/types"
count_type() { awk -v t="$1" '$1 == t { print $2 }' "$TMP/types"; }
while read -r type min; do
    n=$(count_type "$type")
    n=${n:-0}
    expect "type $type: $n files (>= $min)" test "$n" -ge "$min"
done <<'EOF'
application/pdf 10
image/jpeg 10
image/png 5
image/gif 2
image/svg+xml 2
application/vnd.oasis.opendocument.text 1
application/vnd.oasis.opendocument.spreadsheet 1
application/vnd.openxmlformats-officedocument.wordprocessingml.document 1
application/vnd.openxmlformats-officedocument.spreadsheetml.sheet 1
application/vnd.sqlite3 3
text/x-c 10
text/x-shellscript 2
application/gzip 3
application/x-xz 1
application/x-bzip2 1
application/zstd 1
application/zip 1
text/csv 2
application/json 2
text/xml 2
text/plain 20
audio/ogg 1
EOF

all_ok() { # all_ok CMD... : run CMD FILE for every NUL-separated file on stdin
    local f rc=0
    while IFS= read -r -d '' f; do "$@" "$f" >/dev/null 2>&1 || { echo "  bad: ${f#"$A"/}" >&2; rc=1; }; done
    return $rc
}
sqlite_ok() { [ "$(sqlite3 "$1" 'PRAGMA integrity_check' 2>/dev/null)" = ok ]; }
expect "zip containers (.zip .odt .ods .docx .xlsx) pass unzip -t" \
    all_ok unzip -tq < <(find "$A" -type f \( -name '*.zip' -o -name '*.odt' -o -name '*.ods' -o -name '*.docx' -o -name '*.xlsx' \) -print0)
expect "OpenDocument files start with an uncompressed mimetype entry" \
    all_ok bash -c '[ "$(unzip -Z1 "$1" | head -n 1)" = mimetype ] && unzip -Z -v "$1" mimetype | grep -q "compression method: *none"' _ \
    < <(find "$A" -type f \( -name '*.odt' -o -name '*.ods' \) -print0)
expect "sqlite databases pass PRAGMA integrity_check" all_ok sqlite_ok < <(find "$A" -type f -name '*.sqlite' -print0)
expect "gzip files pass gzip -t" all_ok gzip -t < <(find "$A" -type f -name '*.gz' -print0)
expect "xz files pass xz -t" all_ok xz -t < <(find "$A" -type f -name '*.xz' -print0)
expect "bzip2 files pass bzip2 -t" all_ok bzip2 -t < <(find "$A" -type f -name '*.bz2' -print0)
expect "zstd files pass zstd -t" all_ok zstd -q -t < <(find "$A" -type f -name '*.zst' -print0)
expect "JPEG/PNG/GIF images decode (identify)" \
    all_ok /usr/bin/identify -regard-warnings < <(find "$A" -type f \( -name '*.jpg' -o -name '*.png' -o -name '*.gif' \) -print0)

# --- 4: workloads -------------------------------------------------------------------------------
mapfile -t WORKLOADS < <(grep -v '^[[:space:]]*\(#\|$\)' "$WL_DIR/list")
expect "workload list names ${#WORKLOADS[@]} workloads, each with an executable script" \
    bash -c 'for w in "${@:2}"; do [ -x "$1/$w.sh" ] || exit 1; done' _ "$WL_DIR" "${WORKLOADS[@]}"
for w in "${WORKLOADS[@]}"; do
    box=$TMP/w/$w
    mkdir -p "$box"
    cp -a -- "$A" "$box/home"
    t0=$(now)
    rc=0
    timeout --kill-after=10 "$WL_TIMEOUT" "$WL_DIR/$w.sh" "$box/home" >"$box.out" 2>&1 </dev/null || rc=$?
    secs=$(elapsed "$t0")
    extra=$(find "$box" -mindepth 1 -maxdepth 1 ! -name home -printf '%f ')
    if [ $rc -ne 0 ]; then
        bad "workload $w exited $rc after ${secs}s: $(head -c 300 "$box.out" | tr '\n' ' ')"
    elif [ -s "$box.out" ]; then
        bad "workload $w printed output (${secs}s): $(head -c 300 "$box.out" | tr '\n' ' ')"
    elif [ -n "$extra" ]; then
        bad "workload $w wrote beside its DIR: $extra"
    else
        ok "workload $w in ${secs}s"
    fi
    [ -d "$box/home/.gnupg" ] && GNUPGHOME=$box/home/.gnupg gpgconf --kill gpg-agent >/dev/null 2>&1 || true
    rm -rf -- "$box" "$box.out"
done

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
