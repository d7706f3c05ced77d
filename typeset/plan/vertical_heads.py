"""竖题: a headline set vertically in a strip at the module's right, its text beside it from the
module's top (page-design rule 7: narrow modules and features). One more way an article fills
a module, priced with the across ones, so the search takes it where it fills the page better.

Offered for a record that asks (`headline: vertical`: then only the 竖题, where one can be set)
and, where the layout's house style says `[headline] vertical = "auto"`, for a short 主题 of a
1–2 栏 text module that has nothing else in its headline. Not for a module with a picture, a
栏目名, a continued part or a body that jumps: their headline stays across.

`VerticalHeads` is the part of `typeset.plan.planner.Planner` that makes these fits.
"""

from __future__ import annotations

import math

from typeset import compose
from typeset.model.fields import FIELD_ROLES
from typeset.model.records import Article

from .fits import SHALLOW_COLUMN, SHALLOW_COST
from .model import Fit, HeadRow

AUTO_MAX_COLUMNS = 2         # 基本栏 of the narrow modules the house style may give a 竖题
AUTO_MAX_CHARS = 10          # the longest 主题 it sets vertically unasked
VERTICAL_COST = 6            # an unasked 竖题: a little dearer than the headline across
COLUMN_AIR = 0.3             # between the 竖题's columns (引题, 主题, 副题), in the smaller size
MIN_TEXT_CHARS = 10          # characters a text column beside it keeps at least
ONE_COLUMN_COST = 20         # a 1 栏 module, as across (typeset.plan.fits)


class VerticalHeads:
    """Fits with a 竖题 (mixed into typeset.plan.Planner)."""

    def vertical_wanted(self, article: Article, columns: int) -> bool | None:
        """True: the record asks for a 竖题; False: one is offered beside the across headline;
        None: none is offered."""
        if (article.headline == "horizontal" or article.pictures or article.column
                or article.slug in self.continuations):
            return None
        if article.headline == "vertical":
            return True
        short = len("".join(article.title.split())) <= AUTO_MAX_CHARS
        plain = not (article.kicker or article.subtitle) and article.kind == "article"
        auto = self.layout.headline.vertical == "auto" and columns <= AUTO_MAX_COLUMNS
        return False if auto and short and plain and self.ranks.get(article.slug, 0) > 0 else None

    def vertical_rows(self, article: Article, size: float) -> tuple[HeadRow, ...]:
        """The 竖题's columns from the right: 引题, 主题, 副题 (read right to left)."""
        small = round(size * self.layout.headline.kicker_ratio * 2) / 2
        levels = (("kicker", article.kicker, small), ("title", article.title, size),
                  ("subtitle", article.subtitle, small))
        return tuple(HeadRow(kind, FIELD_ROLES[kind], row_size,
                             compose.compose_headline(text, FIELD_ROLES[kind], row_size, math.inf),
                             compose.compose_vertical(text, FIELD_ROLES[kind], row_size))
                     for kind, text, row_size in levels if text)

    def vertical_fits(self, article: Article, columns: int) -> dict[int, Fit]:
        """Module heights (grid lines) this article fills exactly with a 竖题, best Fit each:
        its text as deep as the 竖题 at least, in columns beside the strip."""
        wanted = self.vertical_wanted(article, columns)
        if wanted is None:
            return {}
        layout, best = self.layout, {}
        sizes = self.title_sizes(self.ranks.get(article.slug, 0))
        # unasked, only at the size its priority gives: each size is another strip width, so
        # another narrow text width to compose the body at (it doubled a page's planning time)
        for rank, size in enumerate(sizes if wanted else sizes[:1]):
            rows = self.vertical_rows(article, size)
            head_lines = math.ceil((max(r.vertical.height for r in rows) + self.pitch * 0.5) / self.pitch)
            head_width = (sum(r.size for r in rows) + COLUMN_AIR * min(r.size for r in rows) * (len(rows) - 1)
                          + layout.gap)
            head_cost = 2 * rank + (0 if wanted else VERTICAL_COST) + ONE_COLUMN_COST * (columns == 1)
            for k in self.text_column_options(article, columns):
                width, _ = layout.text_columns(columns, k, head_width)
                if width < MIN_TEXT_CHARS * layout.em:
                    continue
                body = self.body(article, width)
                for text_lines, _ in self._text_heights(len(body), k, 0, 0, None):
                    if article.subheads:
                        text_lines = self._keeping_subheads(article, width, columns, k, 0, 0, text_lines)
                    if text_lines is None or text_lines < head_lines:
                        continue
                    depth = text_lines - (k > 1)
                    cost = head_cost + 3 * (k != columns) + SHALLOW_COST * max(0, SHALLOW_COLUMN - depth)
                    if text_lines not in best or cost < best[text_lines].cost:
                        best[text_lines] = Fit(columns, text_lines, k, rows, head_lines, body, 0, 0, (), cost,
                                               head_width=head_width)
        return best
