#!/usr/bin/env bash
# test-sim.sh — checks of ransomguard-sim on its own (no daemon): it refuses every unsafe target,
# never follows symlinks, and every mode really damages every file of a small tree and logs one
# line per file. Builds nothing: run `make build/ransomguard-sim` first, or set SIM=path.
# Works as root and as an ordinary user. SIM_VALGRIND=1 also runs a few modes under valgrind.
# Ends with the line "N passed, N failed"; exits 1 if any check failed.
set -euo pipefail
# The checks run `bash -c '...' ARGS`: the single-quoted code is expanded by that inner shell.
# shellcheck disable=SC2016

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIM=${SIM:-$here/../../build/ransomguard-sim}
SIM=$(realpath -- "$SIM" 2>/dev/null || echo "$SIM")
if [[ ! -x $SIM ]]; then
        echo "ransomguard-sim not found at $SIM (run: make build/ransomguard-sim, or set SIM=)" >&2
        exit 2
fi

WORK=$(mktemp -d /tmp/rgsim-test.XXXXXX)
OUTSIDE_HOME_DIR=
cleanup() {
        [[ -n $OUTSIDE_HOME_DIR ]] && rm -rf -- "$OUTSIDE_HOME_DIR"
        [[ -n ${KEEP_WORK:-} ]] && { echo "kept $WORK"; return; }
        rm -rf -- "$WORK"
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
# check DESCRIPTION COMMAND...: one line per check.
check() {
        local desc=$1
        shift
        if "$@"; then ok "$desc"; else fail "$desc"; fi
}

sha() { sha256sum -- "$1" | cut -d' ' -f1; }
# Hashes of every file of a tree (symlinks listed by their target), to prove nothing moved.
tree_state() {
        (cd "$1" && find . \( -type f -exec sha256sum {} + \) -o \( -type l -printf '%p -> %l\n' \) | sort)
}

# Runs the simulator, leaving its exit status in $rc (never trips set -e); its messages go to
# $SIM_ERR so that the output is one line per check.
rc=0
SIM_ERR=$WORK/sim-stderr
sim() {
        rc=0
        "$SIM" "$@" 2>> "$SIM_ERR" || rc=$?
}

MARKER=.ransomguard-sim-target

# ---------------------------------------------------------------------------------------------
# Files outside every target, which symlinks inside the trees point to.
OUT=$WORK/outside
mkdir -p "$OUT/dir"
echo "secret outside the target, must never change" > "$OUT/secret.txt"
echo "another outside file" > "$OUT/dir/inner.txt"
OUT_STATE=$(tree_state "$OUT")

# The template tree: 12 regular files of varied content in 3 subdirectories (docs, docs/deep,
# media), plus the marker, a control file and symlinks pointing outside.
TPL=$WORK/template
mkdir -p "$TPL/docs/deep" "$TPL/media"
: > "$TPL/$MARKER"
echo "daemon control file, to be left alone" > "$TPL/.ransomguard-control"

copy_or_make() { # copy the first existing candidate to DST, or generate text
        local dst=$1
        shift
        for src in "$@"; do
                if [[ -f $src && -r $src && -s $src ]]; then
                        cp -- "$src" "$dst"
                        return
                fi
        done
        local base
        base=$(basename -- "$dst")
        for i in $(seq 1 400); do echo "generated stand-in line $i for $base"; done > "$dst"
}

for i in $(seq 1 200); do echo "Meeting notes, item $i: budget, planning and the quarterly review."; done > "$TPL/notes.txt"
printf '{"name": "test", "values": [%s]}\n' "$(seq -s, 1 500)" > "$TPL/config.json"
copy_or_make "$TPL/docs/GPL-3" /usr/share/common-licenses/GPL-3
copy_or_make "$TPL/docs/Apache-2.0" /usr/share/common-licenses/Apache-2.0
printf '# Readme\n\nA small markdown file.\n' > "$TPL/docs/readme.md"
copy_or_make "$TPL/docs/deep/BSD" /usr/share/common-licenses/BSD
for i in $(seq 1 1000); do echo "$i,item-$i,$((i * 7 % 13)),$((i * 31))"; done > "$TPL/docs/deep/data.csv"
printf '<html><body><h1>Page</h1><p>%s</p></body></html>\n' "$(seq -s ' ' 1 300)" > "$TPL/docs/deep/page.html"
head -c 3145728 < <(yes "big file line: the quick brown fox jumps over the lazy dog 0123456789") > "$TPL/media/big.bin"
head -c 5000 /dev/urandom > "$TPL/media/random.bin"
printf 'tiny file\n' > "$TPL/media/tiny.txt"
copy_or_make "$TPL/media/logo.png" /usr/share/pixmaps/debian-logo.png /usr/share/doc/restic/html/_static/logo.png
ln -s "$OUT/secret.txt" "$TPL/link-to-outside-file"
ln -s "$OUT/dir" "$TPL/docs/link-to-outside-dir"

# path<TAB>sha256 of each original regular file (not the control files).
MANIFEST=$WORK/manifest
(cd "$TPL" && find . -type f ! -name '.ransomguard*' -printf '%P\n' | sort) | while read -r p; do
        printf '%s\t%s\n' "$p" "$(sha "$TPL/$p")"
done > "$MANIFEST"
NFILES=$(wc -l < "$MANIFEST")
CONTROL_SHA=$(sha "$TPL/.ransomguard-control")

fresh_tree() { # fresh_tree NAME: a copy of the template, prints its path
        cp -a -- "$TPL" "$WORK/$1"
        echo "$WORK/$1"
}

echo "# ransomguard-sim: $SIM, running as uid $(id -u), $NFILES files per tree"

# ---------------------------------------------------------------------------------------------
# 1. Refusals. Each must leave the tree untouched and exit with its own status.
"$SIM" --help > "$WORK/help.txt" && rc=0 || rc=$?
check "--help exits 0 and documents the exit statuses" \
        bash -c '[[ $0 -eq 0 ]] && grep -q "Exit status" "$1" && grep -q "^  12 " "$1"' "$rc" "$WORK/help.txt"
check "--version prints a version" bash -c '"$0" --version | grep -q "^ransomguard-sim [0-9]"' "$SIM"

sim --mode inplace
check "refuses a missing --target (exit 2)" [ "$rc" -eq 2 ]
T=$(fresh_tree usage)
sim --target "$T" --mode nosuchmode
check "refuses an unknown --mode (exit 2)" [ "$rc" -eq 2 ]
sim --target "$T"
check "refuses a missing --mode (exit 2)" [ "$rc" -eq 2 ]
sim --target "$T" --mode inplace --ext 'a/b'
check "refuses an --ext with a slash (exit 2)" [ "$rc" -eq 2 ]

T=$(fresh_tree nomarker)
rm -- "$T/$MARKER"
S=$(tree_state "$T")
sim --target "$T" --mode inplace --log "$WORK/log-nomarker"
check "refuses a target without marker (exit 7), nothing touched" \
        bash -c '[[ $0 -eq 7 && $1 == "$2" ]]' "$rc" "$S" "$(tree_state "$T")"

T=$(fresh_tree markerlink)
rm -- "$T/$MARKER"
: > "$WORK/real-marker"
ln -s "$WORK/real-marker" "$T/$MARKER"
S=$(tree_state "$T")
sim --target "$T" --mode inplace --log "$WORK/log-markerlink"
check "refuses a marker that is a symlink (exit 8), nothing touched" \
        bash -c '[[ $0 -eq 8 && $1 == "$2" ]]' "$rc" "$S" "$(tree_state "$T")"

T=$(fresh_tree markerdir)
rm -- "$T/$MARKER"
mkdir -- "$T/$MARKER"
sim --target "$T" --mode inplace --log "$WORK/log-markerdir"
check "refuses a marker that is a directory (exit 8)" [ "$rc" -eq 8 ]

T=$(fresh_tree linked)
ln -s "$T" "$WORK/link-to-target"
S=$(tree_state "$T")
sim --target "$WORK/link-to-target" --mode inplace --log "$WORK/log-linktarget"
rc1=$rc
sim --target "$WORK/link-to-target/" --mode inplace --log "$WORK/log-linktarget"
check "refuses a symlink target, also written with a trailing slash (exit 5), nothing touched" \
        bash -c '[[ $0 -eq 5 && $1 -eq 5 && $2 == "$3" ]]' "$rc1" "$rc" "$S" "$(tree_state "$T")"

for d in /tmp /tmp/ /var/tmp /tmp/.. / "$WORK/.."; do
        sim --target "$d" --mode inplace --log /dev/null
        check "refuses $d (exit 4)" [ "$rc" -eq 4 ]
done

sim --target "$WORK/does-not-exist" --mode inplace --log /dev/null
check "refuses a target that does not exist (exit 3)" [ "$rc" -eq 3 ]
: > "$WORK/plain-file"
sim --target "$WORK/plain-file" --mode inplace --log /dev/null
check "refuses a target that is a regular file (exit 6)" [ "$rc" -eq 6 ]

# A marked directory outside /tmp and /var/tmp: $HOME when writable, else /dev/shm.
for base in "${HOME:-}" /dev/shm; do
        if [[ -n $base && -d $base && -w $base ]]; then
                OUTSIDE_HOME_DIR=$(mktemp -d "$base/rgsim-outside.XXXXXX")
                break
        fi
done
if [[ -n $OUTSIDE_HOME_DIR ]]; then
        : > "$OUTSIDE_HOME_DIR/$MARKER"
        echo "precious" > "$OUTSIDE_HOME_DIR/precious.txt"
        S=$(tree_state "$OUTSIDE_HOME_DIR")
        sim --target "$OUTSIDE_HOME_DIR" --mode inplace --log /dev/null
        check "refuses a marked dir outside /tmp ($OUTSIDE_HOME_DIR, exit 4), nothing touched" \
                bash -c '[[ $0 -eq 4 && $1 == "$2" ]]' "$rc" "$S" "$(tree_state "$OUTSIDE_HOME_DIR")"
        ln -s "$OUTSIDE_HOME_DIR" "$WORK/via-link"
        sim --target "$WORK/via-link/." --mode inplace --log /dev/null
        check "refuses a /tmp path that resolves outside through a symlink (exit 4), nothing touched" \
                bash -c '[[ $0 -eq 4 && $1 == "$2" ]]' "$rc" "$S" "$(tree_state "$OUTSIDE_HOME_DIR")"
        rm -rf -- "$OUTSIDE_HOME_DIR"
        OUTSIDE_HOME_DIR=
else
        echo "skip refusal of a marked dir outside /tmp: neither \$HOME nor /dev/shm is writable"
fi

T=$(fresh_tree notool)
S=$(tree_state "$T")
rc=0
PATH=/nonexistent "$SIM" --target "$T" --mode exec_per_file --log /dev/null 2>> "$SIM_ERR" || rc=$?
check "exec_per_file without openssl in PATH refuses (exit 10), nothing touched" \
        bash -c '[[ $0 -eq 10 && $1 == "$2" ]]' "$rc" "$S" "$(tree_state "$T")"

# Symlinks inside the target pointing outside: not followed, the outside stays byte-identical.
T=$(fresh_tree symlinks)
sim --target "$T" --mode inplace --log "$WORK/log-symlinks"
check "symlinks inside the target are not followed: outside files byte-identical" \
        bash -c '[[ $0 -eq 0 && $1 == "$2" ]]' "$rc" "$OUT_STATE" "$(tree_state "$OUT")"
check "symlinks inside the target are left as they were" \
        bash -c '[[ $(readlink "$0/link-to-outside-file") == "$1/secret.txt" && $(readlink "$0/docs/link-to-outside-dir") == "$1/dir" ]]' \
        "$T" "$OUT"
check "control files (.ransomguard*) are left alone" \
        bash -c '[[ $(sha256sum < "$0/.ransomguard-control" | cut -d" " -f1) == "$1" && -f "$0/'"$MARKER"'" ]]' \
        "$T" "$CONTROL_SHA"

# ---------------------------------------------------------------------------------------------
# 2. Every mode damages every file. EXPECT is "rename" (NAME gone, NAME.rgsim differs from the
# original) or "inplace" (NAME still there, content differs).
count_undamaged() { # DIR EXPECT: prints how many originals are not damaged as expected
        local dir=$1 expect=$2 n=0 p h
        while IFS=$'\t' read -r p h; do
                if [[ $expect == rename ]]; then
                        if [[ -e $dir/$p || -L $dir/$p || ! -f $dir/$p.rgsim ]] || [[ $(sha "$dir/$p.rgsim") == "$h" ]]; then
                                n=$((n + 1))
                        fi
                elif [[ ! -f $dir/$p ]] || [[ $(sha "$dir/$p") == "$h" ]]; then
                        n=$((n + 1))
                fi
        done < "$MANIFEST"
        echo "$n"
}

log_is_complete() { # LOG DIR MODE: start line, one well-formed line per original file, end line
        local log=$1 dir=$2 mode=$3
        head -n1 "$log" | grep -Eq "^# start [0-9]+\.[0-9]{9} [0-9]+ mode=$mode\$" || return 1
        tail -n1 "$log" | grep -Eq '^# end [0-9]+\.[0-9]{9} [0-9]+ exit=0$' || return 1
        [[ $(grep -v '^#' "$log" | grep -Evc '^[0-9]+\.[0-9]{9} [0-9]+ /[^ ]+ [0-9]+$' || true) -eq 0 ]] || return 1
        diff <(grep -v '^#' "$log" | cut -d' ' -f3 | sort) <(cut -f1 "$MANIFEST" | sed "s|^|$dir/|" | sort) > /dev/null
}

outside_intact() { # DIR
        [[ $OUT_STATE == "$(tree_state "$OUT")" ]] &&
                [[ $(sha "$1/.ransomguard-control") == "$CONTROL_SHA" && -f $1/$MARKER ]] &&
                [[ -L $1/link-to-outside-file && -L $1/docs/link-to-outside-dir ]]
}

# run_mode LABEL EXPECT SIM-ARGS...: attack a fresh tree, check damage, log, safety.
run_mode() {
        local label=$1 expect=$2 mode
        shift 2
        D=$(fresh_tree "mode-$label")
        L=$WORK/log-$label
        mode=$(printf '%s\n' "$@" | grep -A1 -x -- --mode | tail -n1)
        SIM_ERR=$WORK/err-$label sim --target "$D" --log "$L" "$@"
        check "$label: exits 0" [ "$rc" -eq 0 ]
        check "$label: 0 of $NFILES original files left undamaged" [ "$(count_undamaged "$D" "$expect")" -eq 0 ]
        check "$label: log has the start line, one line per file ($NFILES) and the end line" \
                log_is_complete "$L" "$D" "$mode"
        check "$label: outside files, control files and symlinks intact" outside_intact "$D"
}

region_differs() { # A B OFFSET LEN
        ! cmp -s <(tail -c +$(($3 + 1)) "$1" | head -c "$4") <(tail -c +$(($3 + 1)) "$2" | head -c "$4")
}
region_same() { ! region_differs "$@"; }

run_mode inplace rename --mode inplace
run_mode inplace-chacha20 rename --mode inplace --cipher chacha20
run_mode inplace-norename inplace --mode inplace --no-rename
run_mode newfile_unlink rename --mode newfile_unlink
check "newfile_unlink: a ransom note in each of the 4 directories" \
        bash -c 'for d in . docs docs/deep media; do [[ -f $0/$d/README-RESTORE.txt ]] || exit 1; done' "$D"
run_mode intermittent rename --mode intermittent
B=$D/media/big.bin.rgsim
check "intermittent coarse: big file encrypted at 0 and 1 MiB, untouched between" \
        bash -c "$(declare -f region_differs region_same); region_differs \"\$0\" \"\$1\" 0 65536 &&
                region_differs \"\$0\" \"\$1\" 1048576 65536 && region_same \"\$0\" \"\$1\" 65536 983040" \
        "$TPL/media/big.bin" "$B"
run_mode intermittent-fine rename --mode intermittent --pattern fine
B=$D/media/big.bin.rgsim
check "intermittent fine: 64 B of every 192 B encrypted" \
        bash -c "$(declare -f region_differs region_same); region_differs \"\$0\" \"\$1\" 0 64 &&
                region_same \"\$0\" \"\$1\" 64 128 && region_differs \"\$0\" \"\$1\" 192 64 &&
                region_same \"\$0\" \"\$1\" 256 128" \
        "$TPL/media/big.bin" "$B"
run_mode header_only rename --mode header_only
B=$D/media/big.bin.rgsim
check "header_only: first 4 KiB encrypted, the rest untouched" \
        bash -c "$(declare -f region_differs region_same); region_differs \"\$0\" \"\$1\" 0 4096 &&
                region_same \"\$0\" \"\$1\" 4096 3141632" \
        "$TPL/media/big.bin" "$B"
run_mode multiproc rename --mode multiproc --workers 4
check "multiproc: the log shows 4 worker pids, none the parent's" \
        bash -c 'pids=$(grep -v "^#" "$0" | cut -d" " -f2 | sort -u); parent=$(head -n1 "$0" | cut -d" " -f4)
                [[ $(wc -l <<< "$pids") -eq 4 && -n $parent ]] && ! grep -qx "$parent" <<< "$pids"' "$L"
run_mode multithread rename --mode multithread --workers 4
check "multithread: every line from the one process" \
        bash -c '[[ $(grep -v "^#" "$0" | cut -d" " -f2 | sort -u | wc -l) -eq 1 ]]' "$L"
if command -v 7z > /dev/null; then
        D=$(fresh_tree mode-archive)
        L=$WORK/log-archive
        SIM_ERR=$WORK/err-archive sim --target "$D" --log "$L" --mode archive
        check "archive: exits 0" [ "$rc" -eq 0 ]
        check "archive: every original gone, a .7z in its place" \
                bash -c 'while IFS=$'"'"'\t'"'"' read -r p h; do [[ ! -e $0/$p && -s $0/$p.7z ]] || exit 1; done < "$1"' "$D" "$MANIFEST"
        check "archive: the archives are 7z files that need a password" \
                bash -c 'f=$(find "$0" -name "*.7z" | head -1); [[ -n $f ]] && ! 7z t -p"wrong" "$f" >/dev/null 2>&1' "$D"
        check "archive: log has the start line, one line per file ($NFILES) and the end line" log_is_complete "$L" "$D" archive
        check "archive: outside files, control files and symlinks intact" outside_intact "$D"
else
        echo "skip archive: no 7z in PATH"
fi
if command -v openssl > /dev/null; then
        run_mode exec_per_file rename --mode exec_per_file
        check "exec_per_file: outputs are openssl 'Salted__' files" \
                bash -c '[[ $(head -c 8 "$0/notes.txt.rgsim") == Salted__ ]]' "$D"
else
        echo "skip exec_per_file: no openssl in PATH"
fi
run_mode slow rename --mode slow --interval 0.05
check "slow: the per-file lines span at least $((NFILES - 1)) intervals of 0.05 s" \
        bash -c 'grep -v "^#" "$0" | cut -d" " -f1 | sort -n | awk -v n="$1" "NR==1{a=\$1} {b=\$1} END{exit !(b - a >= (n - 1) * 0.05 - 0.001)}"' \
        "$L" "$NFILES"
run_mode lowentropy rename --mode lowentropy
check "lowentropy: outputs are base64 text" \
        bash -c 'f=("$0/media/big.bin.rgsim" "$0/media/random.bin.rgsim"); [[ -s ${f[0]} && -s ${f[1]} ]] &&
                [[ $(LC_ALL=C grep -vc "^[A-Za-z0-9+/=]*$" "${f[@]}" | cut -d: -f2 | sort -u) == 0 ]]' "$D"
run_mode xor rename --mode xor
check "xor: sizes unchanged" \
        bash -c '[[ $(stat -c %s "$0/media/big.bin.rgsim") -eq 3145728 && $(stat -c %s "$0/notes.txt.rgsim") -eq $(stat -c %s "$1/notes.txt") ]]' \
        "$D" "$TPL"
run_mode mmap rename --mode mmap

# The modes of an attacker who read the daemon's source (sim-evade.c): names kept, content gone.
run_mode rename_over inplace --mode rename_over
check "rename_over: no temporary file left beside the originals" \
        bash -c '[[ -z $(find "$0" -name ".*.[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]") ]]' "$D"
run_mode outside_rename inplace --mode outside_rename
check "outside_rename: the directory beside the target is gone again" bash -c '[[ ! -e $0.rgsim-tmp ]]' "$D"
run_mode exchange inplace --mode exchange
check "exchange: no NAME.rgsim left (the exchanged original was unlinked)" \
        bash -c '[[ -z $(find "$0" -name "*.rgsim") ]]' "$D"
run_mode truncate inplace --mode truncate
check "truncate: sizes unchanged" \
        bash -c '[[ $(stat -c %s "$0/notes.txt") -eq $(stat -c %s "$1/notes.txt") ]]' "$D" "$TPL"
run_mode fake_magic inplace --mode fake_magic
check "fake_magic: files start with a gzip, zstd, JPEG, PNG or PDF signature" \
        bash -c 'n=0; for f in "$0"/notes.txt "$0"/config.json "$0"/docs/readme.md "$0"/media/big.bin; do
                case $(head -c 4 "$f" | od -An -tx1 | tr -d " ") in 1f8b08*|28b52ffd|ffd8ffe0|89504e47|25504446) n=$((n+1));; esac
                done; [[ $n -eq 4 ]]' "$D"
run_mode keep_header inplace --mode keep_header
check "keep_header: big file keeps its first 4 KiB, the rest encrypted" \
        bash -c "$(declare -f region_differs region_same); region_same \"\$0\" \"\$1\" 0 4096 &&
                region_differs \"\$0\" \"\$1\" 4096 65536" "$TPL/media/big.bin" "$D/media/big.bin"
run_mode gaps inplace --mode gaps
check "gaps: big file keeps head, middle and tail 4 KiB, the rest encrypted" \
        bash -c "$(declare -f region_differs region_same); m=\$(( (3145728 - 4096) / 2 )); region_same \"\$0\" \"\$1\" 0 4096 &&
                region_same \"\$0\" \"\$1\" \$m 4096 && region_same \"\$0\" \"\$1\" \$((3145728 - 4096)) 4096 &&
                region_differs \"\$0\" \"\$1\" 4096 65536" "$TPL/media/big.bin" "$D/media/big.bin"
run_mode words inplace --mode words
check "words: an encrypted file is lowercase words only" \
        bash -c '[[ -s $0/notes.txt ]] && [[ $(LC_ALL=C grep -vc "^[a-z ]*$" "$0/notes.txt" || true) -eq 0 ]]' "$D"
run_mode hold_open inplace --mode hold_open
run_mode hardlink inplace --mode hardlink
check "hardlink: the links directory beside the target is gone again" \
        bash -c '[[ ! -e $0.rgsim-links ]]' "$D"
if [[ $(id -u) -eq 0 ]] || unshare -Urm true 2> /dev/null; then
        run_mode bindmount inplace --mode bindmount
        check "bindmount: the mount point beside the target is gone again, no mount left" \
                bash -c '[[ ! -e $0.rgsim-bind ]] && ! grep -q "rgsim-bind" /proc/self/mountinfo' "$D"
else
        echo "skip bindmount: no user namespaces here"
fi
run_mode spread inplace --mode spread --per-family 2
check "spread: the files were damaged by $((NFILES / 2)) or more workers, none the parent" \
        bash -c 'pids=$(grep -v "^#" "$0" | cut -d" " -f2 | sort -u); parent=$(head -n1 "$0" | cut -d" " -f4)
                [[ $(wc -l <<< "$pids") -ge $(( $1 / 2 )) ]] && ! grep -qx "$parent" <<< "$pids"' "$L" "$NFILES"

# Options.
A=$(fresh_tree seed-a)
B=$(fresh_tree seed-b)
sim --target "$A" --mode inplace --seed 7 --log /dev/null
rc1=$rc
sim --target "$B" --mode inplace --seed 7 --log /dev/null
check "same --seed, same ciphertext (reproducible)" \
        bash -c '[[ $0 -eq 0 && $1 -eq 0 && -f $2/notes.txt.rgsim && ! -e $2/notes.txt ]] && diff -r "$2" "$3" > /dev/null' \
        "$rc1" "$rc" "$A" "$B"

A=$(fresh_tree random-a)
B=$(fresh_tree random-b)
sim --target "$A" --mode inplace --order random --seed 3 --log "$WORK/log-random-a"
sim --target "$B" --mode inplace --order random --seed 3 --log "$WORK/log-random-b"
check "--order random: same seed, same order, and not the sorted order" \
        bash -c 'a=$(grep -v "^#" "$0" | cut -d" " -f3 | sed "s|^$2/||"); b=$(grep -v "^#" "$1" | cut -d" " -f3 | sed "s|^$3/||")
                [[ -n $a && $a == "$b" && $a != "$(sort <<< "$a")" ]]' \
        "$WORK/log-random-a" "$WORK/log-random-b" "$A" "$B"

D=$(fresh_tree maxfiles)
sim --target "$D" --mode inplace --max-files 3 --log "$WORK/log-maxfiles"
check "--max-files 3: exactly 3 files damaged, 3 log lines" \
        bash -c '[[ $0 -eq 0 && $(find "$1" -name "*.rgsim" | wc -l) -eq 3 && $(grep -vc "^#" "$2") -eq 3 ]]' \
        "$rc" "$D" "$WORK/log-maxfiles"

D=$(fresh_tree rate)
start=$(date +%s.%N)
sim --target "$D" --mode inplace --rate 40 --max-files 5 --log /dev/null
check "--rate 40: 5 files take at least 0.1 s" \
        bash -c '[[ $0 -eq 0 ]] && awk -v s="$1" -v e="$(date +%s.%N)" "BEGIN{exit !(e - s >= 0.1)}"' "$rc" "$start"

# Killable at any time: SIGKILL mid-run leaves only well-formed lines, each for a damaged file.
D=$(fresh_tree killed)
L=$WORK/log-killed
"$SIM" --target "$D" --mode slow --interval 0.2 --log "$L" 2>> "$SIM_ERR" &
pid=$!
sleep 0.7
kill -KILL "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
check "SIGKILL mid-run: the log holds only complete lines, 1 to $((NFILES - 1)) of them" \
        bash -c 'n=$(grep -vc "^#" "$0"); [[ $n -ge 1 && $n -lt $1 ]] && [[ -z $(tail -c1 "$0") ]] &&
                ! grep -v "^#" "$0" | grep -Evq "^[0-9]+\.[0-9]{9} [0-9]+ /[^ ]+ [0-9]+$"' "$L" "$NFILES"
logged_files_damaged() { # LOG DIR: renamed, or (killed before the rename) changed in place
        local p h
        [[ -s $1 ]] || return 1
        for p in $(grep -v '^#' "$1" | cut -d' ' -f3); do
                h=$(grep -P "^\Q${p#"$2"/}\E\t" "$MANIFEST" | cut -f2)
                [[ -n $h ]] || return 1
                [[ ! -e $p && -f $p.rgsim ]] && continue
                [[ -f $p && $(sha "$p") != "$h" ]] || return 1
        done
}
check "SIGKILL mid-run: every logged file was really damaged" logged_files_damaged "$L" "$D"

# A file removed after the walk is skipped with a message; the rest goes on (exit 11).
D=$(fresh_tree vanish)
rc=0
"$SIM" --target "$D" --mode slow --interval 0.15 --log "$WORK/log-vanish" 2> "$WORK/err-vanish" &
pid=$!
sleep 0.4
rm -f -- "$D/media/tiny.txt" # last in the sorted walk
wait "$pid" || rc=$?
check "a file vanishing mid-run is skipped with a message, the others damaged (exit 11)" \
        bash -c '[[ $0 -eq 11 ]] && grep -q "media/tiny.txt: vanished" "$1" &&
                [[ $(grep -vc "^#" "$2") -eq $(($3 - 1)) ]]' "$rc" "$WORK/err-vanish" "$WORK/log-vanish" "$NFILES"

# The log goes to stdout by default; a log file inside the target is not attacked.
D=$(fresh_tree stdout)
rc=0
"$SIM" --target "$D" --mode inplace > "$WORK/log-stdout" 2>> "$SIM_ERR" || rc=$?
check "without --log the progress log goes to stdout" \
        bash -c '[[ $0 -eq 0 ]] && head -n1 "$1" | grep -q "^# start " && [[ $(grep -vc "^#" "$1") -eq $2 ]]' \
        "$rc" "$WORK/log-stdout" "$NFILES"
D=$(fresh_tree loginside)
sim --target "$D" --mode inplace --log "$D/docs/attack.log"
check "a --log file inside the target is left alone" \
        bash -c '[[ $0 -eq 0 && -f $1/docs/attack.log && ! -e $1/docs/attack.log.rgsim ]] &&
                [[ $(grep -vc "^#" "$1/docs/attack.log") -eq $2 ]]' "$rc" "$D" "$NFILES"

# A file that cannot be opened is skipped with a message; the rest goes on (exit 11).
if [[ $(id -u) -ne 0 ]]; then
        D=$(fresh_tree perm)
        chmod 000 "$D/notes.txt"
        SIM_ERR=$WORK/err-perm sim --target "$D" --mode inplace --log "$WORK/log-perm"
        chmod 600 "$D/notes.txt"
        check "unreadable file skipped with a message, the others damaged (exit 11)" \
                bash -c '[[ $0 -eq 11 ]] && grep -q "notes.txt: Permission denied, skipping" "$1" &&
                        [[ $(grep -vc "^#" "$2") -eq $(($3 - 1)) ]]' "$rc" "$WORK/err-perm" "$WORK/log-perm" "$NFILES"
else
        echo "skip the permission-denied check: root can open every file"
fi

# ---------------------------------------------------------------------------------------------
# 3. Optional: a few modes under valgrind (leaks, errors, fds left open by the simulator).
if [[ ${SIM_VALGRIND:-0} == 1 ]]; then
        if command -v valgrind > /dev/null; then
                for m in inplace newfile_unlink lowentropy mmap multiproc exec_per_file; do
                        D=$(fresh_tree "vg-$m")
                        rc=0
                        valgrind -q --track-fds=yes --leak-check=full --error-exitcode=99 \
                                "$SIM" --target "$D" --mode "$m" --log "$WORK/log-vg-$m" 2> "$WORK/vgout-$m" || rc=$?
                        # Inherited descriptors are the caller's; any other one left open is a leak.
                        opened=$(grep -c "Open file descriptor" "$WORK/vgout-$m" || true)
                        inherited=$(grep -c "<inherited from parent>" "$WORK/vgout-$m" || true)
                        check "valgrind $m: no error, no leak, no fd left open" \
                                bash -c '[[ $0 -eq 0 && $1 -eq $2 ]] && ! grep -Eq "definitely lost|Invalid|uninitialised" "$3"' \
                                "$rc" "$opened" "$inherited" "$WORK/vgout-$m"
                done
        else
                echo "skip valgrind: not installed"
        fi
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
