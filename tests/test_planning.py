"""The page planner: full pages of rectangular modules from the records, like a page editor's.

Plans are checked as geometry on the grid (no overlap, no hole taller than two body lines,
balanced columns, the lead on top with the largest headline, every character placed once);
a selection is rendered and checked from the PDF (each module's text inside its rectangle).
"""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT, article
from conftest import write_issue as write_small_issue

from typeset import pipeline, plan, preflight
from typeset.model.errors import UserError
from typeset.sources import issue_folder

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402

CASES = {  # name: (layout, articles, pictures, lengths in characters)
    "duikai-3-text": ("duikai", 3, False, [4000, 2500, 1500]),
    "duikai-3-pictures": ("duikai", 3, True, [400, 3000, 600]),
    "duikai-5-pictures": ("duikai", 5, True, [1500, 1200, 900, 600, 300]),
    "duikai-8-text": ("duikai", 8, False, [1600, 1300, 1000, 800, 700, 500, 400, 300]),
    "duikai-8-pictures": ("duikai", 8, True, [1400, 1100, 900, 700, 600, 500, 400, 200]),
    "sikai-3-pictures": ("sikai", 3, True, [900, 500, 300]),
    "sikai-5-text": ("sikai", 5, False, [1200, 800, 600, 400, 300]),
    "sikai-8-pictures": ("sikai", 8, True, [400, 250, 200, 200, 150, 150, 100, 100]),
}


@pytest.fixture(scope="module")
def issues(tmp_path_factory):
    root = tmp_path_factory.mktemp("plans")
    folders = {}
    for name, (layout, count, pictures, lengths) in CASES.items():
        folders[name] = generate.write_issue(root / name, articles=count, pictures=pictures, layout=layout,
                                             lengths=lengths, seed=count)
    return folders


def cells(module: plan.ModulePlan):
    return {(c, r) for c in range(module.column, module.column + module.fit.columns)
            for r in range(module.row, module.row + module.fit.lines)}


def taken_cells(page: plan.PagePlan) -> set:
    """The grid cells the modules cover; no two modules share one, none is off the page."""
    grid = page.layout.grid
    taken: set = set()
    for module in page.modules:
        mine = cells(module)
        assert not taken & mine, f"{module.article.slug} overlaps another module"
        assert all(0 <= c < grid.columns and 0 <= r < grid.lines for c, r in mine), module.article.slug
        taken |= mine
    return taken


def assert_page_is_full(page: plan.PagePlan):
    """The modules cover the page but for one rectangle at the foot, `empty_lines` deep across
    the page or across `empty_span` (an underfull page keeps its spare area there), and no
    other hole taller than two lines."""
    grid = page.layout.grid
    taken = taken_cells(page)
    first, wide = page.empty_span or (0, grid.columns)
    spare = {(c, r) for c in range(first, first + wide) for r in range(grid.lines - page.empty_lines, grid.lines)}
    assert not taken & spare, "a module in the empty area at the foot"
    for column in range(grid.columns):
        run = 0
        for row in range(grid.lines):
            run = 0 if (column, row) in taken | spare else run + 1
            assert run <= 2, f"hole of {run} lines in 栏 {column + 1} at line {row}"


def assert_columns_balanced(module: plan.ModulePlan):
    """Every text column ends at the module's foot or one line above it."""
    bottom = module.rect.y + module.rect.h
    pitch = module.fit.lines and module.rect.h / module.fit.lines
    for column in module.columns:
        end = column.rect.y + len(column.lines) * pitch
        assert bottom - pitch - 0.01 <= end <= bottom + 0.01, module.article.slug


@pytest.mark.parametrize("name", CASES)
def test_generated_pages_plan_full(name, issues):
    issue = issue_folder.load_issue(issues[name])
    issue_plan = plan.plan_issue(issue)
    page = issue_plan.pages[0]
    assert_page_is_full(page)
    if page.empty_lines > preflight.plan.UNDERFULL_LINES:   # honestly underfull, and said so
        assert [f.check for f in preflight.check_plan(issue_plan)].count("underfull") == 1
    for module in page.modules:
        assert_columns_balanced(module)
    lead = min(page.modules, key=lambda m: m.article.priority)
    assert lead.row == 0 and lead.column == 0, "the 头条 sits top left"
    title_sizes = {m.article.slug: r.size for m in page.modules for r in m.fit.head if r.kind == "title"}
    assert title_sizes[lead.article.slug] == max(title_sizes.values())
    assert preflight.check_plan_text(issue_plan) == []
    assert len({m.article.slug for m in page.modules}) == CASES[name][1]


def test_sample_page_plan(sample_issue):
    issue_plan = plan.plan_issue(issue_folder.load_issue(sample_issue))
    page = issue_plan.pages[0]
    # 2,150 characters and four pictures held to their share of the page: underfull, said so,
    # the spare area one rectangle at the foot (the pictures are not blown up to hide it)
    assert len({m.article.slug for m in page.modules}) == 4
    assert_page_is_full(page)
    assert page.empty_lines <= 2 or "underfull" in [f.check for f in preflight.check_plan(issue_plan)]
    lead = page.modules[0]
    assert lead.article.kicker and lead.row == 0 and lead.fit.head[0].kind == "kicker"
    assert all(m.picture_rect for m in page.modules if m.columns)


@pytest.mark.parametrize("name", ["duikai-8-pictures", "sikai-5-text"])
def test_rendered_modules_hold_their_text(name, issues, tmp_path):
    """From the PDF: every module's characters lie inside its rectangle (no overflow, no
    overlap), per module and per record."""
    result = pipeline.build(issues[name], tmp_path)          # preflight.check_pdf runs inside
    findings = preflight.check_text(result.pdf, result.plan, extractor="pdfplumber")
    assert [f.message for f in findings] == []


def text_only_issue(folder, pages: int, chars: int):
    return generate.write_issue(folder, pages=pages, articles=3, lengths=[chars, chars // 2, chars // 3], seed=11)


def test_overfull_page_jumps_to_the_next(tmp_path):
    folder = text_only_issue(tmp_path / "jump", pages=2, chars=7000)
    # page 2 gets only one short article of its own, so there is room for the continuation
    toml = (folder / "issue.toml").read_text(encoding="utf-8")
    toml = toml.replace('articles = ["p2-01", "p2-02", "p2-03"]', 'articles = ["p2-03"]')
    (folder / "issue.toml").write_text(toml, encoding="utf-8")
    issue_plan = plan.plan_issue(issue_folder.load_issue(folder))
    first, second = issue_plan.pages
    jumping = [m for m in first.modules if m.fit.jump_to]
    continued = [m for m in second.modules if m.continuation]
    assert len(jumping) == 1 and len(continued) == 1
    assert jumping[0].fit.jump_to == 2 and continued[0].continuation.from_page == 1
    assert continued[0].record.slug == jumping[0].article.slug
    jump_lines = [b.line.text() for b in jumping[0].fit.body if b.cls == "jump"]
    assert jump_lines == ["（下转第2版）"]
    assert "（上接第1版）" in "".join(l.text() for r in continued[0].fit.head for l in r.lines)
    assert preflight.check_plan_text(issue_plan) == []       # the continued text exactly once
    result = pipeline.build(folder, tmp_path / "out")
    assert result.report.errors == []


def test_overset_without_a_next_page_fails_naming_the_article(tmp_path):
    folder = text_only_issue(tmp_path / "over", pages=1, chars=9000)
    with pytest.raises(UserError) as caught:
        plan.plan_issue(issue_folder.load_issue(folder))
    message = str(caught.value)
    assert "溢出" in message and "p1-03" in message and "lines" in message and "characters" in message
    assert not list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else True


def test_pins_are_respected(tmp_path):
    body = "\n\n".join(["本报讯　这是一段用来测试钉住版面的正文，内容不长，但足够排出几行。"] * 12)
    folder = write_small_issue(tmp_path / "pins", {
        "a": article("头条文章的标题", body * 2, priority=1),
        "b": article("钉住宽度的稿件", body, priority=2, pin={"columns": 3, "text_columns": 2}),
        "c": article("第三篇", body, priority=3),
    })
    page = plan.plan_issue(issue_folder.load_issue(folder)).pages[0]
    pinned = next(m for m in page.modules if m.article.slug == "b")
    assert pinned.fit.columns == 3 and pinned.fit.text_columns == 2     # 三破二
    grid, wide = page.layout.grid, page.empty_span[1] if page.empty_span else page.layout.grid.columns
    assert len(taken_cells(page)) == grid.columns * grid.lines - wide * page.empty_lines


def test_position_pin_is_respected(tmp_path):
    folder = generate.write_issue(tmp_path / "pinned", articles=5, pictures=True,
                                  lengths=[1500, 1200, 900, 600, 300], seed=5)
    path = folder / "articles" / "p1-03.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "---\n", "---\npin:\n  column: 6\n  row: 1\n  columns: 3\n", 1), encoding="utf-8")
    page = plan.plan_issue(issue_folder.load_issue(folder)).pages[0]
    pinned = next(m for m in page.modules if m.article.slug == "p1-03")
    assert (pinned.column, pinned.row, pinned.fit.columns) == (5, 0, 3)     # 第6栏, line 1, 3 栏 wide
    assert page.empty_lines == 0
    assert_page_is_full(page)


def test_position_pin_outside_the_page_is_an_error(tmp_path):
    folder = write_small_issue(tmp_path / "bad-pin", {
        "a": article("标题", "正文。", pin={"column": 7, "row": 1, "columns": 4})})
    with pytest.raises(UserError, match="a.md: field 'pin.columns'|outside the page"):
        plan.plan_issue(issue_folder.load_issue(folder))


def test_a_short_article_with_a_picture_still_plans(tmp_path):
    """Text under a full-width picture may be short; only text beside a picture must reach
    below it."""
    folder = generate.write_issue(tmp_path / "short", articles=1, pictures=True, lengths=[60], seed=3)
    module = plan.plan_issue(issue_folder.load_issue(folder)).pages[0].modules[0]
    assert module.picture_rect and module.fit.body


def test_an_article_longer_than_the_page_is_named(tmp_path):
    folder = generate.write_issue(tmp_path / "huge", articles=2, lengths=[30000, 300], seed=3)
    with pytest.raises(UserError, match=r"溢出.*\(p1-01\) alone has \d+ characters"):
        plan.plan_issue(issue_folder.load_issue(folder))


def _widows(heights: list[int], body) -> int:
    """Columns after the first that begin with the last line of a paragraph of several lines,
    counted here from the body lines' own marks (paragraph number, last line of it)."""
    count, top = 0, 0
    for lines in heights[:-1]:
        top += lines
        if 0 < top < len(body):
            line, before = body[top], body[top - 1]
            count += line.cls == "" and line.line.last and before.paragraph == line.paragraph
    return count


def test_the_widow_count_sees_a_hand_made_widow():
    class Line:
        def __init__(self, last):
            self.last = last

    class Body:
        def __init__(self, paragraph, last):
            self.cls, self.paragraph, self.line = "", paragraph, Line(last)

    body = [Body(0, False), Body(0, False), Body(0, True), Body(1, True)]
    assert _widows([2, 2], body) == 1          # the 2nd column opens with paragraph 0's last line
    assert _widows([3, 1], body) == 0
    assert plan.place._widow_at(body, 2) and not plan.place._widow_at(body, 3)


@pytest.mark.parametrize("name", ["duikai-8-text", "duikai-3-text", "sikai-5-text"])
def test_no_widow_at_a_column_top_when_it_can_be_avoided(name, issues):
    """A column does not begin with the one-line tail of a paragraph, unless every choice of
    which columns end a line early (all balanced) would begin one so."""
    import itertools

    page = plan.plan_issue(issue_folder.load_issue(issues[name])).pages[0]
    for module in [m for m in page.modules if not m.picture_rect]:     # columns of equal height
        heights = [len(c.lines) for c in module.columns]
        if not _widows(heights, module.fit.body):
            continue
        full = [max(heights)] * len(heights)
        short = sum(full) - len(module.fit.body)
        options = [[f - (c in chosen) for c, f in enumerate(full)]
                   for chosen in itertools.combinations(range(len(full)), short)]
        assert all(_widows(o, module.fit.body) for o in options), module.article.slug


def test_planning_sets_only_the_lines_it_prints(sample_issue, monkeypatch):
    """The planner tries every module width but only counts lines there: spacing and placing
    a line (the costly part of composing) happens for the lines the page prints, once each."""
    from typeset import compose, render

    set_lines = []
    real = compose.setting._LineSetter.set
    monkeypatch.setattr(compose.setting._LineSetter, "set", lambda self: set_lines.append(self) or real(self))
    compose.setting._shared_paragraph.cache_clear()
    compose.setting._composed.cache_clear()        # no lines set by an earlier test
    compose.headlines._headline.cache_clear()
    issue_plan = plan.plan_issue(issue_folder.load_issue(sample_issue))
    printed = sum(sum(len(row.lines) for row in m.fit.head) + len(m.fit.body) + len(m.fit.caption)
                  for page in issue_plan.pages for m in page.modules)      # counted without reading them
    assert len(set_lines) < printed / 3      # only headline lines and the column tops, read to avoid widows there
    render.render_html(issue_plan)
    assert len(set_lines) == printed
