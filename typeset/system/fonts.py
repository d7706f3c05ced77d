"""Font roles (书宋, 标宋, 黑体, 楷体 …) resolved to the installed faces that will be embedded.

The role map lives in `fonts/roles.toml`. Resolution goes through fontconfig (`fc-match`), the
same lookup WeasyPrint/Pango makes, and fails when fontconfig would fall back to another
family: a page never silently uses a font that is not one of its roles.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Container

from typeset.model.errors import UserError
from typeset.system import cache as diskcache
from typeset.system.data import fonts_dir

ROLES_FILE = fonts_dir() / "roles.toml"


@dataclass(frozen=True)
class FontRole:
    """One role of the role map, and the face it resolved to (`file`, `index` in a .ttc)."""

    role: str
    name: str
    use: str
    family: str
    style: str
    weight: int
    package: str
    license: str
    file: Path | None = None
    index: int = 0

    @property
    def resolved(self) -> bool:
        return self.file is not None


@functools.cache
def _declared() -> dict:
    with ROLES_FILE.open("rb") as f:
        return tomllib.load(f)


def role_map() -> dict[str, FontRole]:
    """The roles declared in fonts/roles.toml, unresolved."""
    return {key: FontRole(role=key, **fields) for key, fields in _declared()["roles"].items()}


def fallback_map() -> dict[str, FontRole]:
    """The fallback faces declared in fonts/roles.toml (缺字), unresolved, in order."""
    return {key: FontRole(role=key, **fields) for key, fields in _declared().get("fallback", {}).items()}


def _fc_match(patterns: list[str]) -> list[tuple[Path, int, list[str]] | None]:
    """fontconfig's match for each pattern: (file, face index, families). The fc-match
    processes run side by side (each pays fontconfig's start-up)."""
    try:
        procs = [subprocess.Popen(["fc-match", "-f", "%{file}\t%{index}\t%{family}", pattern],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                 for pattern in patterns]
    except OSError:
        return [None] * len(patterns)
    matches = []
    for proc in procs:
        out = proc.communicate()[0]
        if proc.returncode or out.count("\t") != 2:
            matches.append(None)
            continue
        file, index, families = out.split("\t")
        matches.append((Path(file), int(index), families.split(",")))
    return matches


# What fontconfig's answer depends on: its configuration, the font folders and its caches
# (a font package's installation runs fc-cache, which rewrites them), and the variables that
# point it elsewhere.
_FONTCONFIG_FOLDERS = ("/etc/fonts", "/etc/fonts/conf.d", "~/.config/fontconfig", "~/.config/fontconfig/conf.d",
                       "/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_FONTCONFIG_CACHES = ("/var/cache/fontconfig", "~/.cache/fontconfig")
_FONTCONFIG_VARIABLES = ("FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT", "HOME", "XDG_CONFIG_HOME",
                         "XDG_CACHE_HOME", "XDG_DATA_HOME")


def _fontconfig_state() -> str:
    parts = [f"{name}={os.environ.get(name, '')}" for name in _FONTCONFIG_VARIABLES]
    for folder in map(os.path.expanduser, _FONTCONFIG_FOLDERS + _FONTCONFIG_CACHES):
        try:
            parts.append(f"{folder} {os.stat(folder).st_mtime_ns}")
        except OSError:
            parts.append(f"{folder} -")
    for folder in map(os.path.expanduser, _FONTCONFIG_CACHES):
        try:
            parts += sorted(f"{e.name} {e.stat().st_size} {e.stat().st_mtime_ns}" for e in os.scandir(folder))
        except OSError:
            pass
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _matches(patterns: list[str]) -> list[tuple[Path, int, list[str]] | None]:
    """fc-match's answers, remembered in the cache folder while fontconfig's state (above) is
    unchanged: the fc-match processes cost a fresh build more than anything else it does
    with fonts. A face whose file has gone is looked up again."""
    state = _fontconfig_state()
    cache_file = diskcache.cache_dir() / "fontconfig.json"
    stored = diskcache.read_json(cache_file)
    known = stored["matches"] if isinstance(stored, dict) and stored.get("state") == state else {}
    missing = [p for p in patterns if not (isinstance(known.get(p), list) and os.path.exists(known[p][0]))]
    if missing:
        found = {p: m for p, m in zip(missing, _fc_match(missing)) if m is not None}
        known = {**known, **{p: [str(file), index, families] for p, (file, index, families) in found.items()}}
        diskcache.atomic_write(cache_file, json.dumps({"state": state, "matches": known}).encode("utf-8"))
    return [(Path(known[p][0]), known[p][1], known[p][2]) if p in known else None for p in patterns]


def _resolve(declared: dict[str, FontRole]) -> dict[str, FontRole]:
    """Each face with the file and face index fontconfig gives it (file None if missing)."""
    resolved = {}
    matches = _matches([f"{role.family}:style={role.style}" for role in declared.values()])
    for (key, role), match in zip(declared.items(), matches):
        if match and role.family in match[2]:
            file, index, _ = match
            role = FontRole(**{**role.__dict__, "file": file, "index": index})
        resolved[key] = role
    return resolved


@functools.cache
def cmap(file: str, index: int = 0) -> Container[int]:
    """The code points a face maps (cached per face), as HarfBuzz's own set: reading it takes
    ~1 ms a face, making a Python set of its ~45,000 code points 3 ms more, fontTools took
    0.1–0.7 s."""
    import uharfbuzz

    return uharfbuzz.Face(uharfbuzz.Blob.from_file_path(file), index).unicodes


@functools.cache
def resolve_all() -> dict[str, FontRole]:
    """Every role, resolved."""
    return _resolve(role_map())


@functools.cache
def resolve_fallbacks() -> dict[str, FontRole]:
    """Every declared fallback face, resolved (file None if not installed)."""
    return _resolve(fallback_map())


def fallbacks() -> tuple[FontRole, ...]:
    """The installed fallback faces, in the declared order."""
    return tuple(face for face in resolve_fallbacks().values() if face.resolved)


def font(role: str) -> FontRole:
    """The resolved face of one role; a UserError with the install command when missing."""
    try:
        found = resolve_all()[role]
    except KeyError:
        raise UserError(f"unknown font role '{role}' (roles: {', '.join(role_map())})",
                        where=str(ROLES_FILE)) from None
    if not found.resolved:
        raise UserError(missing_message([found]))
    return found


def missing_message(missing: list[FontRole]) -> str:
    packages = " ".join(sorted({r.package for r in missing}))
    names = "、".join(f"{r.name} ({r.family} {r.style})" for r in missing)
    return f"font missing: {names}; install it with: sudo apt-get install {packages}"


def check_all() -> list[FontRole]:
    """All roles resolved, or a UserError naming the missing ones and the install command."""
    roles = list(resolve_all().values())
    missing = [r for r in roles if not r.resolved]
    if missing:
        raise UserError(missing_message(missing))
    return roles
