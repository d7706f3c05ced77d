"""How the pictures of one item share its picture area (组图), as a 美编 arranges 2–4 of them:
side by side, stacked one above the other (two landscapes in a narrow module), 2×2 for four,
one above two for three. Each row's pictures stand at one height, each as wide as its
proportions give it; the whole group is cropped by one ratio, so no picture is cut more than
another. Which arrangement a module takes is priced with the fit's other choices
(fits.FitTables.picture_options, `group_cost`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from typeset import compose

from .model import PictureSlot

# pictures per row, top to bottom, for each number of pictures
SHAPES = {1: ((1,),), 2: ((2,), (1, 1)), 3: ((3,), (1, 1, 1), (1, 2)), 4: ((4,), (1, 1, 1, 1), (2, 2))}
GROUP_SHAPE_COST = 160    # a 组图 whose block is a strip or a tower (see group_cost)
NARROW_COST = 8           # divided by the smallest picture's size in 基本栏
MIN_SIDE = 0.5            # a 组图's picture shorter than this many 基本栏 on either side is a stamp


@dataclass(frozen=True)
class Group:
    """An arrangement of an item's pictures at one width, before its depth is chosen."""

    rows: tuple[tuple[int, ...], ...]          # picture indices per row, top to bottom
    xs: tuple[float, ...]                      # each picture's left, from the area's left (picture order)
    widths: tuple[float, ...]
    heights: tuple[float, ...]                 # each row's natural (uncropped) height
    seps: tuple[float, ...]                    # under each row but the last: its captions and air, or a gap
    captions: tuple[Sequence[compose.Line], ...]   # each picture's own caption (empty: none)

    def scale(self, depth: float) -> float:
        """Placed / natural height of every picture when the group is `depth` deep (to the
        foot of its last row): above 1 the pictures lose width, below 1 height."""
        return (depth - sum(self.seps)) / sum(self.heights)

    def depth_range(self, crop: float) -> tuple[float, float]:
        """The least and most depth (pt) that crop no picture by more than `crop`."""
        return (sum(self.heights) * (1 - crop) + sum(self.seps), sum(self.heights) / (1 - crop) + sum(self.seps))

    def slots(self, depth: float) -> tuple[PictureSlot, ...]:
        """The pictures placed in a group `depth` deep."""
        scale, slots, y = self.scale(depth), [], 0.0
        for r, row in enumerate(self.rows):
            h = self.heights[r] * scale
            slots += [PictureSlot(i, self.xs[i], y, self.widths[i], h, self.captions[i]) for i in row]
            y += h + (self.seps[r] if r < len(self.seps) else 0.0)
        return tuple(slots)


def arrange(shape: tuple[int, ...], aspects: Sequence[float], width: float, gap: float, pitch: float,
            caption: Callable[[int, float], Sequence[compose.Line]] | None) -> Group:
    """The pictures (height / width `aspects`) in rows of `shape` across `width`, `gap` apart.
    `caption(i, w)`: picture i's own caption set `w` wide (None: the group shares one caption).
    Under a row with captions come its captions and a grid line of air; else a gap."""
    rows, xs, widths, heights, captions, seps, first = [], {}, {}, [], {}, [], 0
    for count in shape:
        row = tuple(range(first, first + count))
        first += count
        natural = [1 / aspects[i] for i in row]
        inner = width - gap * (count - 1)
        x = 0.0
        for i, n in zip(row, natural):
            xs[i], widths[i] = x, inner * n / sum(natural)
            captions[i] = caption(i, widths[i]) if caption else ()
            x += widths[i] + gap
        rows.append(row)
        heights.append(inner / sum(natural))
        deepest = max(len(captions[i]) for i in row)
        seps.append((deepest + 1) * pitch if deepest else gap)
    order = range(len(aspects))
    return Group(tuple(rows), tuple(xs[i] for i in order), tuple(widths[i] for i in order), tuple(heights),
                 tuple(seps[:-1]), tuple(captions[i] for i in order))


def readable(slots: Sequence[PictureSlot], column: float) -> bool:
    """Is every picture of a 组图 at least MIN_SIDE 基本栏 wide and deep?"""
    return len(slots) == 1 or min(min(s.w, s.h) for s in slots) >= MIN_SIDE * column


def group_cost(slots: Sequence[PictureSlot], width: float, column: float, gap: float,
               aspect_limits: tuple[float, float]) -> float:
    """What a 美编 weighs between arrangements: pictures too small to read, NARROW_COST over
    the smallest one's size in 基本栏 (a single picture's width; in a 组图 each picture's
    short side), and for a 组图 a block that reads as a strip or a tower (its pictures' depth,
    the captions between rows left out, over its width, outside the layout's picture aspects:
    GROUP_SHAPE_COST × the log of the excess, squared — a tower of two portraits in 2 栏 costs
    about a broken page rule)."""
    if len(slots) == 1:
        return NARROW_COST * (column + gap) / (slots[0].w + gap)
    smallest = min(min(s.w, s.h) for s in slots)
    low, high = aspect_limits
    aspect = sum(s.h for s in slots if s.x == 0) / width     # a row's first picture stands at x = 0
    excess = max(0.0, math.log(low / aspect), math.log(aspect / high))
    return NARROW_COST * (column + gap) / (smallest + gap) + GROUP_SHAPE_COST * excess ** 2
