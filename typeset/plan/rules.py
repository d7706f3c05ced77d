"""The page designer's rules (版面规则, shared/design/page-design.md) measured on a planned page.

Everything is read from the plan's rectangles — module, headline area, text columns, picture —
and the pictures' pixel sizes, so `paiban check`, the proof and the planner's own report speak
of the same things in the designer's words: 碰题, 十字, 通栏, 字块 depth, picture share and crop,
主题 hierarchy and faces.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from typeset.model.findings import Finding

MIN_COLUMN_LINES = 12        # 字块: text columns at least this many grid lines deep
MAX_CROP = 0.15              # a photograph loses at most this share of its width or height
MIN_PPI = 200                # a picture under this at its placed size is blown up past its natural size
PICTURE_SHARE = 0.40         # pictures take at most this share of the 版心 …
SPARSE_PICTURE_SHARE = 0.45  # … or this on a sparse page (body text under a third of the page)
EPS = 0.5                    # points
FULL_LINES = 2               # a page with no more empty grid lines than this is full


def picture_size(path: Path) -> tuple[int, int] | None:
    """(width, height) in pixels as the picture is seen (EXIF rotation applied), read from the
    file's header without decoding it; None for a missing or unreadable file. Remembered while
    the file is unchanged (a long watch or serve sees a replaced picture anew)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return _header_size(path, st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _header_size(path: Path, size: int, mtime_ns: int) -> tuple[int, int] | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            w, h = image.size
            if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):   # EXIF: a quarter turn
                w, h = h, w
            return w, h
    except (OSError, UnidentifiedImageError):
        return None


def crop_share(box_w: float, box_h: float, size: tuple[int, int]) -> float:
    """Share of the picture's width or height cut away when it covers a box of this size."""
    box, image = box_w / box_h, size[0] / size[1]
    return 1 - min(box / image, image / box)


def effective_ppi(box_w: float, box_h: float, size: tuple[int, int]) -> float:
    """Source pixels per inch when the picture covers a box of this size (points)."""
    return 72 / max(box_w / size[0], box_h / size[1])


@dataclass
class PageRules:
    """What a 美编 would mark on one page."""

    bumps: list[tuple[str, str]] = field(default_factory=list)           # 碰题 pairs of slugs
    crosses: list[tuple[int, int]] = field(default_factory=list)         # 十字 (栏, grid line)
    full_width: list[str] = field(default_factory=list)                  # 通栏 text modules
    shallow: list[tuple[str, int]] = field(default_factory=list)         # (slug, lines) of 字块
    picture_share: float = 0.0
    picture_limit: float = PICTURE_SHARE
    crops: list[tuple[str, float]] = field(default_factory=list)         # (slug, share cut)
    hierarchy: list[tuple[str, float, str, float]] = field(default_factory=list)
    lead_picture: list[str] = field(default_factory=list)    # pictures larger than the 头条's
    same_face: list[tuple[str, str]] = field(default_factory=list)

    def broken(self) -> float:
        """How many rules the page breaks (the picture share and crops as one each; a picture
        larger than the 头条's as a third: an aim more than a rule)."""
        return (len(self.bumps) + len(self.crosses) + max(0, len(self.full_width) - 1) + len(self.shallow)
                + (self.picture_share > self.picture_limit + 1e-3) + sum(c > MAX_CROP + 1e-3 for _, c in self.crops)
                + len(self.hierarchy) + len(self.lead_picture) / 3)

    def figures(self) -> dict:
        return {"碰题": len(self.bumps), "十字": len(self.crosses), "通栏": len(self.full_width),
                "shallow": len(self.shallow), "min_depth": min((d for _, d in self.shallow), default=None),
                "pictures": round(self.picture_share, 3), "max_crop": round(max((c for _, c in self.crops),
                                                                               default=0.0), 3),
                "hierarchy": len(self.hierarchy), "lead_picture": len(self.lead_picture),
                "same_face": len(self.same_face)}


def _title(module):
    return next((row for row in module.fit.head if row.kind in ("title", "jump-title")), None)


def beside(a, b) -> bool:
    """b stands to the right of a, across one gutter, and their heights overlap."""
    return -EPS < b.rect.x - (a.rect.x + a.rect.w) < 3 * EPS + 30 \
        and _overlap(a.rect.y, a.rect.h, b.rect.y, b.rect.h) > EPS


def above(a, b) -> bool:
    """b stands right under a and their widths overlap."""
    return abs(a.rect.y + a.rect.h - b.rect.y) < EPS and _overlap(a.rect.x, a.rect.w, b.rect.x, b.rect.w) > EPS


def _overlap(a0: float, alen: float, b0: float, blen: float) -> float:
    return min(a0 + alen, b0 + blen) - max(a0, b0)


def body_chars(articles) -> int:
    return sum(sum(map(len, a.paragraphs)) for a in articles)


def picture_limit(layout, articles) -> float:
    """The share of the 版心 the page's pictures may take: more on a sparse page."""
    g = layout.grid
    sparse = body_chars(articles) < g.columns * g.chars * g.lines / 3
    return SPARSE_PICTURE_SHARE if sparse else PICTURE_SHARE


def measure(page_plan, folder: Path | None) -> PageRules:
    """The rules on one planned page; `folder` holds the pictures (None: crops not measured)."""
    layout, modules = page_plan.layout, page_plan.modules
    pitch = layout.grid.pitch_pt
    rules = PageRules(picture_limit=picture_limit(layout, [m.record for m in modules]))
    for a in modules:
        for b in modules:
            ta, tb = _title(a), _title(b)
            if a is b or not (ta and tb):
                continue
            side = beside(a, b)
            if side and _overlap(a.head_rect.y, a.head_rect.h, b.head_rect.y, b.head_rect.h) > EPS:
                rules.bumps.append((a.record.slug, b.record.slug))
            elif side and ta.role == tb.role:
                rules.same_face.append((a.record.slug, b.record.slug))
    corners: dict[tuple[int, int], int] = {}
    for m in modules:
        x0 = round(m.rect.x / (layout.column_width + layout.gap))
        x1 = round((m.rect.x + m.rect.w + layout.gap) / (layout.column_width + layout.gap))
        y0, y1 = round(m.rect.y / pitch), round((m.rect.y + m.rect.h) / pitch)
        for point in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
            corners[point] = corners.get(point, 0) + 1
        if m.rect.w >= layout.area_width - EPS and len([c for c in m.columns if c.lines]) > 1:
            rules.full_width.append(m.record.slug)
        for column in m.columns:
            depth = round(column.rect.h / pitch)
            if column.lines and depth < MIN_COLUMN_LINES and not m.continuation and not m.fit.jump_to:
                rules.shallow.append((m.record.slug, depth))
                break
        for index, box in m.pictures:
            rules.picture_share += box.w * box.h / (layout.area_width * layout.area_height)
            size = picture_size(folder / m.record.pictures[index].file) if folder else None
            if size:
                rules.crops.append((m.record.slug, crop_share(box.w, box.h, size)))
    rules.crosses = sorted(p for p, n in corners.items() if n >= 4)
    titled = [(m.record.priority, _title(m).size, m.record.slug) for m in modules
              if _title(m) and not m.continuation]
    for pa, sa, a in titled:
        for pb, sb, b in titled:
            if pb > pa and sb > sa + 0.01:
                rules.hierarchy.append((b, sb, a, sa))
    pictured = sorted((m for m in modules if m.picture_rect), key=lambda m: m.record.priority)
    if pictured and pictured[0].record.priority == min(m.record.priority for m in modules):
        area = pictured[0].picture_rect.w * pictured[0].picture_rect.h
        rules.lead_picture = [m.record.slug for m in pictured[1:] if m.picture_rect.w * m.picture_rect.h > area + 1]
    return rules


def findings(plan) -> list:
    """Every broken rule of every page as a preflight warning, in the designer's words."""
    result = []
    for page_plan in plan.pages:
        number = page_plan.page.number
        rules = measure(page_plan, plan.issue.folder)

        # on a full page the planner found no plan within the rules that fills it: it says so
        filled = "; the planner broke this rule to fill the page" if page_plan.empty_lines <= FULL_LINES else ""

        def add(check: str, message: str, slug: str | None = None, hint: str = "") -> None:
            result.append(Finding("warning", check, message, number, slug, hint + filled))

        for a, b in rules.bumps:
            add("碰题", f"碰题: {a} / {b} — headlines side by side at the same height", a,
                "stagger the module tops or put a picture or text between the headlines")
        for column, line in rules.crosses:
            add("十字", f"十字: four module corners meet at 栏 {column}, line {line}", None,
                "stagger the module edges")
        for slug in rules.full_width[1:]:
            add("通栏", f"通栏: a second full-width text module ({slug}) — the page reads as stripes", slug,
                "narrower, deeper modules side by side")
        for slug, depth in rules.shallow:
            add("字块", f"字块 only {depth} lines deep (at least {MIN_COLUMN_LINES})", slug,
                "fewer, deeper text columns or 变栏")
        if rules.picture_share > rules.picture_limit + 1e-3:
            add("图片", f"pictures take {rules.picture_share:.0%} of the 版心 (at most {rules.picture_limit:.0%})")
        for slug, share in rules.crops:
            if share > MAX_CROP + 1e-3:
                add("图片", f"picture cropped {share:.0%} (at most {MAX_CROP:.0%})", slug,
                    "give the picture a box nearer its own proportions")
        for low, low_size, high, high_size in rules.hierarchy:
            add("层次", f"主题 of {low} ({low_size:g} pt) is larger than that of the more important "
                f"{high} ({high_size:g} pt)", low)
        for slug in rules.lead_picture:
            add("层次", f"the picture of {slug} is larger than the 头条's", slug,
                "give the lead the page's largest picture")
        for a, b in rules.same_face:
            add("字体", f"neighbouring 主题 {a} / {b} in the same face", b, "alternate 黑体 and 标宋")
    return result
