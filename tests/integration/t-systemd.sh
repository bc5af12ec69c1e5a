#!/usr/bin/env bash
# The shipped unit, catalog and man pages in a real systemd: a Debian 12 container booted with
# systemd-nspawn. `make install` into the container, then: Type=notify start (active only after
# READY=1, STATUS= shown), an encryptor started outside the service killed with few files damaged
# (the service's private mount namespace does not blind the fanotify marks), the alert in the
# journal with MESSAGE_ID and RG_* fields and its catalog text, reload (valid and refused), the
# watchdog restarting a stopped daemon, a clean stop, and `systemd-analyze security`/`verify`.
#
# The container root is built once with mmdebstrap from the machine's apt sources and cached in
# ${RG_CACHE:-/var/tmp/ransomguard-cache}/nspawn-bookworm; each run boots a fresh copy of it.
. "$(dirname "$0")/lib.sh"
need_root "systemd end to end"

CACHE=${RG_CACHE:-/var/tmp/ransomguard-cache}
BASE=$CACHE/nspawn-bookworm
MID_DETECTION=284258cd132e4245a4a2c683b8fa127a
MID_START=d755f90161c4497eb3610e5598def855
MID_STOP=117d8db2109847848a609fdbec3170da
MID_RELOAD=94bff8de8051437babbe3d4f35928ee8
MID_RELOAD_FAILED=45e523dd61eb4b939b42210f646d2af8
DATA=/var/tmp/data # inside the container: the simulator attacks only below /tmp or /var/tmp
T0=$(date +%s)

for tool in mmdebstrap systemd-nspawn nsenter systemd-analyze; do
        if ! command -v "$tool" >/dev/null; then
                skip "systemd end to end: $tool not installed (tests/setup.sh installs mmdebstrap and systemd-container)"
                finish
                exit 0
        fi
done
if [ ! -x "$RGD" ] || [ ! -x "$SIM" ]; then
        fail "build/ransomguardd and build/ransomguard-sim exist (run make first)"
        finish
        exit 1
fi

ROOT= NSPAWN_PID= CPID= BUILD_TMP=
WORK=$(mktemp -d /var/tmp/rg-systemd.XXXXXX)
cleanup_systemd() {
        if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
                kill -TERM "$NSPAWN_PID" 2>/dev/null
                for _ in $(seq 1 50); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$NSPAWN_PID" 2>/dev/null
                wait "$NSPAWN_PID" 2>/dev/null
        fi
        # nspawn leaves its (empty) propagation directory behind when /run is not a tmpfs.
        [ -n "$ROOT" ] && rmdir "/run/systemd/nspawn/propagate/$(basename "$ROOT")" 2>/dev/null
        [ -n "$WORK" ] && rm -rf "$WORK"
        [ -n "$BUILD_TMP" ] && rm -rf "$BUILD_TMP" # an interrupted mmdebstrap
}
trap cleanup_systemd EXIT

# --- The cached root -------------------------------------------------------------------------
# Debian packages holding the libraries the two binaries link against (ldd), plus what the unit
# and this test use inside: systemd, dbus, /bin/kill and ps (procps).
runtime_packages() {
        local pkgs="systemd systemd-sysv dbus openssl libcjson1 libinotifytools0 libsystemd0 procps" lib pkg
        for lib in $(ldd "$RGD" "$SIM" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u); do
                pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null)
                pkg=${pkg%%:*}
                [ -n "$pkg" ] && pkgs="$pkgs $pkg"
        done
        tr ' ' '\n' <<< "$pkgs" | sed '/^$/d' | sort -u | paste -sd, -
}

# The machine's own apt sources for bookworm (not third-party repositories).
apt_sources() {
        local f
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
                [ -s "$f" ] && grep -Eq '^[^#]*(^|[[:space:]])bookworm([[:space:]]|$)' "$f" && echo "$f"
        done
}

build_root() {
        local pkgs=$1 tmp
        mkdir -p "$CACHE"
        tmp=$(mktemp -d "$CACHE/.nspawn-bookworm.XXXXXX")
        BUILD_TMP=$tmp
        chmod 755 "$tmp"
        local -a src
        mapfile -t src < <(apt_sources)
        echo "building the container root (mmdebstrap, ${#src[@]} apt source file(s)): $pkgs"
        # No translations, manuals or info pages: a smaller root is copied faster on every run.
        if ! mmdebstrap --variant=minbase --include="$pkgs" \
                        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/man/*' \
                        --dpkgopt='path-exclude=/usr/share/info/*' \
                        bookworm "$tmp/root" "${src[@]}" < /dev/null > "$WORK/mmdebstrap.log" 2>&1; then
                tail -20 "$WORK/mmdebstrap.log" >&2
                rm -rf "$tmp"
                return 1
        fi
        echo "$RECIPE" > "$tmp/root/.rg-recipe"
        rm -rf "$BASE"
        mv "$tmp/root" "$BASE" && rmdir "$tmp"
        BUILD_TMP=
}

PKGS=$(runtime_packages)
RECIPE="minbase-nodocs $PKGS" # a cached root built another way is rebuilt
if [ -f "$BASE/.rg-recipe" ] && [ "$(cat "$BASE/.rg-recipe")" = "$RECIPE" ]; then
        echo "container root: cached $BASE"
else
        t=$(date +%s)
        build_root "$PKGS" || { fail "build the container root with mmdebstrap"; finish; exit 1; }
        echo "container root built in $(($(date +%s) - t)) s"
fi

ROOT=$WORK/root
cp -a "$BASE" "$ROOT" || { fail "copy the container root"; finish; exit 1; }
echo "container root copied after $(($(date +%s) - T0)) s"

# --- Install ransomguard into the root -------------------------------------------------------
if ! make -C "$TOP" -s install DESTDIR="$ROOT" PREFIX=/usr SYSTEMDUNITDIR=/usr/lib/systemd/system \
                > "$WORK/install.log" 2>&1; then
        cat "$WORK/install.log" >&2
        fail "make install DESTDIR=<root>"
        finish
        exit 1
fi
pass "make install into the container root"
UNIT=$ROOT/usr/lib/systemd/system/ransomguard.service
install -m 0755 "$SIM" "$ROOT/usr/local/bin/ransomguard-sim"

# Static checks of the installed unit, on the host (same systemd version as the container).
# verify: ExecStart= must exist, so point it at the installed binary; man pages from the root.
mkdir -p "$WORK/verify"
sed "s|/usr/sbin/ransomguardd|$ROOT/usr/sbin/ransomguardd|" "$UNIT" > "$WORK/verify/ransomguard.service"
(cd "$WORK/verify" && MANPATH=$ROOT/usr/share/man systemd-analyze verify ./ransomguard.service) \
        > "$WORK/verify.out" 2> "$WORK/verify.err"
check "systemd-analyze verify: nothing on stderr" [ ! -s "$WORK/verify.err" ]
[ -s "$WORK/verify.err" ] && sed 's/^/  verify: /' "$WORK/verify.err"
cp "$UNIT" "$WORK/ransomguard.service"
systemd-analyze security --offline=true "$WORK/ransomguard.service" > "$WORK/security.out" 2>&1
exposure=$(sed -n 's/.*Overall exposure level for ransomguard.service: \([0-9.]*\).*/\1/p' "$WORK/security.out")
echo "MEASURED: systemd-analyze security exposure=${exposure:-?}"
check "security exposure ${exposure:-?} <= 3.0" awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 3.0) }'
grep -q '^-- 284258cd132e4245a4a2c683b8fa127a' "$ROOT/usr/lib/systemd/catalog/ransomguard.catalog" &&
        pass "catalog installed" || fail "catalog installed"

# The protected data: ~50 files, text and copies of /usr/share files, a marker for the simulator.
D=$ROOT$DATA
mkdir -p "$D/docs" "$D/notes" "$D/archive"
for i in $(seq 1 20); do
        for j in $(seq 1 $((40 + i * 7))); do
                echo "Line $j of note $i: the quarterly report lists every invoice with its amount and date."
        done > "$D/notes/note-$i.txt"
done
find "$ROOT/usr/share/common-licenses" -maxdepth 1 -type f | sort | head -15 | xargs -I{} cp {} "$D/docs/"
find "$ROOT/usr/share/doc" -name 'changelog.Debian.gz' | sort | head -10 | xargs -I{} sh -c 'cp "$1" "$2/archive/$(basename "$(dirname "$1")").changelog.gz"' _ {} "$D"
find "$ROOT/usr/share/doc" -name copyright | sort | head -5 | xargs -I{} sh -c 'cp "$1" "$2/docs/$(basename "$(dirname "$1")").copyright"' _ {} "$D"
touch "$D/.ransomguard-sim-target"
n_files=$(find "$D" -type f ! -name .ransomguard-sim-target | wc -l)
echo "protected data: $n_files files in $DATA"

CONF=$ROOT/etc/ransomguard/ransomguard.json
write_conf() { # threshold
        printf '{\n  "protect": ["%s"],\n  "action": "kill",\n  "detect": { "threshold": %s }\n}\n' "$DATA" "$1" > "$CONF"
}
write_conf 100
# A drop-in, as an operator would write it: the extra root writable for the start-up probe (the
# unit makes only the default roots writable), and a short watchdog to keep the test fast.
mkdir -p "$ROOT/etc/systemd/system/ransomguard.service.d"
printf '[Service]\nReadWritePaths=%s\nWatchdogSec=3s\n' "$DATA" \
        > "$ROOT/etc/systemd/system/ransomguard.service.d/test.conf"

# --- Boot ------------------------------------------------------------------------------------
# nspawn's own seccomp filter refuses fanotify_init() and fanotify_mark() with EPERM even with
# CAP_SYS_ADMIN: allow them (and open_by_handle_at) as a host would. CAP_NET_ADMIN lets PrivateNetwork=
# set up the service's loopback device without a warning.
systemd-nspawn -q -D "$ROOT" --boot --register=no --keep-unit --console=read-only \
        --system-call-filter='fanotify_init fanotify_mark open_by_handle_at' --capability=CAP_NET_ADMIN \
        < /dev/null > "$WORK/nspawn.log" 2>&1 &
NSPAWN_PID=$!
# The container's PID 1: the child of nspawn, once it has exec'd systemd.
for _ in $(seq 1 300); do
        CPID=$(pgrep -P "$NSPAWN_PID" | head -1)
        [ -n "$CPID" ] && [ "$(cat "/proc/$CPID/comm" 2>/dev/null)" = systemd ] && break
        CPID=
        kill -0 "$NSPAWN_PID" 2>/dev/null || break
        sleep 0.1
done
if [ -z "$CPID" ]; then
        tail -20 "$WORK/nspawn.log" >&2
        fail "container boots (no PID 1 found)"
        finish
        exit 1
fi
c() { timeout 60 nsenter -t "$CPID" -a "$@"; } # a command inside the container
# Until PID 1 has set up its bus, systemctl cannot connect: retry then.
state=
for _ in $(seq 1 300); do
        state=$(c systemctl is-system-running --wait 2>/dev/null)
        [ -n "${RG_DEBUG:-}" ] && echo "debug: $(($(date +%s) - T0)) s: system state '$state'"
        case $state in running|degraded|maintenance|stopping) break ;; esac
        kill -0 "$NSPAWN_PID" 2>/dev/null || break
        sleep 0.2
done
echo "container PID 1 is $CPID (host pid), system $state after $(($(date +%s) - T0)) s"
if [ "$state" != running ] && [ "$state" != degraded ]; then
        c systemctl --failed --no-pager >&2
        fail "container reaches running (state '$state')"
        finish
        exit 1
fi
pass "container booted ($state)"

show() { c systemctl show -p "$1" --value ransomguard.service; }
journal_json() { c journalctl -u ransomguard.service -o json --no-pager "$@"; }
wait_journal() { # MESSAGE_ID, text, seconds: wait until the journal holds an entry with both
        for _ in $(seq 1 $(($3 * 10))); do
                c journalctl -u ransomguard.service --no-pager -o cat "MESSAGE_ID=$1" | grep -qF -- "$2" && return 0
                sleep 0.1
        done
        return 1
}
dump_journal() { c journalctl -u ransomguard.service --no-pager -n 30 | sed 's/^/  journal: /'; }

# --- Start: active only after READY=1 --------------------------------------------------------
if c systemctl enable --now ransomguard.service > "$WORK/enable.log" 2>&1; then
        pass "systemctl enable --now ransomguard"
else
        cat "$WORK/enable.log" >&2
        dump_journal
        fail "systemctl enable --now ransomguard"
        finish
        exit 1
fi
check "active after start" [ "$(show ActiveState)" = active ]
status_text=$(show StatusText)
echo "StatusText: $status_text"
check "StatusText is the daemon's STATUS= (\"Protecting 1 path(s) via fanotify\")" \
        grep -q "Protecting 1 path(s) via fanotify" <<< "$status_text"
# The daemon logs its start message, then sends READY=1; PID 1 logs "Started …" when READY=1
# arrives. Both entries reach journald through the same socket, in that order, so the journal's
# order shows the unit turned active only after the daemon was ready. (Timestamps would not:
# journald stamps an entry when it reads it, possibly after PID 1 has already moved on.)
c journalctl -u ransomguard.service --no-pager -o cat > "$WORK/start.txt"
l_ready=$(grep -n 'started: protecting' "$WORK/start.txt" | head -1 | cut -d: -f1)
l_active=$(grep -n '^Started ransomguard.service' "$WORK/start.txt" | head -1 | cut -d: -f1)
t_exec=$(show ExecMainStartTimestampMonotonic) t_active=$(show ActiveEnterTimestampMonotonic)
echo "journal: start message line ${l_ready:-?}, \"Started\" line ${l_active:-?}; exec to active $(( (t_active - t_exec) / 1000 )) ms"
if [ -n "$l_ready" ] && [ -n "$l_active" ] && [ "$l_ready" -lt "$l_active" ]; then
        pass "unit became active only after the daemon's start message and READY=1"
else
        fail "unit became active only after the daemon's start message and READY=1"
fi
marks=$(c journalctl -u ransomguard.service --no-pager -o cat | grep -m1 'Watching with')
echo "daemon: $marks"
check "daemon uses fanotify filesystem marks (they see every mount namespace)" grep -q 'filesystem marks' <<< "$marks"
MAINPID=$(show MainPID)

# --- An encryptor outside the service is stopped ---------------------------------------------
c setsid ransomguard-sim --target "$DATA" --mode inplace --cipher aes --seed 7 --log /var/tmp/sim.log \
        > "$WORK/sim.out" 2>&1
rc=$?
sleep 0.5
damaged=$(sim_damaged "$ROOT/var/tmp/sim.log")
echo "simulator exit $rc, files damaged $damaged of $n_files"
check "encryptor killed by SIGKILL (exit $rc)" [ "$rc" -eq 137 ]
check "at most 10 files damaged ($damaged)" [ "$damaged" -le 10 ]
journal_json "MESSAGE_ID=$MID_DETECTION" > "$WORK/alert.json"
check "one detection entry in the unit's journal" [ "$(wc -l < "$WORK/alert.json")" -eq 1 ]
missing=
for f in MESSAGE PRIORITY SYSLOG_IDENTIFIER RG_PID RG_COMM RG_EXE RG_CMDLINE RG_UID RG_CGROUP RG_ROOT_PID \
         RG_ROOT_COMM RG_SCORE RG_ACTION RG_ACTION_RESULT RG_FILES RG_SAMPLE_PATHS RG_REASONS RG_MEMBERS \
         RG_MS_TO_ACTION; do
        grep -q "\"$f\":" "$WORK/alert.json" || missing="$missing $f"
done
check "alert has MESSAGE_ID and every RG_* field${missing:+ (missing:$missing)}" [ -z "$missing" ]
check "alert names the simulator (RG_EXE)" grep -q '"RG_EXE":"/usr/local/bin/ransomguard-sim"' "$WORK/alert.json"
check "alert says action kill" grep -q '"RG_ACTION":"kill"' "$WORK/alert.json"
check "alert has priority 1 (alert)" grep -q '"PRIORITY":"1"' "$WORK/alert.json"
[ "$FAILED" -gt 0 ] && dump_journal

# --- ransomguardctl, inside the container, on the socket the unit's RuntimeDirectory= holds -----
c ransomguardctl status > "$WORK/ctl-status.txt" 2>&1
check "ransomguardctl status: exit 0, names the protected tree" bash -c "[ $? -eq 0 ] && grep -qF '$DATA' '$WORK/ctl-status.txt'"
check "control socket is root's, mode 0600" [ "$(c stat -c '%a %U' /run/ransomguard/control)" = "600 root" ]
inc=$(sed -n 's/.*"RG_INCIDENT":"\([0-9a-f]*\)".*/\1/p' "$WORK/alert.json" | head -1)
c ransomguardctl incidents > "$WORK/ctl-list.txt" 2>&1
check "ransomguardctl incidents lists the alert's RG_INCIDENT (${inc:-none})" grep -q "^${inc:-none} .*kill" "$WORK/ctl-list.txt"
c ransomguardctl incident "${inc:-00000000}" > "$WORK/ctl-inc.txt" 2>&1
check "ransomguardctl incident ID: the member was killed and is gone" grep -qE "ransomguard-sim +killed +gone" "$WORK/ctl-inc.txt"
c setpriv --reuid=65534 --regid=65534 --clear-groups ransomguardctl status > /dev/null 2>&1
check "ransomguardctl as nobody: refused (exit $?)" [ "$?" -eq 5 ]

c journalctl --update-catalog
c journalctl -x -u ransomguard.service --no-pager "MESSAGE_ID=$MID_DETECTION" > "$WORK/x.txt" 2>&1
check "journalctl -x shows the catalog entry for the alert" grep -q 'Subject: .*[Rr]ansomware' "$WORK/x.txt"
check "catalog text filled in the process (@RG_EXE@)" grep -q '/usr/local/bin/ransomguard-sim' "$WORK/x.txt"
sed -n '/Subject:/,$p' "$WORK/x.txt" | head -12 | sed 's/^/  catalog: /'

# --- Reload ----------------------------------------------------------------------------------
write_conf 90
c systemctl reload ransomguard.service
check "reload applies a changed configuration" wait_journal "$MID_RELOAD" "threshold 90" 10
printf '{ "action": "explode" }\n' > "$CONF"
c systemctl reload ransomguard.service
check "reload refuses an invalid configuration" wait_journal "$MID_RELOAD_FAILED" "Refusing the new configuration" 10
sleep 0.5
check "still active after the refused reload ($(show ActiveState)/$(show SubState))" \
        [ "$(show ActiveState)/$(show SubState)" = active/running ]
check "same main process after reloads" [ "$(show MainPID)" = "$MAINPID" ]
c ransomguardctl reload > "$WORK/ctl-reload.txt" 2>&1
check "ransomguardctl reload of the invalid file: exit 5, says why" bash -c "[ $? -eq 5 ] && grep -q explode '$WORK/ctl-reload.txt'"
write_conf 100
c ransomguardctl reload > "$WORK/ctl-reload.txt" 2>&1
check "ransomguardctl reload of a valid file: exit 0 ($(cat "$WORK/ctl-reload.txt"))" grep -q "Configuration reloaded" "$WORK/ctl-reload.txt"

# --- Watchdog: a stopped daemon is restarted -------------------------------------------------
restarts=$(show NRestarts)
c systemctl kill -s SIGSTOP --kill-who=main ransomguard.service
t=$(date +%s)
new=
for _ in $(seq 1 300); do
        if [ "$(show NRestarts)" -gt "$restarts" ] && [ "$(show ActiveState)" = active ]; then
                new=$(show MainPID)
                [ "$new" != "$MAINPID" ] && [ "$new" != 0 ] && break
        fi
        sleep 0.1
done
echo "watchdog: NRestarts $restarts -> $(show NRestarts), MainPID $MAINPID -> ${new:-?}, $(($(date +%s) - t)) s"
check "watchdog restarted the stopped daemon (new MainPID, active)" [ -n "$new" ]
c journalctl -u ransomguard.service --no-pager -o cat | grep -q 'Watchdog timeout' &&
        pass "systemd logged the watchdog timeout" || fail "systemd logged the watchdog timeout"
check "restarted daemon is ready again (StatusText)" grep -q "Protecting" <<< "$(show StatusText)"

# --- Stop ------------------------------------------------------------------------------------
c systemctl stop ransomguard.service
check "inactive after stop ($(show ActiveState))" [ "$(show ActiveState)" = inactive ]
check "stop message in the journal" wait_journal "$MID_STOP" "ransomguard stopped" 5
c ps -eo pid,stat,comm > "$WORK/ps.txt"
stopped=$(awk 'NR > 1 && $2 ~ /^T/' "$WORK/ps.txt")
check "no stopped (T) process left${stopped:+: $stopped}" [ -z "$stopped" ]
check "no ransomguardd process left" bash -c "! grep -q ransomguardd '$WORK/ps.txt'"
c ransomguardctl status > /dev/null 2>&1
check "ransomguardctl with the daemon stopped: exit 3" [ "$?" -eq 3 ]
c systemctl show -p Result --value ransomguard.service | grep -q success &&
        pass "stop result success" || fail "stop result success"

# --- Power off -------------------------------------------------------------------------------
if [ -n "${RG_DEBUG:-}" ]; then
        c journalctl -b --no-pager -p warning | sed 's/^/  warnings: /'
        c journalctl -u ransomguard.service --no-pager | sed 's/^/  journal: /'
fi
c systemctl poweroff > /dev/null 2>&1
for _ in $(seq 1 300); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$NSPAWN_PID" 2>/dev/null; then
        fail "container powered off within 30 s"
else
        wait "$NSPAWN_PID" 2>/dev/null
        pass "container powered off"
        NSPAWN_PID=
fi
echo "MEASURED: t-systemd runtime $(($(date +%s) - T0)) s"
finish
