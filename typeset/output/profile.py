"""The CMYK output profile of the print variant: the output intent, and the profile pictures are
converted through."""

from __future__ import annotations

import os
from pathlib import Path

from typeset.model.errors import UserError

CMYK_ENV = "PAIBAN_CMYK_ICC"
ICC_DIRS = (Path("/usr/share/color/icc"), Path("/usr/local/share/color/icc"),
            Path("/usr/share/ghostscript"), Path.home() / ".local/share/icc", Path.home() / ".color/icc")
PREFERRED_CMYK = ("default_cmyk.icc", "ps_cmyk.icc")


CMYK_ENV = "PAIBAN_CMYK_ICC"
ICC_DIRS = (Path("/usr/share/color/icc"), Path("/usr/local/share/color/icc"),
            Path("/usr/share/ghostscript"), Path.home() / ".local/share/icc", Path.home() / ".color/icc")
PREFERRED_CMYK = ("default_cmyk.icc", "ps_cmyk.icc")



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
    """The CMYK output profile for the print variant: $PAIBAN_CMYK_ICC, else a CMYK printer
    profile installed on the system (Ghostscript's default_cmyk.icc first); a UserError if none."""
    override = os.environ.get(CMYK_ENV)
    if override:
        path = Path(override)
        if _icc_kind(path) is None or _icc_kind(path)[1] != b"CMYK":
            raise UserError(f"{CMYK_ENV}={override} is not a CMYK ICC profile", where=override)
        return path
    found: list[Path] = []
    for folder in ICC_DIRS:
        if folder.is_dir():
            found += sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".icc", ".icm"))
    cmyk = [p for p in found if _icc_kind(p) == (b"prtr", b"CMYK")]
    if not cmyk:
        raise UserError("print: no CMYK ICC profile found for the output intent (searched "
                        f"{', '.join(str(d) for d in ICC_DIRS)}); install Ghostscript's profiles "
                        f"(apt-get install libgs-common) or set {CMYK_ENV}=/path/to/profile.icc")
    cmyk.sort(key=lambda p: (p.name not in PREFERRED_CMYK, PREFERRED_CMYK.index(p.name)
                             if p.name in PREFERRED_CMYK else 0, str(p)))
    return cmyk[0]
