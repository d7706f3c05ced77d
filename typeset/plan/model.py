"""What the planner decides, as typed data: each module's fit (headline rows, body lines,
picture) and its rectangles on the page, per page and per issue."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from typeset import compose
from typeset.model.errors import UserError
from typeset.model.layout import Layout
from typeset.model.records import Article, LoadedIssue, Page

HEADLINE_LEADING = 1.25      # a headline row's line height, in multiples of its size
CAPTION_AIR = 1              # grid line of air between a caption and the text below it


@dataclass(frozen=True)
class BodyLine:
    """Line `index` of a composed paragraph, set only when read (`line`): a fit that is not
    chosen never pays for spacing and placing its lines."""

    source: compose.Lines
    index: int
    cls: str = ""             # "" body, "subhead" (小标题), "byline" (right-aligned 楷体), "jump" (转版 line)
    paragraph: int = -1       # index of the body paragraph or 小标题 it sets (-1: byline, jump)

    @property
    def line(self) -> compose.Line:
        return self.source[self.index]


@dataclass(frozen=True)
class HeadRow:
    """One level of the headline area — 引题, 主题, 副题, or a continuation's 上接 line."""

    kind: str                 # "column" (栏目名) | "kicker" | "title" | "subtitle" | "jump-title" | "jump"
    role: str
    size: float
    lines: compose.Lines      # the row's text as set across (a 竖题's too: what the text checks read)
    vertical: compose.VerticalHeadline | None = None     # set as a 竖题 column instead

    @property
    def line_height(self) -> float:
        return self.size * HEADLINE_LEADING

    @property
    def height(self) -> float:
        return len(self.lines) * self.line_height


@dataclass(frozen=True)
class Continuation:
    """The part of an article set on a later page (上接第N版)."""

    original: Article
    from_page: int
    mid_paragraph: bool       # the first paragraph continues one cut at the jump: no indent


@dataclass(frozen=True)
class PictureSlot:
    """One picture of a module's picture area (a 组图 has 2–4, see plan.groups)."""

    picture: int              # index in the record's pictures
    x: float                  # points from the picture area's left
    y: float                  # points from the picture area's top
    w: float
    h: float
    caption: Sequence[compose.Line] = ()   # its own caption under it (none: one shared caption)


def caption_depth(caption: Sequence[compose.Line], slots: Sequence[PictureSlot]) -> int:
    """Grid lines under the picture area for captions: the deepest own caption of the last
    row (the other rows' captions are inside the area), then the shared caption (the rest of
    `caption`), a line of air apart so that they do not read as one."""
    last = max((s.y for s in slots), default=0.0)
    own = max((len(s.caption) for s in slots if s.y == last), default=0)
    shared = len(caption) - sum(len(s.caption) for s in slots)
    return own + (CAPTION_AIR if own and shared else 0) + shared


@dataclass(frozen=True)
class Fit:
    """One way an article fills a module `columns` wide and `lines` high."""

    columns: int
    lines: int
    text_columns: int
    head: tuple[HeadRow, ...]
    head_lines: int           # grid lines of the headline area, air included (a 竖题: grid lines it is tall)
    body: tuple[BodyLine, ...]
    picture_columns: int      # 基本栏 the picture spans (0: no picture)
    picture_lines: int        # grid lines from the picture area's top to the foot of its last row
    caption: Sequence[compose.Line]
    cost: float
    jump_to: int | None = None   # the page the rest continues on (下转第N版)
    slots: tuple[PictureSlot, ...] = ()   # the pictures in the picture area
    head_width: float = 0.0   # a 竖题: the strip at the module's right it takes beside the text (0: above it)


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float


@dataclass
class TextColumn:
    rect: Rect
    lines: list[BodyLine]


@dataclass
class ModulePlan:
    """An article (or the continued part of one) placed on the page; rectangles in points
    relative to the 版心's top-left corner."""

    article: Article
    fit: Fit
    column: int
    row: int
    rect: Rect
    head_rect: Rect
    picture_rect: Rect | None
    caption_rect: Rect | None
    columns: list[TextColumn]
    continuation: Continuation | None = None
    pictures: list[tuple[int, Rect]] = field(default_factory=list)   # (picture index, its box)
    captions: list[tuple[Rect, Sequence[compose.Line]]] = field(default_factory=list)  # caption blocks

    @property
    def ruled_top(self) -> bool:
        """A rule above the module: it stands under another module (the body of a 头条 under
        its own headline across the top is not ruled off from it)."""
        return self.row > 0 and bool(self.fit.head)

    @property
    def record(self) -> Article:
        """The article record this module sets (all of it or a part)."""
        return self.continuation.original if self.continuation else self.article

    def lines(self) -> Iterator[tuple[compose.Line, bool]]:
        """Every composed line the module prints, with True for 转版 furniture (jump lines and a
        continuation's repeated title), which is not text of the record."""
        for row in self.fit.head:
            yield from ((line, row.kind.startswith("jump")) for line in row.lines)
        yield from ((b.line, b.cls == "jump") for b in self.fit.body)
        yield from ((line, False) for line in self.fit.caption)

    def printed_text(self) -> str:
        """All the characters the module prints."""
        return "".join(line.text() for line, _ in self.lines())

    def text(self) -> str:
        """What a reader finds of the record in this module: headline rows, body, byline and
        caption, without the 转版 furniture."""
        return "".join(line.text() for line, furniture in self.lines() if not furniture)


@dataclass
class PagePlan:
    page: Page
    layout: Layout
    modules: list[ModulePlan]
    empty_lines: int = 0            # grid lines left empty at the foot of the page (underfull)
    cost: float = 0.0               # the planner's price of the plan (rules and empty lines)
    empty_columns: int = 0          # 栏 left empty at the right of the page (items too few to span it)
    empty_span: tuple[int, int] | None = None   # (first 栏, 栏) of the empty foot when a column of items
                                                # runs down to the foot beside it; None: across the page

    @property
    def pitch(self) -> float:
        """The baseline grid's pitch: the height of a text line, the unit of every rectangle."""
        return self.layout.grid.pitch_pt


@dataclass
class IssuePlan:
    issue: LoadedIssue
    pages: list[PagePlan]
    overset: set[str] = field(default_factory=set)   # slugs whose rest found no page (proof only)


class Overset(UserError):
    """The page's articles need more grid lines than the page has."""

    def __init__(self, page: Page, layout: Layout, articles: list[Article], needed: int | None):
        """`needed`: the fewest grid lines any arrangement takes; None when none takes under
        twice the page (the search stops there)."""
        grid = layout.grid
        capacity = grid.columns * grid.chars * grid.lines
        too_long = [a for a in articles if sum(map(len, a.paragraphs)) > capacity]
        self.article = too_long[0] if too_long else articles[-1]
        lines = grid.lines
        if too_long:
            amount = (f"more than the page holds: '{self.article.title}' ({self.article.slug}) alone has "
                      f"{sum(map(len, self.article.paragraphs))} characters, a page about {capacity}")
        elif needed is None:
            amount = f"more than {2 * lines} grid lines, the page has {lines}"
        else:
            over = needed - lines
            amount = (f"{needed} grid lines, the page has {lines}; {over} lines "
                      f"(about {over * layout.grid.columns * layout.grid.chars} characters) do not fit")
        super().__init__(f"第{page.number}版 溢出 (overset): the articles need {amount} — cut "
                         f"'{self.article.title}' ({self.article.slug}) or give the issue a page to continue on")
