"""The user's cache folder: what a fresh `paiban` process would otherwise compute again on
every start — font advances, font cmaps, compiled templates, fontconfig's answers, verified
pictures. Every entry is keyed by what it depends on (a file's hash, size or mtime), so a
changed input is a new entry; the cache is only an accelerator: an unreadable, unwritable
or corrupt cache is ignored and the work is done again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import os
from pathlib import Path

from typeset.system import files


def cache_dir() -> Path:
    """$PAIBAN_CACHE_DIR, else $XDG_CACHE_HOME/paiban, else ~/.cache/paiban."""
    if os.environ.get("PAIBAN_CACHE_DIR"):
        return Path(os.environ["PAIBAN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "paiban"


def atomic_write(target: Path, data: bytes) -> bool:
    """Write a cache file whole (concurrent processes never see half a file); False when it
    cannot be written: the cache is only an accelerator."""
    try:
        files.atomic_write(target, data, alone=True)
        return True
    except OSError:
        return False


def read_marshal(path: Path):
    """What `path` holds (marshal format), or None when it is missing or unreadable."""
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def identity(path: str | Path) -> str:
    """A file as its absolute path, size and modification time: it changes when the file does."""
    st = os.stat(path)
    return f"{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}"


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.cache
def file_hash(path: str) -> str:
    """SHA-256 of a file (a font); remembered in the cache folder by its identity, so the file
    is read once, not on every start."""
    key = identity(path)
    index_file = cache_dir() / "font-hashes.json"
    known = read_json(index_file)
    known = known if isinstance(known, dict) else {}
    if isinstance(known.get(key), str):
        return known[key]
    found = sha256_file(path)
    atomic_write(index_file, json.dumps({**known, key: found}, indent=0).encode("utf-8"))
    return found
