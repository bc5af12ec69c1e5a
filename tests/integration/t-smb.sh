#!/usr/bin/env bash
# A real Samba server (a private smbd on 127.0.0.1) serving a protected directory to two users,
# real SMB clients (libsmbclient). One client encrypts the share at full speed and retries at
# once for a minute after every denial, the way ransomware on an infected PC does; the other
# keeps saving her document the whole time. The attacker's worker is stopped after at most
# 2 files, its session ended with SIGTERM (never the server), its user blocked so that the
# reconnects damage nothing, the alert names user and address; the colleague sees no error.
# Then the block is lifted by the command, a newfile-plus-delete attack over SMB is stopped the
# same way, and benign SMB work (a folder of photos copied in, office documents saved through
# temp + rename) is not acted on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-smb.sh"
need_root "a private smbd and its users"
if ! smb_available; then
        fail "samba, smbclient or python3-smbc missing: run tests/setup.sh"
        finish
        exit 1
fi
make_work
trap 'smb_stop; cleanup' EXIT
SHARE=$WORK/share
mkdir -p "$SHARE/alice" "$SHARE/bob"
chmod 755 "$WORK" "$SHARE" # the users' smbd workers walk down to it
smb_start "$SHARE" || { fail "smbd starts"; finish; exit 1; }
smb_user rgtsmba pw-alice-1 && smb_user rgtsmbb pw-bob-2 || { fail "SMB users"; finish; exit 1; }
make_corpus "$WORK/corpus" || { fail "corpus"; finish; exit 1; }
cp -a "$WORK/corpus/." "$SHARE/alice/"
chown -R rgtsmba: "$SHARE/alice"
chown -R rgtsmbb: "$SHARE/bob"
echo "smbd $SMB_PID on 127.0.0.1:$SMB_PORT"

# Blocks by user: both clients come from 127.0.0.1 here (a block by address would stop the
# colleague too, as it would behind NAT; server.block_by says which).
start_daemon "{\"protect\": [], \"action\": \"kill\",
  \"server\": {\"block_by\": [\"user\"], \"block_seconds\": 600, \"block_dir\": \"$WORK/blocks\"}}" \
        --protect "$SHARE" || { fail "daemon starts"; finish; exit 1; }

smbc() { "$SMB_PY" "$SMB_CLIENT" "$@"; }

# The colleague saves her document every 100 ms from before the attack until after it.
smbc save --url "$(smb_url bob/minutes.txt)" --user rgtsmbb --password pw-bob-2 --seconds 75 \
        > "$WORK/bob.out" 2>&1 &
bob=$!
sleep 3

# 1. In place, full speed, retrying for a minute.
t0=$(date +%s.%N)
smbc attack --mode inplace --url "$(smb_url alice)" --user rgtsmba --password pw-alice-1 --retry 60 \
        --log "$WORK/inplace.log" > "$WORK/attack.out" 2>&1
n=$(sim_damaged "$WORK/inplace.log")
echo "in place: $n files damaged; $(grep '^# done' "$WORK/inplace.log")"
check "the attacker reached the files ($(grep -m1 'files under' "$WORK/inplace.log"))" [ "$n" -ge 1 ]
check "in-place encryption over SMB stopped after at most 2 files ($n)" [ "$n" -le 2 ]
check "its reconnects were refused for a minute (the attacker gave up retrying)" \
        grep -q "^# done: .* [1-9][0-9]* failures" "$WORK/inplace.log"
check "the main smbd still runs" kill -0 "$SMB_PID"
check "the alert names the SMB user and the client's address" \
        grep -q "Ransomware behaviour by smbd\[[0-9]*\] (family smbd\[[0-9]*\]) for client rgtsmba on [^ ]* at 127.0.0.1:[0-9]*:" \
        "$WORK/daemon.log"
check "the session was ended with SIGTERM, not the server killed" grep -q "session ended: SIGTERM to smbd\[" "$WORK/daemon.log"
worker=$(grep -m1 -o "session ended: SIGTERM to smbd\[[0-9]*\]" "$WORK/daemon.log" | grep -o "[0-9]*" | tail -1)
sleep 1
check "the convicted worker is gone" bash -c "! kill -0 ${worker:-0} 2>/dev/null"
check "the user is blocked, and a file says so" grep -q "^label=rgtsmba$" "$WORK/blocks/user-$(id -u rgtsmba)"
check "the reconnects were denied and logged" grep -q "Blocked client (user rgtsmba) is back" "$WORK/daemon.log"
ms=$(grep -m1 -o "ms_to_action=[0-9]*" "$WORK/daemon.log" | cut -d= -f2)
echo "ms from the first damaged file to the action: ${ms:-?}"
wait "$bob"
cat "$WORK/bob.out"
check "the colleague's saves never failed before, during or after ($(head -1 "$WORK/bob.out"))" \
        grep -q "^saves [1-9][0-9]* errors 0$" "$WORK/bob.out"

# 2. The block is lifted by the command; the user works again.
"$RGD" -c "$WORK/rg.json" --blocks > "$WORK/blocks.out" 2>&1
check "--blocks lists the block" grep -q "^user-$(id -u rgtsmba) .*rgtsmba" "$WORK/blocks.out"
check "--unblock rgtsmba lifts it" "$RGD" -c "$WORK/rg.json" --unblock rgtsmba
check "--unblock of a block that is not there fails" bash -c "! '$RGD' -c '$WORK/rg.json' --unblock rgtsmba 2>/dev/null"
smbc save --url "$(smb_url alice/after-unblock.txt)" --user rgtsmba --password pw-alice-1 --seconds 2 > "$WORK/alice.out" 2>&1
check "after --unblock the user can save again ($(head -1 "$WORK/alice.out"))" grep -q "^saves [1-9][0-9]* errors 0$" "$WORK/alice.out"
check "the lifting is logged" grep -q "Block on user rgtsmba lifted" "$WORK/daemon.log"

# 3. New file plus delete, with the colleague working again.
mkdir -p "$SHARE/alice2"
cp -a "$WORK/corpus/Documents" "$WORK/corpus/Pictures" "$SHARE/alice2/"
chown -R rgtsmba: "$SHARE/alice2"
alerts0=$(grep -c "Ransomware behaviour" "$WORK/daemon.log")
smbc save --url "$(smb_url bob/minutes.txt)" --user rgtsmbb --password pw-bob-2 --seconds 25 > "$WORK/bob2.out" 2>&1 &
bob=$!
sleep 1
smbc attack --mode newfile --url "$(smb_url alice2)" --user rgtsmba --password pw-alice-1 --retry 20 \
        --log "$WORK/newfile.log" > "$WORK/attack2.out" 2>&1
n=$(sim_damaged "$WORK/newfile.log")
echo "newfile + delete: $n files damaged; $(grep '^# done' "$WORK/newfile.log")"
check "newfile-plus-delete over SMB stopped after at most 2 files ($n)" bash -c "[ $n -ge 1 ] && [ $n -le 2 ]"
check "one more alert for it" [ "$(grep -c "Ransomware behaviour" "$WORK/daemon.log")" -eq $((alerts0 + 1)) ]
check "the main smbd still runs" kill -0 "$SMB_PID"
wait "$bob"
check "the colleague's saves never failed ($(head -1 "$WORK/bob2.out"))" grep -q "^saves [1-9][0-9]* errors 0$" "$WORK/bob2.out"

# 4. Benign SMB work by the colleague: photos copied in, office documents saved the Word way.
mkdir -p "$WORK/photos" "$WORK/docs"
find "$WORK/corpus" -type f \( -name '*.jpg' -o -name '*.png' -o -name '*.gif' \) -exec cp {} "$WORK/photos/" \;
find "$WORK/corpus" -type f \( -name '*.docx' -o -name '*.xlsx' -o -name '*.odt' -o -name '*.pdf' \) -exec cp {} "$WORK/docs/" \;
alerts0=$(grep -c "Ransomware behaviour" "$WORK/daemon.log")
smbc copy --url "$(smb_url bob/photos)" --user rgtsmbb --password pw-bob-2 --src "$WORK/photos" > "$WORK/copy.out" 2>&1
cat "$WORK/copy.out"
check "a folder of $(ls "$WORK/photos" | wc -l) photos copied onto the share without an error" grep -q "errors 0$" "$WORK/copy.out"
smbc office --url "$(smb_url bob/docs)" --user rgtsmbb --password pw-bob-2 --src "$WORK/docs" > "$WORK/office.out" 2>&1
cat "$WORK/office.out"
check "office documents saved through temp + rename without an error" grep -q "errors 0$" "$WORK/office.out"
sleep 1
check "benign SMB work was not acted on" [ "$(grep -c "Ransomware behaviour" "$WORK/daemon.log")" -eq "$alerts0" ]
check "the colleague was never blocked" bash -c "! grep -q 'user rgtsmbb' '$WORK/daemon.log'"

# 5. Blocked by address, the attacker turns wiper: SMB deletes by path, with no open the kernel
# asks us about (fanotify has no permission event for unlink). Every connection of the blocked
# client is stopped at its first event seen and held stopped (a tarpit: its client hangs until
# its own timeout instead of reconnecting at once), then ended.
sed -i 's/"block_by": \["user"\]/"block_by": ["address"]/' "$WORK/rg.json"
kill -HUP "$DAEMON_PID"
for _ in $(seq 1 30); do grep -q "Configuration reloaded" "$WORK/daemon.log" && break; sleep 0.1; done
mkdir -p "$SHARE/alice3" "$SHARE/alice4"
cp -a "$WORK/corpus/Documents/." "$SHARE/alice3/"
cp -a "$WORK/corpus/Documents/." "$SHARE/alice4/"
chown -R rgtsmba: "$SHARE/alice3" "$SHARE/alice4"
smbc attack --mode inplace --url "$(smb_url alice3)" --user rgtsmba --password pw-alice-1 --retry 3 \
        --log "$WORK/inplace3.log" > /dev/null 2>&1
check "blocked by address after the next conviction" [ -f "$WORK/blocks/addr-127.0.0.1" ]
total=$(find "$SHARE/alice4" -type f | wc -l)
smbc attack --mode wipe --url "$(smb_url alice4)" --user rgtsmba --password pw-alice-1 --retry 5 \
        --log "$WORK/wipe.log" > /dev/null 2>&1
n=$(sim_damaged "$WORK/wipe.log")
reconnects=$(sed -n 's/^# done: .* \([0-9]*\) reconnects$/\1/p' "$WORK/wipe.log")
echo "MEASURED: wiper while blocked by address: $n of $total files deleted, ${reconnects:-?} reconnect(s)"
check "a blocked client deleting by path is held after a few deletes ($n of $total, at most 5)" [ "$n" -le 5 ]
check "its connection was stopped and held" grep -q "is denied its opens and its session ended" "$WORK/daemon.log"
check "the main smbd still runs" kill -0 "$SMB_PID"

# 6. The daemon dies (SIGKILL) while it holds that connection stopped: the next daemon ends it.
held=$(for w in $(smb_workers); do [ "$(awk '{ print $3 }' /proc/$w/stat 2>/dev/null)" = T ] && echo "$w"; done | head -1)
check "a blocked client's connection is held stopped (${held:-none})" [ -n "$held" ]
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
check "the hold is noted on disk" bash -c "ls '$WORK/blocks' | grep -q '^held-${held:-x}-'"
cp "$WORK/daemon.log" "$WORK/daemon1.log"
start_daemon "$(cat "$WORK/rg.json")" --protect "$SHARE" || fail "daemon starts again"
sleep 1
check "the next daemon ended the worker the dead one held" bash -c "! kill -0 ${held:-0} 2>/dev/null"
check "and said so" grep -q "Ended smbd\[${held:-x}\]: a daemon before this one held it stopped" "$WORK/daemon.log"
check "the main smbd still runs" kill -0 "$SMB_PID"
finish
