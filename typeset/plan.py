"""Page planning (组版): article modules that fill the 版心 exactly, from composed line counts.

Every article becomes a module: a rectangle of whole 基本栏 × whole grid lines holding its
headline area (引题/主题/副题), an optional picture with caption, and its body in balanced
columns. Because the composer gives exact line counts, planning is arithmetic, no trial render:

1. For each article and each module width, list the module heights it can fill exactly
   (`Fit`): body lines at that width plus headline lines, with the copy-fitting knobs a page
   designer uses — 主题 size, air in the headline area, picture height, 变栏 text columns.
2. Search the page arrangements a designer would draw: horizontal bands top to bottom in
   priority order (the 头条 first); a band is modules side by side, each a stack of one or
   more articles. Dynamic programming over (articles, columns) finds the cheapest arrangement
   whose height is exactly the page's grid lines, else the fullest (reported as underfull).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

from typeset import compose
from typeset.errors import UserError
from typeset.layouts import Layout, load_layout
from typeset.records import Article, LoadedIssue, Page

INF = float("inf")
MAX_STACK = 3          # articles stacked in one module column group
MAX_BAND_MODULES = 3   # modules side by side in one band
MIN_LINES_UNDER_PICTURE = 2   # body lines a column keeps below a picture
SHALLOW_COLUMN = 10    # text columns shallower than this many lines read badly (cost)


@dataclass(frozen=True)
class HeadRow:
    """One level of the headline area: 引题, 主题 or 副题, composed at its size."""

    kind: str                 # "kicker" | "title" | "subtitle"
    role: str
    size: float
    lines: tuple[compose.Line, ...]

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * 1.25


@dataclass(frozen=True)
class Fit:
    """One way an article fills a module `columns` wide and `lines` high."""

    columns: int
    lines: int
    text_columns: int
    head: tuple[HeadRow, ...]
    head_lines: int           # grid lines of the headline area, air included
    body: tuple[tuple[compose.Line, str], ...]   # (line, css class) in reading order
    picture_columns: int      # 基本栏 the picture spans (0: no picture)
    picture_lines: int
    caption: tuple[compose.Line, ...]
    cost: float


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float


@dataclass
class TextColumn:
    rect: Rect
    lines: list[tuple[compose.Line, str]]


@dataclass
class ModulePlan:
    """An article placed on the page: grid position and everything inside, in points
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

    @property
    def lines(self) -> int:
        return self.fit.lines


@dataclass
class PagePlan:
    page: Page
    layout: Layout
    modules: list[ModulePlan]
    empty_lines: int = 0            # grid lines left empty at the foot of the page (underfull)
    notes: list[str] = field(default_factory=list)


@dataclass
class IssuePlan:
    issue: LoadedIssue
    pages: list[PagePlan]


class Planner:
    """Plans one page of one layout. Composition results are cached per text width."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.style = compose.HouseStyle(**layout.compose)
        self.size = layout.grid.body_size_pt
        self.pitch = layout.grid.pitch_pt

    # --- step 1: what each article can fill ------------------------------------------------

    @functools.cache
    def body(self, article: Article, width: float) -> tuple[tuple[compose.Line, str], ...]:
        """The article's body composed at one text-column width: dateline run-in in 黑体,
        paragraphs in 书宋, the end byline right-aligned in 楷体 on its own line."""
        lines: list[tuple[compose.Line, str]] = []
        for i, paragraph in enumerate(article.paragraphs):
            spans = [(paragraph, "shusong")]
            if i == 0 and article.dateline:
                spans.insert(0, (article.dateline, "heiti"))
            lines += [(line, "") for line in compose.compose_paragraph(spans, width, self.size, self.style)]
        if article.byline:
            byline = compose.compose_paragraph([(article.byline, "kaiti")], width, self.size, self.style,
                                               indent=False)
            lines += [(line, "byline") for line in byline]
        return tuple(lines)

    @functools.cache
    def head(self, article: Article, width: float, size: float) -> tuple[HeadRow, ...]:
        small = round(size * self.layout.headline.kicker_ratio * 2) / 2
        rows = []
        for kind, text, role, row_size in (("kicker", article.kicker, "heiti", small),
                                           ("title", article.title, "heiti", size),
                                           ("subtitle", article.subtitle, "heiti", small)):
            if text:
                rows.append(HeadRow(kind, role, row_size, tuple(compose.compose_headline(text, role, row_size, width))))
        return tuple(rows)

    def head_lines(self, rows: tuple[HeadRow, ...]) -> int:
        """Grid lines the headline area needs: its rows plus half a line of air."""
        return math.ceil((sum(r.height for r in rows) + self.pitch * 0.5) / self.pitch)

    @functools.cache
    def caption(self, article: Article, width: float) -> tuple[compose.Line, ...]:
        picture = article.pictures[0]
        text = "".join(t for t in (picture.caption, picture.credit and f"（{picture.credit} 摄）") if t)
        if not text:
            return ()
        return tuple(compose.compose_paragraph([(text, "kaiti")], width, self.layout.picture.caption_size_pt,
                                               self.style, indent=False))

    def text_column_options(self, columns: int, has_picture: bool) -> list[int]:
        """基本栏, and the 变栏 a designer uses: 二合一 (2→1) and 三破二 (3→2)."""
        options = [columns]
        if not has_picture and columns in (2, 3):
            options.append(columns - 1)
        return options

    @functools.cache
    def fits(self, article: Article, columns: int, lead: bool) -> dict[int, Fit]:
        """Module heights (grid lines) this article fills exactly at this width, best Fit each."""
        layout, best = self.layout, {}
        headline_width = layout.span_width(columns) - layout.em
        pictured = bool(article.pictures)
        for k in self.text_column_options(columns, pictured):
            width, gutter = layout.text_columns(columns, k)
            body = self.body(article, width)
            for rank, size in enumerate(layout.headline.sizes(columns, lead)):
                rows = self.head(article, headline_width, size)
                if any(len(r.lines) > 2 for r in rows if r.kind == "title"):
                    continue          # a 主题 of three lines or more: too big for this width
                base_head = self.head_lines(rows)
                for pad in range(layout.headline.max_pad_lines + 1):
                    for picture_columns, picture_lines, caption in self.picture_options(article, columns):
                        under = picture_lines + len(caption)
                        text_lines = math.ceil((len(body) + picture_columns * under) / k)
                        if picture_columns and text_lines < under + MIN_LINES_UNDER_PICTURE:
                            continue  # the text would not reach below the picture: unbalanced
                        lines = base_head + pad + text_lines
                        cost = (2 * rank + pad + 3 * (k != columns) + (20 if columns == 1 else 0)
                                + (50 if lead and columns < 4 else 0)
                                + (4 if columns == layout.grid.columns and not lead else 0)
                                + 1.5 * max(0, SHALLOW_COLUMN - (text_lines - under))
                                + self.picture_cost(picture_columns, picture_lines))
                        if lines not in best or cost < best[lines].cost:
                            best[lines] = Fit(columns, lines, k, rows, base_head + pad, body,
                                              picture_columns, picture_lines, caption, cost)
        return best

    def picture_options(self, article: Article, columns: int):
        """(columns, grid lines, caption lines) for the article's picture: from half the module
        to its full width, cropped to any height within the layout's aspect limits. One
        option with no picture for an article without one."""
        if not article.pictures:
            yield 0, 0, ()
            return
        for picture_columns in range(math.ceil(columns / 2), columns + 1):
            width = self.layout.span_width(picture_columns)
            caption = self.caption(article, width)
            low = math.ceil(width * self.layout.picture.min_aspect / self.pitch)
            high = math.floor(width * self.layout.picture.max_aspect / self.pitch)
            for lines in range(low, high + 1):
                yield picture_columns, lines, caption

    def picture_cost(self, columns: int, lines: int) -> float:
        if not columns:
            return 0.0
        aspect = lines * self.pitch / self.layout.span_width(columns)
        return 6 * abs(aspect - 0.66)

    # --- step 2: arranging the modules -----------------------------------------------------

    def plan(self, page: Page, articles: list[Article]) -> PagePlan:
        articles = sorted(articles, key=lambda a: a.priority)
        total_columns, total_lines = self.layout.grid.columns, self.layout.grid.lines
        search = _Search(self, articles, total_columns, total_lines)
        heights = search.page(0)
        if not heights:
            raise UserError(f"page {page.number}: no arrangement of its {len(articles)} articles fits "
                            f"{total_columns} 栏")
        fitting = [h for h in heights if h <= total_lines]
        if not fitting:
            shortest = min(heights)
            raise UserError(f"page {page.number}: 溢出 (overset) — the articles need at least {shortest} "
                            f"grid lines, the page has {total_lines}; {shortest - total_lines} lines "
                            f"({(shortest - total_lines) * total_columns * self.layout.grid.chars} "
                            "characters) do not fit. Cut the copy or move an article to another page")
        height = max(fitting)
        modules = search.place(height)
        plan = PagePlan(page, self.layout, modules, empty_lines=total_lines - height)
        if plan.empty_lines:
            plan.notes.append(f"underfull: {plan.empty_lines} empty grid lines at the foot of page {page.number}")
        return plan


class _Search:
    """The arrangement search of `Planner.plan`: tables of {height: (cost, choice)}."""

    def __init__(self, planner: Planner, articles: list[Article], columns: int, lines: int):
        self.planner, self.articles, self.columns, self.limit = planner, articles, columns, lines
        self.n = len(articles)

    def fits(self, i: int, width: int) -> dict[int, Fit]:
        return self.planner.fits(self.articles[i], width, lead=(i == 0))

    @functools.cache
    def stack(self, start: int, end: int, width: int) -> dict[int, tuple[float, tuple]]:
        """Articles start..end-1 stacked in one module column group `width` 栏 wide."""
        table = {h: (fit.cost, (fit,)) for h, fit in self.fits(start, width).items()}
        for i in range(start + 1, end):
            table = _convolve(table, {h: (f.cost, (f,)) for h, f in self.fits(i, width).items()}, self.limit)
        return {h: (cost + 4 * (end - start - 1), choice) for h, (cost, choice) in table.items()}

    @functools.cache
    def band(self, start: int, end: int) -> dict[int, tuple[float, tuple]]:
        """Articles start..end-1 as modules side by side across the page, equal height."""
        return self._band_rest(start, end, self.columns, MAX_BAND_MODULES)

    @functools.cache
    def _band_rest(self, start: int, end: int, columns: int, modules: int) -> dict[int, tuple[float, tuple]]:
        """Articles start..end-1 in at most `modules` modules filling `columns` 栏, one height."""
        result: dict = {}
        for stack_end in range(start + 1, min(end, start + MAX_STACK) + 1):
            if stack_end == end:
                for height, (cost, fits) in self.stack(start, end, columns).items():
                    _keep(result, height, cost, ((columns, fits),))
                continue
            if modules == 1:
                continue
            for width in range(1, columns):
                rest = self._band_rest(stack_end, end, columns - width, modules - 1)
                for height, (cost, fits) in self.stack(start, stack_end, width).items():
                    if height in rest:
                        _keep(result, height, cost + rest[height][0], ((width, fits),) + rest[height][1])
        return result

    @functools.cache
    def page(self, start: int) -> dict[int, tuple[float, tuple]]:
        """Articles start..n-1 as bands stacked down the page: {total height: (cost, bands)}."""
        if start == self.n:
            return {0: (0.0, ())}
        result: dict = {}
        for end in range(start + 1, self.n + 1):
            band = {h: (c, (ch,)) for h, (c, ch) in self.band(start, end).items()}
            combined = _convolve(band, self.page(end), self.limit * 2)
            for height, (cost, choice) in combined.items():
                _keep(result, height, cost, choice)
        return result

    def place(self, height: int) -> list[ModulePlan]:
        """Turn the chosen arrangement of total `height` into positioned modules."""
        _, bands = self.page(0)[height]
        layout, pitch = self.planner.layout, self.planner.pitch
        modules, row, index = [], 0, 0
        for band in bands:
            column, band_height = 0, None
            for width, fits in band:
                top = row
                for fit in fits:
                    modules.append(_place_module(self.articles[index], fit, column, top, layout, pitch))
                    top += fit.lines
                    index += 1
                band_height = top - row
                column += width
            row += band_height
        return modules


def _keep(table: dict, height: int, cost: float, choice: tuple) -> None:
    """Record a choice for a height unless a cheaper one is known."""
    if height not in table or cost < table[height][0]:
        table[height] = (cost, choice)


def _convolve(left: dict, right: dict, limit: int) -> dict:
    """Heights of one table on top of another: {h1 + h2: cheapest (cost, choice1 + choice2)}."""
    result: dict = {}
    for h1, (c1, ch1) in left.items():
        for h2, (c2, ch2) in right.items():
            if h1 + h2 <= limit:
                _keep(result, h1 + h2, c1 + c2, ch1 + ch2)
    return result


def _place_module(article: Article, fit: Fit, column: int, row: int, layout: Layout, pitch: float) -> ModulePlan:
    """Geometry of one module: headline area, picture + caption, balanced text columns."""
    x, y = layout.column_x(column), row * pitch
    rect = Rect(x, y, layout.span_width(fit.columns), fit.lines * pitch)
    head_rect = Rect(x, y, rect.w, fit.head_lines * pitch)
    text_top = fit.head_lines
    text_lines = fit.lines - fit.head_lines
    picture_rect = caption_rect = None
    occupied_columns = 0
    if fit.picture_columns:
        picture_rect = Rect(x, (row + text_top) * pitch, layout.span_width(fit.picture_columns),
                            fit.picture_lines * pitch)
        caption_rect = Rect(x, picture_rect.y + picture_rect.h, picture_rect.w, len(fit.caption) * pitch)
        occupied_columns = fit.picture_columns
    width, gutter = layout.text_columns(fit.columns, fit.text_columns)
    under_picture = fit.picture_lines + len(fit.caption)
    capacities = [text_lines - (under_picture if c < occupied_columns else 0) for c in range(fit.text_columns)]
    short = sum(capacities) - len(fit.body)
    for c in reversed(range(fit.text_columns)):     # balance: the last columns end a line early
        if short and capacities[c] > 0:
            capacities[c] -= 1
            short -= 1
    columns, taken = [], 0
    for c, capacity in enumerate(capacities):
        top_lines = text_top + (under_picture if c < occupied_columns else 0)
        columns.append(TextColumn(Rect(x + c * (width + gutter), (row + top_lines) * pitch, width, capacity * pitch),
                                  list(fit.body[taken:taken + capacity])))
        taken += capacity
    return ModulePlan(article, fit, column, row, rect, head_rect, picture_rect, caption_rect, columns)


def plan_issue(issue: LoadedIssue) -> IssuePlan:
    """Plan every page of an issue."""
    pages = []
    for page in issue.issue.pages:
        planner = Planner(load_layout(page.layout))
        pages.append(planner.plan(page, issue.page_articles(page)))
    return IssuePlan(issue, pages)
