"""The arrangement search: dynamic programming over tables of {height: (cost, choice)} — bands
top to bottom, each band modules side by side, each module a stack of articles."""

from __future__ import annotations

import functools
from typing import Protocol

from typeset.model.layout import Layout
from typeset.model.records import Article

from .model import Continuation, Fit, ModulePlan
from .place import place_module


class FitSource(Protocol):
    """What the search needs of the planner: each article's fits, and what places a module."""

    layout: Layout
    pitch: float
    continuations: dict[str, Continuation]

    def fits(self, article: Article, columns: int, jump_to: int | None = None) -> dict[int, Fit]: ...

MAX_STACK = 3                # articles stacked in one module column group
MAX_BAND_MODULES = 3         # modules side by side in one band
BUMP_COST = 60               # modules side by side in a band: their headlines stand level (碰题)


class Search:
    """The arrangement search of `Planner.plan`: tables of {height: (cost, choice)}."""

    def __init__(self, planner: FitSource, articles: list[Article], columns: int, lines: int,
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
                    modules.append(place_module(article, fit, column, top, planner.layout, planner.pitch,
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
