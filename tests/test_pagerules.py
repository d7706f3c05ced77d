"""The page designer's rules (typeset.plan.rules) on hand-made pages: each rule is found where a
美编 would mark it, in the designer's words, and a page that keeps the rules has no finding."""

from __future__ import annotations

from types import SimpleNamespace

from PIL import Image

from typeset import plan
from typeset.model.records import Article, Page, Picture
from typeset.plan import rules as pagerules
from typeset.sources.designs import load_layout

LAYOUT = load_layout("duikai")
PITCH = LAYOUT.grid.pitch_pt


def module(slug: str, column: int, row: int, columns: int, lines: int, *, priority: int = 5, head: int = 4,
           size: float = 24, role: str = "heiti", text_columns: int | None = None, depth: int | None = None,
           picture: tuple[int, int] | None = None, picture_file: str = "p.jpg") -> plan.ModulePlan:
    """A module at grid cell (column, row), `columns` 栏 × `lines` lines, with a 主题 area of
    `head` lines, text columns `depth` lines deep and a picture of (栏, lines) at its top."""
    article = Article(slug=slug, title="标题", paragraphs=("正文。",), priority=priority,
                      pictures=(Picture(file=picture_file),) if picture else ())
    rows = (plan.HeadRow("title", role, size, ()),) if head else ()
    fit = plan.Fit(columns, lines, text_columns or columns, rows, head, (), picture[0] if picture else 0,
                   picture[1] if picture else 0, (), 0.0)
    x, y = LAYOUT.column_x(column), row * PITCH
    rect = plan.Rect(x, y, LAYOUT.span_width(columns), lines * PITCH)
    head_rect = plan.Rect(x, y, rect.w, head * PITCH)
    picture_rect = plan.Rect(x, y + head_rect.h, LAYOUT.span_width(picture[0]), picture[1] * PITCH) if picture else None
    under = picture[1] if picture else 0
    count = text_columns or columns
    width = rect.w / count
    depth = lines - head - under if depth is None else depth
    line = plan.BodyLine(None, 0)
    text = [plan.TextColumn(plan.Rect(x + c * width, y + (head + under) * PITCH, width, depth * PITCH), [line])
            for c in range(count) if depth]
    return plan.ModulePlan(article, fit, column, row, rect, head_rect, picture_rect, None, text,
                           pictures=[(0, picture_rect)] if picture_rect else [])


def page(*modules: plan.ModulePlan) -> plan.PagePlan:
    return plan.PagePlan(Page(number=5, section="版", articles=("a",)), LAYOUT, list(modules))


def findings(page_plan: plan.PagePlan, folder=None) -> list[str]:
    issue_plan = SimpleNamespace(pages=[page_plan], issue=SimpleNamespace(folder=folder))
    return [f.message for f in pagerules.findings(issue_plan)]


def good_page() -> plan.PagePlan:
    """The 头条's headline across the top, its body down the left, a column of items down the
    right; the module tops of the two columns ten lines apart."""
    return page(module("lead", 0, 0, 8, 8, priority=1, size=44, head=8, depth=0),
                module("lead", 0, 8, 5, 40, priority=1, head=0),
                module("c", 5, 8, 3, 30, priority=2, size=30, role="biaosong"),
                module("b", 0, 48, 5, 54, priority=3, size=28),
                module("d", 5, 38, 3, 64, priority=4, size=26, role="biaosong"))


def test_a_page_that_keeps_the_rules_has_no_finding():
    assert findings(good_page()) == []


def test_headlines_side_by_side_are_a_bump():
    bumped = page(module("a", 0, 0, 4, 102, priority=1, size=32), module("b", 4, 0, 4, 102, priority=2))
    assert findings(bumped) == ["碰题: a / b — headlines side by side at the same height"]
    # a full page: the planner found no plan within the rules that fills it, and says so
    issue_plan = SimpleNamespace(pages=[bumped], issue=SimpleNamespace(folder=None))
    assert pagerules.findings(issue_plan)[0].hint.endswith("the planner broke this rule to fill the page")
    bumped.empty_lines = 20
    assert "broke" not in pagerules.findings(issue_plan)[0].hint
    staggered = page(module("a", 0, 0, 4, 102, priority=1, size=32),
                     module("x", 4, 0, 4, 10, priority=2, head=0, depth=10),
                     module("b", 4, 10, 4, 92, priority=3, role="biaosong"))
    assert not [m for m in findings(staggered) if "碰题" in m]


def test_four_corners_meeting_are_a_cross():
    cross = page(module("a", 0, 0, 4, 50, priority=1, size=32), module("b", 4, 0, 4, 50, priority=2),
                 module("c", 0, 50, 4, 52, priority=3), module("d", 4, 50, 4, 52, priority=4))
    assert "十字: four module corners meet at 栏 4, line 50" in findings(cross)
    assert not [m for m in findings(good_page()) if "十字" in m]


def test_a_second_full_width_text_module_is_a_stripe():
    stripes = page(module("a", 0, 0, 8, 50, priority=1, size=32), module("b", 0, 50, 8, 52, priority=2))
    assert findings(stripes) == ["通栏: a second full-width text module (b) — the page reads as stripes"]


def test_shallow_text_columns():
    shallow = good_page()
    shallow.modules[2] = module("c", 5, 8, 3, 30, priority=2, size=30, role="biaosong", depth=7)
    assert findings(shallow) == ["字块 only 7 lines deep (at least 12)"]


def test_crop_and_share_of_pictures(tmp_path):
    Image.new("RGB", (300, 200)).save(tmp_path / "p.jpg")
    # a 3:2 landscape in a square box loses a third of its width
    square = round(LAYOUT.span_width(4) / PITCH)
    cropped = page(module("a", 0, 0, 8, 102, priority=1, size=32, picture=(4, square)))
    assert findings(cropped, tmp_path) == ["picture cropped 34% (at most 15%)"]   # the box is 1.01 : 1
    fitting = round(LAYOUT.span_width(4) * 2 / 3 / PITCH)
    assert findings(page(module("a", 0, 0, 8, 102, priority=1, size=32, picture=(4, fitting))), tmp_path) == []
    big = round(LAYOUT.span_width(8) * 2 / 3 / PITCH)         # 8 栏 wide: half the page
    share = [m for m in findings(page(module("a", 0, 0, 8, 102, priority=1, size=32, picture=(8, big))),
                                 tmp_path) if "版心" in m]
    assert share == [f"pictures take {big / LAYOUT.grid.lines:.0%} of the 版心 (at most 45%)"]   # a sparse page


def test_a_lower_priority_with_a_larger_headline():
    inverted = good_page()
    inverted.modules[4] = module("d", 5, 38, 3, 64, priority=4, size=29, role="biaosong")
    assert findings(inverted) == ["主题 of d (29 pt) is larger than that of the more important b (28 pt)"]


def test_neighbouring_headlines_in_one_face():
    same = good_page()
    same.modules[4] = module("d", 5, 38, 3, 64, priority=4, size=26, role="heiti")
    assert findings(same) == ["neighbouring 主题 b / d in the same face"]
