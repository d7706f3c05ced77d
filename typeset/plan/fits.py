"""What each article can fill (组版, step 1): for each module width, the module heights it fills
exactly, with the copy-fitting knobs a page designer uses — 主题 size by priority, air in the
headline area, picture size within its crop and page share, 变栏 text columns, 字块 depth.

`FitTables` is the part of `typeset.plan.planner.Planner` that makes these tables; the Planner holds
the caches and the page's ranks and picture shares it reads.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from typeset import compose
from typeset.model.fields import FIELD_ROLES
from typeset.model.records import Article

from . import groups, place, rules
from .model import CAPTION_AIR, BodyLine, Fit, HeadRow, caption_depth

MIN_LINES_UNDER_PICTURE = 2  # body lines a column keeps below a picture
SHALLOW_COLUMN = rules.MIN_COLUMN_LINES   # 字块 shallower than this read badly (cost a line)
SHALLOW_COST = 40
FULL_WIDTH_COST = 80         # a 通栏 text module other than the lead: the page turns to stripes
TITLE_STEP = 2               # pt the 主题 falls from one priority rank to the next
THREE_LINE_TITLE_COST = 3    # a 主题 in three lines (at a size smaller it may take two)
UNEVEN_TITLE_COST = 6        # a 主题 that cannot be broken evenly between words (HeadlineLines.even)
ACROSS_ASKED_VERTICAL_COST = 30   # a headline across where the record asks for a 竖题 (headline: vertical)
MAX_LINE_CHARS = 30          # characters a line of a 变栏 text column holds at most
MIN_JUMP_LINES = 4           # body lines per column an article keeps before it jumps
COLUMN_LABEL_RATIO = 1.2     # the 栏目名 label, in body sizes (a small reversed label above the 主题)
PICTURE_COST = 4             # a picture at none of the page share its importance gives it …
LEAD_PICTURE_COST = 30       # … the 头条's (the page's largest picture)
BLOWN_UP_COST = 40           # a picture at no resolution at all (a share of it under rules.MIN_PPI)


class FitTables:
    """Fits of articles at module widths (mixed into typeset.plan.Planner)."""

    def _body(self, article: Article, width: float) -> tuple[BodyLine, ...]:
        """The body composed at one text-column width: the dateline run-in in 黑体, paragraphs
        in 书宋 (楷体 for a comment) with their bold run-ins in 黑体, each 小标题 in 黑体 with no
        indent (its lines are cls "subhead", kept with what follows by place._balance), the end
        byline right-aligned in 楷体 on its own line."""
        if article.kind == "photo":
            return ()     # its text is the long caption under its pictures (_caption)
        continued = self.continuations.get(article.slug)
        text_role = FIELD_ROLES["comment" if article.kind == "comment" else "paragraphs"]
        lines: list[BodyLine] = []
        for i, paragraph in enumerate(article.paragraphs):
            if i in article.subheads:
                composed = compose.compose_paragraph([(paragraph, FIELD_ROLES["subhead"])], width, self.size,
                                                     self.style, indent=False)
                lines += [BodyLine(composed, k, "subhead", i) for k in range(len(composed))]
                continue
            spans = _bold_spans(paragraph, [(s, e) for p, s, e in article.bold if p == i], text_role)
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

    def title_sizes(self, rank: int) -> list[float]:
        """主题 sizes by priority, never larger for a lower rank: the 头条 takes the layout's
        `lead` sizes; the others a ladder falling TITLE_STEP pt a rank from the first `wide` size,
        each rank offered its size and the next rank's (ties allowed, never an inversion)."""
        headline = self.layout.headline
        if rank == 0:
            return headline.lead
        floor = min(headline.narrow)
        top = max(floor, headline.wide[0] - TITLE_STEP * (rank - 1))
        return sorted({top, max(floor, top - TITLE_STEP)}, reverse=True)

    def _head(self, article: Article, width: float, size: float) -> tuple[HeadRow, ...]:
        small = round(size * self.layout.headline.kicker_ratio * 2) / 2
        continued = self.continuations.get(article.slug)
        if continued:
            levels = (("jump-title", article.title, "title", size),
                      ("jump", f"（上接第{continued.from_page}版）", "title", small))
        else:
            levels = (("column", article.column, "column", self.size * COLUMN_LABEL_RATIO),
                      ("kicker", article.kicker, "kicker", small), ("title", article.title, "title", size),
                      ("subtitle", article.subtitle, "subtitle", small))
        return tuple(HeadRow(kind, FIELD_ROLES[field], row_size,
                             compose.compose_headline(text, FIELD_ROLES[field], row_size, width))
                     for kind, text, field, row_size in levels if text)

    def head_lines(self, rows: tuple[HeadRow, ...]) -> int:
        """Grid lines the headline area needs: its rows plus half a line of air."""
        return math.ceil((sum(r.height for r in rows) + self.pitch * 0.5) / self.pitch)

    def _caption(self, article: Article, width: float, index: int | None = None) -> Sequence[compose.Line]:
        """Caption lines set at `width`: picture `index`'s own caption, or (None) the shared
        caption under the whole picture area — for a photo item (图片新闻) its text first (a
        long caption: the dateline run in, the byline at its end), then every caption and credit
        not set under its own picture."""
        size, role = self.layout.picture.caption_size_pt, FIELD_ROLES["caption"]
        if index is not None:
            pictures = article.pictures[index:index + 1]
        else:
            pictures = () if sum(bool(p.caption) for p in article.pictures) > 1 else article.pictures
        pieces = []
        if index is None and article.kind == "photo":
            pieces = [[(article.dateline, FIELD_ROLES["dateline"])] if i == 0 and article.dateline else []
                      for i in range(len(article.paragraphs))]
            pieces = [spans + [(paragraph, role)] for spans, paragraph in zip(pieces, article.paragraphs)]
            pieces.append([(article.byline or "", role)])
        pieces.insert(0, [(" ".join(t for p in pictures for t in (p.caption, p.credit) if t), role)])
        composed = [compose.compose_paragraph(spans, width, size, self.style, indent=False) for spans in pieces]
        composed = [lines for lines in composed if len(lines)]
        # one caption stays lazy (compose.Lines): a line is spaced and placed only when printed
        return composed[0] if len(composed) == 1 else tuple(line for lines in composed for line in lines)

    def _group(self, article: Article, width: float, shape: tuple[int, ...]) -> tuple[tuple, groups.Group]:
        """The item's pictures in rows of `shape` across a picture area `width` wide
        (plan.groups): (all caption lines: the pictures' own, then the shared caption; the
        group). Each picture has its own caption under it when more than one has a caption;
        otherwise one shared caption runs under the group."""
        own = sum(bool(p.caption) for p in article.pictures) > 1
        group = groups.arrange(shape, self.aspects(article), width, self.layout.gap, self.pitch,
                               (lambda i, w: self.caption(article, w, i)) if own else None)
        shared = self.caption(article, width)
        if not own:
            return shared, group
        return tuple(line for lines in group.captions for line in lines) + tuple(shared), group

    def aspects(self, article: Article) -> list[float]:
        """Height / width of each picture, read from its file (the layout's middle aspect when missing)."""
        middle = (self.layout.picture.min_aspect + self.layout.picture.max_aspect) / 2
        sizes = [rules.picture_size(self.folder / p.file) if self.folder else None for p in article.pictures]
        return [size[1] / size[0] if size else middle for size in sizes]

    def text_column_options(self, article: Article, columns: int) -> list[int]:
        """基本栏, and the 变栏 a designer uses to balance a module's columns: fewer, wider text
        columns (三破二, 二合一, 五破四, …) while a line holds at most MAX_LINE_CHARS characters (so
        one column never spans more than about 2 栏); a pin decides."""
        if article.pin and article.pin.text_columns:
            return [article.pin.text_columns]
        if article.kind == "photo":
            return [columns]      # no text columns: its text is the caption
        widest = MAX_LINE_CHARS * self.layout.em
        return [columns] + [k for k in range(columns - 1, 0, -1) if self.layout.text_columns(columns, k)[0] <= widest]

    def _fits(self, article: Article, columns: int, jump_to: int | None = None,
              headless: bool = False) -> dict[int, Fit]:
        """Module heights (grid lines) this article fills exactly at this width, best Fit each.
        With `jump_to`, the article may stop at any line and continue on that page; `headless`:
        the body part of a 头条 whose headline runs across the top (its Fits have no head).

        The loops run from the costly choices (text columns, picture) to the cheap ones
        (headline size, air), and a Fit is made only for the winner of each height."""
        layout, best = self.layout, {}
        pin = article.pin
        if pin and pin.columns and pin.columns != columns:
            return {}
        headline_width = layout.span_width(columns) - layout.em
        lead = self.ranks.get(article.slug, 0) == 0
        width_cost = ((20 if columns == 1 else 0) + (50 if lead and columns < 4 and not headless else 0)
                      + (FULL_WIDTH_COST if columns == layout.grid.columns and not lead else 0))
        heads = {0: (0.0, ())} if headless else self.heads(article, headline_width)
        pictures = self.picture_options(article, columns)
        for k in self.text_column_options(article, columns):
            width = layout.text_columns(columns, k)[0]
            body_lines = len(self.body(article, width))
            for picture in pictures:
                picture_columns, picture_lines, caption, picture_cost, slots = picture
                if k != columns and picture_columns not in (0, columns):
                    continue  # 变栏 text does not line up with 基本栏: the picture spans the module
                under = picture_lines + caption_depth(caption, slots) + CAPTION_AIR
                covered = k if picture_columns == columns else picture_columns
                cost = width_cost + 3 * (k != columns) + picture_cost
                for text_lines, kept in self._text_heights(body_lines, k, covered, under, jump_to):
                    depth = None
                    if kept is None and article.subheads:
                        kept_with = self._keeping_subheads(article, width, columns, k, picture_columns, under,
                                                           text_lines)
                        if kept_with is None:
                            continue
                        text_lines, depth = kept_with
                    if depth is None:
                        depth = _shallowest(body_lines, text_lines, k, covered, under, kept)
                    text_cost = cost + SHALLOW_COST * max(0, SHALLOW_COLUMN - depth)
                    for area, (head_cost, rows) in heads.items():
                        lines = area + text_lines
                        total = text_cost + head_cost
                        if (lines not in best or total < best[lines][0]) and not (
                                pin and pin.lines and pin.lines != lines):
                            best[lines] = (total, k, width, rows, area, picture, kept)
        fits = {lines: self._fit(article, columns, lines, jump_to, *choice) for lines, choice in best.items()}
        if jump_to is not None or headless:
            return fits
        vertical = {lines: fit for lines, fit in self.vertical_fits(article, columns).items()
                    if not (pin and pin.lines and pin.lines != lines)}     # a 竖题 (typeset.plan.vertical_heads)
        if self.vertical_wanted(article, columns):       # the record asks for one: across only where none fits
            return vertical or {lines: dataclasses.replace(fit, cost=fit.cost + ACROSS_ASKED_VERTICAL_COST)
                                for lines, fit in fits.items()}
        return {lines: min((f for f in (fits.get(lines), vertical.get(lines)) if f), key=lambda f: f.cost)
                for lines in fits.keys() | vertical.keys()}

    def heads(self, article: Article, width: float) -> dict[int, tuple[float, tuple[HeadRow, ...]]]:
        """The cheapest headline (size, air) for each height of the headline area."""
        heads: dict[int, tuple[float, tuple[HeadRow, ...]]] = {}
        for rank, size in enumerate(self.title_sizes(self.ranks.get(article.slug, 0))):
            rows = self.head(article, width, size)
            titles = [r.lines for r in rows if r.kind == "title"]
            if any(len(lines) > compose.MAX_HEADLINE_LINES for lines in titles):   # too big: a smaller size
                continue
            # a 主题 of three lines, or broken unevenly, costs more than a size smaller
            shape = sum(THREE_LINE_TITLE_COST * (len(lines) == 3)
                        + UNEVEN_TITLE_COST * (not lines.even)
                        for lines in titles)
            for pad in range(self.layout.headline.max_pad_lines + 1):
                area = self.head_lines(rows) + pad
                cost = 2 * rank + pad + shape
                if area not in heads or cost < heads[area][0]:
                    heads[area] = (cost, rows)
        return heads

    def _fit(self, article: Article, columns: int, lines: int, jump_to: int | None, cost: float, k: int,
             width: float, rows: tuple[HeadRow, ...], head_lines: int, picture: tuple, kept: int | None) -> Fit:
        """The Fit of one choice; `width` is the width of its k text columns."""
        body = self.body(article, width)
        if kept is not None:
            body = body[:kept] + (self.jump_line(jump_to, width, to=True),)
        picture_columns, picture_lines, caption, _, slots = picture
        return Fit(columns, lines, k, rows, head_lines, body, picture_columns, picture_lines, caption, cost,
                   jump_to if kept is not None else None, slots)

    def _keeping_subheads(self, article: Article, width: float, columns: int, k: int, picture_columns: int,
                          under: int, text_lines: int) -> tuple[int, int] | None:
        """The least text height from `text_lines` (a few lines more at most) whose columns
        keep every 小标题 with its text (place.balance), and its shallowest column; or None."""
        body = self.body(article, width)
        covered = place.covered_columns(columns, k, picture_columns)
        for lines in range(text_lines, text_lines + place.KEEP_WITH_SUBHEAD + 2):
            heights = place.balance([lines - (under if c else 0) for c in covered], body)
            if heights is not None:
                return lines, min((h for h in heights if h), default=SHALLOW_COLUMN)
        return None

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
        if beside and 0 <= (k - covered) * under - body < k - covered:
            yield under, None     # all the text beside the picture, none under it
        if jump_to is None:
            return
        for text_lines in range(max(MIN_JUMP_LINES, under + MIN_LINES_UNDER_PICTURE if covered else 0), whole):
            kept = k * text_lines - covered * under - 1
            if kept >= MIN_JUMP_LINES * k:
                yield text_lines, kept

    def picture_options(self, article: Article, columns: int) -> list[tuple]:
        """(columns, grid lines, caption, cost, slots) for the article's pictures: from a third
        of the module to its full width, each arrangement of a 组图 (plan.groups), no larger than
        the article's share of the page's picture area (`picture_caps`), every picture cropped
        by at most rules.MAX_CROP of its own width or height (read from its file; the layout's
        aspect limits when a file is missing, the pictures side by side). One option with no
        picture for an article without one.

        Very large pictures starve the page (the cost is convex in area), so the slack of a page
        is shared among its pictures; a picture is never enlarged past its cap to fill a page,
        and one blown up under rules.MIN_PPI costs BLOWN_UP_COST at worst."""
        if not article.pictures:
            return [(0, 0, (), 0.0, ())]
        layout, pitch = self.layout, self.pitch
        sizes = [rules.picture_size(self.folder / p.file) if self.folder else None for p in article.pictures]
        known = all(sizes)
        cap = self.picture_caps.get(article.slug, math.inf)
        short = LEAD_PICTURE_COST if self.ranks.get(article.slug) == 0 else PICTURE_COST   # below its share
        limits = (layout.picture.min_aspect, layout.picture.max_aspect)
        options = []
        # a 组图 of n needs n − 1 栏; a photo item's pictures fill its module (its text is their caption)
        fewest = columns if article.kind == "photo" else max(1, columns // 3, len(article.pictures) - 1)
        for picture_columns in range(min(fewest, columns), columns + 1):
            width = layout.span_width(picture_columns)
            for shape in groups.SHAPES[len(article.pictures)] if known else [(len(article.pictures),)]:
                caption, group = self.group(article, width, shape)
                if known:
                    low, high = group.depth_range(rules.MAX_CROP - 0.01)
                else:
                    low, high = width * limits[0], width * limits[1]
                for lines in range(max(1, math.ceil(low / pitch)), math.floor(high / pitch) + 1):
                    depth = lines * pitch
                    slots = group.slots(depth)
                    if not groups.readable(slots, layout.column_width):
                        continue
                    area = sum(s.w * s.h for s in slots)
                    if area > cap:
                        break   # never past its share of the page, even to fill it
                    scale = group.scale(depth)
                    fit = 10 * (1 - min(scale, 1 / scale)) if known else 6 * abs(depth / width - 0.66)
                    blown = sum(max(0.0, 1 - rules.effective_ppi(s.w, s.h, size) / rules.MIN_PPI)
                                for s, size in zip(slots, sizes) if size)
                    cost = (fit + 1.7e-4 * (picture_columns * lines) ** 2 + BLOWN_UP_COST * blown
                            + groups.group_cost(slots, width, layout.column_width, layout.gap, limits)
                            + (short * (1 - area / cap) if cap < math.inf else 0))   # the share importance gives it
                    options.append((picture_columns, lines, caption, cost, slots))
        return options

    def share_pictures(self, articles: list[Article]) -> None:
        """Each picture's cap: the page's picture area (rules.picture_limit of the 版心)
        shared by importance, the 头条's picture counting double."""
        layout = self.layout
        budget = rules.picture_limit(layout, articles) * layout.area_width * layout.area_height
        weights = {a.slug: 2 if self.ranks[a.slug] == 0 else 1 for a in articles if a.pictures}
        self.picture_caps = {slug: budget * w / sum(weights.values()) for slug, w in weights.items()}


def _shallowest(body: int, text_lines: int, k: int, covered: int, under: int, kept: int | None) -> int:
    """Lines in the shallowest text column (the 字块's depth) of `body` lines set in k columns
    `text_lines` deep, `covered` of them starting `under` lines lower, balanced as place.balance
    sets them: the short lines one a column from the last (a column left empty beside its
    picture is no column). A jumping module's columns are all full; no text: no 字块."""
    full = [text_lines - under] * covered + [text_lines] * (k - covered)
    full = [lines for lines in full if lines > 0]
    if not body or not full:
        return SHALLOW_COLUMN
    if kept is not None:
        return min(full)
    short = sum(full) - body
    each, extra = divmod(max(0, short), len(full))
    return min(lines - each - (c >= len(full) - extra) for c, lines in enumerate(full))


def _bold_spans(text: str, runs: list[tuple[int, int]], role: str) -> list[tuple[str, str]]:
    """A paragraph as (text, role) spans: its bold run-ins (start, end) in 黑体, the rest in `role`."""
    spans, at = [], 0
    for start, end in sorted(runs):
        spans += [(text[at:start], role), (text[start:end], FIELD_ROLES["bold"])]
        at = end
    return [(t, r) for t, r in spans + [(text[at:], role)] if t]
