"""Where the program's data lives: the page designs (layouts/) and the font role map (fonts/).

In a checkout they are the top-level folders beside the package; an installed wheel carries them
as package data (typeset/_data/, mapped from the same folders by pyproject.toml). A newsroom's
own designs come first from the folders named by $PAIBAN_LAYOUTS (`paiban --layouts DIR`), so a
design of theirs can add to or replace a built-in one of the same name.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LAYOUTS_ENV = "PAIBAN_LAYOUTS"


def _builtin(name: str, marker: str) -> Path:
    checkout = PACKAGE_DIR.parent / name
    return checkout if (checkout / marker).is_file() else PACKAGE_DIR / "_data" / name


def builtin_layouts() -> Path:
    return _builtin("layouts", "base/page.html.j2")


def fonts_dir() -> Path:
    return _builtin("fonts", "roles.toml")


def layout_dirs() -> list[Path]:
    """Folders of page designs, searched in order: $PAIBAN_LAYOUTS (os.pathsep-separated), then
    the built-in designs."""
    own = [Path(p) for p in os.environ.get(LAYOUTS_ENV, "").split(os.pathsep) if p]
    return own + [builtin_layouts()]
