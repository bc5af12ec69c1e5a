#!/usr/bin/env bash
# Issue 11: no wrong kill of a backup, no free pass for an archiver with a password.
# - borg (init, create, prune, compact) into a repository inside the protected tree: completes,
#   never acted on (it secure-erases and deletes files it created itself);
# - the simulator's archive mode (7z a -p -sdel per file, Qlocker): killed after at most 2 files;
# - eight workers (processes, threads) at once: at most 3 files (brake.max_unjudged);
# - truncate(2) by path, then ciphertext into the empty file: judged against the old content;
# - one encrypted zip of two folders with 7z's -sdel, and zip -e then rm -r, from a script:
#   acted on (how many originals are gone first is measured: unlinks are not asked about);
#   the same without a password: a compressor's move.
. "$(dirname "$0")/lib.sh"
need_root "detection of encrypted archives and backups"
make_work
make_corpus "$WORK/master" || { fail "build corpus"; finish; exit 1; }
start_daemon '{"protect": [], "action": "kill"}' --protect "$WORK" || { fail "daemon starts"; finish; exit 1; }
alerts() { grep -c "Ransomware behaviour" "$WORK/daemon.log"; }
copy() { rm -rf "$WORK/$1"; cp -a "$WORK/master" "$WORK/$1"; touch "$WORK/$1/.ransomguard-sim-target"; }
originals() { find "$1" -type f ! -name '*.7z' ! -name '*.zip' ! -name '.ransomguard*' | wc -l; }

if command -v borg >/dev/null; then
        copy borg
        a0=$(alerts)
        if setsid "$TOP/tests/workloads/borg.sh" "$WORK/borg" > "$WORK/borg.out" 2>&1; then
                pass "borg init, create, prune, compact completed"
        else
                fail "borg completed: $(tail -3 "$WORK/borg.out")"
        fi
        sleep 0.3
        check "borg not acted on" [ "$(alerts)" -eq "$a0" ]
else
        skip "borg (Debian's borgbackup; tests/setup.sh installs it)"
fi

# Eight workers (processes, then threads) that each open a file at once: without holding a
# family's third unjudged write-open (brake.max_unjudged), all eight damage one first.
for mode in multiproc multithread; do
        copy "w-$mode"
        setsid "$SIM" --target "$WORK/w-$mode" --mode "$mode" --workers 8 --log "$WORK/$mode.log" 2>"$WORK/$mode.err"
        rc=$?
        damaged=$(sim_damaged "$WORK/$mode.log")
        echo "MEASURED: mode=$mode workers=8 files_damaged=$damaged"
        check "$mode, 8 workers: killed (exit $rc)" [ "$rc" -eq 137 ] || [ "$rc" -eq 12 ]
        check "$mode, 8 workers: at most 3 files damaged ($damaged)" [ "$damaged" -le 3 ]
done

# truncate(2) by path (no open we are asked about), then the ciphertext written into the empty
# file: judged against what the file held before it was emptied, not as a new file.
copy trunc
a0=$(alerts)
(cd "$WORK/trunc" && setsid /usr/bin/python3 - <<'PY') > "$WORK/trunc.out" 2>&1
import os
done = 0
for d, _, fs in sorted(os.walk(".")):
    for f in sorted(fs):
        p = os.path.join(d, f)
        if f.startswith(".ransomguard") or os.path.islink(p) or os.path.getsize(p) == 0:
            continue
        try:
            data = open(p, "rb").read()
            os.truncate(p, 0)
            with open(p, "r+b") as w:
                w.write(bytes(a ^ b for a, b in zip(data, os.urandom(len(data)))))
        except OSError:
            continue
        done += 1
        print("damaged", p, flush=True)
PY
damaged=$(grep -c '^damaged' "$WORK/trunc.out")
echo "MEASURED: truncate(2) then write: files_damaged=$damaged"
check "truncate(2) by path, then ciphertext: acted on" [ "$(alerts)" -gt "$a0" ]
check "truncate(2) by path, then ciphertext: at most 3 files damaged ($damaged)" [ "$damaged" -le 3 ]

if command -v 7z >/dev/null; then
        copy qlocker
        a0=$(alerts)
        n=$(originals "$WORK/qlocker")
        setsid "$SIM" --target "$WORK/qlocker" --mode archive --log "$WORK/ql.log" 2>"$WORK/ql.err"
        rc=$?
        damaged=$(sim_damaged "$WORK/ql.log")
        echo "MEASURED: mode=archive files_damaged=$damaged of $n"
        check "7z a -p -sdel per file: killed (exit $rc)" [ "$rc" -eq 137 ]
        check "7z a -p -sdel per file: at most 2 files damaged ($damaged)" [ "$damaged" -le 2 ]

        for how in "7z a -tzip -pSECRET -sdel -bso0 -bsp0 all.zip Documents Pictures" \
                   "zip -q -r -P SECRET all.zip Documents Pictures && rm -rf Documents Pictures"; do
                copy tree
                n=$(originals "$WORK/tree")
                a0=$(alerts)
                (cd "$WORK/tree" && setsid bash -c "$how") > "$WORK/tree.out" 2>&1
                sleep 0.3
                left=$(originals "$WORK/tree")
                echo "MEASURED: '${how%% *} -p' of two folders then deleted: $((n - left)) of $n originals gone"
                check "'${how%% *}' with a password, originals deleted: acted on" [ "$(alerts)" -gt "$a0" ]
                # How many are gone depends on how fast the unlinks come (they need no open we are
                # asked about): measured, not asserted; the vault is what keeps them.
        done
        copy plain
        a0=$(alerts)
        (cd "$WORK/plain" && setsid 7z a -bso0 -bsp0 all.7z Documents Pictures && setsid 7z a -tzip -sdel -bso0 -bsp0 more.zip src) > "$WORK/plain.out" 2>&1
        check "7z a without a password (and -sdel): completed" [ -s "$WORK/plain/more.zip" ]
        sleep 0.3
        check "7z a without a password (and -sdel): not acted on" [ "$(alerts)" -eq "$a0" ]
else
        skip "encrypted archives (no 7z: Debian's p7zip-full)"
fi
grep "Ransomware behaviour" "$WORK/daemon.log" || true
stop_daemon
finish
