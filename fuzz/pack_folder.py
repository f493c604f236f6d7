#!/usr/bin/python3
"""Packs a folder into a fuzz "folder archive" (fuzz/FuzzInput.h): for each
file, a line "@@ relative/path" and then its bytes. Usage:
pack_folder.py FOLDER OUT [--max-file BYTES]; larger files are left out so
that seeds stay small (libFuzzer mutates small inputs far faster)."""
import os
import sys


def pack(folder, max_file=None):
    out = bytearray()
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            if max_file is not None and os.path.getsize(path) > max_file:
                continue
            rel = os.path.relpath(path, folder)
            if out:
                out += b"\n"
            out += b"@@ " + rel.encode() + b"\n"
            with open(path, "rb") as f:
                out += f.read()
    return bytes(out)


if __name__ == "__main__":
    limit = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--max-file" else None
    with open(sys.argv[2], "wb") as f:
        f.write(pack(sys.argv[1], limit))
