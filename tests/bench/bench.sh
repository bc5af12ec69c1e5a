#!/usr/bin/env bash
# make bench — measures, asserts nothing. For every attack mode and benign workload, on a fresh
# copy of the corpus, with the daemon running conf/ransomguard.json plus --protect of the copy:
#   attacks: stopped?, files and bytes damaged, ms from the first damaged file to the alert;
#   benign:  acted on?, wall-time ratio with/without the daemon (median of RUNS alternating runs);
#   whole run: daemon CPU seconds and peak RSS; throughput on 100k small-file writes.
# The attacks run on the full corpus (~1200 files, ~370 MiB); the benign workloads, each run
# 2 × RUNS times, on the small one (~230 files, ~40 MiB) so the whole benchmark stays near half
# an hour (xz of every file, git gc --aggressive and 7z of the full tree take minutes each).
# Then the permission answers (p50, p99.9, slowest open) while hostile loads run: a 2,000-process
# family killed, a rename storm, a flood of writes elsewhere, a create storm, a control socket
# hammered by ransomguardctl-like clients.
# Env: RG_BENCH_SIZE=full|small (attacks), RG_BENCH_BENIGN_SIZE=small|full, RG_BENCH_RUNS=5, RG_BENCH_ONLY="mode-or-workload ...",
#      RG_BENCH_OUT=build/bench.json, RG_BENCH_TP_FILES=100000.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
        echo "bench: needs root (fanotify, and acting on the simulator)" >&2
        exit 1
fi
if [ "${RG_IN_JOURNAL_NS:-}" != 1 ]; then
        exec "$TOP/tests/integration/with-journald.sh" "$(readlink -f "$0")" "$@"
fi
RGD=$TOP/build/ransomguardd SIM=$TOP/build/ransomguard-sim WRITER=$TOP/build/rg-writer OPENER=$TOP/build/rg-opener
SIZE=${RG_BENCH_SIZE:-full} BSIZE=${RG_BENCH_BENIGN_SIZE:-small} RUNS=${RG_BENCH_RUNS:-5} SEED=${RG_SEED:-42}
OUT=${RG_BENCH_OUT:-$TOP/build/bench.json}
TP_FILES=${RG_BENCH_TP_FILES:-100000}
ONLY=" ${RG_BENCH_ONLY:-} "
MID_DETECT=284258cd132e4245a4a2c683b8fa127a
BASE=$(mktemp -d /var/tmp/rg-bench.XXXXXX)
HZ=$(getconf CLK_TCK)
DPID= CPU_TICKS=0 PEAK_KB=0
cleanup() {
        stop_daemon
        declare -F smb_stop >/dev/null && smb_stop
        sync
        for _ in 1 2 3; do
                mountpoint -q "$BASE/run" || break
                umount "$BASE/run" 2>/dev/null || sleep 1
        done
        mountpoint -q "$BASE/run" && umount -l "$BASE/run"
        # a lazy unmount (smbd's last fds) can keep the mount point busy a moment longer
        for _ in 1 2 3 4 5; do
                rm -rf "$BASE" 2>/dev/null && break
                sleep 1
        done
}
trap cleanup EXIT

want() { [ "$ONLY" = "  " ] || [[ "$ONLY" == *" $1 "* ]]; }
now() { date +%s.%N; }

for s in "$SIZE" "$BSIZE"; do
        [ -d "$BASE/master-$s" ] && continue
        echo "bench: building the $s corpus (cached after the first time)..." >&2
        "$TOP/tests/corpus/build-corpus.sh" --seed "$SEED" --size "$s" "$BASE/master-$s" 2>"$BASE/corpus.log" ||
                { cat "$BASE/corpus.log" >&2; exit 1; }
        touch "$BASE/master-$s/.ransomguard-sim-target"
done
N_FILES=$(find "$BASE/master-$SIZE" -type f | wc -l)
MB=$(du -sm "$BASE/master-$SIZE" | cut -f1)
BN_FILES=$(find "$BASE/master-$BSIZE" -type f | wc -l)
BMB=$(du -sm "$BASE/master-$BSIZE" | cut -f1)
MASTER=$BASE/master-$SIZE

# Every scenario runs on a new ext4 filesystem (a loop-mounted image): after mass deletes, ext4's
# inode allocator slows new files down by several times for a while, which would swamp the
# daemon's own cost and depend on what ran before.
IMG=$BASE/fs.img
mkdir -p "$BASE/run"
newfs() {
        mountpoint -q "$BASE/run" && umount "$BASE/run"
        rm -f "$IMG"
        truncate -s "$(( (MB * 4 + 1024) ))M" "$IMG"
        mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$IMG"
        mount -o loop "$IMG" "$BASE/run"
}
fresh() {
        newfs
        cp -a "$MASTER/." "$BASE/run/"
        sync
}

# The default configuration with the daemon's runtime files (control socket, incident records,
# blocks) under $BASE: the bench leaves nothing in the host's /run/ransomguard.
sed "s|/run/ransomguard/|$BASE/rt/|; s|/var/lib/ransomguard/vault|$BASE/vault|" "$TOP/conf/ransomguard.json" > "$BASE/default.json"
python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); c["vault"]["enabled"] = False; json.dump(c, open(sys.argv[2], "w"))' \
        "$BASE/default.json" "$BASE/novault.json"
start_daemon() { # [protected dir, default $BASE/run]; RG_BENCH_CONF: another config
        rm -rf "$BASE/vault" "$BASE/rt/incidents" # each row restores its own attack only
        "$RGD" -c "${RG_BENCH_CONF:-$BASE/default.json}" --protect "${1:-$BASE/run}" ${RG_DAEMON_ARGS:-} > "$BASE/daemon.log" 2>&1 &
        DPID=$!
        for _ in $(seq 1 200); do
                grep -q "started: protecting" "$BASE/daemon.log" && return 0
                kill -0 "$DPID" 2>/dev/null || break
                sleep 0.05
        done
        echo "bench: daemon did not start:" >&2
        cat "$BASE/daemon.log" >&2
        exit 1
}

stop_daemon() {
        [ -n "$DPID" ] || return 0
        if [ -r "/proc/$DPID/stat" ]; then
                local t
                t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$DPID/stat")
                CPU_TICKS=$((CPU_TICKS + t))
                local hwm
                hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$DPID/status")
                [ "${hwm:-0}" -gt "$PEAK_KB" ] && PEAK_KB=$hwm
        fi
        kill -TERM "$DPID" 2>/dev/null
        wait "$DPID" 2>/dev/null
        DPID=
}

detections() { grep -c "Ransomware behaviour" "$BASE/daemon.log" 2>/dev/null || true; }

JSON_ATTACKS=() JSON_BENIGN=() BENIGN_RATIOS=()
printf '\n%-22s %-8s %8s %12s %10s %13s %11s %8s\n' "attack" "stopped" "files" "bytes" "ms" "unrecoverable" "vault MiB" "copy ms" > "$BASE/table"
CTL=$TOP/build/ransomguardctl
manifest() { (cd "$1" && find . -type f ! -name '.ransomguard*' ! -name '*.rg-attack' -print0 | sort -z | xargs -0 sha256sum); }
# The vault now: "MiB used, slowest copy in ms" (a copy is made while its opener waits).
vault_stat() { "$CTL" -s "$BASE/rt/control" -o json status 2>/dev/null |
        python3 -c 'import json,sys; v=json.load(sys.stdin).get("vault"); print("%.1f %.1f" % (v["bytes"] / 1048576, v["slowest_copy_us"] / 1000) if v else "- -")' 2>/dev/null || echo - -; }

attack() { # name, simulator args...
        local name=$1; shift
        want "$name" || return 0
        if [ -n "${RG_COPY_LIVE:-}" ]; then # the tree copied in while the daemon runs: all new files
                newfs
                start_daemon
                cp -a "$MASTER/." "$BASE/run/"
                sync
        else
                fresh
                start_daemon
        fi
        local since
        since=$(date '+%Y-%m-%d %H:%M:%S')
        timeout -s KILL 180 setsid "$SIM" --target "$BASE/run" --seed "$SEED" --log "$BASE/sim.log" "$@" \
                > /dev/null 2> "$BASE/sim.err"
        local rc=$?
        sleep 1
        # Orphaned workers of a multi-process attack: the simulator's own process group only.
        pkill -KILL -f "ransomguard-sim --target $BASE/run" 2>/dev/null
        local files bytes stopped=no ms=-1
        files=$(grep -vc '^#' "$BASE/sim.log" || true)
        bytes=$(awk '!/^#/ { s += $4 } END { printf "%d", s }' "$BASE/sim.log")
        local alert
        alert=$(journalctl --no-pager -o json --since "$since" MESSAGE_ID=$MID_DETECT 2>/dev/null | tail -1)
        if [ -n "$alert" ] && echo "$alert" | grep -q '"RG_ACTION_RESULT":"killed'; then
                stopped=yes
                local t_alert t_first
                t_alert=$(echo "$alert" | sed -n 's/.*"__REALTIME_TIMESTAMP":"\([0-9]*\)".*/\1/p')
                t_first=$(grep -v '^#' "$BASE/sim.log" | head -1 | cut -d' ' -f1)
                [ -n "$t_first" ] && ms=$(awk -v a="$t_first" -v b="$t_alert" 'BEGIN { printf "%d", (b / 1e6 - a) * 1000 }')
        fi
        # The vault: everything the convicted family touched put back, then compared with the
        # master copy's manifest.
        local vmib vcopy lost
        read -r vmib vcopy < <(vault_stat)
        "$CTL" -s "$BASE/rt/control" restore --all --under "$BASE/run" > "$BASE/restore.out" 2>&1
        [ -s "$BASE/master-$SIZE.sha" ] || manifest "$MASTER" > "$BASE/master-$SIZE.sha"
        lost=$(diff "$BASE/master-$SIZE.sha" <(manifest "$BASE/run") | grep -c '^<')
        stop_daemon
        rm -f "$BASE/sim.log"
        printf '%-22s %-8s %8s %12s %10s %13s %11s %8s\n' "$name" "$stopped" "$files" "$bytes" "$ms" "$lost" "$vmib" "$vcopy" >> "$BASE/table"
        JSON_ATTACKS+=("{\"mode\":\"$name\",\"stopped\":$([ $stopped = yes ] && echo true || echo false),\"files_damaged\":$files,\"bytes_damaged\":$bytes,\"ms_first_damage_to_action\":$ms,\"sim_exit\":$rc,\"unrecoverable_after_restore\":$lost,\"vault_mib\":\"$vmib\",\"slowest_copy_ms\":\"$vcopy\"}")
        echo "bench: attack $name: stopped=$stopped files=$files ms=$ms unrecoverable=$lost vault=${vmib}MiB" >&2
}

attack inplace --mode inplace
attack newfile_unlink --mode newfile_unlink
attack intermittent_coarse --mode intermittent --pattern coarse
attack intermittent_fine --mode intermittent --pattern fine
attack header_only --mode header_only
attack multiproc --mode multiproc --workers 4
attack multiproc_8 --mode multiproc --workers 8
attack multithread_8 --mode multithread --workers 8
attack inplace_400 --mode inplace --rate 400
# Qlocker: per file `7z a -p -sdel` (an encrypted archive, the original deleted by 7z).
attack archive --mode archive
attack exec_per_file --mode exec_per_file
attack slow --mode slow --interval 2 --max-files 30
attack lowentropy --mode lowentropy
attack mmap --mode mmap
attack xor --mode xor
# An attacker who read the source (issue 12, tests/sim/sim-evade.c): no rename, no note.
attack rename_over --mode rename_over
attack exchange --mode exchange
attack truncate --mode truncate
attack rewrite --mode rewrite
attack fake_magic --mode fake_magic
attack keep_header --mode keep_header
attack gaps --mode gaps
attack words --mode words
attack hold_open --mode hold_open
attack bindmount --mode bindmount
attack spread --mode spread --per-family 2
# Files the daemon holds the state of (issue 13): every file read first (reads are never
# ignore-marked), or the whole tree copied in while the daemon runs (new files are, for 10 s:
# their opens are not asked about until the first unasked write drops every such mark).
attack preread_inplace --mode inplace --preread
attack preread_multiproc_8 --mode multiproc --workers 8 --preread
attack preread_hold_open --mode hold_open --preread
RG_COPY_LIVE=1 attack just_copied_inplace --mode inplace
RG_COPY_LIVE=1 attack just_copied_multiproc_8 --mode multiproc --workers 8
RG_COPY_LIVE=1 attack just_copied_hold_open --mode hold_open
RG_COPY_LIVE=1 attack just_copied_rewrite --mode rewrite
# The inotify fallback (no before state, no brake, pid found afterwards in /proc), at 400 files/s.
RG_DAEMON_ARGS="--source inotify" attack inotify_inplace_400 --mode inplace --rate 400

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

MASTER=$BASE/master-$BSIZE
printf '\n%-22s %-9s %10s %10s %8s %10s %8s\n' "benign workload" "acted-on" "with (s)" "without" "ratio" "vault MiB" "copy ms" >> "$BASE/table"
run_workload() { # script → elapsed seconds on stdout, "FAIL" on failure
        local t0 t1
        t0=$(now)
        if (cd "$BASE/run" && setsid "$1" "$BASE/run" > "$BASE/wl.out" 2>&1); then
                t1=$(now)
                awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
        else
                echo "bench: ${1##*/} failed ($([ -n "$DPID" ] && echo with || echo without) the daemon): $(tail -n 3 "$BASE/wl.out" | tr '\n' ' ')" >&2
                echo FAIL
        fi
}
while read -r wl; do
        [ -n "$wl" ] && [ "${wl#\#}" = "$wl" ] || continue
        want "$wl" || continue
        script=$TOP/tests/workloads/$wl.sh
        with=() without=() acted=0 failed=0 vm=- vcopy=-
        for i in $(seq 1 "$RUNS"); do
                for order in a b; do
                        if { [ $order = a ] && [ $((i % 2)) = 1 ]; } || { [ $order = b ] && [ $((i % 2)) = 0 ]; }; then
                                fresh; start_daemon
                                d0=$(detections)
                                t=$(run_workload "$script")
                                sleep 0.3
                                [ "$(detections)" -gt "$d0" ] && acted=$((acted + 1))
                                read -r vm vc < <(vault_stat)
                                vcopy=$(awk -v a="$vc" -v b="$vcopy" 'BEGIN { print (b == "-" || a + 0 > b + 0) ? a : b }')
                                stop_daemon
                                [ "$t" = FAIL ] && failed=$((failed + 1)) || with+=("$t")
                        else
                                fresh
                                t=$(run_workload "$script")
                                [ "$t" = FAIL ] && failed=$((failed + 1)) || without+=("$t")
                        fi
                done
        done
        mw=$(printf '%s\n' "${with[@]:-0}" | median)
        mo=$(printf '%s\n' "${without[@]:-0}" | median)
        ratio=$(awk -v a="$mw" -v b="$mo" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }')
        label=$([ $acted -gt 0 ] && echo "YES($acted)" || echo no)
        [ $failed -gt 0 ] && label="$label,fail$failed"
        printf '%-22s %-9s %10s %10s %8s %10s %8s\n' "$wl" "$label" "$mw" "$mo" "$ratio" "$vm" "$vcopy" >> "$BASE/table"
        JSON_BENIGN+=("{\"workload\":\"$wl\",\"acted_on\":$([ $acted -gt 0 ] && echo true || echo false),\"acted_runs\":$acted,\"failed_runs\":$failed,\"median_s_with\":$mw,\"median_s_without\":$mo,\"ratio\":$ratio,\"vault_mib_after\":\"$vm\",\"slowest_copy_ms\":\"$vcopy\"}")
        echo "bench: benign $wl: acted=$acted ratio=$ratio" >&2
        [ "$ratio" != nan ] && BENIGN_RATIOS+=("$ratio $wl")
done < "$TOP/tests/workloads/list"
# The overhead over every benign workload run (the daemon as configured: the vault on).
if [ ${#BENIGN_RATIOS[@]} -gt 0 ]; then
        bmed=$(printf '%s\n' "${BENIGN_RATIOS[@]}" | cut -d' ' -f1 | median)
        read -r bworst bworst_wl < <(printf '%s\n' "${BENIGN_RATIOS[@]}" | sort -g -r | head -1)
        printf 'benign overhead: median %s, worst %s (%s), over %d workloads\n' "$bmed" "$bworst" "$bworst_wl" \
                ${#BENIGN_RATIOS[@]} >> "$BASE/table"
fi

# Throughput: TP_FILES × (create + 4 KiB write + close), with and without the daemon.
tp_json=null
if want throughput; then
        newfs; mkdir "$BASE/run/w"
        base_s=$("$WRITER" "$BASE/run/w" "$TP_FILES" 4096)
        newfs; mkdir "$BASE/run/w"
        start_daemon
        with_s=$("$WRITER" "$BASE/run/w" "$TP_FILES" 4096)
        sleep 2
        overflows=$(grep -c "Event queue overflowed" "$BASE/daemon.log" || true)
        stop_daemon
        judged=$(grep -o "[0-9]* writes judged" "$BASE/daemon.log" | tail -1 | cut -d' ' -f1)
        eps=$(awk -v n="$TP_FILES" -v s="$with_s" 'BEGIN { printf "%d", n / s }')
        printf '\nthroughput: %d files × 4 KiB: %.2f s without daemon, %.2f s with (%d files/s), %s judged, %s overflow message(s)\n' \
                "$TP_FILES" "$base_s" "$with_s" "$eps" "${judged:-?}" "$overflows" >> "$BASE/table"
        tp_json="{\"files\":$TP_FILES,\"s_without\":$base_s,\"s_with\":$with_s,\"files_per_s_with\":$eps,\"writes_judged\":${judged:-0},\"overflow_messages\":$overflows}"
fi

# Storms (issue 13), each as with/without in alternating rounds on a new ext4, medians of
# STORM_ROUNDS: STORM_FILES × 4 KiB created; read back right after (the same daemon); read
# after the daemon was restarted (it knows none of them: every open is sampled first); the full
# corpus copied in with cp -a and unpacked with tar x. "fs" rows protect the filesystem's root
# (one filesystem mark), "subtree" rows a directory on it (per-directory marks). The daemon's
# CPU seconds over the "with" rounds of each row.
STORM_FILES=${RG_BENCH_STORM_FILES:-20000} STORM_ROUNDS=${RG_BENCH_STORM_ROUNDS:-3}
JSON_STORMS=()
daemon_ticks() { [ -n "$DPID" ] && awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$DPID/stat" 2>/dev/null || echo 0; }
timed() { local t0 t1; t0=$(now); "$@" > /dev/null 2>&1 || { echo FAIL; return; }; t1=$(now); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'; }
storm_once() { # with|without, row, protected dir → seconds in STORM_T; adds the daemon's ticks to STORM_TICKS
        local with=$1 row=$2 prot=$3 t
        newfs
        mkdir -p "$BASE/run/w"
        [ "$with" = with ] && RG_BENCH_CONF=$([ "${row%_novault}" != "$row" ] && echo "$BASE/novault.json") \
                start_daemon "$prot" && STORM_T0=$(daemon_ticks)
        case $row in
        create*) t=$("$WRITER" "$BASE/run/w" "$STORM_FILES" 4096) ;;
        read_back*) "$WRITER" "$BASE/run/w" "$STORM_FILES" 4096 > /dev/null
                t=$("$WRITER" "$BASE/run/w" "$STORM_FILES" 4096 read) ;;
        read_old*) "$WRITER" "$BASE/run/w" "$STORM_FILES" 4096 > /dev/null
                if [ "$with" = with ]; then
                        STORM_TICKS=$((STORM_TICKS + $(daemon_ticks) - STORM_T0)); stop_daemon; start_daemon "$prot"; STORM_T0=$(daemon_ticks)
                fi
                t=$("$WRITER" "$BASE/run/w" "$STORM_FILES" 4096 read) ;;
        cp_a*) t=$(timed cp -a "$BASE/master-$SIZE" "$BASE/run/w/copy") ;;
        tar_x*) t=$(timed tar -xf "$BASE/corpus.tar" -C "$BASE/run/w") ;;
        esac
        if [ "$with" = with ]; then
                sleep 0.5
                STORM_TICKS=$((STORM_TICKS + $(daemon_ticks) - STORM_T0))
                grep -q "Ransomware behaviour" "$BASE/daemon.log" && STORM_ACTED=$((STORM_ACTED + 1))
                grep -q "Event queue overflowed" "$BASE/daemon.log" && STORM_OVERFLOWS=$((STORM_OVERFLOWS + 1))
                stop_daemon
        fi
        STORM_T=$t
}
storm() { # row, protected dir
        local row=$1 prot=$2 with=() without=() i
        want "$row" || want storms || return 0
        STORM_TICKS=0 STORM_ACTED=0 STORM_OVERFLOWS=0
        for i in $(seq 1 "$STORM_ROUNDS"); do
                for w in $([ $((i % 2)) = 1 ] && echo "with without" || echo "without with"); do
                        storm_once "$w" "$row" "$prot"
                        if [ "$w" = with ]; then with+=("$STORM_T"); else without+=("$STORM_T"); fi
                done
        done
        local mw mo ratio cpu
        mw=$(printf '%s\n' "${with[@]}" | grep -v FAIL | median)
        mo=$(printf '%s\n' "${without[@]}" | grep -v FAIL | median)
        ratio=$(awk -v a="$mw" -v b="$mo" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }')
        cpu=$(awk -v t="$STORM_TICKS" -v hz="$HZ" -v n="$STORM_ROUNDS" 'BEGIN { printf "%.2f", t / hz / n }')
        printf '%-22s %10s %10s %8s %9s %6s %9s\n' "$row" "$mw" "$mo" "$ratio" "$cpu" "$STORM_ACTED" "$STORM_OVERFLOWS" >> "$BASE/storms"
        JSON_STORMS+=("{\"row\":\"$row\",\"median_s_with\":$mw,\"median_s_without\":$mo,\"ratio\":$ratio,\"daemon_cpu_s_per_round\":$cpu,\"acted_rounds\":$STORM_ACTED,\"overflow_rounds\":$STORM_OVERFLOWS}")
        echo "bench: storm $row: $mw s with, $mo s without, ratio $ratio, daemon $cpu CPU s" >&2
}
printf '\n%-22s %10s %10s %8s %9s %6s %9s\n' "storm ($STORM_FILES files)" "with (s)" "without" "ratio" "cpu s" "acted" "overflows" > "$BASE/storms"
if want storms || want tar_x_fs || want tar_x_subtree; then
        tar -cf "$BASE/corpus.tar" -C "$BASE/master-$SIZE" .
fi
storm create_fs "$BASE/run"
storm read_back_fs "$BASE/run"
storm read_back_fs_novault "$BASE/run" # vault off: just-made files are ignore-marked (issue 13)
storm read_old_fs "$BASE/run"
storm create_subtree "$BASE/run/w"
storm read_back_subtree "$BASE/run/w"
storm cp_a_fs "$BASE/run"
storm tar_x_fs "$BASE/run"
storm cp_a_subtree "$BASE/run/w"
[ "$(wc -l < "$BASE/storms")" -gt 2 ] && cat "$BASE/storms" >> "$BASE/table"

# A million directories (RG_BENCH_DIRS) on their own filesystem, cold cache: time from the start
# to "started", and the kernel's slab memory it added (/proc/slabinfo: ext4 inodes and dentries
# pinned by marks; /proc/meminfo Slab: all), with the filesystem's root protected (one mark) and
# with a directory holding the whole tree protected (a mark per directory).
DIRS=${RG_BENCH_DIRS:-1000000}
dirs_json=null
slab_kib() { awk '$1 == "ext4_inode_cache" || $1 == "dentry" { s += $3 * $4 } END { printf "%d", s / 1024 }' /proc/slabinfo; }
meminfo_slab() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }
dirs_start() { # protected dir → "seconds slab_kib_added meminfo_slab_kib_added"
        sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1
        local s0 m0 t0 t1
        s0=$(slab_kib) m0=$(meminfo_slab) t0=$(now)
        "$RGD" -c "$BASE/default.json" --protect "$1" > "$BASE/daemon.log" 2>&1 &
        DPID=$!
        until grep -q "started: protecting" "$BASE/daemon.log"; do
                kill -0 "$DPID" 2>/dev/null || break
                sleep 0.01
        done
        t1=$(now)
        echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') $(( $(slab_kib) - s0 )) $(( $(meminfo_slab) - m0 ))"
        stop_daemon
}
if want million_dirs; then
        mountpoint -q "$BASE/run" && umount "$BASE/run"
        rm -f "$IMG"
        truncate -s $(( DIRS * 3 / 1024 + 512 ))M "$IMG"
        mkfs.ext4 -q -F -b 1024 -N $(( DIRS + DIRS / 10 + 1000 )) -E lazy_itable_init=0,lazy_journal_init=0 "$IMG"
        mount -o loop "$IMG" "$BASE/run"
        mkdir -p "$BASE/run/tree"
        for i in $(seq 0 $(( (DIRS - 1) / 1000 ))); do
                mkdir "$BASE/run/tree/d$i" && (cd "$BASE/run/tree/d$i" && mkdir $(seq -f 'e%g' 0 999))
        done
        ndirs=$(find "$BASE/run/tree" -type d | wc -l)
        set -- $(dirs_start "$BASE/run")
        fs_s=$1 fs_slab=$2 fs_all=$3
        set -- $(dirs_start "$BASE/run/tree")
        dir_s=$1 dir_slab=$2 dir_all=$3
        printf '\n%d directories, cold cache: filesystem mark ready in %s s (+%d KiB inodes/dentries, +%d KiB slab); per-directory marks ready in %s s (+%d KiB, +%d KiB)\n' \
                "$ndirs" "$fs_s" "$fs_slab" "$fs_all" "$dir_s" "$dir_slab" "$dir_all" >> "$BASE/table"
        dirs_json="{\"dirs\":$ndirs,\"filesystem_mark\":{\"s_to_ready\":$fs_s,\"slab_kib\":$fs_slab,\"all_slab_kib\":$fs_all},\"directory_marks\":{\"s_to_ready\":$dir_s,\"slab_kib\":$dir_slab,\"all_slab_kib\":$dir_all}}"
        echo "bench: million_dirs: fs $fs_s s +$fs_slab KiB; per-dir $dir_s s +$dir_slab KiB" >&2
fi

# Permission answers under hostile load: while each load runs, rg-opener opens a protected file
# every millisecond and records how long open() took (our answer plus the kernel's cost). The
# protected tree is $BASE/run/p; "elsewhere" is $BASE/run/other, on the same filesystem.
JSON_ANSWERS=()
answers() { # name, load command (run in the background while the opener runs 5 s)
        local name=$1; shift
        want "$name" || return 0
        newfs
        mkdir -p "$BASE/run/p/tree/a" "$BASE/run/other"
        touch "$BASE/run/p/.ransomguard-sim-target"
        for i in $(seq 1 40); do head -c 20000 /usr/share/common-licenses/GPL-3 > "$BASE/run/p/f$i.txt"; done
        echo probe > "$BASE/run/p/probe.txt"
        [ "$name" = answers_no_daemon ] || start_daemon "$BASE/run/p"
        local res
        ( "$@" ) > /dev/null 2>&1 &
        local load=$!
        res=$("$OPENER" "$BASE/run/p/probe.txt" 5 1000)
        kill -KILL "$load" 2>/dev/null
        wait "$load" 2>/dev/null
        pkill -KILL -f "^rg-bench-member" 2>/dev/null
        pkill -KILL -f "ransomguard-sim --target $BASE/run" 2>/dev/null
        stop_daemon
        set -- $res
        printf '%-26s %8s %9s %10s %11s %7s\n' "${name#answers_}" "$2" "$4" "$6" "$8" "${10}" >> "$BASE/answers"
        JSON_ANSWERS+=("{\"load\":\"${name#answers_}\",\"opens\":$2,\"p50_us\":$4,\"p999_us\":$6,\"max_us\":$8,\"failed\":${10}}")
        echo "bench: answers ${name#answers_}: $res" >&2
}
idle() { sleep 6; }
family_kill() { # 2,000 members, then the encryptor: killed whole while the opener waits
        setsid bash -c "for i in \$(seq 1 2000); do (exec -a rg-bench-member sleep 600) & done
                \"$SIM\" --target \"$BASE/run/p\" --mode inplace 2>/dev/null; wait"
}
rename_storm() {
        "$WRITER" "$BASE/run/p/tree/a" 20000 16 > /dev/null
        for _ in $(seq 1 3000); do mv "$BASE/run/p/tree/a" "$BASE/run/p/tree/b"; mv "$BASE/run/p/tree/b" "$BASE/run/p/tree/a"; done
}
flood_elsewhere() {
        for w in 1 2 3 4; do
                ( for i in $(seq 1 20); do mkdir -p "$BASE/run/other/$w/$i"; "$WRITER" "$BASE/run/other/$w/$i" 2000 1; done ) &
        done
        wait
}
# ransomguardctl's socket hammered: three clients pipelining status and incidents requests as
# fast as the daemon answers, one that sends requests and never reads a reply, and a dozen
# half-sent requests held open (issue 14: no client may hold up the loop or an answer).
control_flood() {
        exec python3 - "$BASE/rt/control" <<'PY' # exec: the row kills the load by its pid
import socket, sys, threading, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    return s
def hammer():
    while True:
        try:
            s = conn()
            f = s.makefile("rb")
            for _ in range(500):
                s.sendall(b'{"cmd":"status"}\n{"cmd":"incidents"}\n')
                f.readline(); f.readline()
            s.close()
        except OSError:
            time.sleep(0.01)
def deaf():
    while True:
        try:
            s = conn()
            s.sendall(b'{"cmd":"status"}\n' * 200)
            time.sleep(12)
            s.close()
        except OSError:
            time.sleep(0.01)
for t in [hammer] * 3 + [deaf]:
    threading.Thread(target=t, daemon=True).start()
held = []
while True:
    try:
        s = conn(); s.sendall(b'{"cmd":'); held.append(s)
    except OSError:
        pass
    if len(held) > 10:
        held.pop(0).close()
    time.sleep(0.05)
PY
}
create_storm_protected() {
        for w in 1 2; do ( mkdir -p "$BASE/run/p/c$w"; "$WRITER" "$BASE/run/p/c$w" 50000 4096 ) & done
        wait
}
# File servers: a private smbd on 127.0.0.1 serving $BASE/run/share, two users, real SMB clients
# (tests/sim/smb-client.py). Attacks by one user at full speed, retrying 20 s after each denial,
# while the other saves her document every 100 ms: files damaged, ms to action, her errors. Then
# benign SMB work (a folder of photos copied in, office documents saved the Word way), with and
# without the daemon: wall-time ratio. The default config, but blocks by user only (both clients
# come from 127.0.0.1) and kept in the bench's own directory.
JSON_SMB=()
SMB_ROWS="smb_inplace smb_newfile smb_copy smb_office"
smb_wanted=false
for r in $SMB_ROWS; do want "$r" && smb_wanted=true; done
if $smb_wanted; then
        WORK=$BASE/smbwork
        mkdir -p "$WORK"
        chmod 755 "$BASE" "$WORK"
        . "$TOP/tests/integration/lib-smb.sh"
        if ! smb_available; then
                echo "bench: samba or python3-smbc missing (tests/setup.sh installs them): no smb rows" >&2
                smb_wanted=false
        fi
fi
if $smb_wanted; then
        /usr/bin/python3 - "$BASE/default.json" "$BASE/smb.json" "$BASE/blocks" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["server"]["block_by"] = ["user"]
c["server"]["block_dir"] = sys.argv[3]
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
        newfs
        mkdir -p "$BASE/run/share"
        smb_start "$BASE/run/share" && smb_user rgtsmba pw-alice-1 && smb_user rgtsmbb pw-bob-2 || smb_wanted=false
fi
smb_share() { # a new filesystem with alice's files and bob's folder, as the server serves them
        newfs
        mkdir -p "$BASE/run/share/alice" "$BASE/run/share/bob"
        chmod 755 "$BASE/run" "$BASE/run/share"
        [ -n "${1:-}" ] && cp -a "$1/." "$BASE/run/share/alice/"
        chown -R rgtsmba: "$BASE/run/share/alice"
        chown -R rgtsmbb: "$BASE/run/share/bob"
        sync
}
smbc() { "$SMB_PY" "$SMB_CLIENT" "$@"; }
smb_attack() { # name, mode
        want "$1" || return 0
        smb_share "$BASE/master-$SIZE"
        rm -rf "$BASE/blocks"
        RG_BENCH_CONF=$BASE/smb.json start_daemon "$BASE/run/share"
        smbc save --url "$(smb_url bob/minutes.txt)" --user rgtsmbb --password pw-bob-2 --seconds 30 > "$BASE/bob.out" 2>&1 &
        local bob=$!
        sleep 2
        smbc attack --mode "$2" --url "$(smb_url alice)" --user rgtsmba --password pw-alice-1 --retry 20 \
                --log "$BASE/smb.log" > /dev/null 2>&1
        wait "$bob"
        local files ms errors saves stopped=no alive
        files=$(grep -vc '^#' "$BASE/smb.log" || true)
        ms=$(grep -m1 -o "ms_to_action=[0-9-]*" "$BASE/daemon.log" | cut -d= -f2)
        grep -q "session ended: SIGTERM" "$BASE/daemon.log" && stopped=yes
        saves=$(sed -n 's/^saves \([0-9]*\) errors.*/\1/p' "$BASE/bob.out")
        errors=$(sed -n 's/^saves [0-9]* errors \([0-9]*\)$/\1/p' "$BASE/bob.out")
        alive=$(kill -0 "$SMB_PID" 2>/dev/null && echo true || echo false)
        stop_daemon
        rm -f "$BASE/smb.log"
        printf '%-22s %-8s %8s %10s %14s %12s\n' "$1" "$stopped" "$files" "${ms:--1}" "${saves:-0}/${errors:-?}" "$alive" >> "$BASE/smbtable"
        JSON_SMB+=("{\"row\":\"$1\",\"stopped\":$([ $stopped = yes ] && echo true || echo false),\"files_damaged\":$files,\"ms_first_damage_to_action\":${ms:--1},\"other_client_saves\":${saves:-0},\"other_client_errors\":${errors:--1},\"smbd_alive\":$alive}")
        echo "bench: $1: stopped=$stopped files=$files ms=${ms:-?} other client ${saves:-0} saves ${errors:-?} errors" >&2
}
smb_benign() { # name, client command (copy|office), source dir
        want "$1" || return 0
        local with=() without=() acted=0 errs=0 i t t0 order
        for i in $(seq 1 "$RUNS"); do
                for order in a b; do
                        smb_share
                        local on=false
                        { [ $order = a ] && [ $((i % 2)) = 1 ]; } || { [ $order = b ] && [ $((i % 2)) = 0 ]; } && on=true
                        $on && RG_BENCH_CONF=$BASE/smb.json start_daemon "$BASE/run/share"
                        local d0
                        d0=$(detections)
                        t0=$(now)
                        smbc "$2" --url "$(smb_url bob/in)" --user rgtsmbb --password pw-bob-2 --src "$3" > "$BASE/wl.out" 2>&1
                        t=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')
                        grep -q "errors 0$" "$BASE/wl.out" || errs=$((errs + 1))
                        if $on; then
                                sleep 0.3
                                [ "$(detections)" -gt "$d0" ] && acted=$((acted + 1))
                                read -r vm vc < <(vault_stat)
                                vcopy=$(awk -v a="$vc" -v b="$vcopy" 'BEGIN { print (b == "-" || a + 0 > b + 0) ? a : b }')
                                stop_daemon
                                with+=("$t")
                        else
                                without+=("$t")
                        fi
                done
        done
        local mw mo ratio
        mw=$(printf '%s\n' "${with[@]}" | median)
        mo=$(printf '%s\n' "${without[@]}" | median)
        ratio=$(awk -v a="$mw" -v b="$mo" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }')
        printf '%-22s %-9s %10s %10s %8s %7s\n' "$1" "$([ $acted -gt 0 ] && echo "YES($acted)" || echo no)" "$mw" "$mo" "$ratio" "$errs" >> "$BASE/smbbenign"
        JSON_SMB+=("{\"row\":\"$1\",\"acted_on\":$([ $acted -gt 0 ] && echo true || echo false),\"median_s_with\":$mw,\"median_s_without\":$mo,\"ratio\":$ratio,\"runs_with_errors\":$errs}")
        echo "bench: $1: acted=$acted ratio=$ratio" >&2
}
if $smb_wanted; then
        printf '\n%-22s %-8s %8s %10s %14s %12s\n' "smb attack" "stopped" "files" "ms" "other saves/err" "smbd alive" > "$BASE/smbtable"
        printf '\n%-22s %-9s %10s %10s %8s %7s\n' "smb benign" "acted-on" "with (s)" "without" "ratio" "errors" > "$BASE/smbbenign"
        smb_attack smb_inplace inplace
        smb_attack smb_newfile newfile
        mkdir -p "$BASE/photos" "$BASE/docs"
        find "$BASE/master-$SIZE" -type f \( -name '*.jpg' -o -name '*.png' -o -name '*.gif' \) -exec cp {} "$BASE/photos/" \;
        find "$BASE/master-$SIZE" -type f \( -name '*.docx' -o -name '*.xlsx' -o -name '*.odt' -o -name '*.pdf' \) -exec cp {} "$BASE/docs/" \;
        smb_benign smb_copy copy "$BASE/photos"
        smb_benign smb_office office "$BASE/docs"
        smb_stop
        cat "$BASE/smbtable" "$BASE/smbbenign" >> "$BASE/table"
fi

printf '\n%-26s %8s %9s %10s %11s %7s\n' "permission answers during" "opens" "p50 µs" "p99.9 µs" "slowest µs" "failed" > "$BASE/answers"
answers answers_no_daemon idle
answers answers_idle idle
answers answers_family_kill_2000 family_kill
answers answers_rename_storm rename_storm
answers answers_flood_elsewhere flood_elsewhere
answers answers_create_storm create_storm_protected
answers answers_control_flood control_flood
[ "$(wc -l < "$BASE/answers")" -gt 2 ] && cat "$BASE/answers" >> "$BASE/table"

cpu=$(awk -v t="$CPU_TICKS" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')
printf '\ndaemon over the whole run: %s CPU seconds, peak RSS %d KiB\n' "$cpu" "$PEAK_KB" >> "$BASE/table"
machine="$(nproc) cores, $(awk '/MemTotal/ { printf "%d GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME")"
printf 'attacks on the %s corpus (%d files, %d MiB), benign workloads on the %s corpus (%d files, %d MiB), seed %s;\n%d alternating runs per benign workload, each on a new ext4; machine: %s\n' \
        "$SIZE" "$N_FILES" "$MB" "$BSIZE" "$BN_FILES" "$BMB" "$SEED" "$RUNS" "$machine" >> "$BASE/table"
cat "$BASE/table"
mkdir -p "$(dirname "$OUT")"
{
        printf '{"date":"%s","machine":"%s","corpus":{"size":"%s","files":%d,"mib":%d,"benign_size":"%s","benign_files":%d,"benign_mib":%d,"seed":%s},"runs":%d,\n' \
                "$(date -Is)" "$machine" "$SIZE" "$N_FILES" "$MB" "$BSIZE" "$BN_FILES" "$BMB" "$SEED" "$RUNS"
        printf '"attacks":[%s],\n' "$(IFS=,; echo "${JSON_ATTACKS[*]:-}")"
        printf '"benign":[%s],\n' "$(IFS=,; echo "${JSON_BENIGN[*]:-}")"
        printf '"answers":[%s],\n' "$(IFS=,; echo "${JSON_ANSWERS[*]:-}")"
        printf '"smb":[%s],\n' "$(IFS=,; echo "${JSON_SMB[*]:-}")"
        printf '"storms":[%s],"million_dirs":%s,\n' "$(IFS=,; echo "${JSON_STORMS[*]:-}")" "$dirs_json"
        printf '"throughput":%s,"daemon_cpu_s":%s,"daemon_peak_rss_kib":%d}\n' "$tp_json" "$cpu" "$PEAK_KB"
} > "$OUT"
cp "$BASE/table" "${OUT%.json}.txt"
echo "bench: wrote $OUT and ${OUT%.json}.txt" >&2
