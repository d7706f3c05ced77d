"""The Chinese line composer: breaks paragraphs and headlines into lines by the rules of
typography.md, measuring with HarfBuzz on the faces WeasyPrint embeds, so the planner knows
every article's exact line count without a trial render.

shaping (HarfBuzz advances, cached) → breaking (clusters, 禁则, where lines end) → setting
(the spacing and the exact position of every cluster of a line); headlines (a 主题 broken
evenly at word boundaries); vertical (a 竖题, a character a cell).
"""

from . import headlines, shaping
from .breaking import CAPPED_CHAR_GAP_EM, HANGING, MAX_CHAR_GAP_EM
from .headlines import MAX_LINES as MAX_HEADLINE_LINES
from .headlines import HeadlineLines, compose_headline
from .setting import Box, Line, Lines, PlacedCluster, compose_paragraph
from .shaping import Measure, measure
from .vertical import VerticalCell, VerticalHeadline, compose_vertical

__all__ = ["CAPPED_CHAR_GAP_EM", "HANGING", "MAX_CHAR_GAP_EM", "Box", "Line", "Lines", "PlacedCluster",
           "MAX_HEADLINE_LINES", "HeadlineLines", "compose_headline", "compose_paragraph", "Measure", "measure", "save_metrics",
           "VerticalCell", "VerticalHeadline", "compose_vertical"]


def save_metrics() -> None:
    """Save what the composer measured to the disk cache: the advances and the headlines' words
    (both also saved at exit)."""
    shaping.save_metrics()
    headlines.save_words()
