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
refused "relative block_dir" '{"server": {"block_dir": "blocks"}}' 'server.block_dir: "blocks" is not an absolute path'
refused "bad block_by" '{"server": {"block_by": ["user", "ip"]}}' 'server.block_by: element 1: invalid value "ip"'

# The block commands: a directory that does not exist yet, one with a block, hostile ones.
printf '{"server": {"block_dir": "%s"}}\n' "$WORK/blocks" > "$WORK/b.json"
"$RGD" -c "$WORK/b.json" --blocks > "$WORK/out" 2>&1
check "--blocks with no block directory yet: exit 0, says so" bash -c "[ $? -eq 0 ] && grep -q 'No blocks' '$WORK/out'"
"$RGD" -c "$WORK/b.json" --unblock 192.0.2.7 > "$WORK/out" 2>&1
check "--unblock with nothing to lift: exit 1" [ $? -eq 1 ]
mkdir -m 700 "$WORK/blocks"
printf 'until=%s\nlabel=192.0.2.7\n' $(( $(date +%s) + 600 )) > "$WORK/blocks/addr-192.0.2.7"
printf 'junk\n' > "$WORK/blocks/addr-not-an-address"
"$RGD" -c "$WORK/b.json" --blocks > "$WORK/out" 2>&1
check "--blocks lists a block, ignores a stranger's file" bash -c "grep -q '^addr-192.0.2.7 ' '$WORK/out' && ! grep -q 'not-an-address' '$WORK/out'"
"$RGD" -c "$WORK/b.json" --unblock 192.0.2.7 > "$WORK/out" 2>&1
check "--unblock ADDRESS lifts it" bash -c "[ $? -eq 0 ] && [ ! -e '$WORK/blocks/addr-192.0.2.7' ] && [ -e '$WORK/blocks/addr-not-an-address' ]"
chmod 777 "$WORK/blocks"
"$RGD" -c "$WORK/b.json" --blocks > "$WORK/out" 2>&1
check "a block directory others may write is refused, with why" bash -c "[ $? -eq 1 ] && grep -q 'nobody else may write' '$WORK/out'"
rm -rf "$WORK/blocks"; ln -s /etc "$WORK/blocks"
"$RGD" -c "$WORK/b.json" --unblock all > "$WORK/out" 2>&1
check "a block directory that is a symlink is refused" bash -c "[ $? -eq 1 ] && grep -q 'a symlink or a file' '$WORK/out'"
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

# A block directory that is a symlink: the daemon says so, and protects all the same.
start_daemon "{\"protect\": [], \"action\": \"log\", \"server\": {\"block_dir\": \"$WORK/blocks\"}}" \
        --protect "$WORK/data" || fail "daemon starts with a symlinked block_dir"
check "a symlinked block_dir is named in a warning" grep -q "server.block_dir $WORK/blocks.*stopped but not blocked" "$WORK/daemon.log"
check "daemon runs without blocks" kill -0 "$DAEMON_PID"
stop_daemon
check "nothing was written through the symlink" [ ! -e /etc/user-0 ]
finish
