"""Shaping: HarfBuzz advances of the role fonts, measured the way Pango will shape them.

WeasyPrint shapes the text of every element (each text box) separately with Pango, and Pango
itemizes a box by script: Common characters (punctuation, digits, ——, ……) take the script of
the neighbouring strong characters, an all-Common box stays Common. Script and language change
glyphs ("——" between Han is one 2 em glyph, alone it is 1.69 em), so a box is measured the
way Pango will shape it (`Measure.shape`). Advances are cached per font, size and text, and on
disk per font file (`typeset.system.cache`, keyed by the file's hash).
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import marshal
import math
import sys
import unicodedata
from pathlib import Path

import uharfbuzz as hb

from typeset.model.chars import DASH_PAIRS
from typeset.system import cache as diskcache
from typeset.system import fonts

_SCRIPT_PREFIXES = (
    ("CJK UNIFIED IDEOGRAPH", "Hani"), ("CJK COMPATIBILITY IDEOGRAPH", "Hani"),
    ("IDEOGRAPHIC ITERATION", "Hani"), ("IDEOGRAPHIC NUMBER ZERO", "Hani"),
    ("HIRAGANA", "Hira"), ("KATAKANA", "Kana"), ("HANGUL", "Hang"), ("BOPOMOFO", "Bopo"),
    ("FULLWIDTH LATIN", "Latn"), ("LATIN", "Latn"), ("GREEK", "Grek"), ("CYRILLIC", "Cyrl"),
)
# Pango derives an item's language from the document's (zh-CN) only when that language uses
# the item's script; otherwise it takes a sample language of the script.
_LANG = {"Hani": "zh-Hans", "Zyyy": "zh-Hans", "Bopo": "zh-Hans", "Hira": "ja", "Kana": "ja",
         "Hang": "ko", "Grek": "el", "Cyrl": "ru"}
IDEOGRAPHIC_SCRIPTS = {"Hani", "Hira", "Kana", "Hang", "Bopo"}


@functools.cache
def script_of(ch: str) -> str:
    """ISO 15924 script of a character, as far as itemization needs it (else Common)."""
    name = unicodedata.name(ch, "")
    for prefix, script in _SCRIPT_PREFIXES:
        if name.startswith(prefix):
            return script
    if unicodedata.category(ch) == "Mn":
        return "Zinh"
    return "Zyyy"


def _items(text: str) -> list[tuple[int, int, str]]:
    """Split text into (start, end, script) runs the way Pango itemizes it.

    Common and inherited characters take the script of the preceding strong character; those
    before the first strong character take its script; a text without one stays Common.
    """
    scripts = [script_of(c) for c in text]
    strong = next((s for s in scripts if s not in ("Zyyy", "Zinh")), "Zyyy")
    current = strong
    runs: list[tuple[int, int, str]] = []
    for i, s in enumerate(scripts):
        if s not in ("Zyyy", "Zinh"):
            current = s
        if runs and runs[-1][2] == current:
            runs[-1] = (runs[-1][0], i + 1, current)
        else:
            runs.append((i, i + 1, current))
    return runs


@functools.cache
def _hb_font(path: str, index: int) -> hb.Font:
    return hb.Font(hb.Face(hb.Blob.from_file_path(path), index))


# --- advances cached on disk -------------------------------------------------------------------
#
# Shaping results do not depend on the size (HarfBuzz works in font units; a Measure scales),
# so they are kept per face, in font units, in the user's cache folder, keyed by a hash of the
# font file, the face index, the HarfBuzz version and how the composer shapes (_LANG): a new
# font file, a new HarfBuzz or a change here is a new cache. The cache is only an
# accelerator: an unreadable, unwritable or corrupt cache is ignored.

_CACHE_FORMAT = 3
_CACHE_MAX_ENTRIES = 100_000                     # a face's file stays well under a few MB
_MEMORY_MAX_ENTRIES = 50_000                    # line texts kept per face / per Measure: bounded memory
_Shape = tuple[tuple[int, int, int], ...]      # (first char index, advance, x offset), font units


def _persistent(text: str) -> bool:
    """Worth keeping across runs: what recurs in every article — single characters, ——/……
    pairs, short Latin words and numbers — not the text of a line's boxes (two Han characters
    between marks are one), which is new in every article and would grow the file without
    end, and with it the time every start takes to read it."""
    return len(text) == 1 or text in DASH_PAIRS or (len(text) <= 12 and text.isascii())


class _FaceShapes:
    """Shaping results of one face in font units, loaded from and saved to the disk cache."""

    def __init__(self, path: str, index: int):
        self.font = _hb_font(path, index)
        self.upem = self.font.face.upem
        self.shapes: dict[tuple[str, bool, str], _Shape] = {}     # what recurs (_persistent)
        self.transient: dict[tuple[str, bool, str], _Shape] = {}  # line texts: this issue's
        self.fresh: dict[tuple[str, bool, str], _Shape] = {}     # new, to be saved
        self.new = 0
        self.file: Path | None = None
        try:
            tag = hashlib.sha256(repr((_CACHE_FORMAT, hb.__version__, sorted(_LANG.items()),
                                       sys.version_info[:2])).encode()).hexdigest()[:12]
            self.file = diskcache.cache_dir() / f"shapes-{diskcache.file_hash(path)[:24]}-{index}-{tag}.marshal"
        except OSError:
            return
        loaded = diskcache.read_marshal(self.file)
        if isinstance(loaded, dict):
            self.shapes = loaded

    def shape(self, text: str, start: int, end: int, script: str, halt: bool) -> _Shape:
        key = (text[start:end], halt, script)
        found = self.shapes.get(key) or self.transient.get(key)
        if found is None:
            buf = hb.Buffer()
            buf.add_str(key[0])
            buf.direction = "ltr"
            buf.script = script
            buf.language = _LANG.get(script, "en")
            hb.shape(self.font, buf, {"halt": True} if halt else {})
            clusters: dict[int, list[int]] = {}
            for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
                entry = clusters.setdefault(info.cluster, [0, pos.x_offset])
                entry[0] += pos.x_advance
            found = tuple((c, adv, off) for c, (adv, off) in sorted(clusters.items()))
            if _persistent(key[0]):
                self.shapes[key] = found
                self.fresh[key] = found
                self.new += 1
            else:
                if len(self.transient) >= _MEMORY_MAX_ENTRIES:  # a line's text rarely recurs
                    self.transient.clear()
                self.transient[key] = found
        return found

    def save(self) -> None:
        """Write new results, merged with what other processes wrote meanwhile."""
        if not self.new or self.file is None:
            return
        merged = diskcache.read_marshal(self.file)
        if not isinstance(merged, dict):     # a new file: the face's files of older formats go
            merged = {}
            prefix = self.file.name.rsplit("-", 1)[0]
            for old in self.file.parent.glob(f"{prefix}-*.marshal"):
                try:
                    if old != self.file:
                        old.unlink()
                except OSError:
                    pass
        if len(merged) + len(self.fresh) > _CACHE_MAX_ENTRIES:
            merged = {}
        merged.update(self.fresh)
        if diskcache.atomic_write(self.file, marshal.dumps(merged)):
            self.new = 0
            self.fresh = {}


_FACES: dict[tuple[str, int], _FaceShapes] = {}


def _face_shapes(path: str, index: int) -> _FaceShapes:
    found = _FACES.get((path, index))
    if found is None:
        found = _FACES[(path, index)] = _FaceShapes(path, index)
    return found


def save_metrics() -> None:
    """Save the advances measured so far to the disk cache (also done at exit)."""
    for face in list(_FACES.values()):
        face.save()


atexit.register(save_metrics)


class Measure:
    """One font role at one size: HarfBuzz advances in pt, cached, shaped as Pango shapes."""

    def __init__(self, role: str, size_pt: float):
        face = fonts.font(role)
        self.role = role
        self.size_pt = size_pt
        self._face = _face_shapes(str(face.file), face.index)
        self._font = self._face.font
        self._scale = size_pt / self._face.upem
        self._cache: dict[tuple[str, bool, str | None], tuple[tuple[int, float, float], ...]] = {}

    def shape(self, text: str, halt: bool = False,
              script: str | None = None) -> tuple[tuple[int, float, float], ...]:
        """Glyph clusters of `text` as one text box: (first char index, advance, x offset) in pt.

        `script` forces one script for the whole text (a nominal "inside Han text" width);
        without it the text is itemized like Pango does. Letter-spacing is added by Pango
        once after each of these clusters (a ligature such as the 2 em "——" is one).
        """
        key = (text, halt, script)
        found = self._cache.get(key)
        if found is None:
            runs = [(0, len(text), script)] if script else _items(text)
            found = tuple(g for start, end, sc in runs
                          for g in self._shape_run(text, start, end, sc, halt))
            if len(self._cache) >= _MEMORY_MAX_ENTRIES:     # bounded: flat memory over many issues
                self._cache.clear()
            self._cache[key] = found
        return found

    def _shape_run(self, text, start, end, script, halt):
        scale = self._scale
        return [(start + c, adv * scale, off * scale)
                for c, adv, off in self._face.shape(text, start, end, script, halt)]

    def width(self, text: str, halt: bool = False, script: str | None = None) -> float:
        return sum(adv for _, adv, _ in self.shape(text, halt, script))

    def extents(self) -> tuple[float, float]:
        """The face's ascent and descent (positive) in em, as Pango lays a line box out."""
        ext = self._font.get_font_extents("ltr")
        return ext.ascender / self._face.upem, -ext.descender / self._face.upem

    def ink(self, text: str, em_top: float) -> tuple[float, float, float, float]:
        """The ink box (left, top, right, bottom) in pt of `text` shaped alone as Pango shapes
        a box of it: x from the pen, y down from `em_top` em above the baseline."""
        font, runs = self._font, _items(text)
        left = top = math.inf
        right = bottom = -math.inf
        pen = 0
        for start, end, script in runs:
            buf = hb.Buffer()
            buf.add_str(text[start:end])
            buf.direction, buf.script, buf.language = "ltr", script, _LANG.get(script, "en")
            hb.shape(font, buf, {})
            for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
                ext = font.get_glyph_extents(info.codepoint)
                if ext is not None and ext.width:
                    x0 = pen + pos.x_offset + ext.x_bearing
                    y0 = pos.y_offset + ext.y_bearing          # font units, y up
                    left, right = min(left, x0), max(right, x0 + ext.width)
                    top, bottom = min(top, -y0), max(bottom, -(y0 + ext.height))
                pen += pos.x_advance
        if left == math.inf:
            return (0.0, 0.0, 0.0, 0.0)
        offset = em_top * self._face.upem
        return (left * self._scale, (top + offset) * self._scale,
                right * self._scale, (bottom + offset) * self._scale)


@functools.cache
def measure(role: str, size_pt: float) -> Measure:
    """The shared, cached Measure of a role at a size."""
    return Measure(role, size_pt)

