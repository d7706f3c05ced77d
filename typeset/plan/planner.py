"""Page planning (组版): article modules that fill the 版心 exactly, from composed line counts.

Every article becomes a module: a rectangle of whole 基本栏 × whole grid lines holding its
headline area (引题/主题/副题), an optional picture with caption, and its body in balanced
columns. Because the composer gives exact line counts, planning is arithmetic, no trial render:

1. For each article and each module width, list the module heights it fills exactly (`Fit`):
   body lines at that width plus headline lines, with the copy-fitting knobs a page designer
   uses — 主题 size, air in the headline area, picture size, 变栏 text columns.
2. Search the arrangements a designer draws: horizontal bands top to bottom in priority
   order (the 头条 first); a band is modules side by side, each a stack of one or more
   articles. Dynamic programming over (articles, columns) finds the cheapest arrangement whose
   height is exactly the page's grid lines, else the fullest one (reported as underfull).
3. A page that cannot hold its articles continues one of them — the least important one that
   makes the page fit — on the next page of the issue (转版: 下转第N版 / 上接第N版); on the
   last page that is an overset (溢出) error.
"""

from __future__ import annotations

import dataclasses
import functools
import math

from typeset import compose
from typeset.model.errors import UserError
from typeset.model.layout import Layout
from typeset.model.records import Article, Page
from typeset.system import fonts

from . import rules
from .fits import FitTables
from .lead import lead_across
from .model import Continuation, HeadRow, ModulePlan, Overset, PagePlan
from .place import place_module
from .search import Search
from .vertical_heads import VerticalHeads

RULE_COST = 100              # a page-design rule the page breaks, as rules measures it
EMPTY_COST = 15              # a grid line left empty at the foot of the page
PINNED_HEIGHTS = 8           # heights of a position-pinned module tried, cheapest first


class Planner(FitTables, VerticalHeads):
    """Plans pages of one layout. Composition results are cached per text width."""

    def __init__(self, layout: Layout, folder=None):
        self.layout = layout
        self.folder = folder      # the issue folder: the pictures' pixel sizes
        self.ranks: dict[str, int] = {}          # article slug → rank on its page (0: the 头条)
        self.picture_caps: dict[str, float] = {}  # slug → most 基本栏 × grid lines its picture may take
        self.style = layout.compose
        self.size = layout.grid.body_size_pt
        self.pitch = layout.grid.pitch_pt
        self.continuations: dict[str, Continuation] = {}
        self.body = functools.cache(self._body)
        self.head = functools.cache(self._head)
        self.caption = functools.cache(self._caption)
        self.group = functools.cache(self._group)
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
            near = {faces[id(o)] for o in placed if rules.beside(o, m) or rules.beside(m, o)}
            near = near or {faces[id(o)] for o in placed if rules.above(o, m)}
            face = "heiti" if "heiti" not in near else "biaosong"
            row = rows[title]
            if face != row.role and self._covers(face, m.record.title):
                width = math.inf if row.vertical else self.layout.span_width(m.fit.columns) - self.layout.em
                lines = compose.compose_headline(m.record.title, face, row.size, width)
                if len(lines) == len(row.lines):
                    vertical = row.vertical and compose.compose_vertical(m.record.title, face, row.size)
                    row = HeadRow(row.kind, face, row.size, lines, vertical or None)
                    m.fit = dataclasses.replace(m.fit, head=rows[:title] + (row,) + rows[title + 1:])
            faces[id(m)] = row.role

    @staticmethod
    def _covers(role: str, text: str) -> bool:
        """Has the role's face every character of the text (the records are checked against
        黑体, so a 主题 goes into 标宋 only when nothing falls back)?"""
        face = fonts.font(role)
        table = fonts.cmap(str(face.file), face.index)
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
            return self._plan(page, articles, Search(self, articles, grid.columns, grid.lines))
        overset = None
        for jumper in reversed(range(len(articles))):
            try:
                return self._plan(page, articles, Search(self, articles, grid.columns, grid.lines, (jumper, jump_to)))
            except Overset as e:
                overset = overset or e
        raise overset

    def _plan(self, page: Page, articles: list[Article], search: Search) -> PagePlan:
        """The cheapest plan of the bands and of the 头条 across the top (plan.lead),
        empty lines at the foot priced: a page is filled by breaking a rule only when that
        costs less than leaving the lines empty (reported underfull)."""
        grid = self.layout.grid
        options = [(cost + EMPTY_COST * (grid.lines - h), grid.lines - h, h)
                   for h, (cost, _) in search.page(0).items() if h <= grid.lines]
        if not options and (search.jump or len(articles) < 2):   # how far over: look up to twice the page
            if narrow := None if search.jump else self._narrower(page, articles):
                return narrow
            wider = Search(self, articles, search.columns, 2 * search.limit, search.jump)
            raise Overset(page, self.layout, articles, min(wider.page(0), default=None))
        plans = []
        if options:
            cost, empty, height = min(options)
            plans.append(PagePlan(page, self.layout, search.place(height), empty_lines=empty))
            plans[-1].cost = cost
        for cost, empty, span, modules in [] if search.jump else lead_across(self, articles, grid.lines, EMPTY_COST):
            plans.append(PagePlan(page, self.layout, modules, empty_lines=empty, empty_span=span))
            plans[-1].cost = cost
        if not plans and (narrow := None if search.jump else self._narrower(page, articles)):
            return narrow
        if not plans:
            wider = Search(self, articles, search.columns, 2 * search.limit, search.jump)
            raise Overset(page, self.layout, articles, min(wider.page(0), default=None))
        # the searches price what they can see; the rules measured on the whole page decide
        return min(plans, key=lambda p: p.cost + RULE_COST * rules.measure(p, self.folder).broken())

    def _narrower(self, page: Page, articles: list[Article]) -> PagePlan | None:
        """Items that cannot span the page's width (a short article whose picture may not be
        blown up past its share to fill it) set in fewer 栏 from the left; the 栏 beside them
        stay empty and are reported underfull, never filled by stretching a picture."""
        grid = self.layout.grid
        for columns in range(grid.columns - 1, 0, -1):
            search = Search(self, articles, columns, grid.lines)
            table = {h: cost for h, (cost, _) in search.page(0).items() if h <= grid.lines}
            if table:
                height = min(table, key=table.get)
                return PagePlan(page, self.layout, search.place(height), empty_lines=grid.lines - height,
                                empty_columns=grid.columns - columns)
        return None

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
                    module = place_module(pinned, fit, column, row, self.layout, self.pitch, None)
                    best = (empty, cost, modules + [module])
        if best is None:
            raise UserError(f"{where}: the other articles cannot fill the page around the pinned "
                            f"{pinned.slug}; move or resize the pin")
        empty, _, modules = best
        return PagePlan(page, self.layout, sorted(modules, key=lambda m: (m.row, m.column)), empty_lines=empty)

    def _new_search(self, articles: tuple[Article, ...], columns: int, lines: int) -> Search:
        return Search(self, list(articles), columns, lines)

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
