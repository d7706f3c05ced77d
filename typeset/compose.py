"""The Chinese line composer: breaks paragraphs into lines by the rules of typography.md.

WeasyPrint cannot justify Chinese and breaks greedily, so the program breaks the lines itself,
measuring with HarfBuzz on the same font file and face WeasyPrint embeds, and renders every
line as one non-wrapping block whose spacing is explicit; WeasyPrint then only places glyphs.

How a line is rendered, and why it can be measured exactly:
- WeasyPrint shapes the text of every element (each text box) separately with Pango, and
  Pango itemizes a box by script: Common characters (punctuation, digits, ——, ……) take the
  script of the neighbouring strong characters, an all-Common box stays Common. Script and
  language change glyphs ("——" between Han is one 2 em glyph, alone it is 1.69 em). So the
  composer decides the text boxes of a line and measures each one the way Pango will shape it
  (`Measure.shape`); the final spacing is solved on those exact widths.
- `letter-spacing: X` adds X after every glyph cluster of a box. The line carries the even
  inter-character spacing X; a halted mark is `<span class="h">` (OpenType `halt`, ½ em);
  a Latin word or number, and a dash/ellipsis pair that shapes as two glyphs, is a
  `<span class="w">` with letter-spacing 0 (never stretched inside) whose margins carry the
  Han–Latin gap and the spacing after it; a stretched word space is a span of its own.

Pure and fast: no rendering; advances are cached per font, size and text, and on disk per
font file (`typeset.diskcache`, keyed by the file's hash).
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import html
import marshal
import math
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import uharfbuzz as hb

from typeset import diskcache, fonts

OPENING = "（［｛〔〖【《〈「『“‘"
CLOSING = "，。、：；！？）］｝〕〗】》〉」』”’"
NO_START = CLOSING + "·・‧〙〛"
NO_END = OPENING + "／"
DASH_PAIRS = ("——", "……")
INTERIOR_BRACKETS = OPENING + "）］｝〕〗】》〉」』”’"
INTERIOR_COMMAS = "，、；"
HANGING = "、，。"
EPS = 1e-6
# poppler's pdftotext starts a new word where glyphs are more than 0.1 em apart, and WeasyPrint
# writes letter-spacing in whole thousandths of an em: an even spacing of 0.0995 em or more
# between two Han characters reads back as a space. A line that would need that much is
# tightened (squeeze in, hang a mark) and, failing that, set at CAPPED_CHAR_GAP_EM, a hair short.
MAX_CHAR_GAP_EM = 0.0995
CAPPED_CHAR_GAP_EM = 0.098


@dataclass(frozen=True)
class HouseStyle:
    """Switches for the composition rules; field names match a layout's TOML table."""

    kinsoku: str = "gb"              # 禁则: "gb", "strict" (—— …… never start a line), "off"
    compress_adjacent: bool = True   # two adjacent full-width marks take 1.5 em
    line_end_half: bool = True       # a closing mark at line end may shrink to ½ em
    line_start_bracket_half: bool = True  # an opening bracket at line start may drop ½ em
    interior_compress: bool = True   # brackets and ，、； inside a line may shrink to ½ em
    han_latin_gap_em: float = 0.25   # gap between Han and Latin letters/digits (0 = none)
    digit_gap: bool = True           # also gap before/after numbers (8 月 3 日); False: none
    indent_em: float = 2.0           # first-line indent
    no_orphan_char: bool = True      # 孤字: a paragraph's last line holds ≥ 2 characters
    headline_gap_em: float = 1.0     # visible gap between the phrases of a one-line headline
    # Even inter-character stretch above this goes to the line's word spaces and Han–Latin
    # gaps instead (past their ½ em), when it has any: wider character spacing next to a
    # wider gap makes pdftotext read spaces between Han characters.
    char_stretch_cap_em: float = 0.08
    # Hang one 、，。 (at ½ em) past the right edge, only when the line would otherwise stretch
    # its Han spacing to MAX_CHAR_GAP_EM or more and squeezing in cannot help. Off by default:
    # preflight's text check counts a mark hanging past a module's last column as outside the
    # module (a build error), so a layout may turn it on only once that check allows it.
    hang_punctuation: bool = False

    def __post_init__(self):
        if self.kinsoku not in ("gb", "strict", "off"):
            raise ValueError(f"kinsoku must be gb, strict or off, not {self.kinsoku!r}")


# --- scripts and shaping -------------------------------------------------------------------

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
_IDEOGRAPHIC = {"Hani", "Hira", "Kana", "Hang", "Bopo"}


@functools.cache
def _script(ch: str) -> str:
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
    scripts = [_script(c) for c in text]
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


@functools.cache
def measure(role: str, size_pt: float) -> Measure:
    """The shared, cached Measure of a role at a size."""
    return Measure(role, size_pt)


# --- clusters: the units of breaking and spacing -------------------------------------------

@dataclass(frozen=True)
class _Cluster:
    """Source characters that are never broken or spaced apart: one Han character or mark,
    a Latin word or number, a ——/…… pair, a space."""

    text: str
    role: str
    kind: str       # han | open | close | dash | word | space | other
    width: float    # nominal advance, inside Han text
    half: float     # advance with `halt` (== width when the font cannot compress it)
    gap_ok: bool    # a word that takes the Han–Latin gap / a Han character next to one
    split: bool = False  # a dash pair that shapes as two glyphs: rendered as a w-span

    @property
    def compressible(self) -> bool:
        return self.half < self.width - EPS


@functools.cache
def _is_word_char(ch: str) -> bool:
    if ch == " ":
        return False
    if ch.isascii():
        return ch.isprintable()
    return _script(ch) in ("Latn", "Grek", "Cyrl", "Zinh") and not unicodedata.name(
        ch, "").startswith("FULLWIDTH")


def _clusters(spans: list[tuple[str, str]], size_pt: float, style: HouseStyle,
              max_width: float) -> list[_Cluster]:
    out: list[_Cluster] = []
    for text, role in spans:
        m = measure(role, size_pt)
        i, n = 0, len(text)
        while i < n:
            ch = text[i]
            if _is_word_char(ch):
                j = i + 1
                # a ’ between letters is an apostrophe (it’s), not a closing quote
                while j < n and (_is_word_char(text[j]) or (
                        text[j] == "’" and j + 1 < n and _is_word_char(text[j + 1]))):
                    j += 1
                out.extend(_word_clusters(text[i:j], role, m, style, max_width))
                i = j
                continue
            if text[i:i + 2] in DASH_PAIRS:
                pair = text[i:i + 2]
                width = m.width(pair, script="Hani")
                split = len(m.shape(pair, script="Hani")) > 1
                out.append(_Cluster(pair, role, "dash", width, width, False, split=split))
                i += 2
                continue
            out.append(_single(ch, role, size_pt))
            i += 1
    return out


@functools.cache
def _single(ch: str, role: str, size_pt: float) -> _Cluster:
    """The cluster of one character that is not part of a word or a dash pair."""
    if ch == " ":
        kind = "space"
    elif ch in OPENING:
        kind = "open"
    elif ch in CLOSING:
        kind = "close"
    elif _script(ch) in _IDEOGRAPHIC:
        kind = "han"
    else:
        kind = "other"
    m = measure(role, size_pt)
    width = m.width(ch, script="Hani")
    half = m.width(ch, halt=True, script="Hani") if kind in ("open", "close") else width
    return _Cluster(ch, role, kind, width, min(half, width), kind == "han")


def _word_clusters(word, role, m, style, max_width):
    """A Latin word or number as one cluster; split only when it cannot share a line with
    1 em more (a mark that may not start the next line), into pieces that can."""
    has_letter = any(c.isalpha() for c in word)
    gap_ok = has_letter or style.digit_gap
    width = m.width(word)
    max_width -= m.size_pt
    if width <= max_width:
        return [_Cluster(word, role, "word", width, width, gap_ok)]
    pieces, start = [], 0
    for end in range(1, len(word) + 1):
        if end > start + 1 and m.width(word[start:end]) > max_width:
            pieces.append(word[start:end - 1])
            start = end - 1
    pieces.append(word[start:])
    return [_Cluster(p, role, "word", m.width(p), m.width(p), gap_ok) for p in pieces]


# --- the composed line ---------------------------------------------------------------------

@dataclass(frozen=True)
class Box:
    """One text box of a line as WeasyPrint will shape it: text in one role, one spacing.

    Spacing is relative to the line's letter-spacing X: a plain box has X after every glyph
    cluster, X + `extra` when `extra` is not None; a w-span (`word`) has none inside, X +
    `extra` in its right margin and `margin_left` (absolute) before it.
    """

    text: str
    role: str
    halt: bool = False
    extra: float | None = None
    margin_left: float = 0.0
    word: bool = False


@dataclass(frozen=True)
class Placed:
    """Where one cluster of a line sits: x from the column's left edge, advance in pt."""

    text: str
    x: float
    advance: float
    halt: bool


@dataclass(frozen=True)
class Line:
    """One composed line; `width` runs from the column's left edge to the right edge of
    the last visible glyph (a source space kept at the line end is zero width) — but not of a
    hanging mark (`hang`): that one starts at `width`, the column's edge, and sits outside."""

    boxes: tuple[Box, ...]
    placed: tuple[Placed, ...]
    role: str
    size_pt: float
    spacing: float      # the line's letter-spacing (even inter-character stretch)
    indent: float
    width: float
    last: bool
    hang: bool = False

    def text(self) -> str:
        return "".join(b.text for b in self.boxes)

    def html(self) -> str:
        style = f"font-size:{_pt(self.size_pt)};letter-spacing:{_pt(self.spacing)}"
        if self.indent:
            style += f";padding-left:{_pt(self.indent)}"
        inner = "".join(_box_html(b, self.role, self.spacing) for b in self.boxes)
        return f'<span class="ln r-{self.role}" style="{style}">{inner}</span>'


def _pt(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") + "pt"


def _box_html(box: Box, line_role: str, spacing: float) -> str:
    text = html.escape(box.text, quote=False)
    classes = []
    if box.role != line_role:
        classes.append(f"r-{box.role}")
    if box.halt:
        classes.append("h")
    if box.word:
        classes.append("w")
    style = []
    after = spacing + (box.extra or 0.0)
    if box.extra is not None and not box.word:
        style.append(f"letter-spacing:{_pt(after)}")
    if box.margin_left:
        style.append(f"margin-left:{_pt(box.margin_left)}")
    if box.word and after:
        style.append(f"margin-right:{_pt(after)}")
    if not classes and not style:
        return text
    attrs = f' class="{" ".join(classes)}"' if classes else ""
    attrs += f' style="{";".join(style)}"' if style else ""
    return f"<span{attrs}>{text}</span>"


def _line_css() -> str:
    rules = [
        ".ln { display: block; white-space: pre; height: var(--pitch); line-height: var(--pitch);"
        " text-indent: 0; text-align: left; word-spacing: 0; font-style: normal;"
        " font-kerning: normal; overflow: visible; }",
        ".ln .h { font-feature-settings: \"halt\"; }",
        ".ln .w { letter-spacing: 0; }",
    ]
    for key, role in fonts.role_map().items():
        rules.append(f'.r-{key} {{ font-family: "{role.family}"; font-weight: {role.weight}; }}')
    return "\n".join(rules)


LINE_CSS: str = _line_css()


# --- breaking ------------------------------------------------------------------------------

class _Paragraph:
    """The clusters of one paragraph with prefix sums, so a line's width is O(1)."""

    def __init__(self, clusters: list[_Cluster], size_pt: float, style: HouseStyle):
        self.c = clusters
        self.style = style
        self.em = size_pt
        n = len(clusters)
        self.halted = [False] * n
        self.hung: set[int] = set()    # ends of the lines whose last cluster hangs (breaks())
        if style.compress_adjacent:
            for i in range(n - 1):
                a, b = clusters[i], clusters[i + 1]
                if a.kind == "close" and b.kind in ("open", "close") and a.compressible:
                    self.halted[i] = True
                elif a.kind == "open" and b.kind == "open" and b.compressible:
                    self.halted[i + 1] = True
        self.gap = [self._gap(i) for i in range(n - 1)]
        self.adv = [c.half if h else c.width for c, h in zip(clusters, self.halted)]
        self._w = _prefix(self.adv)
        self._g = _prefix(self.gap)
        self._save = _prefix([self.interior_saving(i) for i in range(n)])

    def _gap(self, i: int) -> float:
        a, b = self.c[i], self.c[i + 1]
        kinds = {a.kind, b.kind}
        if kinds == {"han", "word"} and a.gap_ok and b.gap_ok:
            return self.style.han_latin_gap_em * self.em
        return 0.0

    def interior_saving(self, i: int) -> float:
        c = self.c[i]
        if self.halted[i] or not c.compressible or not self.style.interior_compress:
            return 0.0
        if c.text in INTERIOR_BRACKETS or c.text in INTERIOR_COMMAS:
            return c.width - c.half
        return 0.0

    def visible_end(self, s: int, e: int) -> int:
        """End of the line's visible clusters: spaces at a line end take no width."""
        while e > s + 1 and self.c[e - 1].kind == "space":
            e -= 1
        return e

    def natural(self, s: int, e: int) -> float:
        v = self.visible_end(s, e)
        return self._w[v] - self._w[s] + self._g[v - 1] - self._g[s]

    def end_saving(self, i: int) -> float:
        c = self.c[i]
        ok = c.kind == "close" and self.style.line_end_half and not self.halted[i]
        return c.width - c.half if ok else 0.0

    def start_saving(self, i: int) -> float:
        c = self.c[i]
        ok = c.kind == "open" and self.style.line_start_bracket_half and not self.halted[i]
        return c.width - c.half if ok else 0.0

    def minimum(self, s: int, e: int) -> float:
        """The narrowest the line can be set with every allowed compression."""
        v = self.visible_end(s, e)
        if v - s == 1:
            return self.natural(s, e) - max(self.start_saving(s), self.end_saving(s))
        inner = self._save[v - 1] - self._save[s + 1]
        gaps = (self._g[v - 1] - self._g[s]) / 2       # Han–Latin gap → ⅛ em
        return (self.natural(s, e) - inner - gaps
                - self.start_saving(s) - self.end_saving(v - 1))

    def legal(self, i: int) -> bool:
        """May a line end after cluster i-1 and the next start with cluster i?"""
        a, b = self.c[i - 1], self.c[i]
        if b.kind == "space":
            return False          # a space at a break stays at the end of the earlier line
        if a.kind == "word" and b.kind == "word":
            return True           # only the pieces of an over-wide word meet like this
        if self.style.kinsoku == "off":
            return True
        if b.kind != "word" and b.text[0] in NO_START:
            return False
        if a.kind != "word" and a.text[-1] in NO_END:
            return False
        return not (self.style.kinsoku == "strict" and b.kind == "dash")

    def breaks(self, width: float, first_indent: float,
               justified: bool = True) -> list[tuple[int, int]]:
        """Greedy breaking: squeeze in before pushing out (先挤进，后推出), then 孤字.

        When `justified`, a line that would stretch its Han spacing to MAX_CHAR_GAP_EM or
        more squeezes in the next unit even where it could break, else hangs a 、，。 (the
        line's end goes to `hung`); `_LineSetter` caps what is left.
        """
        n = len(self.c)
        lines: list[tuple[int, int]] = []
        self.hung = set()
        s = 0
        while s < n:
            room = width - (first_indent if s == 0 else 0.0)
            e = s + 1
            while e < n and self.natural(s, e + 1) <= room + EPS:
                e += 1
            if e < n and not self.legal(e):
                e = self._squeeze(s, e, room) or self._push(s, e) or e
            if justified and e < n and self.loose(s, e, room):
                e = self._tighten(s, e, room)
            lines.append((s, e))
            s = e
        if self.style.no_orphan_char and len(lines) > 1:
            self._pull_orphan(lines, width, first_indent, justified)
        return lines

    def char_stretch(self, s: int, e: int, room: float, hang: bool = False) -> float:
        """The even Han spacing (em) that justifying line s..e to `room` takes when its word
        spaces and Han–Latin gaps have first grown to ½ em (0 for a line that must shrink).
        With `hang`, the line's last cluster hangs outside and is not counted."""
        v = e - 1 if hang else self.visible_end(s, e)
        slots = v - s - 1
        slack = room - self.natural(s, v)
        if slots <= 0 or slack <= EPS:
            return 0.0
        for i in range(s, v - 1):
            if self.c[i].kind == "space":
                slack -= max(0.0, self.em / 2 - self.c[i].width)
            if self.gap[i] > 0:
                slack -= max(0.0, self.em / 2 - self.gap[i])
        return max(0.0, slack) / slots / self.em

    def han_pair(self, s: int, v: int) -> bool:
        """Do two Han characters meet among clusters s..v-1 (pdftotext may part them)?"""
        return any(self.c[i].kind == "han" and self.c[i + 1].kind == "han" for i in range(s, v - 1))

    def loose(self, s: int, e: int, room: float, hang: bool = False) -> bool:
        v = e - 1 if hang else self.visible_end(s, e)
        return (self.char_stretch(s, e, room, hang) >= MAX_CHAR_GAP_EM - EPS
                and self.han_pair(s, v))

    def _tighten(self, s: int, e: int, room: float) -> int:
        """A loose line s..e: squeeze in more (compressing its marks), else hang a 、，。."""
        k = self._squeeze(s, e, room)
        if k is not None:
            return k
        if self.style.hang_punctuation:
            k = self._hang(s, e, room)
            if k is not None:
                self.hung.add(k)
                return k
        return e

    def _hang(self, s: int, e: int, room: float) -> int | None:
        """The end k > e of a line whose clusters s..k-2 fit `room` (compressed if need be)
        and whose last cluster, one of 、，。 before a legal break, hangs outside at ½ em;
        the longest such line, if it is tighter than s..e."""
        n, found = len(self.c), None
        k = e + 1
        while k <= n and self.minimum(s, k - 1) <= room + EPS:
            mark, before = self.c[k - 1], self.c[k - 2]
            # a paragraph's last line is not justified: it hangs only a mark after a full line
            end_ok = self.legal(k) if k < n else abs(self.natural(s, k - 1) - room) <= EPS
            if (mark.text in HANGING and mark.compressible and before.kind != "space"
                    and k - 1 > s and end_ok):
                found = k
            k += 1
        if found is not None and (self.char_stretch(s, found, room, hang=True)
                                  < self.char_stretch(s, e, room)):
            return found
        return None

    def _squeeze(self, s: int, e: int, room: float) -> int | None:
        k = e + 1
        while k <= len(self.c) and self.minimum(s, k) <= room + EPS:
            if k == len(self.c) or self.legal(k):
                return k
            k += 1
        return None

    def _push(self, s: int, e: int) -> int | None:
        k = e - 1
        while k > s and not self.legal(k):
            k -= 1
        return k if k > s else None

    def _pull_orphan(self, lines, width, first_indent=0.0, justified=False):
        s, e = lines[-2]
        n = len(self.c)
        last_text = "".join(c.text for c in self.c[e:]).strip()
        if len(last_text) != 1:
            return
        room = width - (first_indent if s == 0 else 0.0)
        k = e - 1
        while k > s and not self.legal(k):
            k -= 1
        if k > s and self.natural(k, n) <= width + EPS:
            if justified and self.loose(s, k, room) and self.minimum(s, n) <= room + EPS:
                lines[-2:] = [(s, n)]     # the line above too loose: squeeze the character in
            else:
                lines[-2:] = [(s, k), (k, n)]
            self.hung.discard(e)


def _prefix(values: list[float]) -> list[float]:
    out = [0.0]
    for v in values:
        out.append(out[-1] + v)
    return out


# --- spacing one line ----------------------------------------------------------------------

class _LineSetter:
    """Decides the compression and the spacing of one line, then places it exactly."""

    def __init__(self, para: _Paragraph, s: int, e: int, width: float, indent: float,
                 justify: bool, space_target: float | None = None, hang: bool = False):
        self.p, self.s, self.e = para, s, e
        # a hanging mark (the last cluster) is outside the justified part, at ½ em
        self.hang = hang and e - s > 1
        self.v = e - 1 if self.hang else para.visible_end(s, e)
        self.width, self.indent, self.justify = width, indent, justify
        self.halt = para.halted[s:e]
        if self.hang:
            self.halt[-1] = True
        # extra[k]: spacing after cluster s+k beyond the even X (gaps, word spaces)
        self.extra = [para.gap[i] if i < self.v - 1 else 0.0 for i in range(s, e)]
        if space_target is not None:
            for k in self._spaces():
                self.extra[k] = space_target - para.c[s + k].width

    def _spaces(self) -> list[int]:
        return [k for k in range(self.v - self.s - 1) if self.p.c[self.s + k].kind == "space"]

    def _gaps(self) -> list[int]:
        return [k for k in range(self.v - self.s - 1) if self.p.gap[self.s + k] > 0]

    def natural_width(self) -> float:
        c = self.p.c[self.s:self.v]
        return self.indent + sum(
            (x.half if h else x.width) + d for x, h, d in zip(c, self.halt, self.extra))

    def set(self) -> Line:
        need = self.natural_width() - self.width
        if need > EPS:
            self._shrink(need)
        elif self.justify and need < -EPS:
            self._stretch(-need)
        return self._place()

    def _halt_one(self, k: int) -> float:
        c = self.p.c[self.s + k]
        self.halt[k] = True
        return c.width - c.half

    def _shrink(self, need: float) -> None:
        """clreq order: line-end mark; word spaces → ¼ em; brackets; ，、；; gaps → ⅛ em."""
        p, s, last = self.p, self.s, self.v - 1 - self.s
        if not self.halt[last] and p.end_saving(s + last):
            need -= self._halt_one(last)
        if need > EPS and not self.halt[0] and p.start_saving(s):
            need -= self._halt_one(0)
        taken = 0.0
        if need > EPS:
            taken = self._adjust(self._spaces(), need, lambda k: p.em / 4 - p.c[s + k].width)
            need -= taken
        for marks in (INTERIOR_BRACKETS, INTERIOR_COMMAS):
            for k in range(last - 1, 0, -1):
                if need <= EPS:
                    break
                if p.c[s + k].text in marks and not self.halt[k] and p.interior_saving(s + k):
                    need -= self._halt_one(k)
        if need > EPS:
            need -= self._adjust(self._gaps(), need, lambda k: -p.gap[s + k] / 2)
        if need < -EPS and taken:
            need += self._adjust(self._spaces(), -need, lambda k: 0.0, stretch=True)

    def _stretch(self, slack: float) -> None:
        """clreq order: word spaces up to ½ em; Han–Latin gaps up to ½ em; the rest is X,
        except what X would take past the house style's cap, which spaces and gaps take."""
        p, s = self.p, self.s
        slack -= self._adjust(self._spaces(), slack,
                              lambda k: p.em / 2 - p.c[s + k].width, stretch=True)
        slack -= self._adjust(self._gaps(), slack, lambda k: p.em / 2 - p.gap[s + k],
                              stretch=True)
        wide = self._spaces() + self._gaps()
        slots = self.v - self.s - 1
        over = slack - p.style.char_stretch_cap_em * p.em * slots
        if wide and over > EPS:
            for k in wide:
                self.extra[k] += over / len(wide)

    def _adjust(self, ks: list[int], amount: float, limit, stretch: bool = False) -> float:
        """Move extra[k] for k in ks evenly toward limit(k) by at most `amount` in total."""
        sign = 1 if stretch else -1
        room = [max(0.0, sign * (limit(k) - self.extra[k])) for k in ks]
        total = sum(room)
        if total <= EPS:
            return 0.0
        share = min(1.0, amount / total)
        for k, r in zip(ks, room):
            self.extra[k] += sign * r * share
        return total * share

    def _boxes(self) -> list[Box]:
        """The line's text boxes; the spacing after cluster k is X + extra[k].

        A w-span carries that in its right margin; the extra before a w-span rides on the
        span's left margin, so the Han text box before it is not split (a split could leave
        an all-Common box behind, which Pango shapes differently).
        """
        p, s, n = self.p, self.s, self.e - self.s
        boxes: list[Box] = []
        plain: list[str] = []      # text of the plain box being collected
        plain_role = ""
        carry = 0.0

        def flush():
            if plain:
                boxes.append(Box("".join(plain), plain_role))
                plain.clear()

        for k in range(n):
            c, extra = p.c[s + k], self.extra[k]
            if c.kind == "word" or c.split:
                flush()
                boxes.append(Box(c.text, c.role, extra=extra, margin_left=carry, word=True))
                carry = 0.0
                continue
            nxt = p.c[s + k + 1] if k + 1 < n else None
            if nxt is not None and (nxt.kind == "word" or nxt.split):
                carry, extra = extra, 0.0
            own = extra if abs(extra) > EPS else None
            if self.halt[k] or own is not None or c.role != plain_role:
                flush()
            if self.halt[k] or own is not None:
                boxes.append(Box(c.text, c.role, halt=self.halt[k], extra=own))
            else:
                plain.append(c.text)
                plain_role = c.role
        flush()
        return boxes

    def _place(self) -> Line:
        """Solve the even spacing X on the exact box widths, then place every cluster.

        Positions are linear in X (`_layout`), so one layout gives X. An X that would part two
        Han characters in pdftotext (MAX_CHAR_GAP_EM) is capped at CAPPED_CHAR_GAP_EM and the
        rest goes to the line's other gaps (next to a mark, a word, a dash), or, on a line of
        Han characters only, is left over: the line is short. A hanging mark gets a negative
        left margin that cancels the spacing after the cluster before it, so it starts
        exactly at the column's edge.
        """
        em = self.p.em
        boxes = self._boxes()
        layout = _layout(boxes, em)
        spacing = 0.0
        if self.justify:
            spacing = self._solve(layout)
            if spacing >= (MAX_CHAR_GAP_EM - EPS) * em and self.p.han_pair(self.s, self.v):
                spacing = CAPPED_CHAR_GAP_EM * em
                spread = self._spread_over_others(spacing)
                if spread:
                    boxes, layout = spread, _layout(spread, em)
        if self.hang:
            before = self.extra[self.v - 1 - self.s]
            boxes[-1] = replace(boxes[-1], margin_left=-(spacing + before))
            layout = _layout(boxes, em)
        placed, pos = [], 0
        for k in range(self.e - self.s):
            c = self.p.c[self.s + k]
            x0, slots, _ = layout[pos]
            adv = sum(a for _, _, a in layout[pos:pos + len(c.text)])
            placed.append(Placed(c.text, self.indent + x0 + spacing * slots, adv, self.halt[k]))
            pos += len(c.text)
        end = placed[self.v - 1 - self.s]
        return Line(tuple(boxes), tuple(placed), _main_role(self.p.c[self.s:self.e]), em,
                    spacing, self.indent, end.x + end.advance, last=not self.justify,
                    hang=self.hang)

    def _spread_over_others(self, spacing: float) -> list[Box] | None:
        """With X fixed, widen the gaps that are not between two Han characters evenly so
        the line ends at the edge; the new boxes, or None when the line has no such gap.

        Giving a cluster its own spacing splits a text box, which can change how Pango
        shapes it (a lone —— is narrower), so the widening is solved on the split boxes:
        positions are linear in it, two layouts (1 and 2 pt) give it."""
        c, s, em = self.p.c, self.s, self.p.em
        others = [k for k in range(self.v - s - 1)
                  if not (c[s + k].kind == "han" and c[s + k + 1].kind == "han")]
        if not others:
            return None
        base = list(self.extra)

        def widened(d: float) -> list[Box]:
            for k in others:
                self.extra[k] = base[k] + d
            return self._boxes()

        end1 = self._right(_layout(widened(1.0), em), spacing)
        end2 = self._right(_layout(widened(2.0), em), spacing)
        if end2 - end1 <= EPS:
            self.extra = base
            return None
        return widened(1.0 + (self.width - self.indent - end1) / (end2 - end1))

    def _solve(self, layout: list[tuple[float, int, float]]) -> float:
        """The even spacing X that ends the line's justified part at the column's edge."""
        end0, end1 = self._right(layout, 0.0), self._right(layout, 1.0)
        return (self.width - self.indent - end0) / (end1 - end0) if end1 - end0 > EPS else 0.0

    def _right(self, layout: list[tuple[float, int, float]], spacing: float) -> float:
        """Where the last visible cluster ends with letter-spacing `spacing`."""
        end = sum(len(c.text) for c in self.p.c[self.s:self.v])
        last_start = end - len(self.p.c[self.v - 1].text)
        x0, slots, _ = layout[last_start]
        return x0 + spacing * slots + sum(a for _, _, a in layout[last_start:end])


def _main_role(clusters) -> str:
    counts: dict[str, int] = {}
    for c in clusters:
        counts[c.role] = counts.get(c.role, 0) + len(c.text)
    return max(counts, key=counts.get)


def _layout(boxes: list[Box], size_pt: float) -> list[tuple[float, int, float]]:
    """(pen x without letter-spacing, letter-spacing slots before it, advance) of every source
    character, shaped box by box as WeasyPrint does: with letter-spacing X the pen is at
    x + X · slots. Pango adds the box's spacing after each glyph cluster of a plain box, and
    once after a w-span (its right margin).

    A character inside a glyph cluster (the second "—" of a ligature) gets its cluster's x
    and advance 0, so the advances of a line's characters add up to its glyph advances.
    """
    out: list[tuple[float, int, float]] = []
    x, slots = 0.0, 0
    for box in boxes:
        extra = box.extra or 0.0
        x += box.margin_left
        glyphs = measure(box.role, size_pt).shape(box.text, box.halt)
        for g, (start, adv, _) in enumerate(glyphs):
            end = glyphs[g + 1][0] if g + 1 < len(glyphs) else len(box.text)
            out.append((x, slots, adv))
            out.extend((x, slots, 0.0) for _ in range(start + 1, end))
            x += adv
            if not box.word:
                x += extra
                slots += 1
        if box.word:
            x += extra
            slots += 1
    return out


# --- public entry points -------------------------------------------------------------------

class Lines(Sequence):
    """The lines of one paragraph or headline: broken at once, each spaced and placed when
    first read. The planner asks for the number of lines at every width it tries; only the
    widths it chooses are ever set."""

    def __init__(self, para: _Paragraph, width: float,
                 specs: list[tuple[int, int, float, bool, float | None, bool]]):
        self._para, self._width = para, width
        self._specs = specs    # per line: (start, end, indent, justify, word-space target, hang)
        self._set: list[Line | None] = [None] * len(specs)

    def __len__(self) -> int:
        return len(self._specs)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        line = self._set[i]
        if line is None:
            s, e, indent, justify, space_target, hang = self._specs[i]
            line = self._set[i] = _LineSetter(self._para, s, e, self._width, indent, justify,
                                              space_target, hang).set()
        return line


@functools.lru_cache(maxsize=1024)      # bounded: flat memory over a long batch
def _shared_paragraph(spans: tuple[tuple[str, str], ...], size_pt: float,
                      style: HouseStyle) -> tuple[_Paragraph, float]:
    """A paragraph's clusters and sums, shared by every width it is broken at, with the
    width of its widest word: a width too narrow for that word needs its own clusters."""
    para = _Paragraph(_clusters(list(spans), size_pt, style, math.inf), size_pt, style)
    return para, max((c.width for c in para.c if c.kind == "word"), default=0.0)


def _paragraph(spans: list[tuple[str, str]], size_pt: float, style: HouseStyle,
               max_width: float) -> _Paragraph:
    para, widest_word = _shared_paragraph(tuple(spans), size_pt, style)
    if widest_word <= max_width - size_pt:     # no word split (see _word_clusters)
        return para
    return _Paragraph(_clusters(spans, size_pt, style, max_width), size_pt, style)


def compose_paragraph(spans: list[tuple[str, str]] | str, width_pt: float, size_pt: float,
                      style: HouseStyle = HouseStyle(), indent: bool = True) -> Lines:
    """Break one paragraph into justified lines (the last one is set natural, not justified).

    `spans` are (text, role) pieces, e.g. a 黑体 dateline run-in then the 书宋 body. The lines'
    text joins to exactly the source: a source space at a break stays at the end of the
    earlier line, with zero width.
    """
    if isinstance(spans, str):
        spans = [(spans, "shusong")]
    spans = [(t, r) for t, r in spans if t]
    if not spans:
        return Lines(None, width_pt, [])
    first_indent = style.indent_em * size_pt if indent else 0.0
    # a word is split only when wider than the narrowest line it may have to fit: the first
    para = _paragraph(spans, size_pt, style, width_pt - first_indent)
    breaks = para.breaks(width_pt, first_indent)
    return Lines(para, width_pt, [(s, e, first_indent if i == 0 else 0.0, i < len(breaks) - 1, None,
                                   e in para.hung) for i, (s, e) in enumerate(breaks)])


@functools.lru_cache(maxsize=64)
def _headline_style(style: HouseStyle) -> HouseStyle:
    return replace(style, no_orphan_char=False)


@functools.lru_cache(maxsize=1024)
def _one_line_width(para: _Paragraph, gap: float) -> float:
    """A headline's width on one line, its phrases `gap` apart: the same at every width the
    planner tries (the paragraph is shared by them)."""
    return _LineSetter(para, 0, len(para.c), math.inf, 0.0, justify=False, space_target=gap).natural_width()


def compose_headline(text: str, role: str, size_pt: float, width_pt: float,
                     style: HouseStyle = HouseStyle()) -> Lines:
    """Set a headline: its phrases (split on spaces) on one line with a visible gap of
    `style.headline_gap_em` when they fit, else one phrase a line, a phrase broken (with 禁则)
    only when wider than the width by itself. Lines are never justified, so every line is
    marked `last`; alignment is the caller's.
    """
    style = _headline_style(style)
    para = _paragraph([(text, role)], size_pt, style, width_pt)
    gap = style.headline_gap_em * size_pt
    if _one_line_width(para, gap) <= width_pt + EPS:
        return Lines(para, width_pt, [(0, len(para.c), 0.0, False, gap, False)])
    phrase_ends = [i + 1 for i, c in enumerate(para.c)
                   if c.kind == "space" and (i + 1 == len(para.c) or para.c[i + 1].kind != "space")]
    specs, s = [], 0
    for end in phrase_ends + [len(para.c)]:
        if end <= s:
            continue
        sub = _Paragraph(para.c[s:end], size_pt, style)
        specs += [(s + a, s + b, 0.0, False, None, False) for a, b in sub.breaks(width_pt, 0.0, justified=False)]
        s = end
    return Lines(para, width_pt, specs)
