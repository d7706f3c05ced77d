"""Writing an issue folder all at once: the records are written into a staging folder beside
the target, loaded back (what is handed over must build), then renamed into place; a failure
leaves nothing half-written. Used by the text importer and by the JSON issue document."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from typeset.model.errors import UserError

from .issue_folder import load_issue

RECORD_NAMES = ["issue.toml", "articles"]       # what --force replaces; pictures and the rest stay


def write_records(folder: Path, fill: Callable[[Path], None], *, force: bool = False) -> Path:
    """Make `folder` hold the records `fill(staging)` writes (issue.toml and articles/).

    An existing non-empty folder is refused unless `force`, which replaces its issue.toml and
    articles/ and keeps everything else (pictures …)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError("exists and is not a folder", where=str(folder))
    occupied = folder.is_dir() and any(folder.iterdir())
    if occupied and not force:
        raise UserError("folder exists and is not empty: choose a new folder, or force "
                        "(--force) to replace its issue.toml and articles/", where=str(folder))
    staging: Path | None = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.import-", dir=folder.parent))
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it 0700; the folder should look made by mkdir
        (staging / "articles").mkdir()
        fill(staging)
        try:
            load_issue(staging, allow_missing_pictures=True)  # what we hand over must load
        except UserError as e:
            where = (e.where or "").replace(str(staging), str(folder))
            raise UserError(e.message, where=where or str(folder)) from None
        if not occupied:
            if folder.is_dir():
                folder.rmdir()
            os.replace(staging, folder)
            staging = None
        else:
            _swap_in(staging, folder, RECORD_NAMES)
    except OSError as e:
        raise UserError(f"cannot write the issue ({e.strerror or e})", where=str(folder)) from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def toml_string(value: str) -> str:
    """A TOML basic string: a JSON string is one, except that TOML forbids a raw DEL."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _swap_in(staging: Path, folder: Path, names: list[str]) -> None:
    """Move `names` from staging into folder, putting the old ones aside and back on failure."""
    backup = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=folder.parent))
    moved_old: list[str] = []
    moved_new: list[str] = []
    try:
        for name in names:
            if (folder / name).exists() or (folder / name).is_symlink():
                os.replace(folder / name, backup / name)
                moved_old.append(name)
        for name in names:
            os.replace(staging / name, folder / name)
            moved_new.append(name)
    except OSError:
        for name in moved_new:
            os.replace(folder / name, staging / name)
        for name in moved_old:
            os.replace(backup / name, folder / name)
        backup.rmdir()  # empty again; if restoring failed, the old files stay in the backup
        raise
    shutil.rmtree(backup, ignore_errors=True)
