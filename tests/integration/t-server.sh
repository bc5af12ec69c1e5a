#!/usr/bin/env bash
# A server's per-connection worker is its own family (root): a forking TCP server on 127.0.0.1
# (like smbd, sshd, vsftpd: the main process listens, forks a worker per client) whose worker for
# client A runs an encryptor over the protected tree. Only that worker and its child are killed:
# the server keeps running, client B's worker (connected meanwhile) survives, and a new client is
# served afterwards. Decided from what the kernel says (a listening socket in the parent, a
# connected one in the worker), not from names.
. "$(dirname "$0")/lib.sh"
need_root "per-connection workers"
make_work
DATA=$WORK/data
mkdir -p "$DATA"
touch "$DATA/.ransomguard-sim-target"
for i in $(seq 1 40); do head -c 20000 /usr/share/common-licenses/GPL-3 > "$DATA/f$i.txt"; done
start_daemon "{\"protect\": [], \"action\": \"kill\", \"server\": {\"block_dir\": \"$WORK/blocks\"}}" --protect "$DATA" || { fail "daemon starts"; finish; exit 1; }

cat > "$WORK/server.py" <<'EOF'
import os, signal, socket, subprocess, sys
work, sim = sys.argv[1], sys.argv[2]
signal.signal(signal.SIGCHLD, signal.SIG_IGN) # workers are reaped by the kernel
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(work + "/port", "w") as f:
    f.write(str(ls.getsockname()[1]))
while True:
    c, _ = ls.accept()
    if os.fork() == 0: # the worker: serves this client only
        ls.close()
        f = c.makefile("rw")
        for line in f:
            cmd = line.split()
            if cmd and cmd[0] == "attack":
                open(work + "/worker-a", "w").write(str(os.getpid()))
                subprocess.call([sim, "--target", cmd[1], "--mode", "inplace", "--log", work + "/sim.log"],
                                stderr=subprocess.DEVNULL)
            elif cmd and cmd[0] == "hello":
                open(work + "/worker-" + cmd[1], "w").write(str(os.getpid()))
            f.write("ok\n")
            f.flush()
        os._exit(0)
    c.close()
EOF
setsid python3 "$WORK/server.py" "$WORK" "$SIM" &
server=$!
for _ in $(seq 1 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
port=$(cat "$WORK/port")

# Client B connects first and stays connected, idle.
exec 7<>"/dev/tcp/127.0.0.1/$port"
echo "hello b" >&7
read -r -t 5 reply <&7
check "client B served (${reply:-no reply})" [ "$reply" = ok ]
# Client A's worker runs the encryptor.
exec 8<>"/dev/tcp/127.0.0.1/$port"
echo "attack $DATA" >&8
read -r -t 30 reply <&8 # the worker dies with its child: no reply, or EOF
sleep 0.5
wa=$(cat "$WORK/worker-a" 2>/dev/null)
wb=$(cat "$WORK/worker-b" 2>/dev/null)
n=$(sim_damaged "$WORK/sim.log")
echo "server $server, worker A $wa, worker B $wb: $n files damaged"
check "encryptor stopped after at most 3 files ($n)" [ "$n" -le 3 ]
check "client A's worker killed" bash -c "! kill -0 $wa 2>/dev/null"
check "the server's main process still runs" kill -0 "$server"
check "client B's worker still runs" kill -0 "$wb"
check "the alert blames client A's worker as the family root" \
        grep -q "family [a-z0-9.]*\[$wa\]" "$WORK/daemon.log"
check "the alert names client A's address" grep -q "client=127.0.0.1:[0-9]" "$WORK/daemon.log"
check "client A's address is blocked (server.block_by default: user and address)" [ -f "$WORK/blocks/addr-127.0.0.1" ]
check "a worker running as root blocks no user (uid 0 would stop every root worker)" [ ! -e "$WORK/blocks/user-0" ]
echo "hello b" >&7
read -r -t 5 reply <&7
check "client B is still served (${reply:-no reply})" [ "$reply" = ok ]
exec 9<>"/dev/tcp/127.0.0.1/$port"
echo "hello c" >&9
read -r -t 5 reply <&9
check "a new client is served after the attack (${reply:-no reply})" [ "$reply" = ok ]
exec 7>&- 8>&- 9>&-
kill "$server" 2>/dev/null
pkill -f "$WORK/server.py" 2>/dev/null
wait "$server" 2>/dev/null
stop_daemon
finish
