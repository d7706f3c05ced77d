"""Headlines: set on one line when they fit, else broken the way a 美编 breaks a 主题 — into two
(at most three) lines as even as possible, at a phrase boundary (a space between phrases, a
，；： inside one) when one serves, never inside a word and never leaving a character alone.

Word boundaries come from a real Chinese word segmenter (rjieba: jieba's dictionary and HMM in
Rust, bundled in its wheel), not from a list kept here. A headline
that cannot be broken that way (a width too narrow for its words) falls back to any break 禁则
allows, then to one phrase a line broken greedily.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import importlib.util
import itertools
import marshal
import math

from typeset.model.layout import HouseStyle
from typeset.system import cache

from .breaking import EPS, Paragraph
from .setting import Lines, _LineSetter, _paragraph

MAX_LINES = 3            # a 主题 of more lines is not a headline any more: a smaller size is
MIN_SHARE = 0.4          # a line shorter than this share of the longest one reads as left over
PHRASE_MARKS = "，；：！？、"   # a break after one of these falls between phrases


@functools.cache
def word_starts(text: str) -> frozenset[int]:
    """Offsets in `text` where a word of the segmenter starts (a legal place for a line to).
    Remembered in the cache folder (save_words): loading the segmenter's dictionary takes
    0.3–0.6 s, more than planning a page, and a newsroom rebuilds the same headlines all evening."""
    known = _known_words()
    if text not in known:
        import rjieba

        known[text] = _fresh[text] = sorted(start for _, start, _ in rjieba.tokenize(text))
    return frozenset(known[text])


WORDS_KEPT = 20_000      # headlines remembered; the oldest are dropped
_fresh: dict[str, list[int]] = {}       # segmented since the last save


def save_words() -> None:
    """Write the headlines segmented since the last save, merged with what other processes
    wrote meanwhile (as the advances are: compose.save_metrics, and at exit)."""
    if not _fresh:
        return
    merged = cache.read_marshal(_words_file())
    merged = merged if isinstance(merged, dict) else {}
    merged.update(_fresh)
    if cache.atomic_write(_words_file(), marshal.dumps(dict(list(merged.items())[-WORDS_KEPT:]))):
        _fresh.clear()


atexit.register(save_words)


@functools.cache
def _words_file():
    """Keyed by the installed segmenter (another version may cut words otherwise)."""
    spec = importlib.util.find_spec("rjieba")
    where = cache.identity(spec.origin) if spec and spec.origin else "none"
    return cache.cache_dir() / f"headline-words-{hashlib.sha256(where.encode()).hexdigest()[:16]}.marshal"


@functools.cache
def _known_words() -> dict[str, list[int]]:
    known = cache.read_marshal(_words_file())
    return known if isinstance(known, dict) else {}


def uneven(widths: list[float]) -> bool:
    """A break a 美编 would redo: a line under MIN_SHARE of the longest."""
    return min(widths) < MIN_SHARE * max(widths) - EPS


@functools.lru_cache(maxsize=64)
def _headline_style(style: HouseStyle) -> HouseStyle:
    return style.model_copy(update={"no_orphan_char": False})


def compose_headline(text: str, role: str, size_pt: float, width_pt: float,
                     style: HouseStyle = HouseStyle()) -> HeadlineLines:
    """Set a headline: its phrases (split on spaces) on one line with a visible gap of
    `style.headline_gap_em` when they fit, else in the fewest lines (at most MAX_LINES) broken
    at word boundaries, the most even set of them, a phrase boundary preferred. Lines are never
    justified, so every line is marked `last`; alignment is the caller's.
    """
    return _headline(text, role, size_pt, width_pt, _headline_style(style))


@functools.lru_cache(maxsize=4096)      # bounded: the planner asks at every width and size it tries
def _headline(text: str, role: str, size_pt: float, width_pt: float, style: HouseStyle) -> HeadlineLines:
    para = _paragraph([(text, role)], size_pt, style, width_pt)
    gap = style.headline_gap_em * size_pt

    @functools.cache
    def width(s: int, e: int) -> float:
        return _LineSetter(para, s, e, math.inf, 0.0, justify=False, space_target=gap).natural_width()

    def lines(bounds: list[tuple[int, int]], at_words: bool = True) -> HeadlineLines:
        return HeadlineLines(para, width_pt, [(s, e, 0.0, False, gap, False) for s, e in bounds],
                             tuple(width(s, e) for s, e in bounds), at_words)

    n = len(para.c)
    if width(0, n) <= width_pt + EPS:
        return lines([(0, n)])
    offsets = list(itertools.accumulate((len(c.text) for c in para.c), initial=0))
    starts = word_starts(text)
    legal = [e for e in range(1, n) if para.legal(e)]
    for candidates in ([e for e in legal if offsets[e] in starts], legal):
        ends = _balanced(para, candidates, width, width_pt)
        if ends:
            return lines(list(zip([0] + ends, ends + [n])), candidates is not legal)
    return lines(_greedy_phrases(para, width_pt), False)


class HeadlineLines(Lines):
    """A headline's lines, with each line's width known before it is set (`widths`) and whether
    every break falls between words (`at_words`): the planner weighs a break without setting
    the lines of the sizes it does not choose."""

    def __init__(self, para: Paragraph, width: float, specs: list, widths: tuple[float, ...], at_words: bool):
        super().__init__(para, width, specs)
        self.widths, self.at_words = widths, at_words

    @property
    def even(self) -> bool:
        """Broken as a 美编 breaks a headline: between words, no line under MIN_SHARE of the longest."""
        return self.at_words and not uneven(self.widths)


def _balanced(para: Paragraph, candidates: list[int], width, width_pt: float) -> list[int] | None:
    """The line ends (before the last) of the best break into 2..MAX_LINES lines at `candidates`:
    every line fits; an even break before an uneven one, fewer lines before more, fewer breaks
    inside a phrase (a two-phrase headline breaks at its space when that is even), then the
    least unevenness (the squares of each line's em short of the longest), then the longer
    first line."""
    n, em = len(para.c), para.em
    best = None
    for count in range(2, MAX_LINES + 1):
        for ends in itertools.combinations(candidates, count - 1):
            bounds = list(zip((0,) + ends, ends + (n,)))
            widths = [width(s, e) for s, e in bounds]
            if max(widths) > width_pt + EPS:
                continue
            inside = sum(para.c[e - 1].kind != "space" and para.c[e - 1].text not in PHRASE_MARKS for e in ends)
            ragged = sum(((max(widths) - w) / em) ** 2 for w in widths)
            single = any(e - s == 1 for s, e in bounds)
            key = (uneven(widths) or single, count, inside, round(ragged, 6), -widths[0])
            if best is None or key < best[0]:
                best = (key, list(ends))
    return best[1] if best else None


def _greedy_phrases(para: Paragraph, width_pt: float) -> list[tuple[int, int]]:
    """One phrase a line, a phrase broken (with 禁则) only where wider than the width."""
    phrase_ends = [i + 1 for i, c in enumerate(para.c)
                   if c.kind == "space" and (i + 1 == len(para.c) or para.c[i + 1].kind != "space")]
    bounds, s = [], 0
    for end in phrase_ends + [len(para.c)]:
        if end <= s:
            continue
        sub = Paragraph(para.c[s:end], para.em, para.style)
        bounds += [(s + a, s + b) for a, b in sub.breaks(width_pt, 0.0, justified=False)]
        s = end
    return bounds
