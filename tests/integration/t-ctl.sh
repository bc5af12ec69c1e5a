#!/usr/bin/env bash
# Issue 14: ransomguardctl on the daemon's control socket. A suspended simulator is found by its
# incident id, refused a resume while its program is not allowed, killed by id (also after a
# daemon restart, from the incident records), resumed with --force (judged afresh: stopped
# again) and resumed once allowed at run time; allow --persist edits only "allow"; a refused
# reload is reported; malformed, oversized, idle and non-root callers are answered and never
# stall the loop; a stale socket is replaced, a file in its place left alone; a daemon gone
# says so. Usage: t-ctl.sh
. "$(dirname "$0")/lib.sh"
need_root "ransomguardctl"
if [ "${RG_IN_JOURNAL_NS:-}" != 1 ] && [ -x /lib/systemd/systemd-journald ]; then
        exec "$(dirname "$0")/with-journald.sh" "$(readlink -f "$0")" "$@"
fi
CTL=${CTL:-$TOP/build/ransomguardctl}
make_work
chmod 0711 "$WORK" # the uid 65534 caller below reaches the socket
RUN=$WORK/run
mkdir -m 0755 "$RUN"
SOCK=$RUN/control
DATA=$WORK/data
make_corpus "$DATA" || { fail "build corpus"; finish; exit 1; }
SIMX=$(readlink -f "$SIM")
ctl() { "$CTL" -s "$SOCK" "$@"; }
CONF='{"protect": [], "action": "suspend",
  "allow": [],
  "control": {"socket": "'$SOCK'", "group": "nogroup", "incident_dir": "'$RUN/incidents'"},
  "server": {"block_dir": "'$RUN/blocks'"}, "vault": {"dir": "'$RUN/vault'"}}'
STOPPED=() # simulator pids to end at the end, whatever happened
cleanup_sims() { for p in "${STOPPED[@]}"; do kill -KILL "$p" 2>/dev/null; done; }
trap 'cleanup_sims; cleanup' EXIT

# A socket left by a daemon that died: replaced.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCK"
start_daemon "$CONF" --protect "$DATA" || { fail "daemon starts"; finish; exit 1; }
check "a stale socket is replaced" grep -q "Replaced a stale control socket" "$WORK/daemon.log"
check "socket mode 0660 root:nogroup" bash -c "[ \"\$(stat -c '%a %U %G' '$SOCK')\" = '660 root nogroup' ]"

ctl status > "$WORK/status" 2>&1
check "status: exit 0" [ $? -eq 0 ]
check "status names the protected tree and fanotify" bash -c "grep -qF '$DATA' '$WORK/status' && grep -q 'fanotify' '$WORK/status'"
ctl -o json status > "$WORK/status.json"
check "status -o json is JSON with the counters" python3 -c '
import json,sys; j=json.load(open(sys.argv[1])); assert j["ok"] and "writes_judged" in j and "slowest_answer_us" in j["fanotify"]' "$WORK/status.json"

# Malformed and oversized requests, an idle client, a request split in two: each answered,
# and a permission answer is never held up meanwhile.
python3 - "$SOCK" > "$WORK/raw.out" 2>&1 <<'PY'
import socket, sys, time, json
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(path); return s
def ask(data):
    s = conn(); s.sendall(data); r = b""
    while not r.endswith(b"\n"):
        c = s.recv(65536)
        if not c: break
        r += c
    s.close(); return json.loads(r) if r else None
idle = [conn() for _ in range(5)]          # silent clients hold no one up
half = conn(); half.sendall(b'{"cmd":')      # half a request, never finished
for req, code in [(b"garbage\n", "invalid"), (b'{"cmd":"frobnicate"}\n', "invalid"),
                  (b'{"cmd":"incident","id":"../../etc"}\n', "invalid"),
                  (b'{"cmd":"status","x":1}\n', "invalid"),
                  (b'{"cmd":"allow","exe":"/' + b"a" * 5000 + b'"}\n', "invalid"),
                  (b'{"cmd":"incident","id":"00000000"}\n', "not-found")]:
    r = ask(req)
    print("reply", req[:30], r["ok"], r.get("code"))
    assert r["ok"] is False and r["code"] == code, r
s = conn(); s.sendall(b'{"cmd":"sta'); time.sleep(0.2); s.sendall(b'tus"}\n{"cmd":"status"}\n')
buf = b""
while buf.count(b"\n") < 2:
    buf += s.recv(65536)
print("pipelined", [json.loads(l)["ok"] for l in buf.split(b"\n") if l])
print("OK")
PY
check "malformed, oversized, split and pipelined requests answered ($(tail -1 "$WORK/raw.out"))" grep -q '^OK$' "$WORK/raw.out"
check "the loop still answers opens meanwhile" timeout 5 cat "$DATA/.ransomguard-sim-target"

# Not root, not in the group: refused. In control.group (nogroup): read-only commands only.
setpriv --reuid=65534 --regid=65533 --clear-groups "$CTL" -s "$SOCK" status > "$WORK/nobody" 2>&1
check "a caller outside control.group is refused (exit 5)" [ $? -eq 5 ]
setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -s "$SOCK" status > /dev/null 2>&1
check "a member of control.group may read status" [ $? -eq 0 ]
setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -s "$SOCK" reload > "$WORK/nobody" 2>&1
rc=$?
check "... but not reload (exit $rc: $(head -1 "$WORK/nobody"))" [ $rc -eq 5 ]

# attack ID-VAR: a simulator in its own session; waits until the daemon has an incident for it.
attack() {
        local before
        before=$(ctl -o json incidents | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
        setsid "$SIM" --target "$DATA" --mode inplace --cipher aes --seed "$2" --log "$WORK/sim-$2.log" 2>/dev/null &
        STOPPED+=($!)
        eval "$1_PID=$!"
        for _ in $(seq 1 100); do
                local id
                id=$(ctl -o json incidents | python3 -c '
import json,sys; a=json.load(sys.stdin); n=int(sys.argv[1])
print(a[-1]["id"] if len(a) > n and a[-1].get("source") != "journal" else "")' "$before")
                if [ -n "$id" ]; then eval "$1=$id"; return 0; fi
                sleep 0.1
        done
        return 1
}
state() { ps -o stat= -p "$1" 2>/dev/null | cut -c1; }

attack A 7 || fail "an incident for the first simulator"
check "incident $A: the simulator is stopped" [ "$(state "$A_PID")" = T ]
ctl incidents > "$WORK/list"
check "incidents lists it with its id" grep -q "^$A .*suspend" "$WORK/list"
ctl incident "$A" > "$WORK/inc"
check "incident ID shows the member stopped now" grep -qE "^ +$A_PID +ransomguard-sim +stopped +stopped" "$WORK/inc"
if [ -S /run/systemd/journal/socket ]; then
        check "the journal entry carries RG_INCIDENT=$A" bash -c "journalctl --no-pager -o json RG_INCIDENT=$A | grep -q '\"RG_INCIDENT\":\"$A\"'"
fi
ctl resume "$A" > "$WORK/out" 2>&1
check "resume of a program not allowed: refused (exit 5)" [ $? -eq 5 ]
check "... says how to allow it" grep -qF "ransomguardctl allow $SIMX" "$WORK/out"
check "... and the simulator stays stopped" [ "$(state "$A_PID")" = T ]
ctl incident 0000abcd > /dev/null 2>&1
check "an unknown incident: exit 4" [ $? -eq 4 ]
ctl incident nothex > /dev/null 2>&1
check "a malformed id: exit 2" [ $? -eq 2 ]

# A restart: the incident is read back from control.incident_dir; killed by id then.
stop_daemon
ctl status > "$WORK/out" 2>&1
rc=$?
check "daemon gone: exit $rc ($(head -1 "$WORK/out"))" [ $rc -eq 3 ]
start_daemon "$CONF" --protect "$DATA" || { fail "daemon starts again"; finish; exit 1; }
check "the incidents of the earlier run are read back" grep -q "Read 1 incident(s) of an earlier run" "$WORK/daemon.log"
ctl kill "$A" > "$WORK/out" 2>&1
rc=$?
check "kill ID after a restart: exit $rc ($(cat "$WORK/out"))" [ $rc -eq 0 ]
wait "$A_PID" 2>/dev/null
rc=$?
check "... the simulator was killed (exit $rc)" [ "$rc" -eq 137 ]
check "... and is gone" bash -c "! kill -0 $A_PID 2>/dev/null"
ctl kill "$A" > "$WORK/out" 2>&1
check "kill again: nothing signalled, said so ($(cat "$WORK/out"))" grep -q "killed 0 process(es), 1 already gone" "$WORK/out"

# --force: resumed and judged afresh, so stopped again by a new incident.
attack B 8 || fail "an incident for the second simulator"
ctl resume --force "$B" > "$WORK/out" 2>&1
rc=$?
check "resume --force: exit $rc ($(cat "$WORK/out"))" [ $rc -eq 0 ]
for _ in $(seq 1 50); do
        C=$(ctl -o json incidents | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a[-1]["id"] if a else "")')
        [ "$C" != "$B" ] && [ "$(state "$B_PID")" = T ] && break
        sleep 0.1
done
check "a forced resume is judged afresh: stopped again as incident $C" bash -c "[ '$C' != '$B' ] && [ \"\$(ps -o stat= -p $B_PID | cut -c1)\" = T ]"

# Allowed at run time: resumed, and left alone to the end.
ctl allow "$SIMX" > "$WORK/out" 2>&1
check "allow EXE at run time: exit 0" [ $? -eq 0 ]
check "status lists it allowed" bash -c "'$CTL' -s '$SOCK' status | grep -qF 'Allowed:       $SIMX'"
ctl resume "$C" > "$WORK/out" 2>&1
rc=$?
check "resume of an allowed program: exit $rc ($(cat "$WORK/out"))" [ $rc -eq 0 ]
wait "$B_PID"
rc=$?
# 11: done, some files skipped (the ones earlier runs left encrypted are not its own format).
check "the allowed simulator ran to its end (exit $rc)" bash -c "[ $rc -eq 0 ] || [ $rc -eq 11 ]"
cmp -s "$WORK/rg.json" <(printf '%s\n' "$CONF")
check "allow without --persist leaves the file alone" [ $? -eq 0 ]
ctl disallow "$SIMX" > /dev/null 2>&1
check "disallow: exit 0" [ $? -eq 0 ]
ctl disallow "$SIMX" > /dev/null 2>&1
check "disallow of a program not allowed: exit 4" [ $? -eq 4 ]

# --persist: only "allow" changes in the file, and the daemon reloads it.
cp "$WORK/rg.json" "$WORK/rg.orig"
ctl allow --persist "$SIMX" > "$WORK/out" 2>&1
rc=$?
check "allow --persist: exit $rc ($(tail -1 "$WORK/out"))" [ $rc -eq 0 ]
diff "$WORK/rg.orig" "$WORK/rg.json" > "$WORK/diff"
check "... the file differs in the allow line only" bash -c "[ \"\$(grep -c '^[<>]' '$WORK/diff')\" = 2 ] && grep -qF '>   \"allow\": [\"$SIMX\"],' '$WORK/diff'"
check "... and was reloaded" grep -q "Configuration reloaded" "$WORK/daemon.log"
ctl disallow --persist "$SIMX" > /dev/null 2>&1
check "disallow --persist puts the file back byte for byte" cmp -s "$WORK/rg.orig" "$WORK/rg.json"

# reload: refused (and why), then applied.
printf '%s\n' '{"protect": [], "action": "suspend", "detect": {"treshold": 1}}' > "$WORK/rg.json"
ctl reload > "$WORK/out" 2>&1
rc=$?
check "a refused reload: exit $rc, naming the key ($(head -1 "$WORK/out"))" bash -c "[ $rc -eq 5 ] && grep -q treshold '$WORK/out'"
cp "$WORK/rg.orig" "$WORK/rg.json"
ctl reload > "$WORK/out" 2>&1
rc=$?
check "a valid reload: exit $rc ($(head -1 "$WORK/out"))" bash -c "[ $rc -eq 0 ] && grep -q 'Configuration reloaded' '$WORK/out'"

ctl blocks > "$WORK/out" 2>&1
check "blocks: none ($(head -1 "$WORK/out"))" grep -q "No blocks" "$WORK/out"
ctl unblock 192.0.2.7 > /dev/null 2>&1
check "unblock of nothing: exit 4" [ $? -eq 4 ]

# Anything but a socket at the path: left alone, the daemon runs without.
stop_daemon
rm -f "$SOCK"
echo keep > "$SOCK"
start_daemon "$CONF" --protect "$DATA" || fail "daemon starts with a file at the socket path"
check "a file at the socket path is left alone" bash -c "grep -q 'is not a socket, leaving it alone' '$WORK/daemon.log' && [ \"\$(cat '$SOCK')\" = keep ]"
stop_daemon
finish
