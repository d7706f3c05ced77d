"""What a proof-reader's ruler measures on a built page, read from the PDF's glyph positions.

Each text column of each module is cut out of the page with pdfplumber; its glyphs are grouped
into lines by their top, and each line is measured against the column's edges. The plan says
only where the columns are and which lines end a paragraph (the proof-reader sees that by the
short line); every position comes from the PDF.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
from rules import HANGING, NO_END, NO_START, OPENING

from typeset.preflight.text import _trim_origin

TOLERANCE = 0.35
HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003ffff]")
CJK_MARKS = set("，。、：；！？）］｝〕〗】》〉」』”’（［｛〔〖【《〈「『“‘")


@dataclass
class PageMeasure:
    lines: int = 0                 # non-final body lines measured
    flush: int = 0                 # … of which flush at both edges
    not_flush: list[str] = field(default_factory=list)
    bad_starts: list[str] = field(default_factory=list)
    bad_ends: list[str] = field(default_factory=list)
    bad_indents: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    line_count_mismatch: list[str] = field(default_factory=list)
    grid_offsets: set[float] = field(default_factory=set)

    @property
    def flush_ratio(self) -> float:
        return self.flush / self.lines if self.lines else 1.0


def _group_lines(chars: list[dict]) -> list[list[dict]]:
    rows: dict[float, list[dict]] = {}
    for c in chars:
        rows.setdefault(round(c["top"], 1), []).append(c)
    return [sorted(row, key=lambda c: c["x0"]) for _, row in sorted(rows.items())]


def measure(pdf_path: Path, plan) -> PageMeasure:
    """Measure every body line of every text column of every page of the plan."""
    result = PageMeasure()
    with pdfplumber.open(pdf_path) as pdf:
        for pdf_page, page_plan in zip(pdf.pages, plan.pages):
            layout = page_plan.layout
            ox, oy = _trim_origin(pdf_page)
            ox, oy = ox + layout.area_left, oy + layout.area_top
            em = layout.grid.body_size_pt
            for module in page_plan.modules:
                previous_paragraph = None
                continued_mid = bool(module.continuation and module.continuation.mid_paragraph)
                for column in module.columns:
                    r = column.rect
                    x0, x1 = ox + r.x, ox + r.x + r.w
                    # a glyph belongs to the column its centre is in, widened on the right for a
                    # mark hanging in the gutter (centre ½ em out) but not so far left as to take
                    # the previous column's hanging mark, nor so far right as to take the next
                    # column's half-width opening bracket (centre ~1 gutter out)
                    inside = [c for c in pdf_page.chars if not c["text"].isspace()
                              and x0 - em / 4 <= (c["x0"] + c["x1"]) / 2 <= x1 + 0.7 * em
                              and oy + r.y <= (c["top"] + c["bottom"]) / 2 <= oy + r.y + r.h]
                    rows = _group_lines(inside)
                    where = f"{module.article.slug} column at x={r.x:.0f}"
                    if len(rows) != len(column.lines):
                        result.line_count_mismatch.append(f"{where}: {len(rows)} lines in the PDF, "
                                                          f"{len(column.lines)} planned")
                        continue
                    for row, body_line in zip(rows, column.lines):
                        starts = body_line.cls == "" and body_line.paragraph != previous_paragraph
                        _measure_line(result, row, body_line, x0, x1, em, where, oy, layout.grid.pitch_pt,
                                      indented=starts and not (continued_mid and body_line.paragraph == 0))
                        previous_paragraph = body_line.paragraph
    return result


def _measure_line(result: PageMeasure, row: list[dict], body_line, x0: float, x1: float, em: float,
                  where: str, oy: float, pitch: float, indented: bool) -> None:
    text = "".join(c["text"] for c in row)
    first, last = row[0], row[-1]
    if first["text"][0] in NO_START:
        result.bad_starts.append(f"{where}: {text}")
    if last["text"][-1] in NO_END:
        result.bad_ends.append(f"{where}: {text}")
    if body_line.cls:
        return
    if "Serif" in first["fontname"] and abs(first["size"] - em) < 0.01:
        result.grid_offsets.add(round((first["top"] - oy) % pitch, 1))
    left = first["x0"] + (em / 2 if first["text"][0] in OPENING and first["x0"] < x0 - 0.5 else 0)
    expected_left = x0 + (2 * em if indented else 0)
    if abs(left - expected_left) > TOLERANCE:
        result.bad_indents.append(f"{where}: {text} ({left - x0:+.2f} from the column edge)")
    if body_line.line.last:
        if len(text) < 2:
            result.orphans.append(f"{where}: {text}")
        return
    result.lines += 1
    rights = [last["x1"]]
    if last["text"][-1] in CJK_MARKS:
        rights.append(last["x0"] + em / 2)
    if last["text"][-1] in HANGING:
        rights.append(last["x0"])          # a hanging mark: the text before it ends at the edge
    if abs(left - expected_left) <= TOLERANCE and any(abs(r - x1) <= TOLERANCE for r in rights):
        result.flush += 1
    else:
        result.not_flush.append(f"{where}: {text} (left {left - expected_left:+.2f}, "
                                f"right {min(rights, key=lambda r: abs(r - x1)) - x1:+.2f})")


def pdftotext_columns(pdf_path: Path, plan) -> list[str]:
    """pdftotext of every text column (cropped), one string a column: what a reader's copy
    and paste gives."""
    texts = []
    for number, page_plan in enumerate(plan.pages, 1):
        layout = page_plan.layout
        for module in page_plan.modules:
            for column in module.columns:
                r = column.rect
                x, y = layout.area_left + r.x, layout.area_top + r.y
                out = subprocess.run(["pdftotext", "-q", "-f", str(number), "-l", str(number), "-r", "72",
                                      "-x", str(int(x - 2)), "-y", str(int(y)), "-W", str(int(r.w + 5)),
                                      "-H", str(int(r.h + 1)), "-nopgbrk", str(pdf_path), "-"],
                                     capture_output=True, text=True, check=True)
                texts.append(out.stdout)
    return texts


def spaces_between_han(texts: list[str]) -> list[str]:
    """Lines where extraction shows a space between two Han characters."""
    return [line for text in texts for line in text.splitlines()
            if re.search(f"{HAN.pattern} +{HAN.pattern}", line)]


def letters(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace())
