"""The 头条 across the top: the L-shaped plan a page designer draws beyond bands.

The lead's headline area runs across the whole page; under it the lead's body (and its
picture) takes the left 栏 and a column of other items stands down the right side; more items
stack under the lead's body. The headline across the top keeps the side column's first
headline from standing beside the lead's (碰题), and the module tops of the two stacks are
staggered (错落) so no headlines meet side by side and no four corners meet (十字).

Arithmetic only, like the band search: the stacks are tables of {height: cheapest ways},
kept a few ways per height so that the two stacks can be paired with their cuts apart.
"""

from __future__ import annotations

import itertools

from typeset import plan as planning
from typeset.records import Article

KEEP = 4          # ways kept per stack height (different cuts, cheapest first)
MAX_STACK = 3     # items in one stack under or beside the lead's body
STAGGER = 3       # grid lines between module tops of the two stacks at least
MIN_BODY = 3      # 基本栏 of the lead's body at least


def _extend(table: dict[int, list], fits: dict, limit: int, first: bool) -> dict[int, list]:
    """A stack table {height: [(cost, tops, fits)]} with one more item under it; tops are
    (top, headline lines) of the modules that begin with a headline."""
    grown: dict[int, dict] = {}
    for h1, ways in table.items():
        for h2, fit in fits.items():
            if h1 + h2 > limit:
                continue
            known = grown.setdefault(h1 + h2, {})
            for cost, tops, chosen in ways:
                top = tops + (((h1, fit.head_lines),) if fit.head_lines else ())
                total = cost + fit.cost + (0 if first else 4)
                if top not in known or total < known[top][0]:
                    known[top] = (total, top, chosen + (fit,))
    return {h: sorted(ways.values(), key=lambda w: w[0])[:KEEP] for h, ways in grown.items()}


def _apart(left: tuple, right: tuple) -> bool:
    """No two module tops of the stacks within STAGGER lines, no two headlines side by side."""
    for a, la in left:
        for b, lb in right:
            if abs(a - b) < STAGGER or min(a + la, b + lb) > max(a, b):
                return False
    return True


def lead_across(planner, articles: list[Article], lines: int, empty_cost: float):
    """(cost with empty lines priced, empty lines, modules) of the best L-shaped plan, or None."""
    layout = planner.layout
    columns = layout.grid.columns
    lead, others = articles[0], articles[1:]
    if not others or columns < MIN_BODY + 2 or lead.slug in planner.continuations:
        return None
    if len(others) > 2 * MAX_STACK:
        return None
    # every way to share the others between the two stacks, each in priority order
    splits = [(tuple(a for a, m in zip(others, mask) if not m), tuple(a for a, m in zip(others, mask) if m))
              for mask in itertools.product((0, 1), repeat=len(others))]
    stacks: dict = {}

    def stack(key: tuple, width: int, with_lead: bool) -> dict:
        """The stack table of these articles (under the lead's body when `with_lead`)."""
        if (key, width, with_lead) not in stacks:
            if key:
                stacks[key, width, with_lead] = _extend(stack(key[:-1], width, with_lead),
                                                        planner.fits(key[-1], width), lines,
                                                        len(key) == 1 and not with_lead)
            else:
                start = {0: [(0.0, (), ())]}
                stacks[key, width, with_lead] = _extend(start, planner.fits(lead, width, headless=True),
                                                        lines, True) if with_lead else start
        return stacks[key, width, with_lead]

    best = None
    heads = planner.heads(lead, layout.span_width(columns) - layout.em)
    for body_width in range(MIN_BODY, columns - 1):
        side_width = columns - body_width
        for under, side in splits:
            if not side or len(side) > MAX_STACK or len(under) > MAX_STACK:
                continue
            left, right = stack(under, body_width, True), stack(side, side_width, False)
            for height in left.keys() & right.keys():
                pair = min(((lc + rc, ((lead,) + under, lw), (side, rw)) for lc, lt, lw in left[height]
                            for rc, rt, rw in right[height] if _apart(lt, rt)), key=lambda p: p[0], default=None)
                if pair is None:
                    continue
                for area, (head_cost, rows) in heads.items():
                    empty = lines - area - height
                    if empty < 0:
                        continue
                    cost = pair[0] + head_cost + empty_cost * empty
                    if best is None or cost < best[0]:
                        best = (cost, empty, area, rows, body_width, pair[1], pair[2])
    if best is None:
        return None
    cost, empty, area, rows, body_width, left, right = best
    pitch = planner.pitch
    head_fit = planning.Fit(columns, area, 0, rows, area, (), 0, 0, (), 0.0)
    full = planning.Rect(0, 0, layout.area_width, area * pitch)
    modules = [planning.ModulePlan(lead, head_fit, 0, 0, full, planning.Rect(0, 0, full.w, full.h), None, None, [])]
    for column, (stacked, chosen) in ((0, left), (body_width, right)):
        row = area
        for article, fit in zip(stacked, chosen):
            modules.append(planning._place_module(article, fit, column, row, layout, pitch, None))
            row += fit.lines
    return cost, empty, sorted(modules, key=lambda m: (m.row, m.column))
