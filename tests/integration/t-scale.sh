#!/usr/bin/env bash
# Scale (issue 13), on a loop-mounted ext4 of its own: a protected path that is a filesystem's
# root gets one filesystem mark (no directory marked, whatever the tree); a subtree gets a mark
# per directory. Files just written and judged are read back without a permission round trip,
# and the first write through such an unasked open is still judged at once (a simulator that
# holds every just-copied file open is stopped midway); an attacker that reads every file first
# gains nothing (reads are never ignore-marked). With the vault on (the default), no file is
# ignore-marked (an open not asked about is an original not kept): files copied in just before
# an attack are all restored. Counts are asserted, never times (those are the benchmark's).
. "$(dirname "$0")/lib.sh"
need_root "scale (loop filesystem, fanotify)"
make_work
WRITER=$TOP/build/rg-writer
FS=$WORK/fs
cleanup() {
        [ "$FAILED" -gt 0 ] && [ -f "$WORK/daemon.log" ] && { echo "--- daemon log (last 15 lines)"; tail -15 "$WORK/daemon.log"; }
        stop_daemon
        mountpoint -q "$FS" && umount "$FS"
        rm -rf "$WORK"
}
make_corpus "$WORK/master" || { fail "build corpus"; finish; exit 1; }
truncate -s 800M "$WORK/fs.img"
mkfs.ext4 -q -F "$WORK/fs.img" && mkdir -p "$FS" && mount -o loop "$WORK/fs.img" "$FS" ||
        { skip "no loop-mounted ext4 here"; finish; exit 0; }
mkdir -p "$FS/tree"
for i in 0 1 2 3 4; do
        mkdir "$FS/tree/d$i" && (cd "$FS/tree/d$i" && mkdir $(seq -f 'e%g' 0 999))
done
ndirs=$(find "$FS/tree" -type d | wc -l)
total=$(find "$WORK/master" -type f ! -name '.ransomguard*' | wc -l)
CONF='{"protect": [], "action": "kill", "account": {"enabled": false}, "vault": {"enabled": false}}'
CONFV='{"protect": [], "action": "kill", "account": {"enabled": false}}' # the vault on, in $WORK/rt
CTL=$TOP/build/ransomguardctl
killed_within() { [ "$1" -eq 137 ] && [ "$2" -le "$3" ]; } # exit, damaged, max
stat_of() { grep -o "$1" "$WORK/daemon.log" | tail -1 | grep -o '^[0-9]*'; }

# The filesystem's root: one mark, nothing walked.
start_daemon "$CONF" --protect "$FS" || { fail "daemon starts"; finish; exit 1; }
check "a filesystem's root is one filesystem mark, no directory marked ($ndirs directories)" \
        grep -q "1 root(s) marked as a whole filesystem, 0 directories with permission marks" "$WORK/daemon.log"
check "new files are ignore-marked there" grep -q "new files ignore-marked yes" "$WORK/daemon.log"
mkdir "$FS/w"
"$WRITER" "$FS/w" 300 4096 > /dev/null
"$WRITER" "$FS/w" 300 4096 read > /dev/null
sleep 0.3
stop_daemon
asked=$(stat_of "[0-9]* opens asked about")
new=$(stat_of "[0-9]* new files")
ignored=$(stat_of "[0-9]* ignore marks")
echo "MEASURED: 300 files created and read back: $asked opens asked about, $new new files answered at once, $ignored ignore marks"
check "files just written are read back unasked (opens asked about: $asked of 600)" [ "${asked:-600}" -le 330 ]
check "every file judged clean was ignore-marked ($ignored)" [ "${ignored:-0}" -ge 300 ]
check "new files are answered before the loop sees them ($new)" [ "${new:-0}" -gt 0 ]

# Just-copied files are ignore-marked; an attacker holding them all open (opens unasked) is
# judged at its first write of each and stopped midway; one that encrypts in place too.
attack() { # name, max files, simulator args...
        local name=$1 max=$2; shift 2
        rm -rf "$FS/$name"
        cp -a "$WORK/master" "$FS/$name"
        setsid "$SIM" --target "$FS/$name" --log "$WORK/$name.log" "$@" 2> "$WORK/$name.err"
        local rc=$? damaged
        sleep 0.3
        damaged=$(sim_damaged "$WORK/$name.log")
        echo "MEASURED: $name files_damaged=$damaged of $total exit=$rc"
        check "$name: killed after at most $max files ($damaged, exit $rc)" killed_within "$rc" "$damaged" "$max"
}
start_daemon "$CONF" --protect "$FS" || { fail "daemon restarts"; finish; exit 1; }
attack just_copied_hold_open $((total - 1)) --mode hold_open
stop_daemon
dropped=$(grep -o "all dropped [0-9]* time" "$WORK/daemon.log" | tail -1 | grep -o '[0-9]*')
check "ignore marks were dropped when calm ended ($dropped time(s))" [ "${dropped:-0}" -ge 1 ]
for m in inplace multiproc hold_open exchange; do
        start_daemon "$CONF" --protect "$FS" || { fail "daemon restarts"; break; }
        case $m in
        # Their opens are not asked about until the responder has read the first unasked write
        # and dropped every mark: a fast writer opens several more meanwhile (measured 1 to 25
        # files here, the same before this change; with the vault on, the default, nothing is
        # ignore-marked and the block above asserts 0 lost).
        inplace) attack just_copied_inplace $((total - 1)) --mode inplace ;;
        multiproc) attack preread_multiproc_8 8 --mode multiproc --workers 8 --preread ;; # one unasked first write per worker
        hold_open) attack preread_hold_open $((total - 1)) --mode hold_open --preread ;;
        exchange) attack preread_exchange 3 --mode exchange --preread ;;
        esac
        stop_daemon
done

# The vault on: nothing ignore-marked; a tree copied in right before the attack, restored whole.
manifest() { (cd "$1" && find . -type f ! -name '.ransomguard*' -print0 | sort -z | xargs -0 sha256sum); }
start_daemon "$CONFV" --protect "$FS" || { fail "daemon starts with the vault"; finish; exit 1; }
rm -rf "$FS/w" && mkdir "$FS/w"
"$WRITER" "$FS/w" 300 4096 > /dev/null
"$WRITER" "$FS/w" 300 4096 read > /dev/null
for m in inplace rewrite hold_open; do
        rm -rf "$FS/vault_$m"
        cp -a "$WORK/master" "$FS/vault_$m"
        manifest "$FS/vault_$m" > "$WORK/v-$m.before"
        setsid "$SIM" --target "$FS/vault_$m" --mode $m --log "$WORK/v-$m.log" 2> /dev/null
        rc=$?
        sleep 0.5
        "$CTL" -s "$WORK/rt/control" restore --all --under "$FS/vault_$m" > "$WORK/v-$m.restore" 2>&1
        rrc=$?
        lost=$(diff "$WORK/v-$m.before" <(manifest "$FS/vault_$m") | grep -c '^<')
        echo "MEASURED: vault on, just copied: mode=$m files_damaged=$(sim_damaged "$WORK/v-$m.log") unrecoverable=$lost exit=$rc restore_exit=$rrc"
        check "vault on, files just copied, $m: stopped (exit $rc), restored (exit $rrc), 0 unrecoverable ($lost)" \
                bash -c "{ [ $rc -eq 137 ] || [ $m = hold_open ]; } && [ $rrc -eq 0 ] && [ $lost -eq 0 ]"
done
stop_daemon
ignored=$(stat_of "[0-9]* ignore marks")
check "vault on: no file ignore-marked (${ignored:-?})" [ "${ignored:-1}" -eq 0 ]

# A subtree of it: a mark per directory, every one of them.
start_daemon "$CONF" --protect "$FS/tree" || { fail "daemon starts on a subtree"; finish; exit 1; }
check "a subtree gets a mark per directory ($ndirs)" \
        grep -q "0 root(s) marked as a whole filesystem, $ndirs directories with permission marks" "$WORK/daemon.log"
check "no ignore marks beside directory marks" grep -q "new files ignore-marked no" "$WORK/daemon.log"
stop_daemon
finish
