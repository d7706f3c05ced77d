"""Page planning (组版): article modules that fill the 版心 exactly, from composed line counts.

Every article becomes a module: a rectangle of whole 基本栏 × whole grid lines holding its
headline area (引题/主题/副题), an optional picture with caption, and its body in balanced
columns. Because the composer gives exact line counts, planning is arithmetic, no trial render:

1. For each article and each module width, list the module heights it fills exactly (`Fit`,
   typeset.planfits): body lines at that width plus headline lines, with the copy-fitting
   knobs a page designer uses — 主题 size, air in the headline area, picture size, 变栏.
2. Search the arrangements a designer draws: horizontal bands top to bottom in priority
   order (the 头条 first); a band is modules side by side, each a stack of one or more
   articles; and the 头条's headline across the top with staggered columns under it
   (typeset.planlead). Every broken page-design rule (typeset.pagerules) and every grid line
   left empty at the foot is priced; the cheapest plan wins, and an underfull page is reported.
3. A page that cannot hold its articles continues one of them — the least important one that
   makes the page fit — on the next page of the issue (转版: 下转第N版 / 上接第N版); on the
   last page that is an overset (溢出) error.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from typeset import compose, pagerules
from typeset.errors import UserError
from typeset.layouts import Layout, load_layout
from typeset.planfits import CAPTION_AIR, BodyLine, Continuation, Fit, FitTables, HeadRow
from typeset.records import Article, LoadedIssue, Page

MAX_STACK = 3                # articles stacked in one module column group
MAX_BAND_MODULES = 3         # modules side by side in one band
BUMP_COST = 60               # modules side by side in a band: their headlines stand level (碰题)
RULE_COST = 100              # a page-design rule the page breaks, as pagerules measures it
EMPTY_COST = 15              # a grid line left empty at the foot of the page
PINNED_HEIGHTS = 8           # heights of a position-pinned module tried, cheapest first


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


class Planner(FitTables):
    """Plans pages of one layout. Composition results are cached per text width."""

    def __init__(self, layout: Layout, folder=None):
        self.layout = layout
        self.folder = folder      # the issue folder: the pictures' pixel sizes
        self.ranks: dict[str, int] = {}          # article slug → rank on its page (0: the 头条)
        self.picture_caps: dict[str, float] = {}  # slug → most 基本栏 × grid lines its picture may take
        self.style = compose.HouseStyle(**layout.compose)
        self.size = layout.grid.body_size_pt
        self.pitch = layout.grid.pitch_pt
        self.continuations: dict[str, Continuation] = {}
        self.body = functools.cache(self._body)
        self.head = functools.cache(self._head)
        self.caption = functools.cache(self._caption)
        self.fits = functools.cache(self._fits)
        self._search = functools.cache(self._new_search)   # per planner: no global cache to grow

    # --- step 2: arranging the modules -----------------------------------------------------

    def plan(self, page: Page, articles: list[Article], jump_to: int | None = None) -> PagePlan:
        """Plan one page. With `jump_to`, one article may continue on that page: the least
        important one that makes the page fit."""
        plan = self._plan_page(page, articles, jump_to)
        self._alternate_faces(plan.modules)
        return plan

    def _alternate_faces(self, modules: list[ModulePlan]) -> None:
        """主题 side by side in different faces: in reading order each takes 黑体 unless a
        neighbour beside it (none beside: the one above it) already has it, then 标宋 (the line breaks of a 主题 do not change: both faces
        set Han characters on the em; a 主题 whose lines would change keeps its face)."""
        faces: dict[int, str] = {}
        for m in sorted(modules, key=lambda m: (m.row, m.column)):
            rows = m.fit.head
            title = next((i for i, r in enumerate(rows) if r.kind in ("title", "jump-title")), None)
            if title is None:
                continue
            placed = [o for o in modules if id(o) in faces]
            near = {faces[id(o)] for o in placed if pagerules.beside(o, m) or pagerules.beside(m, o)}
            near = near or {faces[id(o)] for o in placed if pagerules.above(o, m)}
            face = "heiti" if "heiti" not in near else "biaosong"
            row = rows[title]
            if face != row.role and self._covers(face, m.record.title):
                width = self.layout.span_width(m.fit.columns) - self.layout.em
                lines = compose.compose_headline(m.record.title, face, row.size, width)
                if len(lines) == len(row.lines):
                    row = HeadRow(row.kind, face, row.size, lines)
                    m.fit = dataclasses.replace(m.fit, head=rows[:title] + (row,) + rows[title + 1:])
            faces[id(m)] = row.role

    @staticmethod
    def _covers(role: str, text: str) -> bool:
        """Has the role's face every character of the text (the records are checked against
        黑体, so a 主题 goes into 标宋 only when nothing falls back)?"""
        from typeset import fonts, preflight

        face = fonts.font(role)
        table = preflight.cmap(str(face.file), face.index)
        return all(ch.isspace() or ord(ch) in table for ch in text)

    def _plan_page(self, page: Page, articles: list[Article], jump_to: int | None) -> PagePlan:
        articles = sorted(articles, key=lambda a: a.priority)
        ranks = {a.slug: rank for rank, a in enumerate(articles)}
        if ranks != self.ranks:   # the 主题 sizes and faces follow the ranks: fits made for others go
            self.ranks = ranks
            for table in (self.head, self.fits, self._search):
                table.cache_clear()
        self.share_pictures(articles)
        grid = self.layout.grid
        placed = [a for a in articles if a.pin and (a.pin.column or a.pin.row)]
        if placed:
            return self._plan_around(page, articles, placed)
        if jump_to is None:
            return self._plan(page, articles, _Search(self, articles, grid.columns, grid.lines))
        overset = None
        for jumper in reversed(range(len(articles))):
            try:
                return self._plan(page, articles, _Search(self, articles, grid.columns, grid.lines, (jumper, jump_to)))
            except Overset as e:
                overset = overset or e
        raise overset

    def _plan(self, page: Page, articles: list[Article], search: _Search) -> PagePlan:
        """The cheapest plan of the bands and of the 头条 across the top (typeset.planlead),
        empty lines at the foot priced: a page is filled by breaking a rule only when that
        costs less than leaving the lines empty (reported underfull)."""
        from typeset import planlead

        grid = self.layout.grid
        options = [(cost + EMPTY_COST * (grid.lines - h), grid.lines - h, h)
                   for h, (cost, _) in search.page(0).items() if h <= grid.lines]
        if not options and (search.jump or len(articles) < 2):   # how far over: look up to twice the page
            wider = _Search(self, articles, search.columns, 2 * search.limit, search.jump)
            raise Overset(page, self.layout, articles, min(wider.page(0), default=None))
        plans = []
        if options:
            cost, empty, height = min(options)
            plans.append(PagePlan(page, self.layout, search.place(height), empty_lines=empty))
            plans[-1].cost = cost
        across = None if search.jump else planlead.lead_across(self, articles, grid.lines, EMPTY_COST)
        if across:
            plans.append(PagePlan(page, self.layout, across[2], empty_lines=across[1]))
            plans[-1].cost = across[0]
        if not plans:
            wider = _Search(self, articles, search.columns, 2 * search.limit, search.jump)
            raise Overset(page, self.layout, articles, min(wider.page(0), default=None))
        # the searches price what they can see; the rules measured on the whole page decide
        return min(plans, key=lambda p: p.cost + RULE_COST * pagerules.measure(p, self.folder).broken())

    def _plan_around(self, page: Page, articles: list[Article], placed: list[Article]) -> PagePlan:
        """A page with one article pinned to a position (栏 and line): the others fill the
        rectangles around it — above it, left and right of it, below it — in priority order."""
        grid, where = self.layout.grid, f"第{page.number}版"
        if len(placed) > 1:
            raise UserError(f"{where}: only one article a page may be pinned to a position "
                            f"({', '.join(a.slug for a in placed)})")
        pinned = placed[0]
        pin = pinned.pin
        if not pin.columns:
            raise UserError(f"{where}: the pin of {pinned.slug} gives a position but no 'columns' (module width)")
        column, row = (pin.column or 1) - 1, (pin.row or 1) - 1
        if column + pin.columns > grid.columns or row >= grid.lines:
            raise UserError(f"{where}: the pin of {pinned.slug} lies outside the page "
                            f"({grid.columns} 栏 × {grid.lines} lines)")
        others = [a for a in articles if a is not pinned]
        best = None
        fits = sorted(self.fits(pinned, pin.columns).items(), key=lambda hf: hf[1].cost)
        for height, fit in [(h, f) for h, f in fits if row + h <= grid.lines][:PINNED_HEIGHTS]:
            regions = [(0, 0, grid.columns, row), (0, row, column, height),
                       (column + pin.columns, row, grid.columns - column - pin.columns, height),
                       (0, row + height, grid.columns, grid.lines - row - height)]
            regions = [r for r in regions if r[2] and r[3]]
            for cost, modules, empty in self._fill_regions(others, regions):
                cost += fit.cost
                if best is None or (empty, cost) < (best[0], best[1]):
                    module = _place_module(pinned, fit, column, row, self.layout, self.pitch, None)
                    best = (empty, cost, modules + [module])
        if best is None:
            raise UserError(f"{where}: the other articles cannot fill the page around the pinned "
                            f"{pinned.slug}; move or resize the pin")
        empty, _, modules = best
        return PagePlan(page, self.layout, sorted(modules, key=lambda m: (m.row, m.column)), empty_lines=empty)

    def _new_search(self, articles: tuple[Article, ...], columns: int, lines: int) -> _Search:
        return _Search(self, list(articles), columns, lines)

    def _fill_regions(self, articles: list[Article], regions: list[tuple[int, int, int, int]]):
        """Ways to fill the regions (column, row, columns, lines) with consecutive groups of the
        articles: (cost, modules, empty lines of the last region). Every region but the last
        must be filled exactly; the last may be left underfull."""
        if not regions:
            if not articles:
                yield 0.0, [], 0
            return
        (column, row, columns, lines), rest = regions[0], regions[1:]
        for end in range(1, len(articles) + 1):
            search = self._search(tuple(articles[:end]), columns, lines)
            heights = search.page(0)
            wanted = [lines] if rest else sorted((h for h in heights if h <= lines), reverse=True)[:1]
            for height in wanted:
                if height not in heights:
                    continue
                for cost, modules, empty in self._fill_regions(articles[end:], rest):
                    yield (heights[height][0] + cost, search.place(height, column, row) + modules,
                           empty if rest else lines - height)


class _Search:
    """The arrangement search of `Planner.plan`: tables of {height: (cost, choice)}."""

    def __init__(self, planner: Planner, articles: list[Article], columns: int, lines: int,
                 jump: tuple[int, int] | None = None):
        self.planner, self.articles, self.columns, self.limit = planner, articles, columns, lines
        self.n = len(articles)
        self.jump = jump          # (index of the article that may jump, the page it jumps to)
        # tables cached per search, so they go with it (a class-level cache would keep every
        # issue's composed lines alive in a long batch)
        self.stack = functools.cache(self._stack)
        self.band = functools.cache(self._band)
        self.page = functools.cache(self._page)

    def fits(self, i: int, width: int) -> dict[int, Fit]:
        jump_to = self.jump[1] if self.jump and self.jump[0] == i else None
        return self.planner.fits(self.articles[i], width, jump_to)

    def _stack(self, start: int, end: int, width: int) -> dict[int, tuple[float, tuple]]:
        """Articles start..end-1 stacked in one module column group `width` 栏 wide."""
        table = {h: (fit.cost, (fit,)) for h, fit in self.fits(start, width).items()}
        for i in range(start + 1, end):
            table = _convolve(table, {h: (f.cost, (f,)) for h, f in self.fits(i, width).items()}, self.limit)
        return {h: (cost + 4 * (end - start - 1), choice) for h, (cost, choice) in table.items()}

    def _band(self, start: int, end: int, columns: int, modules: int) -> dict[int, tuple[float, tuple]]:
        """Articles start..end-1 in at most `modules` modules side by side filling `columns`
        栏, all of one height."""
        result: dict = {}
        for stack_end in range(start + 1, min(end, start + MAX_STACK) + 1):
            if stack_end == end:
                for height, (cost, fits) in self.stack(start, end, columns).items():
                    _keep(result, height, cost, ((columns, fits),))
                continue
            if modules == 1:
                continue
            for width in range(1, columns):
                rest = self.band(stack_end, end, columns - width, modules - 1)
                for height, (cost, fits) in self.stack(start, stack_end, width).items():
                    if height in rest:   # two headlines side by side at the band's top: 碰题
                        _keep(result, height, cost + rest[height][0] + BUMP_COST, ((width, fits),) + rest[height][1])
        return result

    def _page(self, start: int) -> dict[int, tuple[float, tuple]]:
        """Articles start..n-1 as bands stacked down the page: {total height: (cost, bands)}."""
        if start == self.n:
            return {0: (0.0, ())}
        result: dict = {}
        for end in range(start + 1, self.n + 1):
            band = {h: (c, (ch,)) for h, (c, ch) in self.band(start, end, self.columns, MAX_BAND_MODULES).items()}
            for height, (cost, choice) in _convolve(band, self.page(end), self.limit).items():
                _keep(result, height, cost, choice)
        return result

    def place(self, height: int, column0: int = 0, row0: int = 0) -> list[ModulePlan]:
        """Turn the chosen arrangement of total `height` into modules positioned from the grid
        cell (column0, row0)."""
        _, bands = self.page(0)[height]
        planner = self.planner
        modules, row, index = [], row0, 0
        for band in bands:
            column = column0
            for width, fits in band:
                top = row
                for fit in fits:
                    article = self.articles[index]
                    modules.append(_place_module(article, fit, column, top, planner.layout, planner.pitch,
                                                 planner.continuations.get(article.slug)))
                    top += fit.lines
                    index += 1
                column += width
            row = top
        return modules


def _keep(table: dict, height: int, cost: float, choice: tuple) -> None:
    """Record a choice for a height unless a cheaper one is known."""
    if height not in table or cost < table[height][0]:
        table[height] = (cost, choice)


def _convolve(left: dict, right: dict, limit: int) -> dict:
    """Heights of one table on top of another, up to `limit`: {h1 + h2: cheapest (cost,
    choice1 + choice2)}. The innermost loop of the planner: the right table is walked in
    height order so it stops at the limit, and a choice is joined only for the winners."""
    best: dict = {}
    right_items = sorted(right.items())
    for h1, (c1, ch1) in left.items():
        room = limit - h1
        for h2, (c2, ch2) in right_items:
            if h2 > room:
                break
            cost = c1 + c2
            known = best.get(h1 + h2)
            if known is None or cost < known[0]:
                best[h1 + h2] = (cost, ch1, ch2)
    return {h: (cost, ch1 + ch2) for h, (cost, ch1, ch2) in best.items()}


def _place_module(article: Article, fit: Fit, column: int, row: int, layout: Layout, pitch: float,
                  continuation: Continuation | None) -> ModulePlan:
    """Geometry of one module: headline area, picture + caption, balanced text columns."""
    x, y = layout.column_x(column), row * pitch
    rect = Rect(x, y, layout.span_width(fit.columns), fit.lines * pitch)
    head_rect = Rect(x, y, rect.w, fit.head_lines * pitch)
    text_lines = fit.lines - fit.head_lines
    under = fit.picture_lines + len(fit.caption) + (CAPTION_AIR if fit.picture_columns else 0)
    picture_rect = caption_rect = None
    if fit.picture_columns:
        picture_rect = Rect(x, y + head_rect.h, layout.span_width(fit.picture_columns), fit.picture_lines * pitch)
        caption_rect = Rect(x, picture_rect.y + picture_rect.h, picture_rect.w, len(fit.caption) * pitch)
    width, gutter = layout.text_columns(fit.columns, fit.text_columns)
    # A text column under the picture starts below it; the picture spans whole 基本栏, so in
    # 基本栏 text a column is under it when its index is below picture_columns.
    covered = [c < fit.picture_columns if fit.text_columns == fit.columns else bool(fit.picture_columns)
               for c in range(fit.text_columns)]
    capacities = _balance([text_lines - (under if covered[c] else 0) for c in range(fit.text_columns)], fit.body)
    columns, taken = [], 0
    for c, capacity in enumerate(capacities):
        top = y + head_rect.h + (under * pitch if covered[c] else 0)
        columns.append(TextColumn(Rect(x + c * (width + gutter), top, width, capacity * pitch),
                                  list(fit.body[taken:taken + capacity])))
        taken += capacity
    return ModulePlan(article, fit, column, row, rect, head_rect, picture_rect, caption_rect, columns, continuation)


def _balance(full: list[int], body: tuple[BodyLine, ...]) -> list[int]:
    """Lines in each text column: every column full or one line short (the body is fewer
    lines short of filling them than there are columns). The last columns end early, unless
    that starts a column with the one-line tail of a paragraph (a widow at the column top) and
    another choice of short columns avoids it."""
    short = sum(full) - len(body)
    open_columns = [c for c, lines in enumerate(full) if lines > 0]
    first = None
    for chosen in itertools.combinations(reversed(open_columns), short):   # the last ones first
        heights = [lines - (c in chosen) for c, lines in enumerate(full)]
        if not _widow(heights, body):
            return heights
        first = first or heights
    return first or full


def _widow(heights: list[int], body: tuple[BodyLine, ...]) -> bool:
    """Does a column after the first begin with the last line of a paragraph of several?"""
    top = 0
    for lines in heights[:-1]:
        top += lines
        if 0 < top < len(body) and body[top].line.last and body[top].cls == "" \
                and body[top - 1].paragraph == body[top].paragraph:
            return True
    return False


def _rest_of(article: Article, module: ModulePlan, from_page: int) -> tuple[Article, Continuation]:
    """The part of a jumping article that its module did not hold, as an article of its own."""
    kept = [b for b in module.fit.body if b.cls == ""]
    last = kept[-1].paragraph
    consumed = sum(len(b.line.text()) for b in kept if b.paragraph == last)
    first = (article.dateline or "") + article.paragraphs[0] if last == 0 else article.paragraphs[last]
    rest = article.paragraphs[last + 1:]
    mid_paragraph = consumed < len(first)
    if mid_paragraph:
        rest = (first[consumed:].lstrip(),) + rest
    part = article.model_copy(update={
        "slug": f"{article.slug}.{from_page}", "kicker": None, "subtitle": None, "dateline": None,
        "paragraphs": rest, "pictures": (), "priority": 9, "pin": None})
    return part, Continuation(module.record, from_page, mid_paragraph)


def plan_issue(issue: LoadedIssue, *, overset_ok: bool = False) -> IssuePlan:
    """Plan every page of an issue; an overset page continues an article on the next page.

    An overset on the last page is an error, unless `overset_ok` (the proof): then the page is
    planned as if it jumped to a page after it, and the article whose rest is not set is listed
    in `IssuePlan.overset` for the proof to mark."""
    pages = issue.issue.pages
    carried: list[tuple[Article, Continuation]] = []
    plans, overset = [], set()
    for i, page in enumerate(pages):
        planner = Planner(load_layout(page.layout), issue.folder)
        for part, continuation in carried:
            planner.continuations[part.slug] = continuation
        articles = issue.page_articles(page) + [part for part, _ in carried]
        carried = []
        try:
            plan = planner.plan(page, articles)
        except Overset:
            last = i + 1 == len(pages)
            if last and not overset_ok:
                raise
            plan = planner.plan(page, articles, jump_to=page.number + 1 if last else pages[i + 1].number)
            jumping = next((m for m in plan.modules if m.fit.jump_to), None)
            if jumping and last:
                overset.add(jumping.record.slug)
            elif jumping:
                carried = [_rest_of(jumping.article, jumping, page.number)]
        plans.append(plan)
    return IssuePlan(issue, plans, overset)
