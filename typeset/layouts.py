"""Page designs: `layouts/<name>/layout.toml` (grid, sizes, house style) + Jinja template + CSS.

A new page design is a new folder; the program reads its numbers from here and derives the
geometry every stage shares (column positions, grid lines) in PDF points.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from typeset.errors import UserError

LAYOUTS_DIR = Path(__file__).resolve().parent.parent / "layouts"
MM = 72 / 25.4


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PageSpec(_Section):
    trim_mm: tuple[float, float]
    bleed_mm: float = 3
    margin_left_mm: float
    top_mm: float
    header_mm: float
    footer_mm: float


class GridSpec(_Section):
    columns: int = Field(ge=1, le=20)
    chars: int = Field(ge=4, le=60)
    gap_chars: float = Field(ge=0.5, le=4)
    body_size_pt: float = Field(ge=5, le=16)
    pitch_pt: float = Field(ge=6, le=30)
    lines: int = Field(ge=10, le=400)
    column_rule: bool = True      # a rule (栏线) between the text columns of one article, else a plain gutter


class HeadlineSpec(_Section):
    lead: list[float]
    wide: list[float]
    medium: list[float]
    narrow: list[float]
    kicker_ratio: float = 0.55
    max_pad_lines: int = 3

    def sizes(self, columns: int, lead: bool) -> list[float]:
        """主题 sizes to try, largest first, for a module this many 基本栏 wide."""
        if lead:
            return self.lead
        return self.wide if columns >= 6 else self.medium if columns >= 4 else self.narrow


class PictureSpec(_Section):
    min_aspect: float = 0.45
    max_aspect: float = 1.1
    caption_size_pt: float = 9


class Layout(BaseModel):
    """A page design with its geometry in points."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: Path
    name: str
    template: str
    page: PageSpec
    grid: GridSpec
    headline: HeadlineSpec
    picture: PictureSpec
    compose: dict[str, object] = {}

    @property
    def key(self) -> str:
        return self.folder.name

    @property
    def em(self) -> float:
        return self.grid.body_size_pt

    @property
    def column_width(self) -> float:
        return self.grid.chars * self.em

    @property
    def gap(self) -> float:
        return self.grid.gap_chars * self.em

    @property
    def area_width(self) -> float:
        """版心 width."""
        g = self.grid
        return g.columns * self.column_width + (g.columns - 1) * self.gap

    @property
    def area_height(self) -> float:
        return self.grid.lines * self.grid.pitch_pt

    @property
    def trim(self) -> tuple[float, float]:
        return self.page.trim_mm[0] * MM, self.page.trim_mm[1] * MM

    @property
    def area_left(self) -> float:
        """Left edge of the 版心: centred on the trim (the margin is a minimum)."""
        return max(self.page.margin_left_mm * MM, (self.trim[0] - self.area_width) / 2)

    @property
    def area_top(self) -> float:
        """Top of the 版心 (the 天线) from the top of the trim."""
        return (self.page.top_mm + self.page.header_mm) * MM

    def span_width(self, columns: int) -> float:
        """Width of `columns` adjacent 基本栏 with the gutters between them."""
        return columns * self.column_width + (columns - 1) * self.gap

    def column_x(self, column: int) -> float:
        """x of 基本栏 `column` (0-based) from the left of the 版心."""
        return column * (self.column_width + self.gap)

    def text_columns(self, columns: int, count: int) -> tuple[float, float]:
        """(column width, gutter) when a module `columns` 基本栏 wide sets its text in `count`
        columns (变栏): each a whole number of characters, the gutters take the remainder."""
        span = self.span_width(columns)
        chars = int((span - (count - 1) * self.gap) // (count * self.em))
        width = chars * self.em
        gutter = (span - count * width) / (count - 1) if count > 1 else 0.0
        return width, gutter


@functools.cache
def load_layout(name: str) -> Layout:
    """The design in layouts/<name>/, validated; a UserError names the file and field."""
    folder = LAYOUTS_DIR / name
    config = folder / "layout.toml"
    if not config.is_file():
        known = ", ".join(sorted(p.name for p in LAYOUTS_DIR.iterdir() if (p / "layout.toml").is_file()))
        raise UserError(f"unknown layout '{name}' (layouts: {known})", where=str(config.parent))
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
        return Layout(folder=folder, **data)
    except (tomllib.TOMLDecodeError, ValidationError) as e:
        raise UserError(f"invalid layout: {e}".splitlines()[0], where=str(config)) from None
