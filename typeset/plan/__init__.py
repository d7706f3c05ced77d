"""Page planning (组版): article modules that fill the 版心 exactly, from composed line counts —
arithmetic, no trial render. model (what is decided) · planner (what each article can fill) ·
search (the arrangement) · place (module geometry) · issue (pages, jumps, overset) · pictures
(what of each picture shows)."""

from .issue import plan_issue
from .model import (
                    HEADLINE_LEADING,
                    BodyLine,
                    Continuation,
                    Fit,
                    HeadRow,
                    IssuePlan,
                    ModulePlan,
                    Overset,
                    PagePlan,
                    Rect,
                    TextColumn,
)
from .planner import Planner

__all__ = ["plan_issue", "HEADLINE_LEADING", "BodyLine", "Continuation", "Fit", "HeadRow", "IssuePlan", "ModulePlan",
           "Overset", "PagePlan", "Rect", "TextColumn", "Planner"]
