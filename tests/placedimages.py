"""Images as a PDF page draws them, read from its content stream apart from the product: each
image XObject's drawn rectangle (the transformation in force at its `Do`) and the part of it
that shows (inside every clipping rectangle in force), and what a 美编 checks of them — crop,
resolution, overlaps, arrangement, the air under a caption.

Rectangles are (x0, top, x1, bottom) in points from the page's top-left, as pdfplumber gives
its characters, so glyphs and images compare directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pikepdf

Rect = tuple[float, float, float, float]


@dataclass
class DrawnImage:
    pixels: tuple[int, int]       # the image XObject's /Width, /Height
    drawn: Rect                   # the whole image as drawn (scaled to cover its box)
    visible: Rect                 # the part inside the clip


def _multiply(m, n):
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _box(ctm, x, y, w, h, page_height) -> Rect:
    """The axis-aligned box (top-down) of the rectangle (x, y, w, h) in user space under `ctm`."""
    a, b, c, d, e, f = ctm
    points = [(a * px + c * py + e, b * px + d * py + f) for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h))]
    xs, ys = [p[0] for p in points], [page_height - p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _intersect(r: Rect, s: Rect) -> Rect:
    return max(r[0], s[0]), max(r[1], s[1]), min(r[2], s[2]), min(r[3], s[3])


def drawn_images(path: Path, page_index: int = 0) -> list[DrawnImage]:
    """Every image drawn on the page, in drawing order (form XObjects followed)."""
    with pikepdf.open(path) as pdf:
        page = pdf.pages[page_index]
        height = float(page.mediabox[3]) - float(page.mediabox[1])
        found: list[DrawnImage] = []

        def run(stream, resources, ctm):
            stack, clip, path_rects = [], None, []
            for operands, operator in pikepdf.parse_content_stream(stream):
                op = str(operator)
                if op == "q":
                    stack.append((ctm, clip))
                elif op == "Q":
                    ctm, clip = stack.pop()
                elif op == "cm":
                    ctm = _multiply(tuple(float(v) for v in operands), ctm)
                elif op == "re":
                    path_rects.append(_box(ctm, *(float(v) for v in operands), height))
                elif op in ("W", "W*"):
                    for r in path_rects:
                        clip = r if clip is None else _intersect(clip, r)
                elif op in ("n", "f", "f*", "S", "B", "B*", "b", "b*", "s"):
                    path_rects = []
                elif op == "Do":
                    xobject = resources.XObject[operands[0]]
                    if xobject.Subtype == "/Image":
                        drawn = _box(ctm, 0, 0, 1, 1, height)
                        visible = _intersect(drawn, clip) if clip else drawn
                        found.append(DrawnImage((int(xobject.Width), int(xobject.Height)), drawn, visible))
                    elif xobject.Subtype == "/Form":
                        matrix = tuple(float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0]))
                        run(xobject, xobject.get("/Resources", resources), _multiply(matrix, ctm))

        run(page, page.Resources, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0))
    return found


def width(r: Rect) -> float:
    return r[2] - r[0]


def height(r: Rect) -> float:
    return r[3] - r[1]


def crop(visible: Rect, pixels: tuple[int, int]) -> float:
    """Share of the picture's width or height cut away to show `visible` from a file of `pixels`."""
    shown, image = width(visible) / height(visible), pixels[0] / pixels[1]
    return 1 - min(shown / image, image / shown)


def distortion(drawn: Rect, pixels: tuple[int, int]) -> float:
    """How far the drawn image's proportions stray from the file's (0: not stretched)."""
    return abs(width(drawn) / height(drawn) / (pixels[0] / pixels[1]) - 1)


def ppi(drawn: Rect, pixels: tuple[int, int]) -> float:
    """The file's pixels per inch at the size drawn."""
    return pixels[0] / (width(drawn) / 72)


def overlap(r: Rect, s: Rect, slack: float = 0.5) -> bool:
    """Do two rectangles share more than a hairline?"""
    return min(r[2], s[2]) - max(r[0], s[0]) > slack and min(r[3], s[3]) - max(r[1], s[1]) > slack


def arrangement(boxes: list[Rect], slack: float = 1.0) -> str:
    """How pictures stand: "side by side" (one row), "stacked" (one column), "2×2" or "other"."""
    tops = sorted({round(b[1] / slack) for b in boxes})
    lefts = sorted({round(b[0] / slack) for b in boxes})
    rows = [[b for b in boxes if round(b[1] / slack) == t] for t in tops]
    if len(rows) == 1:
        return "side by side"
    if len(lefts) == 1 and all(len(r) == 1 for r in rows):
        return "stacked"
    if len(boxes) == 4 and len(rows) == 2 and len(lefts) == 2 and all(len(r) == 2 for r in rows):
        return "2×2"
    return "other"


def caption_problems(caption: Rect, picture: Rect, below: list[Rect], pitch: float) -> list[str]:
    """What is wrong with a caption block under its picture: it must start under the picture
    (within a line), lie within its width, and have half a line or more of air before whatever
    is drawn under it in its width (`below`: glyph and image boxes)."""
    problems = []
    if not (picture[3] - 0.5 <= caption[1] <= picture[3] + pitch):
        problems.append(f"caption top {caption[1]:.1f} is not under the picture's foot {picture[3]:.1f}")
    if caption[0] < picture[0] - 0.5 or caption[2] > picture[2] + 0.5:
        problems.append("caption runs wider than its picture")
    under = [b for b in below if b[1] >= caption[3] - 0.5 and min(b[2], caption[2]) - max(b[0], caption[0]) > 0.5]
    if under:
        air = min(b[1] for b in under) - caption[3]
        if air < pitch / 2:
            problems.append(f"{air:.1f} pt of air under the caption, less than half a line ({pitch / 2:.2f} pt)")
    return problems
