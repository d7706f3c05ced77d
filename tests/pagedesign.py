"""What a 美编 measures on a built page (shared/design/page-design.md), read from the PDF and
its sidecar `<issue>.articles.json`, independently of the planner.

The sidecar gives each module's rectangle and its parts (headline, text columns, picture,
caption) in PDF points; the house's page geometry (the 版心, the grid pitch) comes from the
layout's `layout.toml`; priorities come from the records' front matter. Everything else (glyph
rows, headline sizes, where each picture is placed and how large its source is) is read from the
PDF with pdfplumber. Nothing here imports the typesetter.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MM = 72 / 25.4
EPS = 0.5                     # points: rounding of the sidecar's coordinates and of glyph boxes
FLUSH_TOLERANCE = 0.5         # points: a row "reaches" the column edge
CJK_MARKS = set("，。、：；！？）］｝〕〗】》〉」』”’（［｛〔〖【《〈「『“‘")

# the limits of page-design.md / issue 12
MAX_FULL_WIDTH_TEXT = 1
MIN_COLUMN_LINES = 12
MAX_PICTURE_SHARE = 0.40
MAX_CROP = 0.15
MAX_DISTORTION = 0.01
MIN_FLUSH = 0.995
MAX_HOLE_LINES = 2


@dataclass(frozen=True)
class Frame:
    """The 版心 in PDF points (y up) and the text grid."""

    left: float
    top: float
    width: float
    height: float
    pitch: float
    em: float
    columns: int
    column_width: float
    gap: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top - self.height


@dataclass(frozen=True)
class Violation:
    rule: str      # 碰题, 十字, 通栏, 字块, 图片面积, 裁切, 变形, 主题, 齐行, 空白
    text: str      # in the designer's words

    def __str__(self) -> str:
        return self.text


@dataclass
class Module:
    slug: str
    rect: tuple[float, float, float, float]          # x0, y0, x1, y1 (PDF points, y up)
    parts: list[tuple[str, tuple[float, float, float, float]]]
    continued: bool = False

    def kind(self, kind: str) -> list[tuple[float, float, float, float]]:
        return [r for k, r in self.parts if k == kind]


@dataclass
class PageDesign:
    """The numbers of one page, and the broken rules in the designer's words."""

    page: int
    headline_clashes: list[tuple[str, str]] = field(default_factory=list)      # 碰题
    crosses: list[tuple[float, float]] = field(default_factory=list)           # 十字 points
    full_width_text: int = 0                                                   # 通栏 text modules
    column_lines: dict[str, list[int]] = field(default_factory=dict)           # slug → lines per column
    picture_share: float = 0.0                                                 # of the 版心
    crops: dict[str, float] = field(default_factory=dict)                      # slug → cut share
    distortions: dict[str, float] = field(default_factory=dict)                # slug → aspect change
    title_sizes: dict[str, float] = field(default_factory=dict)                # slug → 主题 pt
    priorities: dict[str, int] = field(default_factory=dict)
    body_lines: int = 0                                                        # non-final rows
    flush_lines: int = 0
    short_lines: list[str] = field(default_factory=list)
    holes: list[tuple[int, int, int]] = field(default_factory=list)            # (lines tall, 栏 wide, first line)
    violations: list[Violation] = field(default_factory=list)

    @property
    def min_column_lines(self) -> int | None:
        depths = [d for ds in self.column_lines.values() for d in ds]
        return min(depths) if depths else None

    @property
    def max_crop(self) -> float:
        return max(self.crops.values(), default=0.0)

    @property
    def flush_share(self) -> float:
        return self.flush_lines / self.body_lines if self.body_lines else 1.0

    @property
    def tallest_hole(self) -> int:
        return max((h for h, _, _ in self.holes), default=0)

    def broken(self, rule: str) -> list[str]:
        return [v.text for v in self.violations if v.rule == rule]


# --- inputs -----------------------------------------------------------------------------------

def read_frame(layout_toml: Path, trim_height: float) -> Frame:
    """The 版心 as the layout's stated geometry puts it: the grid's width, `lines` × pitch
    tall, its top under the 报眉, centred on the trim with the left margin as a minimum."""
    spec = tomllib.loads(layout_toml.read_text(encoding="utf-8"))
    page, grid = spec["page"], spec["grid"]
    em = grid["body_size_pt"]
    column_width, gap = grid["chars"] * em, grid["gap_chars"] * em
    width = grid["columns"] * column_width + (grid["columns"] - 1) * gap
    left = max(page["margin_left_mm"] * MM, (page["trim_mm"][0] * MM - width) / 2)
    top = trim_height - (page["top_mm"] + page["header_mm"]) * MM
    return Frame(left, top, width, grid["lines"] * grid["pitch_pt"], grid["pitch_pt"], em,
                 grid["columns"], column_width, gap)


def read_priorities(issue_folder: Path) -> dict[str, int]:
    """slug → priority from the records' front matter (5 when not given, as records say)."""
    result = {}
    for path in sorted((issue_folder / "articles").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        front = yaml.safe_load(text.split("---", 2)[1]) if text.startswith("---") else {}
        result[path.stem] = int((front or {}).get("priority", 5))
    return result


def page_modules(sidecar: dict, index: int) -> tuple[list[Module], dict[str, str]]:
    """The modules on the page at `index` (1-based) and each article's 主题."""
    modules, titles = [], {}
    for article in sidecar["articles"]:
        titles[article["slug"]] = article["fields"]["title"]
        for region in article["regions"]:
            if region["index"] == index:
                modules.append(Module(article["slug"], tuple(region["pdf"]),
                                      [(p["kind"], tuple(p["pdf"])) for p in region["parts"]],
                                      region.get("continued", False)))
    return modules, titles


# --- the rules read from the rectangles -------------------------------------------------------

def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def headline_clashes(modules: list[Module], frame: Frame) -> list[tuple[str, str]]:
    """碰题: headlines of two modules standing side by side (nothing but a gutter between the
    modules) whose vertical extents overlap."""
    clashes = []
    for a in modules:
        for b in modules:
            if a is b or not (0 <= b.rect[0] - a.rect[2] <= 2 * frame.gap + EPS):
                continue
            if _overlap(a.rect[1], a.rect[3], b.rect[1], b.rect[3]) <= EPS:
                continue
            if any(_overlap(ha[1], ha[3], hb[1], hb[3]) > EPS
                   for ha in a.kind("headline") for hb in b.kind("headline")):
                clashes.append((a.slug, b.slug))
    return clashes


def crosses(modules: list[Module], frame: Frame) -> list[tuple[float, float]]:
    """十字: points where four modules meet corner to corner (within a gutter or a grid line),
    so that the page is cut by a straight line both ways."""
    near = max(frame.gap, frame.pitch) + EPS
    def corner(m, kind):
        x0, y0, x1, y1 = m.rect
        return {"tl": (x0, y1), "tr": (x1, y1), "bl": (x0, y0), "br": (x1, y0)}[kind]
    found = []
    for lower_right in modules:
        point = corner(lower_right, "tl")
        others = [m for m in modules if m is not lower_right]
        if all(any(abs(corner(m, kind)[0] - point[0]) <= near and abs(corner(m, kind)[1] - point[1]) <= near
                   for m in others) for kind in ("tr", "bl", "br")):
            found.append((round(point[0], 1), round(point[1], 1)))
    return found


def full_width_text(modules: list[Module], frame: Frame) -> int:
    """通栏 text modules: as wide as the 版心, with text columns."""
    return sum(1 for m in modules if m.rect[2] - m.rect[0] >= frame.width - EPS and m.kind("text"))


def picture_share(modules: list[Module], frame: Frame) -> float:
    area = sum((r[2] - r[0]) * (r[3] - r[1]) for m in modules for r in m.kind("picture"))
    return area / (frame.width * frame.height)


def holes(modules: list[Module], frame: Frame) -> list[tuple[int, int, int]]:
    """Empty areas of the 版心 on its grid (基本栏 × grid lines) that no module covers, as
    (lines tall, 栏 wide, first line from the top), each a connected area of empty cells."""
    lines = round(frame.height / frame.pitch)
    def covered(col: int, line: int) -> bool:
        x = frame.left + col * (frame.column_width + frame.gap) + frame.column_width / 2
        y = frame.top - (line + 0.5) * frame.pitch
        return any(m.rect[0] <= x <= m.rect[2] and m.rect[1] <= y <= m.rect[3] for m in modules)
    empty = {(c, l) for c in range(frame.columns) for l in range(lines) if not covered(c, l)}
    found = []
    while empty:
        stack, area = [empty.pop()], []
        while stack:
            c, l = stack.pop()
            area.append((c, l))
            for n in ((c + 1, l), (c - 1, l), (c, l + 1), (c, l - 1)):
                if n in empty:
                    empty.remove(n)
                    stack.append(n)
        cols, rows = {c for c, _ in area}, [l for _, l in area]
        found.append((max(rows) - min(rows) + 1, len(cols), min(rows)))
    return sorted(found, key=lambda h: h[2])


# --- the rules read from the PDF --------------------------------------------------------------

def _inside(obj: dict, rect, height: float, right_slack: float = 0.0) -> bool:
    """A glyph belongs to a rectangle (PDF points, y up) when its centre is inside."""
    x = (obj["x0"] + obj["x1"]) / 2
    y = height - (obj["top"] + obj["bottom"]) / 2
    return rect[0] - EPS <= x <= rect[2] + right_slack and rect[1] - EPS <= y <= rect[3] + EPS


def _rows(chars: list[dict], em: float) -> list[list[dict]]:
    """Glyphs grouped into rows: a new row where the next glyph's top is a third of an em
    lower (glyphs of one row differ a little: punctuation, fallback faces)."""
    rows: list[list[dict]] = []
    for c in sorted(chars, key=lambda c: c["top"]):
        if rows and c["top"] - rows[-1][0]["top"] < em / 3:
            rows[-1].append(c)
        else:
            rows.append([c])
    return [sorted(row, key=lambda c: c["x0"]) for row in rows]


def _reaches(row: list[dict], edge: float, em: float) -> bool:
    """The row's right edge reaches the column edge: the last glyph's box, or half an em for
    a CJK mark set half-width, or a mark hanging past the edge."""
    last = row[-1]
    rights = [last["x1"]] + ([last["x0"] + em / 2] if last["text"] in CJK_MARKS else [])
    return max(rights) >= edge - FLUSH_TOLERANCE


def measure_text(result: PageDesign, pdf_page, modules: list[Module], frame: Frame) -> None:
    """Every text column's depth in grid lines (its glyph rows, or the pitches from its first
    to its last body row where a 小标题 takes more than a line), and the share of non-final body
    rows that are flush: a row is final when the next row of its article (across columns) starts indented,
    is set in another face (a 小标题), or there is none."""
    height = float(pdf_page.height)
    chars = [c for c in pdf_page.chars if not c["text"].isspace()]
    body_font = Counter(c["fontname"] for m in modules for r in m.kind("text")
                        for c in chars if _inside(c, r, height)).most_common(1)
    body_font = body_font[0][0] if body_font else None
    for m in modules:
        rows = []         # (row, column rect, is body)
        depths = []
        for rect in m.kind("text"):
            column = _rows([c for c in chars if _inside(c, rect, height, right_slack=0.7 * frame.em)], frame.em)
            body_tops = []
            for row in column:
                body = Counter(c["fontname"] for c in row).most_common(1)[0][0] == body_font
                rows.append((row, rect, body))
                body_tops += [row[0]["top"]] if body else []
            spanned = round((body_tops[-1] - body_tops[0]) / frame.pitch) + 1 if body_tops else 0
            depths.append(max(len(column), spanned))
        result.column_lines[m.slug] = depths
        for i, (row, rect, body) in enumerate(rows):
            if not body:
                continue
            nxt = rows[i + 1] if i + 1 < len(rows) else None
            # the next row starts indented by 2 em (1.5 em where it opens with a bracket set half-width)
            if nxt is None or not nxt[2] or nxt[0][0]["x0"] >= nxt[1][0] + 1.25 * frame.em:
                continue      # a paragraph's last line
            result.body_lines += 1
            if _reaches(row, rect[2], frame.em):
                result.flush_lines += 1
            else:
                text = "".join(c["text"] for c in row)
                result.short_lines.append(f"{m.slug}: {text} ({row[-1]['x1'] - rect[2]:+.1f} pt)")


def title_sizes(pdf_page, modules: list[Module], titles: dict[str, str]) -> dict[str, float]:
    """The 主题's size: the largest glyph of the title's characters in the headline part."""
    height = float(pdf_page.height)
    sizes = {}
    for m in modules:
        if m.continued or m.slug in sizes:
            continue
        wanted = set(titles.get(m.slug, "")) - {" ", "\u3000"}
        found = [c["size"] for r in m.kind("headline") for c in pdf_page.chars
                 if c["text"] in wanted and _inside(c, r, height)]
        if found:
            sizes[m.slug] = round(max(found), 2)
    return sizes


def picture_crops(pdf_page, modules: list[Module]) -> tuple[dict[str, float], dict[str, float]]:
    """How much of each photograph the page cuts off: the picture part against the image's
    placed extent (its placement matrix), the larger of the width and the height share; and how
    far the placed aspect departs from the pixels' aspect (a stretched picture)."""
    height = float(pdf_page.height)
    crops, distortions = {}, {}
    for m in modules:
        for rect in m.kind("picture"):
            x, y = (rect[0] + rect[2]) / 2, height - (rect[1] + rect[3]) / 2     # top-down, as pdfplumber
            hits = [i for i in pdf_page.images if i["x0"] <= x <= i["x1"] and i["top"] <= y <= i["bottom"]]
            if not hits:
                continue
            image = max(hits, key=lambda i: (i["x1"] - i["x0"]) * (i["bottom"] - i["top"]))
            placed_w, placed_h = image["x1"] - image["x0"], image["bottom"] - image["top"]
            cut = max(1 - (rect[2] - rect[0]) / placed_w, 1 - (rect[3] - rect[1]) / placed_h, 0.0)
            px_w, px_h = image["srcsize"]
            crops[m.slug] = round(cut, 4)
            distortions[m.slug] = round(abs((placed_w / placed_h) / (px_w / px_h) - 1), 4)
    return crops, distortions


# --- the page ---------------------------------------------------------------------------------

def measure_page(sidecar: dict, index: int, frame: Frame, priorities: dict[str, int],
                 pdf_page=None, *, picture_limit: float = MAX_PICTURE_SHARE) -> PageDesign:
    """Measure one page (1-based `index` in the PDF); without a pdfplumber page the rules that
    need the glyphs and images are skipped and column depths come from the parts' heights."""
    modules, titles = page_modules(sidecar, index)
    result = PageDesign(page=sidecar["pages"][index - 1]["page"])
    result.headline_clashes = headline_clashes(modules, frame)
    result.crosses = crosses(modules, frame)
    result.full_width_text = full_width_text(modules, frame)
    result.picture_share = picture_share(modules, frame)
    result.holes = holes(modules, frame)
    result.priorities = {m.slug: priorities.get(m.slug, 5) for m in modules}
    if pdf_page is not None:
        measure_text(result, pdf_page, modules, frame)
        result.title_sizes = title_sizes(pdf_page, modules, titles)
        result.crops, result.distortions = picture_crops(pdf_page, modules)
    else:
        result.column_lines = {m.slug: [round((r[3] - r[1]) / frame.pitch) for r in m.kind("text")]
                               for m in modules}
    result.violations = violations(result, picture_limit)
    return result


def _percent(share: float) -> str:
    """37 %, as issue 12 and the proof write a share."""
    return f"{round(share * 100)} %"


def violations(r: PageDesign, picture_limit: float) -> list[Violation]:
    found = [Violation("碰题", f"碰题: {a} / {b}") for a, b in r.headline_clashes]
    found += [Violation("十字", f"十字 at x={x:.0f} y={y:.0f} pt") for x, y in r.crosses]
    if r.full_width_text > MAX_FULL_WIDTH_TEXT:
        found.append(Violation("通栏", f"{r.full_width_text} 通栏 text modules (at most {MAX_FULL_WIDTH_TEXT})"))
    for slug, depths in r.column_lines.items():
        if depths and min(depths) < MIN_COLUMN_LINES:
            found.append(Violation("字块", f"字块 only {min(depths)} lines deep: {slug}"))
    if r.picture_share > picture_limit + 1e-9:
        found.append(Violation("图片面积", f"pictures fill {_percent(r.picture_share)} of the 版心 "
                                       f"(at most {_percent(picture_limit)})"))
    found += [Violation("裁切", f"picture cropped {_percent(cut)}: {slug}") for slug, cut in r.crops.items()
              if cut > MAX_CROP + 1e-9]
    found += [Violation("变形", f"picture distorted {_percent(d)}: {slug}") for slug, d in r.distortions.items()
              if d > MAX_DISTORTION]
    sized = sorted(r.title_sizes.items(), key=lambda kv: r.priorities.get(kv[0], 5))
    for i, (high, high_size) in enumerate(sized):
        for low, low_size in sized[i + 1:]:
            if r.priorities[low] > r.priorities[high] and low_size > high_size + 0.01:
                found.append(Violation("主题", f"主题 of {low} (priority {r.priorities[low]}) {low_size:g} pt "
                                              f"larger than {high} (priority {r.priorities[high]}) {high_size:g} pt"))
    if r.flush_share < MIN_FLUSH:
        found.append(Violation("齐行", f"{r.body_lines - r.flush_lines} of {r.body_lines} non-final lines short"
                                      + (f", e.g. {r.short_lines[0]}" if r.short_lines else "")))
    found += [Violation("空白", f"hole {tall} lines deep × {wide} 栏 from line {first + 1}")
              for tall, wide, first in r.holes if tall > MAX_HOLE_LINES]
    return found


def measure_build(pdf_path: Path, sidecar_path: Path, issue_folder: Path, layouts: Path,
                  **limits) -> list[PageDesign]:
    """Every page of a built archive PDF."""
    import pdfplumber

    sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
    toml = tomllib.loads((issue_folder / "issue.toml").read_text(encoding="utf-8"))
    layout_of = {p["number"]: p.get("layout", "duikai") for p in toml["pages"]}
    priorities = read_priorities(issue_folder)
    results = []
    with pdfplumber.open(pdf_path) as pdf:
        for entry in sidecar["pages"]:
            frame = read_frame(layouts / layout_of[entry["page"]] / "layout.toml", entry["size_pt"][1])
            results.append(measure_page(sidecar, entry["index"], frame, priorities,
                                        pdf.pages[entry["index"] - 1], **limits))
    return results


def _main() -> None:
    """python tests/pagedesign.py PDF SIDECAR ISSUE_FOLDER: the numbers and broken rules."""
    import sys

    pdf, side, folder = map(Path, sys.argv[1:4])
    for page in measure_build(pdf, side, folder, Path(__file__).resolve().parent.parent / "layouts"):
        print(f"第{page.page}版: 碰题 {len(page.headline_clashes)}, 十字 {len(page.crosses)}, "
              f"通栏 {page.full_width_text}, 字块 min {page.min_column_lines}, "
              f"pictures {page.picture_share:.1%}, crop max {page.max_crop:.1%}, 主题 {page.title_sizes}, "
              f"flush {page.flush_lines}/{page.body_lines} = {page.flush_share:.2%}, holes {page.holes}")
        for v in page.violations:
            print("  ", v)


if __name__ == "__main__":
    _main()
