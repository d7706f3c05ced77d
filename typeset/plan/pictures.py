"""Where each picture sits and what of it shows: the module's picture box filled like CSS
`object-fit: cover` (scaled to cover, centred, the overhang cropped), with the picture's
effective resolution at that size."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .model import IssuePlan, ModulePlan, Rect
from .rules import picture_size


@dataclass
class PlacedPicture:
    """A picture as the page places it: the module's picture box and what covers it."""

    page: int
    module: ModulePlan
    index: int                              # which of the record's pictures
    box: Rect                               # where it sits (a 组图: its part of the picture area)
    file: str
    path: Path
    exists: bool
    size_px: tuple[int, int] | None = None
    ppi: float | None = None                # effective resolution at the placed size
    crop: tuple[float, float, float, float] | None = None   # the visible part, in source pixels


def placed_pictures(plan: IssuePlan) -> list[PlacedPicture]:
    """Every placed picture with its effective resolution: the box is filled like CSS
    `object-fit: cover` (scaled to cover, centred, the overhang cropped)."""
    result = []
    for page in plan.pages:
        for module, (index, box) in ((m, p) for m in page.modules for p in m.pictures):
            file = module.article.pictures[index].file
            path = plan.issue.folder / file
            placed = PlacedPicture(page.page.number, module, index, box, file, path, path.is_file())
            size = picture_size(path) if placed.exists else None
            if size:
                w, h = size
                scale = max(box.w / w, box.h / h)           # points per source pixel
                cw, ch = box.w / scale, box.h / scale
                placed.size_px, placed.ppi = (w, h), 72 / scale
                placed.crop = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
            result.append(placed)
    return result
