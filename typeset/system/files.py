"""Writing files whole or not at all: a temporary file beside the target, renamed into place only
on success, so an interrupted build leaves the previous file or none, never a partial one.

Inside `all_or_nothing()` (one build) the temporaries are renamed only when the whole block
succeeds: a build of several variants writes all its outputs or none. A write the machine refuses
(read-only folder, a file where a folder should be, a full disk) is one UserError naming the path.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from typeset.model.errors import UserError

STALE_SECONDS = 3600        # a temporary file this old was left by a killed process

_live: set[str] = set()                                             # temporaries not yet renamed
_staged: ContextVar[dict[Path, str] | None] = ContextVar("staged", default=None)  # target → temporary

_WHAT_TO_DO = {
    errno.EROFS: "the disk is read-only: choose another output folder (-o)",
    errno.EACCES: "no permission to write there: choose another output folder (-o) or fix its permissions",
    errno.EPERM: "writing there is not permitted: choose another output folder (-o) or fix its permissions",
    errno.ENOTDIR: "a file stands where a folder is needed: choose another output folder (-o)",
    errno.EEXIST: "a file stands where a folder is needed: choose another output folder (-o)",
    errno.EISDIR: "a folder stands where the file goes: remove it or choose another output folder (-o)",
    errno.ENOSPC: "the disk is full: free some space or choose another output folder (-o)",
    errno.EFBIG: "the disk is full or the file is larger than allowed: free some space or choose another "
                 "output folder (-o)",
    errno.EDQUOT: "the disk quota is used up: free some space or choose another output folder (-o)",
}


def write_error(path: Path, error: OSError) -> UserError:
    """A refused write as one line: the path, the reason, what to do."""
    reason = error.strerror or type(error).__name__
    todo = _WHAT_TO_DO.get(error.errno, "check the output folder (-o) and the disk")
    return UserError(f"cannot write ({reason}): {todo}", where=str(path))


@contextmanager
def writes_into(folder: Path):
    """A refused write anywhere in the block (a full disk under a renderer's temporary file) as
    one UserError naming `folder`, the place the user chose; other OSErrors pass."""
    try:
        yield
    except OSError as e:
        if e.errno not in _WHAT_TO_DO:
            raise
        raise write_error(Path(folder), e) from None


def remove_temporaries() -> None:
    """Remove every temporary file of this process not yet renamed into place (a signal handler
    that ends the process at once calls it)."""
    for tmp in list(_live):
        try:
            os.unlink(tmp)
        except OSError:
            pass
        _live.discard(tmp)


def _discard(tmp: str) -> None:
    _live.discard(tmp)
    if os.path.exists(tmp):
        os.unlink(tmp)


def _make_temporary(target: Path) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    _live.add(tmp)
    os.close(fd)
    for stale in target.parent.glob(f".{target.name}.*.part"):
        if stale.is_file() and stale.stat().st_mtime < os.stat(tmp).st_mtime - STALE_SECONDS:
            stale.unlink(missing_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)        # mkstemp makes 0600: give the file the usual mode
    return tmp


@contextmanager
def atomic_target(target: Path, *, alone: bool = False):
    """Yield a temporary path next to `target`; rename it into place when the block ends
    without an exception (inside `all_or_nothing`, when that block ends). A refused write is a
    UserError; `alone` (a cache file): no part of a build, the OSError itself."""
    target = Path(target)
    staged = None if alone else _staged.get()
    tmp = None
    try:
        try:
            tmp = _make_temporary(target)
            yield Path(tmp)
            if staged is None:
                os.replace(tmp, target)
                _live.discard(tmp)
            else:
                if target in staged:
                    _discard(staged[target])
                staged[target] = tmp
        except OSError as e:
            if alone:
                raise
            raise write_error(target, e) from None
    finally:
        if tmp is not None and (staged is None or staged.get(target) != tmp) and tmp in _live:
            _discard(tmp)


def staged(target: Path) -> Path:
    """The file holding `target`'s content now: its temporary inside `all_or_nothing`."""
    pending = (_staged.get() or {}).get(Path(target))
    return Path(pending) if pending else Path(target)


@contextmanager
def all_or_nothing():
    """Every file written by atomic_target in the block is renamed into place when the block
    succeeds; on any exception (or signal) none is, and the temporaries are removed."""
    if _staged.get() is not None:       # already inside one: the outer block decides
        yield
        return
    pending: dict[Path, str] = {}
    token = _staged.set(pending)
    try:
        yield
        _staged.reset(token)
        token = None
        for target, tmp in list(pending.items()):
            try:
                os.replace(tmp, target)
            except OSError as e:
                raise write_error(target, e) from None
            _live.discard(tmp)
            del pending[target]
    finally:
        if token is not None:
            _staged.reset(token)
        for tmp in pending.values():
            _discard(tmp)


def atomic_write(target: Path, data: bytes, *, alone: bool = False) -> None:
    """Write `data` to `target` whole (see atomic_target)."""
    with atomic_target(target, alone=alone) as tmp:
        tmp.write_bytes(data)
