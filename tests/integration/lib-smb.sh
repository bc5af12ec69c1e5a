# A private Samba server for the file-server tests and bench (sourced after lib.sh): its own
# config, state and passdb under $SMB_DIR, listening on 127.0.0.1 (and ::1) only, on a free port
# from 4450 up; two local users created for the run and removed after. See KERNEL-NOTES "Samba".
SMB_DIR= SMB_PORT= SMB_PID= SMB_USERS_MADE=()
SMB_PY=/usr/bin/python3 # Debian's python: python3-smbc is installed for it
SMB_CLIENT=$TOP/tests/sim/smb-client.py

# Are samba and the client library there? (tests/setup.sh installs them)
smb_available() {
        command -v smbd >/dev/null && command -v smbpasswd >/dev/null && command -v smbstatus >/dev/null &&
                "$SMB_PY" -c 'import smbc' 2>/dev/null
}

# smb_start SHARE_PATH: the server on a free port, serving SHARE_PATH as [share].
smb_start() {
        local share=$1
        SMB_DIR=$WORK/smb
        mkdir -p "$SMB_DIR"/{private,lock,state,cache,pid,ncalrpc,log}
        SMB_PORT=
        for p in $(seq 4450 4470); do
                if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then SMB_PORT=$p; break; fi
        done
        [ -n "$SMB_PORT" ] || { echo "smb: no free port in 4450-4470" >&2; return 1; }
        cat > "$SMB_DIR/smb.conf" <<EOF
[global]
  private dir = $SMB_DIR/private
  lock directory = $SMB_DIR/lock
  state directory = $SMB_DIR/state
  cache directory = $SMB_DIR/cache
  pid directory = $SMB_DIR/pid
  ncalrpc dir = $SMB_DIR/ncalrpc
  log file = $SMB_DIR/log/log.%m
  passdb backend = tdbsam:$SMB_DIR/private/passdb.tdb
  interfaces = lo
  bind interfaces only = yes
  smb ports = $SMB_PORT
  disable netbios = yes
  server role = standalone server
  map to guest = never
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
[share]
  path = $share
  read only = no
EOF
        setsid smbd --foreground --no-process-group -s "$SMB_DIR/smb.conf" </dev/null >"$SMB_DIR/log/stdout" 2>&1 &
        SMB_PID=$!
        for _ in $(seq 1 100); do
                ss -Hltn "sport = :$SMB_PORT" 2>/dev/null | grep -q . && return 0
                kill -0 "$SMB_PID" 2>/dev/null || break
                sleep 0.1
        done
        echo "smb: smbd did not start:" >&2
        cat "$SMB_DIR/log/stdout" >&2
        return 1
}

# smb_user NAME PASSWORD: a local user (created now when missing, removed at smb_stop) known to
# the private passdb.
smb_user() {
        if ! id "$1" >/dev/null 2>&1; then
                useradd -M -s /usr/sbin/nologin "$1" || return 1
                SMB_USERS_MADE+=("$1")
        fi
        printf '%s\n%s\n' "$2" "$2" | smbpasswd -c "$SMB_DIR/smb.conf" -a -s "$1" >/dev/null
}

smb_url() { echo "smb://127.0.0.1:$SMB_PORT/share/$1"; }

# The server's per-connection workers (children of the main smbd holding a TCP connection).
smb_workers() { pgrep -P "$SMB_PID" -x smbd; }

smb_stop() {
        if [ -n "$SMB_PID" ]; then
                kill -TERM "$SMB_PID" 2>/dev/null
                for _ in $(seq 1 50); do kill -0 "$SMB_PID" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$SMB_PID" 2>/dev/null
                wait "$SMB_PID" 2>/dev/null
                SMB_PID=
        fi
        local u
        for u in "${SMB_USERS_MADE[@]}"; do userdel "$u" 2>/dev/null; done
        SMB_USERS_MADE=()
}
