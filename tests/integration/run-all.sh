#!/usr/bin/env bash
# Run every integration test; print one summary line "N passed, N failed, N skipped".
cd "$(dirname "$0")" || exit 1
p=0 f=0 s=0 bad=()
for t in t-config.sh t-attack.sh "t-attack.sh inotify" t-benign.sh t-detect.sh t-evade.sh t-scale.sh t-tools.sh t-canary.sh t-robust.sh t-hostile.sh t-ctl.sh t-vault.sh t-server.sh t-smb.sh t-systemd.sh ${RG_EXTRA_TESTS:-}; do
        echo "=== $t"
        out=$(bash $t 2>&1)
        rc=$?
        echo "$out"
        line=$(echo "$out" | grep '^RESULT:' | tail -1)
        tp=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
        tf=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
        ts=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
        p=$((p + ${tp:-0})); f=$((f + ${tf:-0})); s=$((s + ${ts:-0}))
        if [ $rc -ne 0 ] || [ -z "$line" ]; then
                bad+=("$t")
                [ -z "$line" ] && f=$((f + 1))
        fi
done
[ ${#bad[@]} -gt 0 ] && echo "failing: ${bad[*]}"
echo "integration: $p passed, $f failed, $s skipped"
[ ${#bad[@]} -eq 0 ]
