"""Loading page designs: `<layouts folder>/<name>/layout.toml`, validated into typeset.model.layout;
a wrong key or value is one line naming the layout file and the key."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from pydantic import ValidationError

from typeset.model.errors import UserError
from typeset.model.layout import Layout
from typeset.system.data import layout_dirs

from .messages import describe


def known_layouts() -> list[str]:
    """The names of the designs found in the layout folders."""
    return sorted({d.name for folder in layout_dirs() if folder.is_dir()
                   for d in folder.iterdir() if (d / "layout.toml").is_file()})


def layout_folder(name: str) -> Path | None:
    """The folder of design `name`: the first layout folder that has it."""
    return next((folder / name for folder in layout_dirs() if (folder / name / "layout.toml").is_file()), None)


@functools.cache
def load_layout(name: str) -> Layout:
    """The design called `name`, validated; a UserError names the file and the key."""
    folder = layout_folder(name) if name and not any(c in name for c in "/\\") and not name.startswith(".") else None
    if folder is None:
        raise UserError(f"unknown layout '{name}' (layouts: {', '.join(known_layouts())})",
                        where=str(layout_dirs()[-1] / name))
    config = folder / "layout.toml"
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"invalid layout: {' '.join(str(e).split())}", where=str(config)) from None
    if not isinstance(data, dict) or "folder" in data:
        raise UserError("invalid layout: 'folder' is not a key of a layout", where=str(config))
    try:
        return Layout(folder=folder, **data)
    except ValidationError as e:
        raise UserError(f"invalid layout: {describe(e)}", where=str(config)) from None
    except TypeError as e:
        raise UserError(f"invalid layout: {e}", where=str(config)) from None
