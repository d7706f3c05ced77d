"""A page design, typed: `layouts/<name>/layout.toml` (page, grid, headline sizes, pictures, house
style). A new page design is a new folder (typeset.sources.designs loads it); this model derives
the geometry every stage shares (column positions, grid lines) in PDF points."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    # 竖题: "auto" lets the planner set a short 主题 of a narrow (1–2 栏) module vertically beside
    # its text where that fills the page better; "never" only for a record that asks (headline: vertical)
    vertical: Literal["auto", "never"] = "never"

    def sizes(self, columns: int, lead: bool) -> list[float]:
        """主题 sizes to try, largest first, for a module this many 基本栏 wide."""
        if lead:
            return self.lead
        return self.wide if columns >= 6 else self.medium if columns >= 4 else self.narrow


class HouseStyle(_Section):
    """Switches for the composition rules: the `[compose]` table of a layout.toml. Frozen and
    hashable: the composer caches by it."""

    kinsoku: Literal["gb", "strict", "off"] = "gb"  # 禁则: strict: —— …… never start a line
    compress_adjacent: bool = True   # two adjacent full-width marks take 1.5 em
    line_end_half: bool = True       # a closing mark at line end may shrink to ½ em
    line_start_bracket_half: bool = True  # an opening bracket at line start may drop ½ em
    interior_compress: bool = True   # brackets and ，、； inside a line may shrink to ½ em
    han_latin_gap_em: float = 0.25   # gap between Han and Latin letters/digits (0 = none)
    digit_gap: bool = True           # also gap before/after numbers (8 月 3 日); False: none
    indent_em: float = 2.0           # first-line indent
    no_orphan_char: bool = True      # 孤字: a paragraph's last line holds ≥ 2 characters
    headline_gap_em: float = 1.0     # visible gap between the phrases of a one-line headline
    # Even inter-character stretch above this goes to the line's word spaces and Han–Latin
    # gaps instead (past their ½ em), when it has any: wider character spacing next to a
    # wider gap makes pdftotext read spaces between Han characters.
    char_stretch_cap_em: float = 0.08
    # Hang one 、，。 (at ½ em) past the right edge, only when the line would otherwise stretch
    # its Han spacing to compose.MAX_CHAR_GAP_EM or more and squeezing in cannot help (clreq:
    # optional on the mainland; preflight counts the hung mark as the column's).
    hang_punctuation: bool = False


class PictureSpec(_Section):
    min_aspect: float = 0.45
    max_aspect: float = 1.1
    caption_size_pt: float = 9


class PrintSpec(_Section):
    ink_limit: float = Field(240, ge=100, le=400)     # total ink (C+M+Y+K, %) of the print pictures


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
    print: PrintSpec = PrintSpec()
    compose: HouseStyle = HouseStyle()

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

    def text_columns(self, columns: int, count: int, head_width: float = 0.0) -> tuple[float, float]:
        """(column width, gutter) when a module `columns` 基本栏 wide sets its text in `count`
        columns (变栏), beside a 竖题 strip `head_width` wide: each a whole number of
        characters, the gutters take the remainder."""
        span = self.span_width(columns) - head_width
        chars = int((span - (count - 1) * self.gap) // (count * self.em))
        width = chars * self.em
        gutter = (span - count * width) / (count - 1) if count > 1 else 0.0
        return width, gutter
