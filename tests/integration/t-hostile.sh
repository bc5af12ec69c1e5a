#!/usr/bin/env bash
# The responder under hostile load (root): a 2,000-process family killed whole with the daemon
# held to 1,024 file descriptors; an encryptor at the bottom of a 300-deep process chain; a
# directory-rename storm; a flood of writes elsewhere on the filesystem (a small kernel queue)
# during an attack; a FIFO, a symlink and a hard link planted at the probe and decoy names; a
# writer stuck in an uninterruptible wait. Each asserts that nothing is missed and that the
# daemon still answers opens. How fast it answers is for `make bench` to measure: the only
# time bound here is a hang detector (an open that takes more than 10 s).
. "$(dirname "$0")/lib.sh"
need_root "hostile load"
make_work
DATA=$WORK/data
REAL_RGD=$RGD
TAG=rg-hostile-$$

# make_data N: N text files (20 KiB of real text each) in $DATA, a simulator target.
make_data() {
        rm -rf "$DATA" "$WORK/sim.log"
        mkdir -p "$DATA/sub"
        touch "$DATA/.ransomguard-sim-target"
        for i in $(seq 1 "$1"); do head -c 20000 /usr/share/common-licenses/GPL-3 > "$DATA/f$i.txt"; done
        echo "probe" > "$DATA/probe.txt"
}

# The daemon answers: an open in the protected tree completes (hang detector, not a timing).
responsive() { timeout 10 cat "$DATA/probe.txt" > /dev/null; }

kill_tagged() { pkill -KILL -f "^$TAG" 2>/dev/null; true; }
left_tagged() { pgrep -fc "^$TAG" 2>/dev/null || true; }
cleanup_hostile() {
        kill_tagged
        [ -n "${OLD_MAXQ:-}" ] && echo "$OLD_MAXQ" > /proc/sys/fs/fanotify/max_queued_events
        cleanup
}
trap cleanup_hostile EXIT

# ---- 1. a 2,000-process family, the encryptor forked last, daemon limited to 1,024 fds ----
make_data 40
cat > "$WORK/rgd-1024" <<EOF
#!/bin/sh
ulimit -n 1024
exec "$REAL_RGD" "\$@"
EOF
chmod +x "$WORK/rgd-1024"
RGD=$WORK/rgd-1024
start_daemon '{"protect": [], "action": "kill"}' --protect "$DATA" || { fail "daemon starts (ulimit -n 1024)"; finish; exit 1; }
RGD=$REAL_RGD
check "daemon runs with a soft and hard limit of 1024 fds" grep -q "^Max open files *1024 *1024" "/proc/$DAEMON_PID/limits"
setsid bash -c "for i in \$(seq 1 2000); do (exec -a $TAG-member sleep 600) & done
        exec -a $TAG-root bash -c '\"$SIM\" --target \"$DATA\" --mode inplace --log \"$WORK/sim.log\" 2>/dev/null; wait'" &
fam=$!
wait "$fam"
sleep 1
left=$(left_tagged)
echo "family of 2001: $(sim_damaged "$WORK/sim.log") files damaged, $left member(s) left alive"
check "encryptor stopped after at most 3 files" [ "$(sim_damaged "$WORK/sim.log")" -le 3 ]
check "every member of the 2,000-process family killed ($left left)" [ "$left" -eq 0 ]
check "the alert counts the whole family" grep -qE "killed (200[1-9]|20[1-9][0-9]) process" "$WORK/daemon.log"
check "daemon still answers opens" responsive
kill_tagged
stop_daemon

# ---- 2. the encryptor at the bottom of a 300-deep chain ----
make_data 40
start_daemon '{"protect": [], "action": "kill"}' --protect "$DATA" || { fail "daemon starts"; finish; exit 1; }
cat > "$WORK/chain.sh" <<EOF
#!/bin/sh
if [ "\$1" -gt 0 ]; then sh "$WORK/chain.sh" \$((\$1 - 1)); exit 0; fi
exec "$SIM" --target "$DATA" --mode inplace --log "$WORK/sim.log" 2>/dev/null
EOF
setsid sh "$WORK/chain.sh" 300 &
chain=$!
for _ in $(seq 1 300); do [ -s "$WORK/sim.log" ] && break; sleep 0.1; done
for _ in $(seq 1 100); do pgrep -x ransomguard-sim > /dev/null || break; sleep 0.1; done
echo "chain of 300: $(grep -o 'killed [0-9]* process(es)' "$WORK/daemon.log" | head -1) (the family root is at most 64 levels up)"
check "encryptor at depth 300 stopped after at most 3 files ($(sim_damaged "$WORK/sim.log"))" \
        [ "$(sim_damaged "$WORK/sim.log")" -le 3 ]
check "the encryptor is gone" bash -c "! pgrep -x ransomguard-sim > /dev/null"
check "daemon still answers opens" responsive
pkill -KILL -f "$WORK/chain.sh"
wait "$chain" 2>/dev/null
stop_daemon

# ---- 3. a directory-rename storm over a tree the daemon knows ----
make_data 10
mkdir -p "$DATA/tree/a"
for d in $(seq 1 20); do mkdir -p "$DATA/tree/a/d$d"; done
start_daemon '{"protect": [], "action": "kill"}' --protect "$DATA" || { fail "daemon starts"; finish; exit 1; }
"$TOP/build/rg-writer" "$DATA/tree/a/d1" 20000 16 > /dev/null # 20,000 files known to the daemon
( for _ in $(seq 1 1500); do mv "$DATA/tree/a" "$DATA/tree/b"; mv "$DATA/tree/b" "$DATA/tree/a"; done ) &
storm=$!
ok=0
for _ in $(seq 1 50); do responsive && ok=$((ok + 1)); done
wait "$storm"
check "opens answered during a 3,000-rename storm ($ok of 50)" [ "$ok" -eq 50 ]
check "daemon alive after the storm" kill -0 "$DAEMON_PID"
check "no detection for renames" bash -c "! grep -q 'Ransomware behaviour' '$WORK/daemon.log'"
stop_daemon

# ---- 4. a flood of writes elsewhere on the same filesystem, with a tiny kernel queue ----
make_data 60
mkdir -p "$WORK/elsewhere"
OLD_MAXQ=$(cat /proc/sys/fs/fanotify/max_queued_events)
echo 16 > /proc/sys/fs/fanotify/max_queued_events # for the groups created now
start_daemon '{"protect": [], "action": "kill"}' --protect "$DATA" || { fail "daemon starts (queue 16)"; finish; exit 1; }
echo "$OLD_MAXQ" > /proc/sys/fs/fanotify/max_queued_events
OLD_MAXQ=
flooders=()
for w in 1 2 3 4; do # until the attack is over, rounds of 2,000 new files each
        ( i=0; while [ ! -e "$WORK/flood.stop" ] && [ $i -lt 100 ]; do i=$((i + 1)); mkdir -p "$WORK/elsewhere/$w/$i"; \
                "$TOP/build/rg-writer" "$WORK/elsewhere/$w/$i" 2000 1 > /dev/null; done ) &
        flooders+=($!)
done
sleep 0.5
setsid "$SIM" --target "$DATA" --mode newfile_unlink --log "$WORK/sim.log" 2>/dev/null
rc=$?
touch "$WORK/flood.stop"
wait "${flooders[@]}"
n=$(sim_damaged "$WORK/sim.log")
echo "flood elsewhere: attack stopped after $n files, $(grep -c 'Event queue overflowed' "$WORK/daemon.log") overflow message(s)"
check "flood elsewhere overflowed only the queue of writes outside the protected paths" \
        grep -q "Event queue overflowed.*(writes outside the protected paths)" "$WORK/daemon.log"
check "no queue of opens, protected writes or names overflowed" \
        bash -c "! grep -E 'Event queue overflowed.*\((opens|creates)' '$WORK/daemon.log'"
check "new-file-and-unlink attack during the flood killed (exit $rc)" [ "$rc" -eq 137 ]
check "... before a sixth of the tree was damaged ($n of 60)" [ "$n" -le 10 ]
check "daemon still answers opens" responsive
stop_daemon
rm -rf "$WORK/elsewhere"

# ---- 5. a FIFO, a symlink and a hard link at the names the daemon writes ----
make_data 10
mkdir -p "$WORK/data2" "$WORK/outside"
echo "precious" > "$WORK/outside/victim"
ln "$WORK/outside/victim" "$DATA/.!rg-canary.docx"            # hard link at the decoy name
ln -s "$WORK/outside/victim" "$WORK/data2/.!rg-canary.docx"   # symlink at the other decoy name
cat > "$WORK/rgd-fifo" <<EOF
#!/bin/sh
mkfifo "$DATA/.ransomguard-probe-\$\$"                        # FIFO at the probe name (our pid)
ln -s "$WORK/outside/victim" "$WORK/data2/.ransomguard-probe-\$\$"
exec "$REAL_RGD" "\$@"
EOF
chmod +x "$WORK/rgd-fifo"
RGD=$WORK/rgd-fifo
if start_daemon '{"protect": [], "action": "kill", "canary": {"enabled": true}}' --protect "$DATA" --protect "$WORK/data2"; then
        pass "daemon started despite a FIFO and a symlink at its probe names"
else
        fail "daemon started despite a FIFO and a symlink at its probe names"
fi
RGD=$REAL_RGD
check "the file behind the hard link and symlink is untouched" grep -qx precious "$WORK/outside/victim"
check "decoys are regular files of their own" bash -c "[ -f '$DATA/.!rg-canary.docx' ] && [ ! -L '$WORK/data2/.!rg-canary.docx' ] && [ \$(stat -c %h '$DATA/.!rg-canary.docx') -eq 1 ]"
stop_daemon
check "the victim survives the stop too" grep -qx precious "$WORK/outside/victim"
rm -rf "$WORK/data2" "$WORK/outside"

# ---- 6. a family member stuck in an uninterruptible wait (an open another fanotify
#         responder never answers) is killed with the rest, and nothing waits on it ----
make_data 40
mkdir -p "$WORK/stuck"
echo x > "$WORK/stuck/never"
start_daemon '{"protect": [], "action": "kill"}' --protect "$DATA" || { fail "daemon starts"; finish; exit 1; }
cat > "$WORK/blocker.py" <<EOF
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
FAN_CLASS_CONTENT, FAN_OPEN_PERM, FAN_MARK_ADD = 0x08, 0x00010000, 0x01
fd = libc.fanotify_init(FAN_CLASS_CONTENT, os.O_RDONLY)
if fd < 0 or libc.fanotify_mark(fd, FAN_MARK_ADD, ctypes.c_uint64(FAN_OPEN_PERM), -100, b"$WORK/stuck/never") < 0:
    sys.exit(1)
open("$WORK/blocker.ready", "w").close()
time.sleep(120) # never reads: every open of the file waits (killable, state D)
EOF
python3 "$WORK/blocker.py" &
blocker=$!
for _ in $(seq 1 50); do [ -e "$WORK/blocker.ready" ] && break; sleep 0.1; done
setsid bash -c "(exec -a $TAG-stuck cat '$WORK/stuck/never') & sleep 0.5; ps -o stat= -p \$! > '$WORK/stuck.state'; \"$SIM\" --target \"$DATA\" --mode inplace --log \"$WORK/sim.log\" 2>/dev/null; wait" &
fam=$!
wait "$fam"
sleep 1
check "the member was stuck in state D ($(cat "$WORK/stuck.state" 2>/dev/null))" grep -q D "$WORK/stuck.state"
check "attack with a stuck member killed after at most 3 files ($(sim_damaged "$WORK/sim.log"))" \
        [ "$(sim_damaged "$WORK/sim.log")" -le 3 ]
check "the stuck member was killed too" [ "$(left_tagged)" -eq 0 ]
check "daemon still answers opens" responsive
kill "$blocker" 2>/dev/null
wait "$blocker" 2>/dev/null
stop_daemon
finish
