"""竖题 on a built page: the 7,500-character test page with one item marked `headline: vertical`
in its record, built as a user builds it and read back from the PDF and its sidecar. Its 主题's
glyphs stand upright in one column, top to bottom in reading order, beside its text (the
headline part to the right of the text columns, at the same height), and no glyph of the text
overlaps them; the page still keeps the design rules (tests/pagedesign.py). The checkers are
shown hand-made bad glyphs. The house-style switch ([headline] vertical) is checked on the
planner's offers.
"""

from __future__ import annotations

import json

import design_pages
import pdfplumber
import pytest
from conftest import ROOT, build_archive
from pagedesign import measure_build

PAGE, ASKED = design_pages.VERTICAL
EPS = 0.5
CLOSING_MARKS = set("，。、；：！？）］｝〕〗】》〉」』”’")


def column_problems(chars: list[dict], title: str) -> list[str]:
    """What is wrong with glyphs meant as a 竖题 of `title`, in a proofreader's words."""
    if not chars:
        return ["竖题 not printed"]
    size = max(c["size"] for c in chars)
    problems = []
    down = sorted(chars, key=lambda c: c["top"])
    if "".join(c["text"] for c in down) != "".join(title.split()):
        problems.append(f"竖题 reads '{''.join(c['text'] for c in down)}' top to bottom")
    centres = [(c["x0"] + c["x1"]) / 2 for c in chars]
    if max(centres) - min(centres) > 0.3 * size:
        problems.append(f"竖题 not one column: glyph centres {max(centres) - min(centres):.1f} pt apart")
    steps = [b["top"] - a["top"] for a, b in zip(down, down[1:])]
    if any(step < 0.8 * size for step in steps):
        problems.append("竖题 glyphs closer than a character's height: not one a cell")
    if not all(c["upright"] for c in chars):
        problems.append("竖题 glyphs turned")
    return problems


def overlapping(head: list[dict], text: list[dict]) -> list[tuple[str, str]]:
    """Pairs (headline glyph, text glyph) whose boxes overlap by more than EPS."""
    return [(h["text"], t["text"]) for h in head for t in text
            if min(h["x1"], t["x1"]) - max(h["x0"], t["x0"]) > EPS
            and min(h["bottom"], t["bottom"]) - max(h["top"], t["top"]) > EPS]


def _right(c: dict) -> float:
    """A glyph's right edge; a closing mark set half-width (at a line end) inks only its left half."""
    return c["x0"] + c["size"] / 2 if c["text"] in CLOSING_MARKS else c["x1"]


def _inside(c: dict, rect, height: float) -> bool:
    x, y = (c["x0"] + c["x1"]) / 2, height - (c["top"] + c["bottom"]) / 2
    return rect[0] - EPS <= x <= rect[2] + EPS and rect[1] - EPS <= y <= rect[3] + EPS


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(the measured page, the asked item's headline glyphs, its text glyphs, its parts, title)."""
    base = tmp_path_factory.mktemp("vertical")
    folder = design_pages.write_vertical_page(base / "vertical")
    pdf_path, sidecar_path = build_archive(folder, base / "out")
    sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
    article = next(a for a in sidecar["articles"] if a["slug"] == ASKED)
    [region] = article["regions"]
    parts = {kind: [p["pdf"] for p in region["parts"] if p["kind"] == kind] for kind in ("headline", "text")}
    title = article["fields"]["title"]
    with pdfplumber.open(pdf_path) as pdf:
        page = pdf.pages[0]
        height = float(page.height)
        strip = parts["headline"][0]
        # whole glyphs in it past the text's edge: a text line's last 、，。 may hang into the gap before it
        text_edge = max(r[2] for r in parts["text"])
        head = [c for c in page.chars if _inside(c, strip, height) and c["x0"] >= max(strip[0], text_edge) + EPS
                and c["text"].strip()]
        text = [c for c in page.chars if c["text"].strip() and any(_inside(c, r, height) for r in parts["text"])]
    [design] = measure_build(pdf_path, sidecar_path, folder, ROOT / "layouts")
    return design, head, text, parts, title


def test_the_asked_headline_prints_upright_in_one_column_top_to_bottom(built):
    _, head, _, _, title = built
    assert "".join(c["text"] for c in head) == "".join(title.split())      # nothing else in the strip
    assert not column_problems(head, title), column_problems(head, title)


def test_it_stands_beside_its_text_and_no_text_overlaps_it(built):
    _, head, text, parts, _ = built
    [strip] = parts["headline"]
    assert len(text) > 300                                                 # the item's text was read
    assert all(r[2] <= strip[0] + EPS for r in parts["text"])               # text columns left of it …
    assert any(min(r[3], strip[3]) - max(r[1], strip[1]) > 0 for r in parts["text"])   # … at its height
    assert not any(_right(t) > strip[0] + EPS for t in text)
    assert not overlapping(head, text)


def test_the_page_keeps_the_design_rules(built):
    design = built[0]
    assert not design.violations, [str(v) for v in design.violations]


def test_the_checkers_see_hand_made_bad_headlines():
    def glyph(ch, x, top, size=24.0, upright=True):
        return {"text": ch, "x0": x, "x1": x + size, "top": top, "bottom": top + size, "size": size,
                "upright": upright}

    title = "汛期安全检查"
    good = [glyph(ch, 100, 10 + 24 * i) for i, ch in enumerate(title)]
    assert not column_problems(good, title)
    across = [glyph(ch, 100 + 24 * i, 10) for i, ch in enumerate(title)]           # set across
    assert any("one column" in p for p in column_problems(across, title))
    upward = [glyph(ch, 100, 200 - 24 * i) for i, ch in enumerate(title)]           # bottom to top
    assert any("reads" in p for p in column_problems(upward, title))
    turned = [glyph(ch, 100, 10 + 24 * i, upright=False) for i, ch in enumerate(title)]
    assert column_problems(turned, title) == ["竖题 glyphs turned"]
    crowded = [glyph(ch, 100, 10 + 12 * i) for i, ch in enumerate(title)]          # cells overlap
    assert any("closer" in p for p in column_problems(crowded, title))
    body = [glyph("的", 100 + 12, 34, 9.0)]                                         # a text glyph on 期
    assert overlapping(good, body) == [("期", "的")]
    assert not overlapping(good, [glyph("的", 100 - 12, 34, 9.0)])


def test_the_house_style_decides_for_items_that_do_not_ask():
    """`[headline] vertical = "auto"` offers a 竖题 to a short 主题 of a 2 栏 text module;
    "never" to none but a record that asks; a record may refuse it."""
    from typeset.model.records import Article
    from typeset.plan import Planner
    from typeset.sources.designs import load_layout

    duikai = load_layout("duikai")
    assert duikai.headline.vertical == "never"        # the sample design's choice: planning time (see layout.toml)
    layout = duikai.model_copy(update={"headline": duikai.headline.model_copy(update={"vertical": "auto"})})
    body = ("县应急管理局组织工作人员深入左营乡，实地查看汛前检查推进情况，现场协调解决群众反映的实际问题。" * 12,)
    short = Article(slug="a", title="汛期安全检查不留死角", paragraphs=body, priority=3)
    asked, refused = short.model_copy(update={"headline": "vertical"}), short.model_copy(update={"headline": "horizontal"})
    never = duikai
    offers = {}
    for name, design in (("auto", layout), ("never", never)):
        planner = Planner(design)
        planner.ranks = {"a": 2}
        offers[name] = {a.headline: bool(planner.vertical_fits(a, 2)) for a in (short, asked, refused)}
        assert all(f.head_width for f in planner.fits(asked, 2).values())     # asked: only the 竖题
    assert offers == {"auto": {None: True, "vertical": True, "horizontal": False},
                      "never": {None: False, "vertical": True, "horizontal": False}}
