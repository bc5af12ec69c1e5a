#!/usr/bin/env bash
# Run a command with a private, real systemd-journald: in a new mount namespace, tmpfs over
# /run/systemd, /run/log and /var/log/journal, journald started there (KERNEL-NOTES). The host's
# journal (if any) is not touched. Usage: with-journald.sh CMD ARGS...
set -euo pipefail
if [ "${RG_IN_JOURNAL_NS:-}" != 1 ]; then
        export RG_IN_JOURNAL_NS=1
        exec unshare --mount --propagation private "$0" "$@"
fi
mount -t tmpfs tmpfs /run/systemd 2>/dev/null || { mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd; }
mkdir -p /run/log /var/log/journal
mount -t tmpfs tmpfs /run/log
mount -t tmpfs tmpfs /var/log/journal
/lib/systemd/systemd-journald &
jpid=$!
for _ in $(seq 1 100); do
        [ -S /run/systemd/journal/socket ] && break
        sleep 0.05
done
[ -S /run/systemd/journal/socket ] || { echo "with-journald: journald did not start" >&2; exit 1; }
rc=0
"$@" || rc=$?
kill "$jpid" 2>/dev/null
wait "$jpid" 2>/dev/null || true
exit "$rc"
