"""The 头条 across the top: the L-shaped plan a page designer draws beyond bands.

The lead's headline area runs across the whole page; under it the lead's body (and its
picture) takes the left 栏, and the other items fill two columns of modules — down the right
side of the lead's body, then under it — each item, in priority order, going to the column
that ends higher, mostly in priority order (so importance reads top to bottom). The headline across the top keeps the
side column's first headline from standing beside the lead's (碰题); the tops of the two
columns' modules are kept STAGGER lines apart and their headline areas apart (错落), so no
headlines stand side by side and no four corners meet (十字). The least important item may
instead take a band across the foot. On a page the items cannot fill, the side column of short
items may run down to the foot, the spare area one rectangle under the lead's column.

Arithmetic only, like the band search: a dynamic programme over the items in order whose
state is where the two columns end (the side column's headlines are kept clear of the other
column's next module when placed), the cheapest BEAM states kept after each item.
"""

from __future__ import annotations

from typeset.model.records import Article

from . import rules
from .model import Fit, ModulePlan, Rect
from .place import place_module

STAGGER = 3       # grid lines between module tops of the two columns at least
MIN_BODY = 3      # 基本栏 of the lead's body at least (and half the page)
MAX_FOOT = 1      # the least important articles that may take a band across the foot instead …
FOOT_FROM = 6     # … on a page of more articles than this
BEAM = 2000        # states kept after each item, cheapest first
CHOICES = 10      # heights tried per item and column, cheapest first (twice as many for the lead)
ORDER_COST = 3    # an item set before a more important one still waiting
LEAD_PICTURE_RULE = 30   # a picture larger than the 头条's
WINDOW = 3        # the next item is one of the WINDOW most important still waiting, …
SPARSE = 0.55     # body text under this share of what the page holds as plain text: it will not fill
FILLERS = ("briefs", "comment", "photo")   # … or a filler: a box or a picture goes where it fits


def _columns(planner, lead: Article, others: list[Article], left: int, right: int, limit: int, closing: bool):
    """Where the two columns can end: ({(tall end, short end, short is left): (cost, state)},
    the states of each step), the ends level when equal; `_path` joins a state's choices.

    State: (items placed, short end, tall end, closed, short is left). The next item goes into
    the short column at its end; it must not end level with the tall column (a 十字) unless it is
    the last item, and when it ends below it, the tall column's end must lie below its headline
    (STAGGER lines at least), so the next module there starts clear of it (错落). Or the lead's
    column, when short, ends (closed, with `closing`) and the items left go down the side column:
    on a page they cannot fill, the foot under the lead's column stays empty. Taking an item before a more
    important one costs ORDER_COST; a filler (简讯, 短评, 图片新闻) may be taken at any point,
    so a box goes down the narrow column where its text stands deep."""
    widths = (left, right)
    # (lines, lines its headline keeps free, cost, picture area, fit): the cheapest, shortest first
    options = [[sorted((f.lines, max(f.head_lines, STAGGER), f.cost, _area(f), f)
                       for f in sorted(planner.fits(a, w).values(), key=lambda f: f.cost)[:CHOICES])
                for w in widths] for a in others]
    everything = (1 << len(others)) - 1
    # each state's value: (cost, the lead's picture area, the state before it, the choice made)
    states: dict = {}
    for fit in sorted(planner.fits(lead, left, headless=True).values(), key=lambda f: f.cost)[:2 * CHOICES]:
        state = (0, 0, fit.lines, False, False)
        if fit.lines <= limit and (state not in states or fit.cost < states[state][0]):
            states[state] = (fit.cost, _area(fit), None, (0, lead, fit))
    history = [states]
    for _ in others:
        grown: dict = {}
        # a state whose short column is the lead's may also end it there (closed)
        ending = [((placed, short, tall, True, True), key, value)
                  for key, value in states.items() for placed, short, tall, closed, short_left in (key,)
                  if closing and short_left and short < tall and not closed]
        for state_key, key, (cost, lead_picture, _, _) in [(k, k, v) for k, v in states.items()] + ending:
            placed, short, tall, closed, short_left = state_key
            side = (0 if short_left else 1) ^ closed
            waiting = 0
            for i, article in enumerate(others):
                if placed >> i & 1:
                    continue
                if waiting >= WINDOW and article.kind not in FILLERS:
                    waiting += 1
                    continue
                now = placed | 1 << i
                last = now == everything
                base = cost + 4 + ORDER_COST * waiting
                for lines, keeps, fit_cost, area, fit in options[i][side]:
                    if closed:
                        if tall + lines > limit:
                            break
                        state = (now, short, tall + lines, True, True)
                    else:
                        end = short + lines
                        if end > limit:
                            break
                        # the last item: the columns end level, or the lead's column short (the
                        # side column ending short would leave no one rectangle at the foot)
                        if end < tall:
                            if last and not short_left:
                                continue
                            state = (now, end, tall, False, short_left)
                        elif end == tall:
                            if not last:
                                continue    # a 十字
                            state = (now, tall, end, False, not short_left)
                        elif last:
                            if short_left:
                                continue
                            state = (now, tall, end, False, True)
                        elif tall >= short + keeps:
                            state = (now, tall, end, False, not short_left)
                        else:
                            continue
                    total = base + fit_cost + (LEAD_PICTURE_RULE if area > lead_picture else 0)
                    known = grown.get(state)
                    if known is None or total < known[0]:
                        grown[state] = (total, lead_picture, key, (side, article, fit))
                waiting += 1
        states = grown if len(grown) <= BEAM else dict(sorted(grown.items(), key=lambda kv: kv[1][0])[:BEAM])
        history.append(states)
    result: dict = {}
    for key, (cost, *_) in states.items():
        ends = key[2], key[1], key[4]       # (tall end, short end, short is left)
        if ends not in result or cost < result[ends][0]:
            result[ends] = (cost, key)
    return result, history


def _path(history: list[dict], key) -> tuple:
    """The choices that led to the state `key` of the last step, first to last."""
    path = []
    for states in reversed(history):
        _, _, key, choice = states[key]
        path.append(choice)
    return tuple(reversed(path))


def _area(fit) -> int:
    """The picture's size in 基本栏 × grid lines."""
    return fit.picture_columns * fit.picture_lines


def _foot(planner, articles: list[Article], lines: int, empty_cost: float) -> list:
    """For each room left under the columns (grid lines): the cheapest foot of these articles
    in bands across the page, the lines it leaves empty priced — (cost, empty lines, foot
    height, search) or None."""
    if not articles:
        return [(empty_cost * room, room, 0, None) for room in range(lines + 1)]
    search = planner._search(tuple(articles), planner.layout.grid.columns, lines)
    heights = search.page(0)
    best: list = [None] * (lines + 1)
    for room in range(lines + 1):
        options = [(cost + empty_cost * (room - h), room - h, h, search)
                   for h, (cost, _) in heights.items() if h <= room]
        best[room] = min(options, key=lambda o: o[0], default=None)
    return best


def lead_across(planner, articles: list[Article], lines: int, empty_cost: float) -> list:
    """[(cost with empty lines priced, empty lines, the 栏 they span, modules)]: the best L-shaped plan for each
    width of the lead's body, so the rules measured on the whole page choose among them (a
    narrow side column of short items may cost a few empty lines and keep every 字块 deep)."""
    layout = planner.layout
    columns = layout.grid.columns
    lead = articles[0]
    if len(articles) < 2 or columns < MIN_BODY + 2 or lead.slug in planner.continuations:
        return []
    heads = planner.heads(lead, layout.span_width(columns) - layout.em)
    if not heads:
        return []
    grid = layout.grid
    sparse = rules.body_chars(articles) < SPARSE * grid.columns * grid.chars * grid.lines
    best: dict[int, tuple] = {}

    def keep(body_width: int, total: float, *choice) -> None:
        if body_width not in best or total < best[body_width][0]:
            best[body_width] = (total, *choice)

    for in_foot in range(0, min(MAX_FOOT, len(articles) - 2) + 1) if len(articles) > FOOT_FROM else (0,):
        others = articles[1:len(articles) - in_foot]
        foot = _foot(planner, articles[len(others) + 1:], lines, empty_cost)
        for body_width in range(max(MIN_BODY, columns // 2), columns - 1):
            table, history = _columns(planner, lead, others, body_width, columns - body_width, lines - min(heads),
                                      closing=sparse)
            for (height, short, short_left), (cost, state) in table.items():
                path = (history, state)
                if short != height:
                    # the side column runs down to the foot; the foot of the lead's column stays
                    # empty, one rectangle at the foot priced for its width (no band across the foot)
                    area = lines - height
                    if in_foot or area not in heads or not short_left:
                        continue
                    span = (0, body_width)
                    head_cost, rows = heads[area]
                    keep(body_width, cost + head_cost + empty_cost * (height - short) * span[1] / columns,
                         height - short, span, area, rows, body_width, path, None, 0, lines)
                    continue
                for area, (head_cost, rows) in heads.items():
                    room = lines - area - height
                    if room < 0 or foot[room] is None:
                        continue
                    foot_cost, empty, foot_height, search = foot[room]
                    keep(body_width, cost + head_cost + foot_cost, empty, None, area, rows, body_width, path,
                         search, foot_height, area + height)
    return [_place(planner, articles, *choice) for choice in best.values()]


def _place(planner, articles: list[Article], cost: float, empty: int, span: tuple[int, int] | None, area: int,
           rows, body_width: int, path, search, foot_height: int, foot_row: int) -> tuple:
    """(cost, empty lines, the 栏 they span (None: all), modules) of one L-shaped plan: the
    headline across, the two columns, the foot."""
    layout, pitch = planner.layout, planner.pitch
    columns = layout.grid.columns
    head_fit = Fit(columns, area, 0, rows, area, (), 0, 0, (), 0.0)
    full = Rect(0, 0, layout.area_width, area * pitch)
    modules = [ModulePlan(articles[0], head_fit, 0, 0, full, Rect(0, 0, full.w, full.h), None, None, [])]
    ends = [area, area]
    for side, article, fit in _path(*path):
        modules.append(place_module(article, fit, side * body_width, ends[side], layout, pitch,
                                    planner.continuations.get(article.slug)))
        ends[side] += fit.lines
    if search:
        modules += search.place(foot_height, 0, foot_row)
    order = {a.slug: i for i, a in enumerate(articles)}      # modules in priority order, as the bands
    return cost, empty, span, sorted(modules, key=lambda m: (order[m.article.slug], m.row))
