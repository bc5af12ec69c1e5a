#!/usr/bin/env bash
# Issue 4 (6): real encryption tools used the way ransomware uses them are stopped — gpg -c + rm
# over a tree (MITRE ATT&CK T1486), ccencrypt -r, openssl enc + rm — while gpg -c of one file
# (original kept) is not acted on.
. "$(dirname "$0")/lib.sh"
need_root "encryption tools over a tree"
for t in gpg ccencrypt openssl; do
        command -v "$t" > /dev/null || { skip "$t not installed (tests/packages.txt)"; }
done
make_work
make_corpus "$WORK/master" || { fail "build corpus"; finish; exit 1; }
n_files=$(find "$WORK/master" -type f | wc -l)

# run_attack NAME SCRIPT: the script runs in its own session in a fresh copy; prints how many
# original files are gone or changed afterwards.
run_attack() {
        local name=$1 script=$2 dir=$WORK/$1
        cp -a "$WORK/master" "$dir"
        (cd "$dir" && find . -type f ! -name '.ransomguard*' -print0 | sort -z | xargs -0 sha256sum) > "$WORK/$name.sums"
        start_daemon '{"protect": [], "action": "kill"}' --protect "$dir" || { fail "$name: daemon starts"; return; }
        (cd "$dir" && timeout -s KILL 300 setsid bash -c "$script" > "$WORK/$name.out" 2>&1)
        local rc=$?
        sleep 0.5
        local damaged
        damaged=$(cd "$dir" && sha256sum --quiet -c "$WORK/$name.sums" 2>/dev/null | grep -c 'FAILED' || true)
        echo "$name: exit $rc, $damaged of $n_files originals damaged or gone"
        check "$name stopped (killed: exit $rc)" [ "$rc" -ge 128 ]
        check "$name: at most 10 files damaged ($damaged)" [ "$damaged" -le 10 ]
        check "$name: alert" grep -q "Ransomware behaviour" "$WORK/daemon.log"
        stop_daemon
}
run_attack gpg_tree 'find . -type f ! -name ".ransomguard*" -print0 | sort -z | while IFS= read -r -d "" f; do gpg -c --batch --yes --pinentry-mode loopback --passphrase pw -o "$f.gpg" "$f" && rm -f "$f"; done'
run_attack ccencrypt_r 'ccencrypt -r -f -K secretkey .'
run_attack openssl_tree 'find . -type f ! -name ".ransomguard*" -print0 | sort -z | while IFS= read -r -d "" f; do openssl enc -aes-256-cbc -pbkdf2 -pass pass:pw -in "$f" -out "$f.enc" && rm -f "$f"; done'

# Benign: one file encrypted with gpg -c, the original kept (what a user does).
dir=$WORK/gpg_one
cp -a "$WORK/master" "$dir"
start_daemon '{"protect": [], "action": "kill"}' --protect "$dir" || fail "daemon starts"
f=$(find "$dir" -type f -name '*.pdf' | sort | head -1)
(cd "$dir" && setsid gpg -c --batch --yes --pinentry-mode loopback --passphrase pw -o "$f.gpg" "$f")
check "gpg -c of one file completes" [ $? -eq 0 ]
sleep 0.3
check "gpg -c of one file not acted on" bash -c "! grep -q 'Ransomware behaviour' '$WORK/daemon.log'"
stop_daemon
finish
