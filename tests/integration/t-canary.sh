#!/usr/bin/env bash
# Issue 4 (7): decoys are placed in the protected root, hidden, reached first by a sorted walk;
# touching one is enough to stop the attacker; the daemon repairs them and removes them at stop.
. "$(dirname "$0")/lib.sh"
need_root "canary files"
make_work
DATA=$WORK/data
make_corpus "$DATA" || { fail "build corpus"; finish; exit 1; }
start_daemon '{"protect": [], "canary": {"enabled": true}}' --protect "$DATA" || { fail "daemon starts"; finish; exit 1; }
DECOY="$DATA/.!rg-canary.docx"
check "decoy placed in the protected root" [ -f "$DECOY" ]
check "decoy hidden from a plain ls" bash -c "! ls '$DATA' | grep -q canary"
sum_before=$(sha256sum "$DECOY" | cut -d' ' -f1)
cat "$DECOY" > /dev/null
sleep 0.3
check "reading a decoy is not evidence" bash -c "! grep -q 'Decoy' '$WORK/daemon.log'"

setsid "$SIM" --target "$DATA" --mode inplace --seed 3 --log "$WORK/sim.log" 2>"$WORK/sim.err"
rc=$?
sleep 0.5
damaged=$(sim_damaged "$WORK/sim.log")
echo "simulator exit $rc, files damaged $damaged (the decoy included)"
check "encryptor killed (exit $rc)" [ "$rc" -eq 137 ]
check "decoy touched is reported" grep -q "Decoy .*rg-canary.docx touched" "$WORK/daemon.log"
check "at most 2 files damaged ($damaged)" [ "$damaged" -le 2 ]
check "reasons name the decoy" grep -q "canary-touched" "$WORK/daemon.log"
sleep 0.5
check "decoy repaired" [ "$(sha256sum "$DECOY" 2>/dev/null | cut -d' ' -f1)" = "$sum_before" ]
stop_daemon
check "decoys removed at stop" [ ! -e "$DECOY" ]
finish
