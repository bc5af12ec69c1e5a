#!/bin/bash
# workload office_save: an office suite saving documents: every .docx/.xlsx/.odt (a zip container)
# opened, changed, written whole to a temp file beside it, renamed over the original, with the
# lock file LibreOffice keeps (.~lock.NAME#) created and removed around each save; three rounds.
# usage: office_save.sh DIR   (DIR: a fresh copy of the corpus; nothing outside DIR is written)
set -euo pipefail
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: ${0##*/} DIR" >&2; exit 2; }
DIR=$(cd -- "$1" && pwd -P)
exec /usr/bin/python3 - "$DIR" <<'PY'
import os, sys, zipfile, io
top = sys.argv[1]
docs = sorted(os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs
              if f.endswith((".docx", ".xlsx", ".pptx", ".odt", ".ods")))
for rnd in range(3):
    for p in docs:
        d, b = os.path.split(p)
        lock = os.path.join(d, ".~lock." + b + "#")
        with open(lock, "w") as f:
            f.write("tester,host,/home/tester,02.12.2026 10:00,\n")
        try:
            with zipfile.ZipFile(p) as z:
                items = [(i, z.read(i.filename)) for i in z.infolist()]
        except zipfile.BadZipFile:
            items = [(zipfile.ZipInfo("content.xml"), open(p, "rb").read())]
        tmp = os.path.join(d, "lu%d%s.tmp" % (os.getpid(), b[:8]))
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in items:
                if info.filename.endswith(".xml"):
                    data += b"<!-- saved round %d -->" % rnd
                z.writestr(info, data)
        os.replace(tmp, p)
        os.unlink(lock)
PY
