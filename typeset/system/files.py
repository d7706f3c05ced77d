"""Writing files whole or not at all: a temporary file beside the target, renamed into place only
on success, so an interrupted build leaves the previous file or none, never a partial one."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

STALE_SECONDS = 3600        # a temporary file this old was left by a killed process


@contextmanager
def atomic_target(target: Path):
    """Yield a temporary path next to `target`; rename it into place when the block ends
    without an exception."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    for stale in target.parent.glob(f".{target.name}.*.part"):
        if stale.is_file() and stale.stat().st_mtime < os.stat(tmp).st_mtime - STALE_SECONDS:
            stale.unlink(missing_ok=True)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)        # mkstemp makes 0600: give the file the usual mode
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write(target: Path, data: bytes) -> None:
    """Write `data` to `target` whole (see atomic_target)."""
    with atomic_target(target) as tmp:
        tmp.write_bytes(data)
