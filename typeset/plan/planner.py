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

import functools
import math

from typeset import compose
from typeset.model.errors import UserError
from typeset.model.fields import FIELD_ROLES
from typeset.model.layout import Layout
from typeset.model.records import Article, Page

from .model import BodyLine, Continuation, Fit, HeadRow, Overset, PagePlan
from .place import place_module
from .search import Search

MIN_LINES_UNDER_PICTURE = 2  # body lines a column keeps below a picture
SHALLOW_COLUMN = 10          # text columns shallower than this read badly (cost)
MIN_JUMP_LINES = 4           # body lines per column an article keeps before it jumps
PINNED_HEIGHTS = 8           # heights of a position-pinned module tried, cheapest first


class Planner:
    """Plans pages of one layout. Composition results are cached per text width."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.style = layout.compose
        self.size = layout.grid.body_size_pt
        self.pitch = layout.grid.pitch_pt
        self.continuations: dict[str, Continuation] = {}
        self.body = functools.cache(self._body)
        self.head = functools.cache(self._head)
        self.caption = functools.cache(self._caption)
        self.fits = functools.cache(self._fits)
        self._search = functools.cache(self._new_search)   # per planner: no global cache to grow

    # --- step 1: what each article can fill ------------------------------------------------

    def _body(self, article: Article, width: float) -> tuple[BodyLine, ...]:
        """The body composed at one text-column width: the dateline run-in in 黑体, paragraphs
        in 书宋, the end byline right-aligned in 楷体 on its own line."""
        continued = self.continuations.get(article.slug)
        lines: list[BodyLine] = []
        for i, paragraph in enumerate(article.paragraphs):
            spans = [(paragraph, FIELD_ROLES["paragraphs"])]
            if i == 0 and article.dateline:
                spans.insert(0, (article.dateline, FIELD_ROLES["dateline"]))
            indent = not (i == 0 and continued and continued.mid_paragraph)
            composed = compose.compose_paragraph(spans, width, self.size, self.style, indent=indent)
            lines += [BodyLine(composed, k, "", i) for k in range(len(composed))]
        if article.byline:
            composed = compose.compose_paragraph([(article.byline, FIELD_ROLES["byline"])], width, self.size, self.style,
                                                 indent=False)
            lines += [BodyLine(composed, k, "byline") for k in range(len(composed))]
        return tuple(lines)

    def jump_line(self, page_number: int, width: float, to: bool) -> BodyLine:
        text = f"（{'下转' if to else '上接'}第{page_number}版）"
        return BodyLine(compose.compose_paragraph([(text, FIELD_ROLES["title"])], width, self.size, self.style, indent=False),
                        0, "jump")

    def _head(self, article: Article, width: float, size: float) -> tuple[HeadRow, ...]:
        small = round(size * self.layout.headline.kicker_ratio * 2) / 2
        continued = self.continuations.get(article.slug)
        if continued:
            levels = (("jump-title", article.title, "title", size),
                      ("jump", f"（上接第{continued.from_page}版）", "title", small))
        else:
            levels = (("kicker", article.kicker, "kicker", small), ("title", article.title, "title", size),
                      ("subtitle", article.subtitle, "subtitle", small))
        return tuple(HeadRow(kind, FIELD_ROLES[field], row_size,
                             compose.compose_headline(text, FIELD_ROLES[field], row_size, width))
                     for kind, text, field, row_size in levels if text)

    def head_lines(self, rows: tuple[HeadRow, ...]) -> int:
        """Grid lines the headline area needs: its rows plus half a line of air."""
        return math.ceil((sum(r.height for r in rows) + self.pitch * 0.5) / self.pitch)

    def _caption(self, article: Article, width: float) -> compose.Lines:
        picture = article.pictures[0]
        text = " ".join(t for t in (picture.caption, picture.credit) if t)
        return compose.compose_paragraph([(text, FIELD_ROLES["caption"])], width, self.layout.picture.caption_size_pt,
                                         self.style, indent=False)

    def text_column_options(self, article: Article, columns: int) -> list[int]:
        """基本栏, and the 变栏 a designer uses: 二合一 (2→1) and 三破二 (3→2); a pin decides."""
        if article.pin and article.pin.text_columns:
            return [article.pin.text_columns]
        options = [columns]
        if not article.pictures and columns in (2, 3):
            options.append(columns - 1)
        return options

    def _fits(self, article: Article, columns: int, lead: bool, jump_to: int | None = None) -> dict[int, Fit]:
        """Module heights (grid lines) this article fills exactly at this width, best Fit each.
        With `jump_to`, the article may stop at any line and continue on that page.

        The loops run from the costly choices (text columns, picture) to the cheap ones
        (headline size, air), and a Fit is made only for the winner of each height."""
        layout, best = self.layout, {}
        pin = article.pin
        if pin and pin.columns and pin.columns != columns:
            return {}
        headline_width = layout.span_width(columns) - layout.em
        width_cost = ((20 if columns == 1 else 0) + (50 if lead and columns < 4 else 0)
                      + (4 if columns == layout.grid.columns and not lead else 0))
        # the cheapest headline (size, air) for each height of the headline area
        heads: dict[int, tuple[float, tuple[HeadRow, ...]]] = {}
        for rank, size in enumerate(layout.headline.sizes(columns, lead)):
            rows = self.head(article, headline_width, size)
            if any(len(r.lines) > 2 for r in rows if r.kind == "title"):   # 主题 of 3+ lines: too big
                continue
            for pad in range(layout.headline.max_pad_lines + 1):
                area = self.head_lines(rows) + pad
                if area not in heads or 2 * rank + pad < heads[area][0]:
                    heads[area] = (2 * rank + pad, rows)
        pictures = self.picture_options(article, columns)
        for k in self.text_column_options(article, columns):
            width = layout.text_columns(columns, k)[0]
            body_lines = len(self.body(article, width))
            for picture in pictures:
                picture_columns, picture_lines, caption, picture_cost = picture
                if k != columns and picture_columns not in (0, columns):
                    continue  # 变栏 text does not line up with 基本栏: the picture spans the module
                under = picture_lines + len(caption)
                covered = k if picture_columns == columns else picture_columns
                cost = width_cost + 3 * (k != columns) + picture_cost
                for text_lines, kept in self._text_heights(body_lines, k, covered, under, jump_to):
                    text_cost = cost + 3 * max(0, SHALLOW_COLUMN - (text_lines - under))
                    for area, (head_cost, rows) in heads.items():
                        lines = area + text_lines
                        total = text_cost + head_cost
                        if (lines not in best or total < best[lines][0]) and not (
                                pin and pin.lines and pin.lines != lines):
                            best[lines] = (total, k, width, rows, area, picture, kept)
        return {lines: self._fit(article, columns, lines, jump_to, *choice) for lines, choice in best.items()}

    def _fit(self, article: Article, columns: int, lines: int, jump_to: int | None, cost: float, k: int,
             width: float, rows: tuple[HeadRow, ...], head_lines: int, picture: tuple, kept: int | None) -> Fit:
        """The Fit of one choice; `width` is the width of its k text columns."""
        body = self.body(article, width)
        if kept is not None:
            body = body[:kept] + (self.jump_line(jump_to, width, to=True),)
        picture_columns, picture_lines, caption, _ = picture
        return Fit(columns, lines, k, rows, head_lines, body, picture_columns, picture_lines, caption, cost,
                   jump_to if kept is not None else None)

    def _text_heights(self, body: int, k: int, covered: int, under: int, jump_to: int | None):
        """(text lines, body lines kept or None for all) the body can fill in k columns, of
        which `covered` start `under` lines lower (below the picture and its caption).

        Whole: the least height that holds it, so no column ends more than one line early; text
        beside a picture must reach below it. Jumping: any height from MIN_JUMP_LINES a column
        that does not hold it all; every column is full and the last line is the 下转 line."""
        whole = math.ceil((body + covered * under) / k)
        beside = 0 < covered < k
        if not beside or whole >= under + MIN_LINES_UNDER_PICTURE:
            yield whole, None
        if jump_to is None:
            return
        for text_lines in range(max(MIN_JUMP_LINES, under + MIN_LINES_UNDER_PICTURE if covered else 0), whole):
            kept = k * text_lines - covered * under - 1
            if kept >= MIN_JUMP_LINES * k:
                yield text_lines, kept

    def picture_options(self, article: Article, columns: int) -> list[tuple]:
        """(columns, grid lines, caption, cost) for the article's picture: from a third of the
        module to its full width, cropped to any height within the layout's aspect limits. One
        option with no picture for an article without one.

        Pictures near 2:3 read best; very large ones starve the page (the cost is convex in
        area), so the slack of a page is shared among its pictures."""
        if not article.pictures:
            return [(0, 0, (), 0.0)]
        options = []
        for picture_columns in range(max(1, columns // 3), columns + 1):
            width = self.layout.span_width(picture_columns)
            caption = self.caption(article, width)
            low = math.ceil(width * self.layout.picture.min_aspect / self.pitch)
            high = math.floor(width * self.layout.picture.max_aspect / self.pitch)
            for lines in range(low, high + 1):
                aspect = lines * self.pitch / width
                cost = 6 * abs(aspect - 0.66) + 1.7e-4 * (picture_columns * lines) ** 2 + 8 / picture_columns
                options.append((picture_columns, lines, caption, cost))
        return options

    # --- step 2: arranging the modules -----------------------------------------------------

    def plan(self, page: Page, articles: list[Article], jump_to: int | None = None) -> PagePlan:
        """Plan one page. With `jump_to`, one article may continue on that page: the least
        important one that makes the page fit."""
        articles = sorted(articles, key=lambda a: a.priority)
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
        grid = self.layout.grid
        heights = search.page(0)
        fitting = [h for h in heights if h <= grid.lines]
        if not fitting:   # how far over: the same search, looking up to twice the page
            wider = Search(self, articles, search.columns, 2 * search.limit, search.jump, search.lead_first)
            raise Overset(page, self.layout, articles, min(wider.page(0), default=None))
        height = max(fitting)
        return PagePlan(page, self.layout, search.place(height), empty_lines=grid.lines - height)

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
        fits = sorted(self.fits(pinned, pin.columns, pinned is articles[0]).items(), key=lambda hf: hf[1].cost)
        for height, fit in [(h, f) for h, f in fits if row + h <= grid.lines][:PINNED_HEIGHTS]:
            regions = [(0, 0, grid.columns, row), (0, row, column, height),
                       (column + pin.columns, row, grid.columns - column - pin.columns, height),
                       (0, row + height, grid.columns, grid.lines - row - height)]
            regions = [r for r in regions if r[2] and r[3]]
            for cost, modules, empty in self._fill_regions(others, regions, articles[0]):
                cost += fit.cost
                if best is None or (empty, cost) < (best[0], best[1]):
                    module = place_module(pinned, fit, column, row, self.layout, self.pitch, None)
                    best = (empty, cost, modules + [module])
        if best is None:
            raise UserError(f"{where}: the other articles cannot fill the page around the pinned "
                            f"{pinned.slug}; move or resize the pin")
        empty, _, modules = best
        return PagePlan(page, self.layout, sorted(modules, key=lambda m: (m.row, m.column)), empty_lines=empty)

    def _new_search(self, articles: tuple[Article, ...], columns: int, lines: int, lead_first: bool) -> Search:
        return Search(self, list(articles), columns, lines, lead_first=lead_first)

    def _fill_regions(self, articles: list[Article], regions: list[tuple[int, int, int, int]], lead: Article):
        """Ways to fill the regions (column, row, columns, lines) with consecutive groups of the
        articles: (cost, modules, empty lines of the last region). Every region but the last
        must be filled exactly; the last may be left underfull."""
        if not regions:
            if not articles:
                yield 0.0, [], 0
            return
        (column, row, columns, lines), rest = regions[0], regions[1:]
        for end in range(1, len(articles) + 1):
            search = self._search(tuple(articles[:end]), columns, lines, articles[0] is lead)
            heights = search.page(0)
            wanted = [lines] if rest else sorted((h for h in heights if h <= lines), reverse=True)[:1]
            for height in wanted:
                if height not in heights:
                    continue
                for cost, modules, empty in self._fill_regions(articles[end:], rest, lead):
                    yield (heights[height][0] + cost, search.place(height, column, row) + modules,
                           empty if rest else lines - height)
