# Shared helpers for the integration tests (sourced). Each test prints PASS:/FAIL:/SKIP: lines
# and exits 0 (all passed or skipped) or 1.
set -uo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RGD=${RGD:-$TOP/build/ransomguardd}
SIM=${SIM:-$TOP/build/ransomguard-sim}
PASSED=0 FAILED=0 SKIPPED=0
DAEMON_PID=
WORK=

pass() { echo "PASS: $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
skip() { echo "SKIP: $*"; SKIPPED=$((SKIPPED + 1)); }
check() { # check "description" command...
        local d=$1; shift
        if "$@"; then pass "$d"; else fail "$d"; fi
}
finish() {
        echo "RESULT: $PASSED passed, $FAILED failed, $SKIPPED skipped"
        [ "$FAILED" -eq 0 ]
}

need_root() {
        if [ "$(id -u)" -ne 0 ]; then
                skip "$1: needs root (fanotify, signals to other processes)"
                finish
                exit 0
        fi
}

# A fresh work dir under /tmp (the simulator only attacks marked dirs under /tmp or /var/tmp).
make_work() {
        WORK=$(mktemp -d /tmp/rg-it.XXXXXX)
        trap cleanup EXIT
}

cleanup() {
        [ "$FAILED" -gt 0 ] && [ -n "$WORK" ] && [ -f "$WORK/daemon.log" ] && { echo "--- daemon log (last 15 lines)"; tail -15 "$WORK/daemon.log"; }
        stop_daemon
        [ -n "$WORK" ] && rm -rf "$WORK"
}

# A copy of the small corpus (~200 real files) in $1, marked as a simulator target.
make_corpus() {
        if [ -n "${RG_CORPUS_DIR:-}" ]; then # a prepared tree instead (debugging)
                cp -a "$RG_CORPUS_DIR" "$1" && touch "$1/.ransomguard-sim-target"
                return
        fi
        "$TOP/tests/corpus/build-corpus.sh" --seed "${RG_SEED:-42}" --size small "$1" 2>"$WORK/corpus.log" ||
                { cat "$WORK/corpus.log" >&2; return 1; }
        touch "$1/.ransomguard-sim-target"
}

# start_daemon CONFIG_JSON ARGS... : daemon in the background, log in $WORK/daemon.log, waits
# until it says it started (or fails).
start_daemon() {
        local conf=$1; shift
        printf '%s\n' "$conf" > "$WORK/rg.json"
        # The daemon's runtime files (control socket, incident records, the vault) in the
        # test's own directory, unless the test names them: nothing is left in the host's /run
        # or /var/lib.
        python3 - "$WORK/rg.json" "$WORK/rt" <<'PY'
import json, sys
path, rt = sys.argv[1:]
try:
    c = json.load(open(path))
except ValueError:
    sys.exit(0)
add = {}
if isinstance(c, dict) and "control" not in c:
    add["control"] = {"socket": rt + "/control", "incident_dir": rt + "/incidents"}
if isinstance(c, dict) and "vault" not in c:
    add["vault"] = {"dir": rt + "/vault"}
if add:  # added in front, the rest of the text kept
    text = open(path).read()
    i = text.index("{") + 1
    ins = ", ".join('"%s": %s' % (k, json.dumps(v)) for k, v in add.items())
    open(path, "w").write(text[:i] + ins + ("," if c else "") + text[i:])
PY
        "$RGD" -c "$WORK/rg.json" "$@" > "$WORK/daemon.log" 2>&1 &
        DAEMON_PID=$!
        for _ in $(seq 1 100); do
                grep -q "started: protecting" "$WORK/daemon.log" && return 0
                kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/daemon.log" >&2; DAEMON_PID=; return 1; }
                sleep 0.1
        done
        cat "$WORK/daemon.log" >&2
        return 1
}

stop_daemon() {
        if [ -n "$DAEMON_PID" ]; then
                kill -TERM "$DAEMON_PID" 2>/dev/null
                wait "$DAEMON_PID" 2>/dev/null
                DAEMON_PID=
        fi
}

# Number of files the simulator damaged (lines of its log that are not comments).
sim_damaged() { grep -vc '^#' "$1" || true; }

# Milliseconds from the first damaged file (simulator log, realtime) to the alert (the
# daemon's journal entry, realtime) — or to $2 (epoch seconds with fraction) when given.
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
first_damage_time() { grep -v '^#' "$1" | head -1 | cut -d' ' -f1; }
