#!/usr/bin/env bash
# Issue 2 (c): malformed configurations are refused with the key path; SIGHUP keeps the
# running configuration when the new one is invalid, and applies a valid one.
. "$(dirname "$0")/lib.sh"
make_work

refused() { # description, json, expected text
        printf '%s\n' "$2" > "$WORK/bad.json"
        "$RGD" -c "$WORK/bad.json" --check-config --protect "$WORK" > "$WORK/out" 2>&1
        local rc=$?
        if [ "$rc" -eq 3 ] && grep -qF -- "$3" "$WORK/out"; then
                pass "$1 refused: $(head -1 "$WORK/out")"
        else
                fail "$1 refused (exit $rc, want 3 and \"$3\"): $(cat "$WORK/out")"
        fi
}
refused "unknown nested key" '{"detect": {"windw_ms": 5}}' 'detect.windw_ms: unknown key'
refused "wrong type" '{"detect": {"threshold": "high"}}' 'detect.threshold: expected a number, got a string "high"'
refused "out of range" '{"sample": {"blocks": 99}}' 'sample.blocks: value 99 out of range'
refused "bad enum" '{"action": "explode"}' 'action: invalid value "explode"'
refused "line number" $'{\n  "action": "kill",\n  "detect": {\n    "weights": { "bogus": 1 }\n  }\n}' 'bad.json:4: detect.weights.bogus'
refused "invalid JSON" '{"action": "kill",,}' 'invalid JSON'
refused "relative protect path" '{"protect": ["home"]}' 'protect: element 0: expected an absolute path'
refused "suspicious above threshold" '{"detect": {"threshold": 50, "suspicious": 60}}' 'detect.suspicious'
"$RGD" -c "$WORK/missing.json" --check-config > "$WORK/out" 2>&1
check "missing file: exit 3 and names the file" bash -c "[ $? -eq 3 ] && grep -q 'missing.json' '$WORK/out'"
"$RGD" -c "$TOP/conf/ransomguard.json" --check-config --protect "$WORK" > "$WORK/out" 2>&1
check "shipped conf/ransomguard.json is valid" grep -q "configuration valid" "$WORK/out"
"$RGD" --bogus > "$WORK/out" 2>&1
check "unknown option: exit 2" [ $? -eq 2 ]

if [ "$(id -u)" -ne 0 ]; then
        skip "reload tests need root"
        finish
        exit $?
fi
mkdir -p "$WORK/data"
start_daemon '{"protect": [], "action": "log"}' --protect "$WORK/data" || { fail "daemon starts"; finish; exit 1; }
printf '%s\n' '{"protect": [], "action": "suspend", "detect": {"treshold": 1}}' > "$WORK/rg.json"
kill -HUP "$DAEMON_PID"; sleep 0.5
check "invalid reload refused, key named" grep -q "Refusing the new configuration.*detect.treshold: unknown key" "$WORK/daemon.log"
check "daemon still running after refused reload" kill -0 "$DAEMON_PID"
printf '%s\n' '{"protect": [], "action": "suspend", "detect": {"threshold": 150, "suspicious": 50}}' > "$WORK/rg.json"
kill -HUP "$DAEMON_PID"; sleep 0.5
check "valid reload applied" grep -q "Configuration reloaded.*action suspend, threshold 150" "$WORK/daemon.log"
check "daemon still running after valid reload" kill -0 "$DAEMON_PID"
printf "%s\n" "{\"protect\": [\"$WORK/data\", \"$WORK\"], \"action\": \"log\"}" > "$WORK/rg.json"
kill -HUP "$DAEMON_PID"; sleep 1
check "reload with new protected paths" grep -q "protected paths changed" "$WORK/daemon.log"
check "daemon still running after re-watching" kill -0 "$DAEMON_PID"
stop_daemon
finish
