"""The CMYK output profile of the print variant: the output intent, and the profile pictures are
converted through — $PAIBAN_CMYK_ICC (a plant's own, e.g. ISOnewspaper26v4), else the newsprint
profile built from Debian's characterization data (output.newsprint)."""

from __future__ import annotations

import os
from pathlib import Path

from typeset.model.errors import UserError

from . import newsprint

CMYK_ENV = "PAIBAN_CMYK_ICC"


def _icc_kind(path: Path) -> tuple[bytes, bytes] | None:
    """(device class, colour space) of an ICC profile file, None if it is not one."""
    try:
        with open(path, "rb") as f:
            header = f.read(128)
    except OSError:
        return None
    if len(header) < 128 or header[36:40] != b"acsp":
        return None
    return header[12:16], header[16:20]


def find_cmyk_profile() -> Path:
    """The CMYK output profile for the print variant: $PAIBAN_CMYK_ICC, else the newsprint
    profile (built on first use); a UserError if neither can be had."""
    override = os.environ.get(CMYK_ENV)
    if override:
        path = Path(override)
        if _icc_kind(path) is None or _icc_kind(path)[1] != b"CMYK":
            raise UserError(f"{CMYK_ENV}={override} is not a CMYK ICC profile", where=override)
        return path
    return newsprint.newsprint_profile()
