#!/usr/bin/env bash
# Issue 2 (b): gzip -r, tar czf, cp -a and rsync -a over the corpus are not acted on.
. "$(dirname "$0")/lib.sh"
need_root "benign tools"
make_work
make_corpus "$WORK/master" || { fail "build corpus"; finish; exit 1; }
start_daemon '{"protect": [], "action": "kill"}' --protect "$WORK" || { fail "daemon starts"; finish; exit 1; }

run_tool() { # name, command... (in $WORK/<name>, a fresh copy)
        local name=$1; shift
        cp -a "$WORK/master" "$WORK/$name"
        local before
        before=$(grep -c "Ransomware behaviour" "$WORK/daemon.log")
        if (cd "$WORK/$name" && "$@") >"$WORK/$name.out" 2>&1; then
                pass "$name completed"
        else
                fail "$name completed (exit $?): $(tail -2 "$WORK/$name.out")"
        fi
        sleep 0.3
        local after
        after=$(grep -c "Ransomware behaviour" "$WORK/daemon.log")
        check "$name not acted on" [ "$after" -eq "$before" ]
}
run_tool gzip_r gzip -r -f .
run_tool tar_czf tar czf ../tar_czf.tgz .
run_tool cp_a cp -a . ../cp_a.copy
run_tool rsync_a rsync -a ./ ../rsync_a.mirror/
# rsync rewriting changed files through temp file + rename
run_tool rsync_update bash -c 'rsync -a ./ ../rsync_update.m/ && find ../rsync_update.m -type f -name "*.txt" | head -20 | xargs -r touch && find . -type f -name "*.txt" | head -20 | while read -r f; do echo more >> "$f"; done && rsync -a ./ ../rsync_update.m/'
grep "Ransomware behaviour" "$WORK/daemon.log" || true
stop_daemon
finish
