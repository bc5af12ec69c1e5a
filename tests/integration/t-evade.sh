#!/usr/bin/env bash
# Issue 12: an attacker who has read the source. Each way around the judge that scored nothing
# (the simulator's evasion modes, tests/sim/sim-evade.c) against the real daemon: acted on, and
# at most a few files lost. Atomic saves of plain text stay benign.
# - rename_over, outside_rename, exchange: what a name ends up pointing to is read and judged
#   against the file it had;
# - truncate: an emptied file keeps its old content as its before state;
# - fake_magic, keep_header, gaps, words: a signature of another type over random bytes, the
#   middle blocks placed by a secret key, text spelt as evenly drawn words;
# - hold_open: every file opened first, closed at the end: judged while it is written;
# - bindmount: the protected tree bind-mounted in a new mount namespace;
# - spread: a new session and a double fork every two files (fork events), and one file a
#   family every 2.5 s under a short family memory (the user's account);
# - hardlink: measured only (a hard link outside a protected subtree is a known limit).
. "$(dirname "$0")/lib.sh"
need_root "evasion classes"
make_work
make_corpus "$WORK/master" || { fail "build corpus"; finish; exit 1; }
mkdir -p "$WORK/p"
# Targets that are protected roots themselves: their siblings (the links directory, the bind
# mount point) lie outside the protected paths.
for r in hl bm or; do cp -a "$WORK/master" "$WORK/$r"; done
# The account off: each class on its own (it would stop every attack after the first at once:
# they all run as root in one cgroup). The slow spread below needs it.
start_daemon '{"protect": [], "action": "kill", "account": {"enabled": false}}' --protect "$WORK/p" --protect "$WORK/hl" --protect "$WORK/bm" --protect "$WORK/or" ||
        { fail "daemon starts"; finish; exit 1; }
alerts() { grep -c "Ransomware behaviour" "$WORK/daemon.log"; }
total=$(find "$WORK/master" -type f ! -name '.ransomguard*' | wc -l)

# attack MODE MAX [TARGET]: the simulator (its own session) on a fresh copy; it must be killed
# after at most MAX files.
attack() {
        local mode=$1 max=$2 dir=${3:-$WORK/p/$1}
        if [ -z "${3:-}" ]; then
                rm -rf "$dir"
                cp -a "$WORK/master" "$dir"
        fi
        local a0
        a0=$(alerts)
        setsid "$SIM" --target "$dir" --mode "$mode" --log "$WORK/$mode.log" 2> "$WORK/$mode.err"
        local rc=$? damaged
        sleep 0.3
        damaged=$(sim_damaged "$WORK/$mode.log")
        echo "MEASURED: mode=$mode files_damaged=$damaged of $total exit=$rc"
        local n_alerts=$(($(alerts) - a0))
        if [ "$max" = detected ]; then
                check "$mode: detected ($n_alerts alert(s); exit $rc, $damaged files damaged)" [ "$n_alerts" -gt 0 ]
                return
        fi
        check "$mode: acted on (exit $rc, $n_alerts alert(s))" bash -c "[ $rc -eq 137 ] && [ $n_alerts -gt 0 ]"
        check "$mode: at most $max files damaged ($damaged)" [ "$damaged" -le "$max" ]
}

attack rename_over 3
# The new file written beside the protected root (same filesystem), then renamed over: its
# content is read at the rename (never judged before it).
attack outside_rename 3 "$WORK/or"
attack exchange 3
attack truncate 3
attack fake_magic 3
attack keep_header 4
attack gaps 3
attack words 4
# Opened all at once, closed at the end: without judging modifications nothing is judged before
# the last file is done. Small files are written faster than they are judged: every open is
# asked about (and braked), but the writes through them come in one burst (~40 ms for this
# corpus), and whether the kill lands before the last one is a race: 14-217 files measured, and
# at times the verdict comes after the simulator finished (README, known limits). Detected is
# what is asserted; the damage is measured.
attack hold_open detected
attack bindmount 5 "$WORK/bm" # 2-4 measured
attack spread 3

# Hard links outside a protected subtree: opens through them are not asked about (the marks are
# on the protected directories). Measured, not asserted (README, known limits).
setsid "$SIM" --target "$WORK/hl" --mode hardlink --log "$WORK/hardlink.log" 2> "$WORK/hardlink.err"
rc=$?
echo "MEASURED: mode=hardlink files_damaged=$(sim_damaged "$WORK/hardlink.log") of $total exit=$rc (known limit)"

# Atomic saves of plain text (an editor, sed -i, rsync): a rename over the original, never
# acted on. So are exchanges of plain files.
cp -a "$WORK/master" "$WORK/p/saves"
a0=$(alerts)
(cd "$WORK/p/saves" && setsid /usr/bin/python3 - <<'PY') > "$WORK/saves.out" 2>&1
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
n = 0
for d, _, fs in sorted(os.walk(".")):
    for f in sorted(fs):
        p = os.path.join(d, f)
        if f.startswith(".") or os.path.islink(p) or not f.endswith((".txt", ".md", ".csv", ".json", ".c", ".h")):
            continue
        text = open(p, "rb").read()
        tmp = os.path.join(d, "." + f + ".swp")
        with open(tmp, "wb") as w:
            w.write(text.replace(b"e", b"E") + b"\nedited\n")
        os.replace(tmp, p)
        if n % 4 == 0:  # and an exchange with a plain copy, the copy then removed
            cp = p + ".bak"
            with open(cp, "wb") as w:
                w.write(text)
            if libc.renameat2(-100, p.encode(), -100, cp.encode(), 2) == 0:
                os.unlink(cp)
        n += 1
print("saved", n)
PY
check "atomic saves and exchanges of plain text: completed ($(cat "$WORK/saves.out"))" grep -q '^saved [1-9]' "$WORK/saves.out"
(cd "$WORK/p/saves" && find . -name '*.txt' -print0 | xargs -0 -r setsid sed -i 's/a/A/g') > /dev/null 2>&1
sleep 0.3
check "atomic saves, exchanges and sed -i of plain text: not acted on" [ "$(alerts)" -eq "$a0" ]
stop_daemon

# One file per family every 2.5 s while a family forgets in 4 s (a scaled "one file a minute
# against a 60 s half-life"): no family ever reaches the threshold, the user's account does.
cp -a "$WORK/master" "$WORK/p/slow"
start_daemon '{"protect": [], "action": "kill", "detect": {"window_ms": 4000, "half_life_ms": 2000},
  "account": {"window_ms": 600000, "half_life_ms": 300000}}' --protect "$WORK/p" ||
        { fail "daemon starts (short family memory)"; finish; exit 1; }
timeout 120 setsid "$SIM" --target "$WORK/p/slow" --mode spread --per-family 1 --interval 2.5 \
        --log "$WORK/slow.log" 2> "$WORK/slow.err"
rc=$?
damaged=$(sim_damaged "$WORK/slow.log")
echo "MEASURED: mode=spread per-family=1 interval=2.5s files_damaged=$damaged exit=$rc"
check "slow spread: acted on through the account (exit $rc)" [ "$rc" -eq 137 ] && grep -q "account-of-" "$WORK/daemon.log"
check "slow spread: at most 6 files damaged ($damaged; 2-5 measured)" [ "$damaged" -le 6 ]
stop_daemon
finish
